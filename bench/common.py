"""Shared helpers for the HTTP benchmarks: a benchmark database, a uvicorn server, wrk, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
OUT = ROOT / "bench" / "out"


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    return f"{cpu}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_url(name: str) -> str:
    base = os.environ.get("CHENGGUAN_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
    return f"{base}/{name}"


def recreate_pg(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')


def env_for(url: str, data_dir: Path) -> dict[str, str]:
    return {**os.environ, "CHENGGUAN_DATABASE_URL": url, "CHENGGUAN_DATA_DIR": str(data_dir),
            "CHENGGUAN_ENVIRONMENT": "demo", "CHENGGUAN_EMBEDDED_WORKER": "false", "CHENGGUAN_LOG_LEVEL": "WARNING"}


def cli(args: list[str], env: dict[str, str]) -> None:
    subprocess.run([str(BIN / "chengguan"), *args], env=env, check=True, stdout=subprocess.DEVNULL)


@contextlib.contextmanager
def server(app: str, env: dict[str, str], workers: int = 2) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "uvicorn"), app, "--factory", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
                            env=env, cwd=ROOT / "bench")
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + float(os.environ.get("BENCH_START_TIMEOUT", "600"))
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# Appended to every wrk script: wrk's own summary has no 95th percentile.
DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("P95_US=%d\\n", latency:percentile(95)))
end
"""


def wrk(url: str, script: Path, *, connections: int = 64, threads: int = 2, seconds: int = 20) -> dict[str, float]:
    """Run wrk with --latency; returns requests/s, latency percentiles (ms) and error counts."""
    if "done = function" not in script.read_text(encoding="utf-8"):
        script.write_text(script.read_text(encoding="utf-8") + DONE_LUA, encoding="utf-8")
    out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    if os.environ.get("BENCH_VERBOSE"):
        print(out)
    res: dict[str, float] = {}
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    res["rps"] = float(m.group(1)) if m else 0.0
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"\s{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)", out)
        if m:
            v, unit = float(m.group(1)), m.group(2)
            res[f"p{pct}_ms"] = v / 1000 if unit == "us" else v * 1000 if unit == "s" else v
    m = re.search(r"P95_US=([\d.]+)", out)
    if m:
        res["p95_ms"] = float(m.group(1)) / 1000
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    res["non_2xx"] = float(m.group(1)) if m else 0.0
    m = re.search(r"(\d+) requests in", out)
    res["requests"] = float(m.group(1)) if m else 0.0
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    res["socket_errors"] = float(sum(int(x) for x in m.groups())) if m else 0.0
    return res
