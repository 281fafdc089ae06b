"""The public page on a phone, without an account: report (map point, category search, 立案条件, photo,
contact), follow the report by its number and query code, and rate the result once staff closed it.
Also the participation admin page: creating an Open311 key."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from casehelpers import jpeg


def test_report_follow_rate_on_a_phone(open_page, live, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page = open_page(mobile=True, path="/public")
    page.locator("#report-map .leaflet-container, #report-map.leaflet-container").first.wait_for()
    city = live.api("admin").get("/api/v1/city")
    # tap the map centre (the city centre lies in a unit grid)
    box = page.locator("#report-map").bounding_box()
    page.evaluate("([lon, lat]) => window.cgPublic.setPoint(lon, lat)", [city["center"]["lon"], city["center"]["lat"]])
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.locator("#where").inner_text().startswith("已选择")
    page.fill("#cat-search", "占道经营")
    expect(page.locator("#category")).to_have_value("09006")
    page.locator("#cond-wrap:not([hidden])").wait_for()
    page.fill("#description", "小区门口有流动摊贩占用人行道经营")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(jpeg())
    page.set_input_files("#photos", str(photo))
    page.locator("#photo-list img").wait_for()
    page.click(".pub-contact summary")
    page.fill("#phone", "13900007777")
    # undo the map tap: the report goes to the city centre (a point known to be in a grid)
    page.evaluate("([lon, lat]) => window.cgPublic.setPoint(lon, lat)", [city["center"]["lon"], city["center"]["lat"]])
    page.click("#submit-report")
    page.locator("#done-no").wait_for()
    no, code = page.locator("#done-no").inner_text(), page.locator("#done-code").inner_text()
    assert re.fullmatch(r"\d{13}", no) and code

    page.click("#go-follow")
    page.locator("#f-status").wait_for()
    assert "已受理" in page.locator("#f-status").inner_text()
    assert page.locator("#follow-result img").count() == 1  # the report photo, without GPS

    # staff close the case through the API
    adm = live.api("admin")
    case = adm.get("/api/v1/cases", q=no)["items"][0]
    if case["status"] == "verifying":
        live.api("collector1").act(case["id"], "verify", passed=True)
    live.api("shiftlead1").act(case["id"], "register")
    live.api("dispatcher1").act(case["id"], "dispatch")
    dept = live.api("dept1")
    dept.act(case["id"], "feedback", opinion="已清理", photos=[dept.photo()])
    live.api("collector1").act(case["id"], "check", passed=True)
    live.api("shiftlead1").act(case["id"], "close")

    # follow again by number and code (a fresh visitor), rate 4 stars
    page2 = open_page(mobile=True, path=f"/public?no={no}")
    page2.fill("#f-code", code.lower())
    page2.click("#follow-form button[type=submit]")
    page2.locator("#rate-box").wait_for()
    assert page2.locator("#f-status").inner_text() == "已办结"
    page2.click("[data-star='4']")
    page2.fill("#rate-comment", "处理及时")
    page2.click("#rate-submit")
    page2.locator("#f-rated").wait_for()
    assert page2.locator("#f-rated").inner_text().endswith("★★★★")
    assert page2.locator("#rate-box").count() == 0

    # the public map shows reports without personal data
    page2.click("[data-tab=map]")
    page2.locator("#public-map .case-pin").first.wait_for()
    assert "13900007777" not in page2.content()


def test_admin_creates_an_open311_key(open_page) -> None:  # type: ignore[no-untyped-def]
    page = open_page("admin", path="/participation")
    page.click("[data-tab=open311]")
    page.click("#new-client")
    page.fill(".modal input[name=name]", "市民小程序")
    page.click(".modal [data-action=submit]")
    page.locator("#new-key").wait_for()
    assert "cg311_" in page.locator("#new-key").inner_text()
    assert page.locator("td", has_text="市民小程序").count() == 1


def test_a_signed_in_citizen_reports_from_the_public_page(open_page, live) -> None:  # type: ignore[no-untyped-def]
    page = open_page("citizen1", mobile=True, path="/public")
    city = live.api("admin").get("/api/v1/city")
    page.locator("#report-map.leaflet-container").wait_for()
    page.evaluate("([lon, lat]) => window.cgPublic.setPoint(lon, lat)", [city["center"]["lon"], city["center"]["lat"]])
    page.fill("#cat-search", "占道经营")
    expect(page.locator("#category")).to_have_value("09006")
    page.fill("#description", "登录后反映：摊贩占道")
    page.click("#submit-report")
    page.locator("#done-no").wait_for()  # the cookie session's CSRF token went with the POST
