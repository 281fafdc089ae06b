"""The documents of the side procedures (回避决定书, 暂缓（分期）缴纳罚款决定书 / 不予批准通知书), the entrusting agency on
every document of an entrusted case, the 加处罚款决定书 start date after a broken payment plan, and the one-page
forms fitting one A4 page."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from chengguan.accounts.models import User
from chengguan.core import clock
from chengguan.enforcement import documents, service
from chengguan.enforcement.models import EnforcementCase, EnforcementDocument
from enfhelpers import EFlow, certify, setup_people

DEFAULT_AGENCY = "海门区城市管理局"  # enforcement.agency_name's default
ENTRUSTING = "海门区综合行政执法局"


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    ids = setup_people(db_session)
    ids["officer3"] = certify(db_session, "officer3")
    return EFlow(client, auth, ids)


def _pdf(ef: EFlow, doc_id: int) -> bytes:
    r = ef.client.get(f"/api/v1/enforcement/documents/{doc_id}.pdf", headers=ef.auth("officer1"))
    assert r.status_code == 200 and r.content.startswith(b"%PDF"), r.text
    return r.content


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text (pdftotext) without spaces and line breaks."""
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed")
    f = tmp_path / "d.pdf"
    f.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(out.split())


def _pages(pdf: bytes, tmp_path: Path) -> int:
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed")
    f = tmp_path / "p.pdf"
    f.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(f)], capture_output=True, text=True, check=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert m is not None, info
    return int(m.group(1))


def _docs(db_session, case_id: int, doc_type: str) -> list[EnforcementDocument]:  # type: ignore[no-untyped-def]
    return list(db_session.scalars(select(EnforcementDocument).where(
        EnforcementDocument.case_id == case_id, EnforcementDocument.doc_type == doc_type)
        .order_by(EnforcementDocument.id)))


def _cn(d: date) -> str:
    return f"{d:%Y年%m月%d日}"


def _served(ef: EFlow, fine: str = "1000", **kw: Any) -> int:
    cid = ef.notified(fine=fine, **kw)
    ef.act(cid, "waive", "officer1", note="放弃")
    out = ef.act(cid, "decide", "leader1")
    dec = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
    ef.act(cid, "serve", "officer1", document_id=dec["id"], method="direct", recipient="张三", signed_by="张三")
    return cid


def _due(start, n: int) -> str:  # type: ignore[no-untyped-def]
    return clock.local(start + timedelta(days=n)).date().isoformat()


# ------------------------------------------------------------------------------------------ 回避决定书


def test_recusal_decision_granted_on_the_party_application_is_numbered_and_served(ef, db_session, tmp_path):
    o2, o3 = ef.ids["officer2"], ef.ids["officer3"]
    name3 = db_session.get(User, o3).display_name
    cid = ef.registered()
    rid = ef.act(cid, "recusal", "officer1", officer_id=o2, source="party",
                 reason="执法人员系当事人的近亲属")["recusals"][0]["id"]
    assert _docs(db_session, cid, "recusal_decision") == []  # the application alone issues nothing
    out = ef.act(cid, "recusal-decide", "leader1", recusal_id=rid, granted=True, opinion="申请理由成立，应当回避",
                 replacement_id=o3)
    [doc] = _docs(db_session, cid, "recusal_decision")
    assert doc.doc_no and "回避字〔" in doc.doc_no and doc.number is not None
    assert out["events"][-1]["action"] == "recusal_decide" and out["events"][-1]["data"]["document_id"] == doc.id
    assert doc.data["addressee"] == "张三" and doc.data["granted"] is True
    text = _pdf_text(_pdf(ef, doc.id), tmp_path)
    for word in ("回避决定书", doc.doc_no, "张三：", "执法人员系当事人的近亲属", "申请理由成立，应当回避", "准予",
                 f"由{name3}", "接替承办本案", "第四十三条", "当事人申请", "送达申请人", DEFAULT_AGENCY, "（印章）"):
        assert word in text, word
    # served to the party who applied, with a 送达回证
    out = ef.act(cid, "serve", "officer1", document_id=doc.id, method="direct", recipient="张三", signed_by="张三")
    assert any(d["doc_type"] == "service_receipt" for d in out["documents"])


