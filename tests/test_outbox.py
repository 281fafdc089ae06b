"""The transactional outbox: written with the change, delivered by the worker with retries."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
from sqlalchemy import select

from casehelpers import Flow
from chengguan.core import clock
from chengguan.outbox import service as outbox
from chengguan.outbox.models import OutboxMessage, WebhookSubscription
from chengguan.outbox.senders import FakeSender, WebhookSender, webhook_signature


def test_message_is_written_with_the_change_and_rolled_back_with_it(db_session):
    sp = db_session.begin_nested()
    outbox.enqueue(db_session, topic="t", channel="sms", recipient="139", payload={"text": "x"})
    sp.rollback()
    assert db_session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "t")) is None


def test_delivery_retries_with_backoff_then_dead(db_session):
    with clock.frozen(clock.now()) as fc:
        msg = outbox.enqueue(db_session, topic="case.x", channel="sms", recipient="139", payload={"text": "hi"},
                             max_attempts=3)
        fake = FakeSender(fail_times=1)
        only = {"channels": ["test-sms"]}
        msg.channel = "test-sms"
        counts = outbox.deliver_due(db_session, {"test-sms": fake}, **only)
        assert counts == {"sent": 0, "retry": 1, "dead": 0}
        assert msg.status == "pending" and msg.attempts == 1 and msg.last_error
        assert msg.next_attempt_at > fc.at  # not due again at once
        assert outbox.deliver_due(db_session, {"test-sms": fake}, **only)["retry"] == 0  # backing off
        fc.advance(minutes=5)
        counts = outbox.deliver_due(db_session, {"test-sms": fake}, **only)
        assert counts["sent"] == 1 and msg.status == "sent" and fake.sent[-1][1] == "139"
        dead = outbox.enqueue(db_session, topic="case.y", channel="nowhere", recipient="x", payload={},
                              max_attempts=2)
        for _ in range(3):
            fc.advance(hours=7)
            outbox.deliver_due(db_session, {}, channels=["nowhere"])
        assert dead.status == "dead" and "no sender" in (dead.last_error or "")


def test_dedup_key_queues_once(db_session):
    a = outbox.enqueue(db_session, topic="w", channel="inbox", recipient="u", payload={}, dedup_key="warn:1:dispose")
    b = outbox.enqueue(db_session, topic="w", channel="inbox", recipient="u", payload={}, dedup_key="warn:1:dispose")
    assert a is not None and b is None


def test_webhook_is_signed_and_published_for_matching_topics(db_session, client, auth):
    db_session.add(WebhookSubscription(name="partner", url="https://partner.example/hook", secret="s3cret",
                                       topics=["case.dispatched", "case.closed"]))
    db_session.commit()  # test setup: releases a savepoint inside the test's transaction
    outbox.subscriptions_changed()  # as the subscriptions API does
    flow = Flow(client, auth)
    flow.to_dispatched()
    msgs = db_session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "webhook")).all()
    assert [m.topic for m in msgs] == ["case.dispatched"]
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    sender = WebhookSender(db_session, httpx.Client(transport=httpx.MockTransport(handler)))
    counts = outbox.deliver_due(db_session, {"webhook": sender}, channels=["webhook"])
    assert counts["sent"] == 1
    req = seen[0]
    sig = dict(p.split("=", 1) for p in req.headers["X-Chengguan-Signature"].split(","))
    assert sig["v1"] == webhook_signature("s3cret", sig["t"], req.content)
    assert json.loads(req.content)["topic"] == "case.dispatched"


def test_deadline_warning_job(db_session, client, auth):
    from chengguan.cases import jobs

    flow = Flow(client, auth)
    c = flow.to_dispatched()
    case_id = c["id"]
    from chengguan.cases.models import Case

    case = db_session.get(Case, case_id)
    with clock.frozen(case.step_warn_at + timedelta(minutes=1)):
        first = jobs.deadline_warnings(db_session)
        again = jobs.deadline_warnings(db_session)
    assert first["warned"] >= 1 and again["warned"] == 0  # idempotent
    with clock.frozen(case.step_due_at + timedelta(minutes=1)):
        assert jobs.deadline_warnings(db_session)["overdue"] >= 1
    topics = db_session.scalars(select(OutboxMessage.topic).where(OutboxMessage.payload["case_id"].as_integer()
                                                                  == case_id)).all()
    assert "case.deadline.warn" in topics and "case.deadline.overdue" in topics


def test_worker_run_once_delivers(db_session, monkeypatch):
    """The worker loop (jobs + outbox) runs end to end against the database."""
    from chengguan.jobs import runner

    calls = []
    monkeypatch.setattr(runner, "senders", lambda s: {"sms": FakeSender(), "inbox": FakeSender(),
                                                       "webhook": FakeSender(), "email": FakeSender()})
    monkeypatch.setattr(runner, "session_scope", _scope(db_session, calls))
    outbox.enqueue(db_session, topic="hello", channel="sms", recipient="139", payload={"text": "x"})
    res = runner.run_once(now=10**9)
    assert res["outbox"]["sent"] >= 1 and "cases.deadline_warnings" in res


def _scope(session, calls):
    from contextlib import contextmanager

    @contextmanager
    def scope(read_only=False):
        calls.append(1)
        yield session

    return scope


def test_inbox_notifications_reach_users_departments_and_roles(db_session, client, auth):
    from chengguan.notify.service import InboxSender

    flow = Flow(client, auth)
    c = flow.to_dispatched()  # notifies department:<dept1's department>
    outbox.deliver_due(db_session, {"inbox": InboxSender(db_session)}, channels=["inbox"], limit=10000)
    db_session.commit()
    mine = client.get("/api/v1/notifications", headers=auth("dept1")).json()
    assert any(n["payload"].get("case_id") == c["id"] for n in mine["items"]) and mine["unread"] >= 1
    others = client.get("/api/v1/notifications", headers=auth("citizen1")).json()
    assert not any(n["payload"].get("case_id") == c["id"] for n in others["items"])
    r = client.post("/api/v1/notifications/read", json={}, headers=auth("dept1")).json()
    assert r["marked"] >= 1
    assert client.get("/api/v1/notifications", headers=auth("dept1")).json()["unread"] == 0


def test_worker_run_once_counts_every_batch(db_session, monkeypatch):
    """With an exact multiple of the batch size due, the last batch is empty: the run still reports them all."""
    from chengguan.jobs import runner

    batches = iter([{"sent": 150, "retry": 40, "dead": 10}, {"sent": 0, "retry": 0, "dead": 0}])
    monkeypatch.setattr(runner.outbox, "deliver_due", lambda s, senders, limit: next(batches))
    monkeypatch.setattr(runner, "senders", lambda s: {})
    monkeypatch.setattr(runner, "session_scope", _scope(db_session, []))
    res = runner.run_once(now=10**9)
    assert res["outbox"] == {"sent": 150, "retry": 40, "dead": 10}
