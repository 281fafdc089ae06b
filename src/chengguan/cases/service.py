"""Case intake (上报) and queries: work lists, map viewport, duplicates, timelines."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, exists, func, or_, select, true
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import STAFF_ROLES, Role
from chengguan.cases import workflow
from chengguan.cases.models import (
    OPEN_STATUSES,
    Case,
    CaseAssignment,
    CaseAttachment,
    CaseEvent,
    CaseReporter,
    CaseRequest,
    CaseTask,
)
from chengguan.catalog import service as catalog
from chengguan.catalog.models import Component
from chengguan.core import clock
from chengguan.core.config import get_settings
from chengguan.core.errors import Forbidden, Invalid, NotFound
from chengguan.core.security import same, sign
from chengguan.geo import service as geo
from chengguan.geo.models import ResponsibilityAssignment, ResponsibilityGridCell
from chengguan.outbox import service as outbox
from chengguan.system import counters
from chengguan.system import settings as cfg
from chengguan.system.models import StoredFile

VERIFY_CHANNELS = cfg.define(
    "workflow.verify_channels", ["public", "hotline", "media", "video"],
    "这些来源的上报先派监督员核实（属实后再立案）。", "流程")
DUP_RADIUS = cfg.define("workflow.duplicate_radius_m", 50.0, "疑似重复：同类或相关类别问题在该半径（米）内。", "流程")
DUP_HOURS = cfg.define("workflow.duplicate_window_hours", 72.0, "疑似重复：在该时间窗（小时）内上报的未结案件。", "流程")
GEOCODE_MIN_SCORE = cfg.define("workflow.geocode_min_score", 0.6,
                               "只有地址、没有坐标的上报：地址匹配得分低于该值时要求补充位置。", "流程")

# Who may report through which channel (the public page uses "public" without an account).
CHANNEL_ROLES: dict[str, tuple[str, ...]] = {
    "patrol": (Role.COLLECTOR,),
    "hotline": (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN),
    "public": (Role.CITIZEN, Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN, Role.COLLECTOR),
    "video": (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN),
    "leader": (Role.LEADER, Role.SHIFT_LEADER, Role.ADMIN),
    "media": (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN),
    "transfer": (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.ADMIN, Role.DEPT_HANDLER),
    "exchange": (Role.ADMIN,),
}


@dataclass
class ReportInput:
    category_code: str
    description: str
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"
    address: str | None = None
    channel: str | None = None
    kind: str | None = None
    condition_code: int | None = None
    urgency: str | None = None
    component_code: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    anonymous: bool = False
    photos: list[str] | None = None
    source: dict[str, Any] | None = None
    self_dispose: bool = False
    after_photos: list[str] | None = None


# ---------------------------------------------------------------- files


def file_token(file_id: int) -> str:
    """A capability for an uploaded file: only who uploaded it (and got this token) can attach it."""
    return f"{file_id}.{sign(f'file:{file_id}'.encode(), get_settings().secret_key)[:24]}"


def resolve_file_tokens(session: Session, tokens: list[str] | None) -> list[int]:
    ids: list[int] = []
    for tok in tokens or []:
        fid, _, sig = str(tok).partition(".")
        if not fid.isdigit() or not same(file_token(int(fid)), str(tok)):
            raise Invalid("附件令牌无效（请重新上传照片）", code="bad_file_token")
        if session.get(StoredFile, int(fid)) is None:
            raise Invalid("附件不存在（请重新上传照片）", code="bad_file_token")
        ids.append(int(fid))
    if len(ids) > 9:
        raise Invalid("每次最多 9 个附件")
    return ids


def attach(session: Session, case: Case, file_ids: list[int], stage: str, event_id: int | None) -> None:
    for fid in file_ids:
        session.add(CaseAttachment(case_id=case.id, file_id=fid, stage=stage, event_id=event_id))


# ---------------------------------------------------------------- intake


def _check_channel(p: Principal | None, channel: str) -> None:
    if channel not in CHANNEL_ROLES:
        raise Invalid(f"未知来源渠道：{channel}", details={"channels": list(CHANNEL_ROLES)})
    if p is None:
        if channel != "public":
            raise Forbidden("未登录只能通过公众渠道上报", code="role_required")
        return
    if not p.has(*CHANNEL_ROLES[channel]):
        raise Forbidden(f"您的角色不能以“{channel}”渠道上报", code="role_required")


def default_channel(p: Principal | None) -> str:
    if p is None or p.has(Role.CITIZEN) and not p.has(*STAFF_ROLES):
        return "public"
    if p.has(Role.COLLECTOR):
        return "patrol"
    if p.has(Role.LEADER):
        return "leader"
    return "hotline"


def new_case_no(session: Session, at: datetime) -> str:
    day = clock.local(at).strftime("%Y%m%d")
    return f"{day}{counters.next_value(session, 'case_no', day):05d}"


def _category_and_component(session: Session, data: ReportInput) -> tuple[Any, Component | None, Any, str]:
    try:
        category = catalog.get_category(session, data.category_code, data.kind)
    except NotFound as exc:
        raise Invalid(exc.message, code="unknown_category") from exc
    component = None
    if data.component_code:
        component = session.scalar(select(Component).where(Component.code == data.component_code))
        if component is None:
            raise Invalid(f"部件 {data.component_code} 不存在", code="unknown_component")
        if component.category_code != category.code:
            raise Invalid(f"部件 {component.code}（{component.name}）与类别 {category.code} {category.name} 不符",
                          code="component_mismatch")
    condition = catalog.get_condition(session, category, data.condition_code)
    urgency = data.urgency or (condition.default_urgency if condition else "normal")
    if urgency not in ("normal", "urgent", "very_urgent"):
        raise Invalid("紧急程度应为 normal/urgent/very_urgent")
    return category, component, condition, urgency


def _location(session: Session, data: ReportInput, component: Component | None) -> tuple[geo.Located, str | None]:
    """Where the problem is: the given point (any CRS), else the component's, else the geocoded address."""
    lon, lat, address = data.lon, data.lat, (data.address or "").strip() or None
    if (lon is None) != (lat is None):
        raise Invalid("经度和纬度必须同时提供")
    if lon is None and component is not None:
        lon, lat = component.lon, component.lat
    elif lon is not None and lat is not None:
        lon, lat = geo.to_wgs84(float(lon), float(lat), data.crs)
    if lon is None or lat is None:
        if not address:
            raise Invalid("请提供位置：经纬度（lon/lat）或地址（address）", code="location_required")
        matches = geo.geocode(session, address, limit=1)
        if not matches or matches[0].score < float(cfg.value(session, GEOCODE_MIN_SCORE.key)):
            raise Invalid(f"无法确定地址“{address}”的位置，请在地图上点选", code="address_not_found")
        lon, lat = matches[0].lon, matches[0].lat
    where = geo.locate(session, lon, lat)
    if where is None:
        raise Invalid("该位置不在本市单元网格范围内", code="outside_city")
    return where, address or geo.reverse(session, where.lon, where.lat)


