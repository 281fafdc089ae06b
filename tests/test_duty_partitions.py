"""Day partitions of track_points on PostgreSQL (skipped on SQLite, where the table is plain)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from chengguan.core import clock
from chengguan.duty import partitions


def is_pg(session):
    return session.get_bind().dialect.name == "postgresql"


def test_sqlite_has_a_plain_table_and_maintenance_is_a_no_op(db_session):
    if is_pg(db_session):
        pytest.skip("SQLite only")
    assert partitions.maintain(db_session, days_ahead=3, retention_days=10) == {"created": [], "dropped": []}


def test_partitions_created_ahead_points_moved_out_of_default_and_expired_dropped(db_session):
    if not is_pg(db_session):
        pytest.skip("PostgreSQL only")
    kind = db_session.execute(text("select partstrat from pg_partitioned_table p join pg_class c on c.oid = p.partrelid "
                                   "where c.relname = 'track_points'")).scalar_one()
    assert kind == "r"  # RANGE
    today = clock.local(clock.now()).date()
    assert today in partitions.existing(db_session)  # made by the migration
    # a back-filled point 40 days ago lands in the DEFAULT partition …
    old_day = today - timedelta(days=40)
    at = datetime(old_day.year, old_day.month, old_day.day, 4, 0, tzinfo=UTC)
    db_session.execute(text("insert into track_points (device_id, at, lon, lat) values (999999, :at, 121.1, 31.8)"),
                       {"at": at})
    assert db_session.execute(text("select count(*) from track_points_default")).scalar_one() == 1
    # … and moves into its own partition when that day's partition is created
    assert partitions.ensure_day(db_session, old_day)
    assert db_session.execute(text("select count(*) from track_points_default")).scalar_one() == 0
    name = partitions.name_of(old_day)
    assert db_session.execute(text(f"select count(*) from {name}")).scalar_one() == 1
    assert db_session.execute(text("select count(*) from track_points where device_id = 999999")).scalar_one() == 1
    out = partitions.maintain(db_session, days_ahead=5, retention_days=30)
    assert name in out["dropped"]
    assert partitions.name_of(today + timedelta(days=5)) in set(
        partitions.name_of(d) for d in partitions.existing(db_session))
    assert db_session.execute(text("select count(*) from track_points where device_id = 999999")).scalar_one() == 0
