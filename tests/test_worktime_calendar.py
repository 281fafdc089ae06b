"""WorkCalendar: hand-computed examples around the 2026 holidays, then properties checked with hypothesis
against a slow, independent reference that intersects each day's windows with the span."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chengguan.worktime.calendar import (
    CalendarData,
    Unit,
    WorkCalendar,
    from_chinese_calendar,
)

SH = ZoneInfo("Asia/Shanghai")
DATA = from_chinese_calendar(range(2024, 2028))  # the package stops at 2026: 2027 is left out
CAL = WorkCalendar(DATA)


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=SH)


def loc(dt: datetime) -> datetime:
    return dt.astimezone(SH)


# ---- the data --------------------------------------------------------------------------------------------


def test_chinese_calendar_seed_knows_2026_and_skips_2027() -> None:
    assert DATA.years == {2024, 2025, 2026}
    makeup_2026 = sorted(d for d in DATA.makeup_workdays if d.year == 2026)
    assert makeup_2026 == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]
    assert sorted(d for d in DATA.makeup_workdays if d.year == 2025) == [
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ]
    assert {date(2026, 10, d) for d in range(1, 8)} <= DATA.holidays
    assert date(2026, 10, 8) not in DATA.holidays
    assert DATA.holiday_names[date(2026, 10, 1)] == "国庆节"
    assert DATA.holiday_names[date(2026, 2, 14)] == "春节调休上班"
    assert not any(d.year == 2027 for d in DATA.holidays | DATA.makeup_workdays)


def test_workdays_around_national_day_and_spring_festival_2026() -> None:
    assert not CAL.is_workday(date(2026, 10, 1))
    assert not CAL.is_workday(date(2026, 10, 5))  # a Monday inside the holiday
    assert CAL.is_workday(date(2026, 10, 8))
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday, makeup
    assert not CAL.is_workday(date(2026, 10, 11))  # plain Sunday
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday, makeup
    assert not CAL.is_workday(date(2026, 2, 16))
    assert not CAL.is_workday(date(2026, 2, 23))  # Monday, last holiday day
    assert CAL.is_workday(date(2026, 2, 24))
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday, makeup
    # An aware datetime is judged by its Shanghai date: 2026-10-07 23:00 UTC is 10-08 07:00 local.
    assert CAL.is_workday(datetime(2026, 10, 7, 23, 0, tzinfo=UTC))


# ---- hand-computed add / elapsed ------------------------------------------------------------------------


def test_work_hours_cross_the_national_day_week() -> None:
    # Wednesday 2026-09-30 16:00: 1.5 h left today; 10-01..07 are holidays; 2.5 h from 10-08 08:30.
    start = local(2026, 9, 30, 16, 0)
    due = CAL.add(start, 4, Unit.WORK_HOUR)
    assert loc(due) == local(2026, 10, 8, 11, 0)
    assert due.tzinfo is UTC
    assert CAL.elapsed(start, due, "work_hour") == pytest.approx(4)


def test_makeup_saturday_counts() -> None:
    # Friday 2026-10-09 17:00 + 1 h: half an hour on Friday, half an hour on the makeup Saturday.
    assert loc(CAL.add(local(2026, 10, 9, 17, 0), 1, "work_hour")) == local(2026, 10, 10, 9, 0)
    # Saturday 10-10 17:00 + 1 h: Sunday is rest, so Monday 10-12 09:00.
    assert loc(CAL.add(local(2026, 10, 10, 17, 0), 1, "work_hour")) == local(2026, 10, 12, 9, 0)


def test_work_days_across_spring_festival_2026() -> None:
    # Fri 02-13 10:00: day 1 ends on the makeup Saturday 02-14, day 2 after the 02-15..23 holidays.
    start = local(2026, 2, 13, 10, 0)
    assert loc(CAL.add(start, 1, "work_day")) == local(2026, 2, 14, 10, 0)
    assert loc(CAL.add(start, 2, "work_day")) == local(2026, 2, 24, 10, 0)
    assert CAL.elapsed(start, local(2026, 2, 24, 10, 0), "work_day") == pytest.approx(2)
    # The whole holiday counts for nothing.
    assert CAL.elapsed(local(2026, 2, 14, 17, 30), local(2026, 2, 24, 8, 30), "work_hour") == 0
    # Friday 02-27 17:30 + 1 h lands on the makeup Saturday 02-28.
    assert loc(CAL.add(local(2026, 2, 27, 17, 30), 1, "work_hour")) == local(2026, 2, 28, 9, 30)


def test_work_day_convention() -> None:
    mon = (2026, 11, 16)
    assert CAL.work_day_hours == 7.5
    # Inside a window: same clock position on the next working day.
    assert loc(CAL.add(local(*mon, 10, 0), 1, "work_day")) == local(2026, 11, 17, 10, 0)
    assert loc(CAL.add(local(2026, 11, 20, 16, 0), 1, "work_day")) == local(2026, 11, 23, 16, 0)  # Fri → Mon
    # After hours: counted from the next opening, so the whole of Tuesday.
    assert loc(CAL.add(local(*mon, 20, 0), 1, "work_day")) == local(2026, 11, 17, 17, 30)
    # Lunch break counts like the afternoon opening; 4 h Monday afternoon + 3.5 h Tuesday morning.
    assert loc(CAL.add(local(*mon, 12, 30), 1, "work_day")) == local(2026, 11, 17, 12, 0)
    # Half a 工作日 = 3.75 h: 2 h until noon, 1.75 h after 13:30.
    assert loc(CAL.add(local(*mon, 10, 0), 0.5, "work_day")) == local(*mon, 15, 15)


def test_results_sit_at_window_ends_not_next_openings() -> None:
    fri = (2026, 11, 20)
    assert loc(CAL.add(local(*fri, 13, 30), 4, "work_hour")) == local(*fri, 17, 30)
    assert loc(CAL.add(local(*fri, 8, 30), 3.5, "work_hour")) == local(*fri, 12, 0)
    assert loc(CAL.add(local(*fri, 7, 0), 7.5, "work_hour")) == local(*fri, 17, 30)
    assert loc(CAL.add(local(*fri, 12, 0), 0.25, "work_hour")) == local(*fri, 13, 45)


def test_add_zero_is_identity() -> None:
    night = local(2026, 10, 3, 23, 0)  # a holiday night
    for unit in Unit:
        assert CAL.add(night, 0, unit) == night


def test_urgent_hours_run_on_holidays() -> None:
    assert loc(CAL.add(local(2026, 10, 1, 21, 0), 2, "urgent_hour")) == local(2026, 10, 2, 8, 0)
    assert loc(CAL.add(local(2026, 10, 1, 20, 0), 2, "urgent_hour")) == local(2026, 10, 1, 22, 0)
    # 3:00 is before the window: 15 h per day; 30 h end exactly at 22:00 of the next day.
    assert loc(CAL.add(local(2026, 10, 1, 3, 0), 30, "urgent_hour")) == local(2026, 10, 2, 22, 0)
    assert loc(CAL.add(local(2026, 10, 1, 3, 0), 31, "urgent_hour")) == local(2026, 10, 3, 8, 0)
    assert CAL.elapsed(local(2026, 10, 1, 0, 0), local(2026, 10, 8, 0, 0), "urgent_hour") == 7 * 15


def test_natural_units() -> None:
    start = local(2026, 10, 1, 23, 0)
    assert loc(CAL.add(start, 1, "natural_day")) == local(2026, 10, 2, 23, 0)
    assert loc(CAL.add(start, 1.5, "hour")) == local(2026, 10, 2, 0, 30)
    assert loc(CAL.add(start, 90, "minute")) == local(2026, 10, 2, 0, 30)
    assert CAL.elapsed(start, local(2026, 10, 3, 11, 0), "natural_day") == 1.5
    assert CAL.elapsed(start, local(2026, 10, 3, 11, 0), "minute") == 36 * 60


def test_elapsed_is_antisymmetric() -> None:
    a, b = local(2026, 9, 30, 10, 0), local(2026, 10, 9, 10, 0)
    assert CAL.elapsed(a, b, "work_hour") == -CAL.elapsed(b, a, "work_hour") == 6 + 7.5 + 1.5


def test_years_without_data_fall_back_to_monday_to_friday() -> None:
    cal = WorkCalendar(DATA)
    assert cal.years_without_data == ()
    assert cal.fallback_notice() is None
    # Thursday 2026-12-31 10:00 + 3 工作日: 2027-01-01 is a Friday and, without data, a workday.
    due = cal.add(local(2026, 12, 31, 10, 0), 3, "work_day")
    assert loc(due) == local(2027, 1, 5, 10, 0)
    assert cal.years_without_data == (2027,)
    assert cal.fallback_used(date(2027, 1, 1))
    assert cal.fallback_used(due)
    assert not cal.fallback_used(date(2026, 12, 31))
    assert cal.fallback_notice() == "2027年节假日数据未录入，按周一至周五计算"
    # Far beyond the data: weekends only.
    assert cal.is_workday(date(2030, 10, 1))  # a Tuesday
    assert not cal.is_workday(date(2030, 10, 5))  # a Saturday
    assert cal.years_without_data == (2027, 2030)
    assert cal.fallback_notice() == "2027年、2030年节假日数据未录入，按周一至周五计算"


def test_long_spans_reach_years_beyond_the_data() -> None:
    start = local(2026, 6, 1, 9, 0)
    due = CAL.add(start, 7.5 * 1000, "work_hour")  # ~4 years of working days
    assert loc(due).year == 2030
    assert CAL.elapsed(start, due, "work_day") == pytest.approx(1000)


def test_elapsed_excluding_pauses() -> None:
    start, end = local(2026, 11, 16, 8, 30), local(2026, 11, 18, 17, 30)  # Mon..Wed: 22.5 h
    assert CAL.elapsed(start, end, "work_hour") == 22.5
    tue = (local(2026, 11, 17), local(2026, 11, 18))
    assert CAL.elapsed_excluding(start, end, "work_hour", [tue]) == 15
    # Overlapping and out-of-range pauses do not count twice or outside the span.
    overlapping = [
        tue,
        (local(2026, 11, 17, 12), local(2026, 11, 17, 23)),
        (local(2026, 11, 1), local(2026, 11, 2)),
    ]
    assert CAL.elapsed_excluding(start, end, "work_hour", overlapping) == 15
    # A pause still running (end None) stops the clock until the end of the span.
    assert CAL.elapsed_excluding(start, end, "work_hour", [(local(2026, 11, 18, 10, 0), None)]) == 16.5
    assert CAL.elapsed_excluding(start, end, "hour", [tue]) == CAL.elapsed(start, end, "hour") - 24
    with pytest.raises(ValueError):
        CAL.elapsed_excluding(end, start, "work_hour", [])
    with pytest.raises(ValueError, match="pause"):
        CAL.elapsed_excluding(start, end, "work_hour", [(tue[1], tue[0])])


def test_configurable_windows_and_weekends() -> None:
    # The vendor example windows 08:00–11:30 and 14:00–20:00 give a 9.5 h 工作日.
    data = CalendarData(work_windows=((time(8), time(11, 30)), (time(14), time(20))), weekends_are_rest=False)
    cal = WorkCalendar(data)
    assert cal.work_day_hours == 9.5
    sat = local(2026, 11, 21, 19, 0)
    assert cal.is_workday(sat.date())
    assert loc(cal.add(sat, 1.5, "work_hour")) == local(2026, 11, 22, 8, 30)
    # A 24-hour emergency window written with 00:00 as its end.
    allday = WorkCalendar(CalendarData(emergency_windows=((time(0), time(0)),)))
    assert allday.elapsed(local(2026, 1, 1), local(2026, 1, 3), "urgent_hour") == 48
    assert loc(allday.add(local(2026, 1, 1, 6), 18, "urgent_hour")) == local(2026, 1, 2, 0, 0)


@pytest.mark.parametrize(
    "windows",
    [
        (),
        ((time(9), time(9)),),
        ((time(22), time(6)),),
        ((time(8), time(12)), (time(11), time(13))),
        ((time(13), time(17)), (time(8), time(12))),
        ((time(8, tzinfo=UTC), time(12)),),
    ],
)
def test_bad_windows_are_refused(windows: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        CalendarData(work_windows=windows)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        CalendarData(holidays=frozenset({date(2026, 1, 1)}), makeup_workdays=frozenset({date(2026, 1, 1)}))
    with pytest.raises(ValueError, match="naive"):
        CAL.add(datetime(2026, 1, 5, 9), 1, "work_hour")
    with pytest.raises(ValueError):
        CAL.add(local(2026, 1, 5, 9), -1, "work_hour")
    with pytest.raises(ValueError):
        CAL.add(local(2026, 1, 5, 9), float("nan"), "work_hour")
    with pytest.raises(ValueError):
        CAL.add(local(2026, 1, 5, 9), 1, "fortnight")
    with pytest.raises(ValueError):
        CAL.elapsed(local(2026, 1, 5, 9), local(2026, 1, 5, 10), "fortnight")


def test_is_working_time_is_half_open() -> None:
    assert CAL.is_working_time(local(2026, 11, 20, 8, 30))
    assert not CAL.is_working_time(local(2026, 11, 20, 17, 30))
    assert not CAL.is_working_time(local(2026, 10, 2, 10, 0))
    assert CAL.is_working_time(local(2026, 10, 2, 10, 0), "urgent_hour")
    assert CAL.is_working_time(local(2026, 10, 2, 3, 0), "hour")


# ---- properties -----------------------------------------------------------------------------------------

WORK_UNITS = [Unit.WORK_HOUR, Unit.WORK_DAY, Unit.URGENT_HOUR]
BOUNDARIES = [0, 7 * 3600, 8.5 * 3600, 12 * 3600, 13.5 * 3600, 17.5 * 3600, 22 * 3600, 86399]


@st.composite
def instants(draw: st.DrawFn) -> datetime:
    """Local instants from mid-2025 to 2030, often exactly on a window boundary."""
    day = draw(st.integers(date(2025, 6, 1).toordinal(), date(2030, 12, 31).toordinal()))
    sod = draw(st.sampled_from(BOUNDARIES) | st.integers(0, 86399).map(float))
    d = date.fromordinal(day)
    return datetime(d.year, d.month, d.day, tzinfo=SH) + timedelta(seconds=sod)


amounts = st.floats(0, 200, allow_nan=False) | st.sampled_from([0.0, 0.5, 1.0, 3.5, 4.0, 7.5, 15.0])


def reference_elapsed_seconds(start: datetime, end: datetime, unit: Unit) -> float:
    """Slow oracle: sum the overlap of [start, end] with each day's windows, as aware datetimes."""
    windows = DATA.emergency_windows if unit is Unit.URGENT_HOUR else DATA.work_windows
    total = 0.0
    day = loc(start).date()
    while day <= loc(end).date():
        counted = unit is Unit.URGENT_HOUR or (
            day in DATA.makeup_workdays or (day not in DATA.holidays and day.weekday() < 5)
        )
        if counted:
            for ws, we in windows:
                lo = max(start, datetime.combine(day, ws, SH))
                hi = min(end, datetime.combine(day, we, SH))
                if lo < hi:
                    total += (hi - lo).total_seconds()
        day += timedelta(days=1)
    return total


