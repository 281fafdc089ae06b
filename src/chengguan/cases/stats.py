"""Aggregates for the command map, the big screen and the leader dashboard: today's and this month's
numbers, daily trends, top categories, hot grids, open cases per grid and a department table.

Every query is restricted to what the caller may see (``service.scope_filter``) and is a grouped count
over indexed columns (``reported_at``, ``closed_at``, ``status``/``step_due_at``, ``lon``/``lat``,
``case_events(action, at)``), so the numbers stay quick at a million cases. These are operational
figures for the screens; the official scores and grades are the evaluation module's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.cases import workflow
from chengguan.cases.models import OPEN_STATUSES, Case, CaseAssignment, CaseEvent
from chengguan.cases.service import CaseFilter, case_query
from chengguan.cases.service import scope_filter as _scope_filter
from chengguan.catalog.models import Category
from chengguan.core import clock
from chengguan.core.errors import Invalid
from chengguan.geo.models import UnitGrid
from chengguan.org.models import Department

MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime


def local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=clock.SHANGHAI).astimezone(UTC)


def today(now: datetime | None = None) -> Period:
    now = now or clock.now()
    start = local_midnight(clock.local(now).date())
    return Period(start, start + timedelta(days=1))


def this_month(now: datetime | None = None) -> Period:
    now = now or clock.now()
    d = clock.local(now).date().replace(day=1)
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Period(local_midnight(d), local_midnight(nxt))


def period(since: datetime | None, until: datetime | None, default_days: int = 30) -> Period:
    """A validated [since, until) window; defaults to the last ``default_days`` local days up to now."""
    now = clock.now()
    until = until or now
    since = since or local_midnight(clock.local(now).date() - timedelta(days=default_days - 1))
    for v in (since, until):
        if v.tzinfo is None:
            raise Invalid("时间必须带时区，例如 2026-11-01T00:00:00+08:00")
    if since >= until:
        raise Invalid("开始时间必须早于结束时间")
    if (until - since).days > MAX_DAYS:
        raise Invalid(f"统计时段最长 {MAX_DAYS} 天")
    return Period(since, until)


def scope_filter(stmt: Any, p: Principal) -> Any:
    """``cases.service.scope_filter`` for statements that select more than cases (joins and groups)."""
    return _scope_filter(stmt, p)


def _rows(session: Session, stmt: Any) -> list[Any]:
    return list(session.execute(stmt).all())


def _count(session: Session, stmt: Select[Any]) -> int:
    return int(session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0)


def _local_day(session: Session, col: Any) -> ColumnElement[Any]:
    """The Asia/Shanghai calendar day of a UTC timestamp column, as SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", col))
    return func.date(col, "+8 hours")  # SQLite stores naive UTC text; China has no DST


def overview(session: Session, p: Principal) -> dict[str, Any]:
    """Today's and this month's numbers, what is open now, and counts by status."""
    now = clock.now()
    out: dict[str, Any] = {"at": now}
    for name, per in (("today", today(now)), ("month", this_month(now))):
        base = case_query(p, CaseFilter())
        reported = _count(session, base.where(Case.reported_at >= per.since, Case.reported_at < per.until))
        registered = _count(session, base.where(Case.registered_at >= per.since, Case.registered_at < per.until))
        closed = _count(session, base.where(Case.status == "closed", Case.closed_at >= per.since,
                                            Case.closed_at < per.until))
        fb = _feedback_timeliness(session, p, per)
        out[name] = {"reported": reported, "registered": registered, "closed": closed,
                     "feedbacks": fb[0], "feedbacks_on_time": fb[1],
                     "on_time_rate": (fb[1] / fb[0]) if fb[0] else None}
    # One grouped pass over the open cases gives the total, the split by status and the 督办 count
    # (at a million cases each pass costs a heap visit per open case: do it once, not three times).
    by_status = case_query(p, CaseFilter(status=list(OPEN_STATUSES))).with_only_columns(
        Case.status, func.count(), func.sum(case((Case.urged_at.is_not(None), 1), else_=0))
    ).group_by(Case.status).order_by(None)
    rows = _rows(session, by_status)
    out["by_status"] = {st: int(n) for st, n, _u in rows}
    out["open"] = sum(out["by_status"].values())
    out["urged_open"] = sum(int(u or 0) for _s, _n, u in rows)
    out["overdue"] = _count(session, case_query(p, CaseFilter(status=list(workflow.STEP_OF), overdue=True)))
    out["status_labels"] = workflow.STATUS_LABELS
    return out


