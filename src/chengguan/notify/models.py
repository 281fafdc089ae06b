from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base
from chengguan.core.types import BigIntId, JSONType, UTCDateTime


class Notification(Base):
    """An in-app message (the outbox's ``inbox`` channel). ``recipient`` is ``user:<id>``,
    ``department:<id>`` or ``role:<role>[@<region code>]``; read state is per user (``reads``)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient_at", "recipient", "created_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    recipient: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outbox_id: Mapped[int | None] = mapped_column(BigIntId, unique=True)


class NotificationRead(Base):
    __tablename__ = "notification_reads"

    notification_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime())
