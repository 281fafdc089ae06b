"""Bulk history for benchmarks: a year (or more) of simulated closed-loop cases, a million at a time.

The demo history (``demo.history``) drives every case through the real actions — right for a few thousand
cases, far too slow for a million. This generator walks the same state machine (``workflow.ALLOWED``) in
plain Python per case and writes the rows the real workflow would have written: the case, one
``case_events`` row per transition (with the step that ended, its deadline from the configured limits and
the working-time calendar, and whether it was met), the departments' assignments, the collectors' 核实/核查
tasks and the 延期 requests. Rows go in with COPY on PostgreSQL and ``executemany`` on SQLite.

It is a loader of synthetic history, like an import: it writes status columns directly and does not pass
through ``workflow.transition`` (that would take hours). ``tests/test_demo_bulk.py`` checks that what it
writes is what the state machine allows, so evaluation and work lists see realistic data.

Mix (per case): channel as in the demo history; 6 % of 核实 tasks find nothing (作废), 5 % of cases are
not registered (不予立案), 3 % merged duplicates; 8 % of patrol reports self-disposed; 12 % of dispatches
come back from 核查 as 返工 (once or twice); 6 % ask for 延期 (80 % approved); 2 % 挂账 for days; 4 % 回退 to
the dispatcher and re-dispatched; step durations log-normal around the limits so that ~10 % are late.
Cases whose simulated life runs past ``end`` stay open in the state they reached, with their clock running.
"""

from __future__ import annotations

import io
import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from chengguan.accounts.models import User, UserRole
from chengguan.accounts.roles import Role
from chengguan.cases import workflow
from chengguan.cases.models import INHERITS_DEPARTMENT, Case, CaseAssignment, CaseEvent, CaseRequest, CaseTask
from chengguan.catalog import service as catalog
from chengguan.catalog.models import Category, CategoryCondition
from chengguan.core import clock
from chengguan.core.db import is_sqlite
from chengguan.demo.history import CATEGORY_WEIGHTS, CHANNEL_WEIGHTS
from chengguan.geo.models import ResponsibilityAssignment, ResponsibilityGridCell, UnitGrid
from chengguan.org.models import Department
from chengguan.system import settings as cfg
from chengguan.worktime import service as worktime

_CHANNELS = list(CHANNEL_WEIGHTS)
_CHANNEL_CUM = list(itertools.accumulate(CHANNEL_WEIGHTS.values()))
_TABLES: tuple[Table, ...] = (Case.__table__, CaseEvent.__table__, CaseAssignment.__table__,  # type: ignore[assignment]
                              CaseTask.__table__, CaseRequest.__table__)


@dataclass
class BulkResult:
    cases: int = 0
    events: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _Ctx:
    rng: random.Random
    grids: list[tuple[str, str, str, str, int, float, float, float, float]]
    collectors: dict[str, list[int]]
    any_collectors: list[int]
    by_role: dict[str, list[tuple[int, str]]]
    categories: list[tuple[int, str, str, str, int | None, int | None]]  # id, code, major, kind, cond id, cond no
    cat_cum: list[float]
    depts: list[int]
    handlers: dict[int, tuple[int, str]]
    route: dict[tuple[int, str], int]
    limits: dict[tuple[str, int, int | None, str, int], tuple[float, str]]
    cal: Any
    warn_fraction: float
    session: Session


