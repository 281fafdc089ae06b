"""Periodic workforce jobs (run by ``chengguan worker``). Idempotent: each warning carries a dedup key
(certificate, threshold, expiry date, recipient), so a repeated or doubled run queues nothing new."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from chengguan.jobs.runner import register
from chengguan.workforce import service


@register("workforce.certificate_expiry", every_seconds=3600)
def certificate_expiry(session: Session) -> dict[str, int]:
    """行政执法证到期提醒 (30/7/0 days ahead by default, ``workforce.certificate_warning_days``)."""
    return service.certificate_expiry_warnings(session)


@register("workforce.equipment_checks", every_seconds=6 * 3600)
def equipment_checks(session: Session) -> dict[str, int]:
    """装备定期检查提醒 (interval per type: ``workforce.equipment_check_days``)."""
    return service.equipment_check_warnings(session)


@register("workforce.performance_from_exams", every_seconds=24 * 3600)
def performance_from_exams(session: Session) -> dict[str, int]:
    """岗位绩效：把本月和上月的考试平均分汇总为 ``training_score`` 指标 (idempotent upsert)."""
    from chengguan.core import clock

    today = clock.local(clock.now()).date()
    last = today.replace(day=1) - timedelta(days=1)
    out = {}
    for period in (last.strftime("%Y-%m"), today.strftime("%Y-%m")):
        out[period] = service.collect_training_scores(session, period)
    return out
