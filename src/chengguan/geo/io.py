"""File import/export of base data: components (部件) and the address gazetteer; grid export.

Imports are all-or-nothing: every row is checked first; any problem raises ``Invalid`` listing the
offending rows and nothing is written. Field names follow GB/T 47678.5-2026 table 2 abbreviations
(GLBJBSM, GLBJMC, …); plain English column names are accepted too.
"""

from __future__ import annotations

import csv
import io as _io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import shapely
from rich.progress import Progress
from shapely.geometry import mapping, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.catalog import directory
from chengguan.catalog.models import Category, Component
from chengguan.core.errors import Invalid
from chengguan.geo import service
from chengguan.geo.models import Division, Place, UnitGrid

COMPONENT_FIELDS = {
    "GLBJBSM": "code", "GLBJMC": "name", "ZGBMDM": "competent_dept_code", "ZGBMMC": "competent_dept_name",
    "QSDWDM": "owner_code", "QSDWMC": "owner_name", "YHDWDM": "maintainer_code", "YHDWMC": "maintainer_name",
    "SZDYWGBSM": "grid_code", "GLBJZT": "status", "CSRQ": "initial_date", "BGRQ": "change_date",
    "SJLY": "data_source", "BZ": "note", "SZJDDM": "street_code", "SZJDMC": "street_name",
    "SZSQDM": "community_code", "SZSQMC": "community_name",
}
REVERSE_FIELDS = {v: k for k, v in COMPONENT_FIELDS.items()}


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    problems: list[dict[str, Any]] = field(default_factory=list)


def _rows(path: Path) -> Iterator[tuple[dict[str, Any], Any]]:
    """Yield (properties, shapely geometry or None) from a GeoJSON or CSV file."""
    if not path.exists():
        raise Invalid(f"文件不存在：{path}")
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".json", ".geojson"):
        try:
            fc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise Invalid(f"不是有效的 JSON：第 {exc.lineno} 行 {exc.msg}") from exc
        if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
            raise Invalid("不是 GeoJSON FeatureCollection")
        for feat in fc.get("features") or []:
            props = dict((feat or {}).get("properties") or {})
            try:
                geom = shape(feat["geometry"]) if feat.get("geometry") else None
            except Exception:
                geom = "invalid"
            yield props, geom
    elif path.suffix.lower() == ".csv":
        for row in csv.DictReader(_io.StringIO(text)):
            yield {k.strip(): (v.strip() if isinstance(v, str) else v) for k, v in row.items() if k}, None
    else:
        raise Invalid("只支持 .geojson/.json 或 .csv 文件")


def _date(v: Any) -> date | None:
    if not v:
        return None
    s = str(v).replace("-", "")
    try:
        if len(s) == 8 and s.isdigit():
            return date(int(s[:4]), int(s[4:6]), int(s[6:]))
    except ValueError:
        pass
    raise ValueError(f"日期应为有效的 YYYYMMDD 或 YYYY-MM-DD：{v}")


class _RowError(ValueError):
    """A problem with one input row (collected; the import then fails as a whole)."""


def _component_code(raw: Any) -> str:
    code = str(raw or "").strip()
    if len(code) == 16 and code.isdigit():
        # 2013-era 16-digit code: division 6 + 大类 2 + 小类 2 + sequence 6 → 2026 17-digit
        mapped = directory.legacy_to_new(code[6:10])
        if mapped is None or mapped[0] != "component":
            raise _RowError(f"旧版部件编码 {code} 的类别 {code[6:10]} 无法映射")
        code = code[:6] + mapped[1] + code[10:]
    if len(code) != 17 or not code.isdigit():
        raise _RowError(f"部件标识码应为 17 位数字（或 16 位旧码），收到 {code!r}")
    return code


def _point(rec: dict[str, Any], geom: Any) -> tuple[float, float]:
    if geom == "invalid":
        raise _RowError("几何无效")
    if geom is not None:
        if geom.geom_type != "Point":
            raise _RowError("部件几何应为点")
        return float(geom.x), float(geom.y)
    try:
        return float(rec.get("lon") or rec.get("PointX") or ""), float(rec.get("lat") or rec.get("PointY") or "")
    except ValueError as exc:
        raise _RowError("缺少有效的经纬度") from exc


