"""Rosters (排班), leave and swaps, joint-squad composition, and 在岗在位 per shift with alerts.

Rules a roster must satisfy when it is made (each refusal is a 422 that says what is wrong):
* every member exists and may go on duty (workforce: status and the post-exam rule);
* nobody is on leave during the shift or on another overlapping shift;
* a joint squad (kind ``joint``) has at least the composition of ``duty.joint_squad_composition``
  (default 1 police + 2 auxiliary police + 2 城管 + 4 协管, seed 001) or of the shift's own rule.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.errors import AppError, Conflict, Invalid, NotFound
from chengguan.duty import onpost
from chengguan.duty.models import (
    FORCES,
    DutyAlert,
    DutyAssignment,
    DutyLeave,
    DutyShift,
    DutyShiftGrid,
    OnPostResult,
    TrackDevice,
)
from chengguan.duty.schemas import LeaveIn, MemberIn, RepeatIn, ShiftIn, SwapIn
from chengguan.duty.tracks import load_points
from chengguan.geo.models import ResponsibilityGrid, ResponsibilityGridCell
from chengguan.outbox import service as outbox
from chengguan.system import settings as cfg
from chengguan.workforce import service as workforce
from chengguan.workforce.models import Person

COMPOSITION = cfg.define(
    "duty.joint_squad_composition", {"police": 1, "aux_police": 2, "chengguan": 2, "xieguan": 4},
    "联勤编组的最低人员构成（队伍 → 人数）：police 公安民警、aux_police 辅警、chengguan 城管执法队员、"
    "xieguan 协管员。默认 1+2+2+4（种子 001）。", "勤务")
GAP_MAX = cfg.define("duty.onpost_gap_max_seconds", 120,
                     "在岗计算：一个定位点最多代表多少秒（两点间隔更长视为未上报）。", "勤务")
MAX_SPEED = cfg.define("duty.onpost_max_speed_mps", 30.0,
                       "在岗计算：相邻两点隐含速度超过此值（米/秒）视为定位漂移，不计入巡查里程。", "勤务")
MIN_RATIO = cfg.define("duty.onpost_min_ratio", 0.8,
                       "在岗判定：在责任网格内的时间占班次时长的最低比例。", "勤务")
SILENT_MIN = cfg.define("duty.silent_alert_minutes", 15,
                        "连续多少分钟无定位上报即产生“停止上报”告警。", "勤务")
LEFT_MIN = cfg.define("duty.left_area_alert_minutes", 15,
                      "连续多少分钟在责任区域外即产生“离开责任区”告警。", "勤务")

PLANNERS = (Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN)
VIEWERS = (Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN, Role.DISPATCHER)
KIND_LABELS = {"patrol": "巡查", "duty24": "24小时值守", "standby": "备勤", "joint": "联勤"}
STATUS_LABELS = {"on_duty": "在班", "on_leave": "请假", "swapped": "已换班"}
ALERT_LABELS = {"silent": "停止上报", "left_area": "离开责任区"}


def _rule_text(rule: dict[str, int]) -> str:
    return "+".join(str(rule.get(f, 0)) for f in FORCES) + "（" + "、".join(
        f"{FORCES[f]}{n}人" for f, n in rule.items() if n) + "）"


def composition_rule(session: Session, shift_rule: dict[str, int] | None = None) -> dict[str, int]:
    rule = shift_rule if shift_rule is not None else cfg.value(session, COMPOSITION.key)
    bad = [k for k in rule if k not in FORCES]
    if bad or any(not isinstance(v, int) or v < 0 for v in rule.values()):
        raise Invalid(f"编组规则无效：队伍应为 {'、'.join(FORCES)}，人数为非负整数", code="bad_composition_rule")
    return {k: int(v) for k, v in rule.items()}


def check_composition(rule: dict[str, int], forces: list[str]) -> dict[str, int]:
    """Missing people per force (empty: the squad satisfies the rule; more people than the rule is fine)."""
    have = Counter(forces)
    return {f: need - have.get(f, 0) for f, need in rule.items() if have.get(f, 0) < need}


def _refuse_composition(rule: dict[str, int], forces: list[str], missing: dict[str, int]) -> None:
    text = "、".join(f"{FORCES[f]} {n} 人" for f, n in missing.items())
    raise Invalid(f"联勤编组不符合规则 {_rule_text(rule)}：缺 {text}", code="squad_composition",
                  details={"rule": rule, "have": dict(Counter(forces)), "missing": missing})


# ---------------------------------------------------------------- rosters

def _region_of(grids: list[ResponsibilityGrid]) -> str | None:
    streets = {g.street_code for g in grids if g.street_code}
    if len(streets) == 1:
        return streets.pop()
    if streets:
        return min(streets)[:6]
    return None


def _overlapping_assignments(session: Session, person_ids: list[int], start: datetime, end: datetime,
                             exclude_shift: int | None = None) -> list[tuple[DutyAssignment, DutyShift]]:
    stmt = (select(DutyAssignment, DutyShift).join(DutyShift, DutyShift.id == DutyAssignment.shift_id)
            .where(DutyAssignment.person_id.in_(person_ids), DutyAssignment.status == "on_duty",
                   DutyShift.starts_at < end, DutyShift.ends_at > start))
    if exclude_shift is not None:
        stmt = stmt.where(DutyShift.id != exclude_shift)
    return [(a, s) for a, s in session.execute(stmt).all()]


def _leaves(session: Session, person_ids: list[int], start: datetime, end: datetime) -> list[DutyLeave]:
    return list(session.scalars(select(DutyLeave).where(DutyLeave.person_id.in_(person_ids),
                                                        DutyLeave.starts_at < end, DutyLeave.ends_at > start)))


def _check_people(session: Session, persons: list[Person], start: datetime, end: datetime,
                  exclude_shift: int | None = None) -> None:
    problems: list[dict[str, Any]] = []
    day = clock.local(start).date()
    for person in persons:
        ok, why = workforce.may_go_on_duty(session, person, day)
        if not ok:
            problems.append({"person_id": person.id, "reason": "not_allowed", "message": why})
    ids = [p.id for p in persons]
    names = {p.id: p.name for p in persons}
    for lv in _leaves(session, ids, start, end):
        problems.append({"person_id": lv.person_id, "reason": "on_leave",
                         "message": f"{names[lv.person_id]}在此期间请假"})
    for a, s in _overlapping_assignments(session, ids, start, end, exclude_shift):
        problems.append({"person_id": a.person_id, "reason": "double_booked",
                         "message": f"{names[a.person_id]}已排在重叠的班次“{s.name}”"})
    if problems:
        raise Invalid("排班不成立：" + "；".join(str(p["message"]) for p in problems), code="roster_conflict",
                      details=problems)


def create_shift(session: Session, p: Principal, body: ShiftIn) -> DutyShift:
    if body.ends_at <= body.starts_at:
        raise Invalid("班次结束时间应晚于开始时间")
    if body.ends_at - body.starts_at > timedelta(hours=36):
        raise Invalid("一个班次最长 36 小时")
    if body.kind == "duty24" and body.ends_at - body.starts_at < timedelta(hours=24):
        raise Invalid("24 小时值守班次应覆盖 24 小时")
    grids = list(session.scalars(select(ResponsibilityGrid).where(
        ResponsibilityGrid.id.in_(body.responsibility_grid_ids)))) if body.responsibility_grid_ids else []
    missing = set(body.responsibility_grid_ids) - {g.id for g in grids}
    if missing:
        raise Invalid(f"责任网格不存在：{sorted(missing)}", code="unknown_grid")
    if body.kind != "standby" and not grids:
        raise Invalid("巡查、值守和联勤班次须指定责任网格（备勤可不指定）")
    region = _region_of(grids) or _default_region(session)
    p.require(PLANNERS, region_code=region, what="排班")
    ids = [m.person_id for m in body.members]
    if len(set(ids)) != len(ids):
        raise Invalid("同一人在一个班次中只能出现一次")
    persons = {x.id: x for x in session.scalars(select(Person).where(Person.id.in_(ids)))}
    unknown = [i for i in ids if i not in persons]
    if unknown:
        raise Invalid(f"人员不存在：{unknown}", code="unknown_person")
    rule = None
    if body.kind == "joint":
        rule = composition_rule(session, body.composition)
        forces = [persons[i].force for i in ids]
        missing_f = check_composition(rule, forces)
        if missing_f:
            _refuse_composition(rule, forces, missing_f)
    _check_people(session, [persons[i] for i in ids], body.starts_at, body.ends_at)
    shift = DutyShift(name=body.name, kind=body.kind, day=clock.local(body.starts_at).date(),
                      starts_at=body.starts_at, ends_at=body.ends_at, region_code=region, composition=rule,
                      operation_id=body.operation_id, note=body.note, created_by=p.user_id)
    shift.grids = [DutyShiftGrid(responsibility_grid_id=g.id) for g in grids]
    shift.members = [DutyAssignment(person_id=m.person_id, user_id=persons[m.person_id].user_id,
                                    name=persons[m.person_id].name, force=persons[m.person_id].force,
                                    is_leader=m.is_leader, status="on_duty") for m in body.members]
    session.add(shift)
    session.flush()
    return shift


def _default_region(session: Session) -> str:
    from chengguan.geo.service import CITY_DISTRICT

    return str(cfg.value(session, CITY_DISTRICT.key) or "")


def get_shift(session: Session, p: Principal, shift_id: int, *, manage: bool = False) -> DutyShift:
    s = session.get(DutyShift, shift_id)
    if s is None:
        raise NotFound("没有这个班次")
    p.require(PLANNERS if manage else VIEWERS, region_code=s.region_code, what="查看班次" if not manage else "调整班次")
    return s


def list_shifts(session: Session, p: Principal, *, day: date | None = None, active_at: datetime | None = None,
                kind: str | None = None, limit: int = 500) -> list[DutyShift]:
    p.require(VIEWERS, what="查看排班")
    stmt = select(DutyShift)
    if day is not None:
        stmt = stmt.where(DutyShift.day == day)
    if active_at is not None:
        stmt = stmt.where(DutyShift.starts_at <= active_at, DutyShift.ends_at > active_at)
    if kind:
        stmt = stmt.where(DutyShift.kind == kind)
    rows = session.scalars(stmt.order_by(DutyShift.starts_at, DutyShift.id).limit(limit)).all()
    return [s for s in rows if any(p.covers(r, s.region_code) for r in VIEWERS)]


def delete_shift(session: Session, p: Principal, shift_id: int) -> None:
    s = get_shift(session, p, shift_id, manage=True)
    if s.starts_at <= clock.now():
        raise Conflict("班次已开始，不能删除（可换班或登记请假）", code="shift_started")
    session.delete(s)
    session.flush()


def repeat(session: Session, p: Principal, shift_id: int, body: RepeatIn) -> dict[str, Any]:
    """Copy a shift (its grids and on-duty members) to the following days — weekly rosters in one call.
    Each day is checked like a new roster (composition, leave, double booking); a refused day is reported
    with its reason and the others are made."""
    s = get_shift(session, p, shift_id, manage=True)
    active = [a for a in s.members if a.status == "on_duty"]
    created, refused = [], []
    for d in body.days:
        shift_in = ShiftIn(name=s.name, kind=s.kind, starts_at=s.starts_at + timedelta(days=d),
                           ends_at=s.ends_at + timedelta(days=d), note=s.note, operation_id=s.operation_id,
                           responsibility_grid_ids=[g.responsibility_grid_id for g in s.grids],
                           members=[MemberIn(person_id=a.person_id, is_leader=a.is_leader) for a in active],
                           composition=s.composition if s.kind == "joint" else None)
        try:
            with session.begin_nested():
                created.append(create_shift(session, p, shift_in).id)
        except AppError as exc:
            refused.append({"day_offset": d, "day": clock.local(shift_in.starts_at).date(), "code": exc.code,
                            "message": exc.message, "details": exc.details})
    return {"created": created, "refused": refused}


def swap(session: Session, p: Principal, shift_id: int, body: SwapIn) -> DutyShift:
    s = get_shift(session, p, shift_id, manage=True)
    if s.ends_at <= clock.now():
        raise Conflict("班次已结束，不能换班", code="shift_over")
    out = next((a for a in s.members if a.person_id == body.out_person_id and a.status in ("on_duty", "on_leave")),
               None)
    if out is None:
        raise Invalid("被换下的人员不在此班次中", code="not_on_shift")
    if any(a.person_id == body.in_person_id and a.status == "on_duty" for a in s.members):
        raise Invalid("换上的人员已在此班次中")
    person = session.get(Person, body.in_person_id)
    if person is None:
        raise Invalid(f"人员不存在：{body.in_person_id}", code="unknown_person")
    _check_people(session, [person], s.starts_at, s.ends_at, exclude_shift=s.id)
    if s.kind == "joint":
        rule = composition_rule(session, s.composition)
        before = check_composition(rule, [a.force for a in s.members if a.status == "on_duty"])
        forces = [a.force for a in s.members if a.status == "on_duty" and a is not out] + [person.force]
        missing = check_composition(rule, forces)
        if any(n > before.get(f, 0) for f, n in missing.items()):  # a swap may not make the squad weaker
            _refuse_composition(rule, forces, missing)
    new = DutyAssignment(person_id=person.id, user_id=person.user_id, name=person.name, force=person.force,
                         is_leader=out.is_leader, status="on_duty", note=body.note or f"替换{out.name}")
    s.members.append(new)
    session.flush()
    out.status, out.replaced_by = "swapped", new.id
    out.note = body.note or f"由{person.name}替换"
    session.flush()
    return s


def create_leave(session: Session, p: Principal, body: LeaveIn) -> tuple[DutyLeave, list[dict[str, Any]]]:
    """Record leave; the person's overlapping shift places become on_leave. Returns the affected shifts,
    with the composition now missing for joint squads (the planner then swaps someone in)."""
    if body.ends_at <= body.starts_at:
        raise Invalid("请假结束时间应晚于开始时间")
    person = session.get(Person, body.person_id)
    if person is None:
        raise NotFound("人员不存在", code="unknown_person")
    p.require(PLANNERS, region_code=workforce.person_region(person), what="登记请假")
    lv = DutyLeave(person_id=person.id, name=person.name, kind=body.kind, starts_at=body.starts_at,
                   ends_at=body.ends_at, reason=body.reason, approved_by=p.user_id)
    session.add(lv)
    affected = []
    for a, s in _overlapping_assignments(session, [person.id], body.starts_at, body.ends_at):
        a.status = "on_leave"
        a.note = f"请假（{body.kind}）"
        item: dict[str, Any] = {"shift_id": s.id, "name": s.name, "starts_at": s.starts_at}
        if s.kind == "joint":
            rule = composition_rule(session, s.composition)
            item["missing"] = check_composition(rule, [m.force for m in s.members if m.status == "on_duty"])
        affected.append(item)
    session.flush()
    return lv, affected


def list_leaves(session: Session, p: Principal, *, since: datetime | None = None) -> list[DutyLeave]:
    p.require(VIEWERS, what="查看请假")
    stmt = select(DutyLeave)
    if since is not None:
        stmt = stmt.where(DutyLeave.ends_at > since)
    return list(session.scalars(stmt.order_by(DutyLeave.starts_at.desc()).limit(500)))


def shift_dict(s: DutyShift, session: Session | None = None) -> dict[str, Any]:
    rule = s.composition
    active = [a for a in s.members if a.status == "on_duty"]
    out: dict[str, Any] = {
        "id": s.id, "name": s.name, "kind": s.kind, "kind_label": KIND_LABELS[s.kind], "day": s.day,
        "starts_at": s.starts_at, "ends_at": s.ends_at, "region_code": s.region_code, "note": s.note,
        "operation_id": s.operation_id, "composition": rule,
        "responsibility_grid_ids": [g.responsibility_grid_id for g in s.grids],
        "members": [{"id": a.id, "person_id": a.person_id, "user_id": a.user_id, "name": a.name, "force": a.force,
                     "force_label": FORCES.get(a.force, a.force), "is_leader": a.is_leader, "status": a.status,
                     "status_label": STATUS_LABELS[a.status], "note": a.note} for a in s.members],
        "forces": dict(Counter(a.force for a in active)),
    }
    if rule:
        out["missing"] = check_composition(rule, [a.force for a in active])
    return out


# ---------------------------------------------------------------- on post

def params(session: Session) -> onpost.Params:
    return onpost.Params(gap_max=float(cfg.value(session, GAP_MAX.key)),
                         max_speed=float(cfg.value(session, MAX_SPEED.key)),
                         min_ratio=float(cfg.value(session, MIN_RATIO.key)),
                         silent_s=float(cfg.value(session, SILENT_MIN.key)) * 60,
                         left_s=float(cfg.value(session, LEFT_MIN.key)) * 60)


def _grid_index(session: Session) -> Any:
    from chengguan.geo import service as geo

    return geo._ensure(session).index  # the shared snapshot of the unit-grid layer


_CODE_POS: dict[int, dict[str, int]] = {}


def _code_positions(index: Any) -> dict[str, int]:
    hit = _CODE_POS.get(id(index))
    if hit is None:
        _CODE_POS.clear()
        hit = {str(c): i for i, c in enumerate(index.codes)}
        _CODE_POS[id(index)] = hit
    return hit


def compute_shifts(session: Session, shifts: list[DutyShift], *, now: datetime | None = None,
                   record: bool = True, alerts_out: list[dict[str, Any]] | None = None) -> dict[int, dict[str, Any]]:
    """On-post numbers of every on-duty assignment of ``shifts`` from the shift start until min(now, end).
    With ``record``: store them in duty_onpost and raise alerts (duty_alerts + outbox) for new ones."""
    now = now or clock.now()
    members: list[tuple[DutyAssignment, DutyShift]] = [
        (a, s) for s in shifts for a in s.members
        if a.status == "on_duty" and s.starts_at < now and s.kind != "standby"]  # 备勤 waits on call: no area
    if not members:
        return {}
    index = _grid_index(session)
    pos = _code_positions(index)
    # unit grids of each shift
    rg_ids = {g.responsibility_grid_id for s in shifts for g in s.grids}
    cells: dict[int, list[int]] = {}
    for rg, code in session.execute(select(ResponsibilityGridCell.responsibility_grid_id,
                                           ResponsibilityGridCell.grid_code)
                                    .where(ResponsibilityGridCell.responsibility_grid_id.in_(rg_ids))):
        if code in pos:
            cells.setdefault(rg, []).append(pos[code])
    # devices of each member (by personnel record or by account)
    pids = {a.person_id for a, _ in members}
    uids = {a.user_id for a, _ in members if a.user_id is not None}
    devs = session.execute(select(TrackDevice.id, TrackDevice.person_id, TrackDevice.user_id).where(
        or_(TrackDevice.person_id.in_(pids), TrackDevice.user_id.in_(uids)))).all()
    start = min(s.starts_at for _, s in members)
    end = min(max(s.ends_at for _, s in members), now)
    pts = load_points(session, [d[0] for d in devs], start, end)
    m_idx: list[int] = []
    p_idx: list[np.ndarray] = []
    dev_sorted = pts["device"]  # load_points orders by (device, time): slices by binary search
    by_person: dict[int, list[int]] = {}
    by_user: dict[int, list[int]] = {}
    for d_id, d_person, d_user in devs:
        if d_person is not None:
            by_person.setdefault(d_person, []).append(d_id)
        if d_user is not None:
            by_user.setdefault(d_user, []).append(d_id)
    for m, (a, s) in enumerate(members):
        mine = set(by_person.get(a.person_id, [])) | set(by_user.get(a.user_id, []) if a.user_id is not None else [])
        lo, hi = s.starts_at.timestamp(), min(s.ends_at, now).timestamp()
        parts = []
        for d_id in sorted(mine):
            i0, i1 = np.searchsorted(dev_sorted, d_id, "left"), np.searchsorted(dev_sorted, d_id, "right")
            tt = pts["t"][i0:i1]
            parts.append(i0 + np.flatnonzero((tt >= lo) & (tt < hi)))
        sel = np.concatenate(parts) if parts else np.zeros(0, np.int64)
        if len(parts) > 1:
            sel = sel[np.argsort(pts["t"][sel], kind="stable")]
        p_idx.append(sel)
        m_idx.extend([m] * len(sel))
    take = np.concatenate(p_idx) if p_idx else np.zeros(0, np.int64)
    member = np.asarray(m_idx, dtype=np.int64)
    allowed = [np.asarray(sorted({c for g in s.grids for c in cells.get(g.responsibility_grid_id, [])}),
                          dtype=np.int64) for _, s in members]
    starts = np.array([s.starts_at.timestamp() for _, s in members])
    untils = np.array([min(s.ends_at, now).timestamp() for _, s in members])
    res = onpost.compute_chunked(index, member, pts["t"][take], pts["lon"][take], pts["lat"][take],
                         n_members=len(members), allowed=allowed, start=starts, until=untils,
                         params=params(session))
    out: dict[int, dict[str, Any]] = {}
    for m, (a, s) in enumerate(members):
        row: dict[str, Any] = res.row(m)
        row.update(assignment_id=a.id, shift_id=s.id, person_id=a.person_id, name=a.name, force=a.force,
                   until=min(s.ends_at, now), final=now >= s.ends_at)
        out[a.id] = row
    if alerts_out is not None:
        for al in res.alerts:
            a, s = members[al.member]
            alerts_out.append({"kind": al.kind, "kind_label": ALERT_LABELS[al.kind], "assignment_id": a.id,
                               "person_id": a.person_id, "name": a.name, "shift_id": s.id,
                               "started_at": datetime.fromtimestamp(al.start, UTC),
                               "ended_at": datetime.fromtimestamp(al.end, UTC), "minutes": round(al.minutes, 1),
                               "lon": al.lon, "lat": al.lat})
    if record:
        _record(session, members, out, res.alerts, now)
    return out


def _record(session: Session, members: list[tuple[DutyAssignment, DutyShift]], rows: dict[int, dict[str, Any]],
            alerts: list[onpost.Alert], now: datetime) -> None:
    existing = {r.assignment_id: r for r in session.scalars(
        select(OnPostResult).where(OnPostResult.assignment_id.in_(list(rows))))}
    for aid, row in rows.items():
        r = existing.get(aid) or OnPostResult(assignment_id=aid)
        r.computed_at, r.until, r.points = now, row["until"], row["points"]
        r.seconds_inside, r.seconds_reporting = row["seconds_inside"], row["seconds_reporting"]
        r.distance_m, r.grids_total, r.grids_visited = row["distance_m"], row["grids_total"], row["grids_visited"]
        r.on_post, r.final = row["on_post"], row["final"]
        if aid not in existing:
            session.add(r)
    for al in alerts:
        a, s = members[al.member]
        started = datetime.fromtimestamp(al.start, UTC)
        ended = datetime.fromtimestamp(al.end, UTC)
        row = session.scalar(select(DutyAlert).where(DutyAlert.assignment_id == a.id, DutyAlert.kind == al.kind,
                                                     DutyAlert.started_at == started))
        if row is not None:
            row.ended_at, row.minutes = ended, al.minutes
            continue
        session.add(DutyAlert(assignment_id=a.id, kind=al.kind, started_at=started, ended_at=ended,
                              minutes=al.minutes, lon=al.lon, lat=al.lat, created_at=now))
        text = (f"{a.name}（{s.name}）{ALERT_LABELS[al.kind]}已 {al.minutes:.0f} 分钟，"
                f"自 {clock.local(started):%H:%M} 起")
        outbox.enqueue(session, topic="duty.alert", channel="inbox", recipient=f"role:shift_leader@{s.region_code}",
                       payload={"text": text, "kind": al.kind, "shift_id": s.id, "assignment_id": a.id,
                                "person_id": a.person_id, "started_at": started.isoformat()},
                       dedup_key=f"duty-alert:{a.id}:{al.kind}:{int(al.start)}")
    session.flush()


def onpost_for_shift(session: Session, p: Principal, shift_id: int) -> dict[str, Any]:
    """Computed now from the tracks, not stored (the worker job stores results and raises alerts)."""
    s = get_shift(session, p, shift_id)
    alerts: list[dict[str, Any]] = []
    rows = compute_shifts(session, [s], record=False, alerts_out=alerts)
    return {"shift": shift_dict(s), "computed_at": clock.now(), "items": list(rows.values()), "alerts": alerts}


def onpost_summary(session: Session, p: Principal, day: date) -> list[dict[str, Any]]:
    """Stored results of the day's shifts (the job keeps them current), one row per assignment."""
    shifts = {s.id: s for s in list_shifts(session, p, day=day)}
    if not shifts:
        return []
    q = (select(OnPostResult, DutyAssignment).join(DutyAssignment, DutyAssignment.id == OnPostResult.assignment_id)
         .where(DutyAssignment.shift_id.in_(list(shifts))))
    out = []
    for r, a in session.execute(q):
        s = shifts[a.shift_id]
        out.append({"assignment_id": a.id, "shift_id": s.id, "shift_name": s.name, "person_id": a.person_id,
                    "name": a.name, "force": a.force, "points": r.points, "seconds_inside": r.seconds_inside,
                    "seconds_reporting": r.seconds_reporting, "distance_m": r.distance_m,
                    "grids_total": r.grids_total, "grids_visited": r.grids_visited,
                    "coverage": r.grids_visited / r.grids_total if r.grids_total else None,
                    "on_post": r.on_post, "final": r.final, "until": r.until, "computed_at": r.computed_at})
    out.sort(key=lambda x: (x["shift_id"], x["assignment_id"]))
    return out


