"""Worker job: remind assessors when a rectification notice reaches its deadline (once per notice)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengguan.assessment import service
from chengguan.jobs.runner import register


@register("assessment.notice_due", every_seconds=300)
def notice_due(session: Session) -> int:
    return service.overdue_notices(session)
