"""Open311 list cost: ``GET /open311/v2/requests.{json,xml}`` at the spec's 1000-record cap, and
``servicerequestupdates`` over a day, in process (ASGI TestClient, no network), on SQLite.

Usage: ``.venv/bin/python bench/bench_open311.py [n_cases=1200] [runs=7]``. Builds a throwaway database
(migrations + the small demo city), copies its cases until ``n_cases`` lie in the last 90 days, then times
each call (median and max of ``runs``). Prints the machine and a Markdown table; asserts no timing."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine


def main(n_cases: int = 1200, runs: int = 7) -> None:
    import logging

    logging.getLogger("httpx").setLevel(logging.WARNING)
    tmp = Path(tempfile.mkdtemp(prefix="cg-bench-o311-"))
    url = f"sqlite:///{tmp / 'b.db'}"
    os.environ.update(CHENGGUAN_DATABASE_URL=url, CHENGGUAN_DATA_DIR=str(tmp / "data"),
                      CHENGGUAN_ENVIRONMENT="test")
    from fastapi.testclient import TestClient
    from sqlalchemy import func, insert, select

    from chengguan.app import create_app
    from chengguan.cases.models import Case
    from chengguan.core import clock, db, migrate
    from chengguan.core.ratelimit import limiter

    migrate.upgrade(url)
    db.set_engine(db.make_engine(url=url))
    from chengguan.demo import loader

    loader.load(scale="small", seed=2026, progress=False, history_days=10)
    with db.session_scope() as s:
        rows = [dict(r._mapping) for r in s.execute(select(Case.__table__))]
        have = len(rows)
        k = 0
        while have < n_cases:
            for r in rows:
                if have >= n_cases:
                    break
                k += 1
                r2 = {**r, "id": None, "case_no": f"B{k:012d}", "reported_at": clock.now() - (clock.now() - r["reported_at"]) / 2}
                r2.pop("id")
                s.execute(insert(Case.__table__).values(**r2))
                have += 1
        total = s.scalar(select(func.count()).select_from(Case))
    app = create_app()
    client = TestClient(app)
    rows_out = []
    for label, path in [("requests.json (1000 cap)", "/open311/v2/requests.json"),
                        ("requests.xml (1000 cap)", "/open311/v2/requests.xml"),
                        ("requests.json page_size=100", "/open311/v2/requests.json?page_size=100"),
                        ("servicerequestupdates.json (24 h)", "/open311/v2/servicerequestupdates.json"),
                        ("services.json (244)", "/open311/v2/services.json")]:
        times, size, n = [], 0, 0
        for _ in range(runs):
            limiter.reset()
            t = time.perf_counter()
            r = client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text[:300]
            size = len(r.content)
            n = len(r.json()) if path.endswith(".json") or ".json?" in path else r.text.count("<request>")
        rows_out.append((label, n, size, statistics.median(times), max(times)))
    print(f"machine: {machine()}; load: {os.getloadavg()[0]:.1f}")
    print(f"database: SQLite, {total} cases; {runs} runs each\n")
    print("| call | records | bytes | median ms | max ms |\n|---|---:|---:|---:|---:|")
    for label, n, size, med, mx in rows_out:
        print(f"| {label} | {n} | {size:,} | {med:.0f} | {mx:.0f} |")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
