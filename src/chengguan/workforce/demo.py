"""Demo workforce: a personnel record for every demo officer/assistant account, plus synthetic staff per
中队 in roughly the seeds' proportion of formal staff to auxiliaries (455 : 1,056 ≈ 1 : 2.3, scaled
down), police and auxiliary police for the joint squads, certificates (some expiring within 30 days,
one expired, one revoked), monthly legal trainings and quarterly drills with attendance, post exams
(a few missing, so the overdue report has rows), last month's performance records and equipment
(vehicles, e-bikes, radios, 执法记录仪 with device ids, dash cameras, cameras, drones).

``officer1`` and ``officer2`` hold valid certificates (more than a year left); ``assistant1`` is a
协管员 without one. Everything is generated from the demo seed: the same seed gives the same staff."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.workforce.models import (
    Certificate,
    Equipment,
    ExamResult,
    PerformanceRecord,
    Person,
    PersonEvent,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)

# Per 中队: extra formal officers, auxiliaries, police, auxiliary police.
PER_SQUAD = {"small": (1, 4, 1, 2), "city": (2, 8, 1, 2), "large": (4, 16, 2, 4)}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦傅方白邹孟熊秦邱江尹薛"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇轩然鹏飞俊峰海波辉晨阳雪梅琳婷宁"
ISSUER = "南通市人民政府"
SCOPE = "城市管理综合行政执法（海门区）"


def load(session: Session, ctx: Any) -> dict[str, int]:
    rng = random.Random(ctx.seed + 606)
    people, certs = _people(session, ctx, rng)
    n_certs = _certificates(session, people, certs, rng)
    _training(session, people, rng)
    _performance(session, people, rng)
    n_eq = _equipment(session, ctx, people, rng)
    session.flush()
    return {"people": len(people), "certificates": n_certs, "equipment": n_eq}


class _Staff:
    """Builds personnel rows: unique names, employee numbers, the unit's street."""

    def __init__(self, ctx: Any, rng: random.Random) -> None:
        self.ctx, self.rng, self.depts = ctx, rng, ctx.departments
        self.today = clock.local(clock.now()).date()
        self.used = {u.display_name for u in ctx.users.values()}
        self.n = 0
        self.people: list[Person] = []
        self.certs: list[tuple[Person, str | None]] = []

    def name(self) -> str:
        while True:
            rng = self.rng
            n = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))
            if n not in self.used:
                self.used.add(n)
                return n

    def add(self, kind: str, force: str, dept_key: str | None, post: str, user: Any = None, nm: str | None = None,
            status: str = "in_post", cert: bool = False, cert_no: str | None = None) -> Person:
        d = self.depts.get(dept_key) if dept_key else None
        prefix = {"police": "JH", "aux_police": "FJ"}.get(force, "CG" if kind != "auxiliary" else "XG")
        self.n += 1
        street = d.region_code if d is not None and d.region_code and len(d.region_code) == 9 else None
        p = Person(user_id=user.id if user is not None else None, employee_no=f"{prefix}{self.n:05d}",
                   name=nm or self.name(), gender=self.rng.choice(("男", "男", "男", "女")), kind=kind, force=force,
                   department_id=d.id if d is not None else None, street_code=street, post=post,
                   status=status, phone=f"139{self.rng.randrange(10**8):08d}",
                   joined_on=self.today - timedelta(days=self.rng.randrange(200, 5000)))
        self.people.append(p)
        if cert:
            self.certs.append((p, cert_no))
        return p


def _people(session: Session, ctx: Any, rng: random.Random) -> tuple[list[Person], list[tuple[Person, str | None]]]:
    st = _Staff(ctx, rng)
    depts = ctx.departments
    # 1. the demo accounts (officers certified, assistants not)
    squads_seen: dict[str, int] = {}
    for person in ctx.city.people:
        u = ctx.users.get(person.username)
        d = depts.get(person.department_key) if person.department_key else None
        if person.role == "officer":
            n = squads_seen.get(person.department_key or "", 0)
            squads_seen[person.department_key or ""] = n + 1
            post = "中队长" if n == 0 and person.username not in ("officer1", "officer2") else "执法队员"
            st.add(rng.choice(("civil_servant", "managed", "managed", "institution")), "chengguan",
                   person.department_key, post, user=u, nm=person.name, cert=True, cert_no=person.certificate_no)
        elif person.role == "auxiliary":
            st.add("auxiliary", "xieguan", person.department_key, "协管员", user=u, nm=person.name)
        elif person.role == "dept_handler" and d is not None and d.kind == "enforcement":
            # the case handlers of enforcement units feed back cases as enforcement officers: certified
            st.add("managed", "chengguan", person.department_key, "内勤", user=u, nm=person.name, cert=True)
    # 2. synthetic staff per 中队
    formal, aux, police, aux_police = PER_SQUAD.get(ctx.scale, PER_SQUAD["city"])
    for key in sorted(k for k, d in depts.items() if d.type_key == "enforcement_squad"):
        for i in range(formal):
            status = "training" if i == 0 and rng.random() < 0.3 else "in_post"
            st.add(rng.choice(("civil_servant", "managed", "institution")), "chengguan", key, "执法队员",
                   status=status, cert=True)
        for i in range(aux):
            st.add("auxiliary", "xieguan", key, "协管员", status="left" if i == aux - 1 and rng.random() < 0.2 else "in_post")
        for _ in range(police):
            st.add("civil_servant", "police", key, "民警")
        for _ in range(aux_police):
            st.add("auxiliary", "aux_police", key, "辅警")
    st.add("managed", "chengguan", "hm_zfdd", "法制员", cert=True)
    session.add_all(st.people)
    session.flush()
    return st.people, st.certs