def _load(session: Session, seed: int) -> _Ctx:
    rng = random.Random(seed)
    grids = [tuple(r) for r in session.execute(select(
        UnitGrid.code, UnitGrid.community_code, UnitGrid.street_code, UnitGrid.district_code, UnitGrid.region_class,
        UnitGrid.min_lon, UnitGrid.min_lat, UnitGrid.max_lon, UnitGrid.max_lat).order_by(UnitGrid.code))]
    if not grids:
        raise RuntimeError("没有单元网格：请先加载演示城市（chengguan demo load）")
    collectors: dict[str, list[int]] = {}
    for uid, g in session.execute(select(ResponsibilityAssignment.user_id, ResponsibilityGridCell.grid_code).join(
            ResponsibilityGridCell,
            ResponsibilityGridCell.responsibility_grid_id == ResponsibilityAssignment.responsibility_grid_id)):
        collectors.setdefault(g, []).append(uid)
    by_role: dict[str, list[tuple[int, str]]] = {}
    for uid, name, role in session.execute(select(User.id, User.display_name, UserRole.role).join(
            UserRole, UserRole.user_id == User.id).where(User.is_active.is_(True)).order_by(User.id)):
        by_role.setdefault(role, []).append((uid, name))
    conds: dict[int, tuple[int, int]] = {}
    for cid, cat_id, number in session.execute(select(CategoryCondition.id, CategoryCondition.category_id,
                                                      CategoryCondition.number).order_by(CategoryCondition.number)):
        conds.setdefault(cat_id, (cid, number))
    cats, weights = [], []
    rows = session.execute(select(Category.id, Category.code, Category.major_code, Category.kind)).all()
    for cid, code, major, kind in rows:
        w = CATEGORY_WEIGHTS.get(code, 0.02) if kind == "matter" else 0.01
        cond = conds.get(cid, (None, None))
        cats.append((cid, code, major, kind, cond[0], cond[1]))
        weights.append(w)
    handlers: dict[int, tuple[int, str]] = {}
    for uid, name, dept_id in session.execute(select(User.id, User.display_name, UserRole.department_id).join(
            UserRole, UserRole.user_id == User.id).where(UserRole.role == Role.DEPT_HANDLER.value,
                                                         UserRole.department_id.is_not(None)).order_by(User.id)):
        if dept_id is not None:
            handlers.setdefault(dept_id, (uid, name))
    depts = sorted(handlers) or [d for (d,) in session.execute(select(Department.id).order_by(Department.id))]
    cum = list(itertools.accumulate(weights))
    return _Ctx(rng=rng, grids=grids, collectors=collectors,  # type: ignore[arg-type]
                any_collectors=[u for u, _ in by_role.get(Role.COLLECTOR, [])], by_role=by_role, categories=cats,
                cat_cum=cum, depts=depts, handlers=handlers, route={}, limits={},
                cal=worktime.get_calendar(session), warn_fraction=float(cfg.value(session, workflow.WARN_FRACTION.key)),
                session=session)


def _limit(ctx: _Ctx, step: str, cat: tuple[int, str, str, str, int | None, int | None], urgency: str,
           region_class: int) -> tuple[float, str]:
    key = (step, cat[0], cat[4], urgency, region_class)
    got = ctx.limits.get(key)
    if got is None:
        lim = catalog.resolve_limit(ctx.session, step, category_id=cat[0], condition_id=cat[4], urgency=urgency,
                                    region_class=region_class)
        if lim is not None:
            got = (lim.amount, lim.unit)
        elif step == "dispose":
            amount, unit = cfg.value(ctx.session, workflow.DEFAULT_DISPOSE.key)
            got = (float(amount), str(unit))
        else:
            got = (1.0, "hour")
        ctx.limits[key] = got
    return got


def _department(ctx: _Ctx, cat: tuple[int, str, str, str, int | None, int | None], street: str) -> int:
    key = (cat[0], street)
    dept = ctx.route.get(key)
    if dept is None:
        ref = catalog.get_category(ctx.session, cat[1], cat[3])
        d = catalog.suggest_department(ctx.session, category=ref, region_code=street, condition_id=cat[4])
        dept = d.id if d is not None else ctx.depts[(cat[0] * 31 + int(street)) % len(ctx.depts)]
        ctx.route[key] = dept
    return dept


