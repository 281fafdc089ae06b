"""API additions made for the consoles: dashboard aggregates, collectors' positions, the public follow and
rating endpoints, the dispatcher's suggested department, grid attribute edits."""

from __future__ import annotations

from datetime import datetime, timedelta

from casehelpers import Flow, jpeg
from chengguan.core import clock

# ---------------------------------------------------------------- dashboard


def test_overview_counts_what_happened_today(client, auth):
    f = Flow(client, auth)
    before = client.get("/api/v1/dashboard/overview", headers=auth("leader1")).json()
    c = f.to_registered()
    f.report()
    after = client.get("/api/v1/dashboard/overview", headers=auth("leader1")).json()
    assert after["today"]["reported"] == before["today"]["reported"] + 2
    assert after["today"]["registered"] == before["today"]["registered"] + 1
    assert after["open"] == before["open"] + 2
    assert after["by_status"]["registered"] == before["by_status"].get("registered", 0) + 1
    assert after["status_labels"]["registered"] == "已立案待派遣"
    assert after["month"]["reported"] >= after["today"]["reported"]
    _ = c


def test_overview_on_time_rate_counts_feedbacks_and_is_null_without_any(client, auth):
    f = Flow(client, auth)
    # A citizen sees only his own reports: no feedbacks at all → the rate is "—" (null), not a division error.
    mine = client.get("/api/v1/dashboard/overview", headers=auth("citizen1")).json()
    assert mine["today"]["feedbacks"] == 0 and mine["today"]["on_time_rate"] is None
    before = client.get("/api/v1/dashboard/overview", headers=auth("leader1")).json()["today"]
    f.to_fed_back()
    after = client.get("/api/v1/dashboard/overview", headers=auth("leader1")).json()["today"]
    assert after["feedbacks"] == before["feedbacks"] + 1
    assert after["feedbacks_on_time"] == before["feedbacks_on_time"] + 1
    assert 0 < after["on_time_rate"] <= 1


def test_overview_is_limited_to_the_callers_region(client, auth):
    f = Flow(client, auth)
    f.report(user="citizen1", channel="public")
    citizen = client.get("/api/v1/dashboard/overview", headers=auth("citizen1")).json()
    leader = client.get("/api/v1/dashboard/overview", headers=auth("leader1")).json()
    assert citizen["open"] >= 1
    assert citizen["open"] < leader["open"]


def test_trend_has_a_zero_for_every_day_and_counts_today(client, auth):
    f = Flow(client, auth)
    now = clock.now()
    since = (now - timedelta(days=6)).isoformat()
    r = client.get("/api/v1/dashboard/trend", params={"since": since}, headers=auth("leader1"))
    assert r.status_code == 200, r.text
    before = r.json()
    assert len(before["days"]) == len(before["reported"]) == len(before["closed"]) in (7, 8)
    f.report()
    after = client.get("/api/v1/dashboard/trend", params={"since": since}, headers=auth("leader1")).json()
    today = clock.local(now).date().isoformat()
    i = after["days"].index(today)
    assert after["reported"][i] == before["reported"][i] + 1


def test_trend_refuses_bad_periods(client, auth):
    h = auth("leader1")
    assert client.get("/api/v1/dashboard/trend", params={"since": "2026-01-01T00:00:00"}, headers=h).status_code == 422
    r = client.get("/api/v1/dashboard/trend", params={"since": "2026-02-01T00:00:00+08:00",
                                                      "until": "2026-01-01T00:00:00+08:00"}, headers=h)
    assert r.status_code == 422 and "早于" in r.json()["error"]["message"]
    r = client.get("/api/v1/dashboard/trend", params={"since": "2020-01-01T00:00:00+08:00",
                                                      "until": "2026-01-01T00:00:00+08:00"}, headers=h)
    assert r.status_code == 422
    assert client.get("/api/v1/dashboard/trend").status_code == 401