def test_recusal_decision_refused_on_the_officer_declaration(ef, db_session, tmp_path):
    o2 = ef.ids["officer2"]
    cid = ef.registered()
    rid = ef.act(cid, "recusal", "officer2", officer_id=o2, source="self", reason="曾与当事人有经济往来")["recusals"][0]["id"]
    ef.act(cid, "recusal-decide", "leader1", recusal_id=rid, granted=False, opinion="往来已结清，不影响公正执法")
    [doc] = _docs(db_session, cid, "recusal_decision")
    assert doc.data["granted"] is False and doc.data["served_to"] is None
    text = _pdf_text(_pdf(ef, doc.id), tmp_path)
    for word in ("回避决定书", doc.doc_no, "不予准许", "往来已结清，不影响公正执法", "曾与当事人有经济往来",
                 "自行申请回避", f"{db_session.get(User, o2).display_name}（执法证号"):
        assert word in text, word
    assert "接替承办人员" not in text
    # numbered per type and year, without gaps
    cid2 = ef.registered()
    rid2 = ef.act(cid2, "recusal", "officer2", officer_id=o2, source="self", reason="同上")["recusals"][0]["id"]
    ef.act(cid2, "recusal-decide", "leader1", recusal_id=rid2, granted=False, opinion="不影响")
    [doc2] = _docs(db_session, cid2, "recusal_decision")
    assert doc2.number == doc.number + 1


# ------------------------------------------------------------------------------------------ 暂缓（分期）缴纳


def test_payment_plan_decision_with_the_schedule_and_the_refusal_notice(ef, db_session, tmp_path):
    start = clock.now()
    cid = _served(ef)
    plan = ef.act(cid, "payment-plan", "officer1", kind="instalments", reason="当事人失业，确有经济困难")["payment_plans"][0]
    ef.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=False, opinion="未提交经济困难的证明材料")
    [refusal] = _docs(db_session, cid, "payment_plan_refusal")
    assert refusal.doc_no and "缓不字〔" in refusal.doc_no
    ec = db_session.get(EnforcementCase, cid)
    text = _pdf_text(_pdf(ef, refusal.id), tmp_path)
    for word in ("不予批准暂缓", refusal.doc_no, "未提交经济困难的证明材料", "不予批准分期缴纳", ec.decision_no,
                 f"{clock.local(ec.payment_due_at):%Y年%m月%d日}前", "六十日内", "第六十六条"):
        assert word in text, word
    plan = ef.act(cid, "payment-plan", "officer1", kind="instalments", reason="补交困难证明")["payment_plans"][-1]
    schedule = [{"due_on": _due(start, 10), "amount": "400"}, {"due_on": _due(start, 40), "amount": "350.50"},
                {"due_on": _due(start, 70), "amount": "249.50"}]
    out = ef.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意分三期缴纳",
                 schedule=schedule)
    [dec] = _docs(db_session, cid, "payment_plan_decision")
    assert dec.doc_no and "缓缴字〔" in dec.doc_no and out["events"][-1]["data"]["document_id"] == dec.id
    rows = dec.data["table"]["rows"]
    assert [r[0] for r in rows] == [1, 2, 3]
    assert [r[1] for r in rows] == [_cn(date.fromisoformat(s["due_on"])) for s in schedule]  # the local due day
    assert [r[2] for r in rows] == ["400.00", "350.50", "249.50"]
    text = _pdf_text(_pdf(ef, dec.id), tmp_path)
    for word in ("暂缓（分期）缴纳罚款决定书", dec.doc_no, "分期缴纳计划表", "同意分三期缴纳", "补交困难证明", "合计", "1000",
                 *[_cn(date.fromisoformat(s["due_on"])) for s in schedule], "350.50", "249.50",
                 "剩余罚款应当一次缴清", "不收取罚款", "张三"):
        assert word in text, word


# ------------------------------------------------------------------------------------------ 委托


def _entrustment(ef: EFlow) -> dict[str, Any]:
    body = {"entrusted_org": "海门区三厂街道综合行政执法队", "power_codes": ["DEMO-CF-0001", "DEMO-CF-0004"],
            "valid_from": (clock.now() - timedelta(days=30)).isoformat(),
            "valid_to": (clock.now() + timedelta(days=365)).isoformat(), "document_no": "海执法委〔2026〕7号",
            "entrusting_agency": ENTRUSTING, "published_at": clock.now().isoformat()}
    return ef.post("/api/v1/enforcement/entrustments", "leader1", body, 201)


