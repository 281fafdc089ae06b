"""Category directory (GB/T 47678.5-2026), 立案/结案条件, time limits, routing and the component inventory.
Everything here is configuration an administrator edits; the shipped defaults come from catalog/data."""

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
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType

KINDS = ("component", "matter")
TIME_UNITS = ("work_hour", "work_day", "urgent_hour", "natural_day", "hour", "minute")
URGENCIES = ("normal", "urgent", "very_urgent")


class Category(Timestamped, Base):
    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("kind", "code"),
        CheckConstraint("kind in ('component','matter')", name="kind"),
    )

    id: Mapped[IdPk]
    kind: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(5), index=True)
    name: Mapped[str] = mapped_column(String(64))
    major_code: Mapped[str] = mapped_column(String(2))
    major_name: Mapped[str] = mapped_column(String(32))
    legacy_code: Mapped[str | None] = mapped_column(String(4), index=True)
    aliases: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    keywords: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    pinyin: Mapped[str | None] = mapped_column(String(32))
    public_reportable: Mapped[bool] = mapped_column(Boolean, default=False)
    default_department_type: Mapped[str | None] = mapped_column(String(32))
    geometry: Mapped[str | None] = mapped_column(String(10))
    accuracy_class: Mapped[str | None] = mapped_column(String(1))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    standard: Mapped[str] = mapped_column(String(32), default="GB/T 47678.5-2026")
    # name | aliases | keywords | pinyin initials, lower-cased: one portable LIKE serves the picker's search.
    search_text: Mapped[str] = mapped_column(Text, default="")


class CategoryCondition(Timestamped, Base):
    """立案条件 (numbered per category) with its 结案条件."""

    __tablename__ = "category_conditions"
    __table_args__ = (UniqueConstraint("category_id", "number"),)

    id: Mapped[IdPk]
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    closure_text: Mapped[str] = mapped_column(Text)
    default_urgency: Mapped[str] = mapped_column(String(12), default="normal")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class TimeLimit(Timestamped, Base):
    """A time limit rule. Key: (stage, category, condition, urgency, region_class); NULL = any.
    The most specific matching active rule wins (see catalog.service.resolve_limit)."""

    __tablename__ = "time_limits"
    __table_args__ = (
        CheckConstraint(f"unit in {TIME_UNITS!r}", name="unit"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_time_limits_key", "stage", "category_id", "condition_id"),
    )

    id: Mapped[IdPk]
    stage: Mapped[str] = mapped_column(String(16))  # dispose, accept, verify, register, dispatch, check, close
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("category_conditions.id", ondelete="CASCADE"))
    urgency: Mapped[str | None] = mapped_column(String(12))
    region_class: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(12))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class RoutingRule(Timestamped, Base):
    """Routing table: (category, region, 立案条件) → department. NULL = any; most specific rule wins;
    ties broken by priority (higher first)."""

    __tablename__ = "routing_rules"

    id: Mapped[IdPk]
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    major_code: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str | None] = mapped_column(String(10))
    region_code: Mapped[str | None] = mapped_column(String(15))
    condition_id: Mapped[int | None] = mapped_column(ForeignKey("category_conditions.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Component(Base):
    """管理部件 with the 18 standard attributes of GB/T 47678.5-2026 table 2 (abbreviations in comments)."""

    __tablename__ = "components"
    __table_args__ = (Index("ix_components_lonlat", "lon", "lat"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(17), unique=True)  # GLBJBSM
    name: Mapped[str] = mapped_column(String(30))  # GLBJMC
    category_code: Mapped[str] = mapped_column(String(5), index=True)
    competent_dept_code: Mapped[str | None] = mapped_column(String(18))  # ZGBMDM
    competent_dept_name: Mapped[str | None] = mapped_column(String(100))  # ZGBMMC
    owner_code: Mapped[str | None] = mapped_column(String(18))  # QSDWDM
    owner_name: Mapped[str | None] = mapped_column(String(100))  # QSDWMC
    maintainer_code: Mapped[str | None] = mapped_column(String(18))  # YHDWDM
    maintainer_name: Mapped[str | None] = mapped_column(String(100))  # YHDWMC
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)  # SZDYWGBSM
    status: Mapped[str] = mapped_column(String(10), default="完好")  # GLBJZT
    initial_date: Mapped[date | None]  # CSRQ
    change_date: Mapped[date | None]  # BGRQ
    data_source: Mapped[str | None] = mapped_column(String(30))  # SJLY
    note: Mapped[str | None] = mapped_column(String(1000))  # BZ
    street_code: Mapped[str | None] = mapped_column(String(9))  # SZJDDM
    street_name: Mapped[str | None] = mapped_column(String(50))  # SZJDMC
    community_code: Mapped[str | None] = mapped_column(String(12))  # SZSQDM
    community_name: Mapped[str | None] = mapped_column(String(50))  # SZSQMC
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    photo_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ComponentChange(Base):
    """部件在线更新: every change to a component, with who and when and the before/after values."""

    __tablename__ = "component_changes"

    id: Mapped[IdPk]
    component_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("components.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    action: Mapped[str] = mapped_column(String(16))  # create / update / retire
    changes: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    reason: Mapped[str | None] = mapped_column(String(255))
