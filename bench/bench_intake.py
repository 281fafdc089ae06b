"""Report intake through HTTP: POST /api/v1/reports under 64 concurrent clients (wrk), uvicorn with 2 workers,
on PostgreSQL and SQLite; a bare FastAPI endpoint of the same shape in the same run gives the ceiling.

    .venv/bin/python bench/bench_intake.py [--seconds 20] [--connections 64] [--db pg,sqlite]

Each request is a collector's patrol report at a random valid point of the demo city, with its own
Idempotency-Key (so the key table is exercised too). Prints a Markdown table; JSON goes to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from pathlib import Path

import httpx
from common import OUT, cli, env_for, machine, pg_url, recreate_pg, server, wrk
from sqlalchemy import create_engine, text

LUA = """
local points = {%s}
local token = "%s"
counter = 0
request = function()
  counter = counter + 1
  local p = points[math.random(#points)]
  local body = string.format('{"category_code":"%%s","description":"压测上报","lon":%%.7f,"lat":%%.7f}',
                             p[3], p[1], p[2])
  local headers = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token,
                   ["Idempotency-Key"] = string.format("bench-%%d-%%d-%%d", math.random(1, 1e9), counter, os.time())}
  return wrk.format("POST", "/api/v1/reports", headers, body)
end
"""


def points(url: str, n: int = 2000) -> list[tuple[float, float]]:
    eng = create_engine(url.replace("sqlite:///", "sqlite:///"))
    with eng.connect() as c:
        rows = c.execute(text("select min_lon, min_lat, max_lon, max_lat from unit_grids where region_class = 1")).all()
    rnd = random.Random(7)
    out = []
    for minx, miny, maxx, maxy in rnd.sample(rows, min(n, len(rows))):
        out.append(((minx + maxx) / 2, (miny + maxy) / 2))  # grid centre: inside for these convex cells
    return out


def run_one(db: str, seconds: int, connections: int, tmp: Path, reuse_pg: str | None = None) -> dict[str, object]:
    url = pg_url(reuse_pg or "cg_bench_intake") if db == "pg" else f"sqlite:///{tmp / 'intake.db'}"
    env = env_for(url, tmp / f"data-{db}")
    if not (db == "pg" and reuse_pg):
        if db == "pg":
            recreate_pg(url)
        cli(["db", "upgrade"], env)
        cli(["demo", "load", "--scale", "city", "--history-days", "0"], env)
    pts = points(url)
    cats = ["09006", "06010", "09009", "07001", "06012", "06036", "09005"]
    # SQLite writes are serialised anyway: one process avoids cross-process lock hand-off.
    with server("chengguan.app:create_app", env, workers=2 if db == "pg" else 1) as base:
        token = httpx.post(base + "/api/v1/auth/token", data={"username": "collector1", "password": "demo"},
                           timeout=60).json()[
            "access_token"]
        lua = tmp / f"intake-{db}.lua"
        lua.write_text(LUA % (",".join(f"{{{x:.7f},{y:.7f},\"{cats[i % len(cats)]}\"}}" for i, (x, y) in
                                       enumerate(pts)), token), encoding="utf-8")
        # warm up caches (grid index, rules) in both workers
        for x, y in pts[:20]:
            httpx.post(base + "/api/v1/reports", headers={"Authorization": f"Bearer {token}"},
                       json={"category_code": "09006", "description": "预热", "lon": x, "lat": y}, timeout=60)
        res = wrk(base, lua, connections=connections, seconds=seconds)
    return {"db": db, **res}


def run_bare(seconds: int, connections: int, tmp: Path) -> dict[str, object]:
    import os

    lua = tmp / "bare.lua"
    lua.write_text(LUA % ('{121.18,31.89,"09006"}', "x"), encoding="utf-8")
    with server("bare_app:create_app", {**os.environ}) as base:
        res = wrk(base, lua, connections=connections, seconds=seconds)
    return {"db": "bare FastAPI", **res}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--db", default="pg,sqlite")
    ap.add_argument("--reuse-pg", default=None,
                    help="an existing PostgreSQL database (e.g. the large city + 1M cases of bench_worklist.py)")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        rows.append(run_bare(a.seconds, a.connections, tmp))
        for db in a.db.split(","):
            rows.append(run_one(db, a.seconds, a.connections, tmp, a.reuse_pg))
    bare = float(rows[0]["rps"])  # type: ignore[arg-type]
    print(f"\nMachine: {machine()}\n{a.connections} connections, {a.seconds} s, wrk -t2; uvicorn --workers 2 "
          "(bare, PostgreSQL) / 1 (SQLite)\n")
    print("| target | req/s | p50 ms | p90 ms | p99 ms | non-2xx | ratio to bare |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        rps = float(r["rps"])  # type: ignore[arg-type]
        print(f"| {r['db']} | {rps:,.0f} | {r.get('p50_ms', 0):.1f} | {r.get('p90_ms', 0):.1f} | {r.get('p99_ms', 0):.1f} "
              f"| {int(r['non_2xx'])} | {rps / bare:.2f} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "intake.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
