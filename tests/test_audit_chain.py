"""执法全过程记录: append-only hash chain; verify catches tampered, deleted and reordered rows."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from chengguan.audit import service as audit
from chengguan.audit.models import AuditEntry, AuditImmutable
from casehelpers import is_pg

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
SHA = hashlib.sha256(b"body-camera clip").hexdigest()


def _chain(s, subject="enf_case:1", n=5):
    return [audit.record(s, subject=subject, action=f"act{i}", actor_id=7, at=T0 + timedelta(minutes=i),
                         location={"lon": 120.86, "lat": 32.01, "address": "人民路"}, device_id="BWC-0042",
                         payload={"step": i, "note": "现场检查", "fine": 200.5},
                         media=[{"sha256": SHA, "kind": "video", "name": "clip.mp4"}] if i == 2 else ())
            for i in range(1, n + 1)]


def _untrigger(s):
    """Tampering as an attacker with table rights would: drop the DB guard (inside the test transaction,
    rolled back afterwards)."""
    if is_pg(s):
        s.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        s.execute(text("DROP TRIGGER audit_log_no_update"))
        s.execute(text("DROP TRIGGER audit_log_no_delete"))


def _problems(s, stream="enf_case:1"):
    (rep,) = audit.verify(s, stream)
    return [(p.seq, p.kind) for p in rep.problems]


def test_chain_links_and_verifies(db_session):
    es = _chain(db_session)
    assert [e.seq for e in es] == [1, 2, 3, 4, 5]
    assert es[0].prev_hash == "0" * 64 and all(b.prev_hash == a.hash for a, b in zip(es, es[1:], strict=False))
    assert es[1].media == [{"sha256": SHA, "kind": "video", "name": "clip.mp4"}]
    db_session.expire_all()  # re-read from the database: the hash must survive the round trip
    assert _problems(db_session) == []
    other = audit.record(db_session, subject="enf_case:2", action="register", actor_id=1, at=T0, payload={})
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
    db_session.execute(text("UPDATE audit_log SET payload = :p WHERE stream = 'enf_case:1' AND seq = 3"),
                       {"p": '{"step": 3, "note": "篡改", "fine": 200.5}'})
    db_session.expire_all()
    assert _problems(db_session) == [(3, "altered")]


def test_verify_catches_a_deleted_row_and_a_deleted_tail(db_session):
    _chain(db_session)
    _untrigger(db_session)
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:1' AND seq = 2"))
    db_session.expire_all()
    assert _problems(db_session) == [(2, "missing")]
    db_session.execute(text("DELETE FROM audit_log WHERE stream = 'enf_case:1' AND seq = 5"))
    db_session.expire_all()
    assert (5, "missing") in _problems(db_session)


def test_verify_catches_reordered_rows(db_session):
    _chain(db_session)
    _untrigger(db_session)
    # Swap entries 2 and 3 (through a free seq, as the unique constraint requires).
    for a, b in ((2, 99), (3, 2), (99, 3)):
        db_session.execute(text("UPDATE audit_log SET seq = :b WHERE stream = 'enf_case:1' AND seq = :a"),
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
        args = dict(subject="enf_case:9", action="a", actor_id=1, at=T0, payload={})
        args.update(kw)
        with pytest.raises(Invalid):
            audit.record(db_session, **args)
    assert db_session.scalar(select(AuditEntry).where(AuditEntry.subject == "enf_case:9")) is None
