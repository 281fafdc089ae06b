"""Duty and patrol (勤务): rosters over responsibility grids, GPS devices and tracks, on-post results
(在岗在位), alerts and joint operations (专项整治).

Track points are the one big table: on PostgreSQL the migration creates ``track_points`` as a table
partitioned by day (RANGE on ``at``; partitions made ahead by the job ``duty.track_partitions``, a DEFAULT
partition catches the rest), on SQLite it is a plain table. Its key (device, time) makes a re-sent
point a no-op.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

# Force (队伍) of a person (workforce Person.force): the joint-squad composition rule counts these.
FORCES = {
    "police": "公安民警",
    "aux_police": "辅警",
    "chengguan": "城管执法队员",
    "xieguan": "协管员",
}


class TrackDevice(Timestamped, Base):
    """A GPS source (城管通 phone, radio, body camera, vehicle) bound to one holder. Its HMAC key is not
    stored: it is derived from the server secret, the device code and ``key_version`` (rotate = bump)."""

    __tablename__ = "track_devices"

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="phone")  # phone/radio/bodycam/vehicle
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    person_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="SET NULL"),
                                                  index=True)
    equipment_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("equipment.id", ondelete="SET NULL"))
    holder_name: Mapped[str] = mapped_column(String(64), default="")
    force: Mapped[str | None] = mapped_column(String(16))
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)  # who may see its tracks
    key_version: Mapped[int] = mapped_column(Integer, default=1)
    key_hint: Mapped[str] = mapped_column(String(16), default="")  # sha256(key)[:8], to tell keys apart
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    last_point_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TrackBatch(Base):
    """Receipt of one device batch: its id is the nonce (a batch id is accepted once per device)."""

    __tablename__ = "track_batches"
    __table_args__ = (UniqueConstraint("device_id", "batch_id"),)

    id: Mapped[IdPk]
    device_id: Mapped[int] = mapped_column(ForeignKey("track_devices.id", ondelete="CASCADE"))
    batch_id: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)


class TrackPoint(Base):
    """One GPS fix. Partitioned by day on PostgreSQL (see the migration); no surrogate key."""

    __tablename__ = "track_points"
    __table_args__ = (Index("ix_track_points_user_at", "user_id", "at"),)

    device_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(BigIntId)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    speed_mps: Mapped[float | None] = mapped_column(Float)


class DutyShift(Timestamped, Base):
    """A shift (班次): who patrols which responsibility grids from when to when. ``kind``: patrol (巡查),
    duty24 (24 小时值守), standby (备勤), joint (联勤: the squad composition rule applies)."""

    __tablename__ = "duty_shifts"
    __table_args__ = (CheckConstraint("kind in ('patrol','duty24','standby','joint')", name="kind"),
                      CheckConstraint("ends_at > starts_at", name="span"),
                      Index("ix_duty_shifts_time", "starts_at", "ends_at"))

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12), default="patrol")
    day: Mapped[date] = mapped_column(index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    composition: Mapped[dict[str, Any] | None] = mapped_column(JSONType)  # rule checked (joint)
    operation_id: Mapped[int | None] = mapped_column(ForeignKey("duty_operations.id", ondelete="SET NULL"),
                                                     index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    grids: Mapped[list[DutyShiftGrid]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    members: Mapped[list[DutyAssignment]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                         order_by="DutyAssignment.id")


class DutyShiftGrid(Base):
    __tablename__ = "duty_shift_grids"

    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shifts.id", ondelete="CASCADE"), primary_key=True)
    responsibility_grid_id: Mapped[int] = mapped_column(
        ForeignKey("responsibility_grids.id", ondelete="CASCADE"), primary_key=True, index=True)


class DutyAssignment(Base):
    """A person on a shift. ``force`` and ``name`` are snapshots taken when rostered. ``status``:
    on_duty, on_leave (请假), swapped (换班: ``replaced_by`` is the new row)."""

    __tablename__ = "duty_assignments"
    __table_args__ = (CheckConstraint("status in ('on_duty','on_leave','swapped')", name="status"),)

    id: Mapped[IdPk]
    shift_id: Mapped[int] = mapped_column(ForeignKey("duty_shifts.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(64))
    force: Mapped[str] = mapped_column(String(16))
    is_leader: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(12), default="on_duty")
    replaced_by: Mapped[int | None] = mapped_column(BigIntId)
    note: Mapped[str] = mapped_column(String(200), default="")


class DutyLeave(Timestamped, Base):
    __tablename__ = "duty_leaves"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="span"),)

    id: Mapped[IdPk]
    person_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("personnel.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="personal")  # personal/sick/annual/other
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text, default="")
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OnPostResult(Base):
    """在岗在位 of one assignment, recomputed while the shift runs and final after it ends."""

    __tablename__ = "duty_onpost"

    assignment_id: Mapped[int] = mapped_column(ForeignKey("duty_assignments.id", ondelete="CASCADE"),
                                               primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    until: Mapped[datetime] = mapped_column(UTCDateTime())  # the result covers starts_at .. until
    points: Mapped[int] = mapped_column(Integer, default=0)
    seconds_inside: Mapped[float] = mapped_column(Float, default=0.0)
    seconds_reporting: Mapped[float] = mapped_column(Float, default=0.0)
    distance_m: Mapped[float] = mapped_column(Float, default=0.0)
    grids_total: Mapped[int] = mapped_column(Integer, default=0)
    grids_visited: Mapped[int] = mapped_column(Integer, default=0)
    on_post: Mapped[bool] = mapped_column(Boolean, default=False)
    final: Mapped[bool] = mapped_column(Boolean, default=False)


class DutyAlert(Base):
    __tablename__ = "duty_alerts"
    __table_args__ = (CheckConstraint("kind in ('left_area','silent')", name="kind"),
                      UniqueConstraint("assignment_id", "kind", "started_at"))

    id: Mapped[IdPk]
    assignment_id: Mapped[int] = mapped_column(ForeignKey("duty_assignments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[float] = mapped_column(Float, default=0.0)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DutyOperation(Timestamped, Base):
    """专项整治 / 联合执法 (公安+城管+N): agencies, teams, area, time, tasks, results and a report."""

    __tablename__ = "duty_operations"
    __table_args__ = (CheckConstraint("status in ('planned','active','closed')", name="status"),
                      CheckConstraint("ends_at > starts_at", name="span"))

    id: Mapped[IdPk]
    title: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32), default="专项整治")
    goal: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_codes: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # the area (unit grids)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(12), default="planned")
    lead_agency: Mapped[str] = mapped_column(String(64), default="")
    agencies: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{name, kind, contact, people}]
    teams: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [{name, leader, members: [...]}]
    results: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # counters entered by hand
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    tasks: Mapped[list[DutyOperationTask]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                          order_by="DutyOperationTask.id")


class DutyOperationTask(Base):
    __tablename__ = "duty_operation_tasks"
    __table_args__ = (CheckConstraint("status in ('open','done','cancelled')", name="status"),)

    id: Mapped[IdPk]
    operation_id: Mapped[int] = mapped_column(ForeignKey("duty_operations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(128))
    team: Mapped[str] = mapped_column(String(64), default="")
    place: Mapped[str] = mapped_column(String(128), default="")
    status: Mapped[str] = mapped_column(String(12), default="open")
    result: Mapped[str] = mapped_column(Text, default="")


class DutyOperationCase(Base):
    """A case found or handled during an operation."""

    __tablename__ = "duty_operation_cases"

    operation_id: Mapped[int] = mapped_column(ForeignKey("duty_operations.id", ondelete="CASCADE"),
                                              primary_key=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime())
