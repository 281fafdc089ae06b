from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

UNIT_CLASSES = ("A", "B", "C")
NOTICE_STATES = ("open", "closed", "escalated")


class AssessTemplate(Timestamped, Base):
    """A checklist (考评细则): grouped items with points and deduction rules."""

    __tablename__ = "assess_templates"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(128))
    description: Mapped[str | None] = mapped_column(Text)
    full_score: Mapped[float] = mapped_column(Float, default=100.0)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class AssessItem(Base):
    __tablename__ = "assess_items"

    id: Mapped[IdPk]
    template_id: Mapped[int] = mapped_column(ForeignKey("assess_templates.id", ondelete="CASCADE"), index=True)
    group_name: Mapped[str] = mapped_column(String(64))  # 市容环卫 / 交通秩序 / 单位和社区卫生 / 违章建筑 / 城郊结合部
    code: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    points: Mapped[float] = mapped_column(Float)  # the most this item can lose
    deduct_per: Mapped[float] = mapped_column(Float)  # deduction per finding (扣分标准)
    rule: Mapped[str | None] = mapped_column(Text)  # deduction rule text shown to assessors
    sort: Mapped[int] = mapped_column(Integer, default=0)


class AssessUnit(Timestamped, Base):
    """An assessed unit (责任单位) in class A, B or C; optionally the org department it is."""

    __tablename__ = "assess_units"
    __table_args__ = (CheckConstraint("unit_class in ('A','B','C')", name="unit_class"),)

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(100))
    unit_class: Mapped[str] = mapped_column(String(1), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    region_code: Mapped[str | None] = mapped_column(String(12))
    template_id: Mapped[int] = mapped_column(ForeignKey("assess_templates.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class Inspection(Base):
    """One inspection of a unit by an assessor (on the phone)."""

    __tablename__ = "assess_inspections"
    __table_args__ = (Index("ix_assess_inspections_unit_at", "unit_id", "at"),)

    id: Mapped[IdPk]
    unit_id: Mapped[int] = mapped_column(ForeignKey("assess_units.id"))
    template_id: Mapped[int] = mapped_column(ForeignKey("assess_templates.id"))
    inspector_id: Mapped[int | None] = mapped_column(BigIntId)
    inspector_name: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)


class Finding(Base):
    """A problem found: item, deduction, place, photo; may issue a rectification notice."""

    __tablename__ = "assess_findings"

    id: Mapped[IdPk]
    inspection_id: Mapped[int] = mapped_column(ForeignKey("assess_inspections.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("assess_items.id"))
    deduction: Mapped[float] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(String(200))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    photo_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # stored_files ids


class RectificationNotice(Base):
    """督查整改通知书: numbered, with a deadline; follow-up checks close or escalate it."""

    __tablename__ = "assess_notices"
    __table_args__ = (CheckConstraint("state in ('open','closed','escalated')", name="state"),
                      Index("ix_assess_notices_state_deadline", "state", "deadline"))

    id: Mapped[IdPk]
    number: Mapped[str] = mapped_column(String(40), unique=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("assess_findings.id"), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("assess_units.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(BigIntId)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    requirement: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="open")
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # follow-up checks: [{"at", "by", "passed", "note", "photo_ids"}]
    followups: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    extra_deduction: Mapped[float] = mapped_column(Float, default=0.0)  # added when escalated


class AssessPhoto(Base):
    """Which finding (or follow-up check of a notice) a stored photo belongs to, so that everyone who may see the
    inspection may download it (``system.files`` access), not only the assessor who took it."""

    __tablename__ = "assess_photos"
    __table_args__ = (Index("ix_assess_photos_file", "file_id"),)

    id: Mapped[IdPk]
    file_id: Mapped[int] = mapped_column(BigIntId)
    finding_id: Mapped[int] = mapped_column(ForeignKey("assess_findings.id", ondelete="CASCADE"), index=True)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("assess_notices.id", ondelete="CASCADE"))
