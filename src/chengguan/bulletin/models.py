from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk
from chengguan.core.types import BigIntId, JSONType, UTCDateTime


class Bulletin(Base):
    """An issued monthly bulletin: the files are content-addressed in the file store (sha256 keys)."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("period", "version"),)

    id: Mapped[IdPk]
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    version: Mapped[int] = mapped_column(Integer, default=1)  # re-issues of the same month
    title: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("users.id"))
    trigger: Mapped[str] = mapped_column(String(12))  # schedule | manual
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    pdf_size: Mapped[int] = mapped_column(Integer)
    html_sha256: Mapped[str] = mapped_column(String(64))
    xlsx_sha256: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
