"""Base-data import/export: all-or-nothing imports with a clear report; exports that re-import."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from chengguan.catalog.models import Component
from chengguan.core.errors import Invalid
from chengguan.geo import io, service
from chengguan.geo.models import Place


def _centre(db_session):
    c = service.city_info(db_session)["center"]
    return c["lon"], c["lat"]


def test_component_import_refuses_bad_rows_and_changes_nothing(db_session, tmp_path):
    lon, lat = _centre(db_session)
    f = tmp_path / "c.csv"
    rows = [
        {"GLBJBSM": "32061401001900001", "GLBJMC": "供水井盖", "GLBJZT": "完好", "lon": lon, "lat": lat},
        {"GLBJBSM": "123", "GLBJMC": "x", "lon": lon, "lat": lat},  # wrong length
        {"GLBJBSM": "32061499999900001", "GLBJMC": "x", "lon": lon, "lat": lat},  # unknown category
        {"GLBJBSM": "32061401001900002", "GLBJMC": "x", "lon": 116.4, "lat": 39.9},  # outside the city
        {"GLBJBSM": "32061401001900003", "GLBJMC": "x", "lon": lon, "lat": lat, "CSRQ": "2024-13-40"},
    ]
    with f.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["GLBJBSM", "GLBJMC", "GLBJZT", "lon", "lat", "CSRQ"])
        w.writeheader()
        w.writerows(rows)
    before = db_session.scalar(select(func.count()).select_from(Component))
    with pytest.raises(Invalid) as e:
        io.import_components(db_session, f)
    msgs = " ".join(p["message"] for p in e.value.details)
    assert "17 位" in msgs and "未知部件类别" in msgs and "不在本市" in msgs and "日期" in msgs
    assert len(e.value.details) == 4
    assert db_session.scalar(select(func.count()).select_from(Component)) == before


def test_component_import_with_legacy_16_digit_code(db_session, tmp_path):
    lon, lat = _centre(db_session)
    f = tmp_path / "c.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"GLBJBSM": "3206140101999999", "GLBJMC": "上水井盖", "CSRQ": "20240105"}}]}), encoding="utf-8")
    r = io.import_components(db_session, f)
    assert r.created == 1
    comp = db_session.scalar(select(Component).where(Component.code == "32061401001999999"))
    assert comp is not None and comp.category_code == "01001" and comp.grid_code and comp.street_name


def test_export_and_reimport_components(db_session, tmp_path):
    out = tmp_path / "all.csv"
    n = io.export_components(db_session, out, "csv")
    assert n == db_session.scalar(select(func.count()).select_from(Component))
    header = out.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("GLBJBSM,GLBJMC,ZGBMDM")
    geo = tmp_path / "all.geojson"
    io.export_components(db_session, geo, "geojson")
    r = io.import_components(db_session, geo)
    assert r.updated == n and r.created == 0


def test_address_import(db_session, tmp_path):
    lon, lat = _centre(db_session)
    f = tmp_path / "a.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[lon, lat], [lon + 0.003, lat]]},
         "properties": {"kind": "road", "name": "测试新路", "aliases": "测试路"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon + 0.001, lat]},
         "properties": {"kind": "door", "road": "测试新路", "number": 8}},
    ]}, ensure_ascii=False), encoding="utf-8")
    assert io.import_addresses(db_session, f).created == 2
    door = db_session.scalar(select(Place).where(Place.name == "测试新路8号"))
    assert door is not None and door.road_id is not None and door.grid_code
    hits = service.geocode(db_session, "测试路8号")
    assert hits and hits[0].address.startswith("测试新路8号") or hits[0].place_id == door.id
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,name,road,number,lon,lat\ndoor,,不存在的路,5,121.1,31.8\nplanet,火星,,,1,1\n", encoding="utf-8")
    with pytest.raises(Invalid) as e:
        io.import_addresses(db_session, bad)
    assert len(e.value.details) == 2


def test_grid_export_round_trip(db_session, tmp_path):
    out = tmp_path / "g.geojson"
    n = io.export_grids(db_session, out, "geojson")
    fc = json.loads(out.read_text(encoding="utf-8"))
    assert len(fc["features"]) == n and len(fc["features"][0]["properties"]["code"]) == 15
    rep = service.import_grids(db_session, fc)
    assert rep.updated == n
