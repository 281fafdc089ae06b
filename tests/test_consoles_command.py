"""监督指挥 / 领导驾驶舱 / 应用维护: the viewport clusters endpoint, the base map as a setting, the admin
endpoints added for the administration console, and the pages' doors (roles)."""

from __future__ import annotations

from casehelpers import Flow

# ---------------------------------------------------------------- clusters (zoomed-out command map)


def _box(lon: float, lat: float, d: float = 0.01) -> str:
    return f"{lon - d},{lat - d},{lon + d},{lat + d}"


def test_clusters_count_the_viewport_and_follow_the_filters(client, auth):
    f = Flow(client, auth)
    h = auth("leader1")
    box = _box(f.lon, f.lat)
    before = client.get("/api/v1/dashboard/clusters", params={"bbox": box}, headers=h).json()
    f.report()
    f.to_registered()
    after = client.get("/api/v1/dashboard/clusters", params={"bbox": box}, headers=h).json()
    assert after["total"] == before["total"] + 2
    assert sum(c["count"] for c in after["items"]) == after["total"]
    assert all(f.lon - 0.011 <= c["lon"] <= f.lon + 0.011 for c in after["items"])
    reg = client.get("/api/v1/dashboard/clusters", params={"bbox": box, "status": "registered"}, headers=h).json()
    reg_before = client.get("/api/v1/cases", params={"bbox": box, "status": "registered", "page_size": 1},
                            headers=h).json()["total"]
    assert reg["total"] == reg_before
    # a viewport elsewhere has none of them
    far = client.get("/api/v1/dashboard/clusters", params={"bbox": "100,20,100.01,20.01"}, headers=h).json()
    assert far == {"cell": far["cell"], "items": [], "total": 0}


