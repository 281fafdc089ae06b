"""执法全过程记录: an append-only, hash-chained log of every enforcement act.

Each entry belongs to a stream (by default its subject, e.g. ``enf_case:12``) and carries ``seq``
(1, 2, …), ``prev_hash`` (the previous entry's hash, 64 zeros for the first) and ``hash`` =
SHA-256 of the canonical JSON of its content + prev_hash. ``audit_log_heads`` holds each chain's head
(last seq and hash): writers lock it, and verification compares it to the last entry, so a deleted
tail is found too. Entries are never updated or deleted: an ORM guard refuses it and a database
trigger (migration) blocks raw SQL as well.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from chengguan.core import clock
from chengguan.core.db import Base, IdPk
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

GENESIS = "0" * 64


class AuditStream(Base):
    __tablename__ = "audit_log_heads"

    stream: Mapped[str] = mapped_column(String(80), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        UniqueConstraint("stream", "seq"),
        Index("ix_audit_log_subject", "subject", "at"),
        Index("ix_audit_log_actor", "actor_id", "at"),
    )

    id: Mapped[IdPk]
    stream: Mapped[str] = mapped_column(String(80), ForeignKey("audit_log_heads.stream"))
    seq: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    # {"lon", "lat", "address"} — where the act happened (GPS of the device, WGS-84)
    location: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    device_id: Mapped[str | None] = mapped_column(String(64))  # body camera / 执法终端 id
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # [{"sha256", "name", "kind" (photo/audio/video/document), "size", "file_id"}]
    media: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)


# ---------------------------------------------------------------- append-only guard (ORM level; the
# database trigger in the migration blocks raw SQL too)


class AuditImmutable(RuntimeError):
    """Raised when code tries to update or delete an audit entry."""


@event.listens_for(AuditEntry, "before_update")
def _no_update(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditImmutable("执法全过程记录只能追加，不能修改")


@event.listens_for(AuditEntry, "before_delete")
def _no_delete(mapper: Any, connection: Any, target: AuditEntry) -> None:
    raise AuditImmutable("执法全过程记录只能追加，不能删除")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ is AuditEntry:
        raise AuditImmutable("执法全过程记录只能追加，不能批量修改或删除")