def _reporter(data: ReportInput, p: Principal | None) -> tuple[str | None, str | None]:
    if data.anonymous:
        return None, None
    name = (data.reporter_name or "").strip() or None
    phone = (data.reporter_phone or "").strip() or None
    if p is not None and name is None:
        name = p.display_name
    return name, phone


def create_report(session: Session, data: ReportInput, p: Principal | None) -> tuple[Case, list[dict[str, Any]]]:
    """Create a case from a report of any channel. Returns the case and its likely duplicates."""
    channel = data.channel or default_channel(p)
    _check_channel(p, channel)
    description = (data.description or "").strip()
    if len(description) < 2:
        raise Invalid("请描述问题（至少 2 个字）")
    category, component, condition, urgency = _category_and_component(session, data)
    where, address = _location(session, data, component)
    photos = resolve_file_tokens(session, data.photos)
    after = resolve_file_tokens(session, data.after_photos)
    if data.self_dispose and (p is None or not p.has(Role.COLLECTOR)):
        raise Forbidden("只有监督员可以自行处置", code="role_required")
    if data.self_dispose and not after:
        raise Invalid("自行处置需要上传处置后的照片", code="after_photo_required")
    now = clock.now()
    name, phone = _reporter(data, p)
    case = Case(
        # A provisional unique number: the day's gap-free counter row is locked until commit, so it is taken
        # as late as possible (below) — on PostgreSQL that lock is what serialises concurrent intake.
        case_no="~" + secrets.token_hex(8), public_code=secrets.token_hex(3).upper(),
        channel=channel, kind=category.kind, category_id=category.id, category_code=category.code,
        major_code=category.major_code, condition_id=condition.id if condition else None,
        condition_number=condition.number if condition else None, urgency=urgency, description=description[:2000],
        address=address[:256] if address else None, lon=where.lon, lat=where.lat, grid_code=where.grid_code,
        community_code=where.community_code, street_code=where.street_code, district_code=where.district_code,
        region_class=where.region_class, component_code=component.code if component else None,
        reporter_user_id=p.user_id if p else None, reporter_name=name, reporter_phone=phone,
        anonymous=data.anonymous, source=dict(data.source or {}), reported_at=now, version=1,
    )
    needs_verify = channel in cfg.value(session, VERIFY_CHANNELS.key) and not _skips_verify(session, p)
    collectors = grid_collectors(session, where.grid_code) if needs_verify else []
    status = "verifying" if needs_verify and collectors else "reported"
    actor = workflow.Actor.of(p, _actor_role(p, channel))
    ev = workflow.open_case(session, case, status=status, actor=actor, lon=where.lon, lat=where.lat,
                            attachments=photos, data={"channel": channel}, at=now)
    attach(session, case, photos, "report", ev.id)
    session.add(CaseReporter(case_id=case.id, original_case_id=case.id, user_id=p.user_id if p else None,
                             name=name, phone=phone, channel=channel, reported_at=now))
    duplicates = likely_duplicates(session, case)
    case.case_no = new_case_no(session, now)
    session.flush()
    if status == "verifying":
        add_tasks(session, case, "verify", collectors)
    from chengguan.cases import actions

    if channel == "leader" and p is not None:
        actions.urge_on_intake(session, case, p, description)
    if data.self_dispose and p is not None:
        actions.self_dispose(session, case, p, opinion="自行处置", attachments=after)
    outbox.publish(session, "case.reported", {"case_no": case.case_no, "id": case.id, "channel": channel,
                                               "category_code": case.category_code, "grid_code": case.grid_code})
    return case, duplicates


