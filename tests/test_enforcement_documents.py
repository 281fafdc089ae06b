"""Every 执法文书 renders to a PDF with its key text; numbers are gap-free per type and year; the status
writer rule holds for enforcement cases."""

from __future__ import annotations

import ast
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from chengguan.enforcement import documents
from chengguan.enforcement.models import EnforcementDocument
from enfhelpers import EFlow, setup_people

SRC = Path(__file__).resolve().parents[1] / "src" / "chengguan"


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    return EFlow(client, auth, setup_people(db_session))


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its Flate streams decompressed (object streams hide the font dictionaries)."""
    import re
    import zlib

    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        try:
            out.append(zlib.decompressobj().decompress(pdf[m.end():]))
        except zlib.error:
            continue
    return b"".join(out)


def _text(pdf: bytes, tmp_path: Path) -> str | None:
    if shutil.which("pdftotext") is None:
        return None
    f = tmp_path / "d.pdf"
    f.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(f), "-"], capture_output=True, text=True, check=True).stdout


def test_every_document_type_renders(ef, client, auth, db_session, tmp_path):
    two = [ef.ids["officer1"], ef.ids["officer2"]]
    # one ordinary case through a hearing and a demand, one summary case, one no-penalty, one transfer
    cid = ef.registered(complex_case=True)
    ef.act(cid, "record", "officer1", kind="inquiry", content="问：是否摆摊？\n答：是。", officer_ids=two, party_signed=True)
    ef.act(cid, "record", "officer1", kind="inspection", content="现场检查情况", officer_ids=two, party_signed=True)
    ef.act(cid, "evidence", "officer1", kind="documentary", title="书证", officer_ids=two)
    m = ef.act(cid, "measure", "officer1", kind="preserve", items=[{"name": "摊车", "quantity": "1辆"}],
               officer_ids=two, approved_by=ef.ids["leader1"])["measures"][0]
    ef.act(cid, "measure-end", "officer1", measure_id=m["id"], outcome="return")
    seized = ef.act(cid, "measure", "officer1", kind="seize", items=[{"name": "货物", "quantity": "3箱"}],
                    officer_ids=two, approved_by=ef.ids["leader1"])["measures"][-1]
    ef.act(cid, "measure-end", "officer1", measure_id=seized["id"], outcome="confiscate")
    ef.act(cid, "end-investigation", "officer1", outcome="penalty", facts="占道经营", legal_basis="条例第36条",
           penalty_types=["fine", "confiscation"], fine_amount="5000", confiscation_amount="600",
           correction_order="立即改正")
    ef.act(cid, "approve", "leader1")
    ef.act(cid, "collective", "leader1", participants=["甲", "乙", "丙"], content="讨论", conclusion="同意")
    ef.act(cid, "legal-review", "reviewer1", passed=True, opinion="同意", items={"facts": "事实清楚"})
    ef.act(cid, "notify", "officer1")
    ef.act(cid, "record", "officer1", kind="statement", content="陈述", officer_ids=two, party_signed=True)
    ef.act(cid, "request-hearing", "officer1", note="申请")
    from datetime import timedelta

    from chengguan.core import clock

    ef.act(cid, "schedule-hearing", "leader1", hearing_at=(clock.now() + timedelta(days=20)).isoformat(),
           place="听证室", chair_id=ef.ids["reviewer1"])
    with clock.frozen(clock.now() + timedelta(days=21)):
        ef.act(cid, "record", "reviewer1", kind="hearing", content="听证笔录正文", officer_ids=[], party_signed=True)
        out = ef.act(cid, "decide", "leader1")
        dec = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
        ef.act(cid, "serve", "officer1", document_id=dec["id"], method="direct", recipient="张三", signed_by="张三")
        ef.act(cid, "dispose", "officer1", measure_id=seized["id"], method="destroy", officer_ids=two,
               basis="假冒伪劣商品依法应当销毁", witness="监销人王五", place="区罚没物品仓库", result="已粉碎销毁")
    with clock.frozen(clock.now() + timedelta(days=60)):
        out = ef.act(cid, "demand", "officer1")
        dem = next(d for d in out["documents"] if d["doc_type"] == "demand")
        ef.act(cid, "serve", "officer1", document_id=dem["id"], method="direct", recipient="张三", signed_by="张三")
    with clock.frozen(clock.now() + timedelta(days=250)):
        ef.act(cid, "apply-court", "leader1", note="", court="海门区人民法院")
        ef.act(cid, "close", "leader1")
    s = ef.post("/api/v1/enforcement/summary", "officer1",
                {"cause": "占道经营", "party_name": "李四", "penalty_types": ["warning"], "legal_basis": "条例",
                 "facts": "摆摊", "officer_ids": two, "lon": ef.lon, "lat": ef.lat}, 201)
    cid2 = ef.registered()
    rid = ef.act(cid2, "recusal", "officer2", officer_id=ef.ids["officer2"], source="self",
                 reason="曾与当事人有经济往来")["recusals"][0]["id"]
    ef.act(cid2, "recusal-decide", "leader1", recusal_id=rid, granted=False, opinion="不影响公正执法")
    ef.act(cid2, "end-investigation", "officer1", outcome="minor", facts="轻微")
    ef.act(cid2, "approve", "leader1")
    ef.act(cid2, "decide", "leader1", education="教育")
    cid3 = ef.registered()
    ef.act(cid3, "transfer", "officer1", kind="agency", receiver="市场监管局", reason="不属本机关管辖")
    cid4 = ef.notified(fine="300")
    ef.act(cid4, "waive", "officer1", note="放弃")
    out = ef.act(cid4, "decide", "leader1")
    d4 = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
    ef.act(cid4, "serve", "officer1", document_id=d4["id"], method="direct", recipient="张三", signed_by="张三")
    plan = ef.act(cid4, "payment-plan", "officer1", kind="defer", reason="经营困难")["payment_plans"][0]
    ef.act(cid4, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=False, opinion="未提交证明材料")
    plan = ef.act(cid4, "payment-plan", "officer1", kind="instalments", reason="补交证明")["payment_plans"][-1]
    due = [(clock.now() + timedelta(days=n)).date().isoformat() for n in (10, 40)]
    ef.act(cid4, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意分两期",
           schedule=[{"due_on": due[0], "amount": "100"}, {"due_on": due[1], "amount": "200"}])
    ef.act(cid4, "payment", "officer1", amount="300", paid_at=clock.now().isoformat(), payment_ref="B")
    ef.act(cid4, "close", "leader1")
    ef.act(cid4, "archive", "officer1")

    docs = db_session.scalars(select(EnforcementDocument).where(
        EnforcementDocument.case_id.in_([cid, s["case"]["id"], cid2, cid3, cid4]))).all()
    by_type = {d.doc_type: d for d in sorted(docs, key=lambda d: (d.case_id == cid, d.id))}  # the full case wins
    assert set(documents.TYPES) <= set(by_type), set(documents.TYPES) - set(by_type)
    key_text = {"penalty_decision": ["行政处罚决定书", "百分之三", "六十日"], "prior_notice": ["陈述", "申辩"], "hearing_rights_notice": ["五个工作日"],
                "summary_decision": ["当场", "备案"], "demand": ["催告", "十个工作日"], "seizure_decision": ["货物", "三十日"],
                "service_receipt": ["送达回证", "直接送达"], "file_cover": ["一案一卷"], "hearing_summons": ["回避"],
                "transfer_letter": ["市场监管局"], "legal_review_opinion": ["事实清楚"],
                "hearing_announcement": ["公告", "听证室", "旁听"], "late_fine_decision": ["加处罚款", "百分之三", "5000"],
                "court_application": ["海门区人民法院", "第五十五条", "此致", "被申请人"],
                "disposal_record": ["货物", "销毁", "监销人王五", "第七十四条"],
                "inquiry_record": ["问：", "是否摆摊", "答：", "询问人"],
                "closure_approval": ["罚没物品处理", "销毁"],
                "recusal_decision": ["回避", "第四十三条", "不予准许", "曾与当事人有经济往来", "不影响公正执法"],
                "payment_plan_decision": ["分期缴纳计划表", "同意分两期", "合计", "200.00"],
                "payment_plan_refusal": ["不予批准", "未提交证明材料", "六十日"]}
    for doc_type, doc in by_type.items():
        r = client.get(f"/api/v1/enforcement/documents/{doc.id}.pdf", headers=auth("officer1"))
        assert r.status_code == 200 and r.content.startswith(b"%PDF"), doc_type
        assert b"/FontFile" in _inflated(r.content), f"{doc_type}: no embedded font"
        html = "".join(documents.html(doc).split())
        for word in key_text.get(doc_type, []):
            assert word in html, (doc_type, word)
        assert doc.title in html and (doc.doc_no or "") in html
        text = _text(r.content, tmp_path)  # poppler, when installed: the words survive into the PDF
        if text is not None:
            flat = "".join(text.split())
            assert doc.title.replace("（", "(").replace("）", ")")[:4] in flat.replace("（", "(").replace("）", ")"), doc_type
            for word in key_text.get(doc_type, []):
                assert word in flat, (doc_type, word)
            if doc.doc_no:
                assert doc.doc_no in flat, doc_type
    assert client.get(f"/api/v1/enforcement/documents/{docs[0].id}.pdf", headers=auth("citizen1")).status_code == 403
    _check_layouts(by_type)


def _check_layouts(by_type: dict[str, EnforcementDocument]) -> None:
    """Each form has the layout of the standard form (not the generic one)."""
    h = {t: "".join(documents.html(d).split()) for t, d in by_type.items()}
    for t, d in by_type.items():
        assert documents.template_for(t) == f"{t}.html", t
        assert d.data["agency"] in h[t] and d.title in h[t], t  # the shared header
    # 送达回证: one table with method, place, the addressee's signature and the server
    r = h["service_receipt"]
    assert 'class="receipt"' in r and all(w in r for w in ("送达方式", "送达地点", "受送达人<br>签名或盖章", "送达人", "见证人"))
    # 询问笔录: header grid, then 问/答 lines; signed by the person questioned, not sealed
    q = h["inquiry_record"]
    assert '<spanclass="tag">问：</span>是否摆摊' in q and '<spanclass="tag">答：</span>是' in q
    assert "询问人" in q and "被询问人（签名）" in q and "（印章）" not in q
    # 决定书: the remedies paragraph after the decision, then the seal bottom-right over the date
    dec = h["penalty_decision"]
    assert dec.index("本机关决定") < dec.index('class="remedies"') < dec.index('class="stamp"') \
        < dec.index(by_type["penalty_decision"].data["date"])
    assert "回执" in h["prior_notice"] and "移送回执" in h["transfer_letter"]
    assert "负责人（签名）" in h["court_application"] and "此致" in h["court_application"]
    assert "监销（见证）人（签名）" in h["disposal_record"] and "处理物品清单" in h["disposal_record"]


def test_generic_template_for_types_without_their_own(db_session, tmp_path):
    assert documents.template_for("no_such_form") == documents.GENERIC_TEMPLATE
    doc = EnforcementDocument(case_id=0, doc_type="no_such_form", year=2026, title="其他事项内部审批表",
                              doc_no="海城管其字〔2026〕第7号",
                              data={"agency": "海门区城市管理局", "date": "2026年05月06日", "case_no": "海城管执案〔2026〕00001号",
                                    "party": [["当事人", "王五"]], "fields": [["申请事项", "延长办案期限"]],
                                    "paragraphs": ["理由：案情复杂"]})
    html = "".join(documents.html(doc).split())
    for word in ("海门区城市管理局", "其他事项内部审批表", "海城管其字〔2026〕第7号", "王五", "延长办案期限", "案情复杂", "（印章）"):
        assert word in html, word
    pdf = documents.render(db_session, doc)
    assert pdf.startswith(b"%PDF") and b"/FontFile" in _inflated(pdf)
    text = _text(pdf, tmp_path)
    if text is not None:
        flat = "".join(text.split())
        assert "其他事项内部审批表" in flat and "海城管其字〔2026〕第7号" in flat and "延长办案期限" in flat


@pytest.mark.parametrize("doc_type", ["hearing_announcement", "late_fine_decision", "court_application",
                                      "disposal_record", "penalty_decision"])
def test_numbers_gap_free_per_type_and_year_across_a_rollback(db_session, doc_type):
    first, no = documents.doc_number(db_session, doc_type, 2098)
    assert first == 1 and no is not None and no.endswith("字〔2098〕第1号") and documents.TYPES[doc_type][1] in no
    sp = db_session.begin_nested()
    assert documents.doc_number(db_session, doc_type, 2098)[0] == 2
    sp.rollback()  # the act failed: its number goes back
    assert documents.doc_number(db_session, doc_type, 2098)[0] == 2
    assert documents.doc_number(db_session, doc_type, 2099)[0] == 1  # a new year starts again at 1
    assert documents.doc_number(db_session, doc_type, 2098)[0] == 3
    other = "court_application" if doc_type != "court_application" else "disposal_record"
    assert documents.doc_number(db_session, other, 2098)[0] == 1  # per type


def test_numbering_is_gap_free_per_type_and_year(ef, db_session):
    first = [ef.registered() for _ in range(3)]
    nos = db_session.scalars(select(EnforcementDocument.number).where(
        EnforcementDocument.doc_type == "register_approval", EnforcementDocument.case_id.in_(first))
        .order_by(EnforcementDocument.number)).all()
    assert nos == list(range(nos[0], nos[0] + 3))
    # a refused act (rolled back) gives its number back: the next number follows without a gap
    cid = ef.lead()["case"]["id"]
    ef.refuse(cid, "register", "leader1", "too_few_officers", lead_officer_id=ef.ids["officer1"],
              assist_officer_id=ef.ids["officer1"])
    nxt = ef.registered()
    n = db_session.scalar(select(EnforcementDocument.number).where(EnforcementDocument.case_id == nxt,
                                                                  EnforcementDocument.doc_type == "register_approval"))
    assert n == nos[-1] + 1
    doc_no = db_session.scalar(select(EnforcementDocument.doc_no).where(EnforcementDocument.case_id == nxt))
    assert doc_no.startswith("海城管立字〔") and doc_no.endswith(f"第{n}号")


def test_only_the_workflow_writes_enforcement_case_status():
    offenders = []
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else \
                [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, ast.Attribute) and sub.attr == "status" and isinstance(sub.value, ast.Name) \
                            and sub.value.id in ("ec", "enf", "ecase"):
                        rel = path.relative_to(SRC).as_posix()
                        if rel != "enforcement/workflow.py":
                            offenders.append(f"{rel}:{sub.lineno}")
    assert offenders == []


def test_entrusted_case_documents_name_the_entrusted_organisation():
    data = {"agency": "海门区城市管理局", "date": "2026年05月06日", "case_no": "海城管执案〔2026〕00002号",
            "party": [["当事人", "王五"]], "paragraphs": ["经查……"], "remedies": "如不服本决定……",
            "entrustment": {"entrusting_agency": "海门区城市管理局", "entrusted_org": "三厂街道综合执法队",
                            "document_no": "海城管委〔2026〕1号"}}
    for doc_type in ("penalty_decision", "prior_notice", "no_such_form"):
        doc = EnforcementDocument(case_id=0, doc_type=doc_type, year=2026, title="文书", doc_no=None, data=data)
        html = "".join(documents.html(doc).split())
        assert "三厂街道综合执法队受海门区城市管理局委托" in html and "海城管委〔2026〕1号" in html, doc_type
