"""Every rule of the procedure is a guard: each refusal is tested here (status, code, a Chinese message, and
nothing changed — no new event)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chengguan.core import clock
from enfhelpers import GuardFlow, certify, setup_people

G = GuardFlow


@pytest.fixture
def g(client, auth, db_session):  # type: ignore[no-untyped-def]
    out = G(client, auth, setup_people(db_session))
    out.session = db_session
    return out


def two(g: G) -> list[int]:
    return [g.ids["officer1"], g.ids["officer2"]]


def test_sources_and_registration(g, client, auth, db_session):
    r = client.post("/api/v1/enforcement/cases", headers=auth("officer1"),
                    json={"source": "transfer_in", "cause": "占道经营", "party_name": "甲", "lon": g.lon, "lat": g.lat})
    assert r.status_code == 422 and r.json()["error"]["code"] == "source_ref_required"
    r = client.post("/api/v1/enforcement/cases", headers=auth("officer1"),
                    json={"source": "patrol", "cause": "占道经营", "party_name": "甲", "lon": g.lon, "lat": g.lat,
                          "occurred_at": (clock.now() + timedelta(days=2)).isoformat()})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_time"
    assert client.post("/api/v1/enforcement/cases", headers=auth("citizen1"),
                       json={"source": "patrol", "cause": "占道经营", "party_name": "甲"}).status_code == 403
    cid = g.lead()["case"]["id"]
    reg = {"lead_officer_id": g.ids["officer1"], "assist_officer_id": g.ids["officer2"]}
    g.refuse(cid, "register", "officer1", "role_required", 403, **reg)
    g.refuse(cid, "register", "leader1", "too_few_officers", lead_officer_id=g.ids["officer1"],
             assist_officer_id=g.ids["officer1"])
    g.refuse(cid, "register", "leader1", "auxiliary_not_allowed", 403, lead_officer_id=g.ids["officer1"],
             assist_officer_id=g.ids["assistant1"])
    certify(db_session, "officer2", valid_to=date(2020, 1, 1))
    g.refuse(cid, "register", "leader1", "certificate_expired", 403, **reg)
    certify(db_session, "officer2")
    g.refuse(cid, "not-register", "leader1", "reason_required", 422)
    old = g.lead(occurred_at=(clock.now() - timedelta(days=3 * 365)).isoformat())["case"]["id"]
    g.refuse(old, "register", "leader1", "limitation_expired", **reg)
    # 5 years when life, health or financial safety was harmed; a continuing act counts from its end
    harm = g.lead(occurred_at=(clock.now() - timedelta(days=3 * 365)).isoformat(), harms_life_or_finance=True)
    g.act(harm["case"]["id"], "register", "leader1", **reg)
    cont = g.lead(occurred_at=(clock.now() - timedelta(days=4 * 365)).isoformat(),
                  act_ended_at=(clock.now() - timedelta(days=30)).isoformat())
    g.act(cont["case"]["id"], "register", "leader1", **reg)
    g.act(cid, "register", "leader1", **reg)
    g.refuse(cid, "register", "leader1", "illegal_transition", **reg)


def test_investigation_guards(g, client, auth, db_session):
    cid = g.registered()
    g.refuse(cid, "record", "officer1", "signature_or_refusal_required", 422, kind="inquiry", content="问：……",
             officer_ids=two(g))
    g.refuse(cid, "record", "officer1", "too_few_officers", kind="inquiry", content="问：……",
             officer_ids=[g.ids["officer1"]], party_signed=True)
    g.refuse(cid, "record", "officer1", "content_required", 422, kind="inquiry", content=" ", officer_ids=two(g),
             party_signed=True)
    g.refuse(cid, "record", "assistant1", "auxiliary_forbidden", 403, kind="inquiry", content="问", officer_ids=two(g),
             party_signed=True)
    g.refuse(cid, "record", "officer1", "not_notified", kind="statement", content="陈述", officer_ids=two(g),
             party_signed=True)
    g.refuse(cid, "record", "officer1", "no_hearing", kind="hearing", content="听证", officer_ids=two(g),
             party_signed=True)
    g.refuse(cid, "evidence", "officer1", "bad_evidence_kind", 422, kind="rumour", title="传闻", officer_ids=two(g))
    g.refuse(cid, "evidence", "officer1", "file_required", 422, kind="audiovisual", title="录像", officer_ids=two(g))
    g.refuse(cid, "evidence", "officer1", "unknown_file", 404, kind="documentary", title="书证", file_id=999999,
             officer_ids=two(g))
    ev = g.act(cid, "evidence", "officer1", kind="documentary", title="书证", officer_ids=two(g))["evidence"][0]
    g.refuse(cid, "evidence-review", "officer1", "not_monitoring", evidence_id=ev["id"])
    items = [{"name": "三轮车", "quantity": "1辆"}]
    g.refuse(cid, "measure", "officer1", "items_required", 422, kind="seize", items=[], officer_ids=two(g),
             approved_by=g.ids["leader1"])
    g.refuse(cid, "measure", "officer1", "head_approval_required", kind="seize", items=items, officer_ids=two(g),
             approved_by=g.ids["officer2"])
    g.refuse(cid, "measure", "officer1", "seizure_too_long", kind="seize", items=items, officer_ids=two(g),
             approved_by=g.ids["leader1"], days=31)
    g.refuse(cid, "measure", "officer1", "too_few_officers", kind="seize", items=items,
             officer_ids=[g.ids["officer1"]], approved_by=g.ids["leader1"])
    out = g.act(cid, "measure", "officer1", kind="seize", items=items, officer_ids=two(g), approved_by=g.ids["leader1"])
    m = out["measures"][0]
    g.refuse(cid, "measure-extend", "officer1", "role_required", 403, measure_id=m["id"], days=30, reason="鉴定")
    g.refuse(cid, "measure-extend", "leader1", "extension_too_long", measure_id=m["id"], days=31, reason="鉴定")
    g.refuse(cid, "measure-extend", "leader1", "reason_required", 422, measure_id=m["id"], days=10, reason="")
    g.act(cid, "measure-extend", "leader1", measure_id=m["id"], days=30, reason="需要检验")
    g.refuse(cid, "measure-extend", "leader1", "already_extended", measure_id=m["id"], days=10, reason="再延")
    pres = g.act(cid, "measure", "officer1", kind="preserve", items=items, officer_ids=two(g),
                 approved_by=g.ids["leader1"])["measures"][1]
    g.refuse(cid, "measure-extend", "leader1", "preserve_not_extendable", measure_id=pres["id"], days=5, reason="x")
    g.refuse(cid, "measure-end", "officer1", "bad_outcome", 422, measure_id=pres["id"], outcome="sell")
    body = {"outcome": "penalty", "facts": "占道经营", "penalty_types": ["fine"], "fine_amount": "500",
            "correction_order": "立即改正"}
    g.refuse(cid, "end-investigation", "officer1", "preserve_pending", **body)
    g.act(cid, "measure-end", "officer1", measure_id=pres["id"], outcome="return")
    g.refuse(cid, "measure-end", "officer1", "measure_ended", measure_id=pres["id"], outcome="return")
    g.refuse(cid, "end-investigation", "officer1", "evidence_required", **body)  # no 笔录 yet
    g.act(cid, "record", "officer1", kind="inquiry", content="问：是否摆摊？答：是。", officer_ids=two(g),
          refusal_note="当事人拒绝签名，已由见证人签名")
    g.refuse(cid, "end-investigation", "officer1", "bad_outcome", 422, **{**body, "outcome": "maybe"})
    g.refuse(cid, "end-investigation", "officer1", "facts_required", 422, **{**body, "facts": ""})
    g.refuse(cid, "end-investigation", "officer1", "bad_penalty_types", 422, **{**body, "penalty_types": ["flogging"]})
    g.refuse(cid, "end-investigation", "officer1", "fine_required", 422, **{**body, "fine_amount": None})
    g.refuse(cid, "end-investigation", "officer1", "fine_without_type", 422, **{**body, "penalty_types": ["warning"]})
    g.refuse(cid, "end-investigation", "officer1", "correction_required", 422, **{**body, "correction_order": ""})
    g.refuse(cid, "end-investigation", "assistant1", "auxiliary_forbidden", 403, **body)
    mon = client.post("/api/v1/files", headers=auth("officer1"), files={"file": ("m.jpg", _jpeg(), "image/jpeg")})
    g.act(cid, "evidence", "officer1", kind="electronic", title="电子监控抓拍", file_id=mon.json()["id"],
          officer_ids=two(g), from_monitoring=True, device_id="CAM-01")
    g.refuse(cid, "end-investigation", "officer1", "monitoring_unreviewed", **body)
    evs = g.get(cid)["evidence"]
    assert evs[-1]["sha256"] and len(evs[-1]["sha256"]) == 64
    g.act(cid, "evidence-review", "officer1", evidence_id=evs[-1]["id"])
    g.refuse(cid, "close", "leader1", "cannot_close")
    g.act(cid, "end-investigation", "officer1", **body)
    g.refuse(cid, "evidence", "officer1", "not_investigating", kind="documentary", title="迟到的证据",
             officer_ids=two(g))


def _jpeg() -> bytes:
    from casehelpers import jpeg

    return jpeg()


def test_review_discussion_notice_and_decision_guards(g, db_session):
    cid = g.investigated(complex_case=True, public_interest=True)
    g.refuse(cid, "notify", "officer1", "approval_required")
    g.refuse(cid, "decide", "leader1", "approval_required")
    g.refuse(cid, "approve", "officer1", "role_required", 403)
    g.act(cid, "approve", "leader1")
    g.refuse(cid, "decide", "leader1", "collective_required")
    g.refuse(cid, "collective", "leader1", "too_few_participants", participants=["甲", "乙"], content="讨论",
             conclusion="同意")
    g.refuse(cid, "collective", "leader1", "content_required", 422, participants=["甲", "乙", "丙"], content="",
             conclusion="")
    g.act(cid, "collective", "leader1", participants=["局长", "副局长", "法制科长"], content="一致同意", conclusion="同意处罚")
    g.refuse(cid, "decide", "leader1", "legal_review_required")
    g.refuse(cid, "legal-review", "officer1", "role_required", 403, passed=True, opinion="同意")
    g.refuse(cid, "legal-review", "reviewer1", "opinion_required", 422, passed=True, opinion="")
    g.act(cid, "legal-review", "reviewer1", passed=False, opinion="证据不足，补充调查")
    g.refuse(cid, "decide", "leader1", "legal_review_required")
    g.act(cid, "legal-review", "reviewer1", passed=True, opinion="主体合法、事实清楚、程序合法、适用法律正确",
          qualification_no="A2026001")
    g.refuse(cid, "decide", "leader1", "prior_notice_required")
    g.act(cid, "notify", "officer1")
    g.refuse(cid, "notify", "officer1", "reason_required", 422)
    g.refuse(cid, "decide", "leader1", "statement_period_open")
    g.refuse(cid, "request-hearing", "officer1", "no_hearing_right", note="")
    g.refuse(cid, "waive", "officer1", "note_required", 422, note="")
    g.act(cid, "waive", "officer1", note="当事人书面放弃")
    g.refuse(cid, "decide", "leader1", "heavier_than_notified", fine_amount="800")
    g.refuse(cid, "decide", "leader1", "heavier_than_notified", penalty_types=["fine", "warning"])
    g.refuse(cid, "decide", "reviewer1", "role_required", 403)
    g.act(cid, "decide", "leader1", fine_amount="400")  # lighter after defence is fine
    g.refuse(cid, "decide", "leader1", "illegal_transition")


def test_reviewer_must_not_be_an_investigator(g, db_session):
    cid = g.investigated(multi_legal_relations=True)
    certify(db_session, "reviewer1")
    # reviewer1 took part in an inquiry → cannot review
    from chengguan.enforcement.models import EnforcementRecord

    rec = db_session.query(EnforcementRecord).filter_by(case_id=cid).first()
    rec.officer_ids = [*rec.officer_ids, g.ids["reviewer1"]]
    db_session.commit()
    g.act(cid, "approve", "leader1")
    g.refuse(cid, "legal-review", "reviewer1", "reviewer_is_investigator", passed=True, opinion="同意")


def test_hearing_guards(g, db_session):
    cid = g.notified(fine="5000")  # ≥ ¥1,000 for a citizen: hearing right
    assert g.get(cid)["case"]["hearing_offered"]
    g.refuse(cid, "decide", "leader1", "statement_period_open")
    g.refuse(cid, "schedule-hearing", "leader1", "no_hearing_request",
             hearing_at=(clock.now() + timedelta(days=30)).isoformat(), place="听证室", chair_id=g.ids["reviewer1"])
    g.act(cid, "request-hearing", "officer1", note="当事人书面申请听证")
    g.refuse(cid, "decide", "leader1", "illegal_transition")  # in the hearing procedure
    far = (clock.now() + timedelta(days=30)).isoformat()
    g.refuse(cid, "schedule-hearing", "leader1", "chair_is_investigator", hearing_at=far, place="听证室",
             chair_id=g.ids["officer1"])
    g.refuse(cid, "schedule-hearing", "leader1", "too_many_agents", hearing_at=far, place="听证室",
             chair_id=g.ids["reviewer1"], agents=["甲", "乙", "丙"])
    g.refuse(cid, "schedule-hearing", "leader1", "hearing_notice_too_short",
             hearing_at=(clock.now() + timedelta(days=3)).isoformat(), place="听证室", chair_id=g.ids["reviewer1"])
    g.act(cid, "schedule-hearing", "leader1", hearing_at=far, place="听证室", chair_id=g.ids["reviewer1"],
          agents=["律师甲"])
    g.refuse(cid, "hearing-absent", "leader1", "hearing_not_yet", note="未到")


def test_hearing_request_late_and_after_waiver(g):
    cid = g.notified(fine="5000")
    with clock.frozen(clock.now() + timedelta(days=20)):
        g.refuse(cid, "request-hearing", "officer1", "hearing_request_late", note="")
    cid2 = g.notified(fine="5000")
    g.act(cid2, "waive", "officer1", note="书面放弃")
    g.refuse(cid2, "request-hearing", "officer1", "rights_waived", note="")


def test_decision_deadline_and_extensions(g):
    cid = g.notified()
    g.act(cid, "waive", "officer1", note="放弃")
    with clock.frozen(clock.now() + timedelta(days=95)):
        g.refuse(cid, "decide", "leader1", "decision_overdue")
        g.refuse(cid, "extend", "leader1", "reason_required", 422, reason="")
        g.act(cid, "extend", "leader1", reason="案情复杂需鉴定")
        g.refuse(cid, "extend", "leader1", "no_more_extensions", reason="再延")
        g.act(cid, "decide", "leader1")


def test_crime_must_be_transferred(g):
    cid = g.registered()
    g.act(cid, "record", "officer1", kind="inquiry", content="问答", officer_ids=two(g), party_signed=True)
    g.act(cid, "end-investigation", "officer1", outcome="crime", facts="暴力抗法，涉嫌妨害公务")
    g.act(cid, "approve", "leader1")
    g.refuse(cid, "decide", "leader1", "must_transfer")
    g.refuse(cid, "transfer", "officer1", "too_few_officers", kind="police", receiver="公安分局", reason="妨害公务",
             officer_ids=[g.ids["officer1"]])
    g.refuse(cid, "transfer", "officer1", "receiver_required", 422, kind="police", receiver="", reason="",
             officer_ids=two(g))
    t = g.act(cid, "transfer", "officer1", kind="police", receiver="公安分局", reason="妨害公务",
              officer_ids=two(g))["transfers"][0]
    g.refuse(cid, "transfer-step", "officer1", "bad_step", 422, transfer_id=t["id"], step="dance")
    g.refuse(cid, "transfer-step", "officer1", "role_required", 403, transfer_id=t["id"], step="approve")
    g.refuse(cid, "transfer-step", "officer1", "illegal_step", transfer_id=t["id"], step="receipt", receipt_by="x")
    g.act(cid, "transfer-step", "leader1", transfer_id=t["id"], step="approve")
    g.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="send")
    g.refuse(cid, "transfer-step", "officer1", "receipt_required", 422, transfer_id=t["id"], step="receipt")
    g.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="receipt", receipt_by="值班民警")
    g.refuse(cid, "transfer-step", "officer1", "illegal_step", transfer_id=t["id"], step="handover")
    g.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="reply", reply="refused")
    with clock.frozen(clock.now() + timedelta(days=5)):
        g.refuse(cid, "transfer-step", "officer1", "reconsider_late", transfer_id=t["id"], step="reconsider")
    out = g.act(cid, "transfer-step", "officer1", transfer_id=t["id"], step="resume")
    assert out["case"]["status"] == "registered"  # [XFER] art 10: the administrative case goes on


def _decided(g: G, fine: str = "500") -> tuple[int, dict]:
    cid = g.notified(fine=fine)
    g.act(cid, "waive", "officer1", note="放弃")
    out = g.act(cid, "decide", "leader1")
    doc = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
    return cid, doc


def test_service_guards(g, client, auth):
    cid, doc = _decided(g)
    g.refuse(cid, "serve", "officer1", "unknown_document", 404, document_id=999999, method="direct", recipient="张三",
             signed_by="张三")
    g.refuse(cid, "serve", "officer1", "bad_method", 422, document_id=doc["id"], method="pigeon", recipient="张三")
    g.refuse(cid, "serve", "officer1", "recipient_required", 422, document_id=doc["id"], method="direct", recipient="")
    g.refuse(cid, "serve", "officer1", "signature_required", 422, document_id=doc["id"], method="direct",
             recipient="张三")
    g.refuse(cid, "serve", "officer1", "consent_required", document_id=doc["id"], method="electronic",
             recipient="张三")
    g.refuse(cid, "serve", "officer1", "witness_required", document_id=doc["id"], method="left", recipient="张三")
    g.refuse(cid, "serve", "officer1", "reason_required", 422, document_id=doc["id"], method="public_notice",
             recipient="张三")
    g.refuse(cid, "payment", "officer1", "not_served", amount="500", paid_at=clock.now().isoformat(),
             payment_ref="B1")
    out = g.act(cid, "serve", "assistant1", document_id=doc["id"], method="left", recipient="张三",
                witness="社区主任王某")  # auxiliaries may serve (configurable)
    assert out["case"]["status"] == "served"
    g.refuse(cid, "payment", "assistant1", "auxiliary_forbidden", 403, amount="500",
             paid_at=clock.now().isoformat(), payment_ref="B1")
    g.refuse(cid, "payment", "officer1", "payment_ref_required", 422, amount="500", paid_at=clock.now().isoformat(),
             payment_ref="")
    g.refuse(cid, "payment", "officer1", "underpaid", amount="100", paid_at=clock.now().isoformat(),
             payment_ref="B1")
    g.refuse(cid, "demand", "officer1", "payment_period_open")
    g.refuse(cid, "apply-court", "officer1", "demand_required", note="")
    g.refuse(cid, "publish", "assistant1", "auxiliary_forbidden", 403)
    g.act(cid, "publish", "officer1")
    g.refuse(cid, "publish", "officer1", "already_published")
    g.refuse(cid, "withdraw", "officer1", "not_revoked")
    g.refuse(cid, "revoke", "leader1", "reason_required", 422, reason="")
    g.act(cid, "payment", "officer1", amount="500", paid_at=clock.now().isoformat(), payment_ref="B1")
    g.refuse(cid, "payment", "officer1", "already_paid", amount="500", paid_at=clock.now().isoformat(),
             payment_ref="B1")
    g.refuse(cid, "archive", "officer1", "not_closed")
    g.refuse(cid, "file-review", "assessor1", "not_closed", scores={})
    g.act(cid, "close", "leader1")
    g.refuse(cid, "file-review", "assessor1", "score_missing", 422, scores={"subject": 10})
    full = {"subject": 10, "jurisdiction": 10, "facts": 20, "law": 20, "procedure": 20, "documents": 10, "archive": 10}
    g.refuse(cid, "file-review", "assessor1", "score_out_of_range", 422, scores={**full, "facts": 25})
    g.refuse(cid, "file-review", "officer1", "role_required", 403, scores=full)
    out = g.act(cid, "file-review", "assessor1", scores={**full, "documents": 6})
    assert out["file_reviews"][0]["score"] == 96 and out["file_reviews"][0]["grade"] == "优秀"


def test_no_fine_and_not_decided_guards(g):
    cid = g.registered()
    g.refuse(cid, "challenge", "officer1", "not_decided", kind="reconsideration")
    g.refuse(cid, "revoke", "leader1", "not_decided", reason="x")
    g.refuse(cid, "publish", "officer1", "nothing_to_publish")
    g.refuse(cid, "file-summary", "leader1", "illegal_step")
    g.refuse(cid, "hand-in-cash", "officer1", "illegal_step", receipt_no="1")
    g.refuse(cid, "payment", "officer1", "no_fine", amount="1", paid_at=clock.now().isoformat(), payment_ref="B")
    g.refuse(cid, "withdraw", "officer1", "nothing_to_withdraw")
    r = g.client.post(f"/api/v1/enforcement/cases/{cid}/fly", json={}, headers=g.auth("officer1"))
    assert r.status_code == 404 and r.json()["error"]["code"] == "unknown_action"
    r = g.client.post(f"/api/v1/enforcement/cases/{cid}/register", json={"lead_officer_id": "x"},
                      headers=g.auth("leader1"))
    assert r.status_code == 422


def test_demand_court_and_late_fine(g):
    cid, doc = _decided(g, fine="1000")
    g.act(cid, "serve", "officer1", document_id=doc["id"], method="direct", recipient="张三", signed_by="张三")
    start = clock.now()
    with clock.frozen(start + timedelta(days=20)):
        g.act(cid, "challenge", "officer1", kind="reconsideration")
        g.refuse(cid, "challenge", "officer1", "challenge_pending", kind="reconsideration")
    with clock.frozen(start + timedelta(days=25)):
        g.act(cid, "challenge", "officer1", kind="reconsideration", end=True, result="upheld")
        g.refuse(cid, "challenge", "officer1", "no_challenge", kind="reconsideration", end=True)
    with clock.frozen(start + timedelta(days=30)) as fc:
        out = g.act(cid, "demand", "officer1")
        late = out["late_fine"]
        # 15 days to pay, then 3 %/day; the 6 days of reconsideration (20th–25th) do not count
        assert late["days"] == 30 - 15 - 6 and late["amount"] == "270.00"
        demand_doc = next(d for d in out["documents"] if d["doc_type"] == "demand")
        g.act(cid, "serve", "officer1", document_id=demand_doc["id"], method="direct", recipient="张三",
              signed_by="张三")
        g.refuse(cid, "apply-court", "officer1", "demand_period_open", note="")
        fc.advance(days=20)
        g.refuse(cid, "apply-court", "officer1", "court_window_not_open", note="")
    with clock.frozen(start + timedelta(days=200)):
        g.refuse(cid, "apply-court", "officer1", "head_signature_required", note="")
        g.refuse(cid, "apply-court", "officer1", "head_signature_required", note="", approved_by=g.ids["officer2"])
        g.act(cid, "apply-court", "officer1", note="申请强制执行", approved_by=g.ids["leader1"])
        app = next(d for d in g.get(cid)["documents"] if d["doc_type"] == "court_application")
        assert app["doc_no"].startswith("海城管执申字〔")
        out = g.get(cid)
        assert out["late_fine"]["amount"] == "1000.00"  # capped at the fine
        g.act(cid, "close", "leader1")
    cid2, doc2 = _decided(g, fine="1000")
    g.act(cid2, "serve", "officer1", document_id=doc2["id"], method="direct", recipient="张三", signed_by="张三")
    with clock.frozen(start + timedelta(days=40)):
        g.act(cid2, "demand", "officer1")
        d2 = next(d for d in g.get(cid2)["documents"] if d["doc_type"] == "demand")
        g.act(cid2, "serve", "officer1", document_id=d2["id"], method="direct", recipient="张三", signed_by="张三")
    with clock.frozen(start + timedelta(days=365)):
        g.refuse(cid2, "apply-court", "officer1", "court_window_closed", note="")


def test_summary_procedure_limits(g, client, auth):
    base = {"cause": "占道经营", "party_name": "李四", "party_type": "person", "penalty_types": ["fine"],
            "fine_amount": "201", "legal_basis": "条例第36条", "facts": "摆摊", "lon": g.lon, "lat": g.lat,
            "officer_ids": two(g)}

    def refuse(code: str, status: int = 409, user: str = "officer1", **kw: object) -> None:
        r = client.post("/api/v1/enforcement/summary", json={**base, **kw}, headers=auth(user))
        assert r.status_code == status, r.text
        assert r.json()["error"]["code"] == code, r.text

    refuse("summary_fine_too_high")
    refuse("summary_fine_too_high", party_type="org", party_name="某某商贸有限公司", fine_amount="3001")
    refuse("summary_not_allowed", penalty_types=["fine", "suspend_business"])
    refuse("cash_not_allowed", fine_amount="150", cash=True)
    refuse("fine_required", 422, fine_amount=None)
    refuse("fine_without_type", 422, penalty_types=["warning"], fine_amount="50")
    refuse("basis_required", 422, fine_amount="50", legal_basis=" ")
    refuse("signature_or_refusal_required", 422, fine_amount="50", party_signed=False)
    refuse("too_few_officers", fine_amount="50", officer_ids=[g.ids["officer1"]])
    refuse("not_case_handler", 403, fine_amount="50", officer_ids=[g.ids["officer2"], g.ids["officer2"]])
    refuse("auxiliary_forbidden", 403, user="assistant1", fine_amount="50")
    refuse("auxiliary_not_allowed", 403, fine_amount="50", officer_ids=[g.ids["officer1"], g.ids["assistant1"]])
    refuse("no_fine", penalty_types=["warning"], fine_amount=None, cash=True)
    # allowed: ¥3,000 for an organisation; cash ¥150 when hard to collect later; a warning alone
    r = client.post("/api/v1/enforcement/summary", headers=auth("officer1"),
                    json={**base, "party_type": "org", "party_name": "某某商贸有限公司", "fine_amount": "3000"})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/enforcement/summary", headers=auth("officer1"),
                    json={**base, "fine_amount": "150", "cash": True, "hard_to_collect": True})
    assert r.status_code == 201, r.text
    r = client.post("/api/v1/enforcement/summary", headers=auth("officer1"),
                    json={**base, "penalty_types": ["warning"], "fine_amount": None})
    assert r.status_code == 201 and r.json()["case"]["fine_amount"] is None


def test_discretion_standard_bounds_the_fine(g):
    cid = g.registered(power_code="DEMO-CF-0001")
    g.act(cid, "record", "officer1", kind="inspection", content="现场检查", officer_ids=two(g), party_signed=True)
    g.act(cid, "evidence", "officer1", kind="documentary", title="照片说明", officer_ids=two(g))
    body = {"outcome": "penalty", "facts": "占道经营约5平方米", "penalty_types": ["fine"], "fine_amount": "500",
            "correction_order": "立即改正"}
    err = g.refuse(cid, "end-investigation", "officer1", "fine_outside_discretion", **body)
    assert "150" in err["message"] and "350" in err["message"]
    g.refuse(cid, "end-investigation", "officer1", "discretion_no_penalty",
             **{**body, "discretion_facts": {"minor_violation": True, "corrected_in_time": True, "harm": "none"}})
    g.refuse(cid, "end-investigation", "officer1", "bad_discretion_facts", 422,
             **{**body, "discretion_facts": {"mood": "bad"}})
    out = g.act(cid, "end-investigation", "officer1", **{**body, "fine_amount": "300"})
    assert out["case"]["discretion"]["standard_id"] and out["case"]["discretion"]["tier"] == "一般"


def test_revoked_decision_is_not_published(g):
    cid, _ = _decided(g)
    g.act(cid, "revoke", "leader1", reason="自行纠正")
    g.refuse(cid, "publish", "officer1", "decision_revoked")