def _actor_role(p: Principal | None, channel: str) -> str | None:
    if p is None:
        return "public"
    for role, chans in ((Role.COLLECTOR, ("patrol", "public")), (Role.LEADER, ("leader",))):
        if channel in chans and p.has(role):
            return role
    return next(iter(sorted(p.roles)), None)


def _skips_verify(session: Session, p: Principal | None) -> bool:
    """Hook for social supervisors (社会监督员) whose reports the city lets skip 核实."""
    if p is None:
        return False
    from chengguan.cases import hooks

    return hooks.skips_verification(session, p)


def grid_collectors(session: Session, grid_code: str) -> list[int]:
    """The collectors currently assigned to the responsibility grid that contains ``grid_code``."""
    today = clock.local(clock.now()).date()
    rows = session.execute(
        select(ResponsibilityAssignment.user_id)
        .join(ResponsibilityGridCell, ResponsibilityGridCell.responsibility_grid_id
              == ResponsibilityAssignment.responsibility_grid_id)
        .join(User, User.id == ResponsibilityAssignment.user_id)
        .where(ResponsibilityGridCell.grid_code == grid_code, User.is_active.is_(True),
               ResponsibilityAssignment.valid_from <= today,
               or_(ResponsibilityAssignment.valid_to.is_(None), ResponsibilityAssignment.valid_to >= today))
        .order_by(ResponsibilityAssignment.user_id)
    ).all()
    return [r[0] for r in rows]


def add_tasks(session: Session, case: Case, kind: str, collectors: list[int]) -> None:
    now = clock.now()
    for uid in collectors:
        session.add(CaseTask(case_id=case.id, kind=kind, assignee_id=uid, created_at=now, due_at=case.step_due_at))
        outbox.enqueue(session, topic=f"task.{kind}", channel="inbox", recipient=f"user:{uid}",
                       payload={"case_no": case.case_no, "case_id": case.id, "kind": kind,
                                "due_at": case.step_due_at.isoformat() if case.step_due_at else None,
                                "text": f"请{'核实' if kind == 'verify' else '核查'}案件 {case.case_no}：{case.address}"})


