"""Party records limited to the caller's area (parties.service.visible_clause): search and single reads for a
street officer vs a district-wide official, at N parties with one enforcement case each over 10 streets.

    .venv/bin/python bench/bench_parties_scope.py --parties 100000 --samples 200
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.orm import Session

from bench.common import machine


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parties", type=int, default=100_000)
    ap.add_argument("--samples", type=int, default=200)
    args = ap.parse_args()

    from chengguan.accounts.principal import Grant, Principal
    from chengguan.core import migrate
    from chengguan.core.db import make_engine
    from chengguan.core.registry import metadata  # noqa: F401  (all models)
    from chengguan.enforcement.models import EnforcementCase
    from chengguan.parties import service
    from chengguan.parties.models import Party

    db = Path(tempfile.mkdtemp()) / "parties.db"
    url = f"sqlite:///{db}"
    migrate.upgrade(url)
    engine = make_engine(url=url)
    now = datetime.now(UTC)
    rnd = random.Random(7)
    streets = [f"320614{i:03d}" for i in range(1, 11)]
    t0 = time.perf_counter()
    with Session(engine) as s:
        s.execute(insert(Party), [{"kind": "person", "name": f"当事人{i}", "id_type": "其他", "id_number": f"X{i:09d}",
                                   "created_at": now, "updated_at": now} for i in range(1, args.parties + 1)])
        s.execute(insert(EnforcementCase), [
            {"case_no": f"B{i:08d}", "procedure": "ordinary", "status": "registered", "source": "patrol", "cause": "占道",
             "street_code": streets[i % 10], "party_ref_id": i, "party_type": "person", "party_name": f"当事人{i}",
             "created_at": now, "penalty_types": [], "discretion": {}, "notified_penalty": {}}
            for i in range(1, args.parties + 1)])
        s.commit()
    build = time.perf_counter() - t0
    street = Principal(10**9, "bench-officer", "街道执法队员", None, (Grant("officer", streets[0], None),), "bearer")
    district = Principal(10**9 + 1, "bench-reviewer", "法制审核员", None, (Grant("legal_reviewer", "320614", None),),
                         "bearer")

    def timed(fn) -> list[float]:  # type: ignore[no-untyped-def]
        out = []
        for _ in range(args.samples):
            with Session(engine) as s:
                t = time.perf_counter()
                fn(s)
                out.append((time.perf_counter() - t) * 1000)
        return out

    def stats(name: str, xs: list[float]) -> None:
        xs = sorted(xs)
        print(f"| {name} | {statistics.median(xs):.1f} ms | {xs[int(len(xs) * 0.95) - 1]:.1f} ms | {xs[-1]:.1f} ms |")

    print(f"machine: {machine()}; {args.parties} parties + cases built in {build:.1f} s (SQLite file)")
    print("| measure | p50 | p95 | max |\n|---|---|---|---|")
    stats("search page 1, no query, street officer", timed(lambda s: service.search(s, None, None, 1, 20, street)))
    stats("search page 1, no query, district-wide", timed(lambda s: service.search(s, None, None, 1, 20, district)))
    stats("search by name part, street officer",
          timed(lambda s: service.search(s, f"当事人{rnd.randint(1, args.parties)}", None, 1, 20, street)))
    stats("search by ID number, street officer",
          timed(lambda s: service.search(s, f"X{rnd.randint(1, args.parties):09d}", None, 1, 20, street)))
    stats("search by name part, district-wide",
          timed(lambda s: service.search(s, f"当事人{rnd.randint(1, args.parties)}", None, 1, 20, district)))
    stats("search by ID number, district-wide",
          timed(lambda s: service.search(s, f"X{rnd.randint(1, args.parties):09d}", None, 1, 20, district)))
    stats("get_visible (own street), street officer",
          timed(lambda s: service.get_visible(s, street, rnd.randrange(10, args.parties, 10))))


if __name__ == "__main__":
    main()