def test_clusters_refuse_bad_input_and_anonymous_callers(client, auth):
    h = auth("leader1")
    assert client.get("/api/v1/dashboard/clusters", params={"bbox": "1,2,3"}, headers=h).status_code == 422
    r = client.get("/api/v1/dashboard/clusters", params={"bbox": "1,2,3,4", "status": "nope"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["message"].startswith("未知状态")
    assert client.get("/api/v1/dashboard/clusters", params={"bbox": "1,2,3,4", "cells": 1000},
                      headers=h).status_code == 422
    assert client.get("/api/v1/dashboard/clusters", params={"bbox": "1,2,3,4"}).status_code == 401


def test_clusters_only_count_what_the_caller_may_see(client, auth):
    f = Flow(client, auth)
    f.report(user="citizen1", channel="public")
    box = _box(f.lon, f.lat)
    citizen = client.get("/api/v1/dashboard/clusters", params={"bbox": box}, headers=auth("citizen1")).json()
    leader = client.get("/api/v1/dashboard/clusters", params={"bbox": box}, headers=auth("leader1")).json()
    assert 1 <= citizen["total"] < leader["total"]


# ---------------------------------------------------------------- base map setting


def test_base_map_setting_is_validated_and_reaches_pages_and_csp(client, auth):
    h = auth("admin")
    bad = [("map.tile_url", "ftp://tiles/{z}/{x}/{y}"), ("map.tile_url", "https://tiles.example.cn/{z}/{x}.png"),
           ("map.tile_url", 'https://t.example.cn/{z}/{x}/{y}.png"><script>'), ("map.tile_crs", "utm"),
           ("map.tile_subdomains", "a b"), ("map.tiles_enabled", "yes"),
           ("map.tile_attribution", "<img src=x onerror=alert(1)>")]
    for key, value in bad:
        r = client.put(f"/api/v1/system/settings/{key}", json={"value": value}, headers=h)
        assert r.status_code == 422, (key, value, r.text)
    url = "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=k"
    assert client.put("/api/v1/system/settings/map.tile_url", json={"value": url}, headers=h).status_code == 200
    assert client.put("/api/v1/system/settings/map.tile_crs", json={"value": "gcj02"}, headers=h).status_code == 200
    assert client.put("/api/v1/system/settings/map.tile_subdomains", json={"value": "01234567"},
                      headers=h).status_code == 200
    page = client.get("/command", headers=h)
    assert page.status_code == 200
    assert url.replace("&", "&amp;") not in page.text  # JSON in a script tag, not HTML-escaped …
    assert '"tile_url": "https://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=k"' in page.text
    assert '"tile_crs": "gcj02"' in page.text and '"tile_subdomains": "01234567"' in page.text
    assert "img-src 'self' data: blob: https://*.tianditu.gov.cn;" in page.headers["content-security-policy"]
    # switched off: no tiles, and the CSP allows none
    assert client.put("/api/v1/system/settings/map.tiles_enabled", json={"value": False},
                      headers=h).status_code == 200
    page = client.get("/command", headers=h)
    assert '"tile_url": ""' in page.text
    assert "img-src 'self' data: blob:;" in page.headers["content-security-policy"]
    # only administrators change settings
    r = client.put("/api/v1/system/settings/map.tile_url", json={"value": ""}, headers=auth("leader1"))
    assert r.status_code == 403


# ---------------------------------------------------------------- time limits


def test_time_limits_list_and_edit(client, auth):
    h = auth("admin")
    rows = client.get("/api/v1/admin/time-limits", params={"category_code": "09006"}, headers=h).json()
    assert rows and all(r["category_code"] == "09006" for r in rows)
    t = rows[0]
    r = client.patch(f"/api/v1/admin/time-limits/{t['id']}", json={"amount": 7.5, "unit": "work_day",
                                                                    "note": "本市规定"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == 7.5 and r.json()["unit"] == "work_day" and r.json()["verified"] is False
    again = {x["id"]: x for x in client.get("/api/v1/admin/time-limits", params={"category_code": "09006"},
                                            headers=h).json()}
    assert again[t["id"]]["amount"] == 7.5 and again[t["id"]]["note"] == "本市规定"
    general = client.get("/api/v1/admin/time-limits", params={"general": True}, headers=h).json()
    assert all(x["category_code"] is None for x in general)


def test_time_limit_edits_are_refused_when_bad(client, auth):
    h = auth("admin")
    t = client.get("/api/v1/admin/time-limits", params={"category_code": "09006"}, headers=h).json()[0]
    for body in ({"amount": 0}, {"amount": -1}, {"unit": "fortnight"}, {"amount": None}):
        r = client.patch(f"/api/v1/admin/time-limits/{t['id']}", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    assert client.patch("/api/v1/admin/time-limits/999999", json={"amount": 1}, headers=h).status_code == 404
    assert client.get("/api/v1/admin/time-limits", params={"stage": "lunch"}, headers=h).status_code == 422
    assert client.patch(f"/api/v1/admin/time-limits/{t['id']}", json={"amount": 1},
                        headers=auth("leader1")).status_code == 403
    assert client.get("/api/v1/admin/time-limits", headers=auth("dispatcher1")).status_code == 403
    unchanged = {x["id"]: x for x in client.get("/api/v1/admin/time-limits", params={"category_code": "09006"},
                                                headers=h).json()}
    assert unchanged[t["id"]]["amount"] == t["amount"]


# ---------------------------------------------------------------- routing rules


def test_routing_rules_named_and_update(client, auth):
    h = auth("admin")
    rules = client.get("/api/v1/admin/routing-rules/named", headers=h).json()
    assert rules and rules[0]["department_name"]
    depts = client.get("/api/v1/departments", headers=h).json()
    target = next(d for d in depts if d["id"] != rules[0]["department_id"])
    body = {"department_id": target["id"], "category_code": "09006", "category_kind": "matter",
            "condition_number": 2, "region_code": None, "priority": 5, "note": "测试"}
    r = client.put(f"/api/v1/admin/routing-rules/{rules[0]['id']}", json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["department_name"] == target["name"] and out["category_code"] == "09006"
    assert out["condition_number"] == 2 and out["priority"] == 5
    named = {x["id"]: x for x in client.get("/api/v1/admin/routing-rules/named", headers=h).json()}
    assert named[rules[0]["id"]]["department_id"] == target["id"]
    # the routing table uses it: 09006 with condition 2 now goes to the target department
    city = client.get("/api/v1/city").json()
    s = client.get("/api/v1/admin/routing-rules/suggest", params={
        "category_code": "09006", "lon": city["center"]["lon"], "lat": city["center"]["lat"],
        "condition_number": 2}, headers=h).json()
    assert s["department_id"] == target["id"]


def test_routing_rule_update_is_refused_when_bad(client, auth):
    h = auth("admin")
    rule = client.get("/api/v1/admin/routing-rules/named", headers=h).json()[0]
    good = {"department_id": rule["department_id"], "priority": 0}
    assert client.put("/api/v1/admin/routing-rules/999999", json=good, headers=h).status_code == 404
    for body in ({**good, "department_id": 999999}, {**good, "kind": "weather"}, {**good, "category_code": "123"},
                 {**good, "region_code": "abc"}):
        r = client.put(f"/api/v1/admin/routing-rules/{rule['id']}", json=body, headers=h)
        assert r.status_code == 422, (body, r.text)
    r = client.put(f"/api/v1/admin/routing-rules/{rule['id']}", json={**good, "category_code": "99999"}, headers=h)
    assert r.status_code == 404
    assert client.put(f"/api/v1/admin/routing-rules/{rule['id']}", json=good,
                      headers=auth("dispatcher1")).status_code == 403
    after = {x["id"]: x for x in client.get("/api/v1/admin/routing-rules/named", headers=h).json()}
    assert after[rule["id"]] == rule


# ---------------------------------------------------------------- categories and conditions


def test_category_patch_changes_search_and_public_flag(client, auth):
    h = auth("admin")
    r = client.patch("/api/v1/admin/categories/09006", json={"aliases": ["夜市摆摊", "夜市摆摊", " "],
                                                              "public_reportable": False}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["aliases"] == ["夜市摆摊"] and r.json()["public_reportable"] is False
    found = client.get("/api/v1/categories", params={"q": "夜市摆摊"}).json()["items"]
    assert [c["code"] for c in found] == ["09006"]
    public = client.get("/api/v1/categories", params={"public": True, "limit": 1000}).json()["items"]
    assert "09006" not in [c["code"] for c in public]
    assert client.patch("/api/v1/admin/categories/09006", json={"aliases": ["长" * 40]}, headers=h).status_code == 422
    assert client.patch("/api/v1/admin/categories/99999", json={}, headers=h).status_code == 404
    assert client.patch("/api/v1/admin/categories/09006", json={}, headers=auth("leader1")).status_code == 403


def test_condition_withdraw(client, auth):
    h = auth("admin")
    body = {"number": 9, "text": "测试立案条件", "closure_text": "测试结案条件", "default_urgency": "normal"}
    assert client.put("/api/v1/admin/categories/09006/conditions/9", json=body, headers=h).status_code == 200
    nums = [c["number"] for c in client.get("/api/v1/categories/09006").json()["conditions"]]
    assert 9 in nums
    assert client.delete("/api/v1/admin/categories/09006/conditions/9", headers=h).status_code == 204
    nums = [c["number"] for c in client.get("/api/v1/categories/09006").json()["conditions"]]
    assert 9 not in nums
    assert client.delete("/api/v1/admin/categories/09006/conditions/9", headers=h).status_code == 404
    assert client.delete("/api/v1/admin/categories/09006/conditions/1", headers=auth("leader1")).status_code == 403


# ---------------------------------------------------------------- divisions


def test_division_rename(client, auth):
    h = auth("admin")
    street = client.get("/api/v1/divisions", params={"level": "street"}).json()["features"][0]["properties"]
    r = client.patch(f"/api/v1/admin/divisions/{street['code']}", json={"name": "新名街道"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "新名街道"
    names = [f["properties"]["name"] for f in client.get("/api/v1/divisions", params={"level": "street"}).json()[
        "features"]]
    assert "新名街道" in names
    assert client.patch(f"/api/v1/admin/divisions/{street['code']}", json={"name": "x"}, headers=h).status_code == 422
    assert client.patch("/api/v1/admin/divisions/999999999", json={"name": "某街道"}, headers=h).status_code == 404
    assert client.patch(f"/api/v1/admin/divisions/{street['code']}", json={"name": "某街道"},
                        headers=auth("leader1")).status_code == 403


# ---------------------------------------------------------------- pages


def test_pages_open_for_their_roles_only(client, auth):
    for user, path in (("leader1", "/command"), ("leader1", "/command/screen"), ("leader1", "/leader"),
                       ("dispatcher1", "/command"), ("shiftlead1", "/leader"), ("admin", "/admin/categories"),
                       ("admin", "/admin/settings"), ("admin", "/admin/calendar")):
        r = client.get(path, headers=auth(user))
        assert r.status_code == 200, (user, path, r.status_code)
        assert "<script id=\"cg-config\"" in r.text
    assert client.get("/command", headers=auth("collector1")).status_code == 403
    assert client.get("/leader", headers=auth("dispatcher1")).status_code == 403
    assert client.get("/admin/users", headers=auth("leader1")).status_code == 403
    assert client.get("/admin/nothing", headers=auth("admin")).status_code == 404
    r = client.get("/admin", headers=auth("admin"), follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/categories"
    r = client.get("/command", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert client.get("/command/screen", params={"refresh": 1}, headers=auth("leader1")).status_code == 422


def test_cases_map_points_carry_light_and_truncate(client, auth):
    f = Flow(client, auth)
    c = f.to_dispatched()
    h = auth("leader1")
    box = _box(f.lon, f.lat)
    m = client.get("/api/v1/cases/map", params={"bbox": box}, headers=h).json()
    mine = next(i for i in m["items"] if i["id"] == c["id"])
    assert mine["status"] == "dispatched" and mine["light"] in ("green", "yellow") and mine["urged"] is False
    assert m["truncated"] is False
    one = client.get("/api/v1/cases/map", params={"bbox": box, "limit": 1}, headers=h).json()
    assert len(one["items"]) == 1 and one["truncated"] is True
    assert client.get("/api/v1/cases/map", params={"bbox": box, "limit": 0}, headers=h).status_code == 422


def test_grade_colouring_hook(client, auth, monkeypatch):
    from chengguan.web.command import pages

    r = client.get("/command", headers=auth("leader1"))
    has_eval = any(getattr(x, "path", None) == pages.EVALUATION_ROUTE for x in client.app.routes)
    assert ('"grades_api": "/api/v1/evaluation/region"' in r.text) == has_eval
    monkeypatch.setattr(pages, "GRID_GRADES_API", "/api/v1/x/grades")
    assert '"grades_api": "/api/v1/x/grades"' in client.get("/command", headers=auth("leader1")).text
