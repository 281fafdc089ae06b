"""Administrative divisions, unit grids, responsibility grids and the address gazetteer.

Geometry is WKB in WGS-84 (lon/lat) with bbox columns; spatial lookups go through in-memory
STRtree indexes (chengguan.geo.gridindex) built from these tables, so SQLite and PostgreSQL behave alike.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base, IdPk, Timestamped
from chengguan.core.types import BigIntId, Geometry, JSONType

DIVISION_LEVELS = {"district": 6, "street": 9, "community": 12}


class Division(Timestamped, Base):
    __tablename__ = "divisions"
    __table_args__ = (CheckConstraint("level in ('district','street','community')", name="level"),)

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    level: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(64))
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    kind: Mapped[str | None] = mapped_column(String(16))  # 街道/镇/乡/社区/村
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry)
    area_m2: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]


class UnitGrid(Timestamped, Base):
    __tablename__ = "unit_grids"
    __table_args__ = (
        CheckConstraint("region_class in (1, 2)", name="region_class"),
        Index("ix_unit_grids_bbox", "min_lon", "min_lat"),
    )

    code: Mapped[str] = mapped_column(String(15), primary_key=True)
    community_code: Mapped[str] = mapped_column(String(12), index=True)
    street_code: Mapped[str] = mapped_column(String(9), index=True)
    district_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str | None] = mapped_column(String(64))
    geom: Mapped[BaseGeometry] = mapped_column(Geometry)
    area_m2: Mapped[float] = mapped_column(Float)
    region_class: Mapped[int] = mapped_column(SmallInteger, default=1)
    land_use: Mapped[str | None] = mapped_column(String(32))
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]


class ResponsibilityGrid(Timestamped, Base):
    """责任网格: a named set of unit grids patrolled by one or more collectors."""

    __tablename__ = "responsibility_grids"

    id: Mapped[IdPk]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    street_code: Mapped[str | None] = mapped_column(String(9), index=True)


class ResponsibilityGridCell(Base):
    __tablename__ = "responsibility_grid_cells"

    responsibility_grid_id: Mapped[int] = mapped_column(
        ForeignKey("responsibility_grids.id", ondelete="CASCADE"), primary_key=True
    )
    grid_code: Mapped[str] = mapped_column(ForeignKey("unit_grids.code"), primary_key=True, index=True)


class ResponsibilityAssignment(Base):
    """Who patrols which responsibility grid, and since when."""

    __tablename__ = "responsibility_assignments"
    __table_args__ = (UniqueConstraint("responsibility_grid_id", "user_id", "valid_from"),)

    id: Mapped[IdPk]
    responsibility_grid_id: Mapped[int] = mapped_column(
        ForeignKey("responsibility_grids.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    valid_from: Mapped[date]
    valid_to: Mapped[date | None]


class Place(Timestamped, Base):
    """Gazetteer entry (地理编码): road, door plate, POI, 地片 (zone), 区片 (block), or a division name."""

    __tablename__ = "places"
    __table_args__ = (
        CheckConstraint(
            "kind in ('district','street','community','zone','block','road','door','poi')", name="kind"
        ),
        Index("ix_places_road_number", "road_id", "number"),
        Index("ix_places_lonlat", "lon", "lat"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12), index=True)
    name: Mapped[str] = mapped_column(String(128), index=True)
    aliases: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    category: Mapped[str | None] = mapped_column(String(32))  # POI type or road class
    road_id: Mapped[int | None] = mapped_column(BigIntId)
    number: Mapped[int | None] = mapped_column(Integer)
    number_suffix: Mapped[str | None] = mapped_column(String(16))  # 号之一, -1 …
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    geom: Mapped[BaseGeometry | None] = mapped_column(Geometry)
    grid_code: Mapped[str | None] = mapped_column(String(15), index=True)
    community_code: Mapped[str | None] = mapped_column(String(12))
    street_code: Mapped[str | None] = mapped_column(String(9))
    valid_from: Mapped[date | None]
    valid_to: Mapped[date | None]
    source: Mapped[str | None] = mapped_column(String(32))