class _Sim:
    """One case's life: appends its rows to the chunk buffers."""

    def __init__(self, ctx: _Ctx, out: dict[str, list[dict[str, Any]]], case_id: int, end: datetime) -> None:
        self.ctx, self.out, self.id, self.end = ctx, out, case_id, end
        self.seq = 0
        self.case: dict[str, Any] = {}
        self.last_dept: int | None = None  # of the latest event with a department
        self.last_fb_met: bool | None = None  # of the latest 处置反馈

    # -- the clock of the current step (as workflow._open_step)
    def open_step(self, step: str | None, at: datetime) -> None:
        c = self.case
        if step is None:
            c.update(step=None, step_started_at=None, step_due_at=None, step_warn_at=None, step_unit=None,
                     step_limit=None)
            return
        amount, unit = _limit(self.ctx, step, self.cat, c["urgency"], c["region_class"])
        due = self.ctx.cal.add(at, amount, unit)
        warn = self.ctx.cal.add(at, amount * self.ctx.warn_fraction, unit)
        c.update(step=step, step_started_at=at, step_due_at=due, step_warn_at=warn, step_unit=unit, step_limit=amount)
        if step == "dispose":
            c.update(dispose_due_at=due, dispose_unit=unit, dispose_limit=amount)

    def event(self, at: datetime, action: str, to: str, actor: tuple[int, str] | None, role: str | None, *,
              dept: int | None = None, opinion: str | None = None, keep_clock: bool = False,
              data: dict[str, Any] | None = None) -> bool:
        """Append the transition (as workflow.transition). False when ``at`` is past the end of history."""
        if at > self.end:
            return False
        c = self.case
        frm = c["status"]
        assert to in workflow.ALLOWED[frm], (frm, to, action)
        self.seq += 1
        changes = to != frm
        ended = changes and c["step"] is not None and not keep_clock
        met = (at <= c["step_due_at"]) if ended and c["step_due_at"] else None
        self.out["events"].append({
            "case_id": self.id, "seq": self.seq, "at": at, "action": action,
            "actor_id": actor[0] if actor else None, "actor_name": actor[1] if actor else "系统",
            "actor_role": role, "department_id": dept, "from_status": frm, "to_status": to,
            "step": c["step"] if ended else None, "step_started_at": c["step_started_at"] if ended else None,
            "step_due_at": c["step_due_at"] if ended else None,
            "met_deadline": met, "opinion": opinion, "lon": None, "lat": None, "attachments": [], "data": data or {},
            # the log facts workflow.transition records (see CaseEvent.case_department_id)
            "case_department_id": self.last_dept if dept is None and action in INHERITS_DEPARTMENT else None,
            "feedback_met": self.last_fb_met if action == "close" else None,
        })
        if dept is not None:
            self.last_dept = dept
        if action == "feedback":
            self.last_fb_met = met
        if changes:
            c["status"] = to
            if not keep_clock:
                self.open_step(workflow.STEP_OF.get(to), at)
        return True

    def later(self, at: datetime, factor: float) -> datetime:
        """When the current step ends: log-normal around ``factor`` × the step's limit (factor 1 ≈ due)."""
        c = self.case
        span = max((c["step_due_at"] - c["step_started_at"]).total_seconds(), 600.0) if c["step_due_at"] else 3600
        mult = math.exp(self.ctx.rng.gauss(math.log(factor), 0.55))
        return at + timedelta(seconds=span * mult)

    def person(self, role: str) -> tuple[int, str] | None:
        people = self.ctx.by_role.get(role) or []
        if not people:
            return None
        return people[0] if self.ctx.rng.random() < 0.5 else self.ctx.rng.choice(people)

    def collector(self) -> tuple[int, str] | None:
        uids = self.ctx.collectors.get(self.case["grid_code"]) or self.ctx.any_collectors
        if not uids:
            return None
        uid = self.ctx.rng.choice(uids)
        return uid, "监督员"

    def task(self, kind: str, at: datetime, done_at: datetime | None, who: tuple[int, str] | None,
             result: bool | None) -> None:
        done = done_at is not None and done_at <= self.end
        self.out["tasks"].append({
            "case_id": self.id, "kind": kind, "assignee_id": who[0] if who else None, "created_at": at,
            "due_at": self.case["step_due_at"], "done_at": done_at if done else None,
            "done_by": who[0] if who and done else None, "result": result if done else None})

    def run(self, reported_at: datetime, case_no: str) -> dict[str, Any]:
        ctx, rng = self.ctx, self.ctx.rng
        g = ctx.grids[rng.randrange(len(ctx.grids))]
        self.cat = rng.choices(ctx.categories, cum_weights=ctx.cat_cum)[0]
        channel = rng.choices(_CHANNELS, cum_weights=_CHANNEL_CUM)[0]
        urgency = "urgent" if rng.random() < 0.05 else "normal"
        lon, lat = rng.uniform(g[5], g[7]), rng.uniform(g[6], g[8])
        self.case = c = {
            "id": self.id, "case_no": case_no, "public_code": f"{rng.getrandbits(24):06X}", "status": None,
            "channel": channel, "kind": self.cat[3], "category_id": self.cat[0], "category_code": self.cat[1],
            "major_code": self.cat[2], "condition_id": self.cat[4], "condition_number": self.cat[5],
            "urgency": urgency, "description": "（基准测试生成的历史案卷）", "address": None,
            "lon": lon, "lat": lat, "grid_code": g[0], "community_code": g[1], "street_code": g[2],
            "district_code": g[3], "region_class": g[4], "component_code": None, "reporter_user_id": None,
            "reporter_name": None, "reporter_phone": None, "anonymous": False, "source": {}, "verified": None,
            "self_disposed": False, "reported_at": reported_at, "registered_at": None, "dispatched_at": None,
            "closed_at": None, "dispose_due_at": None, "dispose_unit": None, "dispose_limit": None, "paused_at": None,
            "status_before_pause": None, "merged_into_id": None, "urged_at": None, "urge_note": None, "rating": None,
            "version": 1,
        }
        collector = self.collector() if channel == "patrol" else None
        if collector:
            c["reporter_user_id"] = collector[0]
        first = "verifying" if channel in ("public", "hotline") else "reported"
        # the first event (workflow.open_case)
        self.seq = 1
        c["status"] = first
        self.out["events"].append({
            "case_id": self.id, "seq": 1, "at": reported_at, "action": "report",
            "actor_id": collector[0] if collector else None, "actor_name": collector[1] if collector else "公众",
            "actor_role": Role.COLLECTOR.value if collector else None, "department_id": None, "from_status": None,
            "to_status": first, "step": None, "step_started_at": None, "step_due_at": None, "met_deadline": None,
            "opinion": None, "lon": lon, "lat": lat, "attachments": [], "data": {}, "case_department_id": None,
            "feedback_met": None})
        c.update(step=None, step_started_at=None, step_due_at=None, step_warn_at=None, step_unit=None, step_limit=None)
        self.open_step(workflow.STEP_OF[first], reported_at)
        self._life(reported_at, channel, collector)
        c["last_seq"] = self.seq
        return c

    def _life(self, t: datetime, channel: str, collector: tuple[int, str] | None) -> None:
        rng, c = self.ctx.rng, self.case
        if channel == "patrol" and rng.random() < 0.08:  # 自行处置
            t2 = t + timedelta(minutes=rng.uniform(10, 60))
            if self.event(t2, "self-dispose", "closed", collector, Role.COLLECTOR):
                c.update(self_disposed=True, closed_at=t2)
            return
        if c["status"] == "verifying":
            who = self.collector()
            t = self.later(t, 0.45)
            ok = rng.random() > 0.06
            self.task("verify", c["step_started_at"], t, who, ok)
            if not self.event(t, "verify", "reported", who, Role.COLLECTOR, opinion="核实属实" if ok else "现场未发现"):
                return
            c["verified"] = ok
            if not ok:
                self.event(self.later(t, 0.3), "void", "voided", self.person(Role.SHIFT_LEADER), Role.SHIFT_LEADER,
                           opinion="核实不属实，作废")
                return
        t = self.later(t, 0.35)
        r = rng.random()
        leader = self.person(Role.SHIFT_LEADER)
        if r < 0.05:
            self.event(t, "reject", "rejected", leader, Role.SHIFT_LEADER, opinion="不符合立案条件")
            return
        if r < 0.08:
            # merged_into_id stays empty: the surviving case is not modelled in bulk history
            self.event(t, "merge", "merged", self.person(Role.ACCEPTOR), Role.ACCEPTOR, opinion="重复上报，合并")
            return
        if not self.event(t, "register", "registered", leader, Role.SHIFT_LEADER):
            return
        c["registered_at"] = t
        self._dispatch_loop(t)

    def _dispatch_loop(self, t: datetime) -> None:
        rng, c = self.ctx.rng, self.case
        dispatcher = self.person(Role.DISPATCHER)
        dept = _department(self.ctx, self.cat, c["street_code"])
        rework = 0
        returned = False
        while True:
            t = self.later(t, 0.4)
            if rng.random() < 0.02:  # 挂账 before dispatch (e.g. waits for a season)
                resumed = self._suspend(t, dispatcher)
                if resumed is None:
                    return
                t = resumed
            if not self.event(t, "dispatch", "dispatched", dispatcher, Role.DISPATCHER, dept=dept):
                return
            c["dispatched_at"] = t
            handler = self.ctx.handlers.get(dept)
            if not returned and rework == 0 and rng.random() < 0.04:  # 回退: not ours → back to the dispatcher
                t = self.later(t, 0.2)
                if not self.event(t, "approve-return", "registered", dispatcher, Role.DISPATCHER, dept=dept,
                                  opinion="非本部门职责，回退"):
                    self._assignment(dept, c["dispatched_at"], None)
                    return
                self._assignment(dept, c["dispatched_at"], None, state="returned")
                returned = True
                others = [d for d in self.ctx.depts if d != dept]
                dept = rng.choice(others) if others else dept
                continue
            factor, floor = 0.6, t
            if rng.random() < 0.06:  # 延期
                got = self._extension(t, dept, dispatcher)
                if got is None:
                    self._assignment(dept, t, None)
                    return
                factor, floor = got
            t_fb = max(self.later(t, factor), floor + timedelta(minutes=rng.uniform(30, 600)))
            if not self.event(t_fb, "feedback", "fed_back", handler, Role.DEPT_HANDLER, dept=dept, opinion="已处置完毕"):
                self._assignment(dept, t, None, rework=rework)
                return
            who = self.collector()
            t_ck = self.later(t_fb, 0.4)
            passed = rng.random() > (0.12 if rework == 0 else 0.05)
            self.task("check", t_fb, t_ck, who, passed)
            if not self.event(t_ck, "check", "checked" if passed else "dispatched", who, Role.COLLECTOR,
                              opinion="核查通过" if passed else "核查未通过，返工"):
                self._assignment(dept, t, t_fb, state="fed_back", rework=rework)
                return
            if not passed:
                rework += 1
                t = t_ck
                # 返工: back to the same department (the check event re-opened its clock)
                c["dispatched_at"] = t
                t_fb2 = self.later(t, 0.8)
                if not self.event(t_fb2, "feedback", "fed_back", handler, Role.DEPT_HANDLER, dept=dept,
                                  opinion="返工完毕"):
                    self._assignment(dept, t, None, rework=rework)
                    return
                t_ck2 = self.later(t_fb2, 0.4)
                self.task("check", t_fb2, t_ck2, who, True)
                if not self.event(t_ck2, "check", "checked", who, Role.COLLECTOR, opinion="复核通过"):
                    self._assignment(dept, t, t_fb2, state="fed_back", rework=rework)
                    return
                t_ck = t_ck2
            self._assignment(dept, c["dispatched_at"], t_ck, state="done", rework=rework)
            t_close = self.later(t_ck, 0.3)
            if self.event(t_close, "close", "closed", self.person(Role.SHIFT_LEADER), Role.SHIFT_LEADER):
                c["closed_at"] = t_close
            return

    def _suspend(self, t: datetime, dispatcher: tuple[int, str] | None) -> datetime | None:
        """挂账 for days, then resumed; None when history ends in between."""
        c = self.case
        if not self.event(t, "suspend", "suspended", dispatcher, Role.DISPATCHER, opinion="挂账：待条件成熟"):
            return None
        c["status_before_pause"], c["paused_at"] = "registered", t
        t = t + timedelta(days=self.ctx.rng.uniform(2, 20))
        if not self.event(t, "resume", "registered", dispatcher, Role.DISPATCHER, keep_clock=True):
            return None
        c["paused_at"] = c["status_before_pause"] = None
        self.open_step("dispatch", t)
        return t

    def _extension(self, t: datetime, dept: int, dispatcher: tuple[int, str] | None) -> tuple[float, datetime] | None:
        """A 延期 request and its decision; None when history ends before the decision."""
        rng, c = self.ctx.rng, self.case
        t_req = self.later(t, 0.5)
        if not self.event(t_req, "request-extension", "dispatched", self.ctx.handlers.get(dept), Role.DEPT_HANDLER,
                          dept=dept, opinion="需协调施工单位，申请延期"):
            return None
        ok = rng.random() < 0.8
        t_dec = t_req + timedelta(hours=rng.uniform(0.5, 6))
        new_due = self.ctx.cal.add(c["dispose_due_at"], c["dispose_limit"] or 1, c["dispose_unit"] or "work_day")
        decided = t_dec <= self.end
        self.out["requests"].append({
            "case_id": self.id, "kind": "extension", "state": ("approved" if ok else "denied") if decided
            else "pending", "department_id": dept, "requested_by": None, "requested_at": t_req,
            "reason": "需协调施工单位", "new_due_at": new_due, "decided_by": dispatcher[0] if decided and
            dispatcher else None, "decided_at": t_dec if decided else None, "decision_opinion": None})
        if not self.event(t_dec, "approve-extension" if ok else "deny-extension", "dispatched", dispatcher,
                          Role.DISPATCHER):
            return None
        if ok:
            c["dispose_due_at"] = c["step_due_at"] = new_due
        return 0.9, t_dec

    def _assignment(self, dept: int, at: datetime, fed_back: datetime | None, *, state: str = "active",
                    rework: int = 0) -> None:
        self.out["assignments"].append({
            "case_id": self.id, "department_id": dept, "lead": True, "state": state, "dispatched_at": at,
            "due_at": self.case["dispose_due_at"], "fed_back_at": fed_back, "rework": rework})


