"""Workforce at the seeds' scale: 455 formal officers (each with a certificate) and 1,056 auxiliaries,
a year of monthly legal trainings and quarterly drills with attendance, post exams and a month of
performance records; then the certificate guard (calls/s), the expiry-warning job (first run and the
idempotent re-run), the overdue report and the ranking.

Run: ``.venv/bin/python bench/bench_workforce.py [formal=455] [auxiliary=1056]`` (SQLite in a temp dir;
``CHENGGUAN_BENCH_DATABASE_URL=postgresql+psycopg://…/name`` for PostgreSQL — the database is re-created).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine


def main() -> None:
    n_formal = int(sys.argv[1]) if len(sys.argv) > 1 else 455
    n_aux = int(sys.argv[2]) if len(sys.argv) > 2 else 1056
    tmp = Path(tempfile.mkdtemp(prefix="bench_wf_"))
    url = os.environ.get("CHENGGUAN_BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'wf.db'}"
    if url.startswith("postgresql"):
        from common import recreate_pg

        recreate_pg(url)
    os.environ["CHENGGUAN_DATABASE_URL"] = url
    os.environ["CHENGGUAN_DATA_DIR"] = str(tmp)
    from chengguan.core import clock, db, migrate
    from chengguan.core.config import reset_settings_cache

    reset_settings_cache()
    migrate.upgrade(url)
    import chengguan.routes as routes

    routes.load_all()
    from chengguan.accounts.models import User
    from chengguan.workforce import service as wf
    from chengguan.workforce.models import (
        Certificate,
        ExamResult,
        PerformanceRecord,
        Person,
        TrainingAttendance,
        TrainingCourse,
        TrainingSession,
    )

    rng = random.Random(1)
    now = clock.now()
    today = clock.local(now).date()
    rows: dict[str, float] = {}
    t0 = time.perf_counter()
    with db.session_scope() as s:
        users = [User(username=f"u{i}", display_name=f"u{i}", password_hash="x") for i in range(n_formal + n_aux)]
        s.add_all(users)
        s.flush()
        people = []
        for i, u in enumerate(users):
            formal = i < n_formal
            people.append(Person(user_id=u.id, employee_no=f"E{i:06d}", name=f"人员{i}",
                                 kind="managed" if formal else "auxiliary", force="chengguan" if formal else "xieguan",
                                 street_code=f"320614{100 + i % 12:03d}", post="执法队员" if formal else "协管员",
                                 status="in_post"))
        s.add_all(people)
        s.flush()
        for i, p in enumerate(people[:n_formal]):
            s.add(Certificate(person_id=p.id, number=f"C{i:08d}", issuing_body="南通市人民政府", scope="综合执法",
                              scopes=[], valid_from=today - timedelta(days=900),
                              valid_to=today + timedelta(days=rng.randrange(-20, 1500))))
            s.add(ExamResult(person_id=p.id, title="上岗考试", post="执法队员", taken_on=today - timedelta(days=100),
                             score=88, pass_mark=70, passed=rng.random() > 0.05, recorded_at=now))
            for metric, v in (("cases_handled", rng.randrange(30)), ("on_post_rate", rng.random()),
                              ("training_score", rng.uniform(50, 100)), ("complaints", rng.randrange(4))):
                s.add(PerformanceRecord(person_id=p.id, period="2026-10", metric=metric, value=float(v),
                                        recorded_at=now))
        legal = TrainingCourse(code="L", title="月度法律培训", kind="legal")
        drill = TrainingCourse(code="D", title="季度演练", kind="drill")
        s.add_all([legal, drill])
        s.flush()
        sessions = [TrainingSession(course_id=legal.id, starts_at=now - timedelta(days=30 * m + 5),
                                    ends_at=now - timedelta(days=30 * m + 5) + timedelta(hours=2), status="held")
                    for m in range(12)]
        sessions += [TrainingSession(course_id=drill.id, starts_at=now - timedelta(days=91 * q + 10),
                                     ends_at=now - timedelta(days=91 * q + 10) + timedelta(hours=3), status="held")
                     for q in range(4)]
        s.add_all(sessions)
        s.flush()
        att = [{"session_id": ts.id, "person_id": p.id, "status": "present" if rng.random() < 0.93 else "absent",
                "recorded_at": ts.ends_at} for ts in sessions for p in people]
        from sqlalchemy import insert

        for i in range(0, len(att), 5000):
            s.execute(insert(TrainingAttendance), att[i:i + 5000])
        uids = [u.id for u in users]
    rows[f"set-up (people, certificates, attendance rows: {len(att)})"] = time.perf_counter() - t0

    with db.session_scope() as s:
        t0 = time.perf_counter()
        ok = sum(wf.is_certified(s, uid) for uid in uids)
        dt = time.perf_counter() - t0
        rows[f"is_certified × {len(uids)} ({ok} certified) — {len(uids) / dt:,.0f} calls/s"] = dt
        t0 = time.perf_counter()
        batch = wf.certified_user_ids(s, uids)
        dt = time.perf_counter() - t0
        assert len(batch) == ok
        rows[f"certified_user_ids, batch of {len(uids)} — {len(uids) / dt:,.0f} users/s"] = dt
        t0 = time.perf_counter()
        first = wf.certificate_expiry_warnings(s)
        rows[f"expiry warnings, first run ({first['queued']} queued)"] = time.perf_counter() - t0
    with db.session_scope() as s:
        t0 = time.perf_counter()
        again = wf.certificate_expiry_warnings(s)
        rows[f"expiry warnings, re-run ({again['queued']} queued)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        od = wf.overdue_report(s)
        rows[f"overdue report ({len(od)} of {len(uids)} overdue)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        rk = wf.ranking(s, "2026-10")
        rows[f"ranking ({len(rk)} ranked, {sum(r['bottom'] for r in rk)} 末位)"] = time.perf_counter() - t0

    print(f"machine: {machine()}; load: {os.getloadavg()}")
    print(f"database: {url.split('://')[0]}")
    print("| step | seconds |\n|---|---:|")
    for k, v in rows.items():
        print(f"| {k} | {v:.2f} |")


if __name__ == "__main__":
    main()
