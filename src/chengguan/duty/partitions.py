"""Day partitions of ``track_points`` on PostgreSQL (declarative RANGE partitioning on ``at``).

A day is a local (Asia/Shanghai) calendar day, so a day's duty reads one partition. The migration makes
the parent, a DEFAULT partition and the first days; the job ``duty.track_partitions`` keeps
``duty.track_partition_days_ahead`` days ready and drops partitions older than
``duty.track_retention_days``. If points for a day without a partition already sit in the DEFAULT partition
(back-filled old fixes), they are moved into the new partition before it is attached. On SQLite the table
is a plain table and all of this is a no-op.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.core.db import is_sqlite

PREFIX = "track_points_p"
_NAME = re.compile(r"^track_points_p(\d{8})$")


def _bounds(day: date) -> tuple[str, str]:
    lo = datetime.combine(day, time(0), tzinfo=clock.SHANGHAI)
    hi = lo + timedelta(days=1)
    return lo.isoformat(), hi.isoformat()


def name_of(day: date) -> str:
    return f"{PREFIX}{day:%Y%m%d}"


def ensure_partitions_sql(days_back: int = 1, days_ahead: int = 3, today: date | None = None) -> list[str]:
    """DDL for the migration (the DEFAULT partition is empty then)."""
    today = today or clock.local(clock.now()).date()
    out = []
    for k in range(-days_back, days_ahead + 1):
        d = today + timedelta(days=k)
        lo, hi = _bounds(d)
        out.append(f"CREATE TABLE IF NOT EXISTS {name_of(d)} PARTITION OF track_points "
                   f"FOR VALUES FROM ('{lo}') TO ('{hi}')")
    return out


def existing(session: Session) -> list[date]:
    if is_sqlite(session):
        return []
    rows: Sequence[str] = session.execute(text(
        "select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid "
        "join pg_class p on p.oid = i.inhparent where p.relname = 'track_points'")).scalars().all()
    out = []
    for r in rows:
        m = _NAME.match(r)
        if m:
            out.append(datetime.strptime(m.group(1), "%Y%m%d").date())
    return sorted(out)


def ensure_day(session: Session, day: date) -> bool:
    """Create the partition of ``day`` if it is missing; True if created."""
    if is_sqlite(session) or day in set(existing(session)):
        return False
    name, (lo, hi) = name_of(day), _bounds(day)
    session.execute(text(f"CREATE TABLE {name} (LIKE track_points INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    session.execute(text(
        f"WITH moved AS (DELETE FROM track_points_default WHERE at >= :lo AND at < :hi RETURNING *) "
        f"INSERT INTO {name} SELECT * FROM moved"), {"lo": lo, "hi": hi})
    session.execute(text(f"ALTER TABLE track_points ATTACH PARTITION {name} FOR VALUES FROM ('{lo}') TO ('{hi}')"))
    return True


def maintain(session: Session, *, days_ahead: int, retention_days: int, today: date | None = None) -> dict[str, Any]:
    """Create the coming days' partitions and drop the expired ones."""
    if is_sqlite(session):
        return {"created": [], "dropped": []}
    today = today or clock.local(clock.now()).date()
    created = [name_of(d) for d in (today + timedelta(days=k) for k in range(days_ahead + 1)) if ensure_day(session, d)]
    dropped = []
    cutoff = today - timedelta(days=retention_days)
    for d in existing(session):
        if d < cutoff:
            session.execute(text(f"DROP TABLE {name_of(d)}"))
            dropped.append(name_of(d))
    if dropped:  # expired back-filled points in the DEFAULT partition go too
        session.execute(text("DELETE FROM track_points_default WHERE at < :c"),
                        {"c": _bounds(cutoff)[0]})
    return {"created": created, "dropped": dropped}
