from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chengguan.core.deps import CurrentUser, DbSession
from chengguan.geo.api import _bbox
from chengguan.positions import service

router = APIRouter(prefix="/api/v1/positions", tags=["positions"])


class PositionIn(BaseModel):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09", "cgcs2000"] = "wgs84"
    accuracy_m: float | None = Field(None, ge=0, le=100_000)
    at: datetime | None = Field(None, description="when the device took the fix (default: now)")


@router.post("/me", operation_id="positions_report")
def positions_report(session: DbSession, user: CurrentUser, body: PositionIn) -> dict[str, Any]:
    """城管通: the signed-in field worker's current position (sent every few minutes while the app is open)."""
    row = service.record(session, user, body.lon, body.lat, accuracy_m=body.accuracy_m, at=body.at,
                         crs=body.crs)
    return {"lon": row.lon, "lat": row.lat, "grid_code": row.grid_code, "at": row.at}


@router.get("", operation_id="positions_latest")
def positions_latest(
    session: DbSession, user: CurrentUser,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    role: str | None = None,
    within_minutes: Annotated[float | None, Query(gt=0, le=7 * 24 * 60)] = None,
) -> dict[str, Any]:
    """Last known positions of field staff in the caller's region (command map), newest first."""
    return {"items": service.latest(session, user, bbox=_bbox(bbox), role=role, within_minutes=within_minutes)}