def test_categories_hot_grids_and_grid_counts(client, auth):
    f = Flow(client, auth)
    h = auth("leader1")
    c1 = f.report(category_code="07001", description="电线杆上张贴小广告")
    f.report(category_code="07001", description="墙面喷涂小广告", lon=c1["lon"] + 0.001)
    cats = client.get("/api/v1/dashboard/categories", params={"limit": 100}, headers=h).json()
    row = next(i for i in cats["items"] if i["category_code"] == "07001")
    assert row["count"] >= 2 and row["category_name"]
    assert cats["channels"]["patrol"] >= 2
    hot = client.get("/api/v1/dashboard/hot-grids", params={"limit": 5000}, headers=h).json()["items"]
    mine = next(g for g in hot if g["grid_code"] == c1["grid_code"])
    assert mine["count"] >= 1 and abs(mine["lon"] - c1["lon"]) < 0.01
    assert hot == sorted(hot, key=lambda g: (-g["count"], g["grid_code"]))
    box = f"{c1['lon'] - 0.0001},{c1['lat'] - 0.0001},{c1['lon'] + 0.0001},{c1['lat'] + 0.0001}"
    counts = client.get("/api/v1/dashboard/grid-counts", params={"bbox": box}, headers=h).json()
    assert counts.get(c1["grid_code"], 0) >= 1
    closed_only = client.get("/api/v1/dashboard/grid-counts", params={"bbox": box, "status": "closed"},
                             headers=h).json()
    assert closed_only.get(c1["grid_code"], 0) < counts[c1["grid_code"]]
    assert client.get("/api/v1/dashboard/grid-counts", params={"bbox": box, "status": "nope"},
                      headers=h).status_code == 422


def test_department_table_counts_dispatches_and_overdue(client, auth):
    f = Flow(client, auth)
    h = auth("leader1")
    before = {r["department_id"]: r for r in client.get("/api/v1/dashboard/departments", headers=h).json()["items"]}
    c = f.to_dispatched()
    dept = next(a["department_id"] for a in c["assignments"] if a["state"] == "active")
    after = {r["department_id"]: r for r in client.get("/api/v1/dashboard/departments", headers=h).json()["items"]}
    assert after[dept]["dispatched"] == before.get(dept, {"dispatched": 0})["dispatched"] + 1
    assert after[dept]["department_name"]
    # Past the deadline the open assignment counts as overdue.
    with clock.frozen(datetime.fromisoformat(c["step_due_at"]) + timedelta(hours=1)):
        late = {r["department_id"]: r for r in
                client.get("/api/v1/dashboard/departments", headers=auth("leader1")).json()["items"]}
    assert late[dept]["overdue_open"] >= 1


def test_recent_events_are_newest_first(client, auth):
    f = Flow(client, auth)
    c = f.to_registered()
    items = client.get("/api/v1/dashboard/events", params={"limit": 5}, headers=auth("leader1")).json()["items"]
    assert items[0]["case_id"] == c["id"] and items[0]["action"] == "register" and items[0]["action_label"] == "立案"
    assert [i["at"] for i in items] == sorted((i["at"] for i in items), reverse=True)


# ---------------------------------------------------------------- positions


def test_collector_reports_position_and_supervisors_see_it(client, auth):
    city = client.get("/api/v1/city").json()
    lon, lat = city["center"]["lon"], city["center"]["lat"]
    r = client.post("/api/v1/positions/me", json={"lon": lon, "lat": lat, "accuracy_m": 12},
                    headers=auth("collector1"))
    assert r.status_code == 200, r.text
    assert r.json()["grid_code"]
    items = client.get("/api/v1/positions", params={"role": "collector"}, headers=auth("leader1")).json()["items"]
    me = next(i for i in items if i["username"] == "collector1")
    assert me["lon"] == lon and me["accuracy_m"] == 12 and "监督员" in me["role_labels"]
    far = client.get("/api/v1/positions", params={"bbox": "100,10,100.1,10.1"}, headers=auth("leader1")).json()
    assert far["items"] == []


