"""当场处罚 on a phone, and the officers' console showing the case with its deadlines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conftest import allow_console


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


def _submit(page):  # type: ignore[no-untyped-def]
    page.click(".modal [data-action=submit]")
    page.locator(".modal").wait_for(state="detached")


def _registered_case(live, cause: str) -> int:  # type: ignore[no-untyped-def]
    """A registered case handled by officer1 (lead) and officer2, set up through the API."""
    city = live.api("officer1").get("/api/v1/city")
    ids = {u: live.api(u).get("/api/v1/auth/me")["id"] for u in ("officer1", "officer2")}
    c = live.api("officer1").post("/api/v1/enforcement/cases", {
        "source": "patrol", "cause": cause, "party_name": "钱七", "party_type": "person",
        "lon": city["center"]["lon"], "lat": city["center"]["lat"], "facts": "在人行道上摆摊经营",
        "occurred_at": (datetime.now(UTC) - timedelta(days=2)).isoformat()}, expect=201)
    cid = c["case"]["id"]
    live.api("leader1").post(f"/api/v1/enforcement/cases/{cid}/register",
                             {"lead_officer_id": ids["officer1"], "assist_officer_id": ids["officer2"]})
    return int(cid)


def test_measure_on_the_case_page(open_page, live):
    cid = _registered_case(live, "占道经营（扣押）")
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case h2").filter(has_text="占道经营（扣押）").wait_for()
    page.locator("#case").filter(has_text="暂无先行登记保存或查封扣押措施").wait_for()
    page.locator("#case").filter(has_text="本案未移送").wait_for()
    # the refusals provoked below are the API's answers (Chromium logs each 4xx response as a console error)
    allow_console(page, r"status of (422|409) .*/enforcement/cases/\d+/measure$")
    page.click("#case [data-action=measure]")
    page.select_option(".modal select[name=kind]", "seize")
    page.fill(".modal textarea[name=items]", "三轮车")  # no quantity: the API refuses, the form shows why
    page.fill(".modal input[name=days]", "20")
    page.click(".modal [data-action=submit]")
    page.locator(".modal .form-error").filter(has_text="清单第1项须填写名称和数量").wait_for()
    page.fill(".modal input[name=days]", "45")  # over the 30-day limit of AEL art 25
    page.fill(".modal textarea[name=items]", "三轮车 1辆\n遮阳伞 2把 蓝色")
    page.click(".modal [data-action=submit]")
    page.locator(".modal .form-error").filter(has_text="不得超过30日").wait_for()
    page.fill(".modal input[name=days]", "20")
    page.fill(".modal input[name=storage_place]", "执法大队暂扣物品仓库")
    _submit(page)
    item = page.locator("#measures li").first
    item.filter(has_text="扣押").filter(has_text="遮阳伞 2把 蓝色").wait_for()
    assert "期限至" in item.inner_text()
    assert page.locator("#case [data-measure-action=extend]").count() == 0  # only a leader extends
    detail = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")
    m = detail["measures"][0]
    assert m["kind"] == "seize" and m["days"] == 20 and [i["name"] for i in m["items"]] == ["三轮车", "遮阳伞"]
    assert any(d["doc_type"] == "seizure_decision" for d in detail["documents"])

    lead = open_page("leader1", path=f"/enforcement?case={cid}")
    lead.click("#measures [data-measure-action=extend]")
    lead.fill(".modal input[name=days]", "10")
    lead.click(".modal [data-action=submit]")  # no reason: refused in the form before anything is sent
    lead.locator(".modal .form-error").filter(has_text="延长理由").wait_for()
    lead.fill(".modal textarea[name=reason]", "需要检验")
    _submit(lead)
    lead.locator("#measures li").filter(has_text="已延长").wait_for()

    page.reload()
    page.click("#measures [data-measure-action=end]")
    page.select_option(".modal select[name=outcome]", "return")
    _submit(page)
    page.locator("#measures li").filter(has_text="已处理：退还当事人").wait_for()
    assert live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")["measures"][0]["outcome"] == "return"


def test_transfer_with_receipt_on_the_case_page(open_page, live):
    cid = _registered_case(live, "占道经营（移送）")
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case h2").filter(has_text="占道经营（移送）").wait_for()
    page.click("#case [data-action=transfer]")
    page.select_option(".modal select[name=kind]", "agency")
    page.fill(".modal input[name=receiver]", "区市场监督管理局")
    page.fill(".modal textarea[name=reason]", "无照经营食品，属市场监管部门管辖")
    page.fill(".modal textarea[name=items]", "食品样品 3份")
    _submit(page)
    row = page.locator("#transfers li").first
    row.filter(has_text="区市场监督管理局").filter(has_text="食品样品 3份").wait_for()
    page.locator("#case .badge").filter(has_text="已移送").wait_for()
    page.click("#transfers [data-transfer-step=receipt]")
    page.click(".modal [data-action=submit]")  # 签收人 is required
    page.locator(".modal .form-error").filter(has_text="签收人").wait_for()
    page.fill(".modal input[name=receipt_by]", "王科长")
    _submit(page)
    row.filter(has_text="签收人：王科长").wait_for()
    assert page.locator("#transfers [data-transfer-step]").count() == 0
    t = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")["transfers"][0]
    assert t["receipt_by"] == "王科长" and t["document_id"] and t["items"][0]["name"] == "食品样品"


def test_police_transfer_steps_on_the_case_page(open_page, live):
    cid = _registered_case(live, "占道经营（涉嫌犯罪）")
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case h2").filter(has_text="涉嫌犯罪").wait_for()
    page.click("#case [data-action=transfer]")
    page.select_option(".modal select[name=kind]", "police")
    page.fill(".modal input[name=receiver]", "海门区公安局")
    page.fill(".modal textarea[name=reason]", "涉嫌以暴力方法阻碍执法，涉嫌犯罪")
    _submit(page)
    row = page.locator("#transfers li").first
    row.filter(has_text="涉嫌犯罪移送公安机关").wait_for()
    assert page.locator("#transfers [data-transfer-step]").count() == 0  # the head approves first
    lead = open_page("leader1", path=f"/enforcement?case={cid}")
    lead.click("#transfers [data-transfer-step=approve]")
    lead.fill(".modal textarea[name=note]", "同意移送")
    _submit(lead)
    lead.locator("#transfers [data-transfer-step=approve]").wait_for(state="detached")
    page.reload()
    page.click("#transfers [data-transfer-step=send]")  # no form: one click
    page.locator("#case .badge").filter(has_text="已移送").wait_for()
    page.click("#transfers [data-transfer-step=receipt]")
    page.fill(".modal input[name=receipt_by]", "李警官")
    _submit(page)
    page.click("#transfers [data-transfer-step=reply]")
    page.select_option(".modal select[name=reply]", "refused")
    _submit(page)
    page.locator("#transfers li").filter(has_text="公安不予立案").wait_for()
    assert page.locator("#transfers [data-transfer-step=reconsider]").count() == 1
    page.click("#transfers [data-transfer-step=resume]")
    _submit(page)
    page.locator("#case .badge").filter(has_text="调查取证").wait_for()
    t = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")["transfers"][0]
    assert t["approved_at"] and t["sent_at"] and t["receipt_by"] == "李警官" and t["reply"] == "refused"


def test_evidence_with_a_file_on_the_case_page(open_page, live, tmp_path):  # type: ignore[no-untyped-def]
    from casehelpers import jpeg

    cid = _registered_case(live, "占道经营（视听资料）")
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case").filter(has_text="暂无证据").wait_for()
    allow_console(page, r"status of 422 .*/enforcement/cases/\d+/evidence$")
    page.click("#case [data-action=evidence]")
    page.select_option(".modal select[name=kind]", "audiovisual")
    page.fill(".modal input[name=title]", "执法记录仪视频截图")
    page.select_option(".modal select[name=partner]", str(live.api("officer2").get("/api/v1/auth/me")["id"]))
    page.click(".modal [data-action=submit]")  # 视听资料 without its file: the API refuses, shown in the form
    page.locator(".modal .form-error").filter(has_text="文件").wait_for()
    photo = tmp_path / "frame.jpg"
    photo.write_bytes(jpeg())
    page.set_input_files(".modal input[name=file]", str(photo))
    _submit(page)
    item = page.locator("#evidence li").filter(has_text="执法记录仪视频截图")
    item.wait_for()
    assert "SHA-256" in item.inner_text()
    ev = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")["evidence"][0]
    assert ev["kind"] == "audiovisual" and ev["file_id"] and len(ev["sha256"]) == 64
    href = item.locator("a").get_attribute("href")
    assert href == f"/api/v1/files/{ev['file_id']}"
