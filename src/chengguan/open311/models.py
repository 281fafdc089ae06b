"""Open311 GeoReport v2: API clients (keys stored hashed), submissions (tokens) and citizen updates received."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk
from chengguan.core.types import BigIntId, UTCDateTime


class ApiClient(Base):
    """An Open311 client (a city app, a mini program, FixMyStreet …). Only the key's SHA-256 is stored;
    the key itself is shown once when the administrator creates it."""

    __tablename__ = "open311_clients"

    id: Mapped[IdPk]
    name: Mapped[str] = mapped_column(String(64))
    contact: Mapped[str | None] = mapped_column(String(128))
    key_prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    rate_limit_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Open311Submission(Base):
    """A request posted through Open311: its token (for ``batch`` services and ``/tokens``) and client."""

    __tablename__ = "open311_submissions"

    id: Mapped[IdPk]
    token: Mapped[str] = mapped_column(String(40), unique=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Open311UpdateIn(Base):
    """A citizen update received through ``POST servicerequestupdates``; (client, update_id) is unique so a
    retried post records nothing twice."""

    __tablename__ = "open311_updates_in"
    __table_args__ = (UniqueConstraint("client_id", "external_update_id"),)

    id: Mapped[IdPk]
    client_id: Mapped[int] = mapped_column(ForeignKey("open311_clients.id"), index=True)
    external_update_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