def unit_seconds(unit: Unit) -> float:
    return CAL.work_day_hours * 3600 if unit is Unit.WORK_DAY else 3600.0


def in_working_interval(at: datetime, unit: Unit) -> bool:
    local_at = loc(at)
    windows = DATA.emergency_windows if unit is Unit.URGENT_HOUR else DATA.work_windows
    if unit is not Unit.URGENT_HOUR and not CAL.is_workday(local_at.date()):
        return False
    t = local_at.time()
    return any(ws <= t <= we for ws, we in windows)


@settings(max_examples=300, deadline=None)
@given(start=instants(), amount=amounts, unit=st.sampled_from(WORK_UNITS))
def test_add_lands_in_working_time_and_round_trips(start: datetime, amount: float, unit: Unit) -> None:
    if unit is Unit.WORK_DAY:
        amount /= 7.5
    due = CAL.add(start, amount, unit)
    assert due >= start
    assert abs(CAL.elapsed(start, due, unit) - amount) * unit_seconds(unit) < 1
    # The independent oracle agrees with the calendar's own clock.
    assert abs(reference_elapsed_seconds(start, due, unit) - amount * unit_seconds(unit)) < 1
    if amount * unit_seconds(unit) >= 1e-6:
        assert in_working_interval(due, unit)
        # Earliest such instant: one second less has not used the amount up yet.
        if amount * unit_seconds(unit) > 2:
            assert CAL.elapsed(start, due - timedelta(seconds=1), unit) < amount
    else:
        assert due == start