def test_documents_of_an_entrusted_case_carry_the_entrusting_agency(ef, db_session, tmp_path):
    ent = _entrustment(ef)
    lead = {"entrustment_id": ent["id"], "power_code": "DEMO-CF-0001"}
    cid = _served(ef, fine="300", **lead)
    plan = ef.act(cid, "payment-plan", "officer1", kind="defer", reason="经营困难")["payment_plans"][0]
    ef.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意暂缓",
           schedule=[{"due_on": _due(clock.now(), 30), "amount": "300"}])
    s = ef.post("/api/v1/enforcement/summary", "officer1",
                {"cause": "占道经营", "party_name": "李四", "party_type": "person", "penalty_types": ["fine"],
                 "fine_amount": "100", "legal_basis": "条例第36条", "facts": "摆摊", "lon": ef.lon, "lat": ef.lat,
                 "officer_ids": [ef.ids["officer1"], ef.ids["officer2"]], **lead}, 201)
    docs = db_session.scalars(select(EnforcementDocument).where(
        EnforcementDocument.case_id.in_([cid, s["case"]["id"]])).order_by(EnforcementDocument.id)).all()
    kinds = {d.doc_type for d in docs}
    assert {"register_approval", "inspection_record", "prior_notice", "penalty_decision", "service_receipt",
            "payment_plan_decision", "summary_decision"} <= kinds, kinds
    line = f"本文书由{ent['entrusted_org']}受{ENTRUSTING}委托，以委托机关名义作出（委托书{ent['document_no']}）"
    for d in docs:
        html = "".join(documents.html(d).split())
        head = html[html.index("<body>"):html.index("<h1>") + 200]
        assert ENTRUSTING in head and line in html, d.doc_type  # the header names the entrusting agency
        text = _pdf_text(_pdf(ef, d.id), tmp_path)
        assert ENTRUSTING in text and line in text, d.doc_type
        assert DEFAULT_AGENCY not in text, d.doc_type  # nothing in the bureau's own name
        if 'class="stamp"' in html:  # sealed forms: the seal block over the entrusting agency's name
            seal = html[html.index('class="stamp"'):]
            assert ENTRUSTING in seal, d.doc_type
    # a case not under an entrustment has no such line
    plain = _docs(db_session, ef.registered(), "register_approval")[0]
    assert "委托机关名义" not in documents.html(plain) and DEFAULT_AGENCY in documents.html(plain)


# ------------------------------------------------------------------------------------------ 加处罚款起算日


def test_late_fine_decision_start_date_after_a_broken_plan_is_the_day_counted(ef, db_session, tmp_path):
    start = clock.now()
    cid = _served(ef)
    plan = ef.act(cid, "payment-plan", "officer1", kind="instalments", reason="确有经济困难")["payment_plans"][0]
    schedule = [{"due_on": _due(start, 10), "amount": "400"}, {"due_on": _due(start, 40), "amount": "600"}]
    ef.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意", schedule=schedule)
    with clock.frozen(start + timedelta(days=8)):
        ef.act(cid, "instalment", "officer1", amount="400", paid_at=clock.now().isoformat(), payment_ref="B-1")
    with clock.frozen(start + timedelta(days=45)):  # the 2nd instalment (day 40) was missed
        out = ef.act(cid, "late-fine", "officer1")
        [doc] = _docs(db_session, cid, "late_fine_decision")
        ec = db_session.get(EnforcementCase, cid)
        days, amount = service.late_fine(db_session, ec, clock.now())
        first_counted = service.late_fine_segments(db_session, ec, clock.now())[-1][0]
    assert out["late_fine"] == {"days": days, "amount": str(amount)}
    missed = date.fromisoformat(schedule[1]["due_on"])
    expected = _cn(missed + timedelta(days=1))  # the day after the missed instalment, not after the 15 days
    assert first_counted == missed + timedelta(days=1)
    assert doc.data["start"] == expected
    original = _cn(clock.local(ec.payment_due_at).date() + timedelta(days=1))
    assert original != expected
    text = _pdf_text(_pdf(ef, doc.id), tmp_path)
    assert f"自{expected}起" in text, text
    assert text.count(expected) >= 2 and original not in text  # the decision and the 起算日 cell; never the old day
    assert f"加处罚款起算日</td><td>{expected}" in "".join(documents.html(doc).split())
    assert f"{days}日，人民币{amount}元" in text and "600" in text and "尚欠罚款人民币600" in text


