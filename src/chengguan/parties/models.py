"""当事人 (parties to enforcement cases) and their credit records (信用惩戒 / 违法记录).

A party is a natural person (identified by ID type + number) or an organisation (identified by its
统一社会信用代码). Credit records are per party: penalties decided, no-penalty decisions with an
education record (首违不罚 / 轻微免罚) — both are violations for repetition counting — and withdrawals.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core import clock
from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

PARTY_KINDS = ("person", "org")
ID_TYPES = ("身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证", "外国人永久居留身份证", "其他")
CREDIT_KINDS = ("penalty", "education", "warning")  # 处罚 / 不予处罚并教育 / 警告
SEVERITIES = ("轻微", "一般", "严重")


class Party(Timestamped, Base):
    __tablename__ = "parties"
    __table_args__ = (
        CheckConstraint(f"kind in {PARTY_KINDS!r}", name="kind"),
        UniqueConstraint("id_type", "id_number"),
        Index("ix_parties_name", "name"),
    )

    id: Mapped[IdPk]
    kind: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(200))  # 姓名 / 单位名称
    id_type: Mapped[str | None] = mapped_column(String(16))  # persons
    id_number: Mapped[str | None] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)  # organisations
    legal_rep: Mapped[str | None] = mapped_column(String(64))  # 法定代表人 / 负责人
    legal_rep_id_number: Mapped[str | None] = mapped_column(String(32))
    gender: Mapped[str | None] = mapped_column(String(4))
    birth_date: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str | None] = mapped_column(String(256))
    phone: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)
    # The area of the official who entered the party by hand (None: entered city-wide or by a case); a party
    # is otherwise visible in the areas of its enforcement cases.
    region_code: Mapped[str | None] = mapped_column(String(15), index=True)


class CreditRecord(Base):
    """One entry of a party's enforcement record. ``subject`` is the case it came from (e.g.
    ``enf_case:12``); ``revoked_at`` is set when the decision is revoked or changed (the row stays)."""

    __tablename__ = "credit_records"
    __table_args__ = (
        CheckConstraint(f"kind in {CREDIT_KINDS!r}", name="kind"),
        Index("ix_credit_records_party_at", "party_id", "decided_on"),
        Index("ix_credit_records_party_power", "party_id", "power_code", "decided_on"),
    )

    id: Mapped[IdPk]
    party_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("parties.id", ondelete="RESTRICT"))
    kind: Mapped[str] = mapped_column(String(12))
    power_code: Mapped[str | None] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(64), index=True)
    decision_no: Mapped[str | None] = mapped_column(String(64))  # 行政处罚决定书文号
    decided_on: Mapped[date] = mapped_column(Date)
    violation_on: Mapped[date | None] = mapped_column(Date)
    fine: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    severity: Mapped[str | None] = mapped_column(String(4))
    content: Mapped[str | None] = mapped_column(Text)  # 处罚内容 / 教育内容
    disclosure_end: Mapped[date | None] = mapped_column(Date)  # 公示截止期
    standard_ref: Mapped[str | None] = mapped_column(String(32))  # discretion standard id@version applied
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(255))
