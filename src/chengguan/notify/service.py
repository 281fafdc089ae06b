"""In-app notifications: the ``inbox`` sender stores outbox messages; users list what is addressed to
them, their department or their role in their region."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.core import clock
from chengguan.notify.models import Notification, NotificationRead
from chengguan.outbox.models import OutboxMessage


class InboxSender:
    """Delivers ``inbox`` outbox rows into the notifications table (idempotent by outbox id)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def send(self, message: OutboxMessage) -> None:
        if self.session.scalar(select(Notification.id).where(Notification.outbox_id == message.id)):
            return
        payload = dict(message.payload or {})
        self.session.add(Notification(recipient=message.recipient[:64], topic=message.topic,
                                      text=str(payload.get("text") or message.topic), payload=payload,
                                      created_at=message.created_at, outbox_id=message.id))


def _mine(p: Principal) -> Any:
    conds = [Notification.recipient == f"user:{p.user_id}"]
    for d in p.departments():
        conds.append(Notification.recipient == f"department:{d}")
    for g in p.grants:
        conds.append(Notification.recipient == f"role:{g.role}")
        # role:<role>@<grid code> reaches holders whose region is a prefix of that code
        if g.region_code is None:
            conds.append(Notification.recipient.startswith(f"role:{g.role}@"))
        else:
            conds.append(Notification.recipient.startswith(f"role:{g.role}@{g.region_code}"))
    return or_(*conds)


def list_for(session: Session, p: Principal, *, unread_only: bool = False, limit: int = 50) -> list[dict[str, Any]]:
    read = exists().where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == p.user_id)
    stmt = select(Notification, read.label("is_read")).where(_mine(p))
    if unread_only:
        stmt = stmt.where(~read)
    rows = session.execute(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).all()
    return [{"id": n.id, "topic": n.topic, "text": n.text, "payload": n.payload, "created_at": n.created_at,
             "read": bool(r)} for n, r in rows]


def unread_count(session: Session, p: Principal) -> int:
    read = exists().where(NotificationRead.notification_id == Notification.id, NotificationRead.user_id == p.user_id)
    return int(session.scalar(select(func.count()).select_from(Notification).where(and_(_mine(p), ~read))) or 0)


def mark_read(session: Session, p: Principal, ids: list[int] | None) -> int:
    stmt = select(Notification.id).where(_mine(p))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(ids))
    done = set(session.scalars(select(NotificationRead.notification_id).where(NotificationRead.user_id == p.user_id)))
    n = 0
    for nid in session.scalars(stmt.limit(1000)):
        if nid not in done:
            session.add(NotificationRead(notification_id=nid, user_id=p.user_id, read_at=clock.now()))
            n += 1
    session.flush()
    return n
