"""Point → unit grid throughput. Run: ``.venv/bin/python bench/bench_locate.py [n_side] [n_points]``.

Builds ~100k irregular grids over a city-size extent (a 317 × 317 jittered lattice, ~100 m cells,
each edge bent at a jittered midpoint shared with the neighbour, so grids are 8-vertex polygons that
tile without gaps), throws 1M random points at it (a few percent outside), and times:

* ``GridIndex.build`` (raster + STRtree),
* ``locate_many`` with the default raster method (median of 5 after a warm-up),
* the STRtree + ``intersects_xy`` reference method (stack-notes §6) on the same points,
* scalar ``locate`` in a Python loop,
* ``check_coverage`` on the whole layer.

It also checks that both methods give identical answers.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import box

from chengguan.geo.gridindex import GridIndex, check_coverage

T = TypeVar("T")
LON0, LAT0 = 121.00, 31.75
DX, DY = 0.00105, 0.0009  # ~100 m at 31.9°N


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def make_grids(n: int, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """n × n jittered cells; every edge has a jittered midpoint shared by both neighbours."""
    rng = np.random.default_rng(seed)
    jx = rng.uniform(-0.3, 0.3, (n + 1, n + 1))
    jy = rng.uniform(-0.3, 0.3, (n + 1, n + 1))
    jx[:, [0, -1]] = 0.0  # the layer's outline stays a rectangle
    jy[[0, -1], :] = 0.0
    gx = LON0 + (np.arange(n + 1)[None, :] + jx) * DX
    gy = LAT0 + (np.arange(n + 1)[:, None] + jy) * DY
    # Midpoints of horizontal edges (n+1 rows × n) and vertical edges (n × n+1), bent sideways
    # except on the outline.
    bend_h = rng.uniform(-0.15, 0.15, (n + 1, n))
    bend_h[[0, -1], :] = 0.0
    bend_v = rng.uniform(-0.15, 0.15, (n, n + 1))
    bend_v[:, [0, -1]] = 0.0
    hx = (gx[:, :-1] + gx[:, 1:]) / 2
    hy = (gy[:, :-1] + gy[:, 1:]) / 2 + bend_h * DY
    vx = (gx[:-1, :] + gx[1:, :]) / 2 + bend_v * DX
    vy = (gy[:-1, :] + gy[1:, :]) / 2
    j, i = np.divmod(np.arange(n * n), n)
    ring_x = np.stack([gx[j, i], hx[j, i], gx[j, i + 1], vx[j, i + 1], gx[j + 1, i + 1], hx[j + 1, i],
                       gx[j + 1, i], vx[j, i], gx[j, i]], axis=1)  # fmt: skip
    ring_y = np.stack([gy[j, i], hy[j, i], gy[j, i + 1], vy[j, i + 1], gy[j + 1, i + 1], hy[j + 1, i],
                       gy[j + 1, i], vy[j, i], gy[j, i]], axis=1)  # fmt: skip
    polys = shapely.polygons(np.stack([ring_x, ring_y], axis=2))
    # Codes: 6 district + 3 street + 3 community + 3 sequence (demo numbering).
    codes = [f"320614{(k // 40_000) + 1:03d}{(k // 999) % 999 + 1:03d}{k % 999 + 1:03d}" for k in range(n * n)]
    return codes, polys


def timed(fn: Callable[[], T], runs: int = 1) -> tuple[float, T]:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 317
    n_pts = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    t_make, (codes, polys) = timed(lambda: make_grids(n))
    rng = np.random.default_rng(1)
    margin = 2.0
    x = rng.uniform(LON0 - margin * DX, LON0 + (n + margin) * DX, n_pts)
    y = rng.uniform(LAT0 - margin * DY, LAT0 + (n + margin) * DY, n_pts)

    t_build, gi = timed(lambda: GridIndex.build(codes, list(polys)))
    gi.locate_index_many(x[:10_000], y[:10_000])  # warm-up (page faults on the new arrays)
    t_raster, idx = timed(lambda: gi.locate_index_many(x, y), runs=5)
    t_codes, _ = timed(lambda: gi.locate_many(x, y), runs=3)
    t_tree, ref = timed(lambda: gi.locate_index_many(x, y, method="strtree"))
    mismatches = int(np.count_nonzero(idx != ref))
    k = 50_000
    xs, ys = x[:k].tolist(), y[:k].tolist()
    t_scalar, scalar = timed(lambda: [gi.locate(a, b) for a, b in zip(xs, ys, strict=True)])
    mismatches += sum(a != b for a, b in zip(scalar, gi.codes_of(idx[:k]), strict=True))
    outline = box(LON0, LAT0, LON0 + n * DX, LAT0 + n * DY)
    t_cov, rep = timed(lambda: check_coverage(codes, list(polys), outline))
    st = gi.stats()
    inside = float(np.mean(idx >= 0))

    print(f"# bench_locate — {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"shapely {shapely.__version__} / GEOS {shapely.geos_version_string}")  # fmt: skip
    print(f"grids: {len(codes):,} (8-vertex, ~100 m), points: {n_pts:,} ({inside:.1%} inside a grid)")
    print(f"raster: {st['cells']:,.0f} cells of {st['cell_m']:.1f} m, {st['mixed_fraction']:.0%} mixed, "
          f"{st['candidates_per_mixed']:.2f} candidates per mixed cell, {st['memory_mb']:.0f} MB")  # fmt: skip
    print()
    print("| step | time | rate |")
    print("|---|---:|---:|")
    print(f"| make polygons | {t_make:.2f} s | |")
    print(f"| GridIndex.build | {t_build:.2f} s | {len(codes) / t_build:,.0f} grids/s |")
    print(f"| locate_index_many (raster, median of 5) | {t_raster:.3f} s | **{n_pts / t_raster / 1e6:.2f} M points/s** |")
    print(f"| locate_many → codes (median of 3) | {t_codes:.3f} s | {n_pts / t_codes / 1e6:.2f} M points/s |")
    print(f"| STRtree + intersects_xy (reference) | {t_tree:.3f} s | {n_pts / t_tree / 1e6:.2f} M points/s |")
    print(f"| scalar locate() loop | {t_scalar:.3f} s | {k / t_scalar:,.0f} points/s |")
    print(f"| check_coverage (overlaps, gaps, outside) | {t_cov:.2f} s | ok={rep.ok} |")
    print()
    print(f"raster vs reference (and scalar vs vector): {mismatches} differing answers")
    if mismatches:
        sys.exit(1)


if __name__ == "__main__":
    main()
