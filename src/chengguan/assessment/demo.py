"""Demo data for unit assessment and standardization (after the simulated case history): a sample 考评
template, A/B/C units with inspections, findings and rectification notices over the last months, the
sample Jiangsu checklist with team self-assessments in every state, and this year's district target."""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.assessment import service as assess
from chengguan.core import clock
from chengguan.org.models import Department

# (code, text, points, deduction per finding) per group of the checklist
TEMPLATE: dict[str, list[tuple[str, str, float, float]]] = {
    "市容环卫": [("A01", "道路、广场保洁不到位，有明显垃圾、积水", 10, 1), ("A02", "垃圾收集容器破损、满溢或未及时清运", 8, 1),
             ("A03", "乱张贴、乱涂写、乱刻画（“牛皮癣”）未及时清除", 6, 0.5), ("A04", "店外经营、乱堆乱放", 8, 1)],
    "交通秩序": [("B01", "机动车、非机动车乱停乱放", 8, 1), ("B02", "占道经营、流动摊贩影响通行", 8, 1),
             ("B03", "交通设施破损、缺失未及时修复", 6, 1)],
    "单位和社区卫生": [("C01", "门前三包责任制未落实", 8, 1), ("C02", "小区公共部位卫生死角、毁绿种菜", 8, 1)],
    "违章建筑": [("D01", "新增违法建设未及时发现和制止", 10, 2), ("D02", "已认定违法建设未按期拆除", 6, 2)],
    "城郊结合部": [("E01", "城郊结合部环境脏乱、垃圾乱倒", 8, 1), ("E02", "河道、沟渠漂浮物和沿岸垃圾", 6, 1)],
}


def _jpeg() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (150, 160, 170)).save(buf, "JPEG")
    return buf.getvalue()


def load(session: Session, scale: str, seed: int) -> None:
    rng = random.Random(seed * 7 + 5)
    _assessment(session, rng)
    _standardization(session, rng)


def _assessment(session: Session, rng: random.Random) -> None:
    from chengguan.system import files as sysfiles

    groups = [{"name": g, "items": [{"code": c, "text": t, "points": p, "deduct_per": d,
                                     "rule": f"每发现一处扣 {d:g} 分，本项最多扣 {p:g} 分"} for c, t, p, d in items]}
              for g, items in TEMPLATE.items()]
    tmpl = assess.create_template(session, None, "城市长效综合管理考评细则（样例）", groups,
                                  "按市容环卫、交通秩序、单位和社区卫生、违章建筑、城郊结合部五大块考评；"
                                  "样例内容，请按本地考评办法调整。")
    depts = session.scalars(select(Department).where(Department.is_active.is_(True)).order_by(Department.id)).all()
    streets = [d for d in depts if d.kind == "street"][:6]
    prof = [d for d in depts if d.kind == "professional"][:6]
    other = [d for d in depts if d.kind in ("contractor", "other", "enforcement") and d.type_key != "enforcement_squad"][:5]
    units = []
    for cls, ds in (("A", streets), ("B", prof), ("C", other)):
        for d in ds:
            units.append(assess.create_unit(session, None, d.name, cls, tmpl.id, d.id, d.region_code))
    assessor = session.scalar(select(User).where(User.username == "assessor1"))
    who = (assessor.id, assessor.display_name) if assessor else (None, "考评员")
    items = assess.template_out(session, tmpl)
    item_ids = [i["id"] for g in items["groups"] for i in g["items"]]
    photo = sysfiles.save_upload(session, _jpeg(), "inspection.jpg", "image/jpeg", user_id=who[0])
    now = clock.now()
    start = clock.local(now).date().replace(day=1) - timedelta(days=62)
    day = start
    while day < clock.local(now).date():
        if day.weekday() < 5 and rng.random() < 0.35:
            for u in rng.sample(units, k=min(3, len(units))):
                at = clock.local(now).replace(year=day.year, month=day.month, day=day.day, hour=9 + rng.randint(0, 7),
                                              minute=rng.randint(0, 59))
                if at >= now:
                    continue
                findings: list[dict[str, Any]] = []
                for _ in range(rng.choice((0, 1, 1, 2, 3))):
                    findings.append({"item_id": rng.choice(item_ids), "count": rng.choice((1, 1, 2)),
                                     "place": f"{u.name}责任区", "note": "现场检查发现"})
                with clock.frozen(at):
                    insp = assess.record_inspection(session, None, u.id, findings, place=f"{u.name}责任区",
                                                    inspector=who, photo_ids={k: [photo.id] for k in range(len(findings))})
                    _maybe_notice(session, rng, insp.id, at)
        day += timedelta(days=1)


def _maybe_notice(session: Session, rng: random.Random, inspection_id: int, at: Any) -> None:
    from chengguan.assessment.models import Finding

    now_real = clock.now()
    for f in session.scalars(select(Finding).where(Finding.inspection_id == inspection_id)):
        if rng.random() > 0.4:
            continue
        n = assess.issue_notice(session, None, f.id, at=at)
        check_at = n.deadline + timedelta(hours=2) if rng.random() < 0.3 else at + timedelta(days=1)
        if check_at > now_real:
            continue
        outcome = rng.random()
        if outcome < 0.15:
            continue  # still open
        with clock.frozen(check_at):
            assess.follow_up(session, None, n.id, passed=outcome > 0.35,
                             note=None if outcome > 0.35 else "复查时问题仍未整改")


def _standardization(session: Session, rng: random.Random) -> None:
    from chengguan.standardization import service as std
    from chengguan.standardization.models import StdAnswer, StdItem
    from chengguan.system import files as sysfiles

    t = std.load_sample(session)
    year = clock.local(clock.now()).year
    teams = std.teams(session)
    districts = sorted({(d.region_code or "")[:6] for d in teams})
    for dc in districts:
        std.set_target(session, None, dc, year, 0.5, date(year, 12, 31))
        std.set_target(session, None, dc, year + 1, 1.0, date(year + 1, 12, 31))
    ev = sysfiles.save_upload(session, _jpeg(), "evidence.jpg", "image/jpeg", user_id=None)
    items = session.scalars(select(StdItem).where(StdItem.template_id == t.id)).all()
    for k, team in enumerate(teams):
        stage = k % 5  # 0/1 reviewed, 2 submitted, 3 draft, 4 not started
        if stage == 4:
            continue
        a = std.start(session, None, team.id, year)
        strength = 0.75 + 0.25 * rng.random()
        for ans in session.scalars(select(StdAnswer).where(StdAnswer.assessment_id == a.id)):
            item = next(i for i in items if i.id == ans.item_id)
            if stage == 3 and rng.random() < 0.5:
                continue
            pts = round(item.points * min(1.0, strength + rng.uniform(-0.1, 0.15)), 1)
            std.answer(session, None, a.id, item.id, pts, "已按标准落实", evidence_ids=[ev.id])
        if stage <= 2:
            std.submit(session, None, a.id)
        if stage <= 1:
            std.review(session, None, a.id, {}, "现场复核")
