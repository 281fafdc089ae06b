"""Property-based: random sequences of actions by random people at random times never break the loop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from chengguan.accounts import service as accounts
from chengguan.accounts.models import User
from chengguan.cases import actions, service, workflow
from chengguan.cases.actions import ActionInput
from chengguan.cases.models import Case, CaseEvent
from chengguan.core import clock
from chengguan.core.errors import AppError
from chengguan.worktime import service as worktime

ACTIONS = ["request-verify", "verify", "register", "reject", "void", "dispatch", "return", "request-extension",
           "approve-extension", "deny-extension", "approve-return", "deny-return", "suspend", "approve-suspend",
           "deny-suspend", "resume", "feedback", "check", "close", "urge", "self-dispose"]
USERS = ["collector1", "acceptor1", "shiftlead1", "dispatcher1", "dept1", "leader1", "citizen1"]

# Who normally performs each action: most draws use it, so sequences get deep into the loop.
PERFORMER = {"request-verify": "acceptor1", "verify": "collector1", "register": "shiftlead1", "reject": "shiftlead1",
             "void": "shiftlead1", "dispatch": "dispatcher1", "return": "dept1", "request-extension": "dept1",
             "approve-extension": "dispatcher1", "deny-extension": "dispatcher1", "approve-return": "dispatcher1",
             "deny-return": "dispatcher1", "suspend": "dept1", "approve-suspend": "dispatcher1",
             "deny-suspend": "dispatcher1", "resume": "dispatcher1", "feedback": "dept1", "check": "collector1",
             "close": "shiftlead1", "urge": "leader1", "self-dispose": "collector1"}
# The usual next actions per status (drawn most of the time; the rest are arbitrary, to probe refusals).
LIKELY = {"verifying": ["verify"], "reported": ["register"] * 6 + ["reject", "request-verify", "self-dispose"],
          "registered": ["dispatch"] * 5 + ["suspend", "return", "void"],
          "dispatched": ["feedback", "feedback", "request-extension", "return", "suspend", "approve-extension",
                         "approve-return", "approve-suspend", "deny-extension", "urge"],
          "fed_back": ["check"], "checked": ["close", "close", "return"], "suspended": ["resume"],
          "closed": ["return"]}


@pytest.fixture
def cast(db_session):
    users = db_session.scalars(select(User).where(User.username.in_(USERS))).all()
    return {u.username: accounts.principal_for(u) for u in users}


def _body(action: str, flag: bool, photo: str) -> ActionInput:
    return ActionInput(opinion="理由说明", passed=flag, hours=8.0, photos=[photo], rating=5)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(min_value=1, max_value=30), public=st.booleans())
def test_random_action_sequences_keep_the_invariants(db_session, cast, data, n, public):
    start = clock.now().replace(microsecond=0)
    nested = db_session.begin_nested()
    try:
        with clock.frozen(start) as fc:
            from chengguan.system import files

            photo_row = files.save_upload(db_session, _jpeg(), "p.jpg", "image/jpeg", user_id=None)
            photo = service.file_token(photo_row.id)
            city_lon, city_lat = _centre(db_session)
            case, _ = service.create_report(db_session, service.ReportInput(
                category_code="09006", description="占道经营", lon=city_lon, lat=city_lat,
                channel="public" if public else "patrol"), None if public else cast["collector1"])
            for _ in range(n):
                likely = LIKELY.get(case.status)
                if likely and data.draw(st.integers(0, 9), label="stay on the path") < 8:
                    name = data.draw(st.sampled_from(likely), label="action")
                    user = PERFORMER[name] if name != "return" or case.status != "closed" else "shiftlead1"
                    if name in ("return", "suspend") and case.status == "registered":
                        user = "dispatcher1"
                else:
                    name = data.draw(st.sampled_from(ACTIONS), label="action")
                    user = data.draw(st.sampled_from(USERS), label="user")
                flag = data.draw(st.integers(0, 9), label="passed") < 8
                fc.advance(hours=data.draw(st.floats(min_value=0.0, max_value=72.0), label="hours later"))
                before = (case.status, case.version, case.step_due_at)
                sp = db_session.begin_nested()
                try:
                    actions.perform(db_session, case.id, name, _body(name, flag, photo), cast[user])
                    sp.commit()
                    event(f"ok:{name}")
                except AppError:
                    sp.rollback()
                    db_session.refresh(case)
                    assert (case.status, case.version, case.step_due_at) == before  # a refusal changes nothing
                _check_invariants(db_session, case)
            event(f"final:{case.status}")
    finally:
        nested.rollback()


def _check_invariants(session, case: Case) -> None:
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.seq)).all()
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    status = None
    for e in events:
        assert e.from_status == status, (e.action, e.from_status, status)
        if status is not None:
            assert e.to_status in workflow.ALLOWED[status]
        status = e.to_status
    assert status == case.status  # the timeline is complete: it explains the current status
    if case.status == "closed":
        acts = [e for e in events if e.action in ("check", "self-dispose", "close", "return")]
        last_close = max(i for i, e in enumerate(acts) if e.action in ("close", "self-dispose"))
        if acts[last_close].action == "close":
            checks = [e for e in acts[:last_close] if e.action == "check"]
            assert checks and checks[-1].data.get("passed") is True  # every closed case passed 核查
    cal = worktime.get_calendar(session)
    if case.step_due_at is not None and case.step_unit in ("work_hour", "work_day") and case.paused_at is None:
        due = case.step_due_at
        # a working-time deadline is inside a work window or exactly at its end
        assert cal.is_working_time(due, case.step_unit) or cal.is_working_time(due - timedelta(seconds=1),
                                                                                 case.step_unit)


def _centre(session):
    from chengguan.geo import service as geo

    c = geo.city_info(session)["center"]
    return c["lon"], c["lat"]


def _jpeg() -> bytes:
    from casehelpers import jpeg

    return jpeg()
