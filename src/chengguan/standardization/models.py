from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType, UTCDateTime


class StdTemplate(Timestamped, Base):
    """A standardization checklist (规范化建设标准), imported from a file."""

    __tablename__ = "std_templates"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(128))
    source: Mapped[str | None] = mapped_column(String(255))
    is_sample: Mapped[bool] = mapped_column(Boolean, default=False)  # sample items, to be replaced
    pass_score: Mapped[float] = mapped_column(Float, default=90.0)  # 达标 threshold (% of full score)
    full_score: Mapped[float] = mapped_column(Float)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class StdItem(Base):
    __tablename__ = "std_items"

    id: Mapped[IdPk]
    template_id: Mapped[int] = mapped_column(ForeignKey("std_templates.id", ondelete="CASCADE"), index=True)
    aspect: Mapped[str] = mapped_column(String(32))  # 执法部门 / 执法机构 / 执法行为 / 执法服务 / 执法保障 / 执法评价
    sub_item: Mapped[str] = mapped_column(String(64))  # 子项
    code: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)  # 小项
    points: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(Text)  # what evidence is required
    evidence_required: Mapped[bool] = mapped_column(Boolean, default=True)
    sort: Mapped[int] = mapped_column(Integer, default=0)


class StdTarget(Base):
    """A district's target: share of its streets' teams compliant by a date (e.g. 50 % this year)."""

    __tablename__ = "std_targets"
    __table_args__ = (UniqueConstraint("district_code", "year"),)

    id: Mapped[IdPk]
    district_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    ratio: Mapped[float] = mapped_column(Float)
    due: Mapped[date]


class StdAssessment(Base):
    """One team's (执法中队, a department) assessment against a template in a year."""

    __tablename__ = "std_assessments"
    __table_args__ = (UniqueConstraint("template_id", "department_id", "year"),
                      CheckConstraint("state in ('draft','submitted','reviewed','returned')", name="state"))

    id: Mapped[IdPk]
    template_id: Mapped[int] = mapped_column(ForeignKey("std_templates.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    street_code: Mapped[str | None] = mapped_column(String(9))
    year: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default="draft")
    self_score: Mapped[float | None] = mapped_column(Float)
    review_score: Mapped[float | None] = mapped_column(Float)
    compliant: Mapped[bool | None] = mapped_column(Boolean)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reviewer_id: Mapped[int | None] = mapped_column(BigIntId)
    review_note: Mapped[str | None] = mapped_column(Text)


class StdAnswer(Base):
    __tablename__ = "std_answers"
    __table_args__ = (UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[IdPk]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("std_assessments.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("std_items.id"))
    self_points: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    evidence_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # stored_files ids
    review_points: Mapped[float | None] = mapped_column(Float)
    review_note: Mapped[str | None] = mapped_column(Text)
