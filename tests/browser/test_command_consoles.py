"""Browser tests: 监督指挥 map, 指挥大屏, 领导驾驶舱 and 应用维护 — each console's main path."""

from __future__ import annotations

import re
import socket
from datetime import date, timedelta

from conftest import allow_console


def _spot(live, dx: float, dy: float) -> tuple[float, float]:
    city = live.api("leader1").get("/api/v1/city")
    return city["center"]["lon"] + dx, city["center"]["lat"] + dy


def test_command_map_loads_the_viewport_and_filters(open_page, live):
    lon, lat = _spot(live, 0.0011, 0.0007)
    case = live.api("collector1").report(lon=lon, lat=lat, description="指挥地图测试：占道经营")
    live.api("shiftlead1").act(case["id"], "register")
    page = open_page("leader1", path="/command")
    page.locator("#cmd-map[data-mode]").wait_for(state="attached")
    page.locator("#cmd-stats [data-counter=open] b").wait_for()
    with page.expect_response(lambda r: "/api/v1/cases/map?" in r.url and "bbox=" in r.url) as resp:
        page.evaluate(f"window.cgCommandMap.flyTo({lon}, {lat}, 18)")
    assert resp.value.ok
    pin = page.locator(f".case-pin[data-case-id='{case['id']}']")
    pin.wait_for()
    # grids of the viewport are drawn and coloured by open cases
    page.wait_for_function("() => +document.getElementById('cmd-map').dataset.grids > 0")
    assert page.locator(".leaflet-interactive[fill-opacity='0.38']").count() >= 1
    # collectors' positions (the demo city has some) come from the same viewport query
    assert page.evaluate("document.getElementById('cmd-map').dataset.people") is not None
    pin.click()
    page.locator(f"#cmd-detail .case-head[data-case-id='{case['id']}']").wait_for()
    detail = page.locator("#cmd-detail").inner_text()
    assert case["case_no"] in detail and "立案" in detail and "照片" in detail
    # filters: another status hides it, its own status shows it again
    page.select_option("#f-status", "dispatched")
    pin.wait_for(state="detached")
    page.select_option("#f-status", "registered")
    pin.wait_for()
    page.select_option("#f-category", "09006")
    pin.wait_for()
    page.select_option("#f-category", "01001")
    pin.wait_for(state="detached")


def test_command_map_zoomed_out_uses_server_side_clusters(open_page, live):
    page = open_page("leader1", path="/command?refresh=300")
    page.locator("#cmd-map[data-mode]").wait_for(state="attached")
    live.api("admin").http.put("/api/v1/system/settings/command.marker_limit", json={"value": 1})
    try:
        page.evaluate("window.cgCommandMap.fitCity()")
        page.evaluate("window.cgCommand.refresh()")
        page.reload()
        page.locator("#cmd-map[data-mode=clusters]").wait_for(state="attached")
        page.locator(".cmd-bubble").first.wait_for()
        assert "按方格汇总" in page.locator("#cmd-count").inner_text()
    finally:
        live.api("admin").http.delete("/api/v1/system/settings/command.marker_limit")


def test_big_screen_counters_update_without_reload(open_page, live):
    page = open_page("leader1", path="/command/screen?refresh=2")
    counter = page.locator("#scr-today [data-counter=reported]")
    counter.wait_for()
    page.wait_for_function("() => document.querySelector('#scr-today [data-counter=reported]').dataset.value !== ''")
    before = int(counter.get_attribute("data-value"))
    page.evaluate("window.__marker = 'same page'")
    live.api("collector1").report(description="大屏计数测试")
    page.wait_for_function(f"() => +document.querySelector('#scr-today [data-counter=reported]').dataset.value > {before}", timeout=15_000)
    assert page.evaluate("window.__marker") == "same page"  # updated in place, not reloaded
    page.wait_for_function("() => +document.getElementById('scr-trend').dataset.rendered > 0")
    assert page.locator("#scr-trend canvas").count() == 1
    assert page.locator("#scr-ticker li").count() >= 1


