"""The officers' console for the procedures around a case: 回避 decided by the head, and 分期缴纳 approved by the
head with the instalments recorded from the bank's notices. Cases are set up through the API; the acts under
test go through the console's forms, and the API's refusals must appear inside the form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conftest import allow_console

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _submit(page):  # type: ignore[no-untyped-def]
    page.click(".modal [data-action=submit]")
    page.locator(".modal").wait_for(state="detached")


def _refused(page, text: str) -> None:  # type: ignore[no-untyped-def]
    page.click(".modal [data-action=submit]")
    page.locator(".modal .form-error").filter(has_text=text).wait_for()


def _ids(live) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {u: live.api(u).get("/api/v1/auth/me")["id"] for u in ("officer1", "officer2", "leader1")}


def _registered(live, cause: str) -> int:  # type: ignore[no-untyped-def]
    city = live.api("officer1").get("/api/v1/city")
    ids = _ids(live)
    c = live.api("officer1").post("/api/v1/enforcement/cases", {
        "source": "patrol", "cause": cause, "party_name": "孙八", "party_type": "person",
        "lon": city["center"]["lon"], "lat": city["center"]["lat"], "facts": "在人行道上摆摊经营",
        "occurred_at": (datetime.now(UTC) - timedelta(days=2)).isoformat()}, expect=201)
    cid = int(c["case"]["id"])
    live.api("leader1").post(f"/api/v1/enforcement/cases/{cid}/register",
                             {"lead_officer_id": ids["officer1"], "assist_officer_id": ids["officer2"]})
    return cid


def _served(live, cause: str, fine: str) -> int:  # type: ignore[no-untyped-def]
    """A served penalty decision with a fine, through the API (record, evidence, approval, notice, waiver)."""
    cid = _notified(live, cause, fine)
    o1, head = live.api("officer1"), live.api("leader1")
    base = f"/api/v1/enforcement/cases/{cid}"
    o1.post(f"{base}/waive", {"note": "当事人书面放弃"})
    out = head.post(f"{base}/decide", {})
    dec = next(d["id"] for d in out["documents"] if d["doc_type"] == "penalty_decision")
    o1.post(f"{base}/serve", {"document_id": dec, "method": "direct", "recipient": "孙八", "signed_by": "孙八"})
    return cid


def _notified(live, cause: str, fine: str) -> int:  # type: ignore[no-untyped-def]
    cid = _registered(live, cause)
    ids = _ids(live)
    two = [ids["officer1"], ids["officer2"]]
    o1, head = live.api("officer1"), live.api("leader1")
    base = f"/api/v1/enforcement/cases/{cid}"
    o1.post(f"{base}/record", {"kind": "inspection", "content": "现场检查：当事人在人行道设摊。", "officer_ids": two,
                               "party_signed": True, "place": "人民路"})
    o1.post(f"{base}/evidence", {"kind": "documentary", "title": "营业情况说明", "officer_ids": two})
    o1.post(f"{base}/end-investigation", {"outcome": "penalty", "facts": "当事人于人行道设摊经营",
                                          "legal_basis": "《城市市容和环境卫生管理条例》第三十六条",
                                          "penalty_types": ["fine"], "fine_amount": fine,
                                          "correction_order": "立即停止占道经营，清理现场"})
    head.post(f"{base}/approve", {"opinion": "同意"})
    o1.post(f"{base}/notify", {})
    return cid


def test_recusal_decided_by_the_head_on_the_case_page(open_page, live):
    cid = _registered(live, "占道经营（回避）")
    ids = _ids(live)
    spare = [o for o in live.api("leader1").get("/api/v1/enforcement/officers")
             if o["certified"] and o["id"] not in ids.values()]
    assert spare, "the demo city needs a third certified officer"
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case h2").filter(has_text="占道经营（回避）").wait_for()
    page.locator("#case").filter(has_text="无回避申请").wait_for()
    page.locator("#entrustment").filter(has_text="非委托执法").wait_for()
    assert page.locator("#case [data-action=payment-plan]").count() == 0  # no decision served yet
    allow_console(page, r"status of (403|409|422) .*/enforcement/cases/\d+/recusal$")
    page.click("#case [data-action=recusal]")
    page.select_option(".modal select[name=officer_id]", str(ids["officer2"]))
    page.select_option(".modal select[name=source]", "self")
    page.fill(".modal textarea[name=reason]", "系当事人近亲属")
    _refused(page, "自行回避应由执法人员本人提出")  # officer1 cannot declare officer2's own recusal
    page.select_option(".modal select[name=source]", "party")
    page.fill(".modal textarea[name=reason]", "当事人称承办人员系其近亲属")
    _submit(page)
    row = page.locator("#recusals li").first
    row.filter(has_text="当事人申请").filter(has_text="待机关负责人决定").wait_for()
    assert page.locator("#recusals [data-recusal-action=decide]").count() == 0  # only the head decides

    lead = open_page("leader1", path=f"/enforcement?case={cid}")
    allow_console(lead, r"status of (403|409|422) .*/enforcement/cases/\d+/recusal-decide$")
    lead.click("#recusals [data-recusal-action=decide]")
    lead.fill(".modal textarea[name=opinion]", "与当事人有利害关系，决定回避")
    _refused(lead, "须指定接替的执法人员")  # granted without a replacement: the API refuses
    lead.select_option(".modal select[name=replacement_id]", str(spare[0]["id"]))
    _submit(lead)
    lead.locator("#recusals li").filter(has_text=f"决定回避，由{spare[0]['name']}接替").wait_for()
    lead.locator("#case").filter(has_text=f"、{spare[0]['name']}").wait_for()  # the new pair in the header
    assert lead.locator("#recusals [data-recusal-action=decide]").count() == 0
    detail = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")
    assert detail["case"]["assist_officer_id"] == spare[0]["id"]
    assert detail["recusals"][0]["granted"] is True and detail["recusals"][0]["replacement_id"] == spare[0]["id"]


def test_instalments_approved_and_paid_on_the_case_page(open_page, live):
    cid = _served(live, "占道经营（分期缴纳）", "600")
    page = open_page("officer1", path=f"/enforcement?case={cid}")
    page.locator("#case h2").filter(has_text="分期缴纳").wait_for()
    page.locator("#case").filter(has_text="未申请暂缓或分期缴纳").wait_for()
    page.click("#case [data-action=payment-plan]")
    page.select_option(".modal select[name=kind]", "instalments")
    page.click(".modal [data-action=submit]")  # the reason is required: refused before anything is sent
    page.locator(".modal .form-error").filter(has_text="经济困难").wait_for()
    page.fill(".modal textarea[name=reason]", "当事人失业，确有经济困难")
    _submit(page)
    page.locator("#plans li").filter(has_text="分期缴纳").filter(has_text="待负责人审批").wait_for()
    assert page.locator("#case [data-action=payment-plan]").count() == 0  # one plan at a time
    assert page.locator("#plans [data-plan-action]").count() == 0  # the officer neither decides nor pays yet

    today = datetime.now(SHANGHAI).date()
    first, second = today + timedelta(days=10), today + timedelta(days=40)
    lead = open_page("leader1", path=f"/enforcement?case={cid}")
    allow_console(lead, r"status of (409|422) .*/enforcement/cases/\d+/payment-plan-decide$")
    lead.click("#plans [data-plan-action=decide]")
    lead.fill(".modal textarea[name=opinion]", "同意分两期缴纳")
    lead.fill(".modal textarea[name=schedule]", f"{first} 400\n{second} 100")
    _refused(lead, "应等于罚款")  # the instalments must add up to the fine
    lead.fill(".modal textarea[name=schedule]", f"{first} 400\n{second} 200")
    _submit(lead)
    plan = lead.locator("#plans li").first
    plan.filter(has_text="已批准").filter(has_text="第2期").wait_for()
    assert f"{first}" in plan.inner_text() and "未到期" in plan.inner_text()

    page.reload()
    allow_console(page, r"status of (409|422) .*/enforcement/cases/\d+/instalment$")
    page.click("#plans [data-plan-action=instalment]")
    assert page.input_value(".modal input[name=amount]") == "400"
    page.fill(".modal input[name=payment_ref]", "YH-2026-0001")
    _submit(page)
    page.locator("#plans li").filter(has_text="已缴 ¥400.00 / ¥600.00").wait_for()
    page.click("#plans [data-plan-action=instalment]")
    page.fill(".modal input[name=amount]", "100")
    page.fill(".modal input[name=payment_ref]", "YH-2026-0002")
    _refused(page, "不足本期应缴")
    page.fill(".modal input[name=amount]", "200")
    _submit(page)
    page.locator("#plans li").filter(has_text="已缴清").wait_for()
    assert page.locator("#plans [data-plan-action]").count() == 0
    detail = live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")
    p = detail["payment_plans"][0]
    assert p["status"] == "completed" and [i["payment_ref"] for i in p["schedule"]] == ["YH-2026-0001", "YH-2026-0002"]
    assert detail["case"]["paid_at"] is not None


def test_entrustments_panel_for_the_head(open_page, live):
    lead = open_page("leader1", path="/enforcement")
    allow_console(lead, r"status of (409|422) .*/enforcement/entrustments$")
    lead.click("#entrustments-open")
    lead.locator("#entrustments").wait_for()
    lead.click(".modal [data-action=create-entrustment]")
    form = lead.locator(".modal:has(form)")
    form.locator("input[name=entrusted_org]").fill("海门区三厂街道综合行政执法队（浏览器）")
    form.locator("input[name=document_no]").fill("海城管委〔2026〕9号")
    form.locator("input[name=power_codes]").fill("WT-SR-01，WT-SR-02")
    today = datetime.now(SHANGHAI).date()
    form.locator("input[name=valid_from]").fill(str(today))
    form.locator("input[name=valid_to]").fill(str(today - timedelta(days=30)))
    form.locator("[data-action=submit]").click()
    form.locator(".form-error").filter(has_text="截止时间应晚于起始时间").wait_for()  # the API's refusal, inline
    form.locator("input[name=valid_to]").fill(str(today + timedelta(days=365)))
    form.locator("[data-action=submit]").click()
    form.wait_for(state="detached")
    row = lead.locator("#entrustments li").filter(has_text="（浏览器）")
    row.filter(has_text="未公布").filter(has_text="WT-SR-02").wait_for()
    row.locator("[data-entrustment-action=publish]").click()
    row.filter(has_text="已公布").wait_for()
    assert row.locator("[data-entrustment-action=publish]").count() == 0
    ent = next(e for e in live.api("officer1").get("/api/v1/enforcement/entrustments")
               if e["entrusted_org"].endswith("（浏览器）"))
    assert ent["published_at"] and ent["power_codes"] == ["WT-SR-01", "WT-SR-02"]

    # an officer registering a lead may now name the entrustment in force
    page = open_page("officer1", path="/enforcement")
    assert page.locator("#entrustments-open").count() == 0  # officers do not manage entrustments
    page.click("#new-lead")
    page.locator(f".modal select[name=entrustment_id] option[value='{ent['id']}']").wait_for(state="attached")
    page.click(".modal .close")

    row.locator("[data-entrustment-action=revoke]").click()
    revoke = lead.locator(".modal:has(form)")
    revoke.locator("textarea[name=reason]").fill("受委托组织撤并")
    revoke.locator("[data-action=submit]").click()
    row.filter(has_text="已撤销").wait_for()
    assert row.locator("[data-entrustment-action]").count() == 0


def test_closed_hearing_needs_a_reason(open_page, live):
    cid = _notified(live, "占道经营（不公开听证）", "5000")
    live.api("officer1").post(f"/api/v1/enforcement/cases/{cid}/request-hearing", {"note": "当事人要求听证"})
    lead = open_page("leader1", path=f"/enforcement?case={cid}")
    lead.locator("#case .badge").filter(has_text="听证").wait_for()
    allow_console(lead, r"status of (409|422) .*/enforcement/cases/\d+/schedule-hearing$")
    lead.click("#case [data-action=schedule-hearing]")
    when = (datetime.now(SHANGHAI) + timedelta(days=30)).strftime("%Y-%m-%dT10:00")
    lead.fill(".modal input[name=hearing_at]", when)
    lead.fill(".modal input[name=place]", "第二听证室")
    lead.select_option(".modal select[name=chair_id]", str(_ids(live)["leader1"]))
    lead.uncheck(".modal input[name=public]")
    _refused(lead, "不公开的须选择理由")  # closed without a reason (APL 64)
    lead.select_option(".modal select[name=closed_reason]", "trade_secret")
    _submit(lead)
    lead.locator("#case").filter(has_text="听证通知书").wait_for()
    docs = [d["doc_type"] for d in live.api("officer1").get(f"/api/v1/enforcement/cases/{cid}")["documents"]]
    assert "hearing_summons" in docs and "hearing_announcement" not in docs  # a closed hearing is not announced
