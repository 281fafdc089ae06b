"""Enforcement benchmark: officers' work list and the case page with 100k enforcement cases, and the decision
PDF — in-process at the service layer and through HTTP (uvicorn, one worker, real logins).

    .venv/bin/python bench/bench_enforcement.py [--cases 100000] [--url sqlite:///…|postgresql+psycopg://…]
                                                [--no-http]

Builds a fresh database by migrations plus the small demo city (accounts), adds 52 more officers (60 in all,
each with a login), bulk-inserts N enforcement cases (10 events, 2 timers, 3 documents, 2 records, 2 pieces of
evidence, 1 measure and 1 transfer each for 10 % of them, 3 events + 1 timer for the rest) spread over the 60
officers, then times ``service.work_list`` (mine, page 1; and the region-wide list) and ``views.detail`` (the
case page payload) for random officers/cases, and ``documents.render`` of a 行政处罚决定书. Then the same three
reads through HTTP: ``GET /api/v1/enforcement/cases?mine=…`` and ``GET /api/v1/enforcement/cases/{id}`` with each
officer's bearer token, one request at a time (the latency one user sees), reporting wall-clock p50/p95/max
and the server process's CPU time per request (utime+stime from /proc: on a shared, loaded machine the wall
time includes waiting for a core, the CPU time does not).
"""

from __future__ import annotations

import argparse
import os
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


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def line(name: str, xs: list[float], cpu_ms: float | None = None) -> str:
    extra = f"  cpu={cpu_ms:6.1f} ms/req" if cpu_ms is not None else ""
    return (f"{name:26s} n={len(xs)}  p50={statistics.median(xs):6.1f} ms  p95={pct(xs, 95):6.1f} ms  "
            f"max={max(xs):6.1f} ms{extra}")


