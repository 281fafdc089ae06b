"""数据交换: partner platforms (12345 hotline, upper-level platform), case links keyed by (platform, case
number), and received message ids (duplicates are recognised and ignored)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk
from chengguan.core.types import BigIntId, UTCDateTime


class ExchangePartner(Base):
    __tablename__ = "exchange_partners"
    __table_args__ = (CheckConstraint("kind in ('hotline','upper','lower','department','other')", name="kind"),)

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(32), unique=True)  # platform identifier, e.g. 12345
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))
    # Shared HMAC secret (both directions). Kept retrievable: it signs outgoing webhooks.
    secret: Mapped[str] = mapped_column(String(128))
    outbound_url: Mapped[str | None] = mapped_column(String(512))
    send_all: Mapped[bool] = mapped_column(Boolean, default=False)  # upper level: every case; else linked only
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeLink(Base):
    """One case known to one partner under the partner's case number."""

    __tablename__ = "exchange_links"
    __table_args__ = (
        UniqueConstraint("partner_id", "external_no"),
        CheckConstraint("direction in ('in','out')", name="direction"),
    )

    id: Mapped[IdPk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partners.id", ondelete="CASCADE"))
    external_no: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExchangeReceipt(Base):
    __tablename__ = "exchange_receipts"
    __table_args__ = (UniqueConstraint("partner_id", "message_id"),)

    id: Mapped[IdPk]
    partner_id: Mapped[int] = mapped_column(ForeignKey("exchange_partners.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(BigIntId)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
