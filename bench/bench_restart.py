"""Restart time: `make run` on an existing database until `/healthz` answers (the issue's ≤ 3 s), and the
first grid lookup after it (which waits for the background warm-up of the grid index and gazetteer).

    .venv/bin/python bench/bench_restart.py [--runs 5] [--port 8765]

Without the database `make run` makes (var/), a first, unmeasured run creates it. Each run starts
`make run` (bootstrap check, compileall, `chengguan up`: migration check, demo check, app, uvicorn), polls
`/healthz` every 20 ms, reads the server process's CPU seconds from /proc (wall time depends on the other
jobs of a shared machine, CPU time does not), then stops it. Prints a Markdown table; JSON to bench/out/restart.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import time
from pathlib import Path

import httpx
from common import OUT, ROOT, machine


def _cpu(pid: int, children: bool = False) -> float:
    f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    i = 13 if children else 11  # utime, stime (or cutime, cstime) after the ")"
    return (int(f[i]) + int(f[i + 1])) / os.sysconf("SC_CLK_TCK")


def _server_pid(make_pid: int) -> int | None:
    out = subprocess.run(["pgrep", "-n", "-f", "bin/chengguan up"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def one(port: int, limit: float = 120) -> dict[str, float]:
    t0 = time.perf_counter()
    mk = subprocess.Popen(["make", "run"], cwd=ROOT, env={**os.environ, "PORT": str(port)},
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=2) as c:
            while True:
                try:
                    if c.get(f"{url}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.perf_counter() - t0 > limit:
                    raise SystemExit(f"server did not answer within {limit:.0f} s")
                time.sleep(0.02)
            wall = time.perf_counter() - t0
            pid = _server_pid(mk.pid)
            cpu = _cpu(pid) if pid else float("nan")
            before = _cpu(mk.pid, children=True)  # bootstrap.sh and compileall, already reaped by make
            t1 = time.perf_counter()
            r = c.get(f"{url}/api/v1/grids/locate", params={"lon": 121.17, "lat": 31.89}, timeout=120)
            first_locate = time.perf_counter() - t1
            assert r.status_code in (200, 404), r.text
    finally:
        os.killpg(mk.pid, signal.SIGTERM)
        mk.wait(30)
        # the server shuts down gracefully (worker, database): the next run must not meet it still there
        t_stop = time.perf_counter()
        while _server_pid(mk.pid) is not None and time.perf_counter() - t_stop < 60:
            time.sleep(0.1)
    return {"wall_s": wall, "server_cpu_s": cpu, "before_server_cpu_s": before, "first_locate_s": first_locate}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--port", type=int, default=8765)
    a = ap.parse_args()
    if not (ROOT / "var").exists():
        print("first `make run` (creates the database; not measured) …", flush=True)
        one(a.port, limit=900)
    runs = [one(a.port) for _ in range(a.runs)]
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    report = {"machine": machine(), "load": os.getloadavg(), "runs": runs, "median": med}
    OUT.mkdir(exist_ok=True)
    (OUT / "restart.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(f"machine: {machine()}; load average {os.getloadavg()}")
    print("| run | to /healthz, wall s | server CPU s | before the server (bootstrap, compileall) CPU s | "
          "first locate after, s |\n|---|---:|---:|---:|---:|")
    for i, r in enumerate(runs, 1):
        print(f"| {i} | {r['wall_s']:.2f} | {r['server_cpu_s']:.2f} | {r['before_server_cpu_s']:.2f} | "
              f"{r['first_locate_s']:.2f} |")
    print(f"| median | {med['wall_s']:.2f} | {med['server_cpu_s']:.2f} | {med['before_server_cpu_s']:.2f} | "
          f"{med['first_locate_s']:.2f} |")


if __name__ == "__main__":
    main()
