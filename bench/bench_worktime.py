"""Throughput of WorkCalendar.add / elapsed. Run: ``.venv/bin/python bench/bench_worktime.py``.

Prints calls per second for typical short spans (the simulation case: step limits of minutes to a few
working days) and for long spans (months), which must stay O(days).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from chengguan.worktime.calendar import WorkCalendar, from_chinese_calendar


def rate(label: str, fn: Callable[[int], object], n: int) -> None:
    fn(min(n, 1000))  # warm the per-day cache and the interpreter
    t0 = time.perf_counter()
    fn(n)
    dt = time.perf_counter() - t0
    print(f"{label:<52} {n / dt:>12,.0f} calls/s  ({dt * 1e6 / n:.2f} µs/call)")


def main() -> None:
    cal = WorkCalendar(from_chinese_calendar(range(2024, 2027)))
    rnd = random.Random(7)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(seconds=rnd.randrange(0, 2 * 365 * 86400)) for _ in range(10_000)]
    short = [rnd.choice([0.25, 0.5, 1, 2, 4, 8, 16, 24]) for _ in starts]
    long_ = [rnd.uniform(300, 800) for _ in starts]  # working hours: 1.5–4 months
    ends = [s + timedelta(hours=rnd.uniform(0, 72)) for s in starts]
    far = [s + timedelta(days=rnd.uniform(60, 120)) for s in starts]
    m = len(starts)

    def loop(unit: str, amounts: list[float]) -> Callable[[int], object]:
        def run(n: int) -> None:
            add = cal.add
            for i in range(n):
                add(starts[i % m], amounts[i % m], unit)

        return run

    def loop_elapsed(unit: str, until: list[datetime]) -> Callable[[int], object]:
        def run(n: int) -> None:
            elapsed = cal.elapsed
            for i in range(n):
                elapsed(starts[i % m], until[i % m], unit)

        return run

    print(f"WorkCalendar, {m} random starts over 2025–2026, Asia/Shanghai")
    rate("add work_hour, short (0.25–24 h)", loop("work_hour", short), 200_000)
    rate("add work_day, short (0.25–24 d)", loop("work_day", short), 200_000)
    rate("add urgent_hour, short", loop("urgent_hour", short), 200_000)
    rate("add hour (natural)", loop("hour", short), 200_000)
    rate("elapsed work_hour, spans 0–72 h", loop_elapsed("work_hour", ends), 200_000)
    rate("add work_hour, long (300–800 h ≈ 1.5–4 months)", loop("work_hour", long_), 20_000)
    rate("elapsed work_hour, spans 60–120 days", loop_elapsed("work_hour", far), 20_000)


if __name__ == "__main__":
    main()