def list_alerts(session: Session, p: Principal, *, since: datetime, limit: int = 200) -> list[dict[str, Any]]:
    p.require(VIEWERS, what="查看勤务告警")
    q = (select(DutyAlert, DutyAssignment, DutyShift).join(DutyAssignment, DutyAssignment.id == DutyAlert.assignment_id)
         .join(DutyShift, DutyShift.id == DutyAssignment.shift_id).where(DutyAlert.started_at >= since)
         .order_by(DutyAlert.started_at.desc()).limit(limit))
    out = []
    for al, a, s in session.execute(q):
        if not any(p.covers(r, s.region_code) for r in VIEWERS):
            continue
        out.append({"id": al.id, "kind": al.kind, "kind_label": ALERT_LABELS[al.kind], "started_at": al.started_at,
                    "ended_at": al.ended_at, "minutes": round(al.minutes, 1), "lon": al.lon, "lat": al.lat,
                    "shift_id": s.id, "shift_name": s.name, "person_id": a.person_id, "name": a.name,
                    "user_id": a.user_id})
    return out


def shifts_to_watch(session: Session, now: datetime) -> list[DutyShift]:
    """Shifts running now, or ended without a final result yet (within a day)."""
    running = list(session.scalars(select(DutyShift).where(DutyShift.starts_at <= now, DutyShift.ends_at > now)))
    ended = list(session.scalars(
        select(DutyShift).where(DutyShift.ends_at <= now, DutyShift.ends_at > now - timedelta(days=1),
                                DutyShift.id.in_(select(DutyAssignment.shift_id).join(
                                    OnPostResult, OnPostResult.assignment_id == DutyAssignment.id, isouter=True)
                                    .where(or_(OnPostResult.final.is_(None), OnPostResult.final.is_(False)),
                                           DutyAssignment.status == "on_duty")))))
    return running + ended
