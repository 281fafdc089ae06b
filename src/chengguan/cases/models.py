"""The 数字城管 case (案卷) and everything that happens to it.

``cases.status`` is written by exactly one function, ``chengguan.cases.workflow.transition`` (a test
enforces it). Every transition appends a ``case_events`` row; evaluation reads only those rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chengguan.core.db import Base
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

STATUSES = ("reported", "verifying", "registered", "dispatched", "fed_back", "checked", "closed",
            "rejected", "voided", "suspended", "merged")
OPEN_STATUSES = ("reported", "verifying", "registered", "dispatched", "fed_back", "checked", "suspended")
CHANNELS = ("patrol", "hotline", "public", "video", "leader", "media", "transfer", "exchange")
URGENCIES = ("normal", "urgent", "very_urgent")


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(f"status in {STATUSES!r}", name="status"),
        CheckConstraint(f"channel in {CHANNELS!r}", name="channel"),
        CheckConstraint(f"urgency in {URGENCIES!r}", name="urgency"),
        Index("ix_cases_status_due", "status", "step_due_at"),
        Index("ix_cases_lonlat", "lon", "lat"),
        Index("ix_cases_grid_status", "grid_code", "status"),
        Index("ix_cases_reported_at", "reported_at"),
        Index("ix_cases_registered_at", "registered_at"),  # dashboard counts (today, month) at 1M cases
        Index("ix_cases_closed_at", "closed_at"),
        # Only open cases have a running clock: a small index that serves the overdue lists at 1M cases
        # (the (status, step_due_at) index cannot, when no status is given).
        Index("ix_cases_open_due", "step_due_at", postgresql_where=text("step_due_at IS NOT NULL"),
              sqlite_where=text("step_due_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(20), unique=True)
    # Lets a citizen follow an anonymous report without an account (shown once on submission).
    public_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(10))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    category_code: Mapped[str] = mapped_column(String(5), index=True)
    major_code: Mapped[str] = mapped_column(String(2))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("category_conditions.id"))
    condition_number: Mapped[int | None] = mapped_column(SmallInteger)
    urgency: Mapped[str] = mapped_column(String(12), default="normal")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(256))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_code: Mapped[str] = mapped_column(String(15))
    community_code: Mapped[str] = mapped_column(String(12))
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    district_code: Mapped[str] = mapped_column(String(6))
    region_class: Mapped[int] = mapped_column(SmallInteger, default=1)
    component_code: Mapped[str | None] = mapped_column(String(17))
    reporter_user_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    reporter_name: Mapped[str | None] = mapped_column(String(64))
    reporter_phone: Mapped[str | None] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # camera id, confidence, hotline no …
    verified: Mapped[bool | None] = mapped_column(Boolean)  # 核实 result, None if not verified
    self_disposed: Mapped[bool] = mapped_column(Boolean, default=False)

    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The current step's clock: when it started, when it is due, when it turns yellow (80 %).
    step: Mapped[str | None] = mapped_column(String(12))
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_unit: Mapped[str | None] = mapped_column(String(12))
    step_limit: Mapped[float | None] = mapped_column(Float)
    # The overall disposal deadline (处置时限), moved by approved extensions and pauses.
    dispose_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    dispose_unit: Mapped[str | None] = mapped_column(String(12))
    dispose_limit: Mapped[float | None] = mapped_column(Float)
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_before_pause: Mapped[str | None] = mapped_column(String(12))

    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    # Display caches (the event log is the record): latest 督办 and counts shown on work lists.
    urged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    urge_note: Mapped[str | None] = mapped_column(String(255))
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    # Allocator for case_events.seq (the row is locked while an event is added).
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    assignments: Mapped[list[CaseAssignment]] = relationship(
        back_populates="case", order_by="CaseAssignment.id", lazy="selectin")


UNDO_SQL = text("(from_status = 'registered' AND to_status IN ('voided', 'reported')) "
                "OR (from_status = 'dispatched' AND to_status = 'registered')")
INHERITS_DEPARTMENT = ("close", "check", "self-dispose")


class CaseEvent(Base):
    """One transition or action on a case: who, when, from → to, opinion, where, attachments, and the
    deadline of the step it ended and whether that deadline was met."""

    __tablename__ = "case_events"
    __table_args__ = (
        UniqueConstraint("case_id", "seq"),
        Index("ix_case_events_action_at", "action", "at"),
        Index("ix_case_events_actor", "actor_id", "at"),
        # The few events that undo an earlier 立案 (作废, 退回受理) or 派遣 (回退 approved): the evaluation's
        # 准确立案/准确派遣 look them up per case with a hash join instead of probing every case.
        Index("ix_case_events_undo", "case_id", "seq", postgresql_where=UNDO_SQL, sqlite_where=UNDO_SQL),
        # … and by time: a period's evaluation (by report time) reads only those from the period's start on.
        Index("ix_case_events_undo_at", "at", postgresql_where=UNDO_SQL, sqlite_where=UNDO_SQL),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str | None] = mapped_column(String(12))
    step: Mapped[str | None] = mapped_column(String(12))  # the step this action ended (if any)
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    step_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    met_deadline: Mapped[bool | None] = mapped_column(Boolean)
    opinion: Mapped[str | None] = mapped_column(Text)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    attachments: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # stored_files ids
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Facts of the event taken from the case's log when it is written (the evaluation counts them without
    # looking back through the log): for 结案/核查/自行处置 without a department of their own, the department
    # of the latest earlier event that had one (the one that disposed of the case); for 结案, whether the
    # latest earlier 处置反馈 met its deadline (按期结案).
    case_department_id: Mapped[int | None] = mapped_column(BigIntId)
    feedback_met: Mapped[bool | None] = mapped_column(Boolean)


class CaseAssignment(Base):
    """A department's part in a case (one per dispatch; multi-department dispatch makes several)."""

    __tablename__ = "case_assignments"
    __table_args__ = (
        CheckConstraint("state in ('active','fed_back','done','returned','cancelled')", name="state"),
        Index("ix_case_assignments_dept_state", "department_id", "state"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    lead: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(10), default="active")
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    fed_back_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rework: Mapped[int] = mapped_column(SmallInteger, default=0)

    case: Mapped[Case] = relationship(back_populates="assignments")


class CaseRequest(Base):
    """A department's application for 延期 / 回退 / 挂账, decided by the dispatcher."""

    __tablename__ = "case_requests"
    __table_args__ = (
        CheckConstraint("kind in ('extension','return','suspend')", name="kind"),
        CheckConstraint("state in ('pending','approved','denied','withdrawn')", name="state"),
        Index("ix_case_requests_state", "state", "requested_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    requested_by: Mapped[int | None] = mapped_column(BigIntId)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    new_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(BigIntId)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_opinion: Mapped[str | None] = mapped_column(Text)


class CaseTask(Base):
    """A 核实 or 核查 task sent to the collector(s) of the case's grid."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        CheckConstraint("kind in ('verify','check')", name="kind"),
        Index("ix_case_tasks_assignee_open", "assignee_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    assignee_id: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[int | None] = mapped_column(BigIntId)
    result: Mapped[bool | None] = mapped_column(Boolean)


class CaseReporter(Base):
    """Everyone who reported the problem: the original reporter and those of merged duplicates, so
    that progress notifications and rewards follow the surviving case."""

    __tablename__ = "case_reporters"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    original_case_id: Mapped[int] = mapped_column(BigIntId)
    user_id: Mapped[int | None] = mapped_column(BigIntId)
    name: Mapped[str | None] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(12))
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CaseAttachment(Base):
    __tablename__ = "case_attachments"
    __table_args__ = (UniqueConstraint("event_id", "file_id"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    stage: Mapped[str] = mapped_column(String(12))  # report / verify / feedback / check / close
    event_id: Mapped[int | None] = mapped_column(BigIntId)
