"""One row per user: where the person's device last said they were. The command map shows these; a
full GPS track store (on-post statistics, playback) belongs to the workforce module and can feed this
table as well."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base
from chengguan.core.types import BigIntId, UTCDateTime


class UserPosition(Base):
    __tablename__ = "user_positions"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
    # The unit grid the point falls in (None outside the city): region checks and filters use it.
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(16), default="app")  # app / report / track
