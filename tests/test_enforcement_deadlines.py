"""Deadlines on the working-time calendar with a frozen clock, across the 2026 National Day holiday
(1–7 Oct off, Sat 10 Oct a makeup working day): APL art 85 — 二日、三日、五日、七日 are working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chengguan.core import clock
from enfhelpers import EFlow, setup_people

SH = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 30, 10, 0, tzinfo=SH)  # Wednesday before the holiday


def local_day(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(SH).date()


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    return EFlow(client, auth, setup_people(db_session))


def test_calendar_has_the_holiday(db_session):
    from chengguan.worktime import service as worktime

    cal = worktime.get_calendar(db_session)
    assert not cal.is_workday(date(2026, 10, 1)) and cal.is_workday(date(2026, 10, 10))


def test_notice_periods_cross_the_holiday(ef):
    with clock.frozen(START) as fc:
        cid = ef.notified(fine="5000")  # hearing right (≥ ¥1,000 for a citizen)
        c = ef.get(cid)["case"]
        # 3 working days: 8 Oct, 9 Oct, Sat 10 Oct (makeup day)
        assert local_day(c["statement_due_at"]) == date(2026, 10, 10)
        # 5 working days: … 12 Oct, 13 Oct
        assert local_day(c["hearing_request_due_at"]) == date(2026, 10, 13)
        assert local_day(c["decision_due_at"]) == date(2026, 12, 29)  # 90 calendar days
        ef.act(cid, "request-hearing", "officer1", note="申请听证")
        # the summons must be ≥ 7 working days before: 15 Oct is the 7th working day → too early
        ef.refuse(cid, "schedule-hearing", "leader1", "hearing_notice_too_short",
                  hearing_at=datetime(2026, 10, 15, 14, 0, tzinfo=SH).isoformat(), place="听证室",
                  chair_id=ef.ids["reviewer1"])
        ef.act(cid, "schedule-hearing", "leader1", hearing_at=datetime(2026, 10, 16, 9, 0, tzinfo=SH).isoformat(),
               place="听证室", chair_id=ef.ids["reviewer1"])
        fc.advance(days=16)  # 16 Oct
        ef.act(cid, "record", "reviewer1", kind="hearing", content="听证：当事人陈述……", officer_ids=[],
               party_signed=True)
        out = ef.act(cid, "decide", "leader1")
        assert out["case"]["status"] == "decided"


def test_hearing_request_late_after_the_holiday(ef):
    with clock.frozen(START) as fc:
        cid = ef.notified(fine="5000")
        fc.at = datetime(2026, 10, 13, 17, 0, tzinfo=SH).astimezone(fc.at.tzinfo)  # still the 5th working day
        ef.act(cid, "request-hearing", "officer1", note="第5个工作日申请")
        cid2 = ef.notified(fine="5000")
    with clock.frozen(datetime(2026, 10, 14, 9, 0, tzinfo=SH) + timedelta(days=7)):
        ef.refuse(cid2, "request-hearing", "officer1", "hearing_request_late", note="")
    assert cid


def test_preservation_service_payment_publication_and_cash(ef):
    with clock.frozen(START):
        cid = ef.registered()
        two = [ef.ids["officer1"], ef.ids["officer2"]]
        out = ef.act(cid, "measure", "officer1", kind="preserve", items=[{"name": "摊车", "quantity": "1"}],
                     officer_ids=two, approved_by=ef.ids["leader1"])
        assert local_day(out["measures"][0]["due_at"]) == date(2026, 10, 15)  # 7 working days
        out = ef.act(cid, "measure", "officer1", kind="seize", items=[{"name": "货物", "quantity": "3箱"}],
                     officer_ids=two, approved_by=ef.ids["leader1"])
        assert local_day(out["measures"][1]["due_at"]) == date(2026, 10, 30)  # 30 calendar days
        body = {"cause": "占道经营", "party_name": "李四", "penalty_types": ["fine"], "fine_amount": "80",
                "legal_basis": "第36条", "facts": "摆摊", "officer_ids": two, "cash": True, "lon": ef.lon, "lat": ef.lat}
        s = ef.post("/api/v1/enforcement/summary", "officer1", body, 201)
        cash = next(t for t in s["timers"] if t["kind"] == "cash_hand_in")
        assert local_day(cash["due_at"]) == date(2026, 10, 9)  # 2 working days
        body2 = {**body, "cash": False}
        s2 = ef.post("/api/v1/enforcement/summary", "officer1", body2, 201)
        assert local_day(s2["case"]["payment_due_at"]) == date(2026, 10, 15)  # 15 calendar days
        cid3 = ef.notified(fine="300")
        ef.act(cid3, "waive", "officer1", note="放弃")
        out = ef.act(cid3, "decide", "leader1")
        pub = next(t for t in out["timers"] if t["kind"] == "publish")
        assert local_day(pub["due_at"]) == date(2026, 10, 15)  # 7 working days
        serve = next(t for t in out["timers"] if t["kind"] == "serve")
        assert local_day(serve["due_at"]) == date(2026, 10, 15)
        doc = next(d for d in out["documents"] if d["doc_type"] == "penalty_decision")
        out = ef.act(cid3, "serve", "officer1", document_id=doc["id"], method="public_notice", recipient="张三",
                     note="下落不明")
        # public notice: deemed served after 30 days; payment runs from then
        assert local_day(out["case"]["served_at"]) == date(2026, 10, 30)
        assert local_day(out["case"]["payment_due_at"]) == date(2026, 11, 14)


def test_overdue_deadlines_raise_warnings_via_outbox(ef, db_session):
    from sqlalchemy import select

    from chengguan.enforcement import jobs
    from chengguan.outbox.models import OutboxMessage

    with clock.frozen(START):
        cid = ef.notified(fine="300")
        ef.act(cid, "waive", "officer1", note="放弃")
        ef.act(cid, "decide", "leader1")
    with clock.frozen(START + timedelta(days=20)):
        out = jobs.deadline_warnings(db_session)
        assert out["overdue"] >= 1
        msgs = db_session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "enforcement.deadline.overdue")).all()
        texts = [m.payload["text"] for m in msgs if m.payload.get("case_id") == cid]
        assert any("公示" in t for t in texts) and any("送达" in t for t in texts)
        again = jobs.deadline_warnings(db_session)
        assert again["overdue"] == 0  # once per deadline
        r = ef.client.get("/api/v1/enforcement/cases", params={"overdue": "true"}, headers=ef.auth("officer1"))
        assert cid in [i["id"] for i in r.json()["items"]]
