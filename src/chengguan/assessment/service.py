"""Unit assessment (长效管理考评): checklists, inspections with findings, 督查整改通知书, scores and rankings.

Score of a unit in a period = template full score − Σ deductions of its findings in the period (each
item's deductions capped at the item's points) − extra deductions of escalated notices issued in the
period; never below 0. A unit without an inspection in the period has no score (not ranked). Ranking is
per class (A/B/C), best score first; ties share a rank.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.assessment.models import (
    UNIT_CLASSES,
    AssessItem,
    AssessPhoto,
    AssessTemplate,
    AssessUnit,
    Finding,
    Inspection,
    RectificationNotice,
)
from chengguan.cases.service import resolve_file_tokens
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.evaluation import formulas as fx
from chengguan.outbox import service as outbox
from chengguan.system import counters, files
from chengguan.system import settings as cfg
from chengguan.system.models import StoredFile

ASSESS_ROLES = (Role.ASSESSOR, Role.ADMIN)
VIEW_ROLES = (Role.ASSESSOR, Role.ADMIN, Role.LEADER)

NOTICE_PREFIX = cfg.define("assessment.notice_prefix", "城管督改", "督查整改通知书编号前缀：前缀〔年份〕第N号。", "考评")
NOTICE_DAYS = cfg.define("assessment.notice_days", 3.0, "督查整改通知书默认整改期限（工作日）。", "考评")
ESCALATE_DEDUCTION = cfg.define("assessment.escalate_deduction", 2.0,
                                "复查仍未整改（升级）时对该单位追加的扣分。", "考评")
PUBLIC_RANKING = cfg.define("assessment.public_ranking", True, "是否公开考评排名页（供媒体通报）。", "考评")


def _file_access(session: Session, row: StoredFile, p: Principal | None) -> bool:
    """A finding's or follow-up's photo: whoever may view the assessment of that unit (hooked into
    ``system.files``; the uploader always may)."""
    if p is None or not p.has(*VIEW_ROLES):
        return False
    units = session.scalars(select(AssessUnit).join(Inspection, Inspection.unit_id == AssessUnit.id)
                            .join(Finding, Finding.inspection_id == Inspection.id)
                            .join(AssessPhoto, AssessPhoto.finding_id == Finding.id)
                            .where(AssessPhoto.file_id == row.id).limit(20))
    return any(u.region_code is None or any(p.covers(r, u.region_code) for r in VIEW_ROLES) for u in units)


if _file_access not in files.EXTRA_ACCESS:
    files.EXTRA_ACCESS.append(_file_access)


def _need(p: Principal | None, roles: tuple[str, ...] = ASSESS_ROLES, what: str = "考评操作") -> None:
    if p is not None and not p.has(*roles):
        raise Forbidden(f"{what}需要考评员或管理员角色", code="role_required")


# ----------------------------------------------------------------------------------------- templates


def create_template(session: Session, p: Principal | None, name: str, groups: list[dict[str, Any]],
                    description: str | None = None, full_score: float = 100.0) -> AssessTemplate:
    """``groups``: ``[{"name": "市容环卫", "items": [{"code", "text", "points", "deduct_per", "rule"}]}]``."""
    _need(p)
    if not name.strip():
        raise Invalid("考评细则需要名称")
    if not groups or not any(g.get("items") for g in groups):
        raise Invalid("考评细则至少需要一个考评项目", code="empty_template")
    t = AssessTemplate(name=name.strip(), description=description, full_score=full_score)
    session.add(t)
    session.flush()
    n = 0
    codes: set[str] = set()
    for g in groups:
        gname = str(g.get("name") or "").strip()
        if not gname:
            raise Invalid("考评项目分组需要名称")
        for it in g.get("items") or []:
            n += 1
            code = str(it.get("code") or f"{n:03d}")
            if code in codes:
                raise Invalid(f"考评项目编号重复：{code}", code="duplicate_code")
            codes.add(code)
            points, per = float(it.get("points", 0)), float(it.get("deduct_per", it.get("points", 0)))
            if points <= 0 or per <= 0 or per > points:
                raise Invalid(f"考评项目 {code}：分值与每处扣分应为正数，且每处扣分不超过分值", code="bad_points")
            session.add(AssessItem(template_id=t.id, group_name=gname, code=code, text=str(it.get("text") or ""),
                                   points=points, deduct_per=per, rule=it.get("rule"), sort=n))
    session.flush()
    return t


def template_out(session: Session, t: AssessTemplate) -> dict[str, Any]:
    items = session.scalars(select(AssessItem).where(AssessItem.template_id == t.id).order_by(AssessItem.sort)).all()
    groups: dict[str, list[dict[str, Any]]] = {}
    for i in items:
        groups.setdefault(i.group_name, []).append({"id": i.id, "code": i.code, "text": i.text, "points": i.points,
                                                    "deduct_per": i.deduct_per, "rule": i.rule})
    return {"id": t.id, "name": t.name, "description": t.description, "full_score": t.full_score,
            "is_active": t.is_active, "groups": [{"name": k, "points": sum(x["points"] for x in v), "items": v}
                                                 for k, v in groups.items()]}


def list_templates(session: Session, p: Principal) -> list[dict[str, Any]]:
    _need(p, VIEW_ROLES, "查看考评细则")
    return [template_out(session, t) for t in session.scalars(select(AssessTemplate).order_by(AssessTemplate.id))]


# ----------------------------------------------------------------------------------------- units


def create_unit(session: Session, p: Principal | None, name: str, unit_class: str, template_id: int,
                department_id: int | None = None, region_code: str | None = None) -> AssessUnit:
    _need(p)
    if unit_class not in UNIT_CLASSES:
        raise Invalid("单位类别应为 A、B 或 C", code="bad_class")
    if session.get(AssessTemplate, template_id) is None:
        raise Invalid("考评细则不存在", code="unknown_template")
    u = AssessUnit(name=name, unit_class=unit_class, template_id=template_id, department_id=department_id,
                   region_code=region_code)
    session.add(u)
    session.flush()
    return u


def list_units(session: Session, p: Principal) -> list[dict[str, Any]]:
    _need(p, VIEW_ROLES, "查看考评单位")
    return [{"id": u.id, "name": u.name, "unit_class": u.unit_class, "template_id": u.template_id,
             "department_id": u.department_id, "region_code": u.region_code}
            for u in session.scalars(select(AssessUnit).where(AssessUnit.is_active.is_(True))
                                     .order_by(AssessUnit.unit_class, AssessUnit.name))]


# ----------------------------------------------------------------------------------------- inspections


def record_inspection(session: Session, p: Principal | None, unit_id: int, findings: list[dict[str, Any]], *,
                      place: str | None = None, note: str | None = None, at: datetime | None = None,
                      inspector: tuple[int | None, str | None] | None = None,
                      photo_ids: dict[int, list[int]] | None = None) -> Inspection:
    """An inspection with its findings: ``[{"item_id", "count"=1, "place", "lon", "lat", "note", "photos": [token],
    "notice": {"deadline"?, "requirement"?}}]``. A finding's deduction = count × the item's 扣分标准."""
    _need(p)
    unit = session.get(AssessUnit, unit_id)
    if unit is None or not unit.is_active:
        raise NotFound("考评单位不存在", code="unknown_unit")
    items = {i.id: i for i in session.scalars(select(AssessItem).where(AssessItem.template_id == unit.template_id))}
    now = at or clock.now()
    who = inspector or ((p.user_id, p.display_name) if p else (None, "系统"))
    insp = Inspection(unit_id=unit.id, template_id=unit.template_id, inspector_id=who[0], inspector_name=who[1],
                      at=now, place=place, note=note)
    session.add(insp)
    session.flush()
    for k, f in enumerate(findings):
        item = items.get(int(f.get("item_id") or 0))
        if item is None:
            raise Invalid(f"第 {k + 1} 个问题的考评项目不属于该单位的考评细则", code="unknown_item")
        count = int(f.get("count") or 1)
        if count < 1 or count > 100:
            raise Invalid("问题处数应为 1–100", code="bad_count")
        photos = (photo_ids or {}).get(k) or resolve_file_tokens(session, f.get("photos"))
        fd = Finding(inspection_id=insp.id, item_id=item.id, deduction=min(item.points, count * item.deduct_per),
                     place=f.get("place") or place, lon=f.get("lon"), lat=f.get("lat"), note=f.get("note"),
                     photo_ids=photos)
        session.add(fd)
        session.flush()
        session.add_all(AssessPhoto(file_id=fid, finding_id=fd.id) for fid in photos)
        if f.get("notice"):
            n = f["notice"] if isinstance(f["notice"], dict) else {}
            issue_notice(session, p, fd.id, deadline=n.get("deadline"), requirement=n.get("requirement"), at=now)
    return insp


def issue_notice(session: Session, p: Principal | None, finding_id: int, *, deadline: datetime | None = None,
                 requirement: str | None = None, at: datetime | None = None) -> RectificationNotice:
    _need(p)
    fd = session.get(Finding, finding_id)
    if fd is None:
        raise NotFound("问题记录不存在", code="unknown_finding")
    if session.scalar(select(RectificationNotice.id).where(RectificationNotice.finding_id == fd.id)):
        raise Conflict("该问题已下发整改通知书", code="notice_exists")
    insp = session.get(Inspection, fd.inspection_id)
    assert insp is not None
    item = session.get(AssessItem, fd.item_id)
    assert item is not None
    now = at or clock.now()
    if deadline is None:
        from chengguan.worktime import service as worktime

        deadline = worktime.add(session, now, float(cfg.value(session, NOTICE_DAYS.key)), "work_day")
    if deadline.tzinfo is None:
        raise Invalid("整改期限必须带时区", code="naive_datetime")
    if deadline <= now:
        raise Invalid("整改期限必须晚于下发时间", code="bad_deadline")
    year = clock.local(now).year
    seq = counters.next_value(session, "assess_notice", str(year))
    number = f"{cfg.value(session, NOTICE_PREFIX.key)}〔{year}〕第{seq}号"
    notice = RectificationNotice(number=number, finding_id=fd.id, unit_id=insp.unit_id, issued_at=now,
                                 issued_by=p.user_id if p else None, deadline=deadline,
                                 requirement=requirement or f"请对照“{item.text}”的要求立即整改，并于期限内报告整改结果。",
                                 state="open", followups=[])
    session.add(notice)
    session.flush()
    unit = session.get(AssessUnit, insp.unit_id)
    if unit is not None and unit.department_id is not None:
        outbox.enqueue(session, topic="assessment.notice", channel="inbox", recipient=f"department:{unit.department_id}",
                       payload={"notice_id": notice.id, "number": number,
                                "text": f"督查整改通知书 {number}：{item.text}，整改期限 "
                                        f"{clock.local(deadline).strftime('%Y-%m-%d %H:%M')}"})
    return notice


def follow_up(session: Session, p: Principal | None, notice_id: int, passed: bool, note: str | None = None,
              photos: list[str] | None = None) -> RectificationNotice:
    """复查: passed → closed; not passed after the deadline → escalated (extra deduction); not passed before the
    deadline → stays open (recorded)."""
    _need(p)
    n = session.get(RectificationNotice, notice_id, with_for_update=True)
    if n is None:
        raise NotFound("整改通知书不存在", code="unknown_notice")
    if n.state != "open":
        raise Conflict(f"整改通知书已{'销号' if n.state == 'closed' else '升级'}，不能再复查", code="notice_closed")
    if not passed and not note:
        raise Invalid("复查未通过需要说明情况（note）")
    now = clock.now()
    photo_ids = resolve_file_tokens(session, photos)
    entry = {"at": now.isoformat(), "by": p.user_id if p else None, "by_name": p.display_name if p else "系统",
             "passed": passed, "note": note, "photo_ids": photo_ids}
    n.followups = [*n.followups, entry]
    session.add_all(AssessPhoto(file_id=fid, finding_id=n.finding_id, notice_id=n.id) for fid in photo_ids)
    if passed:
        n.state, n.closed_at = "closed", now
    elif now > n.deadline:
        n.state, n.closed_at = "escalated", now
        n.extra_deduction = float(cfg.value(session, ESCALATE_DEDUCTION.key))
        outbox.enqueue(session, topic="assessment.escalated", channel="inbox", recipient="role:leader",
                       payload={"notice_id": n.id, "number": n.number, "text": f"整改通知书 {n.number} 逾期未整改，已升级"})
    session.flush()
    return n


def notice_out(session: Session, n: RectificationNotice) -> dict[str, Any]:
    fd = session.get(Finding, n.finding_id)
    item = session.get(AssessItem, fd.item_id) if fd else None
    unit = session.get(AssessUnit, n.unit_id)
    overdue = n.state == "open" and clock.now() > n.deadline
    return {"id": n.id, "number": n.number, "unit_id": n.unit_id, "unit_name": unit.name if unit else None,
            "issued_at": n.issued_at, "deadline": n.deadline, "state": n.state, "overdue": overdue,
            "requirement": n.requirement, "followups": n.followups, "extra_deduction": n.extra_deduction,
            "item": item.text if item else None, "group": item.group_name if item else None,
            "place": fd.place if fd else None, "deduction": fd.deduction if fd else None,
            "photo_ids": fd.photo_ids if fd else [], "pdf_url": f"/api/v1/assessment/notices/{n.id}/pdf"}


def list_notices(session: Session, p: Principal, state: str | None = None) -> list[dict[str, Any]]:
    _need(p, VIEW_ROLES, "查看整改通知书")
    stmt = select(RectificationNotice).order_by(RectificationNotice.issued_at.desc()).limit(500)
    if state:
        stmt = stmt.where(RectificationNotice.state == state)
    return [notice_out(session, n) for n in session.scalars(stmt)]


def notice_pdf(session: Session, p: Principal, notice_id: int) -> bytes:
    _need(p, VIEW_ROLES, "查看整改通知书")
    n = session.get(RectificationNotice, notice_id)
    if n is None:
        raise NotFound("整改通知书不存在", code="unknown_notice")
    d = notice_out(session, n)
    from html import escape

    from chengguan.core import pdf

    loc = lambda v: clock.local(v).strftime("%Y年%m月%d日 %H:%M")  # noqa: E731
    issuer = cfg.value(session, "bulletin.issuer") if "bulletin.issuer" in cfg.REGISTRY else "城市管理局"
    body = f"""<html><body>