def close_tasks(session: Session, case: Case, kind: str, by: int | None, result: bool | None) -> None:
    now = clock.now()
    for t in session.scalars(select(CaseTask).where(CaseTask.case_id == case.id, CaseTask.kind == kind,
                                                    CaseTask.done_at.is_(None))):
        t.done_at, t.done_by, t.result = now, by, result


# ---------------------------------------------------------------- duplicates


def _deg_box(lat: float, radius_m: float) -> tuple[float, float]:
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return dlon, dlat


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def likely_duplicates(session: Session, case: Case, limit: int = 5) -> list[dict[str, Any]]:
    """Open cases of the same category (or the same major class and kind) near the same point within the
    configured window. Same category ranks first, then distance."""
    radius = float(cfg.value(session, DUP_RADIUS.key))
    hours = float(cfg.value(session, DUP_HOURS.key))
    dlon, dlat = _deg_box(case.lat, radius)
    since = case.reported_at - timedelta(hours=hours)
    rows = session.execute(select(
        Case.id, Case.case_no, Case.status, Case.category_code, Case.lon, Case.lat, Case.reported_at, Case.address,
    ).where(
        Case.id != case.id, Case.status.in_(OPEN_STATUSES), Case.reported_at >= since,
        Case.lon.between(case.lon - dlon, case.lon + dlon), Case.lat.between(case.lat - dlat, case.lat + dlat),
        Case.major_code == case.major_code, Case.kind == case.kind,
    ).limit(200)).all()
    out = []
    for oid, no, status, cat, lon, lat, at, address in rows:
        d = haversine_m(case.lon, case.lat, lon, lat)
        if d <= radius:
            out.append({"id": oid, "case_no": no, "status": status, "category_code": cat,
                        "same_category": cat == case.category_code, "distance_m": round(d, 1), "reported_at": at,
                        "address": address, "lon": lon, "lat": lat})
    out.sort(key=lambda r: (not r["same_category"], r["distance_m"]))
    return out[:limit]


# ---------------------------------------------------------------- visibility


def can_see(session: Session, p: Principal, case: Case) -> bool:
    """Staff see the cases of their region; department handlers those assigned to their department;
    citizens the ones they reported."""
    for role in (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.COLLECTOR, Role.ADMIN,
                 Role.ASSESSOR, Role.OFFICER):
        if p.covers(role, case.grid_code):
            return True
    depts = p.departments()
    if depts and any(a.department_id in depts for a in case.assignments):
        return True
    if case.reporter_user_id == p.user_id:
        return True
    return bool(session.scalar(select(exists().where(CaseReporter.case_id == case.id,
                                                     CaseReporter.user_id == p.user_id))))


def get_visible(session: Session, p: Principal, case_id: int) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在", code="unknown_case")
    if not can_see(session, p, case):
        raise Forbidden("您无权查看该案件", code="out_of_region")
    return case


def scope_filter(stmt: Select[Any], p: Principal) -> Select[Any]:
    """Restrict a case query to what the caller may see (same rules as ``can_see``)."""
    conds = []
    for role in (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.DISPATCHER, Role.LEADER, Role.COLLECTOR, Role.ADMIN,
                 Role.ASSESSOR, Role.OFFICER):
        for region in p.regions(role):
            if region is None:
                return stmt
            col = {6: Case.district_code, 9: Case.street_code, 12: Case.community_code, 15: Case.grid_code}.get(
                len(region))
            conds.append(col == region if col is not None else Case.grid_code.startswith(region))
    depts = p.departments()
    if depts:
        conds.append(exists().where(CaseAssignment.case_id == Case.id, CaseAssignment.department_id.in_(depts)))
    conds.append(Case.reporter_user_id == p.user_id)
    return stmt.where(or_(*conds))


# ---------------------------------------------------------------- lists


@dataclass
class CaseFilter:
    status: list[str] | None = None
    grid_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    department_id: int | None = None
    category_code: str | None = None
    major_code: str | None = None
    channel: str | None = None
    overdue: bool | None = None
    urged: bool | None = None
    pending_request: str | None = None
    q: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    mine: bool = False
    sort: str = "due"


