"""当场处罚 on a phone, and the officers' console showing the case with its deadlines."""

from __future__ import annotations


def test_summary_penalty_on_a_phone(open_page, live):
    city = live.api("officer1").get("/api/v1/city")
    lon, lat = city["center"]["lon"], city["center"]["lat"]
    page = open_page("officer1", mobile=True, path="/enforcement/summary",
                     geolocation={"longitude": lon, "latitude": lat}, permissions=["geolocation"])
    page.fill("[name=cause]", "占道经营")
    page.fill("[name=party_name]", "赵六")
    page.fill("[name=facts]", "在人行道上摆摊经营，经劝导未改正")
    page.fill("[name=legal_basis]", "《城市市容和环境卫生管理条例》第三十六条")
    page.fill("[name=fine_amount]", "50")
    page.locator("#partner option").first.wait_for(state="attached")
    page.locator("#where").filter(has_text="位置").wait_for()
    with page.expect_response(lambda r: r.url.endswith("/api/v1/enforcement/summary")) as resp:
        page.click("#submit")
    assert resp.value.status == 201, resp.value.text()
    page.locator("#result").filter(has_text="当罚字").wait_for()
    case_id = resp.value.json()["case"]["id"]
    detail = live.api("officer1").get(f"/api/v1/enforcement/cases/{case_id}")
    assert detail["case"]["procedure"] == "summary" and detail["case"]["street_code"]

    desk = open_page("officer1", path=f"/enforcement?case={case_id}")
    desk.locator("#case h2").filter(has_text="占道经营").wait_for()
    desk.locator("#case").filter(has_text="报所属行政机关备案").wait_for()
