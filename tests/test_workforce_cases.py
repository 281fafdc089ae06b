"""The closed loop uses the certificate guard: a case dispatched to an enforcement unit is fed back only by a
certified officer (other departments are not affected)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from casehelpers import Flow
from chengguan.accounts.models import User, UserRole
from chengguan.org.models import Department
from chengguan.system import settings as cfg
from chengguan.workforce import service as wf
from chengguan.workforce.models import Person


def _enforcement_handler(session) -> tuple[Department, str]:
    dept = session.scalar(select(Department).where(Department.key == "hm_zfdd"))
    username = session.scalar(select(User.username).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == "dept_handler", User.department_id == dept.id).order_by(User.id))
    return dept, username


def _dispatched_to(flow: Flow, dept_id: int) -> int:
    c = flow.report(category_code="06029", description="夜间露天烧烤油烟扰民")
    flow.act(c["id"], "register", "shiftlead1")
    flow.act(c["id"], "dispatch", "dispatcher1", department_id=dept_id)
    return c["id"]


def test_enforcement_unit_feedback_needs_a_valid_certificate(client, auth, db_session):
    flow = Flow(client, auth)
    dept, handler = _enforcement_handler(db_session)
    assert handler, "the demo has a case handler for the 执法大队"
    uid = db_session.scalar(select(User.id).where(User.username == handler))
    person = db_session.scalar(select(Person).where(Person.user_id == uid))
    assert person is not None and wf.is_certified(db_session, uid)
    # certified: feedback goes through
    cid = _dispatched_to(flow, dept.id)
    assert flow.act(cid, "feedback", handler, photos=[flow.photo(handler)])["status"] == "fed_back"
    # expired: refused with the reason, nothing changes
    cid = _dispatched_to(flow, dept.id)
    for c in person.certificates:
        c.valid_from, c.valid_to = date(2019, 1, 1), date(2021, 6, 30)
    db_session.commit()
    r = client.post(f"/api/v1/cases/{cid}/feedback", json={"photos": [flow.photo(handler)]}, headers=auth(handler))
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["code"] == "certificate_expired"
    assert "须由持证执法人员反馈" in err["message"] and "2021年6月30日过期" in err["message"]
    assert flow.get(cid)["status"] == "dispatched"
    # the switch turns the closed-loop check off
    cfg.set_value(db_session, wf.ENFORCEMENT_FEEDBACK.key, False)
    db_session.commit()
    try:
        assert flow.act(cid, "feedback", handler, photos=[flow.photo(handler)])["status"] == "fed_back"
    finally:
        cfg.reset(db_session, wf.ENFORCEMENT_FEEDBACK.key)
        db_session.commit()


def test_other_departments_are_not_affected(client, auth):
    flow = Flow(client, auth)
    c = flow.to_fed_back()  # dept1 (a street office, no personnel record) feeds back as before
    assert c["status"] == "fed_back"
