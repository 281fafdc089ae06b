"""Foundation entry points of the contract, through the ASGI app."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from chengguan.geo.models import UnitGrid


def err(r):  # the contract's error shape
    body = r.json()
    assert set(body) == {"error"}, body
    assert {"code", "message", "details"} <= set(body["error"]), body
    return body["error"]


def test_healthz(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


def test_openapi_operation_ids_stable_and_unique(client):
    spec = client.get("/openapi.json").json()
    ids = [op["operationId"] for path in spec["paths"].values() for op in path.values() if "operationId" in op]
    assert len(ids) == len(set(ids))
    for expected in ("auth_token", "categories_list", "grids_locate", "geocode", "city_get", "reports_create",
                     "cases_get", "cases_list", "cases_action", "healthz"):
        assert expected in ids
    assert "OAuth2PasswordBearer" in json.dumps(spec["components"]["securitySchemes"])


def test_token_good_and_bad(client):
    r = client.post("/api/v1/auth/token", data={"username": "admin", "password": "demo"})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer" and body["access_token"]
    me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["username"] == "admin"
    bad = client.post("/api/v1/auth/token", data={"username": "admin", "password": "wrong"})
    assert bad.status_code == 401 and err(bad)["code"] == "bad_credentials"
    unknown = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "demo"})
    assert unknown.status_code == 401


def test_errors_have_the_contract_shape(client, auth):
    assert err(client.get("/api/v1/cases"))["code"] == "not_authenticated"
    r = client.get("/api/v1/cases", headers={"Authorization": "Bearer garbage"})
    assert r.status_code == 401 and err(r)["code"] == "invalid_token"
    r = client.get("/api/v1/users", headers=auth("collector1"))
    assert r.status_code == 403 and err(r)["code"] == "role_required"
    r = client.get("/api/v1/cases/999999999", headers=auth("admin"))
    assert r.status_code == 404 and err(r)["code"] == "unknown_case"
    r = client.get("/api/v1/grids/locate?lon=abc&lat=1")
    assert r.status_code == 422 and err(r)["code"] == "invalid"
    assert client.get("/no/such/path").status_code == 404


def test_city_centre_is_inside_a_grid(client):
    city = client.get("/api/v1/city").json()
    assert city["district_code"] == "320614"
    minlon, minlat, maxlon, maxlat = city["bbox"]
    c = city["center"]
    assert minlon < c["lon"] < maxlon and minlat < c["lat"] < maxlat
    r = client.get("/api/v1/grids/locate", params={"lon": c["lon"], "lat": c["lat"]})
    assert r.status_code == 200
    body = r.json()
    assert len(body["grid_code"]) == 15 and body["grid_code"].startswith(body["community_code"])
    assert body["community_code"].startswith(body["street_code"]) and body["street_code"].startswith("320614")
    assert body["names"]["street"] and body["names"]["community"]


def test_locate_outside_and_other_crs(client):
    assert err(client.get("/api/v1/grids/locate", params={"lon": 116.4, "lat": 39.9}))["code"] == "outside_city"
    c = client.get("/api/v1/city").json()["center"]
    from chengguan.geo import coords

    for crs in ("gcj02", "bd09"):
        x, y = coords.convert(c["lon"], c["lat"], "wgs84", crs)
        r = client.get("/api/v1/grids/locate", params={"lon": float(x), "lat": float(y), "crs": crs})
        assert r.status_code == 200
        assert abs(r.json()["lon"] - c["lon"]) < 1e-6 and abs(r.json()["lat"] - c["lat"]) < 1e-6


def test_categories_contract_and_search(client):
    r = client.get("/api/v1/categories", params={"kind": "component", "limit": 1000})
    body = r.json()
    assert body["total"] == 153 and len(body["items"]) == 153
    assert set(body["items"][0]) >= {"code", "name", "kind", "major_code", "major_name"}
    assert client.get("/api/v1/categories", params={"kind": "matter"}).json()["total"] == 250
    found = client.get("/api/v1/categories", params={"q": "占道"}).json()["items"]
    assert any(i["code"] == "09006" for i in found)
    by_pinyin = client.get("/api/v1/categories", params={"q": "zdjy"}).json()["items"]
    assert any(i["code"] == "09006" for i in by_pinyin)
    detail = client.get("/api/v1/categories/09006").json()
    assert detail["kind"] == "matter" and detail["conditions"] and detail["time_limits"]
    legacy = client.get("/api/v1/categories/0101", params={"kind": "component"}).json()
    assert legacy["code"] == "01001"
    assert client.get("/api/v1/categories/99999").status_code == 404
    assert client.get("/api/v1/categories/abc").status_code == 422


def test_geocode_finds_a_door_plate(client, db_session):
    from chengguan.geo.models import Place

    door = db_session.scalars(select(Place).where(Place.kind == "door").limit(1)).one()
    r = client.get("/api/v1/geocode", params={"address": door.name})
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and items[0]["level"] == "door"
    assert abs(items[0]["lon"] - door.lon) < 1e-6 and items[0]["grid_code"] == door.grid_code
    assert 0 <= items[0]["score"] <= 1
    assert client.get("/api/v1/geocode", params={"address": ""}).status_code == 422
    rev = client.get("/api/v1/geocode/reverse", params={"lon": door.lon, "lat": door.lat}).json()
    assert "附近" in rev["description"] or door.name in rev["description"]


# ---------------------------------------------------------------- grid import refusals change nothing


def _square(x, y, d=0.001):
    return {"type": "Polygon", "coordinates": [[[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]]}


def _fc(*features):
    return {"type": "FeatureCollection", "features": list(features)}


def _feature(code, geom, **props):
    return {"type": "Feature", "properties": {"code": code, **props}, "geometry": geom}


def _grid_snapshot(db_session):
    return db_session.execute(select(UnitGrid.code, UnitGrid.min_lon).order_by(UnitGrid.code)).all()


@pytest.mark.parametrize("payload, expect", [
    ({"type": "Nope"}, "FeatureCollection"),
    (_fc(_feature("32061400", _square(121.0, 31.0))), "15位"),
    (_fc(_feature("320614001001999", {"type": "Point", "coordinates": [121.0, 31.0]})), "Polygon"),
    (_fc(_feature("320614001001999", {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})),
     "自相交"),
    (_fc(_feature("320614001999001", _square(121.0, 31.0))), "不存在"),
    (_fc(_feature("320614999999001", _square(121.0, 31.0))), "GB/T 10114"),
])
def test_bad_grid_import_is_refused_and_changes_nothing(client, auth, db_session, payload, expect):
    before = _grid_snapshot(db_session)
    r = client.post("/api/v1/admin/grids/import", json=payload, headers=auth("admin"))
    assert r.status_code == 422, r.text
    e = err(r)
    assert expect in e["message"] + json.dumps(e["details"], ensure_ascii=False)
    assert _grid_snapshot(db_session) == before


def test_overlapping_grid_import_is_refused(client, auth, db_session):
    g = db_session.scalars(select(UnitGrid).limit(1)).one()
    # A new grid in the same community that overlaps an existing one
    new_code = g.community_code + "999"
    geom = json.loads(json.dumps(__import__("shapely").geometry.mapping(g.geom.buffer(-0.00001))))
    before = _grid_snapshot(db_session)
    r = client.post("/api/v1/admin/grids/import", json=_fc(_feature(new_code, geom)), headers=auth("admin"))
    assert r.status_code == 422
    assert any(g.code in json.dumps(d) for d in err(r)["details"])
    assert _grid_snapshot(db_session) == before


def test_grid_import_updates_a_grid(client, auth, db_session):
    g = db_session.scalars(select(UnitGrid).limit(1)).one()
    geom = __import__("shapely").geometry.mapping(g.geom)
    r = client.post("/api/v1/admin/grids/import", json=_fc(_feature(g.code, geom, region_class=2, name="改名")),
                    headers=auth("admin"))
    assert r.status_code == 200 and r.json() == {"created": 0, "updated": 1}
    db_session.expire_all()
    assert db_session.get(UnitGrid, g.code).region_class == 2


def test_fourteen_digit_legacy_code_is_accepted(client, auth, db_session):
    g = db_session.scalars(select(UnitGrid).where(UnitGrid.code.like("%001")).limit(1)).one()
    legacy = g.code[:12] + "01"
    geom = __import__("shapely").geometry.mapping(g.geom)
    r = client.post("/api/v1/admin/grids/import", json=_fc(_feature(legacy, geom)), headers=auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["updated"] == 1


# ---------------------------------------------------------------- accounts and permissions


def test_admin_manages_users(client, auth):
    h = auth("admin")
    r = client.post("/api/v1/users", headers=h, json={
        "username": "newcollector", "display_name": "新监督员", "password": "abc12345xyz",
        "roles": [{"role": "collector", "region_code": "320614001"}]})
    assert r.status_code == 201, r.text
    uid = r.json()["id"]
    assert r.json()["roles"][0]["label"] == "监督员"
    assert client.post("/api/v1/users", headers=h, json={
        "username": "newcollector", "display_name": "x", "password": "abc12345xyz"}).status_code == 409
    weak = client.post("/api/v1/users", headers=h, json={"username": "weak", "display_name": "x", "password": "123"})
    assert weak.status_code == 422
    bad_role = client.post("/api/v1/users", headers=h, json={
        "username": "br", "display_name": "x", "password": "abc12345xyz", "roles": [{"role": "emperor"}]})
    assert bad_role.status_code == 422
    tok = client.post("/api/v1/auth/token", data={"username": "newcollector", "password": "abc12345xyz"}).json()
    hh = {"Authorization": f"Bearer {tok['access_token']}"}
    assert client.get("/api/v1/auth/me", headers=hh).status_code == 200
    # changing the password revokes outstanding tokens
    assert client.post(f"/api/v1/users/{uid}/password", headers=h, json={"password": "n3wpassword!"}).status_code == 204
    assert client.get("/api/v1/auth/me", headers=hh).status_code == 401


def test_cookie_session_needs_csrf_for_writes(client):
    r = client.post("/api/v1/auth/login", json={"username": "admin", "password": "demo"})
    assert r.status_code == 200
    csrf = r.json()["csrf_token"]
    assert client.get("/api/v1/auth/me").status_code == 200  # the cookie authenticates reads
    body = {"username": "csrfuser", "display_name": "x", "password": "abc12345xyz"}
    refused = client.post("/api/v1/users", json=body)
    assert refused.status_code == 403 and err(refused)["code"] == "csrf_failed"
    ok = client.post("/api/v1/users", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201


def test_settings_api(client, auth):
    h = auth("admin")
    items = client.get("/api/v1/system/settings", headers=h).json()
    keys = {i["key"] for i in items}
    assert {"city.name", "workflow.warn_fraction", "worktime.work_windows"} <= keys
    assert all(i["help"] for i in items)
    r = client.put("/api/v1/system/settings/workflow.warn_fraction", headers=h, json={"value": "high"})
    assert r.status_code == 422
    assert client.put("/api/v1/system/settings/workflow.warn_fraction", headers=h, json={"value": 0.7}).status_code == 200
    assert client.put("/api/v1/system/settings/no.such", headers=h, json={"value": 1}).status_code == 404
    assert client.get("/api/v1/system/settings", headers=auth("dispatcher1")).status_code == 403


def test_calendar_api(client, auth):
    h = auth("admin")
    y2026 = client.get("/api/v1/calendar", params={"year": 2026}, headers=h).json()
    assert y2026["has_data"] is True
    assert any(d["day"] == "2026-10-01" and not d["is_workday"] for d in y2026["days"])
    y2030 = client.get("/api/v1/calendar", params={"year": 2030}, headers=h).json()
    assert y2030["has_data"] is False and "周一至周五" in y2030["notice"]
    # An administrator enters next year's notice; a Monday holiday changes deadlines at once.
    r = client.put("/api/v1/calendar/days/2030-01-07", headers=h, json={"is_workday": False, "name": "测试假日"})
    assert r.status_code == 200
    due = client.get("/api/v1/calendar/compute", headers=h, params={
        "start": "2030-01-04T17:00:00+08:00", "amount": 1, "unit": "work_hour"}).json()
    assert due["due_at"].startswith("2030-01-08T01:00")  # Tue 09:00 local = 01:00 UTC (08:30 + 30 min)
    assert client.put("/api/v1/calendar/days/2030-01-08", headers=h, json={"is_workday": True}).status_code == 422
    assert client.put("/api/v1/calendar/days/2030-01-07", headers=auth("dispatcher1"),
                      json={"is_workday": False, "name": "x"}).status_code == 403


def test_a_failed_commit_is_reported_not_acknowledged(client, auth, db_session, monkeypatch):
    """The commit runs before the response: if it fails, the caller gets an error, never a 200."""
    from sqlalchemy.exc import IntegrityError

    def boom():
        raise IntegrityError("INSERT", {}, Exception("duplicate key"))

    headers = auth("admin")
    monkeypatch.setattr(db_session, "commit", boom)
    r = client.post("/api/v1/users", headers=headers, json={
        "username": "willfail", "display_name": "x", "password": "abc12345xyz"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "integrity_error"


def test_a_nul_character_is_a_422_not_a_500(client, auth):
    """PostgreSQL cannot store NUL in text; SQLite can. Either way the caller gets no 500."""
    c = client.get("/api/v1/city").json()["center"]
    r = client.post("/api/v1/reports", headers={**auth("collector1"), "Idempotency-Key": "nul-1"},
                    json={"category_code": "09006", "description": "占道\u0000经营", "lon": c["lon"], "lat": c["lat"]})
    assert r.status_code in (201, 422), r.text
