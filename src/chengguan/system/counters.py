"""Gap-free counters and cache version stamps, both rows in ``sequences``.

``next_value`` locks the counter row (SELECT … FOR UPDATE on PostgreSQL; SQLite's write lock is
already held because write transactions begin IMMEDIATE), so two processes never hand out the same
number and a rolled-back transaction gives its number back."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chengguan.system.models import Sequence


def next_value(session: Session, name: str, period: str = "-") -> int:
    for _ in range(3):
        row = session.scalar(
            select(Sequence).where(Sequence.name == name, Sequence.period == period).with_for_update()
        )
        if row is not None:
            row.value += 1
            session.flush()
            return row.value
        try:
            with session.begin_nested():
                session.add(Sequence(name=name, period=period, value=1))
            return 1
        except IntegrityError:
            continue  # another transaction created the row first; lock it and increment
    raise RuntimeError(f"could not allocate a value from sequence {name}/{period}")


def peek(session: Session, name: str, period: str = "-") -> int:
    row = session.get(Sequence, (name, period))
    return row.value if row else 0


def bump(session: Session, name: str) -> int:
    return next_value(session, name, "-")
