"""Worker jobs: keep the track partitions ahead (PostgreSQL), watch running shifts (on-post + alerts),
prune old batch receipts."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.duty import partitions, service
from chengguan.duty.models import TrackBatch
from chengguan.jobs.runner import register
from chengguan.system import settings as cfg

DAYS_AHEAD = cfg.define("duty.track_partition_days_ahead", 3,
                        "PostgreSQL：提前创建多少天的轨迹日分区。", "勤务")
RETENTION = cfg.define("duty.track_retention_days", 1095,
                       "轨迹点保留天数（PostgreSQL 按日分区整体删除；默认 3 年）。", "勤务")
BATCH_RETENTION = cfg.define("duty.track_batch_receipt_days", 30,
                             "轨迹批次回执（防重放记录）保留天数；应远大于请求时间窗口。", "勤务")


@register("duty.track_partitions", every_seconds=3600)
def track_partitions(session: Session) -> dict[str, object]:
    out = partitions.maintain(session, days_ahead=int(cfg.value(session, DAYS_AHEAD.key)),
                              retention_days=int(cfg.value(session, RETENTION.key)))
    cutoff = clock.now() - timedelta(days=int(cfg.value(session, BATCH_RETENTION.key)))
    session.execute(delete(TrackBatch).where(TrackBatch.received_at < cutoff))
    return out


@register("duty.onpost_watch", every_seconds=300)
def onpost_watch(session: Session) -> dict[str, int]:
    """Recompute 在岗在位 of running shifts (and finalise ended ones); new alerts go to the outbox."""
    now = clock.now()
    shifts = service.shifts_to_watch(session, now)
    rows = service.compute_shifts(session, shifts, now=now) if shifts else {}
    return {"shifts": len(shifts), "assignments": len(rows)}
