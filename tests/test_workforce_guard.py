"""The certificate guard: who may act as an enforcement officer, and the message when not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from chengguan.accounts.models import User
from chengguan.core import clock
from chengguan.core.errors import Forbidden
from chengguan.workforce import service as wf
from chengguan.workforce.models import Certificate, Person


def _uid(session, username: str) -> int:
    return session.scalar(select(User.id).where(User.username == username))


def _person(session, username: str) -> Person:
    return session.scalar(select(Person).where(Person.user_id == _uid(session, username)))


def _refusal(session, username: str, **kw) -> Forbidden:
    with pytest.raises(Forbidden) as exc:
        wf.require_certified_officer(session, _uid(session, username), **kw)
    assert exc.value.status_code == 403
    return exc.value


def test_demo_officers_are_certified(db_session):
    for name in ("officer1", "officer2"):
        cert = wf.require_certified_officer(db_session, _uid(db_session, name))
        assert cert.revoked_at is None
        assert cert.valid_to > clock.local(clock.now()).date() + timedelta(days=60)
        assert wf.is_certified(db_session, _uid(db_session, name))


def test_auxiliary_is_refused(db_session):
    err = _refusal(db_session, "assistant1")
    assert err.code == "auxiliary_not_allowed"
    assert "协管员不能" in err.message
    assert not wf.is_certified(db_session, _uid(db_session, "assistant1"))


def test_user_without_personnel_record_is_refused(db_session):
    err = _refusal(db_session, "dispatcher1")
    assert err.code == "not_certified"
    assert "未持有有效行政执法证" in err.message


def test_expired_certificate_is_refused_with_the_date(db_session):
    uid = _uid(db_session, "officer2")
    cert = wf.require_certified_officer(db_session, uid)
    later = datetime.combine(cert.valid_to + timedelta(days=1), datetime.min.time(), tzinfo=clock.SHANGHAI)
    with pytest.raises(Forbidden) as exc:
        wf.require_certified_officer(db_session, uid, at=later)
    assert exc.value.code == "certificate_expired"
    d = cert.valid_to
    assert f"已于{d.year}年{d.month}月{d.day}日过期" in exc.value.message
    # the last valid day (Shanghai time) still counts
    last = datetime.combine(cert.valid_to, datetime.min.time(), tzinfo=clock.SHANGHAI) + timedelta(hours=23)
    assert wf.require_certified_officer(db_session, uid, at=last).id == cert.id


def test_expired_now(db_session):
    p = _person(db_session, "officer1")
    for c in p.certificates:
        c.valid_from = date(2019, 1, 1)
        c.valid_to = date(2020, 1, 1)
    db_session.flush()
    err = _refusal(db_session, "officer1")
    assert err.code == "certificate_expired" and "2020年1月1日过期" in err.message


def test_revoked_certificate_is_refused(db_session):
    uid = _uid(db_session, "officer1")
    cert = wf.require_certified_officer(db_session, uid)
    before = clock.now()
    wf.revoke_certificate(db_session, cert, "调离执法岗位")
    err = _refusal(db_session, "officer1")
    assert err.code == "certificate_revoked" and "注销" in err.message and "调离执法岗位" in err.message
    # an act dated before the revocation was covered
    assert wf.is_certified(db_session, uid, at=before - timedelta(minutes=1))


def test_not_yet_valid_certificate_is_refused(db_session):
    p = _person(db_session, "officer1")
    for c in p.certificates:
        c.valid_from = clock.local(clock.now()).date() + timedelta(days=3)
    db_session.flush()
    err = _refusal(db_session, "officer1")
    assert "起才生效" in err.message


def test_scope_is_checked(db_session):
    p = _person(db_session, "officer1")
    cert = p.certificates[0]
    cert.scopes = ["市容环卫"]
    cert.scope = "市容环卫"
    db_session.flush()
    assert wf.require_certified_officer(db_session, p.user_id, scope="市容环卫").id == cert.id
    with pytest.raises(Forbidden) as exc:
        wf.require_certified_officer(db_session, p.user_id, scope="城乡规划")
    assert "不含“城乡规划”" in exc.value.message


def test_suspended_or_left_officer_is_refused(db_session):
    p = _person(db_session, "officer1")
    wf.update_person(db_session, p, {"status": "suspended"})
    err = _refusal(db_session, "officer1")
    assert err.code == "not_in_post" and "停职" in err.message
    wf.update_person(db_session, p, {"status": "left"})
    assert "离职" in _refusal(db_session, "officer1").message


def test_officer_without_certificate_is_refused(db_session):
    p = _person(db_session, "officer1")
    for c in list(p.certificates):
        db_session.delete(c)
    db_session.flush()
    db_session.expire(p, ["certificates"])
    err = _refusal(db_session, "officer1")
    assert err.code == "not_certified" and "未持有有效行政执法证" in err.message


def test_a_newer_valid_certificate_wins_over_an_expired_one(db_session):
    p = _person(db_session, "officer1")
    old = p.certificates[0]
    old.valid_from, old.valid_to = date(2015, 1, 1), date(2018, 1, 1)
    db_session.flush()
    assert not wf.is_certified(db_session, p.user_id)
    today = clock.local(clock.now()).date()
    new = wf.add_certificate(db_session, p, {"number": "TEST-NEW-0001", "issuing_body": "南通市人民政府",
                                             "valid_from": today, "valid_to": today + timedelta(days=700)})
    assert wf.require_certified_officer(db_session, p.user_id).id == new.id


def test_auxiliary_cannot_be_given_a_certificate(db_session):
    from chengguan.core.errors import Invalid

    p = _person(db_session, "assistant1")
    today = clock.local(clock.now()).date()
    with pytest.raises(Invalid):
        wf.add_certificate(db_session, p, {"number": "TEST-AUX-1", "issuing_body": "x", "valid_from": today,
                                           "valid_to": today + timedelta(days=10)})
    assert db_session.scalar(select(Certificate).where(Certificate.number == "TEST-AUX-1")) is None


def test_guard_with_post_exam_setting(db_session):
    from chengguan.system import settings as cfg

    p = _person(db_session, "officer1")
    cfg.set_value(db_session, wf.GUARD_NEEDS_POST_EXAM.key, True)
    try:
        # demo: officer1 passed the post exam
        assert wf.is_certified(db_session, p.user_id)
        from chengguan.workforce.models import ExamResult

        for ex in db_session.scalars(select(ExamResult).where(ExamResult.person_id == p.id)):
            db_session.delete(ex)
        db_session.flush()
        err = _refusal(db_session, "officer1")
        assert err.code == "post_exam_missing" and "上岗考试" in err.message
    finally:
        cfg.reset(db_session, wf.GUARD_NEEDS_POST_EXAM.key)


def test_naive_time_is_refused(db_session):
    from chengguan.core.errors import Invalid

    with pytest.raises(Invalid):
        wf.require_certified_officer(db_session, _uid(db_session, "officer1"), at=datetime(2026, 1, 1))
    assert wf.is_certified(db_session, _uid(db_session, "officer1"), at=clock.now().astimezone(UTC))


def test_batch_matches_single_checks(db_session):
    from chengguan.accounts.models import User as U

    uids = list(db_session.scalars(select(U.id)))
    single = {u for u in uids if wf.is_certified(db_session, u)}
    assert wf.certified_user_ids(db_session, uids) == single
    assert _uid(db_session, "officer1") in single and _uid(db_session, "assistant1") not in single


def test_revocation_reason_does_not_change_the_code(db_session):
    cert = _person(db_session, "officer1").certificates[0]
    wf.revoke_certificate(db_session, cert, "证件过期未换")
    assert _refusal(db_session, "officer1").code == "certificate_revoked"
