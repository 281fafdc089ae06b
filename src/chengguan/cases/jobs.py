"""Periodic case jobs (run by ``chengguan worker``): deadline warnings and housekeeping.
Each is an idempotent query — a warning is queued once per (case, step, deadline) by its dedup key."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts import service as accounts
from chengguan.cases import workflow
from chengguan.cases.models import Case
from chengguan.core import clock, idempotency
from chengguan.jobs.runner import register
from chengguan.outbox import service as outbox


def _recipient(case: Case) -> list[str]:
    if case.step == "dispose":
        return [f"department:{a.department_id}" for a in case.assignments if a.state == "active"]
    role = STEP_ROLE.get(case.step or "", "shift_leader")
    return [f"role:{role}@{case.grid_code}"]


STEP_ROLE = {"register": "shift_leader", "verify": "collector", "dispatch": "dispatcher", "check": "collector",
             "close": "shift_leader"}


@register("cases.deadline_warnings", every_seconds=60)
def deadline_warnings(session: Session) -> dict[str, int]:
    """Warn when a step turns yellow (80 % of its limit) and again when it is overdue."""
    now = clock.now()
    horizon = now + timedelta(days=30)
    counts = {"warned": 0, "overdue": 0}
    stmt = select(Case).where(Case.status.in_(tuple(workflow.STEP_OF)), Case.paused_at.is_(None),
                              Case.step_due_at <= horizon, Case.step_due_at >= now - timedelta(days=2))
    for case in session.scalars(stmt.execution_options(yield_per=500)):
        if case.step_due_at is None:
            continue
        due_key = case.step_due_at.isoformat()
        label = workflow.STEP_LABELS.get(case.step or "", case.step)
        if case.step_due_at < now:
            kind, text = "overdue", f"案件 {case.case_no} {label}已超期（时限 {clock.local(case.step_due_at):%m-%d %H:%M}）"
        elif case.step_warn_at is not None and case.step_warn_at <= now:
            kind, text = "warn", f"案件 {case.case_no} {label}即将到期（{clock.local(case.step_due_at):%m-%d %H:%M}）"
        else:
            continue
        for rcpt in _recipient(case):
            msg = outbox.enqueue(session, topic=f"case.deadline.{kind}", channel="inbox", recipient=rcpt,
                                 payload={"case_no": case.case_no, "case_id": case.id, "step": case.step,
                                          "due_at": due_key, "text": text},
                                 dedup_key=f"{kind}:{case.id}:{case.step}:{due_key}:{rcpt}"[:128])
            if msg is not None:
                counts["warned" if kind == "warn" else "overdue"] += 1
    return counts


@register("housekeeping", every_seconds=3600)
def housekeeping(session: Session) -> dict[str, int]:
    return {"idempotency": idempotency.purge(session), "sessions": accounts.purge_expired_sessions(session)}
