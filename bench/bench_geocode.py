"""Geocoding accuracy and throughput. Run: ``.venv/bin/python bench/bench_geocode.py [n_addresses] [seed]``.

Generates the synthetic gazetteer of :mod:`chengguan.geo.address_testset` (~200 roads, ~40k door
plates, 2k POIs, 600 blocks, 40 zones; demo data), a labelled test set (default 6,000 addresses,
evenly over the classes ``exact``, ``fullwidth``, ``chinese_numerals``, ``alias``, ``missing_parts``,
``typo``), geocodes every address single-threaded and reports top-1 accuracy per class, addresses/s,
latency percentiles and reverse-geocoding speed. A few misses per class are printed for inspection.
"""

from __future__ import annotations

import os
import platform
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from chengguan.geo.address import Geocoder
from chengguan.geo.address_testset import DIFFICULTIES, make_gazetteer, make_testset


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0

    t = time.perf_counter()
    places = make_gazetteer(seed=seed)
    t_gaz = time.perf_counter() - t
    kinds = Counter(p.kind for p in places)
    t = time.perf_counter()
    gc = Geocoder(places)
    t_build = time.perf_counter() - t
    t = time.perf_counter()
    gen_stats: dict[str, int] = {}
    tests = make_testset(places, n, seed=seed + 1, stats=gen_stats)
    t_tests = time.perf_counter() - t
    by_id = {p.id: p for p in places}

    gc.geocode("海门区解放路1号")  # warm-up
    ok: Counter[str] = Counter()
    total: Counter[str] = Counter()
    misses: dict[str, list[str]] = defaultdict(list)
    lat: dict[str, list[float]] = defaultdict(list)
    levels: Counter[str] = Counter()
    t_all = time.perf_counter()
    for text, pid, diff in tests:
        t = time.perf_counter()
        got = gc.geocode(text, limit=5)
        lat[diff].append(time.perf_counter() - t)
        total[diff] += 1
        if got and got[0].place_id == pid:
            ok[diff] += 1
            levels[got[0].level] += 1
        else:
            top = f"{got[0].address} ({got[0].level}, {got[0].score})" if got else "—"
            misses[diff].append(f"{text} → {top}; expected {by_id[pid].name}")
    t_all = time.perf_counter() - t_all

    rng = np.random.default_rng(seed)
    pts = [(p.lon + rng.normal(0, 0.0003), p.lat + rng.normal(0, 0.0003)) for p in random.Random(seed).sample(places, 5000)]
    t = time.perf_counter()
    for x, y in pts:
        gc.reverse(x, y)
    t_rev = time.perf_counter() - t

    print(f"# bench_geocode — {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"gazetteer: {len(places):,} places ({', '.join(f'{k} {v:,}' for k, v in kinds.most_common())})")
    print(f"generated in {t_gaz:.2f} s; Geocoder built in {t_build:.2f} s (jieba load + {len(gc._names):,} names); "
          f"test set of {len(tests):,} in {t_tests:.2f} s")  # fmt: skip
    print()
    print("| class | n | top-1 | median ms | p99 ms |")
    print("|---|---:|---:|---:|---:|")
    for d in DIFFICULTIES:
        if total[d]:
            ls = sorted(lat[d])
            print(f"| {d} | {total[d]} | {ok[d] / total[d]:.1%} | {statistics.median(ls) * 1e3:.2f} | "
                  f"{ls[int(0.99 * (len(ls) - 1))] * 1e3:.2f} |")  # fmt: skip
    all_ok, all_n = sum(ok.values()), sum(total.values())
    print(f"| **all** | {all_n} | **{all_ok / all_n:.1%}** | | |")
    print()
    print(f"forward: **{all_n / t_all:,.0f} addresses/s** single-threaded ({t_all:.2f} s); "
          f"levels of correct answers: {dict(levels)}")  # fmt: skip
    print(f"reverse: {len(pts) / t_rev:,.0f} points/s")
    loose = make_testset(places, 1000, seed=seed + 2, difficulties=("typo",), strict_typos=False)
    loose_ok = sum(bool(g := gc.geocode(t, limit=1)) and g[0].place_id == pid for t, pid, _ in loose)
    print(f"typo, unfiltered (ambiguous slips kept): top-1 {loose_ok / len(loose):.1%} of {len(loose)}")
    tried, rej = gen_stats["typos_tried"], gen_stats["typos_rejected"]
    print(f"typo generator: {rej:,} of {tried:,} candidate typos ({rej / max(tried, 1):.0%}) discarded as "
          "unrecoverable (another name equally near by edit distance, or sounding the same)")  # fmt: skip
    for d in DIFFICULTIES:
        for line in misses[d][:3]:
            print(f"  miss [{d}] {line}")


if __name__ == "__main__":
    main()
