"""Worker jobs of public participation: points for valid reports (随手拍)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengguan.jobs.runner import register
from chengguan.public import participation


@register("participation.rewards", every_seconds=300)
def rewards(session: Session) -> dict[str, int]:
    """Award points for reports registered since the last run (idempotent, cursor over case events)."""
    return {"awarded": participation.award_rewards(session)}


@register("participation.progress", every_seconds=60)
def progress(session: Session) -> dict[str, int]:
    """Progress notifications to public reporters (registered, dispatched, fed back)."""
    return {"queued": participation.notify_progress(session)}
