"""Single point → grid lookups through HTTP (GET /api/v1/grids/locate) on the city-scale demo: latency
percentiles at low concurrency (what one console user sees) and throughput at 16 connections.

    .venv/bin/python bench/bench_locate_http.py [--seconds 15]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

from common import OUT, cli, env_for, machine, server, wrk
from sqlalchemy import create_engine, text

LUA = """
local points = {%s}
request = function()
  local p = points[math.random(#points)]
  return wrk.format("GET", string.format("/api/v1/grids/locate?lon=%%.7f&lat=%%.7f", p[1], p[2]))
end
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=15)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        url = f"sqlite:///{tmp / 'locate.db'}"
        env = env_for(url, tmp / "data")
        cli(["db", "upgrade"], env)
        cli(["demo", "load", "--scale", "city", "--history-days", "0"], env)
        with create_engine(url).connect() as c:
            rows = c.execute(text("select min_lon, min_lat, max_lon, max_lat from unit_grids")).all()
        rnd = random.Random(3)
        pts = [(rnd.uniform(a_, c_), rnd.uniform(b_, d_)) for a_, b_, c_, d_ in rnd.sample(rows, 3000)]
        script = tmp / "locate.lua"
        script.write_text(LUA % ",".join(f"{{{x:.7f},{y:.7f}}}" for x, y in pts), encoding="utf-8")
        results = []
        with server("chengguan.app:create_app", env, workers=1) as base:
            for conns in (1, 4, 16):
                r = wrk(base, script, connections=conns, threads=1, seconds=a.seconds)
                results.append({"connections": conns, **r})
    print(f"\nMachine: {machine()}\nuvicorn 1 worker, city demo (9,546 grids), random points in grid bboxes\n")
    print("| connections | req/s | p50 ms | p95 ms | p99 ms | non-2xx (outside the city) |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['connections']} | {r['rps']:,.0f} | {r.get('p50_ms', 0):.2f} | {r.get('p95_ms', 0):.2f} | "
              f"{r.get('p99_ms', 0):.2f} | {int(r['non_2xx'])} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "locate_http.json").write_text(json.dumps({"machine": machine(), "rows": results}, indent=1))


if __name__ == "__main__":
    main()