def _feedback_timeliness(session: Session, p: Principal, per: Period) -> tuple[int, int]:
    """Department feedbacks in the period and how many met their disposal deadline (按期处置)."""
    stmt = scope_filter(
        select(func.count(), func.sum(case((CaseEvent.met_deadline.is_(True), 1), else_=0)))
        .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action == "feedback", CaseEvent.at >= per.since, CaseEvent.at < per.until), p)
    total, ok = _rows(session, stmt)[0]
    return int(total or 0), int(ok or 0)


def trend(session: Session, p: Principal, per: Period) -> dict[str, Any]:
    """Reported and closed cases per local day of the period (days without cases are zeros)."""
    days: list[str] = []
    d = clock.local(per.since).date()
    last = clock.local(per.until - timedelta(microseconds=1)).date()
    while d <= last:
        days.append(d.isoformat())
        d += timedelta(days=1)
    series: dict[str, dict[str, int]] = {}
    for name, col, extra in (("reported", Case.reported_at, None), ("closed", Case.closed_at, Case.status == "closed")):
        day = _local_day(session, col).label("day")
        stmt = case_query(p, CaseFilter()).where(col >= per.since, col < per.until)
        if extra is not None:
            stmt = stmt.where(extra)
        rows = _rows(session, stmt.with_only_columns(day, func.count()).group_by(day).order_by(None))
        series[name] = {str(k): int(n) for k, n in rows}
    return {"days": days, **{k: [v.get(x, 0) for x in days] for k, v in series.items()}}


def top_categories(session: Session, p: Principal, per: Period, limit: int = 10) -> list[dict[str, Any]]:
    stmt = case_query(p, CaseFilter(since=per.since, until=per.until)).with_only_columns(
        Case.kind, Case.category_code, func.count().label("n")).group_by(Case.kind, Case.category_code).order_by(
        func.count().desc(), Case.category_code).limit(limit)
    rows = _rows(session, stmt)
    names = {(k, c): n for k, c, n in session.execute(select(Category.kind, Category.code, Category.name))}
    return [{"kind": k, "category_code": c, "category_name": names.get((k, c)), "count": int(n)} for k, c, n in rows]


def by_channel(session: Session, p: Principal, per: Period) -> dict[str, int]:
    stmt = case_query(p, CaseFilter(since=per.since, until=per.until)).with_only_columns(
        Case.channel, func.count()).group_by(Case.channel).order_by(None)
    return {c: int(n) for c, n in session.execute(stmt)}


def hot_grids(session: Session, p: Principal, per: Period, limit: int = 500,
              open_only: bool = False) -> list[dict[str, Any]]:
    """Unit grids with the most cases reported in the period (a heat map's points: grid centres)."""
    f = CaseFilter(since=per.since, until=per.until, status=list(OPEN_STATUSES) if open_only else None)
    counts = case_query(p, f).with_only_columns(Case.grid_code.label("g"), func.count().label("n")).group_by(
        Case.grid_code).order_by(func.count().desc(), Case.grid_code).limit(limit).subquery()
    rows = _rows(session,
        select(counts.c.g, counts.c.n, UnitGrid.name, UnitGrid.street_code,
               (UnitGrid.min_lon + UnitGrid.max_lon) / 2, (UnitGrid.min_lat + UnitGrid.max_lat) / 2)
        .join(UnitGrid, UnitGrid.code == counts.c.g).order_by(counts.c.n.desc(), counts.c.g))
    return [{"grid_code": g, "count": int(n), "name": name, "street_code": street, "lon": float(x), "lat": float(y)}
            for g, n, name, street, x, y in rows]


def grid_counts(session: Session, p: Principal, bbox: tuple[float, float, float, float],
                statuses: list[str] | None = None, overdue: bool | None = None) -> dict[str, int]:
    """Cases per unit grid inside a viewport (open ones by default): colours the command map's grids."""
    f = CaseFilter(status=statuses or list(OPEN_STATUSES), bbox=bbox, overdue=overdue)
    stmt = case_query(p, f).with_only_columns(Case.grid_code, func.count()).group_by(Case.grid_code).order_by(None)
    return {g: int(n) for g, n in session.execute(stmt)}


