from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped

DEPARTMENT_LEVELS = ("city", "district", "street", "community")
DEPARTMENT_KINDS = (
    "supervision",  # 监督中心
    "command",  # 指挥中心
    "professional",  # 专业部门
    "street",  # 街道/镇
    "contractor",  # 作业单位
    "enforcement",  # 城管执法大队/中队
    "other",
)


class Department(Timestamped, Base):
    """A unit of the org tree (一级监督、二级指挥、三级处置 is data: level + kind + parent + routing)."""

    __tablename__ = "departments"

    id: Mapped[IdPk]
    key: Mapped[str] = mapped_column(String(64), unique=True)  # stable slug for config and imports
    name: Mapped[str] = mapped_column(String(100))
    short_name: Mapped[str | None] = mapped_column(String(32))
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    level: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    type_key: Mapped[str | None] = mapped_column(String(32), index=True)  # e.g. water, street, sanitation
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(String(12), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
