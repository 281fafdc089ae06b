"""GPS track ingestion through HTTP: signed batches → POST /api/v1/tracks/batches, uvicorn, wrk.
Target: ≥ 20,000 points/s sustained on 2 cores.

    .venv/bin/python bench/bench_tracks_ingest.py [--seconds 20] [--connections 16] [--batch 500] [--db sqlite,pg]

Set-up: a migrated empty database with ``--devices`` registered devices (no demo city needed). Before the run
the script pre-builds enough distinct signed batches (each its own batch id, distinct points, valid HMAC and a
fresh X-Timestamp) for the target rate × duration × 3 and writes them to a file that the wrk Lua script
loads (wrk cannot compute HMACs fast enough itself); wrk's threads take them in turn. If the pool runs out,
requests repeat and are refused as replays (409, counted as non-2xx). The sustained rate is the number of
points **stored** (counted in the database afterwards) divided by the wrk duration.
uvicorn runs 2 workers on PostgreSQL and 1 on SQLite (one writer anyway). Results: Markdown table; JSON in bench/out/.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import tempfile
import time
from pathlib import Path

from common import OUT, cli, env_for, machine, pg_url, recreate_pg, server, wrk
from sqlalchemy import create_engine, text

SECRET = "bench-secret-for-track-ingestion-0123456789"

LUA = """
local reqs = {}
local idx = 0
local nthreads = %d
local count = 0
setup = function(thread)
  thread:set("tid", count)
  count = count + 1
end
init = function(args)
  for line in io.lines("%s") do
    local dev, ts, sig, body = line:match("([^\\t]*)\\t([^\\t]*)\\t([^\\t]*)\\t(.*)")
    reqs[#reqs + 1] = wrk.format("POST", "/api/v1/tracks/batches",
      {["Content-Type"] = "application/json", ["X-Device"] = dev, ["X-Timestamp"] = ts, ["X-Signature"] = sig},
      body)
  end
  idx = tid
