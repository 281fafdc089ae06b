"""Worker job: issue last month's bulletin on the first working day of the month (idempotent: once)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from chengguan.bulletin import service
from chengguan.jobs.runner import register

log = logging.getLogger("chengguan.bulletin")


@register("bulletin.monthly", every_seconds=600)
def monthly_bulletin(session: Session) -> str | None:
    period = service.due_issue(session)
    if period is None:
        return None
    row = service.issue(session, None, period, trigger="schedule")
    log.info("issued bulletin %s v%s", row.period, row.version)
    return row.period
