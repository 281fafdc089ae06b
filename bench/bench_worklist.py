"""Work-list queries at a million cases: a department's open cases with lights, a dispatcher's queue,
the overdue list and cases in a map viewport — through HTTP (uvicorn, 2 workers), one client at a time,
so the latency is what one user sees.

    .venv/bin/python bench/bench_worklist.py [--db NAME] [--cases 1000000] [--scale large] [--reuse]

Builds (unless ``--reuse``) a PostgreSQL database with the demo city at ``--scale`` (no simulated demo
history) plus ``--cases`` from ``chengguan demo bulk`` (a year of history), then times 300 requests per
query after 20 warm-up requests. Prints a Markdown table; JSON goes to bench/out/worklist.json.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

import httpx
from common import OUT, cli, env_for, machine, pg_url, recreate_pg, server
from sqlalchemy import create_engine, text


def _token(url: str, user: str) -> str:
    r = httpx.post(url + "/api/v1/auth/token", data={"username": user, "password": "demo"}, timeout=30)
    r.raise_for_status()
    return str(r.json()["access_token"])


def _time(client: httpx.Client, make_url, n: int = 300, warm: int = 20) -> dict[str, float]:  # type: ignore[no-untyped-def]
    lat = []
    sizes = []
    for i in range(n + warm):
        u = make_url()
        t0 = time.perf_counter()
        r = client.get(u)
        dt = (time.perf_counter() - t0) * 1000
        r.raise_for_status()
        if i >= warm:
            lat.append(dt)
            body = r.json()
            sizes.append(len(body.get("items", body.get("features", []))))
    lat.sort()
    return {"p50_ms": statistics.median(lat), "p95_ms": lat[int(len(lat) * 0.95) - 1],
            "p99_ms": lat[int(len(lat) * 0.99) - 1], "rows": statistics.mean(sizes)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="cg_bench_worklist")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--scale", default="large")
    ap.add_argument("--reuse", action="store_true", help="use the database as it is")
    a = ap.parse_args()
    url = pg_url(a.db)
    data = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = env_for(url, data)
    build = {}
    if not a.reuse:
        recreate_pg(url)
        t0 = time.perf_counter()
        cli(["db", "upgrade"], env)
        cli(["demo", "load", "--scale", a.scale, "--history-days", "0"], env)
        build["city_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cli(["demo", "bulk", "--cases", str(a.cases), "--days", "365"], env)
        build["bulk_s"] = time.perf_counter() - t0
        eng = create_engine(url)
        with eng.connect() as c:
            c.execute(text("COMMIT"))
            c.execute(text("VACUUM ANALYZE"))
    eng = create_engine(url)
    with eng.connect() as c:
        n_cases = c.execute(text("select count(*) from cases")).scalar_one()
        n_open = c.execute(text("select count(*) from cases where status in ('registered','dispatched','fed_back')"))\
            .scalar_one()
        dept = c.execute(text(
            "select r.department_id from user_roles r join users u on u.id = r.user_id where u.username = 'dept1' "
            "and r.department_id is not null")).scalar_one()
        busiest = c.execute(text("select department_id from case_assignments where state = 'active' "
                                 "group by department_id order by count(*) desc limit 1")).scalar_one()
        bbox = c.execute(text("select min(lon), min(lat), max(lon), max(lat) from cases")).one()
    rng = random.Random(1)
    results: dict[str, dict[str, float]] = {}
    with server("chengguan.app:create_app", env) as base:
        admin = {"Authorization": "Bearer " + _token(base, "admin")}
        dispatcher = {"Authorization": "Bearer " + _token(base, "dispatcher1")}
        dept_h = {"Authorization": "Bearer " + _token(base, "dept1")}
        w, h = (bbox[2] - bbox[0]) / 20, (bbox[3] - bbox[1]) / 20  # a street-sized viewport

        def viewport() -> str:
            x, y = rng.uniform(bbox[0], bbox[2] - w), rng.uniform(bbox[1], bbox[3] - h)
            return f"/api/v1/cases/map?bbox={x:.5f},{y:.5f},{x + w:.5f},{y + h:.5f}&limit=2000"

        queries = [
            ("部门待办（dept1，红黄绿灯，第 1 页）", dept_h,
             lambda: f"/api/v1/cases?department={dept}&status=dispatched&page=1&page_size=20"),
            ("最忙部门待办（管理员视角，随机页 1–5）", admin,
             lambda: f"/api/v1/cases?department={busiest}&status=dispatched&page={rng.randint(1, 5)}&page_size=20"),
            ("派遣员待派遣队列（超期优先）", dispatcher, lambda: "/api/v1/cases?status=registered&page=1&page_size=20"),
            ("超期列表（全市）", admin, lambda: "/api/v1/cases?overdue=true&page=1&page_size=20"),
            ("地图视口（约 1/400 城区，最多 2000 点）", admin, viewport),
        ]
        with httpx.Client(base_url=base, timeout=30) as client:
            for name, headers, make in queries:
                client.headers.clear()
                client.headers.update(headers)
                results[name] = _time(client, make)
    report = {"machine": machine(), "cases": n_cases, "open": n_open, "build": build, "results": results}
    OUT.mkdir(exist_ok=True)
    (OUT / "worklist.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"machine: {machine()}\ncases: {n_cases:,} (open in 立案/处置/反馈: {n_open:,}); build: {build}\n")
    print("| query | p50 ms | p95 ms | p99 ms | rows |\n|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['rows']:.0f} |")


if __name__ == "__main__":
    main()
