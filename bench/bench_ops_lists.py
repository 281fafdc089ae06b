"""The operations consoles' list and counter requests on a database with many cases (default 1,000,000).

Builds a SQLite database with the small demo city, then bulk-inserts synthetic cases (SQL, copying a demo
case's place and category) with a realistic status mix: ~95 % finished, a few thousand in each open queue,
assignments to dept1's department for the dispatched ones. Then sends, in process through the ASGI app
(TestClient, no network), exactly the requests the consoles send — first page of each work list, the
per-queue counters — as the role that sends them, and reports the median and max of 5 runs.

    .venv/bin/python bench/bench_ops_lists.py [--cases 1000000] [--keep /tmp/ops-bench.db]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, machine

# status → share of the synthetic cases (finished ones dominate a city's history).
MIX = [("closed", 0.93), ("rejected", 0.01), ("voided", 0.005), ("merged", 0.005), ("dispatched", 0.02),
       ("reported", 0.005), ("verifying", 0.005), ("registered", 0.005), ("fed_back", 0.005), ("checked", 0.005),
       ("suspended", 0.005)]

# (console, role, path) — the requests the consoles make on opening (see web/static/js/pages/ops-*.js).
REQUESTS = [
    ("受理 待受理 list", "shiftlead1", "/api/v1/cases?sort=due&status=reported&page=1&page_size=20"),
    ("受理 已办结 list (no total)", "shiftlead1",
     "/api/v1/cases?sort=new&status=closed&status=rejected&status=voided&status=merged&with_total=false&page=1&page_size=20"),
    ("受理 counter 超期", "shiftlead1",
     "/api/v1/cases?status=reported&status=verifying&status=checked&overdue=true&page=1&page_size=1"),
    ("派遣 待派遣 list", "dispatcher1", "/api/v1/cases?sort=due&status=registered&page=1&page_size=20"),
    ("派遣 处置中 list (overdue first)", "dispatcher1", "/api/v1/cases?sort=due&status=dispatched&page=1&page_size=20"),
    ("派遣 处置中 page 200", "dispatcher1", "/api/v1/cases?sort=due&status=dispatched&page=200&page_size=20"),
    ("派遣 待审批 counter", "dispatcher1", "/api/v1/cases?status=dispatched&pending_request=any&page=1&page_size=1"),
    ("处置 待处置 list (department)", "dept1", "/api/v1/cases?sort=due&status=dispatched&department={dept}&page=1&page_size=20"),
    ("城管通 tasks", "collector1", "/api/v1/tasks"),
    ("城管通 history (no total)", "collector1", "/api/v1/cases?mine=true&sort=new&with_total=false&page=1&page_size=10"),
    ("(for comparison) /cases/stats group-by", "dispatcher1", "/api/v1/cases/stats"),
]


def build(path: Path, n: int) -> None:
    url = f"sqlite:///{path}"
    env = {**os.environ, "CHENGGUAN_DATABASE_URL": url, "CHENGGUAN_DATA_DIR": str(path.parent / "data"),
           "CHENGGUAN_ENVIRONMENT": "demo", "CHENGGUAN_LOG_LEVEL": "WARNING"}
    for args in (["db", "upgrade"], ["demo", "load", "--scale", "small", "--history-days", "3"]):
        subprocess.run([str(BIN / "chengguan"), *args], env=env, check=True, stdout=subprocess.DEVNULL)
    import sqlite3

    con = sqlite3.connect(path)
    cols = [r[1] for r in con.execute("pragma table_info(cases)") if r[1] not in ("id", "case_no", "status",
                                                                                  "reported_at", "step_due_at")]
    dept = con.execute("select department_id from users where username='dept1'").fetchone()[0]
    t0 = time.perf_counter()
    start = 0
    for status, share in MIX:
        k = int(n * share)
        # Deadlines spread from 3 days ago to 5 days ahead (some overdue), reported over the last 3 years.
        con.execute(f"""
            with recursive s(i) as (select 1 union all select i + 1 from s where i < {k})
            insert into cases (case_no, status, reported_at, step_due_at, {', '.join(cols)})
            select printf('B%010d', {start} + i), '{status}',
                   strftime('%Y-%m-%d %H:%M:%f', 'now', printf('-%d minutes', ({start} + i) % 1576800)),
                   case when '{status}' in ('closed','rejected','voided','merged') then null
                        else strftime('%Y-%m-%d %H:%M:%f', 'now', printf('%d minutes', (i * 37) % 11520 - 4320)) end,
                   {', '.join('c.' + x for x in cols)}
            from s, (select * from cases where case_no not like 'B%' order by id limit 1) c""")
        start += k
    con.execute(f"""insert into case_assignments (case_id, department_id, lead, state, dispatched_at, due_at, rework)
                    select id, {dept}, 1, 'active', reported_at, step_due_at, 0 from cases
                    where case_no like 'B%' and status = 'dispatched'""")
    con.commit()
    con.execute("analyze")
    con.close()
    print(f"inserted {start:,} cases in {time.perf_counter() - t0:.0f} s")


def run(path: Path) -> list[tuple[str, float, float, int]]:
    os.environ.update({"CHENGGUAN_DATABASE_URL": f"sqlite:///{path}", "CHENGGUAN_DATA_DIR": str(path.parent / "data"),
                       "CHENGGUAN_ENVIRONMENT": "demo", "CHENGGUAN_EMBEDDED_WORKER": "false",
                       "CHENGGUAN_LOG_LEVEL": "WARNING"})
    from fastapi.testclient import TestClient

    from chengguan.app import create_app

    client = TestClient(create_app())
    tokens = {}
    out = []
    dept = None
    for label, user, path_ in REQUESTS:
        if user not in tokens:
            r = client.post("/api/v1/auth/token", data={"username": user, "password": "demo"})
            tokens[user] = {"Authorization": f"Bearer {r.json()['access_token']}"}
            if user == "dept1":
                dept = client.get("/api/v1/auth/me", headers=tokens[user]).json().get("department_id")
        url = path_.format(dept=dept)
        times = []
        status = 0
        for _ in range(5):
            t = time.perf_counter()
            r = client.get(url, headers=tokens[user])
            times.append((time.perf_counter() - t) * 1000)
            status = r.status_code
        out.append((label, statistics.median(times), max(times), status))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="reuse (or create) this database file")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        path = a.keep or Path(d) / "ops.db"
        if not path.exists():
            build(path, a.cases)
        rows = run(path)
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else "?"
    print(f"\nMachine: {machine()}; load average {' '.join(load)}\nSQLite, in-process ASGI, median/max of 5\n")
    print("| request | role | median ms | max ms | status |\n|---|---|---|---|---|")
    for (label, ms, mx, st), (_, user, _) in zip(rows, REQUESTS, strict=True):
        print(f"| {label} | {user} | {ms:.1f} | {mx:.1f} | {st} |")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main()
