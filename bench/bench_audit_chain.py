"""执法全过程记录 and 裁量 throughput. Run: ``.venv/bin/python bench/bench_audit_chain.py [n=5000] [pg]``.

On a fresh database (SQLite file, or PostgreSQL with ``pg``): appends ``n`` audit entries over 50 streams
(one commit per entry, the realistic case, and one commit per 100), verifies every chain, and times
``choose_discretion`` for a party with a credit history. Prints a Markdown table; asserts no timing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine, pg_url, recreate_pg


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    use_pg = "pg" in sys.argv[2:]
    if use_pg:
        url = pg_url("cg_bench_audit")
        recreate_pg(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    import os

    os.environ["CHENGGUAN_DATABASE_URL"] = url
    from chengguan.core import db, migrate
    from chengguan.core.config import reset_settings_cache

    reset_settings_cache()
    import chengguan.core.registry  # noqa: F401

    migrate.upgrade(url)
    db.set_engine(db.make_engine(url=url))
    from chengguan.audit import service as audit
    from chengguan.parties import service as parties
    from chengguan.powers import demo
    from chengguan.powers import service as powers

    t0 = datetime(2026, 11, 20, tzinfo=UTC)
    rows = []

    start = time.perf_counter()
    for i in range(n):
        with db.session_scope() as s:
            audit.record(s, subject=f"enf_case:{i % 50}", action="act", actor_id=1, at=t0 + timedelta(seconds=i),
                         location={"lon": 120.8, "lat": 32.0}, device_id="BWC-1",
                         payload={"i": i, "note": "现场检查记录"}, media=[{"sha256": "a" * 64, "kind": "photo"}])
    dt = time.perf_counter() - start
    rows.append(("record(), one commit each", f"{n / dt:,.0f} entries/s", f"{dt * 1000 / n:.2f} ms/entry"))

    start = time.perf_counter()
    for b in range(n // 100):
        with db.session_scope() as s:
            for j in range(100):
                audit.record(s, subject=f"enf_case:{(b * 100 + j) % 50}", action="act", actor_id=1, at=t0,
                             payload={"i": j})
    dt = time.perf_counter() - start
    rows.append(("record(), 100 per commit", f"{(n // 100) * 100 / dt:,.0f} entries/s", ""))

    with db.session_scope(read_only=True) as s:
        start = time.perf_counter()
        reports = audit.verify(s)
        dt = time.perf_counter() - start
        total = sum(r.entries for r in reports)
        assert all(r.ok for r in reports), [r.as_dict() for r in reports if not r.ok][:2]
    rows.append((f"verify(), {total:,} entries / {len(reports)} chains", f"{total / dt:,.0f} entries/s", f"{dt:.2f} s"))

    with db.session_scope() as s:
        demo.load(s)
        p = parties.find_or_create(s, kind="person", name="测试", id_number="11010519491231002X")
        for k in range(20):
            parties.record_penalty(s, party_id=p.id, power_code="DEMO-CF-0001", decided_on=date(2026, 1, 1) + timedelta(days=k * 15))
        pid = p.id
    with db.session_scope(read_only=True) as s:
        facts = powers.DiscretionFacts(party_id=pid, aggravating=frozenset({"obstruct"}))
        powers.choose_discretion(s, "DEMO-CF-0001", facts=facts, at=date(2026, 11, 20))
        m = 500
        start = time.perf_counter()
        for _ in range(m):
            out = powers.choose_discretion(s, "DEMO-CF-0001", facts=facts, at=date(2026, 11, 20))
        dt = time.perf_counter() - start
    rows.append(("choose_discretion() with a 20-record history", f"{m / dt:,.0f} calls/s", f"{dt * 1000 / m:.2f} ms/call"))
    assert out.tier == "严重"

    print(f"machine: {machine()}; database: {'PostgreSQL' if use_pg else 'SQLite (file, WAL)'}")
    print("| step | rate | time |\n|---|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]} | {r[2]} |")


if __name__ == "__main__":
    main()