end
request = function()
  local r = reqs[(idx %% #reqs) + 1]
  idx = idx + nthreads
  return r
end
"""


def _proc_cpu(match: str) -> float:
    """CPU seconds (user + system) of the processes whose command line contains ``match``, and of their
    descendants: the uvicorn workers and, for PostgreSQL, the backends serving the benchmark database."""
    tick = os.sysconf("SC_CLK_TCK")
    procs: dict[int, tuple[int, float, str]] = {}
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2:].split()
        procs[int(d.name)] = (int(rest[1]), (int(rest[11]) + int(rest[12])) / tick, cmd)
    roots = {pid for pid, (_, _, cmd) in procs.items() if match in cmd}
    total, seen = 0.0, set()
    stack = list(roots)
    while stack:
        pid = stack.pop()
        if pid in seen or pid not in procs:
            continue
        seen.add(pid)
        total += procs[pid][1]
        stack += [c for c, (pp, _, _) in procs.items() if pp == pid]
    return total


def device_key(code: str) -> bytes:
    return hmac.new(SECRET.encode(), f"track-device:{code}:1".encode(), hashlib.sha256).digest()


def build_batches(path: Path, devices: list[str], n_batches: int, batch: int, seed: int = 3) -> None:
    """Distinct batches: device d's k-th batch holds the fixes of seconds [k*batch, (k+1)*batch) of a
    window that started 60 h ago (well inside the 72 h back-fill limit), one fix per second."""
    rnd = random.Random(seed)
    now = time.time()
    ts = str(int(now))
    base = now - 60 * 3600
    keys = {d: device_key(d) for d in devices}
    per_dev: dict[str, int] = {}
    with path.open("w", encoding="utf-8") as f:
        for i in range(n_batches):
            d = devices[i % len(devices)]
            k = per_dev.get(d, 0)
            per_dev[d] = k + 1
            x, y = 121.10 + rnd.random() * 0.2, 31.80 + rnd.random() * 0.15
            t0 = base + k * batch
            pts = [[round(t0 + j, 3), round(x + j * 1e-5, 7), round(y + j * 1e-5, 7), 5.0] for j in range(batch)]
            body = json.dumps({"batch_id": f"{d}-{k}", "points": pts}, separators=(",", ":"))
            sig = hmac.new(keys[d], ts.encode() + b"\n" + body.encode(), hashlib.sha256).hexdigest()
            f.write(f"{d}\t{ts}\t{sig}\t{body}\n")


def run_one(db: str, a: argparse.Namespace, tmp: Path) -> dict[str, object]:
    url = pg_url("cg_bench_tracks") if db == "pg" else f"sqlite:///{tmp / 'tracks.db'}"
    if db == "pg":
        recreate_pg(url)
    env = {**env_for(url, tmp / f"data-{db}"), "CHENGGUAN_SECRET_KEY": SECRET}
    cli(["db", "upgrade"], env)
    devices = [f"BENCH-{i:05d}" for i in range(a.devices)]
    eng = create_engine(url)
    with eng.begin() as c:
        for d in devices:
            c.execute(text("insert into track_devices (code, kind, holder_name, key_version, key_hint, is_active, "
                           "created_at, updated_at) values (:c, 'phone', '', 1, '', true, :now, :now)"),
                      {"c": d, "now": "2026-01-01 00:00:00"})
    n_batches = int(a.target * a.seconds * 3 / a.batch) + 200
    pool = tmp / f"batches-{db}.tsv"
    t0 = time.perf_counter()
    build_batches(pool, devices, n_batches, a.batch)
    print(f"[{db}] {n_batches} signed batches of {a.batch} points built in {time.perf_counter() - t0:.1f} s "
          f"({pool.stat().st_size / 1e6:.0f} MB)")
    workers = 2 if db == "pg" else 1
    with server("chengguan.app:create_app", env, workers=workers) as base:
        lua = tmp / f"tracks-{db}.lua"
        lua.write_text(LUA % (2, pool), encoding="utf-8")
        port = base.rsplit(":", 1)[1]
        match = f"--port {port}"
        cpu0 = _proc_cpu(match) + (_proc_cpu("cg_bench_tracks") if db == "pg" else 0.0)
        load_before = os.getloadavg()
        res = wrk(base, lua, connections=a.connections, seconds=a.seconds)
        load_after = os.getloadavg()
        cpu = _proc_cpu(match) + (_proc_cpu("cg_bench_tracks") if db == "pg" else 0.0) - cpu0
    with eng.connect() as c:
        stored = int(c.execute(text("select count(*) from track_points")).scalar_one())
        batches = int(c.execute(text("select count(*) from track_batches")).scalar_one())
    eng.dispose()
    return {"db": db, "workers": workers, **res, "points_stored": stored, "batches_stored": batches,
            "points_per_s": round(stored / a.seconds), "batch": a.batch, "server_cpu_s": round(cpu, 1),
            "points_per_cpu_s": round(stored / cpu) if cpu > 0 else None,
            "load_before": [round(x, 1) for x in load_before], "load_after": [round(x, 1) for x in load_after]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--devices", type=int, default=200)
    ap.add_argument("--target", type=int, default=20_000, help="points/s the pool of batches is sized for")
    ap.add_argument("--db", default="sqlite,pg")
    a = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for db in a.db.split(","):
            rows.append(run_one(db, a, Path(d)))
    print(f"\nMachine: {machine()}\n{a.connections} connections, {a.seconds} s, wrk -t2, batches of {a.batch} points\n")
    print("| database | uvicorn workers | batches/s | points stored/s | server CPU s (app + DB) | points per CPU s "
          "| p50 ms | p99 ms | non-2xx | load (1 min) before → after |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['db']} | {r['workers']} | {float(r['rps']):,.0f} | {r['points_per_s']:,} | {r['server_cpu_s']} "
              f"| {r['points_per_cpu_s'] or 0:,} | {r.get('p50_ms', 0):.0f} | {r.get('p99_ms', 0):.0f} "
              f"| {int(r['non_2xx'])} | {r['load_before'][0]} → {r['load_after'][0]} |")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "tracks_ingest.json").write_text(json.dumps({"machine": machine(), "rows": rows}, indent=1),
                                            encoding="utf-8")


if __name__ == "__main__":
    main()