def _next_id(session: Session, table: Table) -> int:
    return int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()) + 1


def _copy_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY (text format) of plain dict rows."""
    cols = list(rows[0])
    raw = session.connection().connection.driver_connection
    assert raw is not None
    buf = io.StringIO()
    esc = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
    import json

    for r in rows:
        vals = []
        for k in cols:
            v = r[k]
            if v is None:
                vals.append("\\N")
            elif isinstance(v, bool):
                vals.append("t" if v else "f")
            elif isinstance(v, datetime):
                vals.append(v.isoformat())
            elif isinstance(v, dict | list):
                vals.append(json.dumps(v, ensure_ascii=False).translate(esc))
            else:
                vals.append(str(v).translate(esc))
        buf.write("\t".join(vals))
        buf.write("\n")
    with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as cp:
        cp.write(buf.getvalue())


def _write(session: Session, out: dict[str, list[dict[str, Any]]], ids: dict[str, int]) -> None:
    pg = not is_sqlite(session)
    for name, table in (("cases", Case.__table__), ("events", CaseEvent.__table__),
                        ("assignments", CaseAssignment.__table__), ("tasks", CaseTask.__table__),
                        ("requests", CaseRequest.__table__)):
        rows = out[name]
        if not rows:
            continue
        if name != "cases":
            start = ids[name]
            for i, r in enumerate(rows):
                r["id"] = start + i
            ids[name] = start + len(rows)
        if pg:
            _copy_rows(session, table, rows)  # type: ignore[arg-type]
        else:
            session.execute(table.insert(), rows)  # type: ignore[attr-defined]
        rows.clear()


def _reset_sequences(session: Session) -> None:
    if is_sqlite(session):
        return
    for t in _TABLES:
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{t.name}', 'id'), "
                             f"(SELECT coalesce(max(id), 1) FROM {t.name}))"))


def _reported_times(rng: random.Random, n: int, start: datetime, end: datetime) -> Iterator[datetime]:
    """Sorted report times with a day/night rhythm (most reports 07:00–19:00 local)."""
    span = (end - start).total_seconds()
    times = []
    for _ in range(n):
        t = start + timedelta(seconds=rng.random() * span)
        local_h = (t.hour + 8) % 24
        if (local_h < 7 or local_h >= 19) and rng.random() < 0.7:
            t += timedelta(hours=12)
            if t > end:
                t -= timedelta(hours=24)
        times.append(t)
    times.sort()
    return iter(times)


def generate(session: Session, *, cases: int, days: int = 365, seed: int = 7, end: datetime | None = None,
             chunk: int = 20_000, progress: Callable[[int], None] | None = None) -> BulkResult:
    """Add ``cases`` simulated cases reported over the ``days`` before ``end`` (default: now). The caller
    commits. Case numbers are ``B`` + a running number, distinct from the live ``YYYYMMDDNNNNN`` series."""
    import time

    t0 = time.perf_counter()
    end = (end or clock.now()).astimezone(UTC)
    ctx = _load(session, seed)
    ids = {"events": _next_id(session, CaseEvent.__table__), "assignments": _next_id(session, CaseAssignment.__table__),  # type: ignore[arg-type]
           "tasks": _next_id(session, CaseTask.__table__), "requests": _next_id(session, CaseRequest.__table__)}  # type: ignore[arg-type]
    first_id = _next_id(session, Case.__table__)  # type: ignore[arg-type]
    res = BulkResult()
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in ("cases", "events", "assignments", "tasks", "requests")}
    times = _reported_times(ctx.rng, cases, end - timedelta(days=days), end)
    for i in range(cases):
        sim = _Sim(ctx, out, first_id + i, end)
        row = sim.run(next(times), f"B{first_id + i:011d}")
        out["cases"].append(row)
        res.by_status[row["status"]] = res.by_status.get(row["status"], 0) + 1
        if len(out["cases"]) >= chunk or i == cases - 1:
            res.events += len(out["events"])
            n = len(out["cases"])
            _write(session, out, ids)
            res.cases += n
            if progress:
                progress(n)
    _reset_sequences(session)
    session.flush()
    res.seconds = time.perf_counter() - t0
    return res