def _certificates(session: Session, people: list[Person], certs: list[tuple[Person, str | None]],
                  rng: random.Random) -> int:
    now = clock.now()
    today = clock.local(now).date()
    seq = 9000
    rows: list[Certificate] = []
    special = [p for p, _ in certs if p.user_id is None]
    rng.shuffle(special)
    expiring = set(id(p) for p in special[: max(2, len(special) // 6)])
    expired = special[len(expiring)] if len(special) > len(expiring) else None
    revoked = special[len(expiring) + 1] if len(special) > len(expiring) + 1 else None
    for p, number in certs:
        seq += 1
        number = number or f"320614{2018 + seq % 6}{seq:04d}"
        valid_from = today - timedelta(days=rng.randrange(300, 1500))
        if id(p) in expiring:
            valid_to = today + timedelta(days=rng.randrange(3, 29))
        elif p is expired:
            valid_to = today - timedelta(days=rng.randrange(5, 40))
        else:
            valid_to = today + timedelta(days=rng.randrange(400, 1600))
        c = Certificate(person_id=p.id, number=number, issuing_body=ISSUER, scope=SCOPE, scopes=[],
                        valid_from=valid_from, valid_to=valid_to)
        if p is revoked:
            c.revoked_at = now - timedelta(days=12)
            c.revoked_reason = "调离执法岗位"
        rows.append(c)
    session.add_all(rows)
    for p in people:
        session.add(PersonEvent(person_id=p.id, at=now - timedelta(days=30), kind="created",
                                text=f"建立人员档案（{p.post}）", data={}))
    return len(rows)


def _training(session: Session, people: list[Person], rng: random.Random) -> None:
    now = clock.now()
    today = clock.local(now).date()
    # 4. training: monthly legal training (last 6 months), quarterly drills (last 2), pre-post course
    courses = {
        "legal": TrainingCourse(code="FZ-MONTH", title="月度法律法规培训", kind="legal", hours=3, has_exam=True,
                                pass_mark=60, description="《行政处罚法》《江苏省城市市容和环境卫生管理条例》等"),
        "drill": TrainingCourse(code="YJ-QUARTER", title="季度应急处置演练", kind="drill", hours=4,
                                description="群体性事件、暴力抗法、突发恶劣天气的现场处置"),
        "pre_post": TrainingCourse(code="SG-EXAM", title="岗前培训及上岗考试", kind="pre_post", hours=16,
                                   has_exam=True, pass_mark=70, description="政治思想、队容风纪、执法程序、文书制作"),
    }
    session.add_all(courses.values())
    session.flush()
    enforcement = [p for p in people if p.force in ("chengguan", "xieguan") and p.status != "left"]
    sessions: list[tuple[TrainingSession, str]] = []
    for m in range(6, 0, -1):
        start = _local(today - timedelta(days=30 * m - 3), 14)
        sessions.append((TrainingSession(course_id=courses["legal"].id, starts_at=start,
                                         ends_at=start + timedelta(hours=3), location="区城管局三楼会议室",
                                         trainer="区司法局法律顾问", status="held"), "legal"))
    for q in (2, 1):
        start = _local(today - timedelta(days=91 * q - 10), 9)
        sessions.append((TrainingSession(course_id=courses["drill"].id, starts_at=start,
                                         ends_at=start + timedelta(hours=4), location="滨江广场",
                                         trainer="执法大队督察科", status="held"), "drill"))
    upcoming = _local(today + timedelta(days=9), 14)
    session.add(TrainingSession(course_id=courses["legal"].id, starts_at=upcoming,
                                ends_at=upcoming + timedelta(hours=3), location="区城管局三楼会议室",
                                trainer="区司法局法律顾问", status="planned"))
    session.add_all(s for s, _ in sessions)
    session.flush()
    truants = set(id(p) for p in rng.sample(enforcement, k=max(1, len(enforcement) // 12)))
    att = []
    for ts, kind in sessions:
        for p in enforcement:
            if id(p) in truants and (kind == "drill" or ts.starts_at > now - timedelta(days=70)):
                status = "absent"
            else:
                r = rng.random()
                status = "present" if r < 0.9 else ("late" if r < 0.95 else "excused")
            att.append(TrainingAttendance(session_id=ts.id, person_id=p.id, status=status, recorded_at=ts.ends_at))
        if kind == "legal":
            for p in enforcement:
                if p.kind != "auxiliary" and rng.random() < 0.5:
                    score = round(rng.gauss(84, 8), 1)
                    session.add(ExamResult(person_id=p.id, course_id=courses["legal"].id, session_id=ts.id,
                                           title=courses["legal"].title, taken_on=clock.local(ts.starts_at).date(),
                                           score=min(score, 100.0), pass_mark=60, passed=score >= 60,
                                           recorded_at=ts.ends_at))
    session.add_all(att)
    # post exams: every formal enforcement officer passed one, except a few new ones (overdue report)
    for p in people:
        if p.post not in ("执法队员", "中队长", "法制员"):
            continue
        if p.status == "training" or (p.user_id is None and rng.random() < 0.08):
            continue
        taken = today - timedelta(days=rng.randrange(30, 600))
        score = round(rng.uniform(72, 98), 1)
        session.add(ExamResult(person_id=p.id, course_id=courses["pre_post"].id, title="上岗考试", post=p.post,
                               taken_on=taken, score=score, pass_mark=70, passed=True, recorded_at=now))


def _performance(session: Session, people: list[Person], rng: random.Random) -> None:
    now = clock.now()
    today = clock.local(now).date()
    # 5. performance records for last month
    first = today.replace(day=1)
    period = (first - timedelta(days=1)).strftime("%Y-%m")
    for p in people:
        if p.force != "chengguan" or p.status != "in_post":
            continue
        for metric, value in (("cases_handled", rng.randrange(4, 30)),
                              ("on_post_rate", round(rng.uniform(0.7, 1.0), 3)),
                              ("training_score", round(rng.uniform(60, 100), 1)),
                              ("complaints", rng.choice((0, 0, 0, 1, 1, 2, 4)))):
            session.add(PerformanceRecord(person_id=p.id, period=period, metric=metric, value=float(value),
                                          recorded_at=now))


def _equipment(session: Session, ctx: Any, people: list[Person], rng: random.Random) -> int:
    today = clock.local(clock.now()).date()
    depts = ctx.departments
    squad_keys = sorted(k for k, d in depts.items() if d.type_key == "enforcement_squad")
    # 6. equipment
    eq: list[Equipment] = []
    n_cam = 0
    by_squad: dict[int | None, list[Person]] = {}
    for p in people:
        by_squad.setdefault(p.department_id, []).append(p)
    for i, key in enumerate(squad_keys, 1):
        d = depts[key]
        staff = by_squad.get(d.id, [])
        officers = [p for p in staff if p.force == "chengguan"]
        eq.append(Equipment(code=f"HM-CL-{i:03d}", type="vehicle", model="比亚迪 秦 执法车", plate_no=f"苏F·{7100 + i}G",
                            department_id=d.id, status="in_service", acquired_on=date(2021, 3, 1)))
        eq.append(Equipment(code=f"HM-XC-{i:03d}", type="dash_camera", model="行车记录仪 DVR-2", department_id=d.id,
                            device_id=f"HM-DVR-{i:04d}", status="in_service", acquired_on=date(2021, 3, 1)))
        eq.append(Equipment(code=f"HM-DD-{i:03d}", type="ebike", model="雅迪 执法电动车", department_id=d.id,
                            status="in_service", acquired_on=date(2022, 5, 1)))
        if i % 3 == 0:
            eq.append(Equipment(code=f"HM-MT-{i:03d}", type="motorcycle", model="宗申 巡逻摩托", department_id=d.id,
                                status="in_service", acquired_on=date(2020, 8, 1)))
        for j in range(2):
            eq.append(Equipment(code=f"HM-DJ-{i:03d}{j}", type="radio", model="摩托罗拉 P8668i", department_id=d.id,
                                holder_id=officers[j].id if len(officers) > j else None,
                                status="in_service", acquired_on=date(2022, 1, 1)))
        eq.append(Equipment(code=f"HM-XJ-{i:03d}", type="camera", model="佳能 EOS R10", department_id=d.id,
                            device_id=f"HM-CAM-{i:04d}", status="idle", acquired_on=date(2023, 6, 1)))
        for p in officers:
            n_cam += 1
            eq.append(Equipment(code=f"HM-JLY-{n_cam:04d}", type="body_camera", model="海康 DSJ-X2",
                                device_id=f"HM-BWC-{n_cam:04d}", department_id=d.id, holder_id=p.id,
                                status="in_service", acquired_on=date(2023, 4, 1)))
    zfdd = depts.get("hm_zfdd")
    for k in range(2):
        eq.append(Equipment(code=f"HM-WRJ-{k + 1:03d}", type="drone", model="大疆 Mavic 3E", device_id=f"HM-UAV-{k + 1:04d}",
                            department_id=zfdd.id if zfdd else None, status="in_service" if k == 0 else "in_repair",
                            acquired_on=date(2024, 9, 1)))
    for e in eq:
        days = {"body_camera": 30, "drone": 30, "radio": 180, "camera": 180}.get(e.type, 90)
        e.last_check_on = today - timedelta(days=rng.randrange(1, days + 20))
        e.next_check_due = e.last_check_on + timedelta(days=days)
    session.add_all(eq)
    return len(eq)


def _local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=clock.SHANGHAI)
