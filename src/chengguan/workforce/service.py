"""Workforce logic: personnel records, certificates and THE certificate guard, training and exams,
performance rankings, equipment and the media body cameras produce.

The certificate guard
---------------------
``require_certified_officer(session, user_id, at=None, scope=None) -> Certificate`` is the ONE place
that decides whether a platform user may act as an administrative enforcement officer (执法人员).
Every guard in the platform (enforcement case handler, inspections, decisions …) calls it, or
``is_certified`` for a yes/no. It raises ``Forbidden`` (HTTP 403) with a Chinese message naming the
reason: no personnel record, auxiliary (协管员), not in post, no certificate, certificate expired,
not yet valid, revoked, or outside the certificate's scope.

Services never commit; the request or job owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.system import settings as cfg
from chengguan.workforce.models import (
    EQUIPMENT_TYPE_LABELS,
    FORCE_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    Certificate,
    Equipment,
    EquipmentEvent,
    EquipmentMedia,
    ExamResult,
    PerformanceRecord,
    Person,
    PersonEvent,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)

_Sel = TypeVar("_Sel", bound="Select[*tuple[Any, ...]]")  # a SELECT, returned with its row type

CERT_WARNING_DAYS = cfg.define(
    "workforce.certificate_warning_days", [30, 7, 0],
    "行政执法证到期提醒的提前天数（每个阈值每证只提醒一次；0 表示到期当日/已过期）。", "队伍")
CERT_YELLOW_DAYS = cfg.define(
    "workforce.certificate_yellow_days", 30, "执法证剩余有效天数少于此值时显示黄灯。", "队伍")
POST_EXAM_RULE = cfg.define(
    "workforce.post_exam_rule",
    {"enabled": True, "posts": ["执法队员", "中队长", "法制员"], "valid_months": 24},
    "上岗考试规则：列出的岗位须有有效期内（valid_months 个月内）通过的上岗考试方可上岗执勤；"
    "enabled=false 关闭此规则。", "队伍")
GUARD_NEEDS_POST_EXAM = cfg.define(
    "workforce.guard_requires_post_exam", False,
    "执法资格校验是否同时要求通过上岗考试（默认只校验执法证）。", "队伍")
TRAINING_RULES = cfg.define(
    "workforce.training_rules",
    [{"kind": "legal", "label": "月度法律培训", "max_gap_days": 35, "forces": ["chengguan", "xieguan"]},
     {"kind": "drill", "label": "季度应急演练", "max_gap_days": 100, "forces": ["chengguan", "xieguan"]}],
    "培训规则：每类课程（kind）最多间隔多少天须参加一次（出勤或迟到计为参加）；forces 为适用的人员队伍。"
    "用于“培训逾期”报表。", "队伍")
PERFORMANCE_SCHEME = cfg.define(
    "workforce.performance_scheme",
    {"metrics": {
        "cases_handled": {"label": "办结案件数", "weight": 0.35, "higher_is_better": True, "target": 20},
        "on_post_rate": {"label": "在岗在位率", "weight": 0.25, "higher_is_better": True, "target": 1.0},
        "training_score": {"label": "培训考试成绩", "weight": 0.2, "higher_is_better": True, "target": 100},
        "complaints": {"label": "有效投诉数", "weight": 0.2, "higher_is_better": False, "target": 3}},
     "bottom_share": 0.1, "bottom_min_group": 5, "group_by": "department"},
    "岗位绩效考核方案：指标（label、weight 权重、higher_is_better 越高越好、target 满分值/封顶值），"
    "bottom_share 为末位比例（每组人数≥bottom_min_group 时标记末位），group_by 为 department（按中队排名）"
    "或 all（全体排名）。", "队伍")
EQUIPMENT_CHECK_DAYS = cfg.define(
    "workforce.equipment_check_days",
    {"vehicle": 90, "motorcycle": 90, "ebike": 90, "radio": 180, "body_camera": 30, "dash_camera": 90,
     "camera": 180, "drone": 30, "other": 365},
    "各类装备的定期检查间隔（天）；检查后据此计算下次检查日期。", "队伍")

ENFORCEMENT_FEEDBACK = cfg.define(
    "workforce.enforcement_feedback_requires_certificate", True,
    "派遣给执法部门（城管执法大队/中队）的案件，处理反馈人须持有效行政执法证。", "队伍")

NON_ENFORCEMENT_FORCES = ("xieguan", "aux_police")
# The "expired" (0-day) warning is still sent if the worker was down on the day; older ones are history.
EXPIRED_LOOKBACK_DAYS = 7


# ---------------------------------------------------------------- the certificate guard


def _local_day(at: datetime | None) -> tuple[datetime, date]:
    at = at or clock.now()
    if at.tzinfo is None:
        raise Invalid("时间必须带时区")
    return at, clock.local(at).date()


def _fmt_day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def person_for_user(session: Session, user_id: int) -> Person | None:
    return session.scalar(select(Person).where(Person.user_id == user_id))


def cert_problem(cert: Certificate, at: datetime, day: date, scope: str | None) -> tuple[str, str] | None:
    """(code, reason) why ``cert`` does not entitle its holder to act at ``at`` (None: it does)."""
    if cert.revoked_at is not None and cert.revoked_at <= at:
        why = f"（{cert.revoked_reason}）" if cert.revoked_reason else ""
        return ("certificate_revoked",
                f"执法证 {cert.number} 已于{_fmt_day(clock.local(cert.revoked_at).date())}被注销{why}")
    if day < cert.valid_from:
        return "not_certified", f"执法证 {cert.number} 自{_fmt_day(cert.valid_from)}起才生效"
    if day > cert.valid_to:
        return "certificate_expired", f"执法证 {cert.number} 已于{_fmt_day(cert.valid_to)}过期"
    if scope and cert.scopes and scope not in cert.scopes:
        return "not_certified", f"执法证 {cert.number} 的执法范围（{cert.scope}）不含“{scope}”"
    return None


def require_certified_officer(session: Session, user_id: int | None, at: datetime | None = None,
                             scope: str | None = None) -> Certificate:
    """The certificate a user acts under, or ``Forbidden`` (403) saying why the user may not act as an
    enforcement officer at ``at`` (default now) for ``scope`` (an enforcement field such as ``市容环卫``;
    None: any)."""
    at, day = _local_day(at)
    person = person_for_user(session, user_id) if user_id is not None else None
    if person is None:
        raise Forbidden("该账号未登记执法人员档案，未持有有效行政执法证，不能从事行政执法活动",
                        code="not_certified", details={"user_id": user_id})
    return _evaluate(session, person, at, day, scope)


def _evaluate(session: Session, person: Person, at: datetime, day: date, scope: str | None) -> Certificate:
    details: dict[str, Any] = {"user_id": person.user_id, "person_id": person.id, "name": person.name}
    if person.kind == "auxiliary" or person.force in NON_ENFORCEMENT_FORCES:
        label = FORCE_LABELS.get(person.force) if person.force == "aux_police" else KIND_LABELS["auxiliary"]
        raise Forbidden(f"{person.name}为{label}，{label}不能独立从事行政执法活动（未持有行政执法证），"
                        "只能协助持证执法人员", code="auxiliary_not_allowed", details=details)
    if person.status in ("suspended", "left"):
        raise Forbidden(f"{person.name}当前状态为“{STATUS_LABELS[person.status]}”，不能从事行政执法活动",
                        code="not_in_post", details=details)
    certs = sorted(person.certificates, key=lambda c: (c.valid_to, c.id), reverse=True)
    if not certs:
        raise Forbidden(f"{person.name}未持有有效行政执法证，不能从事行政执法活动",
                        code="not_certified", details=details)
    problems: list[tuple[str, str]] = []
    for cert in certs:
        problem = cert_problem(cert, at, day, scope)
        if problem is None:
            if cfg.value(session, GUARD_NEEDS_POST_EXAM.key):
                missing = post_exam_missing(session, person, day)
                if missing:
                    raise Forbidden(f"{person.name}{missing}，不能上岗执法", code="post_exam_missing",
                                    details=details)
            return cert
        problems.append(problem)
    details["problems"] = [text for _, text in problems]
    code, text = problems[0]
    raise Forbidden(f"{person.name}未持有有效行政执法证：{text}", code=code, details=details)


def check_enforcement_disposal(session: Session, department_id: int | None, user_id: int) -> None:
    """Closed-loop guard (called by the cases ``feedback`` action): disposing of a case as an enforcement
    unit (department kind ``enforcement``) is an enforcement act, so the handler must hold a valid
    certificate. Other departments are not affected. Switch: ``workforce.enforcement_feedback_requires_certificate``."""
    from chengguan.org.models import Department

    if department_id is None or not cfg.value(session, ENFORCEMENT_FEEDBACK.key):
        return
    dept = session.get(Department, department_id)
    if dept is None or dept.kind != "enforcement":
        return
    try:
        require_certified_officer(session, user_id)
    except Forbidden as exc:
        raise Forbidden(f"{dept.name}的案件须由持证执法人员反馈：{exc.message}", code=exc.code,
                        details=exc.details) from None


def is_certified(session: Session, user_id: int | None, at: datetime | None = None,
                 scope: str | None = None) -> bool:
    try:
        require_certified_officer(session, user_id, at, scope)
    except Forbidden:
        return False
    return True


def certified_user_ids(session: Session, user_ids: Iterable[int], at: datetime | None = None,
                       scope: str | None = None) -> set[int]:
    """The subset of ``user_ids`` who may act at ``at`` (batched: for pickers and lists). Same rules as
    ``require_certified_officer``."""
    at, day = _local_day(at)
    ids = list(set(user_ids))
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        for person in session.scalars(select(Person).where(Person.user_id.in_(ids[i:i + 500]))):
            try:
                _evaluate(session, person, at, day, scope)
            except Forbidden:
                continue
            out.add(person.user_id)  # type: ignore[arg-type]
    return out


def certificate_light(cert: Certificate, session: Session, at: datetime | None = None) -> tuple[str, str]:
    """(light, label) for a certificate: green 有效, yellow 即将到期, red 过期/注销/未生效."""
    at, day = _local_day(at)
    problem = cert_problem(cert, at, day, None)
    if problem is not None:
        if cert.revoked_at is not None and cert.revoked_at <= at:
            return "red", "已注销"
        return ("red", "已过期") if day > cert.valid_to else ("paused", "未生效")
    left = (cert.valid_to - day).days
    if left < int(cfg.value(session, CERT_YELLOW_DAYS.key)):
        return "yellow", f"{left} 天后到期"
    return "green", "有效"


# ---------------------------------------------------------------- personnel

READER_ROLES = ("admin", "leader", "assessor", "legal_reviewer")


def _city_region(session: Session) -> str:
    return str(cfg.value(session, "city.district_code") or "")  # "": only city-wide grants cover it


def department_region(session: Session, department_id: int | None) -> str:
    """The region of a unit (its street or district); units without one belong to the whole city."""
    from chengguan.org.models import Department

    d = session.get(Department, department_id) if department_id else None
    return (d.region_code if d is not None and d.region_code else None) or _city_region(session)


def person_access_region(session: Session, person: Person) -> str:
    """The region code role grants are checked against: the person's street, else the unit's region."""
    return person.street_code or department_region(session, person.department_id)


def can_read_person(session: Session, p: Principal, person: Person) -> bool:
    if person.user_id is not None and person.user_id == p.user_id:
        return True
    region = person_access_region(session, person)
    return any(p.covers(r, region) for r in READER_ROLES)


def _file_access(session: Session, row: Any, p: Principal | None) -> bool:
    """Who may download a personnel photo or a device recording (hooked into ``system.files``)."""
    if p is None:
        return False
    for person in session.scalars(select(Person).where(Person.photo_file_id == row.id).limit(5)):
        if can_read_person(session, p, person):
            return True
    m = session.scalar(select(EquipmentMedia).where(EquipmentMedia.file_id == row.id))
    if m is not None:
        holder = session.get(Person, m.holder_id) if m.holder_id else None
        if holder is not None and holder.user_id == p.user_id:
            return True
        eq = session.get(Equipment, m.equipment_id)
        region = department_region(session, eq.department_id if eq else None)
        return any(p.covers(r, region) for r in READER_ROLES)
    return False


def _install_file_access() -> None:
    from chengguan.system import files

    if _file_access not in files.EXTRA_ACCESS:
        files.EXTRA_ACCESS.append(_file_access)


_install_file_access()


def _event(session: Session, person: Person, kind: str, text: str, actor_id: int | None = None,
           **data: Any) -> None:
    session.add(PersonEvent(person_id=person.id, at=clock.now(), kind=kind, text=text[:500],
                            actor_id=actor_id, data=data))


def get_person(session: Session, person_id: int) -> Person:
    p = session.get(Person, person_id)
    if p is None:
        raise NotFound(f"人员 {person_id} 不存在", code="unknown_person")
    return p


PERSON_FIELDS = ("employee_no", "name", "gender", "kind", "force", "department_id", "street_code", "post",
                 "status", "photo_file_id", "phone", "joined_on", "left_on", "notes", "user_id")


def _check_person(session: Session, data: dict[str, Any]) -> None:
    from chengguan.org.models import Department

    if data.get("kind") == "auxiliary" and data.get("force") in ("chengguan", "police"):
        raise Invalid("协管员的队伍应为 xieguan（协管）或 aux_police（辅警）")
    if data.get("kind") not in (None, "auxiliary") and data.get("force") in NON_ENFORCEMENT_FORCES:
        raise Invalid("在编人员的队伍不能是协管或辅警")
    if data.get("department_id") is not None and session.get(Department, data["department_id"]) is None:
        raise Invalid(f"单位 {data['department_id']} 不存在", code="unknown_department")
    if data.get("user_id") is not None:
        from chengguan.accounts.models import User

        if session.get(User, data["user_id"]) is None:
            raise Invalid(f"账号 {data['user_id']} 不存在", code="unknown_user")
    if data.get("photo_file_id") is not None:
        from chengguan.system.models import StoredFile

        f = session.get(StoredFile, data["photo_file_id"])
        if f is None or f.kind != "image":
            raise Invalid("照片必须是已上传的图片文件", code="bad_photo")


def create_person(session: Session, data: dict[str, Any], actor_id: int | None = None) -> Person:
    _check_person(session, data)
    if session.scalar(select(Person.id).where(Person.employee_no == data["employee_no"])) is not None:
        raise Conflict(f"工号 {data['employee_no']} 已存在", code="duplicate_employee_no")
    if data.get("user_id") is not None and person_for_user(session, data["user_id"]) is not None:
        raise Conflict("该账号已关联其他人员档案", code="duplicate_user")
    p = Person(**{k: v for k, v in data.items() if k in PERSON_FIELDS})
    if p.street_code is None and p.department_id is not None:
        p.street_code = _dept_street(session, p.department_id)
    session.add(p)
    session.flush()
    _event(session, p, "created", f"建立人员档案（{KIND_LABELS[p.kind]}，{p.post}）", actor_id)
    return p


def _dept_street(session: Session, department_id: int) -> str | None:
    from chengguan.org.models import Department

    d = session.get(Department, department_id)
    return d.region_code if d is not None and d.region_code and len(d.region_code) == 9 else None


def update_person(session: Session, person: Person, changes: dict[str, Any], actor_id: int | None = None) -> Person:
    merged = {k: getattr(person, k) for k in PERSON_FIELDS} | changes
    _check_person(session, merged)
    if "employee_no" in changes and changes["employee_no"] != person.employee_no and session.scalar(
            select(Person.id).where(Person.employee_no == changes["employee_no"])) is not None:
        raise Conflict(f"工号 {changes['employee_no']} 已存在", code="duplicate_employee_no")
    if changes.get("user_id") is not None and changes["user_id"] != person.user_id:
        other = person_for_user(session, changes["user_id"])
        if other is not None and other.id != person.id:
            raise Conflict("该账号已关联其他人员档案", code="duplicate_user")
    texts = []
    for k, v in changes.items():
        if k not in PERSON_FIELDS or getattr(person, k) == v:
            continue
        if k == "status":
            texts.append(f"状态：{STATUS_LABELS[person.status]} → {STATUS_LABELS[v]}")
            if v == "left" and person.left_on is None and "left_on" not in changes:
                person.left_on = clock.local(clock.now()).date()
        elif k == "department_id":
            texts.append("调动单位")
        elif k == "post":
            texts.append(f"岗位：{person.post} → {v}")
        setattr(person, k, v)
    if texts:
        _event(session, person, "updated", "；".join(texts), actor_id, fields=sorted(changes))
    session.flush()
    return person


def list_people(session: Session, *, q: str | None = None, kind: str | None = None, force: str | None = None,
                status: str | None = None, department_id: int | None = None,
                regions: list[str | None] | None = None, page: int = 1, page_size: int = 50
                ) -> tuple[list[Person], int]:
    stmt = select(Person)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Person.name.like(like), Person.employee_no.like(like)))
    if kind == "formal":
        stmt = stmt.where(Person.kind != "auxiliary")
    elif kind:
        stmt = stmt.where(Person.kind == kind)
    if force:
        stmt = stmt.where(Person.force == force)
    if status:
        stmt = stmt.where(Person.status == status)
    if department_id is not None:
        stmt = stmt.where(Person.department_id == department_id)
    stmt = _region_filter(stmt, regions)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = list(session.scalars(stmt.order_by(Person.id).offset((page - 1) * page_size).limit(page_size)))
    return rows, total


def _region_filter(stmt: _Sel, regions: list[str | None] | None, col: Any = None) -> _Sel:
    """``regions`` None: no restriction; a list with None: the whole city; else street/district prefixes.
    People without a street (city-level units) are visible to district-wide grants only."""
    if regions is None or None in regions:
        return stmt
    col = Person.street_code if col is None else col
    conds = []
    for r in regions:
        assert r is not None
        if len(r) <= 6:
            conds.append(or_(col.startswith(r), col.is_(None)))
        else:
            conds.append(col.startswith(r[:9]))
    return stmt.where(or_(*conds)) if conds else stmt.where(false())


def person_region(person: Person) -> str | None:
    return person.street_code


def history(session: Session, person: Person) -> list[dict[str, Any]]:
    """Everything that happened to a person, newest first: record changes, certificates, training, exams."""
    out: list[dict[str, Any]] = []
    for e in session.scalars(select(PersonEvent).where(PersonEvent.person_id == person.id)):
        out.append({"at": e.at, "kind": e.kind, "text": e.text})
    rows = session.execute(select(TrainingAttendance, TrainingSession).join(
        TrainingSession, TrainingSession.id == TrainingAttendance.session_id).where(
        TrainingAttendance.person_id == person.id))
    labels = {"present": "出勤", "late": "迟到", "absent": "缺勤", "excused": "请假"}
    for att, ses in rows:
        out.append({"at": ses.starts_at, "kind": "training",
                    "text": f"{ses.course.title}：{labels.get(att.status, att.status)}"})
    for ex in session.scalars(select(ExamResult).where(ExamResult.person_id == person.id)):
        at = datetime(ex.taken_on.year, ex.taken_on.month, ex.taken_on.day, 12, tzinfo=clock.SHANGHAI)
        out.append({"at": at, "kind": "exam",
                    "text": f"{ex.title}：{ex.score:g} 分（{'通过' if ex.passed else '未通过'}）"})
    for ev, eq in session.execute(select(EquipmentEvent, Equipment).join(Equipment, Equipment.id == EquipmentEvent.equipment_id)
                                  .where(EquipmentEvent.holder_id == person.id,
                                         EquipmentEvent.kind.in_(("assign", "return")))):
        what = f"{EQUIPMENT_TYPE_LABELS.get(eq.type, eq.type)} {eq.code}"
        out.append({"at": ev.at, "kind": "equipment", "text": ("领用" if ev.kind == "assign" else "归还") + what})
    out.sort(key=lambda r: r["at"], reverse=True)
    return out


# ---------------------------------------------------------------- certificates


def add_certificate(session: Session, person: Person, data: dict[str, Any], actor_id: int | None = None
                    ) -> Certificate:
    if person.kind == "auxiliary" or person.force in NON_ENFORCEMENT_FORCES:
        raise Invalid(f"{person.name}为协管/辅助人员，不能登记行政执法证", code="auxiliary_not_allowed")
    if data["valid_to"] < data["valid_from"]:
        raise Invalid("有效期截止日不能早于起始日")
    if session.scalar(select(Certificate.id).where(Certificate.number == data["number"])) is not None:
        raise Conflict(f"执法证号 {data['number']} 已存在", code="duplicate_certificate")
    cert = Certificate(person_id=person.id, number=data["number"], issuing_body=data["issuing_body"],
                       scope=data.get("scope") or "城市管理综合行政执法", scopes=list(data.get("scopes") or []),
                       valid_from=data["valid_from"], valid_to=data["valid_to"])
    session.add(cert)
    session.flush()
    session.refresh(person, ["certificates"])
    _event(session, person, "certificate", f"登记执法证 {cert.number}（有效期至{_fmt_day(cert.valid_to)}）",
           actor_id, certificate_id=cert.id)
    return cert


def get_certificate(session: Session, cert_id: int) -> Certificate:
    c = session.get(Certificate, cert_id)
    if c is None:
        raise NotFound(f"执法证 {cert_id} 不存在", code="unknown_certificate")
    return c


def revoke_certificate(session: Session, cert: Certificate, reason: str, actor_id: int | None = None
                       ) -> Certificate:
    if cert.revoked_at is not None:
        raise Conflict(f"执法证 {cert.number} 已注销", code="already_revoked")
    if not reason.strip():
        raise Invalid("注销须说明原因")
    cert.revoked_at = clock.now()
    cert.revoked_reason = reason.strip()[:200]
    _event(session, cert.person, "certificate", f"注销执法证 {cert.number}：{cert.revoked_reason}", actor_id,
           certificate_id=cert.id)
    session.flush()
    return cert


def renew_certificate(session: Session, cert: Certificate, valid_to: date, actor_id: int | None = None
                      ) -> Certificate:
    if cert.revoked_at is not None:
        raise Conflict(f"执法证 {cert.number} 已注销，不能延续", code="already_revoked")
    if valid_to <= cert.valid_to:
        raise Invalid("新的有效期须晚于原有效期")
    old = cert.valid_to
    cert.valid_to = valid_to
    _event(session, cert.person, "certificate",
           f"执法证 {cert.number} 有效期由{_fmt_day(old)}延至{_fmt_day(valid_to)}", actor_id, certificate_id=cert.id)
    session.flush()
    return cert


def certificates_expiring(session: Session, within_days: int, at: datetime | None = None) -> list[Certificate]:
    at, day = _local_day(at)
    stmt = select(Certificate).where(Certificate.revoked_at.is_(None), Certificate.valid_to >= day,
                                     Certificate.valid_to <= day + timedelta(days=within_days))
    return list(session.scalars(stmt.order_by(Certificate.valid_to)))


def certificate_expiry_warnings(session: Session, at: datetime | None = None) -> dict[str, int]:
    """Queue one warning per certificate per threshold (``workforce.certificate_warning_days``) to the
    holder and the holder's unit, through the outbox. Idempotent: dedup keys carry the certificate, the
    threshold and the expiry date (a renewed certificate is warned again before its new date)."""
    from chengguan.outbox import service as outbox

    at, day = _local_day(at)
    thresholds = sorted({int(t) for t in cfg.value(session, CERT_WARNING_DAYS.key)}, reverse=True)
    counts = {"queued": 0, "certificates": 0}
    if not thresholds:
        return counts
    horizon = day + timedelta(days=max(thresholds))
    # Only the currently relevant threshold per certificate: the smallest one already reached.
    stmt = select(Certificate, Person).join(Person, Person.id == Certificate.person_id).where(
        Certificate.revoked_at.is_(None), Certificate.valid_to <= horizon,
        Certificate.valid_to >= day - timedelta(days=EXPIRED_LOOKBACK_DAYS), Person.status != "left")
    for cert, person in session.execute(stmt):
        left = (cert.valid_to - day).days
        reached = [t for t in thresholds if left <= t]
        if not reached:
            continue
        t = min(reached)
        counts["certificates"] += 1
        if left < 0:
            text = f"{person.name}的行政执法证 {cert.number} 已于{_fmt_day(cert.valid_to)}过期，已不能从事执法活动"
        else:
            text = (f"{person.name}的行政执法证 {cert.number} 将于{_fmt_day(cert.valid_to)}到期"
                    f"（剩余 {left} 天），请及时办理换证")
        payload = {"certificate_id": cert.id, "number": cert.number, "person_id": person.id,
                   "valid_to": cert.valid_to.isoformat(), "days_left": left, "threshold": t, "text": text}
        recipients = []
        if person.user_id is not None:
            recipients.append(f"user:{person.user_id}")
        if person.department_id is not None:
            recipients.append(f"department:{person.department_id}")
        for rcpt in recipients:
            msg = outbox.enqueue(session, topic="workforce.certificate.expiring", channel="inbox",
                                 recipient=rcpt, payload=payload,
                                 dedup_key=f"cert:{cert.id}:{t}:{cert.valid_to.isoformat()}:{rcpt}")
            if msg is not None:
                counts["queued"] += 1
    return counts


# ---------------------------------------------------------------- training and exams


def get_course(session: Session, course_id: int) -> TrainingCourse:
    c = session.get(TrainingCourse, course_id)
    if c is None:
        raise NotFound(f"课程 {course_id} 不存在", code="unknown_course")
    return c


def create_course(session: Session, data: dict[str, Any]) -> TrainingCourse:
    if session.scalar(select(TrainingCourse.id).where(TrainingCourse.code == data["code"])) is not None:
        raise Conflict(f"课程编号 {data['code']} 已存在", code="duplicate_course")
    c = TrainingCourse(**data)
    session.add(c)
    session.flush()
    return c


def create_session(session: Session, data: dict[str, Any]) -> TrainingSession:
    get_course(session, data["course_id"])
    if data["ends_at"] <= data["starts_at"]:
        raise Invalid("结束时间须晚于开始时间")
    s = TrainingSession(**data)
    session.add(s)
    session.flush()
    return s


def get_training_session(session: Session, session_id: int) -> TrainingSession:
    s = session.get(TrainingSession, session_id)
    if s is None:
        raise NotFound(f"培训场次 {session_id} 不存在", code="unknown_training_session")
    return s


def record_attendance(session: Session, ts: TrainingSession, entries: list[tuple[int, str]]) -> int:
    """Set attendance for (person_id, status) pairs; re-recording a person replaces the status."""
    if ts.status == "cancelled":
        raise Conflict("该培训已取消，不能登记出勤", code="session_cancelled")
    if ts.starts_at > clock.now():
        raise Conflict("培训尚未开始，不能登记出勤", code="session_not_started")
    ids = {pid for pid, _ in entries}
    known = set(session.scalars(select(Person.id).where(Person.id.in_(ids))))
    if ids - known:
        raise Invalid(f"人员不存在：{sorted(ids - known)}", code="unknown_person")
    existing = {a.person_id: a for a in session.scalars(
        select(TrainingAttendance).where(TrainingAttendance.session_id == ts.id))}
    now = clock.now()
    for pid, status in entries:
        if pid in existing:
            existing[pid].status = status
            existing[pid].recorded_at = now
        else:
            session.add(TrainingAttendance(session_id=ts.id, person_id=pid, status=status, recorded_at=now))
    ts.status = "held"
    session.flush()
    return len(entries)


def record_exam(session: Session, person: Person, data: dict[str, Any], actor_id: int | None = None
                ) -> ExamResult:
    course = get_course(session, data["course_id"]) if data.get("course_id") else None
    pass_mark = data.get("pass_mark") if data.get("pass_mark") is not None else (
        course.pass_mark if course else 60.0)
    if data["taken_on"] > clock.local(clock.now()).date():
        raise Invalid("考试日期不能晚于今天")
    ex = ExamResult(person_id=person.id, course_id=course.id if course else None,
                    session_id=data.get("session_id"), title=data.get("title") or (course.title if course else "考试"),
                    post=data.get("post"), taken_on=data["taken_on"], score=data["score"], pass_mark=pass_mark,
                    passed=data["score"] >= pass_mark, recorded_at=clock.now(), recorded_by=actor_id)
    session.add(ex)
    session.flush()
    return ex


def _months_before(day: date, months: int) -> date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    import calendar

    return date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def post_exam_missing(session: Session, person: Person, day: date | None = None) -> str | None:
    """The reason a person may not go on duty under the post-exam rule, or None."""
    rule = cfg.value(session, POST_EXAM_RULE.key) or {}
    if not rule.get("enabled") or person.post not in (rule.get("posts") or []):
        return None
    day = day or clock.local(clock.now()).date()
    since = _months_before(day, int(rule.get("valid_months") or 24))
    ok = session.scalar(select(ExamResult.id).where(
        ExamResult.person_id == person.id, ExamResult.passed.is_(True), ExamResult.post == person.post,
        ExamResult.taken_on >= since, ExamResult.taken_on <= day).limit(1))
    if ok is not None:
        return None
    return f"岗位“{person.post}”须在 {rule.get('valid_months', 24)} 个月内通过上岗考试，尚无通过记录"


def may_go_on_duty(session: Session, person: Person, day: date | None = None) -> tuple[bool, str | None]:
    """For rosters: (allowed, reason). Status and the post-exam rule; certificates are checked by the
    enforcement guard when the person acts."""
    if person.status in ("suspended", "left"):
        return False, f"{person.name}当前状态为“{STATUS_LABELS[person.status]}”"
    missing = post_exam_missing(session, person, day)
    if missing:
        return False, f"{person.name}{missing}"
    return True, None


@dataclass
class OverdueRow:
    person: Person
    reasons: list[str]


def overdue_report(session: Session, *, regions: list[str | None] | None = None, at: datetime | None = None,
                   department_id: int | None = None) -> list[OverdueRow]:
    """Who is overdue: in-post staff missing a required training (``workforce.training_rules``) or a
    required post exam (``workforce.post_exam_rule``)."""
    at, day = _local_day(at)
    stmt = select(Person).where(Person.status.in_(("in_post", "training")))
    if department_id is not None:
        stmt = stmt.where(Person.department_id == department_id)
    people = list(session.scalars(_region_filter(stmt, regions).order_by(Person.id)))
    if not people:
        return []
    ids = [p.id for p in people]
    last: dict[tuple[int, str], datetime] = {}
    q = (select(TrainingAttendance.person_id, TrainingCourse.kind, func.max(TrainingSession.starts_at))
         .join(TrainingSession, TrainingSession.id == TrainingAttendance.session_id)
         .join(TrainingCourse, TrainingCourse.id == TrainingSession.course_id)
         .where(TrainingAttendance.status.in_(("present", "late")), TrainingSession.starts_at <= at)
         .group_by(TrainingAttendance.person_id, TrainingCourse.kind))
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        for pid, kind, when in session.execute(q.where(TrainingAttendance.person_id.in_(chunk))):
            if when is not None and when.tzinfo is None:
                from datetime import UTC

                when = when.replace(tzinfo=UTC)
            last[(pid, kind)] = when
    rules = cfg.value(session, TRAINING_RULES.key) or []
    exam_rule = cfg.value(session, POST_EXAM_RULE.key) or {}
    exam_rule_on, exam_posts = bool(exam_rule.get("enabled")), set(exam_rule.get("posts") or [])
    valid_months = int(exam_rule.get("valid_months") or 24)
    passed: set[tuple[int, str | None]] = set()
    if exam_rule_on:
        since = _months_before(day, valid_months)
        eq = select(ExamResult.person_id, ExamResult.post).where(
            ExamResult.passed.is_(True), ExamResult.taken_on >= since, ExamResult.taken_on <= day).distinct()
        for chunk_start in range(0, len(ids), 500):
            passed.update((pid, post) for pid, post in session.execute(
                eq.where(ExamResult.person_id.in_(ids[chunk_start:chunk_start + 500]))))
    out = []
    for p in people:
        reasons = []
        for rule in rules:
            if rule.get("forces") and p.force not in rule["forces"]:
                continue
            seen = last.get((p.id, rule["kind"]))
            gap = int(rule.get("max_gap_days", 35))
            if seen is None:
                reasons.append(f"从未参加{rule.get('label', rule['kind'])}")
            elif (at - seen).days > gap:
                reasons.append(f"{rule.get('label', rule['kind'])}已 {(at - seen).days} 天未参加（要求 {gap} 天内）")
        if exam_rule_on and p.post in exam_posts and (p.id, p.post) not in passed:
            reasons.append(f"岗位“{p.post}”须在 {valid_months} 个月内通过上岗考试，尚无通过记录")
        if reasons:
            out.append(OverdueRow(p, reasons))
    return out


# ---------------------------------------------------------------- performance


def record_performance(session: Session, person: Person, period: str, metric: str, value: float,
                       note: str | None = None, actor_id: int | None = None) -> PerformanceRecord:
    scheme = cfg.value(session, PERFORMANCE_SCHEME.key) or {}
    if metric not in (scheme.get("metrics") or {}):
        raise Invalid(f"考核方案中没有指标 {metric}", code="unknown_metric",
                      details={"metrics": sorted(scheme.get("metrics") or {})})
    row = session.scalar(select(PerformanceRecord).where(
        PerformanceRecord.person_id == person.id, PerformanceRecord.period == period,
        PerformanceRecord.metric == metric))
    if row is None:
        row = PerformanceRecord(person_id=person.id, period=period, metric=metric, value=value)
        session.add(row)
    row.value = value
    row.note = note
    row.recorded_at = clock.now()
    row.recorded_by = actor_id
    session.flush()
    return row


def collect_training_scores(session: Session, period: str) -> int:
    """Fill the ``training_score`` metric of ``period`` (YYYY-MM) with each person's average exam score of
    that month (upsert: re-running gives the same records). Returns the number of people scored."""
    y, m = (int(x) for x in period.split("-"))
    start = date(y, m, 1)
    end = date(y + (m == 12), m % 12 + 1, 1)
    rows = session.execute(select(ExamResult.person_id, func.avg(ExamResult.score)).where(
        ExamResult.taken_on >= start, ExamResult.taken_on < end).group_by(ExamResult.person_id)).tuples().all()
    for pid, avg in rows:
        person = session.get(Person, pid)
        if person is not None:
            record_performance(session, person, period, "training_score", round(float(avg), 1),
                               note="自动汇总：当月考试平均分")
    return len(rows)


def ranking(session: Session, period: str, *, regions: list[str | None] | None = None) -> list[dict[str, Any]]:
    """Composite score 0–100 per person for ``period`` from the configured scheme, rank within the group
    (department or all) and the 末位 flag for the bottom share of each large enough group."""
    scheme = cfg.value(session, PERFORMANCE_SCHEME.key) or {}
    metrics: dict[str, dict[str, Any]] = scheme.get("metrics") or {}
    stmt = select(PerformanceRecord, Person).join(Person, Person.id == PerformanceRecord.person_id).where(
        PerformanceRecord.period == period)
    stmt = _region_filter(stmt, regions)
    values: dict[int, dict[str, float]] = {}
    people: dict[int, Person] = {}
    for rec, person in session.execute(stmt):
        values.setdefault(person.id, {})[rec.metric] = rec.value
        people[person.id] = person
    total_w = sum(float(m.get("weight", 0)) for m in metrics.values()) or 1.0
    rows = []
    for pid, vals in values.items():
        score = 0.0
        for key, m in metrics.items():
            v = vals.get(key)
            if v is None:
                continue
            target = float(m.get("target") or 1) or 1.0
            part = min(v / target, 1.0) if m.get("higher_is_better", True) else max(1.0 - v / target, 0.0)
            score += float(m.get("weight", 0)) * max(part, 0.0)
        p = people[pid]
        group = p.department_id if scheme.get("group_by", "department") == "department" else 0
        rows.append({"person_id": pid, "name": p.name, "department_id": p.department_id, "group": group,
                     "values": vals, "composite": round(100 * score / total_w, 2)})
    share = float(scheme.get("bottom_share", 0.1))
    min_group = int(scheme.get("bottom_min_group", 5))
    by_group: dict[Any, list[dict[str, Any]]] = {}
    for r in rows:
        by_group.setdefault(r["group"], []).append(r)
    for members in by_group.values():
        members.sort(key=lambda r: (-r["composite"], r["person_id"]))
        n_bottom = int(len(members) * share) if len(members) >= min_group else 0
        if len(members) >= min_group and n_bottom == 0 and share > 0:
            n_bottom = 1
        for i, r in enumerate(members):
            r["rank"] = i + 1
            r["group_size"] = len(members)
            r["bottom"] = i >= len(members) - n_bottom
    rows.sort(key=lambda r: (str(r["group"]), r["rank"]))
    return rows


# ---------------------------------------------------------------- equipment


def get_equipment(session: Session, equipment_id: int) -> Equipment:
    e = session.get(Equipment, equipment_id)
    if e is None:
        raise NotFound(f"装备 {equipment_id} 不存在", code="unknown_equipment")
    return e


def create_equipment(session: Session, data: dict[str, Any], actor_id: int | None = None) -> Equipment:
    if session.scalar(select(Equipment.id).where(Equipment.code == data["code"])) is not None:
        raise Conflict(f"装备编号 {data['code']} 已存在", code="duplicate_equipment")
    if data.get("device_id") and session.scalar(
            select(Equipment.id).where(Equipment.device_id == data["device_id"])) is not None:
        raise Conflict(f"设备号 {data['device_id']} 已登记", code="duplicate_device")
    if data["type"] in ("body_camera", "dash_camera", "drone") and not data.get("device_id"):
        raise Invalid("执法记录仪、行车记录仪和无人机须登记设备号（写入录像的设备编号）", code="device_id_required")
    if data.get("holder_id") is not None:
        get_person(session, data["holder_id"])
    e = Equipment(**data)
    if e.next_check_due is None:
        base = e.last_check_on or e.acquired_on or clock.local(clock.now()).date()
        e.next_check_due = base + timedelta(days=_check_days(session, e.type))
    session.add(e)
    session.flush()
    if e.holder_id is not None:
        session.add(EquipmentEvent(equipment_id=e.id, kind="assign", at=clock.now(), holder_id=e.holder_id,
                                   actor_id=actor_id, note="登记时领用"))
    return e


def _check_days(session: Session, type_: str) -> int:
    return int((cfg.value(session, EQUIPMENT_CHECK_DAYS.key) or {}).get(type_, 365))


def assign_equipment(session: Session, e: Equipment, holder_id: int | None, actor_id: int | None = None,
                     note: str | None = None) -> Equipment:
    if e.status in ("lost", "scrapped"):
        raise Conflict("丢失或报废的装备不能领用", code="equipment_unavailable")
    if holder_id is not None:
        holder = get_person(session, holder_id)
        if holder.status == "left":
            raise Invalid(f"{holder.name}已离职，不能领用装备")
        session.add(EquipmentEvent(equipment_id=e.id, kind="assign", at=clock.now(), holder_id=holder_id,
                                   actor_id=actor_id, note=note))
    else:
        if e.holder_id is None:
            raise Conflict("该装备未被领用", code="not_assigned")
        session.add(EquipmentEvent(equipment_id=e.id, kind="return", at=clock.now(), holder_id=e.holder_id,
                                   actor_id=actor_id, note=note))
    e.holder_id = holder_id
    session.flush()
    return e


def record_equipment_event(session: Session, e: Equipment, kind: str, *, result: str | None = None,
                           note: str | None = None, cost: float | None = None, status: str | None = None,
                           at: datetime | None = None, actor_id: int | None = None) -> EquipmentEvent:
    """A check, maintenance, repair or status change. A check moves ``next_check_due``; a failed check
    or a repair puts the item in repair; a passed check after repair returns it to service."""
    at = at or clock.now()
    if at > clock.now() + timedelta(minutes=5):
        raise Invalid("记录时间不能晚于当前时间")
    if kind not in ("check", "maintenance", "repair", "status"):
        raise Invalid(f"未知的记录类型 {kind}")
    if e.status == "scrapped" and kind != "status":
        raise Conflict("已报废的装备不能再登记检查或维修", code="equipment_scrapped")
    ev = EquipmentEvent(equipment_id=e.id, kind=kind, at=at, result=result, note=note, cost=cost,
                        holder_id=e.holder_id, actor_id=actor_id)
    session.add(ev)
    if kind == "check":
        day = clock.local(at).date()
        e.last_check_on = day
        e.next_check_due = day + timedelta(days=_check_days(session, e.type))
        if result == "fault":
            e.status = "in_repair"
        elif e.status == "in_repair":
            e.status = "in_service" if e.holder_id else "idle"
    elif kind == "repair":
        e.status = "in_repair" if result != "ok" else ("in_service" if e.holder_id else "idle")
    elif kind == "status":
        if status is None:
            raise Invalid("状态变更须给出新状态")
        e.status = status
        if status in ("lost", "scrapped"):
            e.holder_id = None
    session.flush()
    return ev


def equipment_due_checks(session: Session, at: datetime | None = None) -> list[Equipment]:
    at, day = _local_day(at)
    return list(session.scalars(select(Equipment).where(
        Equipment.status.in_(("in_service", "idle", "in_repair")), Equipment.next_check_due <= day)
        .order_by(Equipment.next_check_due)))


def equipment_check_warnings(session: Session, at: datetime | None = None) -> dict[str, int]:
    """Queue one reminder per item and due date to its unit (and holder) when a periodic check is due.
    Idempotent by dedup key ``equipment-check:<id>:<due>:<recipient>``."""
    from chengguan.outbox import service as outbox

    counts = {"queued": 0, "due": 0}
    for e in equipment_due_checks(session, at):
        counts["due"] += 1
        assert e.next_check_due is not None
        holder = session.get(Person, e.holder_id) if e.holder_id else None
        recipients = [f"department:{e.department_id}"] if e.department_id else []
        if holder is not None and holder.user_id is not None:
            recipients.append(f"user:{holder.user_id}")
        text = (f"装备 {EQUIPMENT_TYPE_LABELS.get(e.type, e.type)} {e.code} 应于{_fmt_day(e.next_check_due)}前完成定期检查")
        for rcpt in recipients:
            msg = outbox.enqueue(session, topic="workforce.equipment.check_due", channel="inbox", recipient=rcpt,
                                 payload={"equipment_id": e.id, "code": e.code, "due": e.next_check_due.isoformat(),
                                          "text": text},
                                 dedup_key=f"equipment-check:{e.id}:{e.next_check_due.isoformat()}:{rcpt}")
            if msg is not None:
                counts["queued"] += 1
    return counts


def equipment_by_device(session: Session, device_id: str) -> Equipment | None:
    return session.scalar(select(Equipment).where(Equipment.device_id == device_id))


def register_media(session: Session, device_id: str, file_id: int, recorded_at: datetime) -> EquipmentMedia:
    """Link a stored recording to the device that produced it (and whoever held the device then). The
    enforcement full record (全过程记录) calls this for every uploaded clip/photo that carries a device id,
    and ``media_device`` to show it. Registering the same file again for the same device is a no-op."""
    from chengguan.system.models import StoredFile

    if recorded_at.tzinfo is None:
        raise Invalid("录制时间必须带时区")
    if recorded_at > clock.now() + timedelta(minutes=10):
        raise Invalid("录制时间不能晚于当前时间", code="recorded_in_future")
    eq = equipment_by_device(session, device_id)
    if eq is None:
        raise NotFound(f"设备号 {device_id} 未登记", code="unknown_device")
    if eq.type not in ("body_camera", "dash_camera", "camera", "drone"):
        raise Invalid(f"设备 {device_id} 不是记录设备", code="not_a_recorder")
    f = session.get(StoredFile, file_id)
    if f is None:
        raise NotFound(f"文件 {file_id} 不存在", code="unknown_file")
    existing = session.scalar(select(EquipmentMedia).where(EquipmentMedia.file_id == file_id))
    if existing is not None:
        if existing.device_id != device_id:
            raise Conflict(f"文件 {file_id} 已登记为设备 {existing.device_id} 的录像", code="media_conflict")
        return existing
    m = EquipmentMedia(equipment_id=eq.id, device_id=device_id, file_id=file_id, recorded_at=recorded_at,
                       holder_id=_holder_at(session, eq, recorded_at), registered_at=clock.now())
    session.add(m)
    meta = dict(f.meta or {})
    meta.setdefault("device_id", device_id)
    meta.setdefault("recorded_at", recorded_at.isoformat())
    f.meta = meta
    session.flush()
    return m


def _holder_at(session: Session, eq: Equipment, at: datetime) -> int | None:
    ev = session.scalar(select(EquipmentEvent).where(
        EquipmentEvent.equipment_id == eq.id, EquipmentEvent.kind.in_(("assign", "return")),
        EquipmentEvent.at <= at).order_by(EquipmentEvent.at.desc(), EquipmentEvent.id.desc()).limit(1))
    if ev is None:
        return eq.holder_id
    return ev.holder_id if ev.kind == "assign" else None


def media_device(session: Session, file_id: int) -> dict[str, Any] | None:
    """For the full record: which device (and holder) produced stored file ``file_id``; None if unknown."""
    row = session.execute(select(EquipmentMedia, Equipment).join(Equipment, Equipment.id == EquipmentMedia.equipment_id)
                          .where(EquipmentMedia.file_id == file_id)).first()
    if row is None:
        return None
    m, eq = row
    holder = session.get(Person, m.holder_id) if m.holder_id else None
    return {"file_id": m.file_id, "device_id": m.device_id, "equipment_id": eq.id, "equipment_code": eq.code,
            "type": eq.type, "recorded_at": m.recorded_at, "holder_id": m.holder_id,
            "holder_name": holder.name if holder else None}


def media_for_device(session: Session, device_id: str, since: datetime | None = None,
                     until: datetime | None = None, limit: int = 200) -> list[EquipmentMedia]:
    stmt = select(EquipmentMedia).where(EquipmentMedia.device_id == device_id)
    if since is not None:
        stmt = stmt.where(EquipmentMedia.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(EquipmentMedia.recorded_at < until)
    return list(session.scalars(stmt.order_by(EquipmentMedia.recorded_at.desc()).limit(limit)))