def test_late_fine_decision_start_date_without_a_plan(ef, db_session, tmp_path):
    cid = _served(ef)
    ec = db_session.get(EnforcementCase, cid)
    with clock.frozen(ec.payment_due_at + timedelta(days=5)):
        ef.act(cid, "late-fine", "officer1")
    [doc] = _docs(db_session, cid, "late_fine_decision")
    expected = _cn(clock.local(ec.payment_due_at).date() + timedelta(days=1))
    assert doc.data["start"] == expected
    assert f"自{expected}起" in _pdf_text(_pdf(ef, doc.id), tmp_path)


# ------------------------------------------------------------------------------------------ one A4 page


def test_one_page_forms_fit_one_a4_page(ef, db_session, tmp_path):
    """当场处罚决定书, 听证通知书, 催告书 and 加处罚款决定书 are one-page forms: filled with long but realistic
    particulars (an organisation, an entrusted case, a broken instalment plan) they still print on one page."""
    ent = _entrustment(ef)
    lead = {"entrustment_id": ent["id"], "power_code": "DEMO-CF-0004"}
    org = {"party_type": "org", "party_name": "海门区某某餐饮管理有限公司", "party_id_no": "91320684MA1XXXXXX7",
           "party_legal_rep": "王某某", "party_address": "海门区人民中路188号金色家园商业街3幢101室",
           "party_phone": "0513-82000000"}
    s = ef.post("/api/v1/enforcement/summary", "officer1",
                {"cause": "擅自占用城市道路设摊经营", **{k: v for k, v in org.items() if k != "party_legal_rep"}, "penalty_types": ["warning", "fine"],
                 "fine_amount": "3000", "legal_basis": "《城市市容和环境卫生管理条例》第十四条、第三十六条第（二）项",
                 "facts": "当事人在人民中路与解放路交叉口东北角人行道上擅自摆放餐桌椅六套进行占道经营，影响行人通行",
                 "officer_ids": [ef.ids["officer1"], ef.ids["officer2"]], "lon": ef.lon, "lat": ef.lat,
                 "address": "海门区人民中路与解放路交叉口东北角人行道", **lead}, 201)
    summary = _docs(db_session, s["case"]["id"], "summary_decision")
    # hearing summons
    cid = ef.notified(fine="30000", **org, **lead)
    ef.act(cid, "request-hearing", "officer1", note="当事人书面申请听证")
    ef.act(cid, "schedule-hearing", "leader1", hearing_at=(clock.now() + timedelta(days=20)).isoformat(),
           place="海门区综合行政执法局三楼听证室（人民中路200号）", chair_id=ef.ids["reviewer1"],
           agents=["律师赵某某", "员工钱某某"])
    summons = _docs(db_session, cid, "hearing_summons")
    # late fine decision and demand after a broken instalment plan
    start = clock.now()
    cid2 = _served(ef, fine="30000", **org, **lead)
    plan = ef.act(cid2, "payment-plan", "officer1", kind="instalments", reason="受疫情影响经营困难")["payment_plans"][0]
    ef.act(cid2, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意",
           schedule=[{"due_on": _due(start, 10), "amount": "10000"}, {"due_on": _due(start, 40), "amount": "10000"},
                     {"due_on": _due(start, 70), "amount": "10000"}])
    with clock.frozen(start + timedelta(days=8)):
        ef.act(cid2, "instalment", "officer1", amount="10000", paid_at=clock.now().isoformat(), payment_ref="B-1")
    with clock.frozen(start + timedelta(days=50)):
        ef.act(cid2, "demand", "officer1")  # issues the 加处罚款决定书 first
    late = _docs(db_session, cid2, "late_fine_decision")
    demand = _docs(db_session, cid2, "demand")
    pages = {d.doc_type: _pages(_pdf(ef, d.id), tmp_path) for d in [*summary, *summons, *late, *demand]}
    assert set(pages) == {"summary_decision", "hearing_summons", "late_fine_decision", "demand"}
    assert pages == dict.fromkeys(pages, 1), pages
