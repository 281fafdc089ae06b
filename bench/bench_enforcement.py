"""Enforcement benchmark: officers' work list and the case page with 100k enforcement cases, and the decision
PDF.

    .venv/bin/python bench/bench_enforcement.py [--cases 100000] [--url sqlite:///…|postgresql+psycopg://…]

Builds a fresh database by migrations, bulk-inserts N enforcement cases (10 events, 2 timers, 3 documents,
2 records and 2 pieces of evidence each for 10 % of them, 3 events + 1 timer for the rest) spread over 60
officers, then times ``service.work_list`` (mine, page 1; and the region-wide list) and ``views.detail`` (the
case page payload) for random officers/cases, and ``documents.render`` of a 行政处罚决定书. Reports p50/p95/max in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main() -> None:  # noqa: C901  (one linear script)
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--url", default=None)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--pdf-runs", type=int, default=30)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cg-enf-bench-"))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    import os

    os.environ["CHENGGUAN_DATABASE_URL"] = url
    os.environ["CHENGGUAN_DATA_DIR"] = str(tmp / "data")
    from sqlalchemy import insert, text
    from sqlalchemy.orm import Session

    from chengguan.accounts.principal import Grant, Principal
    from chengguan.core import db, migrate
    from chengguan.core import registry as _registry  # noqa: F401
    from chengguan.enforcement import documents, service, views
    from chengguan.enforcement.models import (
        EnforcementCase,
        EnforcementDocument,
        EnforcementEvent,
        EnforcementEvidence,
        EnforcementRecord,
        EnforcementTimer,
    )

    if url.startswith("postgresql"):
        from common import recreate_pg

        recreate_pg(url)
    migrate.upgrade(url)
    engine = db.make_engine(url=url)
    db.set_engine(engine)
    rng = random.Random(7)
    now = datetime.now(UTC)
    statuses = ["lead", "registered", "investigated", "notified", "decided", "served", "closed", "archived"]
    officers = list(range(1000, 1060))
    streets = [f"320614{i:03d}" for i in range(1, 11)]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        batch: list[dict] = []
        for i in range(1, args.cases + 1):
            st = rng.choice(statuses)
            lead = rng.choice(officers)
            due = now + timedelta(hours=rng.uniform(-200, 2000)) if st not in ("closed", "archived") else None
            batch.append(dict(
                id=i, case_no=f"海城管执案〔2026〕{i:06d}号", procedure="ordinary", status=st, source="patrol",
                cause="擅自占用城市道路设摊经营", party_type="person", party_name=f"当事人{i}", party_id_no=None,
                street_code=rng.choice(streets), lead_officer_id=lead, assist_officer_id=rng.choice(officers),
                created_at=now, registered_at=now, penalty_types=["fine"], fine_amount=500, discretion={},
                notified_penalty={}, next_due_at=due, next_due_label="作出处罚决定（90日）" if due else None,
                last_seq=3, version=1, extensions=0, complex_case=False, major_violation=False, public_interest=False,
                major_rights=False, multi_legal_relations=False, harms_life_or_finance=False, party_minor=False,
                rights_waived=False, hearing_offered=False, cash_collected=False,
                facts="在人行道上摆摊经营", legal_basis="《城市市容和环境卫生管理条例》第三十六条", decision_no=None))
            if len(batch) == 5000:
                conn.execute(insert(EnforcementCase), batch)
                batch = []
        if batch:
            conn.execute(insert(EnforcementCase), batch)
        ev, tm, dc, rc, evd = [], [], [], [], []
        for i in range(1, args.cases + 1):
            rich = i % 10 == 0
            for s in range(1, (11 if rich else 4)):
                ev.append(dict(case_id=i, seq=s, at=now, action="act", actor_id=1000, actor_name="执法队员",
                               from_status="registered", to_status="registered", data={}))
            for k in range(2 if rich else 1):
                tm.append(dict(case_id=i, kind=f"t{k}", label="期限", started_at=now, due_at=now + timedelta(days=k + 1)))
            if rich:
                for _ in range(3):
                    dc.append(dict(case_id=i, doc_type="inquiry_record", year=2026, number=None, doc_no=None,
                                   title="询问笔录", issued_at=now, data={}))
                for _ in range(2):
                    rc.append(dict(case_id=i, kind="inquiry", started_at=now, officer_ids=[1000, 1001],
                                   participants=[], content="问答" * 50, party_signed=True, created_at=now))
                    evd.append(dict(case_id=i, kind="documentary", title="书证", collected_at=now,
                                    officer_ids=[1000, 1001], from_monitoring=False))
            if len(ev) > 20000:
                conn.execute(insert(EnforcementEvent), ev)
                conn.execute(insert(EnforcementTimer), tm)
                ev, tm = [], []
        for model, rows in ((EnforcementEvent, ev), (EnforcementTimer, tm), (EnforcementDocument, dc),
                            (EnforcementRecord, rc), (EnforcementEvidence, evd)):
            if rows:
                conn.execute(insert(model), rows)
        if url.startswith("postgresql"):
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - t0

    def principal(uid: int) -> Principal:
        return Principal(user_id=uid, username=f"o{uid}", display_name="执法队员", department_id=None,
                         grants=(Grant("officer", "320614", None),))

    results: dict[str, list[float]] = {"work list (mine)": [], "work list (region)": [], "case page": []}
    with Session(engine) as session:
        # warm-up
        service.work_list(session, principal(1000), mine=True)
        views.detail(session, session.get(EnforcementCase, 10))
        for _ in range(args.samples):
            p = principal(rng.choice(officers))
            t = time.perf_counter()
            service.work_list(session, p, mine=True, page=1, page_size=20)
            results["work list (mine)"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            service.work_list(session, p, mine=False, page=1, page_size=20)
            results["work list (region)"].append((time.perf_counter() - t) * 1000)
            cid = rng.randrange(1, args.cases + 1)
            session.expunge_all()
            t = time.perf_counter()
            views.detail(session, session.get(EnforcementCase, cid))
            results["case page"].append((time.perf_counter() - t) * 1000)
        # the decision PDF (a 行政处罚决定书 of a case with the full text)
        ec = session.get(EnforcementCase, 20)
        ec.decided_at, ec.notified_at, ec.decision_no = now, now, "海城管罚决字〔2026〕第1号"
        doc = EnforcementDocument(case_id=ec.id, doc_type="penalty_decision", year=2026, number=1,
                                  doc_no=ec.decision_no, title="行政处罚决定书", issued_at=now,
                                  data={**documents.b_decision(session, ec, {}), "party": documents.party_block(ec),
                                        "agency": "海门区城市管理局", "date": "2026年11月21日", "case_no": ec.case_no})
        pdf_ms = []
        t = time.perf_counter()
        documents.render(session, doc)  # fonts registered once per process
        first_ms = (time.perf_counter() - t) * 1000
        for _ in range(args.pdf_runs):
            t = time.perf_counter()
            documents.render(session, doc)
            pdf_ms.append((time.perf_counter() - t) * 1000)
        session.rollback()
    print(f"database: {url.split(':')[0]}; {args.cases} enforcement cases loaded in {load_s:.1f} s")
    for name, xs in results.items():
        print(f"{name:22s} n={len(xs)}  p50={statistics.median(xs):6.1f} ms  p95={pct(xs, 95):6.1f} ms  "
              f"max={max(xs):6.1f} ms")
    print(f"{'decision PDF':22s} n={len(pdf_ms)}  p50={statistics.median(pdf_ms):6.1f} ms  p95={pct(pdf_ms, 95):6.1f} ms  "
          f"max={max(pdf_ms):6.1f} ms  (template {documents.template_for('penalty_decision')}; "
          f"first render in the process {first_ms:.0f} ms)")


if __name__ == "__main__":
    main()
