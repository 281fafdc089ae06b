"""The 数字城管 closed loop through the API: the main path, every special flow, every refusal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from casehelpers import Flow
from chengguan.cases.models import CaseEvent, CaseTask
from chengguan.outbox.models import OutboxMessage


@pytest.fixture
def flow(client, auth):
    return Flow(client, auth)


def actions_of(case):
    return [e["action"] for e in case["timeline"]]


def test_whole_loop_from_public_report(flow, db_session):
    # A citizen reports anonymously; the collector of that grid gets a 核实 task.
    c = flow.report(user=None, channel="public", reporter={"anonymous": True})
    assert c["status"] == "verifying" and c["public_code"]
    assert len(c["grid_code"]) == 15 and c["street_code"] and c["community_code"]
    assert c["step"] == "verify" and c["step_due_at"] and c["light"] == "green"
    tasks = flow.client.get("/api/v1/tasks", headers=flow.auth("collector1")).json()
    assert any(t["case"]["id"] == c["id"] and t["kind"] == "verify" for t in tasks)
    cid = c["id"]
    c = flow.act(cid, "verify", "collector1", passed=True, opinion="属实", photos=[flow.photo()])
    assert c["status"] == "reported" and c["verified"] is True
    c = flow.act(cid, "register", "shiftlead1", opinion="符合立案条件")
    assert c["status"] == "registered" and c["step"] == "dispatch"
    c = flow.act(cid, "dispatch", "dispatcher1")  # no department: the routing table's suggestion
    assert c["status"] == "dispatched"
    assert c["assignments"][0]["department_name"].endswith("街道办事处")
    assert c["dispose_due_at"] and c["step"] == "dispose"
    # dept1 handles 占道经营 in the centre (contract)
    assert "feedback" in flow.get(cid, "dept1")["allowed_actions"]
    c = flow.act(cid, "feedback", "dept1", opinion="已劝离摊贩", photos=[flow.photo("dept1")])
    assert c["status"] == "fed_back"
    c = flow.act(cid, "check", "collector1", passed=True, photos=[flow.photo()])
    assert c["status"] == "checked"
    c = flow.act(cid, "close", "shiftlead1")
    assert c["status"] == "closed" and c["closed_at"]
    assert actions_of(c) == ["report", "verify", "register", "dispatch", "feedback", "check", "close"]
    # Every step that ended records its deadline and whether it was met.
    for e in c["timeline"][1:]:
        assert e["step"] is not None and e["step_due_at"] is not None and e["met_deadline"] is True, e
    assert {a["stage"] for a in c["attachments"]} == {"verify", "feedback", "check"}
    seqs = [e["seq"] for e in c["timeline"]]
    assert seqs == list(range(1, len(seqs) + 1))
    assert db_session.scalar(select(CaseTask.done_at).where(CaseTask.case_id == cid, CaseTask.kind == "check"))


def test_follow_by_number_is_masked_elsewhere(flow):
    c = flow.report(user="collector1")
    other = flow.get(c["id"], "shiftlead1")
    assert other["public_code"] is None  # only the reporter sees the follow code


def test_idempotency_key(flow, count):
    body = {"category_code": "06010", "description": "暴露垃圾", "lon": flow.lon, "lat": flow.lat}
    h = {**flow.auth("collector1"), "Idempotency-Key": "phone-42-attempt"}
    r1 = flow.client.post("/api/v1/reports", json=body, headers=h)
    n = count("cases")
    r2 = flow.client.post("/api/v1/reports", json=body, headers=h)
    assert r1.status_code == r2.status_code == 201
    assert r1.json()["id"] == r2.json()["id"] and r2.headers.get("Idempotent-Replayed") == "true"
    assert count("cases") == n
    r3 = flow.client.post("/api/v1/reports", json={**body, "description": "另一件事"}, headers=h)
    assert r3.status_code == 409


@pytest.mark.parametrize("body, status", [
    ({"category_code": "99999", "description": "x问题", "lon": 121.18, "lat": 31.89}, 422),
    ({"category_code": "09006", "description": "x问题", "lon": 116.4, "lat": 39.9}, 422),
    ({"category_code": "09006", "description": "x问题"}, 422),
    ({"category_code": "09006", "description": "x问题", "lon": 121.18}, 422),
    ({"category_code": "09006", "description": "", "lon": 121.18, "lat": 31.89}, 422),
    ({"category_code": "09006", "description": "x问题", "lon": 121.18, "lat": 31.89, "condition_code": 77}, 422),
    ({"category_code": "09006", "description": "x问题", "lon": 121.18, "lat": 31.89, "photos": ["1.forged"]}, 422),
    ({"category_code": "09006", "description": "x问题", "lon": 121.18, "lat": 31.89, "channel": "leader"}, 403),
])
def test_bad_reports_are_refused_and_change_nothing(flow, count, body, status):
    n = count("cases")
    r = flow.client.post("/api/v1/reports", json=body, headers=flow.auth("collector1"))
    assert r.status_code == status, r.text
    assert set(r.json()["error"]) >= {"code", "message"}
    assert count("cases") == n


def test_report_by_address_only(flow, db_session):
    from chengguan.geo.models import Place

    door = db_session.scalars(select(Place).where(Place.kind == "door").limit(1)).one()
    c = flow.report(address=door.name, lon=None, lat=None)
    assert c["grid_code"] == door.grid_code


def test_refusals_change_nothing(flow, db_session):
    c = flow.report()
    cid = c["id"]
    n_events = len(flow.get(cid)["timeline"])
    flow.act(cid, "dispatch", "dispatcher1", expect=409)  # not registered yet
    flow.act(cid, "register", "collector1", expect=403)  # wrong role
    flow.act(cid, "close", "shiftlead1", expect=409)
    flow.act(cid, "reject", "shiftlead1", expect=422)  # needs a reason
    flow.act(cid, "no-such-action", "shiftlead1", expect=404)
    after = flow.get(cid)
    assert after["status"] == "reported" and len(after["timeline"]) == n_events


def test_out_of_region_collector_cannot_act(flow, client, auth):
    # A collector of another street may not check a case in the centre.
    users = client.get("/api/v1/users", params={"role": "collector", "page_size": 200}, headers=auth("admin")).json()
    c = flow.to_fed_back()
    center_street = c["street_code"]
    other = next(u for u in users["items"] if u["roles"][0]["region_code"] not in (None, center_street))
    r = client.post(f"/api/v1/cases/{c['id']}/check", json={"passed": True},
                    headers=auth(other["username"]))
    assert r.status_code == 403


def test_rework_goes_back_to_the_same_department(flow):
    c = flow.to_fed_back()
    cid = c["id"]
    dept = c["assignments"][0]["department_id"]
    flow.act(cid, "check", "collector1", passed=False, expect=422)  # needs a reason
    c = flow.act(cid, "check", "collector1", passed=False, opinion="摊贩仍在")
    assert c["status"] == "dispatched"
    a = [x for x in c["assignments"] if x["state"] == "active"]
    assert len(a) == 1 and a[0]["department_id"] == dept and a[0]["rework"] == 1
    c = flow.act(cid, "feedback", "dept1", photos=[flow.photo("dept1")])
    c = flow.act(cid, "check", "collector1", passed=True)
    c = flow.act(cid, "close", "shiftlead1")
    assert actions_of(c).count("check") == 2 and c["status"] == "closed"


def test_department_return_needs_dispatcher_approval(flow):
    c = flow.to_dispatched()
    cid = c["id"]
    c = flow.act(cid, "return", "dept1", opinion="不属于本单位职责")
    assert c["status"] == "dispatched" and c["pending_request"] == "return" and c["light"] == "paused"
    flow.act(cid, "feedback", "dept1", photos=[flow.photo("dept1")], expect=409)  # request pending
    assert "approve-return" in flow.get(cid, "dispatcher1")["allowed_actions"]
    c = flow.act(cid, "approve-return", "dispatcher1", opinion="同意")
    assert c["status"] == "registered" and not c["pending_request"]
    assert all(a["state"] == "returned" for a in c["assignments"])
    flow.act(cid, "approve-return", "dispatcher1", expect=409)


def test_deny_return_keeps_the_department(flow):
    c = flow.to_dispatched()
    flow.act(c["id"], "return", "dept1", opinion="不属于本单位职责")
    c = flow.act(c["id"], "deny-return", "dispatcher1", opinion="属于你单位")
    assert c["status"] == "dispatched" and c["light"] != "paused"


def test_dispatcher_returns_to_shift_leader(flow):
    c = flow.to_registered()
    c = flow.act(c["id"], "return", "dispatcher1", opinion="分类有误，请重新立案")
    assert c["status"] == "reported"


def test_reopen_after_close(flow):
    c = flow.to_fed_back()
    cid = c["id"]
    flow.act(cid, "check", "collector1", passed=True)
    flow.act(cid, "close", "shiftlead1")
    c = flow.act(cid, "return", "shiftlead1", opinion="群众反映问题复发，结案回退")
    assert c["status"] == "dispatched" and c["closed_at"] is None
    assert [a for a in c["assignments"] if a["state"] == "active"][0]["rework"] == 1


def test_extension_moves_the_deadline(flow):
    c = flow.to_dispatched()
    cid = c["id"]
    due = datetime.fromisoformat(c["dispose_due_at"])
    flow.act(cid, "request-extension", "dept1", opinion="需协调", expect=422)  # no new deadline
    flow.act(cid, "request-extension", "dept1", opinion="需协调", until=(due - timedelta(hours=1)).isoformat(),
             expect=422)
    new = due + timedelta(days=3)
    c = flow.act(cid, "request-extension", "dept1", opinion="需协调产权单位", until=new.isoformat())
    assert c["pending_request"] == "extension"
    flow.act(cid, "approve-extension", "dept1", expect=403)
    c = flow.act(cid, "approve-extension", "dispatcher1", opinion="同意")
    assert datetime.fromisoformat(c["dispose_due_at"]) == new
    assert datetime.fromisoformat(c["step_due_at"]) == new
    assert c["assignments"][0]["due_at"] and datetime.fromisoformat(c["assignments"][0]["due_at"]) == new


def test_denied_extension_keeps_the_deadline(flow):
    c = flow.to_dispatched()
    due = c["dispose_due_at"]
    flow.act(c["id"], "request-extension", "dept1", opinion="需协调", hours=8)
    c = flow.act(c["id"], "deny-extension", "dispatcher1", opinion="不同意")
    assert c["dispose_due_at"] >= due and not c["pending_request"]


def test_suspend_stops_the_clock_and_resume_restarts_it(flow):
    from chengguan.core import clock

    c = flow.to_dispatched()
    cid = c["id"]
    due_before = datetime.fromisoformat(c["dispose_due_at"])
    start = clock.now()
    with clock.frozen(start):
        c = flow.act(cid, "suspend", "dept1", opinion="需列入改造计划")
        assert c["pending_request"] == "suspend"
        c = flow.act(cid, "approve-suspend", "dispatcher1")
        assert c["status"] == "suspended" and c["paused"]
    with clock.frozen(start + timedelta(days=20)) as fc:
        c = flow.act(cid, "resume", "dispatcher1", opinion="恢复")
        assert c["status"] == "dispatched" and not c["paused"]
        # The remaining working time was carried over: the new deadline is ~20 days later.
        assert datetime.fromisoformat(c["dispose_due_at"]) > due_before + timedelta(days=15)
        assert fc.at < datetime.fromisoformat(c["dispose_due_at"])


def test_dispatcher_can_suspend_directly(flow):
    c = flow.to_registered()
    c = flow.act(c["id"], "suspend", "dispatcher1", opinion="资金未落实")
    assert c["status"] == "suspended"
    c = flow.act(c["id"], "resume", "dispatcher1")
    assert c["status"] == "registered"


def test_urge_is_shown_and_notifies(flow, db_session):
    c = flow.to_dispatched()
    flow.act(c["id"], "urge", "leader1", expect=422)
    c = flow.act(c["id"], "urge", "leader1", opinion="请今日内处置到位")
    assert c["urged"] and c["urge_note"] == "请今日内处置到位"
    listed = flow.client.get("/api/v1/cases", params={"urged": True}, headers=flow.auth("dept1")).json()
    assert any(i["id"] == c["id"] and i["urged"] for i in listed["items"])
    assert db_session.scalar(select(OutboxMessage).where(OutboxMessage.topic == "case.urged"))
    flow.act(c["id"], "urge", "dept1", opinion="x", expect=403)


def test_leader_instruction_is_born_urged(flow):
    c = flow.report(user="leader1", channel="leader", description="解放路口占道经营严重，请立即整治")
    assert c["urged"] and "urge" in actions_of(c)


def test_merge_moves_reporters(flow, db_session):
    from chengguan.cases.models import CaseReporter

    a = flow.report()
    b = flow.report(user=None, channel="public", reporter={"name": "王先生", "phone": "13900001111"})
    assert any(d["id"] == a["id"] for d in b["likely_duplicates"])
    dup = flow.client.get(f"/api/v1/cases/{b['id']}/duplicates", headers=flow.auth("acceptor1")).json()["items"]
    assert dup[0]["id"] == a["id"] and dup[0]["same_category"]
    flow.act(b["id"], "merge", "acceptor1", into=b["id"], expect=422)
    m = flow.act(b["id"], "merge", "acceptor1", into=a["case_no"])
    assert m["status"] == "merged" and m["merged_into_id"] == a["id"]
    phones = db_session.scalars(select(CaseReporter.phone).where(CaseReporter.case_id == a["id"])).all()
    assert "13900001111" in phones
    assert "merged-in" in actions_of(flow.get(a["id"]))


def test_self_dispose(flow):
    c = flow.report(self_dispose=True, after_photos=[flow.photo()], description="小广告已当场清除",
                    category_code="07001")
    assert c["status"] == "closed" and c["self_disposed"]
    with pytest.raises(AssertionError):
        flow.report(self_dispose=True, category_code="07001")  # needs the after-photo
    r = flow.report()
    c = flow.act(r["id"], "self-dispose", "collector1", photos=[flow.photo()])
    assert c["status"] == "closed"
    flow.act(r["id"], "return", "shiftlead1", opinion="x", expect=409)


def test_multi_department_dispatch(flow, client, auth):
    depts = client.get("/api/v1/departments", headers=auth("dispatcher1")).json()
    dept1_id = client.get("/api/v1/auth/me", headers=auth("dept1")).json()["department_id"]
    other = next(d["id"] for d in depts if d["id"] != dept1_id and d["kind"] == "professional")
    c = flow.to_registered()
    c = flow.act(c["id"], "dispatch", "dispatcher1", department_ids=[dept1_id, other])
    assert len([a for a in c["assignments"] if a["state"] == "active"]) == 2
    c = flow.act(c["id"], "feedback", "dept1", photos=[flow.photo("dept1")])
    assert c["status"] == "dispatched"  # waits for the other department


def test_verify_false_blocks_registration(flow):
    c = flow.report(user=None, channel="public")
    c = flow.act(c["id"], "verify", "collector1", passed=False, opinion="现场无此问题")
    assert c["status"] == "reported" and c["verified"] is False
    flow.act(c["id"], "register", "shiftlead1", expect=409)
    c = flow.act(c["id"], "reject", "shiftlead1", opinion="核实不属实")
    assert c["status"] == "rejected"


def test_request_verify_by_acceptor_and_void(flow):
    c = flow.report(user="acceptor1", channel="hotline")
    assert c["status"] == "verifying"
    c2 = flow.report(user="acceptor1", channel="transfer")
    c2 = flow.act(c2["id"], "request-verify", "acceptor1")
    assert c2["status"] == "verifying"
    c3 = flow.act(c2["id"], "void", "shiftlead1", opinion="信息错误")
    assert c3["status"] == "voided"


def test_citizen_rates_closed_case(flow, client, auth):
    c = flow.report(user="citizen1", channel="public")
    cid = c["id"]
    flow.act(cid, "verify", "collector1", passed=True)
    flow.act(cid, "register", "shiftlead1")
    flow.act(cid, "dispatch", "dispatcher1")
    flow.act(cid, "feedback", "dept1", photos=[flow.photo("dept1")])
    flow.act(cid, "check", "collector1", passed=True)
    flow.act(cid, "close", "shiftlead1")
    flow.act(cid, "rate", "citizen1", rating=9, expect=422)
    c = flow.act(cid, "rate", "citizen1", rating=5, opinion="处理及时")
    assert c["rating"] == 5
    flow.act(cid, "rate", "citizen1", rating=4, expect=409)
    # the citizen sees their own case, not others'
    other = flow.report()
    assert client.get(f"/api/v1/cases/{other['id']}", headers=auth("citizen1")).status_code == 403


def test_lists_filters_and_overdue(flow, client, auth):
    from chengguan.core import clock

    c = flow.to_dispatched()
    h = auth("dept1")
    page = client.get("/api/v1/cases", params={"status": "dispatched", "page_size": 5}, headers=h).json()
    assert page["total"] >= 1 and len(page["items"]) <= 5
    assert all(i["status"] == "dispatched" for i in page["items"])
    due = datetime.fromisoformat(c["dispose_due_at"])
    with clock.frozen(due + timedelta(hours=1)):
        over = client.get("/api/v1/cases", params={"overdue": True, "page_size": 200}, headers=auth("dept1")).json()
        assert any(i["id"] == c["id"] and i["light"] == "red" for i in over["items"])
    assert client.get("/api/v1/cases", params={"status": "bogus"}, headers=h).status_code == 422
    m = client.get("/api/v1/cases/map", params={"bbox": "120,31,122,33"}, headers=auth("leader1")).json()
    assert any(i["id"] == c["id"] for i in m["items"])


def test_events_record_actor_and_location(flow, db_session):
    c = flow.report()
    flow.act(c["id"], "register", "shiftlead1", opinion="ok", lon=121.18, lat=31.89)
    ev = db_session.scalars(select(CaseEvent).where(CaseEvent.case_id == c["id"], CaseEvent.action == "register")).one()
    assert ev.actor_name and ev.actor_role == "shift_leader" and ev.lon == 121.18 and ev.opinion == "ok"
    assert ev.from_status == "reported" and ev.to_status == "registered"


def test_no_event_before_the_case_was_reported(db_session) -> None:  # type: ignore[no-untyped-def]
    """The evaluation narrows a period's events by time on the strength of this invariant."""
    from chengguan.cases import workflow
    from chengguan.cases.models import Case
    from chengguan.core.errors import Conflict

    case = db_session.scalars(select(Case).where(Case.status.in_(("reported", "registered", "dispatched")))
                              .limit(1)).first()
    assert case is not None
    before = db_session.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case.id))
    with pytest.raises(Conflict) as e:
        workflow.transition(db_session, case, action="urge", to=case.status,
                            actor=workflow.Actor(user_id=None, name="系统", role="leader"),
                            at=case.reported_at - timedelta(minutes=1))
    assert e.value.code == "event_before_report"
    assert db_session.scalar(select(func.count()).select_from(CaseEvent)
                             .where(CaseEvent.case_id == case.id)) == before
