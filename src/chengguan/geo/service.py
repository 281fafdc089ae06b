"""Geography: point → grid, city facts, geocoding, and grid/address import-export.

The grid index and the gazetteer live in memory (built from the tables on first use); a version
counter in ``sequences`` tells every process when an import changed them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import shapely
import shapely.validation
from pyproj import Geod
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from chengguan.core.errors import Invalid, NotFound
from chengguan.geo import address as addr
from chengguan.geo import coords
from chengguan.geo.codes import normalise_grid_code
from chengguan.geo.gridindex import GridIndex, check_coverage
from chengguan.geo.models import Division, Place, UnitGrid
from chengguan.system import counters
from chengguan.system import settings as cfg

CITY_NAME = cfg.define("city.name", "演示城市", "城市（区）名称，显示在各控制台和报表抬头。", "城市")
CITY_DISTRICT = cfg.define("city.district_code", "", "本平台管辖的区县行政区划代码（GB/T 2260，6 位）。", "城市")
SNAP_METERS = cfg.define(
    "geo.snap_meters", 30.0,
    "定位点落在城市边界外但距边界不超过该距离（米）时，归入最近的单元网格（GPS 误差）。0 表示不吸附。", "地理",
)
VERSION_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class _GeoState:
    """An immutable snapshot of the grid layer, published by plain assignment. Caches never hold a Python
    lock while reading the database: a request holding the SQLite write lock could otherwise deadlock
    with one holding the cache lock."""

    version: int
    index: GridIndex
    grid_meta: dict[str, tuple[str, str, str, int]]  # code → community, street, district, class
    names: dict[str, str]  # division code → name
    bbox: tuple[float, float, float, float] | None
    center: list[tuple[float, float]] = field(default_factory=list)  # computed lazily, once


_state: _GeoState | None = None
_checked_at = 0.0
_geocoders: dict[int, addr.Geocoder] = {}


_BUILD_LOCK = threading.RLock()


def _version(session: Session) -> int:
    return counters.peek(session, "geo_version")


def bump_version(session: Session) -> None:
    counters.bump(session, "geo_version")
    invalidate()


def invalidate() -> None:
    global _state, _checked_at
    _state = None
    _checked_at = 0.0
    _geocoders.clear()


def _ensure(session: Session) -> _GeoState:
    global _state, _checked_at
    st = _state
    now = time.monotonic()
    if st is not None and now - _checked_at < VERSION_CHECK_SECONDS:
        return st
    v = _version(session)
    _checked_at = now
    if st is not None and v == st.version:
        return st
    with _BUILD_LOCK:  # one build at a time: the start-up warm-up and early requests share it
        st = _state
        if st is not None and v == st.version:
            return st
        return _build(session, v)


def _build(session: Session, v: int) -> _GeoState:
    global _state
    rows = session.execute(
        select(UnitGrid.code, UnitGrid.geom, UnitGrid.community_code, UnitGrid.street_code,
               UnitGrid.district_code, UnitGrid.region_class).where(UnitGrid.valid_to.is_(None))
    ).all()
    polys = [r[1] for r in rows]
    built = _GeoState(
        version=v, index=GridIndex.build([r[0] for r in rows], polys),
        grid_meta={r[0]: (r[2], r[3], r[4], r[5]) for r in rows},
        names=dict(session.execute(select(Division.code, Division.name)).all()),
        bbox=_bounds(polys) if polys else None,
    )
    _state = built
    return built


def _bounds(polys: list[BaseGeometry]) -> tuple[float, float, float, float]:
    arr = shapely.bounds(polys)
    return (float(arr[:, 0].min()), float(arr[:, 1].min()), float(arr[:, 2].max()), float(arr[:, 3].max()))


_GEOD = Geod(ellps="WGS84")


def geodesic_area_m2(geom: BaseGeometry) -> float:
    return abs(float(_GEOD.geometry_area_perimeter(geom)[0]))


def warm_up(session: Session) -> None:
    """Build the grid index and the gazetteer at start-up so the first request is fast."""
    _ensure(session)
    _geocoder(session)


@dataclass(frozen=True)
class Located:
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    region_class: int
    names: dict[str, str]
    lon: float
    lat: float


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    if crs in ("wgs84", "cgcs2000"):
        return lon, lat
    x, y = coords.convert(lon, lat, coords.as_crs(crs), "wgs84")
    return float(x), float(y)


def locate(session: Session, lon: float, lat: float, crs: str = "wgs84") -> Located | None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise Invalid("经纬度超出范围（经度 −180…180，纬度 −90…90）")
    lon, lat = to_wgs84(lon, lat, crs)
    st = _ensure(session)
    code = st.index.locate(lon, lat)
    if code is None:
        snap = float(cfg.value(session, SNAP_METERS.key))
        if snap > 0:
            code = st.index.nearest(lon, lat, snap)
    if code is None:
        return None
    community, street, district, rclass = st.grid_meta[code]
    names = {"district": st.names.get(district, ""), "street": st.names.get(street, ""),
             "community": st.names.get(community, "")}
    return Located(code, community, street, district, rclass, names, lon, lat)


def locate_many(session: Session, lons: Any, lats: Any) -> Any:
    return _ensure(session).index.locate_many(lons, lats)


def grid_meta(session: Session, grid_code: str) -> tuple[str, str, str, int] | None:
    return _ensure(session).grid_meta.get(grid_code)


def division_name(session: Session, code: str) -> str:
    return _ensure(session).names.get(code, "")


def city_info(session: Session) -> dict[str, Any]:
    st = _ensure(session)
    if st.bbox is None:
        raise NotFound("尚未导入单元网格，城市范围未知（请先运行 chengguan demo load 或 import grids）")
    if not st.center:
        st.center.append(_center_in_grid(session, st))
    lon, lat = st.center[0]
    name = cfg.value(session, CITY_NAME.key)
    district = cfg.value(session, CITY_DISTRICT.key) or next(iter(st.grid_meta.values()))[2]
    return {"name": name, "district_code": district, "center": {"lon": lon, "lat": lat}, "bbox": list(st.bbox)}


CITY_CENTER = cfg.define("city.center", [], "地图默认中心 [经度, 纬度]（WGS-84）。为空时取城区单元网格的中心。", "城市")


def _center_in_grid(session: Session, st: _GeoState) -> tuple[float, float]:
    configured = cfg.value(session, CITY_CENTER.key)
    if configured and len(configured) == 2 and st.index.locate(*configured):
        return float(configured[0]), float(configured[1])
    # The point of the densest (一类) grid closest to the bbox centre, guaranteed inside a grid.
    assert st.bbox is not None
    cx, cy = (st.bbox[0] + st.bbox[2]) / 2, (st.bbox[1] + st.bbox[3]) / 2
    row = session.execute(
        select(UnitGrid.geom).where(UnitGrid.region_class == 1, UnitGrid.valid_to.is_(None))
        .order_by(func.abs((UnitGrid.min_lon + UnitGrid.max_lon) / 2 - cx)
                  + func.abs((UnitGrid.min_lat + UnitGrid.max_lat) / 2 - cy)).limit(1)
    ).first() or session.execute(select(UnitGrid.geom).limit(1)).first()
    assert row is not None
    p = row[0].representative_point()
    return float(p.x), float(p.y)


# ---------------------------------------------------------------- geocoding

def _geocoder(session: Session) -> addr.Geocoder:
    st = _ensure(session)
    g = _geocoders.get(st.version)
    if g is None:
        with _BUILD_LOCK:
            g = _geocoders.get(st.version)
            if g is None:
                rows = session.scalars(select(Place).where(Place.valid_to.is_(None))).all()
                g = addr.Geocoder([_to_place(p) for p in rows])
                _geocoders.clear()
                _geocoders[st.version] = g
    return g


def _to_place(p: Place) -> addr.Place:
    kind = p.kind  # the table's check constraint allows only PLACE_KINDS; same refusal as the Geocoder's
    if not addr.is_place_kind(kind):
        raise ValueError(f"地名{p.name!r}的类型{kind!r}无效，可选：{'/'.join(addr.PLACE_KINDS)}")
    return addr.Place(id=p.id, kind=kind, name=p.name, aliases=tuple(p.aliases or ()), lon=p.lon, lat=p.lat,
                      grid_code=p.grid_code, street_code=p.street_code, community_code=p.community_code,
                      road_id=p.road_id, number=p.number, geom=p.geom)


def geocode(session: Session, text: str, limit: int = 5) -> list[addr.Match]:
    text = (text or "").strip()
    if not text:
        raise Invalid("地址不能为空")
    if len(text) > 200:
        raise Invalid("地址过长（最多 200 字）")
    return _geocoder(session).geocode(text, limit=limit)


def reverse(session: Session, lon: float, lat: float) -> str:
    return _geocoder(session).reverse(lon, lat)


# ---------------------------------------------------------------- import / export

@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def _problem(report: ImportReport, where: str, message: str, **extra: Any) -> None:
    report.problems.append({"item": where, "message": message, **extra})


def parse_grid_features(fc: Any) -> tuple[list[dict[str, Any]], ImportReport]:
    """Validate a GeoJSON FeatureCollection of unit grids. Returns clean rows and the problems found."""
    report = ImportReport()
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection" or not isinstance(fc.get("features"), list):
        raise Invalid("不是有效的 GeoJSON FeatureCollection（需要 type=FeatureCollection 和 features 数组）")
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, feat in enumerate(fc["features"]):
        where = f"第 {i + 1} 个要素"
        props = (feat or {}).get("properties") or {}
        raw = str(props.get("code") or props.get("BGID") or props.get("grid_code") or "").strip()
        try:
            code = normalise_grid_code(raw)
        except ValueError as exc:
            _problem(report, where, str(exc), code=raw)
            continue
        where = f"网格 {code}"
        if code in seen:
            _problem(report, where, "编码在文件中重复", code=code)
            continue
        seen.add(code)
        try:
            geom = shape(feat.get("geometry"))
        except Exception as exc:  # shapely raises several types for malformed geometry
            _problem(report, where, f"几何无效：{exc}", code=code)
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            _problem(report, where, f"几何类型应为面（Polygon/MultiPolygon），收到 {geom.geom_type}", code=code)
            continue
        if not geom.is_valid:
            _problem(report, where, f"几何自相交或无效：{shapely.validation.explain_validity(geom)}", code=code)
            continue
        minx, miny, maxx, maxy = geom.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            _problem(report, where, "坐标不是经纬度（WGS-84/CGCS2000 度）", code=code)
            continue
        rc = props.get("region_class", 1)
        if rc in ("一类", "一类区域"):
            rc = 1
        elif rc in ("二类", "二类区域"):
            rc = 2
        if rc not in (1, 2):
            _problem(report, where, f"区域类别应为 1（一类）或 2（二类），收到 {rc!r}", code=code)
            continue
        rows.append({"code": code, "geom": geom, "name": props.get("name"), "region_class": int(rc),
                     "land_use": props.get("land_use"), "valid_from": _date(props.get("valid_from"))})
    return rows, report


def _date(v: Any) -> date | None:
    if not v:
        return None
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        return None


def import_grids(session: Session, fc: Any, *, replace: bool = False, check_outline: bool = True) -> ImportReport:
    """Import unit grids. All-or-nothing: any problem raises Invalid with the full list of offending
    grids, and nothing is written. ``replace`` retires every current grid not in the file."""
    rows, report = parse_grid_features(fc)
    communities = {c for (c,) in session.execute(select(Division.code).where(Division.level == "community"))}
    for r in rows:
        if communities and r["code"][:12] not in communities:
            _problem(report, f"网格 {r['code']}", f"所属社区 {r['code'][:12]} 不存在（请先导入行政区划）",
                     code=r["code"])
    existing = {} if replace else {
        c: g for c, g in session.execute(select(UnitGrid.code, UnitGrid.geom).where(UnitGrid.valid_to.is_(None)))
    }
    new_codes = {r["code"] for r in rows}
    codes = [r["code"] for r in rows] + [c for c in existing if c not in new_codes]
    polys = [r["geom"] for r in rows] + [g for c, g in existing.items() if c not in new_codes]
    outline = None
    if check_outline:
        district = session.scalars(select(Division).where(Division.level == "district")).all()
        geoms = [d.geom for d in district if d.geom is not None]
        if geoms and replace:
            outline = unary_union(geoms)
    if rows:
        _coverage_problems(report, check_coverage(codes, polys, outline))
    if report.problems:
        raise Invalid(f"网格导入失败：发现 {len(report.problems)} 个问题，未做任何修改",
                      code="import_rejected", details=report.problems[:500])
    today = date.today()
    if replace:
        for g in session.scalars(select(UnitGrid).where(UnitGrid.valid_to.is_(None))):
            if g.code not in new_codes:
                g.valid_to = today
    for r in rows:
        grid = session.get(UnitGrid, r["code"])
        geom = r["geom"]
        area = geodesic_area_m2(geom)
        minx, miny, maxx, maxy = geom.bounds
        values = dict(community_code=r["code"][:12], street_code=r["code"][:9], district_code=r["code"][:6],
                      name=r["name"], geom=geom, area_m2=area, region_class=r["region_class"],
                      land_use=r["land_use"], min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy,
                      valid_from=r["valid_from"] or today, valid_to=None)
        if grid is None:
            session.add(UnitGrid(code=r["code"], **values))
            report.created += 1
        else:
            for k, v in values.items():
                setattr(grid, k, v)
            report.updated += 1
    session.flush()
    bump_version(session)
    return report


def _coverage_problems(report: ImportReport, cov: Any) -> None:
    for o in cov.overlaps:
        _problem(report, f"网格 {o.a} 与 {o.b}", f"相互重叠 {o.area_m2:.1f} 平方米", code=o.a, other=o.b)
    for g in cov.gaps:
        _problem(report, "覆盖缺口", f"城市范围内有 {g.area_m2:.1f} 平方米未被网格覆盖",
                 lon=g.centroid[0], lat=g.centroid[1])
    for c in cov.outside:
        _problem(report, f"网格 {c}", "位于城市边界之外", code=c)
    for c, why in cov.invalid:
        _problem(report, f"网格 {c}", f"几何无效：{why}", code=c)


def grids_geojson(session: Session, bbox: tuple[float, float, float, float] | None = None,
                  limit: int | None = None, simplify: float | None = None) -> dict[str, Any]:
    stmt = select(UnitGrid).where(UnitGrid.valid_to.is_(None))
    if bbox:
        minx, miny, maxx, maxy = bbox
        stmt = stmt.where(UnitGrid.max_lon >= minx, UnitGrid.min_lon <= maxx, UnitGrid.max_lat >= miny,
                          UnitGrid.min_lat <= maxy)
    stmt = stmt.order_by(UnitGrid.code)
    if limit:
        stmt = stmt.limit(limit)
    feats = []
    for g in session.scalars(stmt):
        geom = g.geom.simplify(simplify) if simplify else g.geom
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": {"code": g.code, "name": g.name, "community_code": g.community_code,
                                     "street_code": g.street_code, "district_code": g.district_code,
                                     "region_class": g.region_class, "area_m2": round(g.area_m2, 1),
                                     "valid_from": g.valid_from.isoformat() if g.valid_from else None}})
    return {"type": "FeatureCollection", "features": feats}


def divisions_geojson(session: Session, level: str, simplify: float | None = None) -> dict[str, Any]:
    feats = []
    for d in session.scalars(select(Division).where(Division.level == level).order_by(Division.code)):
        if d.geom is None:
            continue
        geom = d.geom.simplify(simplify) if simplify else d.geom
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom),
                      "properties": {"code": d.code, "name": d.name, "level": d.level,
                                     "parent_code": d.parent_code}})
    return {"type": "FeatureCollection", "features": feats}


def update_grid(session: Session, code: str, *, name: str | None = None, region_class: int | None = None) -> UnitGrid:
    """Edit a unit grid's attributes (the geometry changes only through an import, which checks coverage).
    The region class feeds time limits and evaluation, so every process reloads its grid index."""
    grid = session.scalar(select(UnitGrid).where(UnitGrid.code == code, UnitGrid.valid_to.is_(None)))
    if grid is None:
        raise NotFound(f"单元网格 {code} 不存在", code="unknown_grid")
    if region_class is not None:
        if region_class not in (1, 2):
            raise Invalid("区域类别只能是 1（一类区域）或 2（二类区域）")
        grid.region_class = region_class
    if name is not None:
        grid.name = name.strip() or None
    session.flush()
    bump_version(session)
    return grid


def roads_geojson(session: Session, bbox: tuple[float, float, float, float] | None = None,
                  limit: int = 2000) -> dict[str, Any]:
    """Road centre lines (gazetteer places of kind ``road`` with a geometry) as GeoJSON, optionally only
    those crossing a viewport — the base map's roads when no tile server is reachable."""
    box = shapely.box(*bbox) if bbox else None
    feats = []
    for p in session.scalars(select(Place).where(Place.kind == "road", Place.geom.is_not(None),
                                                 Place.valid_to.is_(None)).order_by(Place.id)):
        if box is not None and not box.intersects(p.geom):
            continue
        feats.append({"type": "Feature", "geometry": shapely.geometry.mapping(p.geom),
                      "properties": {"id": p.id, "name": p.name, "class": p.category}})
        if len(feats) >= limit:
            break
    return {"type": "FeatureCollection", "features": feats}


def delete_gazetteer(session: Session) -> None:
    session.execute(delete(Place))


def rename_division(session: Session, code: str, name: str) -> Division:
    """Rename a district, street or community (the boundary changes only through an import)."""
    div = session.scalar(select(Division).where(Division.code == code))
    if div is None:
        raise NotFound(f"行政区划 {code} 不存在", code="unknown_division")
    name = name.strip()
    if not 2 <= len(name) <= 64:
        raise Invalid("名称应为 2–64 个字")
    div.name = name
    session.flush()
    bump_version(session)
    return div