def test_leader_dashboard_renders_and_urges_a_case(open_page, live):
    case = live.api("collector1").report(description="驾驶舱督办测试")
    live.api("shiftlead1").act(case["id"], "register")
    page = open_page("leader1", path="/leader")
    for sel in ("#dash-trend", "#dash-cats", "#dash-channels"):
        page.wait_for_function(f"() => +document.querySelector('{sel}').dataset.rendered > 0")
        assert page.locator(f"{sel} canvas").count() == 1
    page.wait_for_function("() => +document.getElementById('dash-heat').dataset.points > 0")
    page.locator("#dept-table tbody tr").first.wait_for()
    page.locator("[data-kpi='今日上报'] .big").wait_for()
    page.click("#dash-urge")
    page.fill(".modal [name=no]", case["case_no"])
    page.click(".modal [data-action=submit]")
    page.locator(".modal textarea[name=opinion]").wait_for()
    page.fill(".modal textarea[name=opinion]", "请今日内处置完毕")
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    got = live.api("leader1").get(f"/api/v1/cases/{case['id']}")
    assert got["urged"] is True and got["urge_note"] == "请今日内处置完毕"
    page.locator(f"#dash-urged li[data-id='{case['id']}']").wait_for()


def test_admin_edits_a_time_limit_and_a_routing_rule(open_page, live):
    admin = live.api("admin")
    page = open_page("admin", path="/admin/categories")
    page.fill("#cat-q", "店外经营")
    page.locator("#cat-list li[data-code='09005']").click()
    row = page.locator("#limits tbody tr").first
    row.wait_for()
    limit_id = int(row.get_attribute("data-limit"))
    row.locator("[data-action=edit-limit]").click()
    page.fill(".modal [name=amount]", "9")
    page.select_option(".modal [name=unit]", "work_day")
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    page.locator(f"#limits tr[data-limit='{limit_id}'] [data-amount='9']").wait_for()
    rows = {r["id"]: r for r in admin.get("/api/v1/admin/time-limits", category_code="09005")}
    assert rows[limit_id]["amount"] == 9 and rows[limit_id]["unit"] == "work_day"

    page.goto("/admin/routing")
    first = page.locator("#rules tbody tr").first
    first.wait_for()
    rule_id = int(first.get_attribute("data-rule"))
    first.locator("[data-action=edit-rule]").click()
    page.fill(".modal [name=priority]", "7")
    page.fill(".modal [name=note]", "浏览器测试修改")
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    rules = {r["id"]: r for r in admin.get("/api/v1/admin/routing-rules/named")}
    assert rules[rule_id]["priority"] == 7 and rules[rule_id]["note"] == "浏览器测试修改"
    page.reload()  # and the console shows it after a reload
    assert "浏览器测试修改" in page.locator(f"#rules tr[data-rule='{rule_id}']").inner_text()


def test_admin_enters_a_holiday_and_changes_roles(open_page, live):
    admin = live.api("admin")
    year = date.today().year + 1
    d = date(year, 6, 1)
    while d.weekday() != 2:  # a Wednesday of next year's June
        d += timedelta(days=1)
    page = open_page("admin", path=f"/admin/calendar?year={year}")
    cell = page.locator(f"td[data-day='{d.isoformat()}'] button")
    cell.click()
    page.select_option(".modal [name=kind]", "holiday")
    page.fill(".modal [name=name]", "测试假日")
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    page.locator(f"td.hol[data-day='{d.isoformat()}']").wait_for()
    days = {x["day"]: x for x in admin.get("/api/v1/calendar", year=year)["days"]}
    assert days[d.isoformat()]["is_workday"] is False and days[d.isoformat()]["name"] == "测试假日"

    page.goto("/admin/users")
    page.fill("#user-q", "collector2")
    row = page.locator("#users tr[data-user='collector2']")
    row.wait_for()
    row.locator("[data-action=roles]").click()
    page.click(".modal [data-action=add-grant]")
    page.locator(".modal .grant-row").last.locator("[name=role]").select_option("assessor")
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    row.locator(".chip[data-role=assessor]").wait_for()
    users = admin.get("/api/v1/users", q="collector2")["items"]
    roles = {g["role"] for g in users[0]["roles"]}
    assert {"collector", "assessor"} <= roles
    page.reload()
    page.fill("#user-q", "collector2")
    page.locator("#users tr[data-user='collector2'] .chip[data-role=assessor]").wait_for()


def test_map_falls_back_to_city_layers_when_no_tile_server_answers(open_page, live):
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    admin = live.api("admin")
    r = admin.http.put("/api/v1/system/settings/map.tile_url", json={"value": f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png"})
    assert r.status_code == 200, r.text
    try:
        page = open_page("leader1")
        allow_console(page, re.escape(f"127.0.0.1:{port}") + "|ERR_CONNECTION_REFUSED|Failed to load resource")
        page.goto("/command")
        page.locator("#cmd-map[data-tiles=unreachable]").wait_for(state="attached", timeout=20_000)
        assert "本市图层" in page.locator(".map-note").inner_text()
        page.locator("#cmd-map[data-mode]").wait_for(state="attached")  # the consoles still work
    finally:
        admin.http.delete("/api/v1/system/settings/map.tile_url")
