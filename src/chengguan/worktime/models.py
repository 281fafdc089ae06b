from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, Timestamped


class CalendarDay(Timestamped, Base):
    """An exception to Mon–Fri: a holiday on a weekday or a makeup working day (调休) on a weekend.
    Seeded from chinese-calendar (source='chinese-calendar'); administrators add next year's notice."""

    __tablename__ = "calendar_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="admin")


class CalendarYear(Timestamped, Base):
    """Years whose official holiday notice has been entered (others fall back to Mon–Fri, and say so)."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(String(255))
