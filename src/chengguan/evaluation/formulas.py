"""Pure formulas of the evaluation (no database): periods, rates, score tables, composites, grades.

Conventions (documented in docs/evaluation.md):
- A rate with a zero denominator is ``None`` (shown "—"), never 0 and never a division error.
- Rate scores: a "good" rate scores ``rate × 100``, a "bad" rate (漏报率, 返工率, 监督举报率 …) scores
  ``(1 − rate) × 100``. Volume indicators score through a threshold table ``[[min, max|null, score], …]``.
- The composite is the weighted mean of the indicator scores that have a value, the weights of the
  missing ones being redistributed: ``Σ wᵢ·sᵢ / Σ wᵢ`` over available indicators; none available → ``None``.
- Grades: the first ``[grade, min]`` whose minimum the composite reaches (A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from chengguan.core import clock
from chengguan.core.errors import Invalid


@dataclass(frozen=True)
class Period:
    key: str  # as given, normalised (2026-11, 2026-Q4, 2026-H2, 2026, 2026-11-01..2026-11-15)
    label: str  # Chinese label (2026年11月)
    start: date  # first local day
    end: date  # last local day (inclusive)

    @property
    def months(self) -> float:
        """Calendar months covered (1 for YYYY-MM, 3 for a quarter …; days / 30.4375 for a custom range),
        for scaling per-month score tables."""
        if re.fullmatch(r"\d{4}-\d{2}", self.key):
            return 1.0
        if re.fullmatch(r"\d{4}-Q\d", self.key):
            return 3.0
        if re.fullmatch(r"\d{4}-H\d", self.key):
            return 6.0
        if re.fullmatch(r"\d{4}", self.key):
            return 12.0
        return ((self.end - self.start).days + 1) / 30.4375

    @property
    def since(self) -> datetime:
        return _midnight(self.start)

    @property
    def until(self) -> datetime:
        return _midnight(self.end + timedelta(days=1))


def _midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=clock.SHANGHAI).astimezone(UTC)


def _month_end(y: int, m: int) -> date:
    return (date(y + (m == 12), m % 12 + 1, 1)) - timedelta(days=1)


MAX_CUSTOM_DAYS = 731


def parse_period(text: str | None, today: date | None = None) -> Period:
    """``YYYY-MM`` | ``YYYY-Qn`` | ``YYYY-Hn`` | ``YYYY`` | ``YYYY-MM-DD..YYYY-MM-DD`` (both days included).
    Empty → the previous month (the month a bulletin is issued for)."""
    if not text:
        today = today or clock.local(clock.now()).date()
        first = today.replace(day=1) - timedelta(days=1)
        text = f"{first.year:04d}-{first.month:02d}"
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            y, mo = int(m[1]), int(m[2])
            if not 1 <= mo <= 12:
                raise ValueError
            return Period(text, f"{y}年{mo}月", date(y, mo, 1), _month_end(y, mo))
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            y, q = int(m[1]), int(m[2])
            return Period(f"{y}-Q{q}", f"{y}年第{'一二三四'[q - 1]}季度", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
        if m := re.fullmatch(r"(\d{4})-[Hh]([12])", text):
            y, h = int(m[1]), int(m[2])
            return Period(f"{y}-H{h}", f"{y}年{'上下'[h - 1]}半年", date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
        if m := re.fullmatch(r"(\d{4})", text):
            y = int(m[1])
            return Period(text, f"{y}年", date(y, 1, 1), date(y, 12, 31))
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|~)\s*(\d{4}-\d{2}-\d{2})", text):
            a, b = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if b < a:
                raise Invalid("统计时段的结束日期早于开始日期", code="invalid_period")
            if (b - a).days >= MAX_CUSTOM_DAYS:
                raise Invalid(f"自定义时段最长 {MAX_CUSTOM_DAYS} 天", code="invalid_period")
            return Period(f"{a}..{b}", f"{a.year}年{a.month}月{a.day}日至{b.year}年{b.month}月{b.day}日", a, b)
    except ValueError:
        pass
    raise Invalid("统计时段格式应为 YYYY-MM、YYYY-Qn、YYYY-Hn、YYYY 或 YYYY-MM-DD..YYYY-MM-DD",
                  code="invalid_period", details={"period": text})


def previous(p: Period) -> Period:
    """The period of the same length just before ``p`` (month → previous month, used for trends)."""
    if re.fullmatch(r"\d{4}-\d{2}", p.key):
        d = p.start - timedelta(days=1)
        return parse_period(f"{d.year:04d}-{d.month:02d}")
    length = (p.end - p.start).days + 1
    end = p.start - timedelta(days=1)
    start = end - timedelta(days=length - 1)
    return parse_period(f"{start}..{end}")


def rate(num: int | float | None, den: int | float | None) -> float | None:
    if num is None or den is None or den == 0:
        return None
    return float(num) / float(den)


def rate_score(value: float | None, good: bool = True) -> float | None:
    """``rate × 100`` (good) or ``(1 − rate) × 100`` (bad), clamped to 0–100."""
    if value is None:
        return None
    s = value * 100.0 if good else (1.0 - value) * 100.0
    return max(0.0, min(100.0, s))


def table_score(count: float | None, table: Sequence[Sequence[Any]]) -> float | None:
    """Score of a count through ``[[min, max|None, score], …]``: the row with the greatest ``min`` not above
    the count (so averages between integer rows, e.g. 0.4 cases per grid, fall in the lower row; ``max`` is
    documentation). Below every row → 0."""
    if count is None:
        return None
    best: Sequence[Any] | None = None
    for row in table:
        if count >= row[0] and (best is None or row[0] > best[0]):
            best = row
    return float(best[2]) if best is not None else 0.0


def composite(scores: Mapping[str, float | None], weights: Mapping[str, float],
              volume: Sequence[str] = ()) -> float | None:
    """Weighted mean over the indicators that have a score (missing ones' weights redistributed). ``None``
    when no indicator other than the ``volume`` ones has a score: a row with nothing to judge (an empty
    period) gets no grade rather than a perfect one."""
    if not any(scores.get(n) is not None and w > 0 for n, w in weights.items() if n not in volume):
        return None
    total_w = 0.0
    acc = 0.0
    for name, w in weights.items():
        s = scores.get(name)
        if s is None or w <= 0:
            continue
        total_w += w
        acc += w * s
    if total_w == 0:
        return None
    return round(acc / total_w, 2)


DEFAULT_GRADES: list[list[Any]] = [["A", 90], ["B", 75], ["C", 60], ["D", 40], ["E", 0]]
GRADE_COLOURS = {"A": "#2e9d4f", "B": "#2f6fd1", "C": "#e0b100", "D": "#d43c3c", "E": "#222222"}
GRADE_COLOUR_NAMES = {"A": "绿色", "B": "蓝色", "C": "黄色", "D": "红色", "E": "黑色"}


def grade(value: float | None, grades: Sequence[Sequence[Any]] = DEFAULT_GRADES) -> str | None:
    if value is None:
        return None
    for g, lo in sorted(grades, key=lambda r: -float(r[1])):
        if value >= float(lo):
            return str(g)
    return str(sorted(grades, key=lambda r: float(r[1]))[0][0])


def ratio_shares(counts: Mapping[str, int]) -> dict[str, float | None]:
    total = sum(counts.values())
    return {k: rate(v, total) for k, v in counts.items()}


def ratio_score(counts: Mapping[str, int], target: Mapping[str, float]) -> float | None:
    """How close the outcome mix is to the target mix (7:2:1): 100 × (1 − total variation distance)."""
    total = sum(counts.values())
    tsum = sum(target.values())
    if total == 0 or tsum == 0:
        return None
    dist = sum(abs(counts.get(k, 0) / total - target.get(k, 0) / tsum) for k in set(counts) | set(target)) / 2
    return round(100.0 * (1.0 - dist), 2)


def fmt_rate(v: float | None) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def fmt_num(v: float | None) -> str:
    if v is None:
        return "—"
    return f"{v:.2f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)