def _component_row(session: Session, rec: dict[str, Any], geom: Any, categories: dict[str, Category],
                   names: dict[str, str], seen: set[str]) -> dict[str, Any]:
    code = _component_code(rec.get("code"))
    if code in seen:
        raise _RowError(f"部件标识码 {code} 在文件中重复")
    seen.add(code)
    cat_code = code[6:11]
    if cat_code not in categories:
        raise _RowError(f"未知部件类别 {cat_code}（GB/T 47678.5-2026）")
    lon, lat = _point(rec, geom)
    try:
        initial, change = _date(rec.get("initial_date")), _date(rec.get("change_date"))
    except ValueError as exc:
        raise _RowError(f"{code}：{exc}") from exc
    found = service.locate(session, lon, lat)
    if found is None:
        raise _RowError(f"{code}：位置不在本市单元网格内（{lon}, {lat}）")
    opt = {k: rec.get(k) or None for k in ("competent_dept_code", "competent_dept_name", "owner_code", "owner_name",
                                           "maintainer_code", "maintainer_name", "data_source", "note")}
    return {"code": code, "name": rec.get("name") or categories[cat_code].name, "category_code": cat_code, **opt,
            "grid_code": found.grid_code, "status": rec.get("status") or "完好", "initial_date": initial,
            "change_date": change, "street_code": found.street_code, "street_name": names.get(found.street_code),
            "community_code": found.community_code, "community_name": names.get(found.community_code),
            "lon": lon, "lat": lat}


def import_components(session: Session, path: Path, progress: bool = False) -> Report:
    report = Report()
    categories = {c.code: c for c in session.scalars(select(Category).where(Category.kind == "component"))}
    names = dict(session.execute(select(Division.code, Division.name)).all())
    clean: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, (props, geom) in enumerate(_rows(path)):
        rec = {COMPONENT_FIELDS.get(k, k): v for k, v in props.items()}
        try:
            clean.append(_component_row(session, rec, geom, categories, names, seen))
        except _RowError as exc:
            report.problems.append({"item": f"第 {i + 1} 行", "message": str(exc)})
    if report.problems:
        raise Invalid(f"部件导入失败：{len(report.problems)} 处问题，未做任何修改", code="import_rejected",
                      details=report.problems[:500])
    existing = {c: i for c, i in session.execute(select(Component.code, Component.id))}
    with _progress(progress, "写入部件", len(clean)) as tick:
        for rec in clean:
            cid = existing.get(rec["code"])
            if cid is None:
                session.add(Component(**rec, version=1))
                report.created += 1
            else:
                comp = session.get(Component, cid)
                assert comp is not None
                for k, v in rec.items():
                    setattr(comp, k, v)
                comp.version += 1
                report.updated += 1
            tick()
    session.flush()
    return report


PLACE_KINDS = ("district", "street", "community", "zone", "block", "road", "door", "poi")


def _address_row(props: dict[str, Any], geom: Any, known_roads: set[str]) -> dict[str, Any]:
    kind = str(props.get("kind") or "").strip()
    name = str(props.get("name") or "").strip()
    if kind not in PLACE_KINDS:
        raise _RowError(f"类型应为 {'/'.join(PLACE_KINDS)} 之一，收到 {kind!r}")
    if not name and kind != "door":
        raise _RowError("名称不能为空")
    aliases = props.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [a for a in aliases.split("|") if a]
    if geom == "invalid":
        raise _RowError("几何无效")
    if geom is None:
        try:
            geom = shapely.Point(float(props["lon"]), float(props["lat"]))
        except (KeyError, ValueError, TypeError) as exc:
            raise _RowError("缺少有效的几何或经纬度") from exc
    if geom.geom_type == "Point":
        pt = geom
    elif geom.geom_type == "LineString":
        pt = geom.interpolate(0.5, normalized=True)
    else:
        pt = geom.representative_point()
    rec: dict[str, Any] = {"kind": kind, "name": name, "aliases": list(aliases), "lon": pt.x, "lat": pt.y,
                           "geom": None if geom.geom_type == "Point" else geom,
                           "category": props.get("category") or None, "source": "import"}
    if kind == "door":
        road = str(props.get("road") or "").strip()
        try:
            rec["number"] = int(str(props.get("number")).strip())
        except (TypeError, ValueError) as exc:
            raise _RowError("门牌号应为整数") from exc
        if road not in known_roads:
            raise _RowError(f"门牌所在道路 {road!r} 不存在（请先导入道路）")
        rec["road_name"] = road
        rec["name"] = name or f"{road}{rec['number']}号"
    if kind == "road":
        known_roads.add(name)
    return rec


