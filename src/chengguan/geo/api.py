from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, Field

from chengguan.accounts.roles import Role
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.core.errors import Invalid, NotFound
from chengguan.geo import service
from chengguan.geo.schemas import CityOut, GeocodeItem, GeocodeOut, LocateOut, ReverseOut

router = APIRouter(prefix="/api/v1", tags=["geography"])

Crs = Literal["wgs84", "gcj02", "bd09", "cgcs2000"]


@router.get("/city", response_model=CityOut, operation_id="city_get")
def city_get(session: DbSession) -> dict[str, Any]:
    """The city's name, district code, map centre (inside a unit grid) and bounding box (WGS-84)."""
    return service.city_info(session)


@router.get("/grids/locate", response_model=LocateOut, operation_id="grids_locate")
def grids_locate(
    session: DbSession,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: Crs = "wgs84",
    describe: bool = False,
) -> LocateOut:
    """Point → unit grid, community, street and district. Input in WGS-84, GCJ-02, BD-09 or CGCS2000."""
    found = service.locate(session, lon, lat, crs)
    if found is None:
        raise NotFound("该位置不在本市单元网格范围内", code="outside_city")
    out = LocateOut(grid_code=found.grid_code, community_code=found.community_code,
                    street_code=found.street_code, district_code=found.district_code,
                    region_class=found.region_class, names=found.names, lon=found.lon, lat=found.lat)
    if describe:
        out.description = service.reverse(session, found.lon, found.lat)
    return out


@router.get("/geocode", response_model=GeocodeOut, operation_id="geocode")
def geocode(
    session: DbSession,
    address: Annotated[str, Query(min_length=1, max_length=200)],
    limit: Annotated[int, Query(ge=1, le=20)] = 5,
) -> GeocodeOut:
    """Chinese address → candidate places, best first, with the match level and a score in [0, 1]."""
    matches = service.geocode(session, address, limit)
    return GeocodeOut(items=[GeocodeItem(address=m.address, lon=m.lon, lat=m.lat, grid_code=m.grid_code,
                                         level=m.level, score=round(m.score, 4)) for m in matches])


@router.get("/geocode/reverse", response_model=ReverseOut, operation_id="geocode_reverse")
def geocode_reverse(
    session: DbSession,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    crs: Crs = "wgs84",
) -> ReverseOut:
    """Point → a human description such as "解放路123号附近"."""
    x, y = service.to_wgs84(lon, lat, crs)
    found = service.locate(session, x, y)
    return ReverseOut(description=service.reverse(session, x, y), grid_code=found.grid_code if found else None)


@router.get("/grids", operation_id="grids_geojson")
def grids_geojson(
    session: DbSession,
    user: CurrentUser,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    limit: Annotated[int, Query(ge=1, le=20000)] = 5000,
) -> dict[str, Any]:
    """Unit grids as GeoJSON, optionally only those intersecting a viewport."""
    return service.grids_geojson(session, _bbox(bbox), limit=limit)


@router.get("/divisions", operation_id="divisions_geojson")
def divisions_geojson(
    session: DbSession,
    level: Literal["district", "street", "community"] = "street",
) -> dict[str, Any]:
    """Administrative divisions at one level as GeoJSON (simplified for display)."""
    return service.divisions_geojson(session, level, simplify=0.00005)


@router.get("/roads", operation_id="roads_geojson")
def roads_geojson(
    session: DbSession,
    bbox: Annotated[str | None, Query(description="minlon,minlat,maxlon,maxlat")] = None,
    limit: Annotated[int, Query(ge=1, le=20000)] = 2000,
) -> dict[str, Any]:
    """Road centre lines as GeoJSON (name, class), optionally only those crossing a viewport. Public: the
    base map draws them when no tile server is configured or reachable."""
    return service.roads_geojson(session, _bbox(bbox), limit=limit)


@router.post("/admin/grids/import", operation_id="grids_import", dependencies=[require_roles(Role.ADMIN)])
def grids_import(
    session: DbSession,
    body: Annotated[dict[str, Any], Body(description="GeoJSON FeatureCollection of unit grids")],
    replace: bool = False,
) -> dict[str, int]:
    """Import unit grids (all-or-nothing; the error lists every offending grid)."""
    report = service.import_grids(session, body, replace=replace)
    return {"created": report.created, "updated": report.updated}


class GridPatch(BaseModel):
    name: str | None = Field(None, max_length=64)
    region_class: int | None = Field(None, ge=1, le=2, description="1 一类区域 / 2 二类区域")


@router.patch("/admin/grids/{code}", operation_id="grids_update", dependencies=[require_roles(Role.ADMIN)])
def grids_update(session: DbSession, code: str, body: GridPatch) -> dict[str, Any]:
    """Edit a unit grid's name or region class (一类/二类). Geometry changes go through the import."""
    g = service.update_grid(session, code, name=body.name, region_class=body.region_class)
    return {"code": g.code, "name": g.name, "region_class": g.region_class}


class DivisionPatch(BaseModel):
    name: str = Field(min_length=2, max_length=64)


@router.patch("/admin/divisions/{code}", operation_id="divisions_update", dependencies=[require_roles(Role.ADMIN)])
def divisions_update(session: DbSession, code: str, body: DivisionPatch) -> dict[str, Any]:
    """Rename a district, street or community (应用维护 → 区域与网格)."""
    d = service.rename_division(session, code, body.name)
    return {"code": d.code, "name": d.name, "level": d.level}


def _bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if not raw:
        return None
    try:
        parts = [float(x) for x in raw.split(",")]
    except ValueError as exc:
        raise Invalid("bbox 格式应为 minlon,minlat,maxlon,maxlat") from exc
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise Invalid("bbox 格式应为 minlon,minlat,maxlon,maxlat")
    return parts[0], parts[1], parts[2], parts[3]