def test_positions_refusals(client, auth, count):
    city = client.get("/api/v1/city").json()
    body = {"lon": city["center"]["lon"], "lat": city["center"]["lat"]}
    n = count("user_positions")
    assert client.post("/api/v1/positions/me", json=body, headers=auth("dispatcher1")).status_code == 403
    future = (clock.now() + timedelta(hours=1)).isoformat()
    r = client.post("/api/v1/positions/me", json={**body, "at": future}, headers=auth("collector1"))
    assert r.status_code == 422
    assert client.post("/api/v1/positions/me", json={"lon": 500, "lat": 1}, headers=auth("collector1")).status_code == 422
    assert count("user_positions") == n
    assert client.get("/api/v1/positions", headers=auth("collector1")).status_code == 403
    assert client.get("/api/v1/positions", headers=auth("citizen1")).status_code == 403


def test_a_late_older_fix_does_not_overwrite_a_newer_one(client, auth):
    city = client.get("/api/v1/city").json()
    lon, lat = city["center"]["lon"], city["center"]["lat"]
    now = clock.now()
    h = auth("collector1")
    client.post("/api/v1/positions/me", json={"lon": lon, "lat": lat, "at": now.isoformat()}, headers=h)
    old = (now - timedelta(minutes=5)).isoformat()
    r = client.post("/api/v1/positions/me", json={"lon": lon + 0.01, "lat": lat, "at": old}, headers=h)
    assert r.status_code == 200 and r.json()["lon"] == lon


def test_stale_positions_are_hidden(client, auth):
    city = client.get("/api/v1/city").json()
    at = clock.now() + timedelta(days=1)  # later than any demo position
    with clock.frozen(at):
        client.post("/api/v1/positions/me", json={"lon": city["center"]["lon"], "lat": city["center"]["lat"]},
                    headers=auth("collector1"))
    with clock.frozen(at + timedelta(hours=3)):
        names = [i["username"] for i in client.get("/api/v1/positions", headers=auth("leader1")).json()["items"]]
        assert "collector1" not in names
        wide = client.get("/api/v1/positions", params={"within_minutes": 240}, headers=auth("leader1")).json()
        assert "collector1" in [i["username"] for i in wide["items"]]


# ---------------------------------------------------------------- public follow and rating


