"""The command map and the leader dashboard at a million cases (PostgreSQL).

    .venv/bin/python bench/bench_command_map.py [n_cases=1000000] [open_share=0.08] [--reuse]

Builds a benchmark database (``cg_bench_command``): migrations, the small demo city (no history), then
``n_cases`` synthetic cases spread over the unit grids and the last 365 days (``open_share`` of them
still open, the rest closed) with one INSERT … SELECT, ANALYZE. Then times, through the ASGI app with
a leader's bearer token (routing, auth, scope filter, SQL, JSON), the requests the consoles make:
the whole-city viewport (markers capped → server-side clusters), a street-level and a zoom-17
viewport, the grid colouring of a zoom-15 viewport, the counters, the dashboard aggregates and the
overdue list. Median and max of 7 runs after one warm-up. Prints a Markdown table; asserts nothing.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import BIN, machine, pg_url, recreate_pg  # type: ignore[import-not-found]

logging.getLogger("httpx").setLevel(logging.WARNING)

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
N = int(ARGS[0]) if ARGS else 1_000_000
OPEN_SHARE = float(ARGS[1]) if len(ARGS) > 1 else 0.08
URL = pg_url("cg_bench_command")
DATA = Path("/tmp/cg_bench_command")


def build() -> None:
    from sqlalchemy import create_engine, text

    env = {**os.environ, "CHENGGUAN_DATABASE_URL": URL, "CHENGGUAN_DATA_DIR": str(DATA)}
    recreate_pg(URL)
    t = time.perf_counter()
    subprocess.run([str(BIN / "chengguan"), "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([str(BIN / "chengguan"), "demo", "load", "--scale", "small", "--history-days", "1"],
                   env=env, check=True, capture_output=True)
    print(f"- demo city loaded in {time.perf_counter() - t:.0f} s")

    from chengguan.cases.models import Case

    eng = create_engine(URL)
    cols = [c.name for c in Case.__table__.columns if c.name != "id"]
    over = {
        "case_no": "'B' || lpad(i::text, 12, '0')",
        "public_code": "substr(md5(i::text), 1, 12)",
        "status": "CASE WHEN x.r < :open THEN (ARRAY['reported','registered','dispatched','dispatched',"
                  "'dispatched','fed_back','suspended'])[1 + (i % 7)] ELSE 'closed' END",
        "lon": "g.cx + (random() - 0.5) * g.w", "lat": "g.cy + (random() - 0.5) * g.h",
        "grid_code": "g.code", "community_code": "g.community_code", "street_code": "g.street_code",
        "district_code": "g.district_code", "region_class": "g.region_class",
        "reported_at": "x.rep",
        "registered_at": "NULL", "dispatched_at": "NULL",
        "closed_at": "CASE WHEN x.r >= :open THEN x.rep + interval '2 days' END",
        "step": "CASE WHEN x.r < :open THEN 'dispose' END",
        "step_due_at": "CASE WHEN x.r < :open THEN now() + ((random() - 0.2) * interval '3 days') END",
        "step_warn_at": "NULL",
        "urged_at": "CASE WHEN i % 997 = 0 THEN now() END", "merged_into_id": "NULL", "last_seq": "0",
        "version": "1", "source": "'{}'", "description": "'批量基准案件'",
        "category_id": "c.id", "category_code": "c.code", "major_code": "c.major_code", "kind": "c.kind",
        "condition_id": "NULL", "condition_number": "NULL",
    }
    select = ", ".join(f"{over[c]} AS {c}" if c in over else f"t.{c}" for c in cols)
    with eng.begin() as conn:
        t = time.perf_counter()
        tmpl = conn.execute(text("SELECT min(id) FROM cases")).scalar()
        ng = conn.execute(text("SELECT count(*) FROM unit_grids WHERE valid_to IS NULL")).scalar()
        nc = conn.execute(text("SELECT count(*) FROM categories WHERE kind = 'matter'")).scalar()
        if tmpl is None:
            raise SystemExit("the demo city has no case to copy the remaining columns from")
        conn.execute(text(f"""
            WITH g AS (SELECT code, community_code, street_code, district_code, region_class,
                              (min_lon + max_lon) / 2 AS cx, (min_lat + max_lat) / 2 AS cy,
                              (max_lon - min_lon) * 0.6 AS w, (max_lat - min_lat) * 0.6 AS h,
                              row_number() OVER (ORDER BY code) - 1 AS rn
                       FROM unit_grids WHERE valid_to IS NULL),
                 c AS (SELECT id, code, major_code, kind, row_number() OVER (ORDER BY id) - 1 AS rn
                       FROM categories WHERE kind = 'matter')
            INSERT INTO cases ({", ".join(cols)})
            SELECT {select}
            FROM generate_series(1::bigint, :n) AS i
            JOIN g ON g.rn = (i * 7919) % :ng
            JOIN c ON c.rn = ((i * 31) % 97 * (i % 13) + i / 50000) % :nc
            CROSS JOIN LATERAL (SELECT random() + 0 * i AS r, now() - (random() * interval '365 days') AS rep) AS x
            CROSS JOIN (SELECT * FROM cases WHERE id = :tmpl) AS t
        """), {"n": N, "open": OPEN_SHARE, "tmpl": tmpl, "ng": ng, "nc": nc})
        print(f"- {N:,} cases inserted in {time.perf_counter() - t:.0f} s")
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases"))
    eng.dispose()


def measure() -> list[tuple[str, str, float, float, str]]:
    os.environ["CHENGGUAN_DATABASE_URL"] = URL
    os.environ["CHENGGUAN_DATA_DIR"] = str(DATA)
    from fastapi.testclient import TestClient

    from chengguan.app import create_app

    client = TestClient(create_app())
    tok = client.post("/api/v1/auth/token", data={"username": "leader1", "password": "demo"}).json()["access_token"]
    h = {"Authorization": f"Bearer {tok}"}
    city = client.get("/api/v1/city").json()
    b = city["bbox"]
    cx, cy = city["center"]["lon"], city["center"]["lat"]
    whole = ",".join(str(x) for x in b)
    street = f"{cx - 0.03},{cy - 0.02},{cx + 0.03},{cy + 0.02}"
    z15 = f"{cx - 0.012},{cy - 0.007},{cx + 0.012},{cy + 0.007}"
    z17 = f"{cx - 0.003},{cy - 0.0018},{cx + 0.003},{cy + 0.0018}"
    since = "2026-10-23T00:00:00+08:00"
    reqs = [
        ("city viewport, markers (limit 1500 → truncated)", "/api/v1/cases/map", {"bbox": whole, "limit": 1500}),
        ("city viewport, server-side clusters 14×14", "/api/v1/dashboard/clusters", {"bbox": whole, "cells": 14}),
        ("street viewport, markers", "/api/v1/cases/map", {"bbox": street, "limit": 1500}),
        ("street viewport, clusters", "/api/v1/dashboard/clusters", {"bbox": street, "cells": 14}),
        ("zoom-15 viewport, grid colouring", "/api/v1/dashboard/grid-counts", {"bbox": z15}),
        ("zoom-15 viewport, markers", "/api/v1/cases/map", {"bbox": z15, "limit": 1500}),
        ("zoom-17 viewport, markers", "/api/v1/cases/map", {"bbox": z17, "limit": 1500}),
        ("counters (overview)", "/api/v1/dashboard/overview", {}),
        ("trend, 30 days", "/api/v1/dashboard/trend", {"since": since}),
        ("top categories, 30 days", "/api/v1/dashboard/categories", {"since": since}),
        ("hot grids (heat map), 30 days", "/api/v1/dashboard/hot-grids", {"since": since, "limit": 2000}),
        ("department ranking, 30 days", "/api/v1/dashboard/departments", {"since": since}),
        ("overdue list, page 1", "/api/v1/cases", {"overdue": True, "status": ["dispatched", "registered"],
                                                  "page_size": 8}),
        ("big-screen ticker", "/api/v1/dashboard/events", {"limit": 14}),
    ]
    out = []
    for label, path, params in reqs:
        r = client.get(path, params=params, headers=h)
        assert r.status_code == 200, (path, r.text[:300])
        times = []
        for _ in range(7):
            t = time.perf_counter()
            r = client.get(path, params=params, headers=h)
            times.append((time.perf_counter() - t) * 1000)
        j = r.json()
        size = (f"{len(j['items'])} items" if isinstance(j, dict) and "items" in j else
                f"{len(j)} grids" if isinstance(j, dict) and path.endswith("grid-counts") else "")
        if isinstance(j, dict) and j.get("truncated"):
            size += ", truncated"
        if isinstance(j, dict) and "total" in j and path.endswith("clusters"):
            size += f", {j['total']:,} cases"
        out.append((label, path, statistics.median(times), max(times), size))
    return out


if __name__ == "__main__":
    print(f"machine: {machine()}")
    print(f"load: {os.getloadavg()}")
    if "--reuse" not in sys.argv:
        build()
    rows = measure()
    print(f"\n{N:,} cases ({OPEN_SHARE:.0%} open), PostgreSQL, leader1 (whole district)\n")
    print("| request | endpoint | median ms | max ms | answer |")
    print("|---|---|---:|---:|---|")
    for label, path, med, mx, size in rows:
        print(f"| {label} | `{path}` | {med:.0f} | {mx:.0f} | {size} |")
    print(f"\nload after: {os.getloadavg()}")
