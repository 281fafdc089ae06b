"""Public participation: rewards ledger (随手拍), social supervisors (社会监督员), blocked reporters,
moderation state of public reports, follow-up visits and calls (回访), event cursors of the jobs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk
from chengguan.core.types import BigIntId, JSONType, UTCDateTime


class RewardEntry(Base):
    """One line of the points ledger. (user, case, reason) is unique: a report earns points once."""

    __tablename__ = "reward_ledger"
    __table_args__ = (UniqueConstraint("user_id", "case_id", "reason"), Index("ix_reward_ledger_user_period",
                                                                            "user_id", "period"))

    id: Mapped[IdPk]
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int | None] = mapped_column(BigIntId)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(24))  # valid_report / capped / adjust / redeem
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM (Asia/Shanghai)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(BigIntId)


class SocialSupervisor(Base):
    __tablename__ = "social_supervisors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    since: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class BlockedReporter(Base):
    """A reporter refused for spam: by IP, phone or account (values kept as HMACs, shown masked)."""

    __tablename__ = "blocked_reporters"
    __table_args__ = (UniqueConstraint("kind", "value_hash"),
                      CheckConstraint("kind in ('ip','phone','user')", name="kind"))

    id: Mapped[IdPk]
    kind: Mapped[str] = mapped_column(String(8))
    value_hash: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str | None] = mapped_column(String(255))
    until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(BigIntId)


class PublicReport(Base):
    """Moderation and abuse-tracking state of a report made through a public channel (web, mini program,
    Open311). Never shown publicly."""

    __tablename__ = "public_reports"

    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    via: Mapped[str] = mapped_column(String(16))  # web / miniprogram / open311
    ip_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    flags: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # moderation word hits
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)  # kept off the public map and lists
    reviewed_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class FollowUp(Base):
    """回访: staff call or visit the reporter after closure and record the answer."""

    __tablename__ = "case_follow_ups"
    __table_args__ = (CheckConstraint("method in ('call','visit','sms','other')", name="method"),)

    id: Mapped[IdPk]
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    reached: Mapped[bool] = mapped_column(Boolean, default=True)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str | None] = mapped_column(Text)
    by_user_id: Mapped[int | None] = mapped_column(BigIntId)
    by_name: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class EventCursor(Base):
    """How far a job has read ``case_events`` (rewards, exchange)."""

    __tablename__ = "event_cursors"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(BigIntId, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
