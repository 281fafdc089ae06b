"""Evaluation formulas against hand-computed examples (no database)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chengguan.core.errors import Invalid
from chengguan.evaluation import formulas as fx
from chengguan.evaluation import service as ev


def test_periods() -> None:
    p = fx.parse_period("2026-02")
    assert (p.start, p.end, p.label) == (date(2026, 2, 1), date(2026, 2, 28), "2026年2月")
    assert p.since.isoformat() == "2026-01-31T16:00:00+00:00"  # local midnight in UTC
    assert fx.parse_period("2026-Q4").start == date(2026, 10, 1)
    assert fx.parse_period("2026-q4").end == date(2026, 12, 31)
    assert fx.parse_period("2026-H1").end == date(2026, 6, 30)
    assert fx.parse_period("2026").end == date(2026, 12, 31)
    c = fx.parse_period("2026-11-01..2026-11-15")
    assert (c.start, c.end) == (date(2026, 11, 1), date(2026, 11, 15))
    assert fx.parse_period(None, today=date(2026, 1, 5)).key == "2025-12"
    assert fx.previous(fx.parse_period("2026-01")).key == "2025-12"
    for bad in ("2026-13", "2026-Q5", "26-01", "2026-11-15..2026-11-01", "x", "2020-01-01..2026-01-01"):
        with pytest.raises(Invalid):
            fx.parse_period(bad)


def test_rates_and_zero_denominators() -> None:
    assert fx.rate(1, 4) == 0.25
    assert fx.rate(0, 0) is None and fx.rate(None, 3) is None
    assert fx.rate_score(0.25) == 25.0
    assert fx.rate_score(0.25, good=False) == 75.0
    assert fx.rate_score(None) is None
    assert fx.fmt_rate(None) == "—" and fx.fmt_rate(0.853) == "85.3%"


def test_score_tables() -> None:
    region1 = ev.SCORE_TABLES.default["region_1"]
    # 一类区域: 0 → 100; 1–2 → 90; 3–4 → 75; 5–6 → 60; 7–8 → 40; ≥ 9 → 0
    assert [fx.table_score(n, region1) for n in (0, 0.4, 1, 2, 3, 4.9, 5, 7, 8, 9, 100)] == [
        100, 100, 90, 90, 75, 75, 60, 40, 40, 0, 0]
    volume = ev.SCORE_TABLES.default["volume"]
    assert [fx.table_score(n, volume) for n in (0, 100, 101, 300, 301, 501, 1201, 2000, 2001)] == [
        0, 0, 40, 40, 60, 75, 90, 90, 100]
    dept = ev.SCORE_TABLES.default["department"]
    assert [fx.table_score(n, dept) for n in (0, 50, 51, 101, 201, 501, 1001)] == [100, 100, 90, 75, 60, 40, 0]
    assert fx.table_score(None, dept) is None


def test_grades() -> None:
    assert [fx.grade(x) for x in (100, 90, 89.99, 75, 60, 59.9, 40, 39.9, 0)] == list("AABBCDDEE")
    assert fx.grade(None) is None


def test_composite_redistributes_missing_weights() -> None:
    w = {"a": 40, "b": 20, "c": 20, "d": 20}
    assert fx.composite({"a": 100, "b": 50, "c": 100, "d": 0}, w) == 70.0
    # d missing: (40·100 + 20·50 + 20·100) / 80
    assert fx.composite({"a": 100, "b": 50, "c": 100, "d": None}, w) == 87.5
    assert fx.composite({}, w) is None
    # only a volume score: nothing to judge → no composite
    assert fx.composite({"a": 100}, {"a": 1, "b": 1}, volume=["a"]) is None


def test_ratio_721() -> None:
    target = {"service": 7, "management": 2, "enforcement": 1}
    assert fx.ratio_score({"service": 70, "management": 20, "enforcement": 10}, target) == 100.0
    # shares .5/.3/.2 vs .7/.2/.1 → distance (.2+.1+.1)/2 = .2 → 80
    assert fx.ratio_score({"service": 5, "management": 3, "enforcement": 2}, target) == 80.0
    assert fx.ratio_score({"service": 0, "management": 0, "enforcement": 0}, target) is None


SETTINGS = {"weights": ev.WEIGHTS.default, "tables": ev.SCORE_TABLES.default, "grades": ev.GRADES.default,
            "dens": ev.DENOMINATORS.default, "outcomes": ev.OUTCOMES.default}
MONTH30 = fx.parse_period("2026-11")  # 30 days


def test_department_row_by_hand() -> None:
    counts = {"dispatched": 2, "returned": 0, "closed": 2, "closed_on_time": 2, "tasks": 3, "disposed": 3,
              "disposed_on_time": 3, "disposed_late": 0, "rework": 1, "extensions": 0}
    ev._derive(counts, ev.DERIVED.default["department"])
    assert counts["should_close"] == 2
    r = ev.score_row(counts, "department", "department", SETTINGS, MONTH30, table_key="department")
    i = r["indicators"]
    assert i["close_rate"]["value"] == 1.0 and i["dispose_on_time_rate"]["value"] == 1.0
    assert i["rework_rate"]["value"] == 0.5 and i["rework_rate"]["score"] == 50.0
    assert i["register_volume"]["score"] == 100.0
    # 100·10% + 100·30% + 100·30% + 50·30% = 85
    assert r["composite"] == 85.0 and r["grade"] == "B"


def test_region_row_by_hand() -> None:
    counts = {"registered": 30, "registered_public": 10, "voided_registered": 0, "suspended": 0, "closed": 20,
              "closed_on_time": 15}
    ev._derive(counts, ev.DERIVED.default["region"])
    r = ev.score_row(counts, "region", "region_1", SETTINGS, MONTH30, n_grids=10, table_key="region_1")
    i = r["indicators"]
    # 监督举报率 1/3 → (1 − 1/3)·100; 3 cases per grid → 75; 结案率 2/3; 按期结案率 1/2
    assert i["public_report_rate"]["score"] == pytest.approx(66.67, abs=0.01)
    assert i["register_volume"]["value"] == 3.0 and i["register_volume"]["score"] == 75.0
    assert i["close_rate"]["score"] == pytest.approx(66.67, abs=0.01)
    assert i["close_on_time_rate"]["score"] == 50.0
    # (66.667·10 + 75·20 + 66.667·30 + 50·40) / 100 = 61.67
    assert r["composite"] == pytest.approx(61.67, abs=0.01) and r["grade"] == "C"
    # 二类区域 (3 per grid → 90), no 按期结案率: (66.667·10 + 90·20 + 66.667·30) / 60
    r2 = ev.score_row(counts, "region", "region_2", SETTINGS, MONTH30, n_grids=10, table_key="region_2")
    assert r2["composite"] == pytest.approx(74.444, abs=0.01)


def test_empty_row_has_no_grade() -> None:
    for group, wk in (("region", "region_1"), ("department", "department"), ("collector", "collector"),
                      ("acceptor", "acceptor"), ("shift_leader", "shift_leader"), ("dispatcher", "dispatcher")):
        counts: dict[str, int] = {}
        ev._derive(counts, ev.DERIVED.default.get(group, {}))
        r = ev.score_row(counts, group, wk, SETTINGS, MONTH30, table_key="region_1" if group == "region" else None)
        assert r["composite"] is None and r["grade"] is None
        assert all(v["value"] is None or ev.INDICATORS[k].kind == "volume" for k, v in r["indicators"].items())


def test_collector_row_by_hand() -> None:
    counts = {"patrol_reports": 10, "registered_patrol": 8, "verified": 4, "verified_on_time": 3, "checks": 5,
              "checks_on_time": 5, "grid_registered": 20, "missed": 2}
    r = ev.score_row(counts, "collector", "collector", SETTINGS, MONTH30)
    # 80·40% + (1 − 0.1)·100·20% + 75·20% + 100·20% = 32 + 18 + 15 + 20 = 85
    assert r["composite"] == 85.0 and r["grade"] == "B"


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=60)
@given(st.dictionaries(st.sampled_from(sorted(ev.COUNTS)), st.integers(min_value=0, max_value=10_000)))
def test_any_counts_score_within_bounds(counts: dict[str, int]) -> None:
    counts = dict(counts)
    ev._derive(counts, ev.DERIVED.default["region"])
    r = ev.score_row(counts, "region", "region_1", SETTINGS, MONTH30, n_grids=3, table_key="region_1")
    assert r["composite"] is None or 0 <= r["composite"] <= 100
    for v in r["indicators"].values():
        assert v["score"] is None or 0 <= v["score"] <= 100
