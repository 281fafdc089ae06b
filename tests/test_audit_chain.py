"""执法全过程记录: append-only hash chain; verify catches tampered, deleted and reordered rows."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update

from chengguan.audit import service as audit
from chengguan.audit.models import AuditEntry, AuditImmutable

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SHA = hashlib.sha256(b"body-camera clip").hexdigest()


def _chain(s, subject="enf_case:t1", n=5):
    return [audit.record(s, subject=subject, action=f"act{i}", actor_id=7, at=T0 + timedelta(minutes=i),
                         location={"lon": 120.86, "lat": 32.01, "address": "人民路"}, device_id="BWC-0042",
                         payload={"step": i, "note": "现场检查", "fine": 200.5, "big": 1e20, "tiny": 1e-7,
                                  "amount": Decimal("12.30"), "when": date(2026, 11, 20)},
                         media=[{"sha256": SHA, "kind": "video", "name": "clip.mp4"}] if i == 2 else ())
            for i in range(1, n + 1)]


def is_pg(s):
    return s.get_bind().dialect.name == "postgresql"


def _untrigger(s):
    """Tampering as an attacker with table rights would: drop the DB guard (inside the test transaction,
    rolled back afterwards)."""
    if is_pg(s):
        s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        s.execute(text("DROP TRIGGER audit_log_no_update"))
        s.execute(text("DROP TRIGGER audit_log_no_delete"))


def _problems(s, stream="enf_case:t1"):
    (rep,) = audit.verify(s, stream)
    return [(p.seq, p.kind) for p in rep.problems]


def test_chain_links_and_verifies(db_session):
    es = _chain(db_session)
    assert [e.seq for e in es] == [1, 2, 3, 4, 5]
    assert es[0].prev_hash == "0" * 64 and all(b.prev_hash == a.hash for a, b in zip(es, es[1:], strict=False))
    assert es[1].media == [{"sha256": SHA, "kind": "video", "name": "clip.mp4"}]
    db_session.expire_all()  # re-read from the database: the hash must survive the round trip
    assert _problems(db_session) == []
    other = audit.record(db_session, subject="enf_case:t2", action="register", actor_id=1, at=T0, payload={})
    assert other.seq == 1  # one chain per stream
    assert all(r.ok for r in audit.verify(db_session))


def test_orm_guard_refuses_update_and_delete(db_session):
    e = _chain(db_session, n=1)[0]
    e.action = "forged"
    with pytest.raises(AuditImmutable):
        db_session.flush()
    db_session.rollback()
    e = _chain(db_session, n=1)[0]
    db_session.delete(e)
    with pytest.raises(AuditImmutable):
        db_session.flush()
    db_session.rollback()
    with pytest.raises(AuditImmutable):
        db_session.execute(update(AuditEntry).values(action="x"))


def test_database_trigger_refuses_raw_sql(db_session):
    _chain(db_session, n=2)
    with pytest.raises(Exception, match="append-only"), db_session.begin_nested():
        db_session.execute(text("UPDATE audit_log SET action = 'x' WHERE seq = 1"))
    with pytest.raises(Exception, match="append-only"), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_log WHERE seq = 1"))


def test_verify_catches_an_altered_row(db_session):
    _chain(db_session)
    _untrigger(db_session)
    db_session.execute(text("UPDATE audit_log SET payload = :p WHERE stream = 'enf_case:t1' AND seq = 3"),
                       {"p": '{"step": 3, "note": "篡改", "fine": 200.5}'})
    db_session.expire_all()
    assert _problems(db_session) == [(3, "altered")]


def test_verify_catches_a_deleted_row_and_a_deleted_tail(db_session):
    _chain(db_session)
    _untrigger(db_session)
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:t1' AND seq = 2"))
    db_session.expire_all()
    assert _problems(db_session) == [(2, "missing")]
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:t1' AND seq = 5"))
    db_session.expire_all()
    assert (5, "missing") in _problems(db_session)


def test_verify_catches_reordered_rows(db_session):
    _chain(db_session)
    _untrigger(db_session)
    # Swap entries 2 and 3 (through a free seq, as the unique constraint requires).
    for a, b in ((2, 99), (3, 2), (99, 3)):
        db_session.execute(text("UPDATE audit_log SET seq = :b WHERE stream = 'enf_case:t1' AND seq = :a"),
                           {"a": a, "b": b})
    db_session.expire_all()
    probs = _problems(db_session)
    assert (2, "reordered") in probs and (3, "reordered") in probs
    assert all(k == "reordered" for _, k in probs)


def test_record_refuses_bad_input(db_session):
    from chengguan.core.errors import Invalid

    for kw in (dict(media=[{"sha256": "abc"}]), dict(media=[{"sha256": SHA, "kind": "smell"}]),
               dict(location={"lon": "east"}), dict(subject=""), dict(action=""),
               dict(at=datetime(2026, 1, 1)), dict(payload={"x": object()})):
        args = dict(subject="enf_case:t9", action="a", actor_id=1, at=T0, payload={})
        args.update(kw)
        with pytest.raises(Invalid):
            audit.record(db_session, **args)
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.subject == "enf_case:t9")) is None


# ---------------------------------------------------------------- CLI and API


@pytest.fixture
def cli(db_session, monkeypatch):
    """Run ``chengguan …`` against the test transaction."""
    from contextlib import contextmanager

    from typer.testing import CliRunner

    from chengguan.cli.main import app
    from chengguan.core import db

    @contextmanager
    def scope(*, read_only=False):
        yield db_session

    monkeypatch.setattr(db, "session_scope", scope)
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(args))


def test_cli_verify_reports_which_entries(db_session, cli):
    _chain(db_session)
    _chain(db_session, subject="enf_case:t2", n=2)
    r = cli("audit", "verify")
    assert r.exit_code == 0, r.output
    assert "enf_case:t1" in r.output and "0 条异常" in r.output
    _untrigger(db_session)
    db_session.execute(text("UPDATE audit_log SET actor_id = 8 WHERE stream = 'enf_case:t1' AND seq = 4"))
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:t1' AND seq = 2"))
    db_session.expire_all()
    r = cli("audit", "verify")
    assert r.exit_code == 1
    assert "altered" in r.output and "第 4 条" in r.output and "missing" in r.output and "1 条异常" in r.output
    ok = cli("audit", "verify", "--stream", "enf_case:t2")
    assert ok.exit_code == 0 and "enf_case:t1" not in ok.output
    assert cli("audit", "verify", "--stream", "enf_case:t404").exit_code == 2


def test_api_records_and_reads_a_subject(client, auth, db_session):
    from casehelpers import jpeg
    from chengguan.core import files

    up = client.post("/api/v1/files", headers=auth("officer1"),
                     files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    assert up.status_code == 201, up.text
    fid, sha = up.json()["id"], up.json()["sha256"]
    body = {"action": "现场检查", "at": "2026-11-20T10:00:00+08:00", "device_id": "BWC-0042",
            "location": {"lon": 120.86, "lat": 32.01, "address": "人民路"}, "payload": {"note": "开启执法记录仪"},
            "media": [{"file_id": fid}]}
    r = client.post("/api/v1/audit/enf_case:t77", json=body, headers=auth("officer1"))
    assert r.status_code == 201, r.text
    e = r.json()
    assert e["seq"] == 1 and e["media"][0]["sha256"] == sha and e["media"][0]["kind"] == "photo"
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "询问"}, headers=auth("assistant1")).status_code == 201
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "x"}, headers=auth("citizen1")).status_code == 403
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "x"}).status_code == 401
    assert client.post("/api/v1/audit/bad subject", json={"action": "x"}, headers=auth("officer1")).status_code == 422
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "x", "media": [{"file_id": 99999999}]},
                       headers=auth("officer1")).status_code == 404
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "x", "media": [{"file_id": fid, "sha256": "0" * 64}]},
                       headers=auth("officer1")).status_code == 422
    assert client.post("/api/v1/audit/enf_case:t77", json={"action": "x", "location": {"lon": 500}},
                       headers=auth("officer1")).status_code == 422
    r = client.get("/api/v1/audit/enf_case:t77", headers=auth("reviewer1"))
    assert r.status_code == 200
    doc = r.json()
    assert doc["ok"] and [i["seq"] for i in doc["items"]] == [1, 2] and doc["items"][0]["device_id"] == "BWC-0042"
    assert client.get("/api/v1/audit/enf_case:t77", headers=auth("assistant1")).status_code == 403
    assert files  # the upload went through core.files (SHA-256 computed there)


def test_concurrent_writers_never_fork_a_chain(engine):
    """Several threads append to the same new stream, each in its own committed transaction: the chain
    ends with consecutive seqs and verifies (PG: row lock on the head; SQLite: the write lock)."""
    import threading
    import uuid

    from sqlalchemy.exc import IntegrityError, OperationalError
    from sqlalchemy.orm import Session

    stream = f"conc:{uuid.uuid4().hex[:12]}"
    errors: list[BaseException] = []

    def worker(k: int) -> None:
        for i in range(8):
            for _attempt in range(20):
                s = Session(bind=engine, expire_on_commit=False)
                try:
                    audit.record(s, subject=stream, action=f"w{k}-{i}", actor_id=k, at=T0, payload={"i": i})
                    s.commit()
                    break
                except (IntegrityError, OperationalError):
                    s.rollback()  # lost a race: try again
                except BaseException as exc:
                    errors.append(exc)
                    s.rollback()
                    return
                finally:
                    s.close()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    with Session(bind=engine) as s:
        (rep,) = audit.verify(s, stream)
        seqs = list(s.scalars(select(AuditEntry.seq).where(AuditEntry.stream == stream).order_by(AuditEntry.seq)))
    assert rep.ok, rep.problems
    assert seqs == list(range(1, 33))


def test_verify_reports_a_chain_whose_entries_are_all_gone(db_session):
    _chain(db_session, subject="enf_case:t3", n=2)
    _untrigger(db_session)
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:t3'"))
    db_session.expire_all()
    assert _problems(db_session, "enf_case:t3") == [(1, "missing")]
    assert any(r.stream == "enf_case:t3" and not r.ok for r in audit.verify(db_session))