def departments(session: Session, p: Principal, per: Period) -> list[dict[str, Any]]:
    """Per department: cases dispatched to it in the period, fed back, fed back on time, returned for
    rework, and open assignments past their deadline now. Sorted by on-time rate, then volume."""
    now = clock.now()
    dispatched = scope_filter(
        select(CaseAssignment.department_id, func.count(),
               func.sum(case((CaseAssignment.fed_back_at.is_not(None), 1), else_=0)),
               func.sum(case((CaseAssignment.rework > 0, 1), else_=0)))
        .select_from(CaseAssignment).join(Case, Case.id == CaseAssignment.case_id)
        .where(CaseAssignment.dispatched_at >= per.since, CaseAssignment.dispatched_at < per.until)
        .group_by(CaseAssignment.department_id), p)
    timely = scope_filter(
        select(CaseEvent.department_id, func.count(), func.sum(case((CaseEvent.met_deadline.is_(True), 1), else_=0)))
        .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action == "feedback", CaseEvent.at >= per.since, CaseEvent.at < per.until)
        .group_by(CaseEvent.department_id), p)
    late = scope_filter(
        select(CaseAssignment.department_id, func.count()).select_from(CaseAssignment)
        .join(Case, Case.id == CaseAssignment.case_id)
        .where(CaseAssignment.state == "active", CaseAssignment.due_at < now, Case.status == "dispatched",
               Case.paused_at.is_(None))
        .group_by(CaseAssignment.department_id), p)
    rows: dict[int, dict[str, Any]] = {}

    def row(dept_id: int) -> dict[str, Any]:
        return rows.setdefault(dept_id, {"department_id": dept_id, "dispatched": 0, "fed_back": 0, "rework": 0,
                                         "feedbacks": 0, "on_time": 0, "overdue_open": 0})

    for d, n, fed, rework in _rows(session, dispatched):
        r = row(d)
        r.update(dispatched=int(n), fed_back=int(fed or 0), rework=int(rework or 0))
    for d, n, ok in _rows(session, timely):
        if d is not None:
            row(d).update(feedbacks=int(n), on_time=int(ok or 0))
    for d, n in _rows(session, late):
        row(d)["overdue_open"] = int(n)
    names = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(list(rows)))).all())
    out = []
    for r in rows.values():
        r["department_name"] = names.get(r["department_id"], str(r["department_id"]))
        r["on_time_rate"] = r["on_time"] / r["feedbacks"] if r["feedbacks"] else None
        out.append(r)
    out.sort(key=lambda r: (-(r["on_time_rate"] if r["on_time_rate"] is not None else -1), -r["dispatched"],
                            r["department_name"]))
    return out


def recent_events(session: Session, p: Principal, limit: int = 20) -> list[dict[str, Any]]:
    """The newest workflow events the caller may see (the big screen's ticker)."""
    stmt = scope_filter(select(CaseEvent, Case.case_no, Case.category_code, Case.kind, Case.address)
                        .join(Case, Case.id == CaseEvent.case_id), p).order_by(
        CaseEvent.at.desc(), CaseEvent.id.desc()).limit(limit)
    from chengguan.cases.actions import ACTION_LABELS

    extra = {"report": "上报", "merged-in": "并入重复案件"}
    return [{"case_id": e.case_id, "case_no": no, "at": e.at, "action": e.action,
             "action_label": ACTION_LABELS.get(e.action, extra.get(e.action, e.action)),
             "to_status": e.to_status, "address": addr, "category_code": cat}
            for e, no, cat, _kind, addr in _rows(session, stmt)]



def clusters(session: Session, p: Principal, f: CaseFilter, bbox: tuple[float, float, float, float],
             cells: int = 24) -> dict[str, Any]:
    """Server-side clustering of a viewport: the bbox is cut into about ``cells`` × ``cells`` squares and
    the matching cases are counted per square (with their mean position and how many are overdue or
    under 督办). One grouped query over the ``(lon, lat)`` index, so a zoomed-out command map never
    ships a million points to the browser."""
    minx, miny, maxx, maxy = bbox
    cell = max((maxx - minx), (maxy - miny)) / max(cells, 1) or 1e-4
    gx = cast(Case.lon / cell, Integer).label("gx")  # consistent binning (truncation or rounding)
    gy = cast(Case.lat / cell, Integer).label("gy")
    now = clock.now()
    late = case((Case.status.in_(list(workflow.STEP_OF)) & (Case.step_due_at < now) & Case.paused_at.is_(None), 1),
                else_=0)
    stmt = case_query(p, replace(f, bbox=bbox)).with_only_columns(
        gx, gy, func.count(), func.avg(Case.lon), func.avg(Case.lat), func.sum(late),
        func.sum(case((Case.urged_at.is_not(None), 1), else_=0))).group_by(gx, gy).order_by(None)
    items = [{"lon": float(x), "lat": float(y), "count": int(n), "overdue": int(o or 0), "urged": int(u or 0)}
             for _gx, _gy, n, x, y, o, u in _rows(session, stmt)]
    items.sort(key=lambda r: -r["count"])
    return {"cell": cell, "items": items, "total": sum(r["count"] for r in items)}
