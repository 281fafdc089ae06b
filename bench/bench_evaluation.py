"""One month's full evaluation (every region level, departments, posts) over a million cases on PostgreSQL,
DuckDB scanning the same rows (exported) for the same aggregates as a reference, and the bulletin PDF.

    .venv/bin/python bench/bench_evaluation.py [--db cg_bench_eval] [--cases 1000000] [--scale large]
                                               [--reuse] [--period YYYY-MM] [--runs 5]

Builds (unless ``--reuse``) a PostgreSQL database with the demo city at ``--scale`` and ``--cases`` from
``chengguan demo bulk`` (a year of history). Then, in this process: ``evaluation.service.evaluate_all`` for
the month (median of ``--runs`` after one warm-up, report basis and due basis), the bulletin (gather + PDF),
and DuckDB over the cases and case_events exported to CSV with the same grid/department/post aggregates
(window functions over the raw log). ``--reuse`` first runs ``chengguan db upgrade`` (a database built by an older
version gets the 0860 backfill, timed). Prints a Markdown table; JSON to bench/out/evaluation.json.

PostgreSQL's CPU is summed over every postgres process (the evaluation computes its facts on two helper
connections). Give the server a ``shared_buffers`` that holds the month's working set (4GB was used, see
docs/performance/evaluation.md): with 128 MB the kernel's page cache decides, and some VMs drop it within seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import OUT, cli, env_for, machine, pg_url, recreate_pg

DUCK_FACTS = """
CREATE OR REPLACE TEMP VIEW facts AS
WITH e AS (
  SELECT e.*, c.channel, c.kind, c.grid_code, c.region_class, c.reporter_user_id
  FROM events e JOIN cases c ON c.id = e.case_id
  WHERE c.reported_at >= TIMESTAMPTZ '{since}' AND c.reported_at < TIMESTAMPTZ '{until}'
), w AS (
  SELECT *,
    last_value(department_id IGNORE NULLS) OVER (PARTITION BY case_id ORDER BY seq
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_dept,
    last_value(CASE WHEN action = 'feedback' THEN met_deadline END IGNORE NULLS) OVER (PARTITION BY case_id
      ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_fb_met,
    max(CASE WHEN from_status = 'registered' AND to_status IN ('voided', 'reported') THEN seq END)
      OVER (PARTITION BY case_id) AS last_reg_undo,
    max(CASE WHEN from_status = 'dispatched' AND to_status = 'registered' THEN seq END)
      OVER (PARTITION BY case_id) AS last_disp_undo
  FROM e
)
SELECT *, coalesce(department_id, CASE WHEN action IN ('close', 'check', 'self-dispose') THEN prev_dept END) AS dept,
  CASE WHEN action = 'close' THEN prev_fb_met END AS fb_ok,
  CASE WHEN action = 'register' THEN coalesce(last_reg_undo > seq, false)
       WHEN action = 'dispatch' THEN coalesce(last_disp_undo > seq, false) ELSE false END AS undone
FROM w
"""

S = "sum(CASE WHEN {} THEN 1 ELSE 0 END)"
REGION = {
    "reports": "action = 'report'", "patrol_reports": "action = 'report' AND channel = 'patrol'",
    "public_reports": "action = 'report' AND channel <> 'patrol'",
    "discovered": "action = 'report' AND channel IN ('patrol', 'video')", "registered": "action = 'register'",
    "registered_public": "action = 'register' AND channel <> 'patrol'",
    "voided_registered": "action = 'void' AND from_status = 'registered'",
    "suspended": "action IN ('suspend', 'approve-suspend')", "closed": "action = 'close'",
    "closed_on_time": "action = 'close' AND fb_ok", "tasks": "action = 'dispatch' OR (action = 'check' AND "
    "to_status = 'dispatched')", "disposed": "action = 'feedback'",
    "disposed_on_time": "action = 'feedback' AND met_deadline", "disposed_late": "action = 'feedback' AND NOT met_deadline",
    "rework": "action = 'check' AND to_status = 'dispatched'", "extensions": "action = 'approve-extension'",
    "self_disposed": "action = 'self-dispose'",
}
DEPT = {"dispatched": "action = 'dispatch'", "returned": "from_status = 'dispatched' AND to_status = 'registered'",
        "closed": "action = 'close'", "closed_on_time": "action = 'close' AND fb_ok",
        "tasks": REGION["tasks"], "disposed": "action = 'feedback'", "disposed_on_time": REGION["disposed_on_time"],
        "disposed_late": REGION["disposed_late"], "rework": REGION["rework"], "extensions": REGION["extensions"]}
POST = {"patrol_reports": REGION["patrol_reports"], "verified": "action = 'verify'",
        "verified_on_time": "action = 'verify' AND met_deadline", "checks": "action = 'check'",
        "checks_on_time": "action = 'check' AND met_deadline", "registered": "action = 'register'",
        "registered_on_time": "action = 'register' AND met_deadline",
        "registered_accurate": "action = 'register' AND NOT undone", "closed": "action = 'close'",
        "dispatched": "action = 'dispatch'", "dispatched_on_time": "action = 'dispatch' AND met_deadline",
        "dispatched_accurate": "action = 'dispatch' AND NOT undone",
        "accepted": "actor_role = 'acceptor' AND action IN ('request-verify','register','reject','void','merge')"}


def _agg(key: str, counts: dict[str, str]) -> str:
    cols = ", ".join(f"{S.format(v)} AS {k}" for k, v in counts.items())
    return f"SELECT {key}, {cols} FROM facts GROUP BY {key}"


def _duck(pg: str, since: Any, until: Any, runs: int, tmp: Path) -> dict[str, Any]:
    import duckdb
    import psycopg

    t0 = time.perf_counter()
    with psycopg.connect(pg) as conn, conn.cursor() as cur:
        for name, sql in (
            ("cases", "SELECT id, channel, kind, grid_code, region_class, reporter_user_id, reported_at FROM cases"),
            ("events", "SELECT id, case_id, seq, at, action, met_deadline, from_status, to_status, actor_id, "
                       "actor_role, department_id FROM case_events"),
        ):
            with (tmp / f"{name}.csv").open("wb") as f, cur.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as cp:
                for chunk in cp:
                    f.write(chunk)
    export_s = time.perf_counter() - t0
    con = duckdb.connect()
    t0 = time.perf_counter()
    con.execute(f"CREATE TABLE cases AS SELECT * FROM read_csv_auto('{tmp / 'cases.csv'}')")
    con.execute(f"CREATE TABLE events AS SELECT * FROM read_csv_auto('{tmp / 'events.csv'}')")
    load_s = time.perf_counter() - t0
    times = []
    out: dict[str, Any] = {}
    cpus = []
    con.execute("SET threads TO 1")  # same footing as one PostgreSQL backend
    for i in range(runs + 1):
        t0, c0 = time.perf_counter(), time.process_time()
        con.execute(DUCK_FACTS.format(since=since.isoformat(), until=until.isoformat()))
        # the same facts feed three aggregates, as in PostgreSQL: materialise once per run
        con.execute("CREATE OR REPLACE TEMP TABLE f AS SELECT * FROM facts")
        con.execute("CREATE OR REPLACE TEMP VIEW facts AS SELECT * FROM f")
        region = con.execute(_agg("grid_code", REGION)).fetchall()
        dept = con.execute(_agg("dept", DEPT)).fetchall()
        post = con.execute(_agg("actor_role, actor_id", POST)).fetchall()
        rep = con.execute(_agg("reporter_user_id", {"registered_patrol": "action = 'register' AND "
                                                                          "channel = 'patrol'"})).fetchall()
        dt = time.perf_counter() - t0
        if i:
            times.append(dt)
            cpus.append(time.process_time() - c0)
        out = {"grids": len(region), "departments": len(dept), "posts": len(post), "reporters": len(rep),
               "registered": sum(r[list(REGION).index("registered") + 1] for r in region),
               "closed": sum(r[list(REGION).index("closed") + 1] for r in region)}
    return {"export_s": export_s, "load_s": load_s, "median_s": statistics.median(times), "min_s": min(times),
            "cpu_s": statistics.median(cpus),
            **out}


def pg_cpu() -> float:
    """CPU seconds of every postgres process on this machine (utime + stime from /proc); nan when none."""
    total = 0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            head, _, rest = (d / "stat").read_text().rpartition(")")
        except OSError:
            continue
        if head.endswith("(postgres"):
            f = rest.split()
            total += int(f[11]) + int(f[12])
    return total / os.sysconf("SC_CLK_TCK") if total else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default="cg_bench_eval")
    ap.add_argument("--cases", type=int, default=1_000_000)
    ap.add_argument("--scale", default="large")
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--period", default=None, help="YYYY-MM (default: the last full month)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--skip-duckdb", action="store_true")
    ap.add_argument("--quick", action="store_true", help="only the full evaluations, the bulletin PDF and DuckDB")
    ap.add_argument("--bulletin-period", default=None, help="YYYY-MM (default: the month of --period's end)")
    ap.add_argument("--reference", action="store_true",
                    help="also time the original derivation (evaluate_all(reference=True)) once")
    a = ap.parse_args()
    url = pg_url(a.db)
    data = Path(tempfile.mkdtemp(prefix="cg-bench-"))
    env = env_for(url, data)
    build: dict[str, float] = {}
    if not a.reuse:
        recreate_pg(url)
        t0 = time.perf_counter()
        cli(["db", "upgrade"], env)
        cli(["demo", "load", "--scale", a.scale, "--history-days", "0"], env)
        build["city_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        cli(["demo", "bulk", "--cases", str(a.cases), "--days", "365"], env)
        build["bulk_s"] = time.perf_counter() - t0
    else:  # a database built by an older version: bring it up to date (0860 backfills the event facts)
        t0 = time.perf_counter()
        cli(["db", "upgrade"], env)
        build["upgrade_s"] = time.perf_counter() - t0
    os.environ.update({"CHENGGUAN_DATABASE_URL": url, "CHENGGUAN_DATA_DIR": os.environ.get(
        "CHENGGUAN_DATA_DIR", str(data))})
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    import chengguan.core.registry  # noqa: F401
    from chengguan import routes
    from chengguan.bulletin import service as bulletin
    from chengguan.core import db
    from chengguan.core.config import reset_settings_cache
    from chengguan.evaluation import formulas as fx
    from chengguan.evaluation import service as ev
    from chengguan.system import settings as cfg

    reset_settings_cache()
    eng = db.make_engine(url=url)
    db.set_engine(eng)
    routes.load_all()
    per = fx.parse_period(a.period)
    s = Session(bind=eng)
    facts = {
        "cases": s.execute(text("select count(*) from cases")).scalar_one(),
        "events": s.execute(text("select count(*) from case_events")).scalar_one(),
        "cases_in_month": s.execute(text("select count(*) from cases where reported_at >= :a and reported_at < :b"),
                                    {"a": per.since, "b": per.until}).scalar_one(),
        "events_in_month": s.execute(text("select count(*) from case_events where at >= :a and at < :b"),
                                     {"a": per.since, "b": per.until}).scalar_one(),
    }
    results: dict[str, Any] = {}

    # The machine is shared: wall time depends on the other jobs. CPU time does not: Python's own, and the
    # PostgreSQL server's — every postgres process's utime+stime from /proc (the evaluation computes its facts on
    # two helper connections at once; PostgreSQL's own parallel workers are off there and here), so the background
    # writer's and other databases' work is included too (small on a quiet server).
    s.execute(text("SET max_parallel_workers_per_gather = 0"))

    def timed(label: str, fn: Any, runs: int) -> Any:
        out = fn()  # warm-up
        ts, cpu, pgc = [], [], []
        for _ in range(runs):
            t0, c0, p0 = time.perf_counter(), time.process_time(), pg_cpu()
            out = fn()
            ts.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            pgc.append(pg_cpu() - p0)
        results[label] = {"median_s": statistics.median(ts), "min_s": min(ts), "max_s": max(ts),
                          "python_cpu_s": statistics.median(cpu), "pg_cpu_s": statistics.median(pgc)}
        print(f"  {label}: {results[label]}", flush=True)
        return out

    full = timed("full evaluation (report basis)", lambda: ev.evaluate_all(s, None, per.key), a.runs)
    shape = {"streets": len(full["region"]["street"]), "grids": len(full["region"]["grid"]),
             "departments": len(full["department"]), "posts": len(full["post"])}
    # The grid level comes back as columns whose row dicts are built when read (the API returns a page):
    # also measured with every row of every level built, as a consumer reading them all would.
    timed("full evaluation (report basis), every row built",
          lambda: [list(rows) for rows in ev.evaluate_all(s, None, per.key)["region"].values()], max(2, a.runs // 2))
    # committed, as an administrator's change is: a transaction that has written evaluates serially (its helpers
    # could not see the change); put back afterwards
    before = cfg.value(s, ev.BASIS.key)
    cfg.set_value(s, ev.BASIS.key, "due")
    s.commit()
    s.execute(text("SET max_parallel_workers_per_gather = 0"))
    try:
        timed("full evaluation (due basis)", lambda: ev.evaluate_all(s, None, per.key), a.runs)
    finally:
        cfg.set_value(s, ev.BASIS.key, before)
        s.commit()
        cfg.invalidate()
    s.execute(text("SET max_parallel_workers_per_gather = 0"))
    if not a.quick:
        for unit in ("street", "grid"):
            timed(f"GET region?unit={unit} (one level)",
                  lambda u=unit: ev.evaluate(s, None, "region", per.key, unit=u), max(2, a.runs // 2))
    if a.reference:
        timed("full evaluation (report basis), reference derivation", lambda: ev.evaluate_all(
            s, None, per.key, reference=True), 1)
    bp = a.bulletin_period or per.end.strftime("%Y-%m")
    if not a.quick:
        timed(f"bulletin {bp}: gather (figures only)", lambda: bulletin.gather(s, bp), 2)
    pdf = timed(f"bulletin {bp}: PDF (gather + render)", lambda: bulletin.render(s, None, bp, "pdf"), a.runs)
    results[f"bulletin {bp}: PDF (gather + render)"]["bytes"] = len(pdf[0])
    if not a.quick:
        timed(f"bulletin {bp}: XLSX", lambda: bulletin.render(s, None, bp, "xlsx"), 2)
    s.rollback()
    duck = None
    if not a.skip_duckdb:
        tmp = Path(tempfile.mkdtemp(prefix="cg-duck-"))
        pg = url.replace("postgresql+psycopg://", "postgresql://")
        duck = _duck(pg, per.since, per.until, a.runs, tmp)
        pg_regs = sum(r["counts"]["registered"] for r in full["region"]["district"])
        duck["matches_pg"] = duck["registered"] == pg_regs
    ratio = results["full evaluation (report basis)"]["median_s"] / duck["median_s"] if duck else None
    full_cpu = results["full evaluation (report basis)"]
    cpu_ratio = (full_cpu["python_cpu_s"] + full_cpu["pg_cpu_s"]) / duck["cpu_s"] if duck else None
    report = {"machine": machine(), "load": os.getloadavg(), "period": per.key, "facts": facts, "shape": shape,
              "build": build, "results": results, "duckdb": duck, "pg_over_duckdb": ratio,
              "pg_over_duckdb_cpu": cpu_ratio}
    OUT.mkdir(exist_ok=True)
    (OUT / "evaluation.json").write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str),
                                         encoding="utf-8")
    print(f"machine: {machine()}; load average {os.getloadavg()}; PostgreSQL shared_buffers "
          f"{s.execute(text('SHOW shared_buffers')).scalar_one()}")
    print(f"period {per.key}: {facts}; rows: {shape}; build: {build}\n")
    print("| step | median s (wall) | min s | max s | Python CPU s | PostgreSQL CPU s |\n|---|---:|---:|---:|---:|---:|")
    for k, r in results.items():
        print(f"| {k} | {r['median_s']:.3f} | {r['min_s']:.3f} | {r['max_s']:.3f} | {r['python_cpu_s']:.3f} | "
              f"{r['pg_cpu_s']:.3f} |")
    if duck:
        print(f"| DuckDB same aggregates (in memory) | {duck['median_s']:.3f} | {duck['min_s']:.3f} | | "
              f"{duck['cpu_s']:.3f} | |")
        print(f"\nDuckDB: export {duck['export_s']:.1f} s, load {duck['load_s']:.1f} s, grids {duck['grids']}, "
              f"立案 {duck['registered']} (same as PostgreSQL: {duck['matches_pg']}); "
              f"PostgreSQL / DuckDB = {ratio:.1f}× wall, {cpu_ratio:.1f}× CPU (Python + PostgreSQL vs DuckDB, 1 thread)")



if __name__ == "__main__":
    main()