def main() -> None:  # noqa: C901  (one linear script)
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--url", default=None)
    ap.add_argument("--samples", type=int, default=300)
    ap.add_argument("--pdf-runs", type=int, default=30)
    ap.add_argument("--no-http", action="store_true", help="only the in-process (service-level) timings")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="cg-enf-bench-"))
    url = args.url or f"sqlite:///{tmp / 'bench.db'}"
    os.environ["CHENGGUAN_DATABASE_URL"] = url
    os.environ["CHENGGUAN_DATA_DIR"] = str(tmp / "data")
    from common import cli, env_for, machine, server
    from sqlalchemy import func, insert, select, text
    from sqlalchemy.orm import Session

    from chengguan.accounts.models import User, UserRole
    from chengguan.accounts.principal import Grant, Principal
    from chengguan.core import db, migrate
    from chengguan.core import registry as _registry  # noqa: F401
    from chengguan.enforcement import documents, service, views
    from chengguan.enforcement.models import (
        EnforcementCase,
        EnforcementDocument,
        EnforcementEvent,
        EnforcementEvidence,
        EnforcementMeasure,
        EnforcementRecord,
        EnforcementTimer,
        EnforcementTransfer,
    )

    if url.startswith("postgresql"):
        from common import recreate_pg

        recreate_pg(url)
    migrate.upgrade(url)
    env = {**env_for(url, tmp / "data"), "CHENGGUAN_LOGIN_RATE_LIMIT_PER_MINUTE": "1000000"}
    cli(["demo", "load", "--scale", "small", "--history-days", "0"], env)
    engine = db.make_engine(url=url)
    db.set_engine(engine)
    rng = random.Random(7)
    now = datetime.now(UTC)
    statuses = ["lead", "registered", "investigated", "notified", "decided", "served", "closed", "archived"]
    streets = [f"320614{i:03d}" for i in range(1, 11)]
    t0 = time.perf_counter()
    with engine.begin() as conn:
        # 60 officers with logins: the demo's officers plus bench officers (same password as the demo's)
        demo = conn.execute(select(User.id, User.username, User.password_hash).join(UserRole, UserRole.user_id == User.id)
                            .where(UserRole.role == "officer").order_by(User.id)).all()
        users = {r[0]: r[1] for r in demo}
        start_uid = int(conn.scalar(select(func.max(User.id))) or 0) + 1
        for k in range(60 - len(users)):
            uid = start_uid + k
            conn.execute(insert(User), [dict(id=uid, username=f"bench_officer{k}", display_name=f"执法队员{k}",
                                             password_hash=demo[0][2], is_active=True, is_demo=True, token_version=0,
                                             created_at=now, updated_at=now)])
            conn.execute(insert(UserRole), [dict(user_id=uid, role="officer", region_code=streets[k % 10])])
            users[uid] = f"bench_officer{k}"
        officers = sorted(users)
        base = int(conn.scalar(select(func.max(EnforcementCase.id))) or 0)
        batch: list[dict] = []
        for i in range(base + 1, base + args.cases + 1):
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
        ev, tm, dc, rc, evd, ms, tr = [], [], [], [], [], [], []
        items = [{"name": "三轮车", "quantity": "1辆"}, {"name": "遮阳伞", "quantity": "2把"}]
        for i in range(base + 1, base + args.cases + 1):
            rich = i % 10 == 0
            for s in range(1, (11 if rich else 4)):
                ev.append(dict(case_id=i, seq=s, at=now, action="act", actor_id=officers[0], actor_name="执法队员",
                               from_status="registered", to_status="registered", data={}))
            for k in range(2 if rich else 1):
                tm.append(dict(case_id=i, kind=f"t{k}", label="期限", started_at=now, due_at=now + timedelta(days=k + 1)))
            if rich:
                for _ in range(3):
                    dc.append(dict(case_id=i, doc_type="inquiry_record", year=2026, number=None, doc_no=None,
                                   title="询问笔录", issued_at=now, data={}))
                for _ in range(2):
                    rc.append(dict(case_id=i, kind="inquiry", started_at=now, officer_ids=officers[:2],
                                   participants=[], content="问答" * 50, party_signed=True, created_at=now))
                    evd.append(dict(case_id=i, kind="documentary", title="书证", collected_at=now,
                                    officer_ids=officers[:2], from_monitoring=False))
                ms.append(dict(case_id=i, kind="seize", items=items, officer_ids=officers[:2], started_at=now,
                               days=30, due_at=now + timedelta(days=30)))
                tr.append(dict(case_id=i, kind="agency", receiver="区市场监督管理局", reason="不属于本机关管辖",
                               items=[], reported_at=now, sent_at=now))
            if len(ev) > 20000:
                conn.execute(insert(EnforcementEvent), ev)
                conn.execute(insert(EnforcementTimer), tm)
                ev, tm = [], []
        for model, rows in ((EnforcementEvent, ev), (EnforcementTimer, tm), (EnforcementDocument, dc),
                            (EnforcementRecord, rc), (EnforcementEvidence, evd), (EnforcementMeasure, ms),
                            (EnforcementTransfer, tr)):
            if rows:
                conn.execute(insert(model), rows)
        if url.startswith("postgresql"):  # explicit ids: move the sequences past them
            for table in ("users", "user_roles", "enf_cases"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        conn.execute(text("ANALYZE"))
    if url.startswith("postgresql"):
        # as a maintained database would be (autovacuum): hint bits and the visibility map set, so the timed
        # reads are not the first touch of freshly bulk-loaded pages
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) enf_cases, enf_events, enf_timers, enf_documents, enf_records, "
                              "enf_evidence, enf_measures, enf_transfers, users, user_roles"))
    load_s = time.perf_counter() - t0
    case_ids = list(range(base + 1, base + args.cases + 1))

    def principal(uid: int) -> Principal:
        return Principal(user_id=uid, username=users[uid], display_name="执法队员", department_id=None,
                         grants=(Grant("officer", "320614", None),))

    results: dict[str, list[float]] = {"work list (mine)": [], "work list (region)": [], "case page": []}
    with Session(engine) as session:
        # warm-up
        service.work_list(session, principal(officers[0]), mine=True)
        views.detail(session, session.get(EnforcementCase, base + 10))
        for _ in range(args.samples):
            p = principal(rng.choice(officers))
            t = time.perf_counter()
            service.work_list(session, p, mine=True, page=1, page_size=20)
            results["work list (mine)"].append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            service.work_list(session, p, mine=False, page=1, page_size=20)
            results["work list (region)"].append((time.perf_counter() - t) * 1000)
            cid = rng.choice(case_ids)
            session.expunge_all()
            t = time.perf_counter()
            views.detail(session, session.get(EnforcementCase, cid))
            results["case page"].append((time.perf_counter() - t) * 1000)
        # the decision PDF (a 行政处罚决定书 of a case with the full text)
        ec = session.get(EnforcementCase, base + 20)
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
        own = {uid: [c for (c,) in session.execute(select(EnforcementCase.id).where(
            EnforcementCase.lead_officer_id == uid, EnforcementCase.id > base).limit(500))] for uid in officers}
    engine.dispose()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}")
    print(f"database: {url.split(':')[0]}; {args.cases} enforcement cases loaded in {load_s:.1f} s")
    print("in-process (service layer):")
    for name, xs in results.items():
        print(line(name, xs))
    print(line("decision PDF", pdf_ms) + f"  (template {documents.template_for('penalty_decision')}; "
          f"first render in the process {first_ms:.0f} ms)")
    if args.no_http:
        return

    import httpx

    http: dict[str, list[float]] = {"GET work list (mine)": [], "GET work list (region)": [], "GET case page": []}
    cpu: dict[str, float] = dict.fromkeys(http, 0.0)
    loads = []
    with server("chengguan.app:create_app", env, workers=1) as base_url:
        pid = next(int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and _is_server(p, base_url))
        clients: dict[int, httpx.Client] = {}
        for uid in officers:
            r = httpx.post(base_url + "/api/v1/auth/token", data={"username": users[uid], "password": "demo"},
                           timeout=30)
            r.raise_for_status()
            clients[uid] = httpx.Client(base_url=base_url, timeout=30,
                                        headers={"Authorization": f"Bearer {r.json()['access_token']}"})

        def timed(name: str, client: httpx.Client, path: str, warm: bool = False) -> None:
            c0 = cpu_seconds(pid)
            t = time.perf_counter()
            r = client.get(path)
            dt = (time.perf_counter() - t) * 1000
            c1 = cpu_seconds(pid)
            if r.status_code != 200:
                raise RuntimeError(f"{path}: {r.status_code} {r.text[:300]}")
            if not warm:
                http[name].append(dt)
                cpu[name] += (c1 - c0) * 1000

        for uid in officers[:5]:  # warm-up
            timed("GET work list (mine)", clients[uid], "/api/v1/enforcement/cases?mine=true", warm=True)
            timed("GET case page", clients[uid], f"/api/v1/enforcement/cases/{own[uid][0]}", warm=True)
        for _ in range(args.samples):
            uid = rng.choice(officers)
            c = clients[uid]
            timed("GET work list (mine)", c, "/api/v1/enforcement/cases?mine=true&page=1&page_size=20")
            timed("GET work list (region)", c, "/api/v1/enforcement/cases?mine=false&page=1&page_size=20")
            timed("GET case page", c, f"/api/v1/enforcement/cases/{rng.choice(own[uid])}")
            loads.append(os.getloadavg()[0])
        for c in clients.values():
            c.close()
    print(f"through HTTP (uvicorn, 1 worker, one request at a time; load average during the run "
          f"{min(loads):.1f}–{max(loads):.1f}):")
    for name, xs in http.items():
        print(line(name, xs, cpu[name] / len(xs)))


def _is_server(proc_dir: Path, base_url: str) -> bool:
    """The uvicorn process serving ``base_url`` (its command line names the port)."""
    try:
        cmd = (proc_dir / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    port = base_url.rsplit(":", 1)[1].encode()
    return any(b"uvicorn" in x for x in cmd) and port in cmd


if __name__ == "__main__":
    main()