# Plain equality filters: CaseFilter attribute → column.
_EQ_FILTERS = {"grid_code": Case.grid_code, "street_code": Case.street_code, "community_code": Case.community_code,
               "category_code": Case.category_code, "major_code": Case.major_code, "channel": Case.channel}


def case_query(p: Principal, f: CaseFilter) -> Select[Any]:
    stmt = scope_filter(select(Case), p)
    if f.status:
        stmt = stmt.where(Case.status.in_(f.status))
    for attr, col in _EQ_FILTERS.items():
        value = getattr(f, attr)
        if value:
            stmt = stmt.where(col == value)
    if f.department_id:
        stmt = stmt.where(exists().where(CaseAssignment.case_id == Case.id,
                                         CaseAssignment.department_id == f.department_id,
                                         CaseAssignment.state.in_(("active", "fed_back"))))
    stmt = _time_filters(stmt, f)
    if f.pending_request:
        kind_cond = CaseRequest.kind == f.pending_request if f.pending_request != "any" else true()
        stmt = stmt.where(exists().where(CaseRequest.case_id == Case.id, CaseRequest.state == "pending", kind_cond))
    if f.q:
        q = f.q.strip()
        stmt = stmt.where(or_(Case.case_no == q, Case.address.contains(q), Case.description.contains(q)))
    if f.bbox:
        minx, miny, maxx, maxy = f.bbox
        stmt = stmt.where(Case.lon.between(minx, maxx), Case.lat.between(miny, maxy))
    if f.mine:
        stmt = stmt.where(or_(Case.reporter_user_id == p.user_id,
                              exists().where(CaseTask.case_id == Case.id, CaseTask.assignee_id == p.user_id)))
    return stmt


def _time_filters(stmt: Select[Any], f: CaseFilter) -> Select[Any]:
    now = clock.now()
    if f.overdue is True:
        stmt = stmt.where(Case.step_due_at < now, Case.paused_at.is_(None))
    elif f.overdue is False:
        stmt = stmt.where(or_(Case.step_due_at.is_(None), Case.step_due_at >= now))
    if f.urged is not None:
        stmt = stmt.where(Case.urged_at.is_not(None) if f.urged else Case.urged_at.is_(None))
    if f.since:
        stmt = stmt.where(Case.reported_at >= f.since)
    if f.until:
        stmt = stmt.where(Case.reported_at < f.until)
    return stmt


def list_cases(session: Session, p: Principal, f: CaseFilter, page: int, page_size: int,
               with_total: bool = True) -> tuple[list[Case], int | None]:
    stmt = case_query(p, f)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) if with_total else None
    if f.sort == "due":
        order = [Case.step_due_at.is_(None), Case.step_due_at, Case.id]
    elif f.sort == "new":
        order = [Case.reported_at.desc(), Case.id.desc()]
    else:
        order = [Case.id.desc()]
    rows = session.scalars(stmt.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def my_tasks(session: Session, p: Principal, open_only: bool = True) -> list[tuple[CaseTask, Case]]:
    stmt = select(CaseTask, Case).join(Case, Case.id == CaseTask.case_id).where(CaseTask.assignee_id == p.user_id)
    if open_only:
        stmt = stmt.where(CaseTask.done_at.is_(None))
    return [(t, c) for t, c in session.execute(stmt.order_by(CaseTask.due_at, CaseTask.id).limit(200)).all()]


def timeline(session: Session, case: Case) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)))


def attachments_of(session: Session, case: Case) -> list[tuple[CaseAttachment, StoredFile]]:
    return [(a, f) for a, f in session.execute(
        select(CaseAttachment, StoredFile).join(StoredFile, StoredFile.id == CaseAttachment.file_id)
        .where(CaseAttachment.case_id == case.id).order_by(CaseAttachment.id)).all()]


def pending_requests(session: Session, case: Case) -> list[CaseRequest]:
    return list(session.scalars(select(CaseRequest).where(CaseRequest.case_id == case.id,
                                                          CaseRequest.state == "pending")))


def counts_by_status(session: Session, p: Principal, f: CaseFilter | None = None) -> dict[str, int]:
    stmt = case_query(p, f or CaseFilter()).with_only_columns(Case.status, func.count()).group_by(Case.status)
    return {s: n for s, n in session.execute(stmt.order_by(None)).all()}