@settings(max_examples=200, deadline=None)
@given(start=instants(), a=amounts, b=amounts, unit=st.sampled_from(WORK_UNITS))
def test_add_is_monotonic_in_amount(start: datetime, a: float, b: float, unit: Unit) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add(start, lo, unit) <= CAL.add(start, hi, unit)


@settings(max_examples=200, deadline=None)
@given(a=instants(), b=instants(), c=instants(), unit=st.sampled_from(list(Unit)))
def test_elapsed_is_additive(a: datetime, b: datetime, c: datetime, unit: Unit) -> None:
    total = CAL.elapsed(a, c, unit)
    assert CAL.elapsed(a, b, unit) + CAL.elapsed(b, c, unit) == pytest.approx(total, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(a=instants(), b=instants(), unit=st.sampled_from(WORK_UNITS))
def test_elapsed_matches_reference(a: datetime, b: datetime, unit: Unit) -> None:
    assume(a <= b)
    expected = reference_elapsed_seconds(a, b, unit) / unit_seconds(unit)
    assert CAL.elapsed(a, b, unit) == pytest.approx(expected, abs=1e-6)


@settings(max_examples=150, deadline=None)
@given(
    a=instants(),
    b=instants(),
    pauses=st.lists(st.tuples(instants(), instants()).map(sorted).map(tuple), max_size=4),
    unit=st.sampled_from(list(Unit)),
)
def test_pauses_only_ever_remove_time(
    a: datetime, b: datetime, pauses: list[tuple[datetime, datetime]], unit: Unit
) -> None:
    assume(a <= b)
    full = CAL.elapsed(a, b, unit)
    net = CAL.elapsed_excluding(a, b, unit, pauses)
    assert -1e-6 <= net <= full + 1e-6
    # Splitting the span at a pause boundary and dropping the paused part gives the same answer.
    if len(pauses) == 1:
        p0, p1 = pauses[0]
        lo, hi = min(max(p0, a), b), max(min(p1, b), a)
        expected = CAL.elapsed(a, lo, unit) + CAL.elapsed(hi, b, unit) if lo < hi else full
        assert net == pytest.approx(expected, abs=1e-6)
