"""Worker job of the data exchange: queue new case events for the partner platforms."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengguan.exchange import service
from chengguan.jobs.runner import register


@register("exchange.outbound", every_seconds=30)
def outbound(session: Session) -> dict[str, int]:
    """One outbox message per (partner, new case event); the outbox signs and delivers them with retries."""
    return {"queued": service.outbound(session)}
