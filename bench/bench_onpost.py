"""在岗在位 for a day of 2,000 officers (≥ 17M points) — target ≤ 60 s.

    .venv/bin/python bench/bench_onpost.py [--officers 2000] [--interval 10] [--hours 24]

Points are generated **synthetically in memory** (not read from the database): the city-scale demo city
(citygen, 海门-like, ~123 responsibility grids) is generated, each officer is assigned one responsibility
grid and walks a random walk (≈1 m/s, one fix every ``interval`` s for ``hours``) starting at one of its unit
grids, so some wander out of their area and a few stop reporting for a while (alerts). The timed part is
what the service does after loading the points: ``chengguan.duty.onpost.compute_chunked`` — point → unit grid
for every fix via the raster grid index, time inside, distance, coverage, on-post flag and alerts.
Prints a Markdown table row; JSON goes to bench/out/onpost.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import shapely

from chengguan.demo import citygen
from chengguan.duty.onpost import Params, compute_chunked
from chengguan.geo.coords import metres_per_degree
from chengguan.geo.gridindex import GridIndex

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--officers", type=int, default=2000)
    ap.add_argument("--interval", type=float, default=10.0)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workers", type=int, default=2, help="processes for the member chunks (2 cores)")
    a = ap.parse_args()

    t0 = time.perf_counter()
    city = citygen.generate_city("city", 2026)
    codes = [g.code for g in city.grids]
    index = GridIndex.build(codes, [g.polygon for g in city.grids])
    pos = {c: i for i, c in enumerate(codes)}
    rgrids = [np.array([pos[c] for c in r.grid_codes if c in pos], dtype=np.int64) for r in city.responsibility_grids]
    t_city = time.perf_counter() - t0

    rng = np.random.default_rng(a.seed)
    M = a.officers
    per = int(a.hours * 3600 / a.interval)
    day0 = 1_763_654_400.0  # 2025-11-21 00:00 +08:00, any day works
    assign = rng.integers(0, len(rgrids), M)
    allowed = [rgrids[k] for k in assign]
    t1 = time.perf_counter()
    start_cell = np.array([rng.choice(al) for al in allowed])
    cen = shapely.centroid(index.polygons[start_cell])
    x0, y0 = shapely.get_x(cen), shapely.get_y(cen)
    mx, my = metres_per_degree(float(np.mean(y0)))
    # random walk, ~1 m/s: steps N(0, interval/√2 m) per axis
    step = a.interval / np.sqrt(2)
    lon = (rng.normal(0, step, (M, per)).cumsum(axis=1) / mx + x0[:, None]).ravel()
    lat = (rng.normal(0, step, (M, per)).cumsum(axis=1) / my + y0[:, None]).ravel()
    t = np.tile(day0 + np.arange(per) * a.interval, M)
    member = np.repeat(np.arange(M, dtype=np.int64), per)
    # 2 % of the officers are silent for 30 minutes at noon
    silent = rng.choice(M, M // 50, replace=False)
    noon = int(12 * 3600 / a.interval)
    drop = (silent[:, None] * per + np.arange(noon, noon + int(1800 / a.interval))[None, :]).ravel()
    keep = np.ones(M * per, dtype=bool)
    keep[drop] = False
    member, t, lon, lat = member[keep], t[keep], lon[keep], lat[keep]
    t_gen = time.perf_counter() - t1
    n = len(t)

    start = np.full(M, day0)
    until = np.full(M, day0 + a.hours * 3600)
    t2, c2, ch0 = time.perf_counter(), time.process_time(), os.times()
    res = compute_chunked(index, member, t, lon, lat, n_members=M, allowed=allowed, start=start, until=until,
                  params=Params(), workers=a.workers)
    t_compute = time.perf_counter() - t2
    # CPU seconds of this process and its (joined) workers: the machine is shared
    ch = os.times()
    cpu_compute = (time.process_time() - c2 + ch.children_user - ch0.children_user
                   + ch.children_system - ch0.children_system)

    load = os.getloadavg()
    out = {
        "officers": M, "workers": a.workers, "points": n, "city_grids": len(codes), "responsibility_grids": len(rgrids),
        "city_build_s": round(t_city, 1), "generate_s": round(t_gen, 1), "compute_s": round(t_compute, 1),
        "compute_cpu_s": round(cpu_compute, 1),
        "points_per_s": round(n / t_compute), "on_post": int(res.on_post.sum()),
        "mean_coverage": round(float(np.mean(res.grids_visited / np.maximum(res.grids_total, 1))), 3),
        "mean_distance_km": round(float(res.distance_m.mean() / 1000), 1),
        "alerts": {k: sum(1 for x in res.alerts if x.kind == k) for k in ("silent", "left_area")},
        "load_avg_1_5_15": [round(x, 2) for x in load], "cpus": os.cpu_count(),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "onpost.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False))
    print(f"| {M} | {n:,} | {t_compute:.1f} s wall | {cpu_compute:.1f} s CPU | {n / t_compute / 1e6:.2f} M/s "
          f"| load {load[0]:.1f} |")


if __name__ == "__main__":
    main()