def _public_case(client, f: Flow) -> dict:
    up = client.post("/api/v1/files", files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    assert up.status_code == 201, up.text
    r = client.post("/api/v1/reports", json={"category_code": "09006", "description": "小区门口有人摆摊",
                                             "lon": f.lon, "lat": f.lat, "photos": [up.json()["token"]],
                                             "reporter": {"name": "王先生", "phone": "13900001111"}})
    assert r.status_code == 201, r.text
    return r.json()


def test_public_follow_shows_progress_without_personal_data(client, auth):
    f = Flow(client, auth)
    c = _public_case(client, f)
    code = c["public_code"]
    r = client.get(f"/api/v1/public/cases/{c['case_no']}", params={"code": code})
    assert r.status_code == 200, r.text
    v = r.json()
    assert v["status_label"].startswith("已受理") and v["steps"][0]["label"] == "问题已提交"
    assert v["photos"] and v["photos"][0]["stage"] == "report"
    assert "13900001111" not in r.text and "王先生" not in r.text
    # lower-case code works too; the photo is served with the code
    ph = client.get(v["photos"][0]["thumb_url"], params={"code": code.lower()})
    assert ph.status_code == 200 and ph.headers["content-type"] == "image/jpeg"
    full = client.get(v["photos"][0]["url"], params={"code": code})
    assert full.status_code == 200


def test_public_follow_refuses_wrong_codes_alike(client, auth):
    f = Flow(client, auth)
    c = _public_case(client, f)
    wrong = client.get(f"/api/v1/public/cases/{c['case_no']}", params={"code": "ZZZZZZ"})
    missing = client.get("/api/v1/public/cases/2000010100001", params={"code": c["public_code"]})
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json()["error"]["message"] == missing.json()["error"]["message"]
    assert client.get(f"/api/v1/public/cases/{c['case_no']}").status_code == 422
    pid = 10**9
    assert client.get(f"/api/v1/public/cases/{c['case_no']}/files/{pid}",
                      params={"code": c["public_code"]}).status_code == 404


def test_public_rating_after_closure_once(client, auth, count):
    f = Flow(client, auth)
    c = _public_case(client, f)
    no, code = c["case_no"], c["public_code"]
    n = count("case_events")
    early = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": code, "rating": 5})
    assert early.status_code == 409 and count("case_events") == n
    # Through the loop: 核实 (public channel), 立案, 派遣, 反馈, 核查, 结案.
    case = f.get(c["id"])
    if case["status"] == "verifying":
        f.act(c["id"], "verify", "collector1", passed=True)
    f.act(c["id"], "register", "shiftlead1")
    f.act(c["id"], "dispatch", "dispatcher1")
    f.act(c["id"], "feedback", "dept1", photos=[f.photo("dept1")], opinion="已劝离")
    f.act(c["id"], "check", "collector1", passed=True)
    f.act(c["id"], "close", "shiftlead1")
    v = client.get(f"/api/v1/public/cases/{no}", params={"code": code}).json()
    assert v["status_label"] == "已办结" and v["can_rate"] and v["finished"]
    labels = [s["label"] for s in v["steps"]]
    assert labels[-1] == "办结" and "派遣至处置单位" in labels and "处置单位反馈处理结果" in labels
    assert any(s["text"] == "已劝离" for s in v["steps"])
    assert {p["stage"] for p in v["photos"]} == {"report", "feedback"}
    assert v["departments"]
    bad = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": code, "rating": 6})
    assert bad.status_code == 422
    r = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": code, "rating": 4, "comment": "处理及时"})
    assert r.status_code == 200, r.text
    assert r.json()["rating"] == 4 and not r.json()["can_rate"] and r.json()["steps"][-1]["text"] == "4 星：处理及时"
    again = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": code, "rating": 1})
    assert again.status_code == 409
    wrong = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": "ABCDEF", "rating": 1})
    assert wrong.status_code == 404


def test_merged_report_shows_the_surviving_case(client, auth):
    f = Flow(client, auth)
    first = f.to_registered()
    c = _public_case(client, f)
    f.act(c["id"], "merge", "acceptor1", into=first["id"], opinion="重复")
    v = client.get(f"/api/v1/public/cases/{c['case_no']}", params={"code": c["public_code"]}).json()
    assert v["status"] == "merged" and v["merged_into"]["case_no"] == first["case_no"]
    assert v["merged_into"]["status_label"] == "已立案，等待派遣" and v["merged_into"]["photos"] == []


# ---------------------------------------------------------------- dispatcher's suggestion, grid edits


def test_suggested_department_follows_the_routing_table(client, auth):
    f = Flow(client, auth)
    c = f.to_registered()
    r = client.get(f"/api/v1/cases/{c['id']}/suggested-department", headers=auth("dispatcher1"))
    assert r.status_code == 200 and r.json()["department_id"]
    dispatched = f.act(c["id"], "dispatch", "dispatcher1")  # without a department: the same rule applies
    assert dispatched["assignments"][0]["department_id"] == r.json()["department_id"]
    assert client.get(f"/api/v1/cases/{c['id']}/suggested-department", headers=auth("citizen1")).status_code == 403


def test_admin_edits_grid_attributes(client, auth):
    f = Flow(client, auth)
    c = f.report()
    code = c["grid_code"]
    h = auth("admin")
    r = client.patch(f"/api/v1/admin/grids/{code}", json={"name": "测试网格", "region_class": 2}, headers=h)
    assert r.status_code == 200 and r.json() == {"code": code, "name": "测试网格", "region_class": 2}
    loc = client.get("/api/v1/grids/locate", params={"lon": f.lon, "lat": f.lat}).json()
    assert loc["region_class"] == 2
    assert client.patch(f"/api/v1/admin/grids/{code}", json={"region_class": 3}, headers=h).status_code == 422
    assert client.patch("/api/v1/admin/grids/000000000000000", json={"name": "x"}, headers=h).status_code == 404
    assert client.patch(f"/api/v1/admin/grids/{code}", json={"name": "x"},
                        headers=auth("dispatcher1")).status_code == 403