<div class="org">{escape(str(issuer))}</div>
<h1>督查整改通知书</h1>
<p class="doc-no">{escape(n.number)}</p>
<p class="no-indent">{escape(d['unit_name'] or '')}：</p>
<p>{loc(n.issued_at)}，我中心考评人员在{escape(d['place'] or '你单位责任区')}检查发现：{escape(d['item'] or '')}
（{escape(d['group'] or '')}，扣 {d['deduction']:g} 分）。</p>
<p>整改要求：{escape(n.requirement)}</p>
<p>请于 <b>{loc(n.deadline)}</b> 前整改完毕。逾期未整改的，将在月度考评中追加扣分并予以通报。</p>
<p class="right">{escape(str(issuer))}<br>{clock.local(n.issued_at).strftime('%Y年%m月%d日')}</p>
</body></html>"""
    return pdf.render_pdf(body, stylesheets=[pdf.document_css()])


# ----------------------------------------------------------------------------------------- scores


def scores(session: Session, period: str | None) -> list[dict[str, Any]]:
    per = fx.parse_period(period)
    units = session.scalars(select(AssessUnit).where(AssessUnit.is_active.is_(True))).all()
    tmpl = {t.id: t for t in session.scalars(select(AssessTemplate))}
    items = {i.id: i for i in session.scalars(select(AssessItem))}
    insp_n: dict[int, int] = dict(session.execute(select(Inspection.unit_id, func.count()).where(
        Inspection.at >= per.since, Inspection.at < per.until).group_by(Inspection.unit_id)).all())
    ded: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    nfind: dict[int, int] = defaultdict(int)
    for uid, item_id, d in session.execute(
            select(Inspection.unit_id, Finding.item_id, Finding.deduction).join(Inspection, Inspection.id == Finding.inspection_id)
            .where(Inspection.at >= per.since, Inspection.at < per.until)):
        ded[uid][item_id] += float(d)
        nfind[uid] += 1
    notices: dict[int, tuple[int, float]] = {}
    for uid, cnt, extra in session.execute(
            select(RectificationNotice.unit_id, func.count(), func.sum(RectificationNotice.extra_deduction))
            .where(RectificationNotice.issued_at >= per.since, RectificationNotice.issued_at < per.until)
            .group_by(RectificationNotice.unit_id)):
        notices[uid] = (int(cnt), float(extra or 0))
    out = []
    for u in units:
        full = tmpl[u.template_id].full_score if u.template_id in tmpl else 100.0
        total = sum(min(v, items[i].points if i in items else v) for i, v in ded[u.id].items())
        cnt, extra = notices.get(u.id, (0, 0.0))
        total += extra
        inspected = insp_n.get(u.id, 0) > 0
        out.append({"unit_id": u.id, "name": u.name, "unit_class": u.unit_class, "inspections": insp_n.get(u.id, 0),
                    "findings": nfind[u.id], "deductions": round(total, 2), "notices": cnt,
                    "score": round(max(full - total, 0.0), 2) if inspected else None})
    return out


def ranking(session: Session, p: Principal | None, period: str | None) -> dict[str, Any]:
    """Scores ranked per class (A/B/C); for a year, the mean of the monthly scores is ranked."""
    per = fx.parse_period(period)
    if len(per.key) == 4:  # yearly: average of the months with a score
        acc: dict[int, list[float]] = defaultdict(list)
        base: dict[int, dict[str, Any]] = {}
        for m in range(1, 13):
            for r in scores(session, f"{per.key}-{m:02d}"):
                base.setdefault(r["unit_id"], {**r, "inspections": 0, "findings": 0, "deductions": 0.0, "notices": 0})
                b = base[r["unit_id"]]
                for k in ("inspections", "findings", "notices"):
                    b[k] += r[k]
                b["deductions"] = round(b["deductions"] + r["deductions"], 2)
                if r["score"] is not None:
                    acc[r["unit_id"]].append(r["score"])
        rows = [{**b, "score": round(sum(acc[u]) / len(acc[u]), 2) if acc[u] else None, "months": len(acc[u])}
                for u, b in base.items()]
    else:
        rows = scores(session, per.key)
    classes: dict[str, list[dict[str, Any]]] = {}
    for cls in UNIT_CLASSES:
        grp = sorted([r for r in rows if r["unit_class"] == cls and r["score"] is not None],
                     key=lambda r: (-r["score"], r["name"]))
        last, rank = None, 0
        for i, r in enumerate(grp, 1):
            if r["score"] != last:
                rank, last = i, r["score"]
            r["rank"] = rank
        if grp:
            classes[cls] = grp
    unscored = [r for r in rows if r["score"] is None]
    return {"period": per.key, "label": per.label, "classes": classes, "not_inspected": unscored}


def ranking_xlsx(data: dict[str, Any]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "考评排名"
    ws.append([f"{data['label']}城市长效管理考评排名"])
    ws.append(["类别", "排名", "单位", "得分", "扣分", "检查次数", "问题数", "整改通知书"])
    for cls, rows in data["classes"].items():
        for r in rows:
            ws.append([cls, r["rank"], r["name"], r["score"], r["deductions"], r["inspections"], r["findings"],
                       r["notices"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def overdue_notices(session: Session, now: datetime | None = None) -> int:
    """Worker: remind the unit once when an open notice passes its deadline (idempotent via followups flag)."""
    now = now or clock.now()
    n = 0
    for notice in session.scalars(select(RectificationNotice).where(
            RectificationNotice.state == "open", RectificationNotice.deadline < now).limit(200)):
        if any(f.get("reminder") for f in notice.followups):
            continue
        notice.followups = [*notice.followups, {"at": now.isoformat(), "reminder": True,
                                                "note": "整改期限已到，待复查"}]
        outbox.enqueue(session, topic="assessment.notice_due", channel="inbox", recipient="role:assessor",
                       payload={"notice_id": notice.id, "number": notice.number,
                                "text": f"整改通知书 {notice.number} 已到期，请复查"})
        n += 1
    return n


