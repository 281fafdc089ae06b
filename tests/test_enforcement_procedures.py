"""回避 (APL 43), 委托 (APL 20–21), 暂缓/分期缴纳 (APL 66), the `review_all_ordinary` setting and the party absent
from the hearing: every refusal (status, code, Chinese message, nothing changed) and every success path."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from chengguan.core import clock
from chengguan.system import settings as cfg
from enfhelpers import GuardFlow, certify, setup_people, uid

G = GuardFlow


@pytest.fixture
def g(client, auth, db_session):  # type: ignore[no-untyped-def]
    ids = setup_people(db_session)
    ids["officer3"] = certify(db_session, "officer3")
    out = G(client, auth, ids)
    out.session = db_session
    return out


def _audit_actions(db_session, case_id: int) -> list[str]:
    from chengguan.audit.models import AuditEntry

    return list(db_session.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"enf_case:{case_id}")
                                   .order_by(AuditEntry.id)))


def _timer(out: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(t for t in out["timers"] if t["kind"] == kind)


# ------------------------------------------------------------------------------------------ 回避


def test_recusal_requested_by_the_party_blocks_the_officer_until_granted_and_replaced(g, db_session):
    o1, o2, o3 = g.ids["officer1"], g.ids["officer2"], g.ids["officer3"]
    lead = g.lead()["case"]["id"]
    g.refuse(lead, "recusal", "officer1", "recusal_not_open", officer_id=o1, source="party", reason="亲属")
    cid = g.registered()
    inspect = {"kind": "inspection", "content": "现场检查", "party_signed": True}
    g.refuse(cid, "recusal", "officer1", "not_handling_officer", officer_id=o3, source="party", reason="亲属")
    g.refuse(cid, "recusal", "officer1", "reason_required", 422, officer_id=o2, source="party", reason=" ")
    g.refuse(cid, "recusal", "officer1", "not_self", 403, officer_id=o2, source="self", reason="亲属")
    g.refuse(cid, "recusal", "assistant1", "auxiliary_forbidden", 403, officer_id=o2, source="party", reason="亲属")
    out = g.act(cid, "recusal", "officer1", officer_id=o2, source="party", reason="当事人称承办人员系其近亲属")
    rid = out["recusals"][0]["id"]
    assert out["recusals"][0]["decided_at"] is None
    assert _timer(out, "recusal")["done_at"] is None
    g.refuse(cid, "recusal", "officer1", "recusal_exists", officer_id=o2, source="party", reason="再次申请")
    # while undecided: the officer may not act, nor be named on another officer's record
    g.refuse(cid, "record", "officer2", "recusal_pending", officer_ids=[o1, o2], **inspect)
    g.refuse(cid, "record", "officer1", "recusal_pending", officer_ids=[o1, o2], **inspect)
    decide = {"recusal_id": rid, "granted": True, "opinion": "与当事人有利害关系，决定回避"}
    g.refuse(cid, "recusal-decide", "officer1", "role_required", 403, replacement_id=o3, **decide)
    g.refuse(cid, "recusal-decide", "leader1", "unknown_recusal", 404, **{**decide, "recusal_id": 99999999})
    g.refuse(cid, "recusal-decide", "leader1", "opinion_required", 422, replacement_id=o3, **{**decide, "opinion": ""})
    g.refuse(cid, "recusal-decide", "leader1", "replacement_required", 422, **decide)
    g.refuse(cid, "recusal-decide", "leader1", "replacement_is_recused", replacement_id=o2, **decide)
    # the ≥ 2 certified officers rule keeps holding after the replacement
    g.refuse(cid, "recusal-decide", "leader1", "too_few_officers", replacement_id=o1, **decide)
    g.refuse(cid, "recusal-decide", "leader1", "auxiliary_not_allowed", 403, replacement_id=g.ids["assistant1"],
             **decide)
    certify(db_session, "officer4", valid_to=date(2020, 1, 1))
    g.refuse(cid, "recusal-decide", "leader1", "certificate_expired", 403, replacement_id=uid(db_session, "officer4"),
             **decide)
    out = g.act(cid, "recusal-decide", "leader1", replacement_id=o3, **decide)
    assert (out["case"]["lead_officer_id"], out["case"]["assist_officer_id"]) == (o1, o3)
    assert out["recusals"][0]["granted"] is True and _timer(out, "recusal")["done_at"] is not None
    g.refuse(cid, "recusal-decide", "leader1", "recusal_decided", replacement_id=o3, **decide)
    # the recused officer is out of the case; the new pair works
    g.refuse(cid, "record", "officer2", "not_case_handler", 403, officer_ids=[o1, o2], **inspect)
    g.refuse(cid, "record", "officer1", "officer_recused", officer_ids=[o1, o2], **inspect)
    out = g.act(cid, "record", "officer3", officer_ids=[o3, o1], **inspect)
    assert out["records"][0]["officer_ids"] == [o3, o1]
    acts = [e["action"] for e in out["events"]]
    assert "recusal_request" in acts and "recusal_decide" in acts
    audit = _audit_actions(db_session, cid)
    assert "enforcement.recusal_request" in audit and "enforcement.recusal_decide" in audit


def test_self_declared_recusal_refused_lets_the_officer_act_again(g):
    o1, o2 = g.ids["officer1"], g.ids["officer2"]
    cid = g.registered()
    out = g.act(cid, "recusal", "officer2", officer_id=o2, source="self", reason="曾与当事人有经济往来")
    rid = out["recusals"][0]["id"]
    g.refuse(cid, "evidence", "officer2", "recusal_pending", kind="documentary", title="书证", officer_ids=[o1, o2])
    out = g.act(cid, "recusal-decide", "leader1", recusal_id=rid, granted=False, opinion="不属于应当回避的情形")
    assert out["recusals"][0]["granted"] is False and out["case"]["assist_officer_id"] == o2
    g.act(cid, "evidence", "officer2", kind="documentary", title="书证", officer_ids=[o1, o2])


# ------------------------------------------------------------------------------------------ 委托


def _entrust(g: G, user: str = "leader1", expect: int = 201, **kw: Any) -> dict[str, Any]:
    body = {"entrusted_org": "海门区三厂街道综合行政执法队", "power_codes": ["WT-SR-01"],
            "valid_from": (clock.now() - timedelta(days=30)).isoformat(),
            "valid_to": (clock.now() + timedelta(days=60)).isoformat(), "document_no": "海城管委〔2026〕1号",
            "entrusting_agency": "海门区综合行政执法局"}
    body.update(kw)
    r = g.client.post("/api/v1/enforcement/entrustments", json=body, headers=g.auth(user))
    assert r.status_code == expect, r.text
    return r.json()


def test_entrustment_record_guards(g):
    assert _entrust(g, "officer1", 403)["error"]["code"] == "role_required"
    assert _entrust(g, document_no="", expect=422)["error"]["code"] == "written_entrustment_required"
    assert _entrust(g, power_codes=[], expect=422)["error"]["code"] == "scope_required"
    assert _entrust(g, valid_to=(clock.now() - timedelta(days=40)).isoformat(),
                    expect=422)["error"]["code"] == "bad_period"
    ent = _entrust(g)
    assert ent["published_at"] is None
    r = g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/publish", json={}, headers=g.auth("leader1"))
    assert r.status_code == 200 and r.json()["published_at"]
    r = g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/publish", json={}, headers=g.auth("leader1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_published"
    listed = g.client.get("/api/v1/enforcement/entrustments", headers=g.auth("officer1")).json()
    assert ent["id"] in [e["id"] for e in listed]
    r = g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/revoke", json={"reason": ""},
                      headers=g.auth("leader1"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "reason_required"


def test_entrusted_case_stays_inside_scope_area_and_period(g, db_session):
    from chengguan.enforcement.models import EnforcementDocument

    ent = _entrust(g, region_code=None)
    lead = {"entrustment_id": ent["id"], "power_code": "WT-SR-01"}

    def refused_lead(code: str, status: int = 409, **kw: Any) -> None:
        body = {"source": "patrol", "cause": "占道经营", "party_name": "甲", "lon": g.lon, "lat": g.lat,
                "occurred_at": (clock.now() - timedelta(days=1)).isoformat(), **lead, **kw}
        r = g.client.post("/api/v1/enforcement/cases", json=body, headers=g.auth("officer1"))
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text

    refused_lead("entrustment_unpublished")
    g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/publish", json={}, headers=g.auth("leader1"))
    refused_lead("outside_entrustment_scope", power_code="WT-OTHER-99")
    refused_lead("power_code_required", 422, power_code=None)
    refused_lead("unknown_entrustment", 404, entrustment_id=99999999)
    street = g.lead()["case"]["street_code"]
    narrow = _entrust(g, region_code=street[:6] + ("002" if street[6:9] != "002" else "003"),
                      published_at=clock.now().isoformat())
    refused_lead("outside_entrustment_area", entrustment_id=narrow["id"])
    later = _entrust(g, valid_from=(clock.now() + timedelta(days=5)).isoformat(), published_at=clock.now().isoformat())
    refused_lead("entrustment_not_started", entrustment_id=later["id"])
    # inside the entrustment: the case carries it, its documents the entrusting agency's name
    cid = g.registered(**lead)
    out = g.get(cid)
    assert out["case"]["entrustment_id"] == ent["id"] and out["entrustment"]["entrusted_org"] == ent["entrusted_org"]
    doc = db_session.scalars(select(EnforcementDocument).where(EnforcementDocument.case_id == cid)).first()
    assert doc.data["agency"] == "海门区综合行政执法局"
    assert doc.data["entrustment"]["entrusted_org"] == ent["entrusted_org"]
    # coercive measures cannot be entrusted (AEL 17)
    g.refuse(cid, "measure", "officer1", "coercion_not_entrustable", kind="seize", items=[{"name": "三轮车", "quantity": "1"}],
             officer_ids=[g.ids["officer1"], g.ids["officer2"]], approved_by=g.ids["leader1"])
    g.act(cid, "record", "officer1", kind="inspection", content="检查", officer_ids=[g.ids["officer1"], g.ids["officer2"]],
          party_signed=True)
    # after the period: acts toward the party are refused; internal ones (closure review …) are not affected
    with clock.frozen(clock.now() + timedelta(days=61)):
        g.refuse(cid, "record", "officer1", "entrustment_expired", kind="inspection", content="检查",
                 officer_ids=[g.ids["officer1"], g.ids["officer2"]], party_signed=True)
    r = g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/revoke", json={"reason": "委托组织撤并"},
                      headers=g.auth("leader1"))
    assert r.status_code == 200 and r.json()["revoked_at"]
    r = g.client.post(f"/api/v1/enforcement/entrustments/{ent['id']}/revoke", json={"reason": "再撤"},
                      headers=g.auth("leader1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_revoked"
    g.refuse(cid, "record", "officer1", "entrustment_revoked", kind="inspection", content="检查",
             officer_ids=[g.ids["officer1"], g.ids["officer2"]], party_signed=True)


# ------------------------------------------------------------------------------------------ 暂缓/分期缴纳


def _served(g: G, fine: str = "1000") -> int:
    cid = g.notified(fine=fine)
    g.act(cid, "waive", "officer1", note="放弃")
    out = g.act(cid, "decide", "leader1")
    doc = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
    g.act(cid, "serve", "officer1", document_id=doc["id"], method="direct", recipient="张三", signed_by="张三")
    return cid


def _day(start, n: int) -> str:  # type: ignore[no-untyped-def]
    return clock.local(start + timedelta(days=n)).date().isoformat()


def test_instalments_stop_the_late_fine_until_one_is_missed(g, db_session):
    g.refuse(g.registered(), "payment-plan", "officer1", "no_fine", kind="defer", reason="困难")
    start = clock.now()
    cid = _served(g)
    apply = {"kind": "instalments", "reason": "当事人失业，确有经济困难"}
    g.refuse(cid, "payment-plan", "officer1", "reason_required", 422, kind="instalments", reason="")
    g.refuse(cid, "payment-plan", "assistant1", "auxiliary_forbidden", 403, **apply)
    out = g.act(cid, "payment-plan", "officer1", **apply)
    plan_id = out["payment_plans"][0]["id"]
    assert _timer(out, "plan_decide")["done_at"] is None
    g.refuse(cid, "payment-plan", "officer1", "plan_exists", **apply)
    ok = [{"due_on": _day(start, 10), "amount": "400"}, {"due_on": _day(start, 40), "amount": "300"},
          {"due_on": _day(start, 70), "amount": "300"}]
    decide = {"plan_id": plan_id, "approved": True, "opinion": "同意分三期缴纳"}
    g.refuse(cid, "payment-plan-decide", "officer1", "role_required", 403, schedule=ok, **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "unknown_plan", 404, schedule=ok, **{**decide, "plan_id": 99999999})
    g.refuse(cid, "payment-plan-decide", "leader1", "opinion_required", 422, schedule=ok, **{**decide, "opinion": ""})
    g.refuse(cid, "payment-plan-decide", "leader1", "schedule_required", 422, **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "bad_schedule", 422, schedule=[{"due_on": _day(start, 10),
                                                                                      "amount": "1000"}], **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "schedule_sum_mismatch", 422,
             schedule=[{**ok[0]}, {**ok[1], "amount": "100"}], **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "bad_schedule", 422, schedule=[ok[1], ok[0], ok[2]], **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "plan_too_long", schedule=[ok[0], {**ok[1], "due_on": _day(start, 250),
                                                                                      "amount": "600"}], **decide)
    g.refuse(cid, "payment-plan-decide", "leader1", "too_many_instalments",
             schedule=[{"due_on": _day(start, 5 + i), "amount": "100"} for i in range(10)], **decide)
    out = g.act(cid, "payment-plan-decide", "leader1", schedule=ok, **decide)
    assert out["payment_plans"][0]["status"] == "approved"
    assert _timer(out, "payment")["done_at"] is not None and _timer(out, "instalment")["label"] == "第1期罚款缴纳"
    g.refuse(cid, "payment-plan-decide", "leader1", "plan_decided", schedule=ok, **decide)
    pay = {"payment_ref": "B-1"}
    with clock.frozen(start + timedelta(days=8)):
        g.refuse(cid, "instalment", "officer1", "underpaid", amount="100", paid_at=clock.now().isoformat(), **pay)
        g.refuse(cid, "instalment", "officer1", "payment_ref_required", 422, amount="400",
                 paid_at=clock.now().isoformat(), payment_ref="")
        g.refuse(cid, "instalment", "assistant1", "auxiliary_forbidden", 403, amount="400",
                 paid_at=clock.now().isoformat(), **pay)
        out = g.act(cid, "instalment", "officer1", amount="400", paid_at=clock.now().isoformat(), **pay)
        assert _timer(out, "instalment")["label"] == "第2期罚款缴纳"
    with clock.frozen(start + timedelta(days=30)):  # past the 15-day period: the approved plan is kept
        out = g.get(cid)
        assert out["late_fine"]["days"] == 0 and Decimal(out["late_fine"]["amount"]) == 0
        g.refuse(cid, "demand", "officer1", "payment_deferred")
        g.refuse(cid, "payment", "officer1", "underpaid", amount="500", paid_at=clock.now().isoformat(), **pay)
    with clock.frozen(start + timedelta(days=45)):  # the 2nd instalment (day 40) was missed
        g.refuse(cid, "instalment", "officer1", "instalment_missed", amount="300", paid_at=clock.now().isoformat(),
                 **pay)
        out = g.get(cid)
        plan = out["payment_plans"][0]
        assert plan["remaining_due"] == "600.00" and plan["paid"] == "400.00"
        # the remainder accrues 3 %/day from the day after the missed due date: 5 days × 18 = 90
        assert out["late_fine"] == {"days": 5, "amount": "90.00"}
        g.refuse(cid, "payment", "officer1", "underpaid", amount="600", paid_at=clock.now().isoformat(), **pay)
        out = g.act(cid, "demand", "officer1")
        assert out["case"]["status"] == "enforcing" and out["payment_plans"][0]["status"] == "defaulted"
        assert [e["action"] for e in out["events"]][-2:] == ["payment_plan_default", "demand"]
        g.refuse(cid, "payment-plan", "officer1", "plan_not_allowed", **apply)
        g.refuse(cid, "instalment", "officer1", "no_plan", amount="300", paid_at=clock.now().isoformat(), **pay)
        out = g.act(cid, "payment", "officer1", amount="690", paid_at=clock.now().isoformat(), payment_ref="B-2")
        assert out["case"]["paid_amount"] == "1090.00" and out["closure_blockers"] == []
    audit = _audit_actions(db_session, cid)
    for a in ("payment_plan_apply", "payment_plan_decide", "instalment", "payment_plan_default"):
        assert f"enforcement.{a}" in audit


def test_deferral_kept_completes_and_a_refused_plan_keeps_the_payment_period(g):
    start = clock.now()
    cid = _served(g, fine="600")
    plan = g.act(cid, "payment-plan", "officer1", kind="defer", reason="经营困难")["payment_plans"][0]
    out = g.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=False, opinion="不符合条件")
    assert out["payment_plans"][0]["status"] == "refused" and _timer(out, "payment")["done_at"] is None
    plan = g.act(cid, "payment-plan", "officer1", kind="defer", reason="补充困难证明")["payment_plans"][-1]
    g.refuse(cid, "payment-plan-decide", "leader1", "bad_schedule", 422, plan_id=plan["id"], approved=True,
             opinion="同意", schedule=[{"due_on": _day(start, 20), "amount": "300"},
                                      {"due_on": _day(start, 40), "amount": "300"}])
    out = g.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意暂缓至两月后",
                schedule=[{"due_on": _day(start, 60), "amount": "600"}])
    assert _timer(out, "instalment")["label"] == "暂缓缴纳期满"
    with clock.frozen(start + timedelta(days=59)):
        out = g.act(cid, "instalment", "officer1", amount="600", paid_at=clock.now().isoformat(), payment_ref="B-9")
        assert out["payment_plans"][-1]["status"] == "completed" and Decimal(out["late_fine"]["amount"]) == 0
        assert out["case"]["paid_at"] is not None and out["closure_blockers"] == []
        g.refuse(cid, "payment", "officer1", "already_paid", amount="600", paid_at=clock.now().isoformat(),
                 payment_ref="B-9")
        g.act(cid, "close", "leader1")


# ------------------------------------------------------------------------------------------ legal review / hearing


def test_review_all_ordinary_setting(g, db_session):
    cid = g.notified()
    g.act(cid, "waive", "officer1", note="放弃")
    assert g.act(cid, "decide", "leader1")["case"]["status"] == "decided"  # off, no APL 58 trigger: no review
    trig = g.notified(multi_legal_relations=True)
    g.act(trig, "waive", "officer1", note="放弃")
    g.refuse(trig, "decide", "leader1", "legal_review_required")  # off, but an APL 58 trigger
    cfg.set_value(db_session, "enforcement.review_all_ordinary", True)
    db_session.commit()
    try:
        cid = g.notified()
        g.act(cid, "waive", "officer1", note="放弃")
        err = g.refuse(cid, "decide", "leader1", "legal_review_required")
        assert "本市规定普通程序案件一律法制审核" in err["details"]
        assert any(s["key"] == "legal_review" and s["required"] for s in g.get(cid)["steps"])
        g.act(cid, "legal-review", "reviewer1", passed=True, opinion="同意")
        assert g.act(cid, "decide", "leader1")["case"]["status"] == "decided"
    finally:
        cfg.reset(db_session, "enforcement.review_all_ordinary")
        db_session.commit()


def test_party_absent_from_the_hearing_ends_it_and_the_decision_follows(g):
    cid = g.notified(fine="5000")
    g.refuse(cid, "hearing-absent", "leader1", "no_hearing", note="未到")
    g.act(cid, "request-hearing", "officer1", note="书面申请听证")
    g.refuse(cid, "hearing-absent", "leader1", "no_hearing", note="未到")  # requested, not yet scheduled
    at = clock.now() + timedelta(days=30)
    g.act(cid, "schedule-hearing", "leader1", hearing_at=at.isoformat(), place="听证室", chair_id=g.ids["reviewer1"])
    with clock.frozen(at + timedelta(hours=1)):
        g.refuse(cid, "decide", "leader1", "illegal_transition")  # still in the hearing procedure
        g.refuse(cid, "hearing-absent", "assistant1", "auxiliary_forbidden", 403, note="未到")
        g.refuse(cid, "hearing-absent", "leader1", "note_required", 422, note="")
        out = g.act(cid, "hearing-absent", "leader1", note="当事人经依法通知无正当理由拒不出席")
        assert out["case"]["status"] == "notified" and out["case"]["rights_waived"]
        assert _timer(out, "hearing")["done_at"] is not None
        g.refuse(cid, "hearing-absent", "leader1", "no_hearing", note="再记")
        out = g.act(cid, "decide", "leader1")
        assert out["case"]["status"] == "decided" and out["case"]["decision_no"]


def test_summary_penalty_under_an_entrustment(g, db_session):
    from chengguan.enforcement.models import EnforcementDocument

    ent = _entrust(g, published_at=clock.now().isoformat())
    base = {"cause": "占道经营", "party_name": "李四", "party_type": "person", "penalty_types": ["fine"],
            "fine_amount": "50", "legal_basis": "条例第36条", "facts": "摆摊", "lon": g.lon, "lat": g.lat,
            "officer_ids": [g.ids["officer1"], g.ids["officer2"]], "entrustment_id": ent["id"]}
    r = g.client.post("/api/v1/enforcement/summary", json={**base, "power_code": "WT-OTHER-99"},
                      headers=g.auth("officer1"))
    assert r.status_code == 409 and r.json()["error"]["code"] == "outside_entrustment_scope", r.text
    r = g.client.post("/api/v1/enforcement/summary", json={**base, "power_code": "WT-SR-01"},
                      headers=g.auth("officer1"))
    assert r.status_code == 201, r.text
    cid = r.json()["case"]["id"]
    doc = db_session.scalars(select(EnforcementDocument).where(EnforcementDocument.case_id == cid,
                                                               EnforcementDocument.doc_type == "summary_decision")).one()
    assert doc.data["agency"] == "海门区综合行政执法局" and doc.data["entrustment"]["document_no"] == ent["document_no"]


def test_pending_recusal_blocks_closure(g):
    cid = _served(g, fine="500")
    g.act(cid, "payment", "officer1", amount="500", paid_at=clock.now().isoformat(), payment_ref="B-5")
    rid = g.act(cid, "recusal", "officer2", officer_id=g.ids["officer2"], source="self",
                reason="发现与当事人系同学")["recusals"][0]["id"]
    err = g.refuse(cid, "close", "leader1", "cannot_close")
    assert "回避申请尚未决定" in err["details"]
    g.act(cid, "recusal-decide", "leader1", recusal_id=rid, granted=False, opinion="不影响公正处理")
    out = g.act(cid, "close", "leader1")
    assert out["case"]["status"] == "closed" and all(t["done_at"] for t in out["timers"] if t["kind"] == "recusal")


def test_court_window_runs_from_the_end_of_the_deferral(g, db_session):
    from datetime import datetime

    start = clock.now()
    cid = _served(g, fine="600")
    opens, closes = (datetime.fromisoformat(x) for x in g.get(cid)["court_window"])
    plan = g.act(cid, "payment-plan", "officer1", kind="defer", reason="经营困难")["payment_plans"][0]
    cfg.set_value(db_session, "enforcement.payment_plan_max_months", 12)
    db_session.commit()
    try:
        g.act(cid, "payment-plan-decide", "leader1", plan_id=plan["id"], approved=True, opinion="同意暂缓",
              schedule=[{"due_on": _day(start, 250), "amount": "600"}])
    finally:
        cfg.reset(db_session, "enforcement.payment_plan_max_months")
        db_session.commit()
    opens2, closes2 = (datetime.fromisoformat(x) for x in g.get(cid)["court_window"])
    assert opens2 == opens and closes2 > closes  # 3 months from the deferral's end, not from the litigation period
    assert (closes2 - (start + timedelta(days=250))).days in range(88, 94)
