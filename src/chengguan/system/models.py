"""Cross-cutting tables: editable system settings, stored files, idempotency records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, JSONType


class SystemSetting(Timestamped, Base):
    """Administrator-editable configuration (weights, thresholds, windows…): a JSON value per key.
    Defaults and help texts live in chengguan.system.defaults; a row exists only once edited or seeded."""

    __tablename__ = "system_settings"

    key: Mapped[str] = mapped_column(String(96), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONType)
    updated_by: Mapped[int | None] = mapped_column(BigIntId)


class StoredFile(Base):
    __tablename__ = "stored_files"

    id: Mapped[IdPk]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # image / video / audio / document
    filename: Mapped[str | None] = mapped_column(String(255))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    thumb_sha256: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    # Free-form provenance: device id of a body camera, capture time, GPS of the shot …
    meta: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class IdempotencyRecord(Base):
    """The response to a request made with an ``Idempotency-Key``; a retry gets the same answer."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("scope", "key"),)

    id: Mapped[IdPk]
    scope: Mapped[str] = mapped_column(String(96))  # endpoint + caller
    key: Mapped[str] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(index=True)


class Sequence(Base):
    """Gap-free counters (case numbers per day, document numbers per type and year).
    Incremented under a row lock in the caller's transaction, so a rollback gives the number back."""

    __tablename__ = "sequences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str | None] = mapped_column(Text)