def import_addresses(session: Session, path: Path, progress: bool = False) -> Report:
    report = Report()
    roads = {p.name: p for p in session.scalars(select(Place).where(Place.kind == "road"))}
    known = set(roads)
    clean: list[dict[str, Any]] = []
    for i, (props, geom) in enumerate(_rows(path)):
        try:
            clean.append(_address_row(props, geom, known))
        except _RowError as exc:
            report.problems.append({"item": f"第 {i + 1} 行", "message": str(exc)})
    if report.problems:
        raise Invalid(f"地址导入失败：{len(report.problems)} 处问题，未做任何修改", code="import_rejected",
                      details=report.problems[:500])
    with _progress(progress, "写入地址", len(clean)) as tick:
        for rec in clean:
            road_name = rec.pop("road_name", None)
            found = service.locate(session, rec["lon"], rec["lat"])
            rec.update(grid_code=found.grid_code if found else None,
                       community_code=found.community_code if found else None,
                       street_code=found.street_code if found else None)
            if road_name:
                rec["road_id"] = roads[road_name].id
            place = Place(**rec)
            session.add(place)
            if rec["kind"] == "road":
                session.flush()
                roads[place.name] = place
            report.created += 1
            tick()
    session.flush()
    service.bump_version(session)
    return report


class _progress:
    def __init__(self, enabled: bool, label: str, total: int) -> None:
        self.enabled, self.label, self.total = enabled, label, total
        self._p: Progress | None = None

    def __enter__(self) -> Callable[..., None]:
        if not self.enabled:
            return lambda n=1: None
        self._p = Progress()
        self._p.start()
        task = self._p.add_task(self.label, total=self.total)
        p = self._p
        return lambda n=1: p.advance(task, n)

    def __exit__(self, *exc: object) -> None:
        if self._p:
            self._p.stop()


def _write(out: Path, fmt: str, header: list[str], rows: Iterator[tuple[dict[str, Any], Any]]) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    if fmt == "csv":
        with out.open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.DictWriter(f, fieldnames=[*header, "wkt"])
            w.writeheader()
            for props, geom in rows:
                w.writerow({**props, "wkt": geom.wkt if geom is not None else ""})
                n += 1
    elif fmt == "geojson":
        with out.open("w", encoding="utf-8") as f:
            f.write('{"type":"FeatureCollection","features":[\n')
            for props, geom in rows:
                if n:
                    f.write(",\n")
                f.write(json.dumps({"type": "Feature", "geometry": mapping(geom) if geom is not None else None,
                                    "properties": props}, ensure_ascii=False, default=str))
                n += 1
            f.write("\n]}\n")
    else:
        raise Invalid("格式只能是 geojson 或 csv")
    return n


def export_grids(session: Session, out: Path, fmt: str) -> int:
    header = ["code", "name", "community_code", "street_code", "district_code", "region_class", "area_m2",
              "valid_from"]

    def rows() -> Iterator[tuple[dict[str, Any], Any]]:
        for g in session.scalars(select(UnitGrid).where(UnitGrid.valid_to.is_(None)).order_by(UnitGrid.code)):
            yield ({"code": g.code, "name": g.name, "community_code": g.community_code,
                    "street_code": g.street_code, "district_code": g.district_code,
                    "region_class": g.region_class, "area_m2": round(g.area_m2, 1),
                    "valid_from": g.valid_from.isoformat() if g.valid_from else ""}, g.geom)

    return _write(out, fmt, header, rows())


def export_components(session: Session, out: Path, fmt: str, progress: bool = False) -> int:
    header = [*COMPONENT_FIELDS.keys()]

    def rows() -> Iterator[tuple[dict[str, Any], Any]]:
        stmt = select(Component).order_by(Component.id).execution_options(yield_per=5000)
        for c in session.scalars(stmt):
            props = {abbr: _fmt(getattr(c, attr)) for abbr, attr in COMPONENT_FIELDS.items()}
            yield props, shapely.Point(c.lon, c.lat)

    return _write(out, fmt, header, rows())


def _fmt(v: Any) -> Any:
    if isinstance(v, date):
        return v.strftime("%Y%m%d")
    return "" if v is None else v


def export_addresses(session: Session, out: Path, fmt: str) -> int:
    header = ["id", "kind", "name", "aliases", "road", "number", "category", "grid_code", "lon", "lat"]
    road_names = dict(session.execute(select(Place.id, Place.name).where(Place.kind == "road")).all())

    def rows() -> Iterator[tuple[dict[str, Any], Any]]:
        for p in session.scalars(select(Place).order_by(Place.id).execution_options(yield_per=5000)):
            yield ({"id": p.id, "kind": p.kind, "name": p.name, "aliases": "|".join(p.aliases or []),
                    "road": road_names.get(p.road_id, "") if p.road_id else "", "number": p.number or "",
                    "category": p.category or "", "grid_code": p.grid_code or "", "lon": p.lon, "lat": p.lat},
                   p.geom if p.geom is not None else shapely.Point(p.lon, p.lat))

    return _write(out, fmt, header, rows())
