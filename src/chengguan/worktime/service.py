"""The working-time calendar as configured for this city: the holiday table (editable), the work and
emergency windows (system settings) → one cached :class:`WorkCalendar` per process."""

from __future__ import annotations

import time as _time
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chengguan.core.errors import Invalid
from chengguan.system import counters
from chengguan.system import settings as cfg
from chengguan.worktime.calendar import CalendarData, WorkCalendar, from_chinese_calendar
from chengguan.worktime.models import CalendarDay, CalendarYear

WORK_WINDOWS = cfg.define(
    "worktime.work_windows", [["08:30", "12:00"], ["13:30", "17:30"]],
    "每个工作日的上班时段（本地时间）。工作时、工作日按这些时段计算；1 工作日 = 一天各时段的总长。", "工作日历",
)
EMERGENCY_WINDOWS = cfg.define(
    "worktime.emergency_windows", [["07:00", "22:00"]],
    "紧急工作时的计时时段：每天（含节假日）在这些时段内计时。", "工作日历",
)

_cache: dict[str, Any] = {"at": 0.0, "version": None, "cal": None}
CHECK_SECONDS = 5.0


def _windows(raw: Any, label: str) -> tuple[tuple[time, time], ...]:
    try:
        out = tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in raw)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"{label}格式应为 [[\"08:30\",\"12:00\"], …]") from exc
    if not out:
        raise Invalid(f"{label}至少需要一个时段")
    return out


def load_data(session: Session) -> CalendarData:
    days = session.scalars(select(CalendarDay)).all()
    return CalendarData(
        holidays=frozenset(d.day for d in days if not d.is_workday),
        makeup_workdays=frozenset(d.day for d in days if d.is_workday),
        years=frozenset(session.scalars(select(CalendarYear.year)).all()),
        work_windows=_windows(cfg.value(session, WORK_WINDOWS.key), "上班时段"),
        emergency_windows=_windows(cfg.value(session, EMERGENCY_WINDOWS.key), "紧急时段"),
        holiday_names={d.day: d.name for d in days if d.name},
    )


def get_calendar(session: Session) -> WorkCalendar:
    """The process's calendar, rebuilt when an administrator changed days or windows (any process)."""
    now = _time.monotonic()
    cal = _cache["cal"]
    if cal is not None and now - _cache["at"] < CHECK_SECONDS:
        return cal
    # No Python lock around database reads (a lock-order deadlock with the SQLite write lock otherwise).
    v = (counters.peek(session, "calendar_version"), repr(cfg.value(session, WORK_WINDOWS.key)),
         repr(cfg.value(session, EMERGENCY_WINDOWS.key)))
    if _cache["cal"] is None or v != _cache["version"]:
        _cache.update(cal=WorkCalendar(load_data(session)), version=v)
    _cache["at"] = now
    return _cache["cal"]


def changed(session: Session) -> None:
    counters.bump(session, "calendar_version")
    invalidate()


def invalidate() -> None:
    _cache["at"] = 0.0
    _cache["cal"] = None


def sync_from_package(session: Session, years: list[int]) -> dict[int, bool]:
    """Replace the package-sourced days of ``years`` (administrator entries are kept) and mark the
    years the package covers. Returns {year: had data}."""
    data = from_chinese_calendar(years)
    result = {}
    for year in years:
        has = year in data.years
        result[year] = has
        if not has:
            continue
        session.execute(delete(CalendarDay).where(
            CalendarDay.source == "chinese-calendar", CalendarDay.day >= date(year, 1, 1),
            CalendarDay.day <= date(year, 12, 31)))
        admin_days = set(session.scalars(select(CalendarDay.day).where(
            CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))).all())
        for d in sorted(data.holidays | data.makeup_workdays):
            if d.year != year or d in admin_days:
                continue
            session.add(CalendarDay(day=d, is_workday=d in data.makeup_workdays,
                                    name=data.holiday_names.get(d), source="chinese-calendar"))
        if session.get(CalendarYear, year) is None:
            session.add(CalendarYear(year=year, source="chinese-calendar", note="chinese-calendar 软件包"))
    session.flush()
    changed(session)
    return result


def set_day(session: Session, day: date, is_workday: bool, name: str | None) -> CalendarDay:
    """Record an exception (a weekday holiday or a weekend makeup working day) for ``day``."""
    is_weekend = day.weekday() >= 5
    if is_workday and not is_weekend:
        raise Invalid(f"{day} 是周一至周五，本来就是工作日；只需录入周末调休上班的日期")
    if not is_workday and is_weekend and not name:
        raise Invalid(f"{day} 是周末，本来就休息；如属节假日请填写名称")
    row = session.get(CalendarDay, day)
    if row is None:
        row = CalendarDay(day=day, is_workday=is_workday, name=name, source="admin")
        session.add(row)
    else:
        row.is_workday, row.name, row.source = is_workday, name, "admin"
    session.flush()
    changed(session)
    return row


def remove_day(session: Session, day: date) -> None:
    session.execute(delete(CalendarDay).where(CalendarDay.day == day))
    changed(session)


def declare_year(session: Session, year: int, note: str | None) -> None:
    """Say that ``year``'s official notice has been fully entered (no more Mon–Fri fallback warning)."""
    if not 2000 <= year <= 2100:
        raise Invalid("年份超出范围")
    row = session.get(CalendarYear, year)
    if row is None:
        session.add(CalendarYear(year=year, source="admin", note=note))
    else:
        row.note = note
    session.flush()
    changed(session)


def year_view(session: Session, year: int) -> dict[str, Any]:
    cal = get_calendar(session)
    days = session.scalars(select(CalendarDay).where(CalendarDay.day >= date(year, 1, 1),
                                                     CalendarDay.day <= date(year, 12, 31))
                           .order_by(CalendarDay.day)).all()
    has = session.get(CalendarYear, year) is not None
    return {
        "year": year,
        "has_data": has,
        "notice": None if has else f"{year}年节假日数据未录入，按周一至周五计算",
        "work_windows": cfg.value(session, WORK_WINDOWS.key),
        "emergency_windows": cfg.value(session, EMERGENCY_WINDOWS.key),
        "work_day_hours": cal.work_day_hours,
        "days": [{"day": d.day.isoformat(), "is_workday": d.is_workday, "name": d.name, "source": d.source}
                 for d in days],
    }


def add(session: Session, start: datetime, amount: float, unit: str) -> datetime:
    return get_calendar(session).add(start, amount, unit)


def elapsed(session: Session, start: datetime, end: datetime, unit: str) -> float:
    return get_calendar(session).elapsed(start, end, unit)
