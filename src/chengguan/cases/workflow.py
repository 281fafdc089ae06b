"""The case state machine.

``transition()`` is the only code that assigns ``Case.status`` (tests/test_cases_status_writer.py
checks the source tree). It checks the move against ``ALLOWED``, closes the current step's clock
(recording its deadline and whether it was met), opens the next step's clock from the configured
limits and the working-time calendar, and appends the event row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.cases.models import INHERITS_DEPARTMENT, Case, CaseEvent
from chengguan.catalog import service as catalog
from chengguan.core import clock
from chengguan.core.errors import Conflict
from chengguan.system import settings as cfg
from chengguan.worktime import service as worktime

STATUS_LABELS = {
    "reported": "上报待受理", "verifying": "待核实", "registered": "已立案待派遣", "dispatched": "处置中",
    "fed_back": "已反馈待核查", "checked": "核查通过待结案", "closed": "已结案", "rejected": "不予立案",
    "voided": "已作废", "suspended": "挂账", "merged": "已合并",
}
STEP_LABELS = {"register": "立案", "verify": "核实", "dispatch": "派遣", "dispose": "处置", "check": "核查",
               "close": "结案"}
# Which clock runs in which status (None: no clock — terminal, or paused while 挂账).
STEP_OF = {"reported": "register", "verifying": "verify", "registered": "dispatch", "dispatched": "dispose",
           "fed_back": "check", "checked": "close"}
TERMINAL = frozenset({"closed", "rejected", "voided", "merged"})

# The allowed status moves; an action whose (from, to) is not here is refused with 409.
ALLOWED: dict[str, frozenset[str]] = {
    "reported": frozenset({"verifying", "registered", "rejected", "voided", "merged", "closed", "reported"}),
    "verifying": frozenset({"reported", "registered", "rejected", "voided", "merged", "verifying"}),
    "registered": frozenset({"dispatched", "reported", "voided", "merged", "suspended", "registered"}),
    "dispatched": frozenset({"fed_back", "registered", "suspended", "dispatched"}),
    "fed_back": frozenset({"checked", "dispatched", "fed_back"}),
    "checked": frozenset({"closed", "fed_back", "checked"}),
    "suspended": frozenset({"registered", "dispatched", "suspended"}),
    "closed": frozenset({"dispatched", "closed"}),
    "rejected": frozenset({"rejected"}),
    "voided": frozenset({"voided"}),
    "merged": frozenset({"merged"}),
}

WARN_FRACTION = cfg.define("workflow.warn_fraction", 0.8,
                           "时限灯：已用时限比例达到该值时变黄（默认 80%），超过 100% 变红。", "时限")
DISPOSE_MEASURE = cfg.define(
    "workflow.dispose_measure", "single",
    "处置时限计量方式：single（单次耗时，返工后重新计时）或 cumulative（累计耗时，返工沿用剩余时限）。", "时限")
PAUSE_ON_REQUEST = cfg.define(
    "workflow.pause_on_pending_request", True,
    "部门提出延期/回退/挂账申请、等待派遣员审批期间，处置计时是否暂停。", "时限")
DEFAULT_DISPOSE = cfg.define(
    "workflow.default_dispose_limit", [3.0, "work_day"],
    "没有任何处置时限规则匹配时使用的时限 [数值, 单位]。", "时限")


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str | None
    role: str | None

    @classmethod
    def of(cls, p: Principal | None, role: str | None) -> Actor:
        if p is None:
            return cls(None, "系统", role)
        return cls(p.user_id, p.display_name, role)


SYSTEM = Actor(None, "系统", "system")


def step_limit(session: Session, case: Case, step: str) -> tuple[float, str]:
    """The configured limit for ``step`` of this case (dispose: category × 立案条件 × urgency × region class)."""
    lim = catalog.resolve_limit(session, step, category_id=case.category_id, condition_id=case.condition_id,
                                urgency=case.urgency, region_class=case.region_class)
    if lim is not None:
        return lim.amount, lim.unit
    if step == "dispose":
        amount, unit = cfg.value(session, DEFAULT_DISPOSE.key)
        return float(amount), str(unit)
    return 1.0, "hour"


def _open_step(session: Session, case: Case, step: str | None, at: datetime, *,
               due_override: datetime | None = None, limit: tuple[float, str] | None = None) -> None:
    if step is None:
        case.step = None
        case.step_started_at = case.step_due_at = case.step_warn_at = None
        case.step_unit = None
        case.step_limit = None
        return
    cal = worktime.get_calendar(session)
    amount, unit = limit or step_limit(session, case, step)
    due = due_override or cal.add(at, amount, unit)
    frac = float(cfg.value(session, WARN_FRACTION.key))
    total = cal.elapsed(at, due, unit)
    warn = cal.add(at, max(total * frac, 0.0), unit) if total > 0 else due
    case.step, case.step_started_at, case.step_due_at, case.step_warn_at = step, at, due, warn
    case.step_unit, case.step_limit = unit, amount
    if step == "dispose":
        case.dispose_due_at, case.dispose_unit, case.dispose_limit = due, unit, amount


class StepTimes(Protocol):
    """What :func:`light` reads: a Case, or a row of just these columns (the map's light query)."""

    @property
    def step_due_at(self) -> datetime | None: ...
    @property
    def step_warn_at(self) -> datetime | None: ...
    @property
    def paused_at(self) -> datetime | None: ...


def light(case: StepTimes, now: datetime | None = None) -> str | None:
    """Traffic light of the current step: green < 80 %, yellow 80–100 %, red overdue; paused while waiting."""
    if case.step_due_at is None:
        return None
    if case.paused_at is not None:
        return "paused"
    now = now or clock.now()
    if now > case.step_due_at:
        return "red"
    if case.step_warn_at is not None and now >= case.step_warn_at:
        return "yellow"
    return "green"


def transition(
    session: Session,
    case: Case,
    *,
    action: str,
    to: str,
    actor: Actor,
    opinion: str | None = None,
    department_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    attachments: list[int] | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    next_step_due: datetime | None = None,
    next_step_limit: tuple[float, str] | None = None,
    keep_clock: bool = False,
) -> CaseEvent:
    """Move ``case`` to status ``to`` (which may equal the current status for actions such as 督办)
    and record the event. The caller has locked the case row (``lock_case``)."""
    frm = case.status
    if frm not in ALLOWED or to not in ALLOWED[frm]:
        raise Conflict(f"案件当前状态为“{STATUS_LABELS.get(frm, frm)}”，不能执行该操作", code="illegal_transition",
                       details={"status": frm, "action": action, "to": to})
    at = at or clock.now()
    if case.reported_at is not None and at < case.reported_at:
        # An invariant the evaluation relies on (it narrows a period's events by their time): nothing happens
        # to a case before it was reported.
        raise Conflict("事件时间不能早于案件上报时间", code="event_before_report",
                       details={"at": at.isoformat(), "reported_at": case.reported_at.isoformat()})
    ended_step = ended_start = ended_due = None
    met = None
    status_changes = to != frm
    if status_changes and case.step is not None and not keep_clock:
        ended_step, ended_start, ended_due = case.step, case.step_started_at, case.step_due_at
        met = at <= ended_due if ended_due is not None else None
    case_dept, fb_met = _log_facts(session, case, action, department_id)
    case.last_seq = (case.last_seq or 0) + 1
    seq = case.last_seq
    event = CaseEvent(
        case_id=case.id, seq=seq, at=at, action=action, actor_id=actor.user_id, actor_name=actor.name,
        actor_role=actor.role, department_id=department_id, from_status=frm, to_status=to, step=ended_step,
        step_started_at=ended_start, step_due_at=ended_due, met_deadline=met, opinion=opinion, lon=lon, lat=lat,
        attachments=list(attachments or []), data=dict(data or {}), case_department_id=case_dept,
        feedback_met=fb_met,
    )
    session.add(event)
    if status_changes:
        case.status = to
        if not keep_clock:
            _open_step(session, case, STEP_OF.get(to), at, due_override=next_step_due, limit=next_step_limit)
    session.flush()
    return event


def _log_facts(session: Session, case: Case, action: str, department_id: int | None) -> tuple[int | None, bool | None]:
    """What the evaluation needs from the case's earlier events, recorded on the new event: the department
    that disposed of the case (for 结案/核查/自行处置 without their own) and, for 结案, whether the latest
    处置反馈 met its deadline. The migration 0860 backfills the same for older events."""
    case_dept = fb_met = None
    if action in INHERITS_DEPARTMENT and department_id is None:
        case_dept = session.scalar(
            select(CaseEvent.department_id).where(CaseEvent.case_id == case.id, CaseEvent.department_id.is_not(None))
            .order_by(CaseEvent.seq.desc()).limit(1))
    if action == "close":
        fb_met = session.scalar(select(CaseEvent.met_deadline).where(
            CaseEvent.case_id == case.id, CaseEvent.action == "feedback").order_by(CaseEvent.seq.desc()).limit(1))
    return case_dept, fb_met


def open_case(session: Session, case: Case, *, status: str, actor: Actor, opinion: str | None = None,
              lon: float | None = None, lat: float | None = None, attachments: list[int] | None = None,
              data: dict[str, Any] | None = None, at: datetime | None = None) -> CaseEvent:
    """The first event of a case (上报): sets the initial status and starts its clock."""
    if case.id is not None or status not in ("reported", "verifying"):
        raise Conflict("案件已存在或初始状态无效", code="illegal_transition")
    at = at or clock.now()
    if case.reported_at is None:
        case.reported_at = at
    elif at < case.reported_at:
        raise Conflict("事件时间不能早于案件上报时间", code="event_before_report")
    case.status = status
    case.last_seq = 1
    session.add(case)
    session.flush()  # the case needs its id
    event = CaseEvent(case_id=case.id, seq=1, at=at, action="report", actor_id=actor.user_id,
                      actor_name=actor.name, actor_role=actor.role, from_status=None, to_status=status,
                      opinion=opinion, lon=lon, lat=lat, attachments=list(attachments or []), data=dict(data or {}))
    session.add(event)
    _open_step(session, case, STEP_OF[status], at)
    session.flush()
    return event


def pause(session: Session, case: Case, at: datetime) -> None:
    if case.paused_at is None:
        case.paused_at = at


def resume_clock(session: Session, case: Case, at: datetime) -> None:
    """End a pause: the remaining working time at pause start is counted again from ``at``."""
    if case.paused_at is None:
        return
    cal = worktime.get_calendar(session)
    started = case.paused_at
    case.paused_at = None
    if case.step_due_at is None or case.step_unit is None:
        return
    for attr in ("step_due_at", "step_warn_at", "dispose_due_at"):
        due = getattr(case, attr)
        if due is None or due <= started:
            continue  # already overdue (or yellow) when the pause began: the pause does not undo that
        remaining = cal.elapsed(started, due, case.step_unit)
        setattr(case, attr, cal.add(at, remaining, case.step_unit) if remaining > 0 else due + (at - started))


def shift_due(session: Session, case: Case, new_due: datetime) -> None:
    """An approved extension: the disposal deadline (and the step clock) move to ``new_due``."""
    cal = worktime.get_calendar(session)
    case.dispose_due_at = new_due
    if case.step == "dispose" and case.step_started_at is not None and case.step_unit is not None:
        case.step_due_at = new_due
        total = cal.elapsed(case.step_started_at, new_due, case.step_unit)
        frac = float(cfg.value(session, WARN_FRACTION.key))
        case.step_warn_at = cal.add(case.step_started_at, max(total * frac, 0.0), case.step_unit)


def dispose_remaining_cumulative(session: Session, case: Case, at: datetime) -> tuple[float, str]:
    """For 累计 measuring: what is left of the disposal limit after the previous dispatch periods."""
    amount, unit = step_limit(session, case, "dispose")
    cal = worktime.get_calendar(session)
    used = 0.0
    for ev in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.step == "dispose")):
        if ev.step_started_at is not None:
            used += cal.elapsed(ev.step_started_at, ev.at, unit)
    return max(amount - used, amount * 0.05), unit


def lock_case(session: Session, case_id: int) -> Case | None:
    """Load the case for update: a row lock on PostgreSQL (two dispatchers → one waits, then sees the
    new status and gets 409). SQLite's write transactions are already serialised (BEGIN IMMEDIATE)."""
    stmt = select(Case).where(Case.id == case_id).with_for_update()
    return session.scalars(stmt).first()
