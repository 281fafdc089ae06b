"""The enforcement procedure end to end through the API: an ordinary case from registration to archive, a
summary case, the hand-over from 数字城管, transfers, disclosure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from chengguan.core import clock
from enfhelpers import EFlow, setup_people


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    return EFlow(client, auth, setup_people(db_session))


def test_ordinary_case_from_registration_to_archive(ef, client, auth, db_session):
    cid = ef.notified(fine="500")
    c = ef.get(cid)
    assert c["case"]["status"] == "notified"
    assert not c["case"]["hearing_offered"]  # ¥500 for a citizen is below the configured 1,000
    ef.act(cid, "record", "officer1", kind="statement", content="当事人称初次摆摊，请求从轻。",
           officer_ids=[ef.ids["officer1"], ef.ids["officer2"]], party_signed=True, conclusion="不予采纳：事实清楚")
    out = ef.act(cid, "decide", "leader1", opinion="同意处罚")
    assert out["case"]["status"] == "decided"
    assert out["case"]["decision_no"].startswith("海城管罚决字〔")
    decision = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
    out = ef.act(cid, "serve", "officer1", document_id=decision["id"], method="direct", recipient="张三",
                 signed_by="张三")
    assert out["case"]["status"] == "served"
    assert out["case"]["payment_due_at"] is not None
    ef.act(cid, "publish", "officer1")
    pub = client.get("/api/v1/public/decisions").json()
    item = next(i for i in pub["items"] if i["decision_no"] == out["case"]["decision_no"])
    assert item["party_name"] == "张*" and "1234" in item["id_number"] and "19900101" not in item["id_number"]
    ef.act(cid, "payment", "officer1", amount="500", paid_at=clock.now().isoformat(), payment_ref="BANK-001")
    ef.act(cid, "close", "leader1", opinion="执行完毕")
    out = ef.act(cid, "archive", "officer1")
    assert out["case"]["status"] == "archived"
    types = {d["doc_type"] for d in out["documents"]}
    assert {"register_approval", "inspection_record", "handling_approval", "correction_order", "prior_notice",
            "statement_record", "penalty_decision", "service_receipt", "closure_approval", "file_cover"} <= types
    assert [e["seq"] for e in out["events"]] == list(range(1, len(out["events"]) + 1))
    # every act is in the hash-chained audit log
    from chengguan.audit import service as audit

    entries = audit.entries(db_session, f"enf_case:{cid}")
    assert len(entries) == len(out["events"])
    assert [r.ok for r in audit.verify(db_session, f"enf_case:{cid}")] == [True]
    export = client.get("/api/v1/enforcement/disclosures/export", headers=auth("leader1"))
    assert export.status_code == 200 and "行政处罚决定书文号" in export.text


def test_summary_case_on_the_spot(ef, client, auth):
    body = {"cause": "占道经营", "party_name": "李四", "party_type": "person", "penalty_types": ["fine"],
            "fine_amount": "50", "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "facts": "占用人行道摆摊",
            "officer_ids": [ef.ids["officer1"], ef.ids["officer2"]], "cash": True, "lon": ef.lon, "lat": ef.lat,
            "device_id": "BODYCAM-07"}
    out = ef.post("/api/v1/enforcement/summary", "officer1", body, 201)
    cid = out["case"]["id"]
    assert out["case"]["procedure"] == "summary" and out["case"]["status"] == "served"
    assert out["case"]["decision_no"].startswith("海城管当罚字〔")
    assert {t["kind"] for t in out["timers"] if t["done_at"] is None} == {"cash_hand_in", "file"}
    ef.refuse(cid, "close", "leader1", "cannot_close")
    ef.act(cid, "hand-in-cash", "officer1", receipt_no="财政票据0001")
    ef.act(cid, "file-summary", "leader1")
    out = ef.act(cid, "close", "leader1")
    assert out["case"]["status"] == "closed"
    assert out["events"][0]["device_id"] == "BODYCAM-07"


def test_handover_from_digital_case_links_both_ways(ef, client, auth):
    from casehelpers import Flow

    f = Flow(client, auth)
    case = f.to_registered()
    out = ef.post("/api/v1/enforcement/handover", "dispatcher1",
                  {"case_id": case["id"], "cause": "占道经营", "party_name": "王五"}, 201)
    assert out["case"]["source"] == "digital_case" and out["case"]["source_case_id"] == case["id"]
    timeline = f.get(case["id"])["timeline"]
    ev = next(e for e in timeline if e["action"] == "enforcement_handover")
    assert ev["data"]["enforcement_case_id"] == out["case"]["id"]
    ef.post("/api/v1/enforcement/handover", "dispatcher1",
            {"case_id": case["id"], "cause": "占道经营", "party_name": "王五"}, 409)


def test_transfer_to_police_with_timers(ef):
    cid = ef.registered()
    two = [ef.ids["officer1"], ef.ids["officer2"]]
    out = ef.act(cid, "transfer", "officer1", kind="police", receiver="海门区公安分局", reason="涉嫌妨害公务",
                 officer_ids=two, items=[{"name": "三轮车", "quantity": "1辆"}])
    t = out["transfers"][0]
    assert any(x["kind"] == "xfer_decide" for x in out["timers"] if x["done_at"] is None)
    ef.refuse(cid, "transfer-step", "officer1", "approval_required", transfer_id=t["id"], step="send")
    ef.act(cid, "transfer-step", "leader1", transfer_id=t["id"], step="approve")
    out = ef.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="send")
    assert out["case"]["status"] == "transferred"
    ef.refuse(cid, "close", "leader1", "cannot_close")
    ef.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="receipt", receipt_by="刘警官")
    ef.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="reply", reply="accepted")
    ef.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="handover")
    assert ef.act(cid, "close", "leader1")["case"]["status"] == "closed"


def test_revocation_withdraws_the_published_decision(ef, client):
    cid = ef.notified(fine="300")
    ef.act(cid, "waive", "officer1", note="当事人书面声明放弃陈述申辩")
    out = ef.act(cid, "decide", "leader1")
    ef.act(cid, "publish", "officer1")
    no = out["case"]["decision_no"]
    assert any(i["decision_no"] == no for i in client.get("/api/v1/public/decisions").json()["items"])
    out = ef.act(cid, "revoke", "leader1", reason="复议机关撤销")
    assert any(t["kind"] == "withdraw" and t["done_at"] is None for t in out["timers"])
    ef.act(cid, "withdraw", "officer1")
    assert not any(i["decision_no"] == no for i in client.get("/api/v1/public/decisions").json()["items"])


def test_work_list_shows_deadlines_nearest_first(ef, client, auth):
    a = ef.registered()
    b = ef.lead()["case"]["id"]
    r = client.get("/api/v1/enforcement/cases", params={"mine": "true"}, headers=auth("officer1"))
    assert r.status_code == 200
    items = r.json()["items"]
    ids = [i["id"] for i in items]
    assert a in ids and all(i["next_due_at"] for i in items if i["id"] == a)
    r = client.get("/api/v1/enforcement/cases", params={"mine": "false"}, headers=auth("leader1"))
    assert b in [i["id"] for i in r.json()["items"]] or r.json()["items"]
    dues = [i["next_due_at"] for i in r.json()["items"] if i["next_due_at"]]
    assert dues == sorted(dues)
    assert client.get("/api/v1/enforcement/cases", headers=auth("citizen1")).status_code == 403


def test_no_penalty_for_a_minor_violation(ef, db_session):
    cid = ef.registered()
    ef.act(cid, "end-investigation", "officer1", outcome="minor", facts="首次违法、已当场改正、无危害后果")
    ef.act(cid, "approve", "leader1")
    ef.refuse(cid, "decide", "leader1", "education_required", status=422)
    out = ef.act(cid, "decide", "leader1", education="已对当事人进行法治宣传教育")
    assert out["case"]["decision_kind"] == "no_penalty"
    assert out["case"]["decision_no"].startswith("海城管不罚字")


def test_every_act_writes_event_and_audit(ef, db_session):
    from chengguan.audit.models import AuditEntry
    from chengguan.enforcement.models import EnforcementEvent

    cid = ef.notified()
    n_ev = len(db_session.scalars(select(EnforcementEvent).where(EnforcementEvent.case_id == cid)).all())
    n_au = len(db_session.scalars(select(AuditEntry).where(AuditEntry.subject == f"enf_case:{cid}")).all())
    assert n_ev == n_au >= 6


def test_case_page_and_documents_visible_only_in_region(ef, client, auth):
    cid = ef.registered()
    assert client.get(f"/api/v1/enforcement/cases/{cid}", headers=auth("citizen1")).status_code == 403
    assert client.get("/api/v1/enforcement/cases/999999", headers=auth("officer1")).status_code == 404
    _ = timedelta


def test_summary_retry_with_idempotency_key_creates_one_decision(ef, client, auth):
    body = {"cause": "占道经营", "party_name": "孙七", "penalty_types": ["warning"], "legal_basis": "条例第36条",
            "facts": "摆摊", "officer_ids": [ef.ids["officer1"], ef.ids["officer2"]], "lon": ef.lon, "lat": ef.lat}
    h = {**auth("officer1"), "Idempotency-Key": "phone-retry-0001"}
    a = client.post("/api/v1/enforcement/summary", json=body, headers=h)
    b = client.post("/api/v1/enforcement/summary", json=body, headers=h)
    assert a.status_code == b.status_code == 201 and b.headers.get("Idempotent-Replayed") == "true"
    assert a.json()["case"]["id"] == b.json()["case"]["id"]
