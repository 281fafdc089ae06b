"""权责清单 (power and responsibility list) and 裁量基准 (discretion standards).

A power (职权事项) has versioned legal bases (each provision with its effective dates, [APL] art 37
从旧兼从轻 needs the version in force at the time of the act) and per-power discretion standards. A
standard is never edited in place once it exists: a change is a new ``version`` (the decision stores
``standard_id`` + ``version``), and the old one gets an ``effective_to``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType

# 职权类型 (中办发〔2015〕21号 ten categories, short names).
POWER_TYPES = ("处罚", "强制", "检查", "征收", "许可", "给付", "裁决", "确认", "奖励", "其他")
LEVELS = ("city", "district", "street")  # 行使层级 (市级 / 区县级 / 乡镇街道, [APL] art 24)
BASIS_KINDS = ("设定依据", "实施依据", "处罚依据")
ACTOR_TYPES = ("any", "person", "org")  # whom a standard applies to (个人 / 单位)
# The standard responsibility steps of a 行政处罚 power (行政权力责任事项梳理表).
RESPONSIBILITY_STEPS = ("立案责任", "调查取证责任", "审查责任", "告知责任", "决定责任", "送达责任", "执行责任", "其他责任")

Money = Numeric(14, 2)


class Power(Timestamped, Base):
    __tablename__ = "powers"
    __table_args__ = (
        CheckConstraint(f"power_type in {POWER_TYPES!r}", name="power_type"),
        CheckConstraint(f"level in {LEVELS!r}", name="level"),
        Index("ix_powers_type_active", "power_type", "is_active"),
    )

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(40), unique=True)  # 事项编码 (provincial unified code)
    name: Mapped[str] = mapped_column(String(200))  # 事项名称, e.g. 对擅自占用城市道路设摊经营的处罚
    sub_item: Mapped[str | None] = mapped_column(String(200))  # 子项
    power_type: Mapped[str] = mapped_column(String(4))
    body: Mapped[str] = mapped_column(String(100))  # 实施主体
    handling_unit: Mapped[str | None] = mapped_column(String(100))  # 承办机构
    level: Mapped[str] = mapped_column(String(10), default="district")
    # [{"step": "立案责任", "items": "…"}] — each workflow stage references the item it fulfils.
    responsibilities: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    accountability: Mapped[str | None] = mapped_column(Text)  # 追责情形
    accountability_basis: Mapped[str | None] = mapped_column(Text)  # 追责依据
    contact: Mapped[str | None] = mapped_column(String(64))  # 监督电话
    note: Mapped[str | None] = mapped_column(Text)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data: to be replaced by the official list
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)

    bases: Mapped[list[PowerBasis]] = relationship(
        back_populates="power", order_by="PowerBasis.id", lazy="selectin", cascade="all, delete-orphan")


class PowerBasis(Base):
    """One legal provision a power rests on, in one version (effective_from … effective_to inclusive)."""

    __tablename__ = "power_bases"
    __table_args__ = (
        CheckConstraint(f"kind in {BASIS_KINDS!r}", name="kind"),
        Index("ix_power_bases_power_kind", "power_id", "kind"),
    )

    id: Mapped[IdPk]
    power_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("powers.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    law: Mapped[str] = mapped_column(String(200))  # e.g. 城市市容和环境卫生管理条例
    article: Mapped[str] = mapped_column(String(64))  # e.g. 第三十六条第（一）项
    text: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    power: Mapped[Power] = relationship(back_populates="bases")


class DiscretionStandard(Base):
    """裁量基准 for one power and one actor type, in one version. Immutable once created (a change is a
    new version); only ``effective_to`` is set when a newer version takes over."""

    __tablename__ = "discretion_standards"
    __table_args__ = (
        UniqueConstraint("power_id", "actor_type", "version"),
        CheckConstraint(f"actor_type in {ACTOR_TYPES!r}", name="actor_type"),
    )

    id: Mapped[IdPk]
    power_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("powers.id", ondelete="CASCADE"), index=True)
    actor_type: Mapped[str] = mapped_column(String(8), default="any")
    version: Mapped[int] = mapped_column(Integer, default=1)
    title: Mapped[str] = mapped_column(String(200))
    basis: Mapped[str | None] = mapped_column(Text)  # the published document (e.g. 某市城管局行政处罚裁量基准〔2024〕)
    statutory_min: Mapped[Decimal | None] = mapped_column(Money)  # 法定罚款幅度 (yuan)
    statutory_max: Mapped[Decimal | None] = mapped_column(Money)
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    # Aggravation by repetition: ``repeat_threshold`` violations of this power by the same party within
    # ``repeat_window_days`` (counted from the credit history) move the tier up.
    repeat_threshold: Mapped[int] = mapped_column(SmallInteger, default=3)
    repeat_window_days: Mapped[int] = mapped_column(SmallInteger, default=365)
    # 首违不罚: the power is on the local 不予处罚事项清单 (first violation, slight harm, corrected in time).
    first_violation_exempt: Mapped[bool] = mapped_column(Boolean, default=False)
    first_violation_window_days: Mapped[int | None] = mapped_column(SmallInteger)  # None: ever
    # Extra aggravating circumstances this standard names, {key: label}, on top of the built-in ones.
    aggravating: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(BigIntId)

    tiers: Mapped[list[DiscretionTier]] = relationship(
        back_populates="standard", order_by="DiscretionTier.rank", lazy="selectin", cascade="all, delete-orphan")


class DiscretionTier(Base):
    """One 阶次 of a standard: rank 1 is the lightest. ``condition_keys`` (machine-checkable facts) select
    the base tier; ``conditions`` is the published wording."""

    __tablename__ = "discretion_tiers"
    __table_args__ = (UniqueConstraint("standard_id", "rank"),)

    id: Mapped[IdPk]
    standard_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("discretion_standards.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(SmallInteger)
    name: Mapped[str] = mapped_column(String(16))  # 轻微 / 一般 / 严重 (or the local split)
    conditions: Mapped[str] = mapped_column(Text)
    condition_keys: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    fine_min: Mapped[Decimal | None] = mapped_column(Money)
    fine_max: Mapped[Decimal | None] = mapped_column(Money)
    # Fines set as a share of a base amount (e.g. 违法建设: 5 %–10 % of 建设工程造价), in percent.
    rate_min: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rate_max: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    rate_of: Mapped[str | None] = mapped_column(String(32))  # what the rate applies to, e.g. 建设工程造价
    other_penalty: Mapped[str | None] = mapped_column(String(200))  # 警告, 没收…
    note: Mapped[str | None] = mapped_column(Text)

    standard: Mapped[DiscretionStandard] = relationship(back_populates="tiers")
