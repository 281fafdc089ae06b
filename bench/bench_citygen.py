"""Demo-city generation time and size per scale. Run: ``.venv/bin/python bench/bench_citygen.py [scale ...]``.

Each scale is generated once, in a fresh child process so one scale's caches and memory do not affect the
next. Prints wall time, peak resident memory and the entity counts. The components are counted without
being materialised; ``--iterate`` also times streaming them all as ``Component`` objects (what a loader does).
Default scales: small, city, large (large: ~20 s and ~600 MB peak on a 2-core EPYC).
"""

from __future__ import annotations

import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

SCALES = ("small", "city", "large")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def child(scale: str, iterate: bool) -> None:
    from chengguan.demo.citygen import city_counts, generate_city

    t0 = time.perf_counter()
    city = generate_city(scale)  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    stream = None
    if iterate:
        t1 = time.perf_counter()
        n = sum(1 for _ in city.components)
        stream = {"components": n, "seconds": round(time.perf_counter() - t1, 2)}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "scale": scale,
                "seconds": round(seconds, 2),
                "peak_mb": round(peak_mb),
                "counts": city_counts(city),
                "stream": stream,
            },
            ensure_ascii=False,
        )
    )


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        child(argv[1], argv[2] == "1")
        return
    iterate = "--iterate" in argv
    scales = [a for a in argv if a in SCALES] or list(SCALES)
    print(f"python {platform.python_version()} on {cpu_model()}")
    for scale in scales:
        out = subprocess.run(
            [sys.executable, __file__, "--child", scale, "1" if iterate else "0"],
            check=True,
            capture_output=True,
            text=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        counts = ", ".join(f"{k} {v:,}" for k, v in row["counts"].items())
        print(f"{scale:>5}: {row['seconds']:6.2f} s, peak {row['peak_mb']:,} MB | {counts}")
        if row["stream"]:
            print(
                f"       streamed {row['stream']['components']:,} components in {row['stream']['seconds']} s"
            )


if __name__ == "__main__":
    main(sys.argv[1:])
