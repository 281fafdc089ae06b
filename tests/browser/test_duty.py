"""Duty consoles in a real browser: the day's shifts and on-post table, track playback on the map,
joint operations with their report link (all on the small demo city's duty data)."""

from __future__ import annotations


def test_duty_page_lists_joint_squads_and_on_post(open_page):
    page = open_page("shiftlead1", path="/duty")
    page.locator("#stats .stat").first.wait_for()
    if page.locator("#shifts table").count() == 0:
        # the demo's shifts are on the day it was loaded: a run that crossed midnight (Asia/Shanghai) looks back a day
        from datetime import date, timedelta

        page.fill("#day", str(date.fromisoformat(page.input_value("#day")) - timedelta(days=1)))
        page.dispatch_event("#day", "change")
    page.locator("#shifts table").wait_for()
    assert "联勤组" in page.locator("#shifts").inner_text()
    assert "编组完整" in page.locator("#shifts").inner_text()
    page.locator("#onpost table").wait_for()
    assert "在岗" in page.locator("#onpost").inner_text()


def test_playback_draws_the_collectors_track(open_page, live):
    devices = live.api("shiftlead1").get("/api/v1/duty/devices")["items"]
    dev = next(d for d in devices if d["code"] == "CGT-collector1")
    page = open_page("shiftlead1", path=f"/duty/playback?device_id={dev['id']}")
    page.locator(".leaflet-overlay-pane path.leaflet-interactive").first.wait_for()
    page.locator("#info").filter(has_text="/").wait_for()
    n = int(page.locator("#slider").get_attribute("max"))
    assert n > 10
    page.locator("#slider").fill(str(n // 2))
    assert f"（{n // 2 + 1}/{n + 1}）" in page.locator("#info").inner_text()


def test_operations_page_shows_the_closed_operation_and_its_report(open_page):
    page = open_page("leader1", path="/duty/operations")
    page.wait_for_load_state("networkidle")  # the list may be drawn twice while it loads: click the final one
    page.locator("#list li", has_text="夜市占道经营专项整治").click()
    page.locator("#detail h2", has_text="夜市占道经营专项整治").wait_for()
    link = page.locator("#detail a", has_text="行动报告")
    assert link.get_attribute("href").endswith("/report")
