"""Write outbox rows (inside the caller's transaction) and deliver them (in the worker)."""

from __future__ import annotations

import fnmatch
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.core.db import is_sqlite
from chengguan.outbox.models import OutboxMessage, WebhookSubscription

log = logging.getLogger("chengguan.outbox")


class Sender(Protocol):
    """Delivers one message; raises on failure (the worker retries with backoff)."""

    def send(self, message: OutboxMessage) -> None: ...


def enqueue(
    session: Session,
    *,
    topic: str,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    dedup_key: str | None = None,
    delay: timedelta | None = None,
    max_attempts: int = 8,
) -> OutboxMessage | None:
    """Add a message to the outbox. With a ``dedup_key`` the same message is only ever queued once
    (e.g. one deadline warning per case and step)."""
    if dedup_key is not None:
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedup_key == dedup_key))
        if exists is not None:
            return None
    now = clock.now()
    msg = OutboxMessage(
        topic=topic,
        channel=channel,
        recipient=recipient,
        payload=payload,
        dedup_key=dedup_key,
        status="pending",
        attempts=0,
        max_attempts=max_attempts,
        next_attempt_at=now + (delay or timedelta(0)),
        created_at=now,
    )
    session.add(msg)  # flushed with the caller's other changes (one round trip fewer per message)
    return msg


def publish(session: Session, topic: str, payload: dict[str, Any]) -> int:
    """Fan an event out to every active webhook subscription whose topic patterns match."""
    n = 0
    for sub_id, topics in _subscriptions(session):
        if any(fnmatch.fnmatchcase(topic, pat) for pat in (topics or ["*"])):
            enqueue(
                session,
                topic=topic,
                channel="webhook",
                recipient=f"subscription:{sub_id}",
                payload={"topic": topic, "data": payload},
            )
            n += 1
    return n


_subs_cache: dict[str, Any] = {"at": -1e9, "rows": []}
SUBS_TTL = 5.0


def _subscriptions(session: Session) -> list[tuple[int, list[str]]]:
    """Active subscriptions, cached briefly: publish runs on every case transition."""
    now = time.monotonic()
    if now - _subs_cache["at"] > SUBS_TTL:
        _subs_cache["rows"] = [(s.id, list(s.topics or [])) for s in session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.is_active.is_(True)))]
        _subs_cache["at"] = now
    return _subs_cache["rows"]


def subscriptions_changed() -> None:
    _subs_cache["at"] = -1e9


def backoff(attempts: int, base_seconds: float = 10.0, cap_seconds: float = 6 * 3600) -> timedelta:
    """Exponential backoff with jitter: 10 s, 20 s, 40 s … capped at 6 h."""
    delay = min(cap_seconds, base_seconds * (2 ** max(0, attempts - 1)))
    return timedelta(seconds=delay * (0.8 + 0.4 * random.random()))


def deliver_due(
    session: Session,
    senders: Mapping[str, Sender],
    *,
    limit: int = 100,
    on_dead: Callable[[OutboxMessage], None] | None = None,
    channels: list[str] | None = None,
) -> dict[str, int]:
    """Deliver due messages. Rows are locked (FOR UPDATE SKIP LOCKED on PostgreSQL) so several workers
    can run; the caller commits. Returns counts by outcome."""
    now = clock.now()
    q = (
        select(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if channels:  # a worker may serve only some channels (e.g. one process per slow partner)
        q = q.where(OutboxMessage.channel.in_(channels))
    if not is_sqlite(session):
        q = q.with_for_update(skip_locked=True)
    counts = {"sent": 0, "retry": 0, "dead": 0}
    for msg in session.scalars(q).all():
        sender = senders.get(msg.channel)
        msg.attempts += 1
        try:
            if sender is None:
                raise RuntimeError(f"no sender configured for channel {msg.channel!r}")
            sender.send(msg)
        except Exception as exc:  # any failure of an outside system is retried, never lost
            msg.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if msg.attempts >= msg.max_attempts:
                msg.status = "dead"
                counts["dead"] += 1
                log.error("outbox message %s dead after %s attempts: %s", msg.id, msg.attempts, msg.last_error)
                if on_dead:
                    on_dead(msg)
            else:
                msg.next_attempt_at = now + backoff(msg.attempts)
                counts["retry"] += 1
        else:
            msg.status = "sent"
            msg.sent_at = now
            msg.last_error = None
            counts["sent"] += 1
    session.flush()
    return counts
