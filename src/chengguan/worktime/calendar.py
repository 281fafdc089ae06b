"""The working-time calendar: 工作时 / 工作日 / 紧急工作时 and natural time, without a database.

A :class:`WorkCalendar` answers two questions for every time-limit in the system (see the domain notes §7.5):
``add(start, amount, unit)`` — when is it due? — and ``elapsed(start, end, unit)`` — how much of the limit
has been used? Both work in the calendar's local time zone (Asia/Shanghai by default) and always take and
return timezone-aware datetimes; results are in UTC, the storage convention.

Units
-----
``work_hour`` (工作时)
    Time inside the daily work windows (default 08:30–12:00 and 13:30–17:30 local) on working days.
    Working days are Monday–Friday, minus statutory holidays, plus makeup working days (调休上班).
``work_day`` (工作日)
    **1 工作日 = the length of one day's work windows, counted in working time** (7.5 working hours with the
    default windows). So ``add(t, 1, "work_day")`` from inside a window lands at the same working-clock
    position on the next working day (Mon 10:00 → Tue 10:00; Fri 16:00 → the next working day 16:00). From
    outside a window the count starts at the next window opening: Mon 20:00 + 1 工作日 → Tue 17:30, and
    Mon 12:30 (lunch) counts like Mon 13:30. This is the "convert 工作日 to the length of the daily windows"
    choice most systems make; it keeps 工作日 and 工作时 on one clock, so pauses and partial use mix freely.
``urgent_hour`` (紧急工作时)
    Time inside the emergency windows (default 07:00–22:00 local) on *every* day, holidays included.
``natural_day``, ``hour``, ``minute``
    Plain elapsed time (24 h, 60 min, 60 s), independent of windows and holidays.

Conventions
-----------
* **Window ends, not next openings.** When a working-unit amount is used up exactly at the end of a window,
  the result is that window's end (Fri 13:30 + 4 工作时 → Fri 17:30, not Mon 08:30). Formally
  ``add(s, a) = min{t >= s : elapsed(s, t) >= a}``. Hence for ``a > 0`` the result of a working unit always lies
  inside a work window on a working day, or exactly at a window's end — never in a non-working interval.
* **``add(s, 0, unit) == s``** for every unit (a zero limit is due at once), even when ``s`` is outside the
  windows; this is the one case where a working-unit result may lie in non-working time. Working amounts are
  resolved to the microsecond, so an amount below half a microsecond counts as 0.
* ``elapsed(s, e)`` is negative when ``e < s`` (antisymmetric), so it is additive for any three instants.
* Window end ``time(0, 0)`` means 24:00; windows may not cross midnight.
* Windows are wall-clock times. The default zone has no DST; in a zone with DST the windows still follow the
  wall clock and only a window that contains a DST switch would count the shift.

Holidays
--------
:class:`CalendarData` holds holiday dates, makeup working dates and the years whose data is complete. For a
year without data the calendar falls back to Monday–Friday and records it (``years_without_data``,
``fallback_used()``, ``fallback_notice()``) so screens can warn "2027年节假日数据未录入，按周一至周五计算".
:func:`from_chinese_calendar` seeds the data from the ``chinese-calendar`` package (2004–2026 in 1.11).

Cost: ``add``/``elapsed`` walk day by day at most (O(days)) and never minute by minute; per-day workday
answers are cached. See ``bench/bench_worktime.py``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_EMERGENCY_WINDOWS",
    "DEFAULT_WORK_WINDOWS",
    "CalendarData",
    "Unit",
    "WorkCalendar",
    "from_chinese_calendar",
]

Window = tuple[time, time]

DEFAULT_WORK_WINDOWS: tuple[Window, ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
DEFAULT_EMERGENCY_WINDOWS: tuple[Window, ...] = ((time(7, 0), time(22, 0)),)

_DAY = 86400.0
# A data set in which no day in ten years is a working day is broken; stop instead of looping forever.
_MAX_IDLE_DAYS = 3660


class Unit(StrEnum):
    WORK_HOUR = "work_hour"
    WORK_DAY = "work_day"
    URGENT_HOUR = "urgent_hour"
    NATURAL_DAY = "natural_day"
    HOUR = "hour"
    MINUTE = "minute"


UNIT_LABELS_ZH: Mapping[Unit, str] = {
    Unit.WORK_HOUR: "工作时",
    Unit.WORK_DAY: "工作日",
    Unit.URGENT_HOUR: "紧急工作时",
    Unit.NATURAL_DAY: "自然日",
    Unit.HOUR: "小时",
    Unit.MINUTE: "分钟",
}

# Seconds per unit of natural time.
_NATURAL: dict[str, float] = {Unit.NATURAL_DAY: _DAY, Unit.HOUR: 3600.0, Unit.MINUTE: 60.0}


@dataclass(frozen=True)
class CalendarData:
    """Everything a :class:`WorkCalendar` needs, as plain values (loadable from the DB, a file or a package).

    ``holidays`` and ``makeup_workdays`` are always honoured, whatever their year; ``years`` only says which
    years are complete, i.e. for which years a plain Mon–Fri answer is *not* a guess.
    """

    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    years: frozenset[int] = frozenset()
    work_windows: tuple[Window, ...] = DEFAULT_WORK_WINDOWS
    emergency_windows: tuple[Window, ...] = DEFAULT_EMERGENCY_WINDOWS
    weekends_are_rest: bool = True
    holiday_names: Mapping[date, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Accept any iterables from callers but keep the dataclass immutable and hashable.
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        object.__setattr__(self, "makeup_workdays", frozenset(self.makeup_workdays))
        object.__setattr__(self, "years", frozenset(self.years))
        object.__setattr__(self, "work_windows", tuple(tuple(w) for w in self.work_windows))
        object.__setattr__(self, "emergency_windows", tuple(tuple(w) for w in self.emergency_windows))
        both = self.holidays & self.makeup_workdays
        if both:
            raise ValueError(f"dates both holiday and makeup workday: {sorted(both)}")
        _Windows(self.work_windows)  # validates
        _Windows(self.emergency_windows)


def _seconds(t: time, *, is_end: bool) -> float:
    if t.tzinfo is not None:
        raise ValueError("work windows are local wall-clock times; give naive datetime.time values")
    s = t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1e6
    return _DAY if is_end and s == 0 else float(s)


class _Windows:
    """Daily windows as seconds of the day, with cumulative working seconds for O(windows) lookups."""

    __slots__ = ("bounds", "total")

    def __init__(self, windows: Sequence[Window]) -> None:
        if not windows:
            raise ValueError("at least one window is needed")
        bounds: list[tuple[float, float, float, float]] = []  # (start, end, worked before, worked after)
        done = 0.0
        prev_end = 0.0
        for start_t, end_t in windows:
            start, end = _seconds(start_t, is_end=False), _seconds(end_t, is_end=True)
            if not start < end:
                raise ValueError(f"window {start_t}–{end_t} is empty or crosses midnight; split it")
            if start < prev_end:
                raise ValueError("windows must be sorted and must not overlap")
            bounds.append((start, end, done, done + end - start))
            done += end - start
            prev_end = end
        self.bounds = tuple(bounds)
        self.total = done

    def worked_before(self, sod: float) -> float:
        """Working seconds from midnight to ``sod`` on a counted day."""
        for start, end, before, _after in self.bounds:
            if sod <= start:
                return before
            if sod < end:
                return before + sod - start
        return self.total

    def position(self, worked: float) -> float:
        """Earliest second of the day at which ``worked`` (0 < worked <= total) seconds are done.

        Taking the first window whose cumulative total reaches ``worked`` is what puts exact fits at a
        window's end rather than at the next opening.
        """
        for start, end, before, after in self.bounds:
            if worked <= after:
                return min(start + (worked - before), end)
        return self.bounds[-1][1]

    def inside(self, sod: float) -> bool:
        return any(start <= sod < end for start, end, _, _ in self.bounds)


class WorkCalendar:
    """Due dates and elapsed time in working units. Thread-safe for reads; caches per-day answers."""

    def __init__(self, data: CalendarData, tz: str | tzinfo = "Asia/Shanghai") -> None:
        self.data = data
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self._work = _Windows(data.work_windows)
        self._urgent = _Windows(data.emergency_windows)
        self._workday_cache: dict[int, bool] = {}
        self._missing_years: set[int] = set()

    # ---- days -------------------------------------------------------------------------------------------

    def is_workday(self, day: date) -> bool:
        """True for a working day. An aware datetime is first turned into its local date."""
        return self._is_work_ordinal(self._local_date(day).toordinal())

    def fallback_used(self, day: date) -> bool:
        """True when ``day``'s year has no holiday data, so Mon–Fri was assumed."""
        return self._local_date(day).year not in self.data.years

    @property
    def years_without_data(self) -> tuple[int, ...]:
        """Years that calculations so far had to answer with the Mon–Fri fallback."""
        return tuple(sorted(self._missing_years))

    def fallback_notice(self) -> str | None:
        """A line for the UI when any calculation used the fallback, e.g. ``2027年节假日数据未录入，按周一至周五计算``."""
        if not self._missing_years:
            return None
        years = "、".join(f"{y}年" for y in self.years_without_data)
        return f"{years}节假日数据未录入，按周一至周五计算"

    def holiday_name(self, day: date) -> str | None:
        return self.data.holiday_names.get(self._local_date(day))

    def _local_date(self, day: date) -> date:
        if isinstance(day, datetime):
            if day.tzinfo is None:
                raise ValueError("naive datetime; give an aware datetime or a date")
            return day.astimezone(self.tz).date()
        return day

    def _is_work_ordinal(self, ordinal: int) -> bool:
        hit = self._workday_cache.get(ordinal)
        if hit is not None:
            return hit
        day = date.fromordinal(ordinal)
        data = self.data
        if day in data.makeup_workdays:
            result = True
        elif day in data.holidays:
            result = False
        else:
            result = not (data.weekends_are_rest and day.weekday() >= 5)
        if day.year not in data.years:
            self._missing_years.add(day.year)
        self._workday_cache[ordinal] = result
        return result

    # ---- instants ---------------------------------------------------------------------------------------

    @property
    def work_day_hours(self) -> float:
        """Working hours in one 工作日 (7.5 with the default windows)."""
        return self._work.total / 3600.0

    def is_working_time(self, at: datetime, unit: Unit | str = Unit.WORK_HOUR) -> bool:
        """Whether the ``unit`` clock runs at ``at`` (windows are half-open: 17:30 itself is not working time)."""
        u = Unit(unit)
        if u in _NATURAL:
            return True
        ordinal, sod = self._split(at)
        if u is Unit.URGENT_HOUR:
            return self._urgent.inside(sod)
        return self._is_work_ordinal(ordinal) and self._work.inside(sod)

    def _split(self, at: datetime) -> tuple[int, float]:
        if at.tzinfo is None:
            raise ValueError(f"naive datetime {at!r}: the work calendar needs aware datetimes")
        loc = at.astimezone(self.tz)
        return loc.toordinal(), loc.hour * 3600 + loc.minute * 60 + loc.second + loc.microsecond / 1e6

    def _join(self, ordinal: int, sod: float) -> datetime:
        d = date.fromordinal(ordinal)
        # Wall-clock arithmetic on the local midnight, then one conversion to UTC.
        return (datetime(d.year, d.month, d.day, tzinfo=self.tz) + timedelta(seconds=sod)).astimezone(UTC)

    # ---- add --------------------------------------------------------------------------------------------

    def add(self, start: datetime, amount: float, unit: Unit | str) -> datetime:
        """The instant ``amount`` units after ``start`` (aware UTC). See the module docstring for conventions."""
        if not (amount >= 0 and math.isfinite(amount)):
            raise ValueError(f"amount must be a finite number >= 0, got {amount!r}")
        if start.tzinfo is None:
            raise ValueError(f"naive datetime {start!r}: the work calendar needs aware datetimes")
        natural = _NATURAL.get(unit)
        if natural is not None:
            return (start + timedelta(seconds=amount * natural)).astimezone(UTC)
        if unit == Unit.WORK_HOUR or unit == Unit.URGENT_HOUR:
            secs = amount * 3600.0
        elif unit == Unit.WORK_DAY:
            secs = amount * self._work.total
        else:
            raise ValueError(f"unknown time unit {unit!r}")
        # Resolve to the microsecond like datetime itself: a smaller amount would vanish when added to the
        # second of the day and could put the result before ``start`` or inside a break.
        secs = round(secs, 6)
        if secs == 0:
            return start.astimezone(UTC)
        if unit == Unit.URGENT_HOUR:
            return self._add_urgent(start, secs)
        return self._add_work(start, secs)

    def _add_work(self, start: datetime, secs: float) -> datetime:
        win = self._work
        total = win.total
        ordinal, sod = self._split(start)
        is_work = self._is_work_ordinal
        if is_work(ordinal):
            done = win.worked_before(sod)
            if done + secs <= total:
                return self._join(ordinal, win.position(done + secs))
            secs -= total - done
        idle = 0
        while True:
            ordinal += 1
            if not is_work(ordinal):
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError("no working day within ten years: check the holiday data")
                continue
            idle = 0
            if secs <= total:
                return self._join(ordinal, win.position(secs))
            secs -= total

    def _add_urgent(self, start: datetime, secs: float) -> datetime:
        # Every day counts, so whole days are skipped by division instead of by walking.
        win = self._urgent
        total = win.total
        ordinal, sod = self._split(start)
        done = win.worked_before(sod)
        if done + secs <= total:
            return self._join(ordinal, win.position(done + secs))
        secs -= total - done
        days = math.ceil(secs / total)  # the landing day, counted from tomorrow = 1
        rest = secs - (days - 1) * total  # in (0, total]
        return self._join(ordinal + days, win.position(rest))

    # ---- elapsed ----------------------------------------------------------------------------------------

    def elapsed(self, start: datetime, end: datetime, unit: Unit | str) -> float:
        """Amount of ``unit`` between two aware instants; negative when ``end`` is before ``start``."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("the work calendar needs aware datetimes")
        natural = _NATURAL.get(unit)
        if natural is not None:
            return (end - start).total_seconds() / natural
        if unit == Unit.WORK_HOUR:
            return self._worked(start, end, counts_every_day=False) / 3600.0
        if unit == Unit.WORK_DAY:
            return self._worked(start, end, counts_every_day=False) / self._work.total
        if unit == Unit.URGENT_HOUR:
            return self._worked(start, end, counts_every_day=True) / 3600.0
        raise ValueError(f"unknown time unit {unit!r}")

    def _worked(self, start: datetime, end: datetime, *, counts_every_day: bool) -> float:
        if end < start:
            return -self._worked(end, start, counts_every_day=counts_every_day)
        win = self._urgent if counts_every_day else self._work
        o1, s1 = self._split(start)
        o2, s2 = self._split(end)
        if counts_every_day:
            first = last = True
        else:
            first, last = self._is_work_ordinal(o1), self._is_work_ordinal(o2)
        if o1 == o2:
            return win.worked_before(s2) - win.worked_before(s1) if first else 0.0
        secs = win.total - win.worked_before(s1) if first else 0.0
        if counts_every_day:
            secs += (o2 - o1 - 1) * win.total
        else:
            is_work = self._is_work_ordinal
            secs += win.total * sum(1 for o in range(o1 + 1, o2) if is_work(o))
        if last:
            secs += win.worked_before(s2)
        return secs

    def elapsed_excluding(
        self,
        start: datetime,
        end: datetime,
        unit: Unit | str,
        pauses: Iterable[tuple[datetime, datetime | None]],
    ) -> float:
        """Like :meth:`elapsed`, with the clock stopped during ``pauses`` (挂账, waiting for approval …).

        Pauses may overlap each other or stick out of ``[start, end]``; a pause whose end is ``None`` is still
        running and lasts until ``end``. ``end`` must not be before ``start``.
        """
        if end < start:
            raise ValueError("end is before start")
        clipped: list[tuple[datetime, datetime]] = []
        for p_start, p_end in pauses:
            if p_end is not None and p_end < p_start:
                raise ValueError(f"pause ends before it starts: {p_start} – {p_end}")
            lo = max(p_start, start)
            hi = end if p_end is None else min(p_end, end)
            if lo < hi:
                clipped.append((lo, hi))
        clipped.sort()
        merged: list[tuple[datetime, datetime]] = []
        for lo, hi in clipped:
            if merged and lo <= merged[-1][1]:
                if hi > merged[-1][1]:
                    merged[-1] = (merged[-1][0], hi)
            else:
                merged.append((lo, hi))
        total = self.elapsed(start, end, unit)
        for lo, hi in merged:
            total -= self.elapsed(lo, hi, unit)
        return total


def from_chinese_calendar(
    years: Iterable[int],
    *,
    work_windows: Sequence[Window] = DEFAULT_WORK_WINDOWS,
    emergency_windows: Sequence[Window] = DEFAULT_EMERGENCY_WINDOWS,
) -> CalendarData:
    """Holidays and makeup workdays for ``years`` from the ``chinese-calendar`` package.

    Years the package has no data for are skipped (it raises ``NotImplementedError``); the returned
    ``CalendarData.years`` says which years did have data. Holiday names are the Chinese ones (国庆节 …).
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday

    zh = {h.value: h.chinese for h in Holiday}
    holidays: set[date] = set()
    makeup: set[date] = set()
    names: dict[date, str] = {}
    covered: set[int] = set()
    for year in sorted(set(years)):
        try:
            chinese_calendar.is_holiday(date(year, 1, 1))
        except NotImplementedError:
            continue
        covered.add(year)
        day = date(year, 1, 1)
        while day.year == year:
            off, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:
                # Named days are statutory holidays (off) or makeup days (on); plain weekends have no name.
                (holidays if off else makeup).add(day)
                names[day] = zh.get(name, name) + ("" if off else "调休上班")
            elif not off and day.weekday() >= 5:
                makeup.add(day)
            day += timedelta(days=1)
    return CalendarData(
        holidays=frozenset(holidays),
        makeup_workdays=frozenset(makeup),
        years=frozenset(covered),
        work_windows=tuple(work_windows),
        emergency_windows=tuple(emergency_windows),
        holiday_names=names,
    )
