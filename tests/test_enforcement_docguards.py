"""The guards of the documents added for issue 7: 听证公告 (public hearings only), 加处罚款决定书,
强制执行申请书 (signed by the head: see test_enforcement_guards), 罚没物品处理记录; one refusal per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chengguan.core import clock
from chengguan.enforcement import documents
from chengguan.enforcement.models import EnforcementDocument
from enfhelpers import EFlow, setup_people


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    out = EFlow(client, auth, setup_people(db_session))
    out.session = db_session  # type: ignore[attr-defined]
    return out


def _docs(ef: EFlow, cid: int, doc_type: str) -> list[EnforcementDocument]:
    return list(ef.session.scalars(select(EnforcementDocument).where(  # type: ignore[attr-defined]
        EnforcementDocument.case_id == cid, EnforcementDocument.doc_type == doc_type).order_by(EnforcementDocument.id)))


def _flat(doc: EnforcementDocument) -> str:
    return "".join(documents.html(doc).split())


def test_hearing_announcement_only_for_public_hearings(ef):
    cid = ef.notified(fine="5000")  # above the hearing threshold for a citizen
    ef.act(cid, "request-hearing", "officer1", note="申请听证")
    when = (clock.now() + timedelta(days=20)).isoformat()
    base = {"hearing_at": when, "place": "第一听证室", "chair_id": ef.ids["reviewer1"]}
    ef.refuse(cid, "schedule-hearing", "leader1", "closed_reason_required", public=False, **base)
    ef.refuse(cid, "schedule-hearing", "leader1", "closed_reason_required", public=False, closed_reason="busy", **base)
    ef.act(cid, "schedule-hearing", "leader1", public=False, closed_reason="privacy", **base)
    assert _docs(ef, cid, "hearing_announcement") == []
    summons = _docs(ef, cid, "hearing_summons")[-1]
    assert "不公开举行" in _flat(summons) and "个人隐私" in _flat(summons)
    ef.act(cid, "schedule-hearing", "leader1", **base)  # rescheduled as a public hearing: announced
    ann = _docs(ef, cid, "hearing_announcement")
    assert len(ann) == 1 and ann[0].doc_no and "听公字" in ann[0].doc_no
    text = _flat(ann[0])
    assert "公开举行听证" in text and "第一听证室" in text and "张三" in text
    assert "320684199001011234" not in text and "人民路1号" not in text  # a public notice: no personal data


def _decided(ef: EFlow, fine: str = "1000") -> tuple[int, int]:
    cid = ef.notified(fine=fine)
    ef.act(cid, "waive", "officer1", note="放弃")
    out = ef.act(cid, "decide", "leader1")
    return cid, next(d["id"] for d in out["documents"] if d["doc_type"] == "penalty_decision")


def test_late_fine_decision_guards(ef):
    np = ef.registered()
    ef.act(np, "end-investigation", "officer1", outcome="minor", facts="轻微")
    ef.act(np, "approve", "leader1")
    ef.act(np, "decide", "leader1", education="当场教育")
    ef.refuse(np, "late-fine", "officer1", "no_fine")

    cid, dec = _decided(ef)
    ef.refuse(cid, "late-fine", "officer1", "not_served")
    start = clock.now()
    ef.act(cid, "serve", "officer1", document_id=dec, method="direct", recipient="张三", signed_by="张三")
    ef.refuse(cid, "late-fine", "officer1", "payment_period_open")
    ef.refuse(cid, "late-fine", "leader1", "not_case_handler", 403)
    with clock.frozen(start + timedelta(days=18)):
        # AEL 45: a decision that did not state the 加处罚款 standard (e.g. imported) allows no late fine
        doc = ef.session.get(EnforcementDocument, dec)  # type: ignore[attr-defined]
        kept = doc.data
        doc.data = {**kept, "paragraphs": [p for p in kept["paragraphs"] if "加处罚款" not in p]}
        ef.session.commit()  # type: ignore[attr-defined]
        ef.refuse(cid, "late-fine", "officer1", "late_fine_not_announced")
        out = ef.act(cid, "demand", "officer1")  # the 催告 itself is still lawful, without a late-fine decision
        assert not [d for d in out["documents"] if d["doc_type"] == "late_fine_decision"]
        doc.data = kept
        ef.session.commit()  # type: ignore[attr-defined]
    cid2, dec2 = _decided(ef)
    ef.act(cid2, "serve", "officer1", document_id=dec2, method="direct", recipient="张三", signed_by="张三")
    ef.act(cid2, "challenge", "officer1", kind="reconsideration", started_at=start.isoformat())
    with clock.frozen(start + timedelta(days=20)):
        ef.refuse(cid2, "late-fine", "officer1", "late_fine_paused")  # APL 73: no accrual during 复议
        ef.act(cid2, "challenge", "officer1", kind="reconsideration", end=True, result="upheld")
    with clock.frozen(start + timedelta(days=24)):
        out = ef.act(cid2, "late-fine", "officer1", opinion="逾期未缴")
        lf = [d for d in out["documents"] if d["doc_type"] == "late_fine_decision"]
        assert len(lf) == 1 and "加罚字" in lf[0]["doc_no"]
        text = _flat(_docs(ef, cid2, "late_fine_decision")[0])
        # the 15-day period, then the days after the reconsideration ended (20th) up to the 24th
        assert "百分之三" in text and "4日" in text and "120.00" in text
        ef.refuse(cid2, "late-fine", "officer1", "late_fine_decided")
        ef.act(cid2, "demand", "officer1")
        assert len(_docs(ef, cid2, "late_fine_decision")) == 1  # the 催告 does not issue a second one
        ef.act(cid2, "payment", "officer1", amount="1120", paid_at=clock.now().isoformat(), payment_ref="B-1")
        ef.refuse(cid2, "late-fine", "officer1", "already_paid")


def test_demand_issues_the_late_fine_decision(ef):
    cid, dec = _decided(ef, fine="2000")
    start = clock.now()
    ef.act(cid, "serve", "officer1", document_id=dec, method="direct", recipient="张三", signed_by="张三")
    with clock.frozen(start + timedelta(days=25)):
        out = ef.act(cid, "demand", "officer1")
    kinds = [d["doc_type"] for d in out["documents"]]
    assert kinds.count("late_fine_decision") == 1 and kinds.count("demand") == 1
    assert "600.00" in _flat(_docs(ef, cid, "late_fine_decision")[0])  # 10 days × 3 % × 2,000


def test_disposal_record_guards(ef):
    two = [ef.ids["officer1"], ef.ids["officer2"]]
    cid = ef.registered()
    m = ef.act(cid, "measure", "officer1", kind="seize", items=[{"name": "假冒商品", "quantity": "20件"}],
               officer_ids=two, approved_by=ef.ids["leader1"])["measures"][0]
    ef.refuse(cid, "dispose", "officer1", "unknown_measure", 404, measure_id=999999, method="auction", officer_ids=two)
    ef.refuse(cid, "dispose", "officer1", "not_confiscated", measure_id=m["id"], method="auction", officer_ids=two)
    ef.act(cid, "measure-end", "officer1", measure_id=m["id"], outcome="confiscate")
    ef.refuse(cid, "dispose", "officer1", "no_confiscation_decision", measure_id=m["id"], method="auction",
              officer_ids=two)
    ef.act(cid, "record", "officer1", kind="inspection", content="现场检查", officer_ids=two, party_signed=True)
    ef.act(cid, "evidence", "officer1", kind="physical", title="扣押物品", officer_ids=two)
    ef.act(cid, "end-investigation", "officer1", outcome="penalty", facts="销售假冒商品", legal_basis="条例",
           penalty_types=["fine", "confiscation"], fine_amount="500", confiscation_amount="200",
           correction_order="立即停止")
    ef.act(cid, "approve", "leader1")
    ef.act(cid, "notify", "officer1")
    ef.act(cid, "waive", "officer1", note="放弃")
    out = ef.act(cid, "decide", "leader1")
    dec = next(d["id"] for d in out["documents"] if d["doc_type"] == "penalty_decision")
    ef.refuse(cid, "dispose", "officer1", "not_served", measure_id=m["id"], method="auction", officer_ids=two)
    ef.act(cid, "serve", "officer1", document_id=dec, method="direct", recipient="张三", signed_by="张三")
    ef.act(cid, "payment", "officer1", amount="500", paid_at=clock.now().isoformat(), payment_ref="B-2")
    err = ef.refuse(cid, "close", "leader1", "cannot_close")
    assert any("罚没物品" in why for why in err["details"])
    ef.refuse(cid, "dispose", "officer1", "bad_method", 422, measure_id=m["id"], method="burn", officer_ids=two)
    ef.refuse(cid, "dispose", "officer1", "too_few_officers", measure_id=m["id"], method="auction",
              officer_ids=[ef.ids["officer1"]])
    ef.refuse(cid, "dispose", "officer1", "basis_required", measure_id=m["id"], method="destroy", officer_ids=two,
              witness="监销人")
    ef.refuse(cid, "dispose", "officer1", "witness_required", measure_id=m["id"], method="destroy", officer_ids=two,
              basis="依法应当销毁")
    ef.refuse(cid, "dispose", "officer1", "treasury_ref_required", measure_id=m["id"], method="auction",
              officer_ids=two, proceeds="300")
    ef.refuse(cid, "dispose", "assistant1", "auxiliary_forbidden", 403, measure_id=m["id"], method="auction",
              officer_ids=two)
    out = ef.act(cid, "dispose", "officer1", measure_id=m["id"], method="auction", officer_ids=two, proceeds="300",
                 treasury_ref="GK-2026-1", place="公共资源交易中心", result="拍卖成交")
    rec = _docs(ef, cid, "disposal_record")
    assert len(rec) == 1 and "没处字" in (rec[0].doc_no or "")
    text = _flat(rec[0])
    assert "公开拍卖" in text and "GK-2026-1" in text and "假冒商品" in text and out["case"]["decision_no"] in text
    ef.refuse(cid, "dispose", "officer1", "already_disposed", measure_id=m["id"], method="auction", officer_ids=two,
              proceeds="300", treasury_ref="GK-2026-1")
    ef.act(cid, "close", "leader1")
    assert "公开拍卖" in _flat(_docs(ef, cid, "closure_approval")[0])
