"""Periodic enforcement jobs (``chengguan worker``): deadline warnings for every statutory timer of a case —
publish within 7 working days, withdraw within 3, serve, decide within 90 days, preserved evidence, seizure,
police-transfer timers … — sent to the handling officers' inboxes through the outbox, once per deadline."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.enforcement.models import EnforcementCase, EnforcementTimer
from chengguan.jobs.runner import register
from chengguan.outbox import service as outbox

WARN_BEFORE = timedelta(days=1)


@register("enforcement.deadline_warnings", every_seconds=300)
def deadline_warnings(session: Session) -> dict[str, int]:
    now = clock.now()
    counts = {"warned": 0, "overdue": 0}
    stmt = (select(EnforcementTimer, EnforcementCase)
            .join(EnforcementCase, EnforcementCase.id == EnforcementTimer.case_id)
            .where(EnforcementTimer.done_at.is_(None), EnforcementTimer.due_at <= now + WARN_BEFORE))
    for t, ec in session.execute(stmt.execution_options(yield_per=500)):
        kind = "overdue" if t.due_at < now else "warn"
        when = f"{clock.local(t.due_at):%m-%d %H:%M}"
        text = (f"执法案件 {ec.case_no}（{ec.cause}）{t.label}已超期（期限 {when}）" if kind == "overdue"
                else f"执法案件 {ec.case_no}（{ec.cause}）{t.label}将于 {when} 到期")
        recipients = [f"user:{u}" for u in (ec.lead_officer_id, ec.assist_officer_id) if u] or \
            [f"role:leader@{ec.street_code or ''}"]
        for rcpt in recipients:
            msg = outbox.enqueue(session, topic=f"enforcement.deadline.{kind}", channel="inbox", recipient=rcpt,
                                 payload={"case_id": ec.id, "case_no": ec.case_no, "timer": t.kind,
                                          "due_at": t.due_at.isoformat(), "text": text},
                                 dedup_key=f"enf:{kind}:{t.id}:{t.due_at.isoformat()}:{rcpt}"[:128])
            if msg is not None:
                counts["warned" if kind == "warn" else "overdue"] += 1
        if kind == "overdue" and t.warned_at is None:
            t.warned_at = now
    session.flush()
    return counts
