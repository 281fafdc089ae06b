"""Certificate expiry warnings, the training and post-exam rules, rankings, equipment and media (services)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from chengguan.accounts.models import User
from chengguan.core import clock
from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.outbox.models import OutboxMessage
from chengguan.system import settings as cfg
from chengguan.workforce import jobs
from chengguan.workforce import service as wf
from chengguan.workforce.models import Certificate, Equipment, ExamResult, Person, TrainingAttendance


def _person(session, username: str) -> Person:
    uid = session.scalar(select(User.id).where(User.username == username))
    return session.scalar(select(Person).where(Person.user_id == uid))


def _warnings(session) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.topic == "workforce.certificate.expiring")))


def test_demo_has_certificates_expiring_within_30_days(db_session):
    soon = wf.certificates_expiring(db_session, 30)
    assert len(soon) >= 2
    assert all(c.revoked_at is None for c in soon)


def test_expiry_warning_job_is_idempotent_one_per_threshold(db_session):
    today = clock.local(clock.now()).date()
    p = _person(db_session, "officer1")
    cert = p.certificates[0]
    cert.valid_to = today + timedelta(days=20)
    db_session.flush()
    before = len(_warnings(db_session))
    first = jobs.certificate_expiry(db_session)
    db_session.flush()
    assert first["queued"] >= 2  # officer1 (user) and the unit, plus the demo's expiring certificates
    mine = [m for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id]
    assert {m.recipient for m in mine} == {f"user:{p.user_id}", f"department:{p.department_id}"}
    assert all(m.payload["threshold"] == 30 and m.payload["days_left"] == 20 for m in mine)
    assert "将于" in mine[0].payload["text"] and cert.number in mine[0].payload["text"]
    # run again: nothing new
    again = jobs.certificate_expiry(db_session)
    db_session.flush()
    assert again["queued"] == 0 and len(_warnings(db_session)) == before + first["queued"]
    # 14 days later the 7-day threshold is reached: one more warning per recipient for this certificate
    with clock.frozen(clock.now() + timedelta(days=14)):
        wf.certificate_expiry_warnings(db_session)
        db_session.flush()
        wf.certificate_expiry_warnings(db_session)
        db_session.flush()
    mine = [m for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id]
    assert sorted(m.payload["threshold"] for m in mine) == [7, 7, 30, 30]
    # expired: the 0-day threshold says so
    with clock.frozen(clock.now() + timedelta(days=21)):
        wf.certificate_expiry_warnings(db_session)
        db_session.flush()
    mine = [m for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id and m.payload["threshold"] == 0]
    assert len(mine) == 2 and "已于" in mine[0].payload["text"] and "过期" in mine[0].payload["text"]


def test_no_warning_for_revoked_or_distant_certificates(db_session):
    today = clock.local(clock.now()).date()
    p = _person(db_session, "officer2")
    cert = p.certificates[0]
    cert.valid_to = today + timedelta(days=10)
    wf.revoke_certificate(db_session, cert, "调离")
    wf.certificate_expiry_warnings(db_session)
    db_session.flush()
    assert not [m for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id]
    far = _person(db_session, "officer1").certificates[0]
    assert (far.valid_to - today).days > 30
    assert not [m for m in _warnings(db_session) if m.payload["certificate_id"] == far.id]


def test_renewal_is_warned_again_before_the_new_date(db_session):
    today = clock.local(clock.now()).date()
    cert = _person(db_session, "officer1").certificates[0]
    cert.valid_to = today + timedelta(days=5)
    db_session.flush()
    wf.certificate_expiry_warnings(db_session)
    wf.renew_certificate(db_session, cert, today + timedelta(days=25))
    wf.certificate_expiry_warnings(db_session)
    db_session.flush()
    keys = {m.payload["valid_to"] for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id}
    assert keys == {(today + timedelta(days=5)).isoformat(), (today + timedelta(days=25)).isoformat()}
    with pytest.raises(Invalid):
        wf.renew_certificate(db_session, cert, today)


def test_warning_thresholds_are_configuration(db_session):
    today = clock.local(clock.now()).date()
    cert = _person(db_session, "officer1").certificates[0]
    cert.valid_to = today + timedelta(days=50)
    db_session.flush()
    wf.certificate_expiry_warnings(db_session)
    assert not [m for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id]
    cfg.set_value(db_session, wf.CERT_WARNING_DAYS.key, [60])
    try:
        wf.certificate_expiry_warnings(db_session)
        db_session.flush()
        assert {m.payload["threshold"] for m in _warnings(db_session) if m.payload["certificate_id"] == cert.id} == {60}
    finally:
        cfg.reset(db_session, wf.CERT_WARNING_DAYS.key)


# ---------------------------------------------------------------- training rule


def test_post_needs_a_passed_exam_before_duty(db_session):
    p = _person(db_session, "officer1")
    assert wf.may_go_on_duty(db_session, p) == (True, None)
    for ex in db_session.scalars(select(ExamResult).where(ExamResult.person_id == p.id)):
        db_session.delete(ex)
    db_session.flush()
    ok, reason = wf.may_go_on_duty(db_session, p)
    assert not ok and "上岗考试" in reason
    # a failed exam does not count
    today = clock.local(clock.now()).date()
    ex = wf.record_exam(db_session, p, {"title": "上岗考试", "post": p.post, "taken_on": today, "score": 55,
                                        "pass_mark": 70})
    assert ex.passed is False
    assert wf.may_go_on_duty(db_session, p)[0] is False
    # one for another post does not count either
    wf.record_exam(db_session, p, {"title": "上岗考试", "post": "内勤", "taken_on": today, "score": 90})
    assert wf.may_go_on_duty(db_session, p)[0] is False
    wf.record_exam(db_session, p, {"title": "上岗考试", "post": p.post, "taken_on": today, "score": 88,
                                   "pass_mark": 70})
    assert wf.may_go_on_duty(db_session, p) == (True, None)
    # too old an exam expires under valid_months
    with clock.frozen(clock.now() + timedelta(days=800)):
        assert wf.may_go_on_duty(db_session, p)[0] is False
    # the rule is configuration: switched off, nobody is blocked by it
    cfg.set_value(db_session, wf.POST_EXAM_RULE.key, {"enabled": False, "posts": [], "valid_months": 24})
    try:
        with clock.frozen(clock.now() + timedelta(days=800)):
            assert wf.may_go_on_duty(db_session, p) == (True, None)
    finally:
        cfg.reset(db_session, wf.POST_EXAM_RULE.key)


def test_exam_in_future_is_refused(db_session):
    p = _person(db_session, "officer1")
    with pytest.raises(Invalid):
        wf.record_exam(db_session, p, {"post": p.post, "taken_on": clock.local(clock.now()).date() + timedelta(days=2),
                                       "score": 90})


def test_overdue_report_lists_missed_training_and_exams(db_session):
    rows = wf.overdue_report(db_session)
    assert rows, "the demo has truants and officers without a post exam"
    p = _person(db_session, "officer1")
    assert p.id not in {r.person.id for r in rows} or True  # depends on the demo draw; checked below
    # officer1 misses everything from now on: 40 days later the monthly legal training is overdue
    db_session.execute(TrainingAttendance.__table__.delete().where(TrainingAttendance.person_id == p.id))
    db_session.flush()
    rows = {r.person.id: r.reasons for r in wf.overdue_report(db_session)}
    assert any("从未参加月度法律培训" in r for r in rows[p.id])
    # attend a legal session now: no longer overdue for it
    course = wf.create_course(db_session, {"code": "T-LEGAL", "title": "测试法律课", "kind": "legal"})
    start = clock.now() - timedelta(hours=3)
    ts = wf.create_session(db_session, {"course_id": course.id, "starts_at": start,
                                        "ends_at": start + timedelta(hours=2)})
    wf.record_attendance(db_session, ts, [(p.id, "present")])
    rows = {r.person.id: r.reasons for r in wf.overdue_report(db_session)}
    assert not any("法律" in r for r in rows.get(p.id, []))
    with clock.frozen(clock.now() + timedelta(days=40)):
        rows = {r.person.id: r.reasons for r in wf.overdue_report(db_session)}
        assert any("月度法律培训已 40 天未参加" in r for r in rows[p.id])
    # absent does not count as attendance
    wf.record_attendance(db_session, ts, [(p.id, "absent")])
    rows = {r.person.id: r.reasons for r in wf.overdue_report(db_session)}
    assert any("从未参加月度法律培训" in r for r in rows[p.id])
    # history shows the training and the exams
    kinds = {h["kind"] for h in wf.history(db_session, p)}
    assert {"training", "exam", "created"} <= kinds


def test_attendance_refusals(db_session):
    course = wf.create_course(db_session, {"code": "T-DRILL", "title": "测试演练", "kind": "drill"})
    start = clock.now() + timedelta(days=2)
    ts = wf.create_session(db_session, {"course_id": course.id, "starts_at": start,
                                        "ends_at": start + timedelta(hours=2)})
    with pytest.raises(Conflict):
        wf.record_attendance(db_session, ts, [(_person(db_session, "officer1").id, "present")])
    with pytest.raises(Invalid):
        wf.create_session(db_session, {"course_id": course.id, "starts_at": start, "ends_at": start})
    with pytest.raises(Conflict):
        wf.create_course(db_session, {"code": "T-DRILL", "title": "重复", "kind": "drill"})


# ---------------------------------------------------------------- performance


def test_ranking_marks_the_bottom_by_configuration(db_session):
    last = clock.local(clock.now()).date().replace(day=1) - timedelta(days=1)
    period = last.strftime("%Y-%m")
    rows = wf.ranking(db_session, period)
    assert rows and all(0 <= r["composite"] <= 100 for r in rows)
    groups = {}
    for r in rows:
        groups.setdefault(r["group"], []).append(r)
    for members in groups.values():
        assert [r["rank"] for r in members] == list(range(1, len(members) + 1))
        assert [r["composite"] for r in members] == sorted((r["composite"] for r in members), reverse=True)
    # all in one group, 20 % bottom share
    scheme = dict(cfg.value(db_session, wf.PERFORMANCE_SCHEME.key))
    scheme.update(group_by="all", bottom_share=0.2, bottom_min_group=2)
    cfg.set_value(db_session, wf.PERFORMANCE_SCHEME.key, scheme)
    try:
        rows = wf.ranking(db_session, period)
        bottom = [r for r in rows if r["bottom"]]
        assert len(bottom) == max(1, int(len(rows) * 0.2))
        assert min(r["composite"] for r in rows if not r["bottom"]) >= max(r["composite"] for r in bottom)
    finally:
        cfg.reset(db_session, wf.PERFORMANCE_SCHEME.key)
    with pytest.raises(Invalid):
        wf.record_performance(db_session, _person(db_session, "officer1"), period, "no_such_metric", 1)


def test_lower_is_better_metric(db_session):
    p = _person(db_session, "officer1")
    wf.record_performance(db_session, p, "2031-01", "complaints", 0)
    a = wf.ranking(db_session, "2031-01")[0]["composite"]
    wf.record_performance(db_session, p, "2031-01", "complaints", 3)
    b = wf.ranking(db_session, "2031-01")[0]["composite"]
    assert a == 20.0 and b == 0.0  # complaints weigh 0.2; a metric with no record counts 0


# ---------------------------------------------------------------- equipment and media


def _file(session) -> int:
    from chengguan.system.models import StoredFile

    f = StoredFile(sha256="0" * 64, size=10, content_type="video/mp4", kind="video", filename="clip.mp4",
                   created_at=clock.now(), meta={})
    session.add(f)
    session.flush()
    return f.id


def test_body_camera_media_link(db_session):
    p = _person(db_session, "officer1")
    cam = db_session.scalar(select(Equipment).where(Equipment.holder_id == p.id, Equipment.type == "body_camera"))
    assert cam is not None and cam.device_id.startswith("HM-BWC-")
    fid = _file(db_session)
    at = clock.now() - timedelta(minutes=5)
    m = wf.register_media(db_session, cam.device_id, fid, at)
    assert m.holder_id == p.id
    again = wf.register_media(db_session, cam.device_id, fid, at)
    assert again.id == m.id
    info = wf.media_device(db_session, fid)
    assert info["device_id"] == cam.device_id and info["holder_name"] == p.name
    assert [x.file_id for x in wf.media_for_device(db_session, cam.device_id)] == [fid]
    with pytest.raises(NotFound):
        wf.register_media(db_session, "NO-SUCH-DEVICE", fid, at)
    with pytest.raises(Invalid):
        wf.register_media(db_session, cam.device_id, fid, datetime(2026, 1, 1))
    with pytest.raises(Invalid):
        wf.register_media(db_session, cam.device_id, fid, clock.now() + timedelta(hours=1))
    other = db_session.scalar(select(Equipment).where(Equipment.type == "body_camera", Equipment.id != cam.id))
    with pytest.raises(Conflict):
        wf.register_media(db_session, other.device_id, fid, at)
    radio = db_session.scalar(select(Equipment).where(Equipment.type == "radio"))
    radio.device_id = "RADIO-1"
    db_session.flush()
    with pytest.raises(Invalid):
        wf.register_media(db_session, "RADIO-1", _file(db_session), at)


def test_media_holder_follows_hand_over(db_session):
    p1, p2 = _person(db_session, "officer1"), _person(db_session, "officer2")
    cam = db_session.scalar(select(Equipment).where(Equipment.holder_id == p1.id, Equipment.type == "body_camera"))
    t0 = clock.now()
    with clock.frozen(t0 - timedelta(hours=2)):
        wf.assign_equipment(db_session, cam, p1.id)
    with clock.frozen(t0 - timedelta(hours=1)):
        wf.assign_equipment(db_session, cam, p2.id)
    m1 = wf.register_media(db_session, cam.device_id, _file(db_session), t0 - timedelta(minutes=90))
    m2 = wf.register_media(db_session, cam.device_id, _file(db_session), t0 - timedelta(minutes=30))
    assert (m1.holder_id, m2.holder_id) == (p1.id, p2.id)
    texts = [h["text"] for h in wf.history(db_session, p2) if h["kind"] == "equipment"]
    assert f"领用执法记录仪 {cam.code}" in texts


def test_equipment_checks_and_status(db_session):
    cam = db_session.scalar(select(Equipment).where(Equipment.type == "body_camera"))
    wf.record_equipment_event(db_session, cam, "check", result="fault", note="电池鼓包")
    assert cam.status == "in_repair"
    assert cam.next_check_due == clock.local(clock.now()).date() + timedelta(days=30)
    wf.record_equipment_event(db_session, cam, "repair", result="ok", cost=120)
    assert cam.status == "in_service" if cam.holder_id else "idle"
    wf.record_equipment_event(db_session, cam, "status", status="scrapped")
    assert cam.status == "scrapped" and cam.holder_id is None
    with pytest.raises(Conflict):
        wf.record_equipment_event(db_session, cam, "check", result="ok")
    with pytest.raises(Conflict):
        wf.assign_equipment(db_session, cam, _person(db_session, "officer1").id)
    n = db_session.scalar(select(func.count(Equipment.id)).where(Equipment.type == "body_camera"))
    assert n >= 8


def test_recorders_need_a_device_id(db_session):
    with pytest.raises(Invalid):
        wf.create_equipment(db_session, {"code": "T-BWC-1", "type": "body_camera"})
    e = wf.create_equipment(db_session, {"code": "T-BWC-1", "type": "body_camera", "device_id": "T-DEV-1"})
    assert e.next_check_due is not None
    with pytest.raises(Conflict):
        wf.create_equipment(db_session, {"code": "T-BWC-2", "type": "body_camera", "device_id": "T-DEV-1"})


def test_demo_proportions(db_session):
    formal = db_session.scalar(select(func.count(Person.id)).where(Person.kind != "auxiliary"))
    aux = db_session.scalar(select(func.count(Person.id)).where(Person.kind == "auxiliary"))
    assert aux > formal > 0
    assert db_session.scalar(select(func.count(Certificate.id)).where(Certificate.revoked_at.is_not(None))) >= 1


def test_equipment_check_reminders_are_idempotent(db_session):
    cam = db_session.scalar(select(Equipment).where(Equipment.type == "body_camera", Equipment.holder_id.is_not(None)))
    cam.next_check_due = clock.local(clock.now()).date() - timedelta(days=1)
    db_session.flush()
    first = jobs.equipment_checks(db_session)
    db_session.flush()
    assert first["due"] >= 1 and first["queued"] >= 2
    mine = list(db_session.scalars(select(OutboxMessage).where(
        OutboxMessage.topic == "workforce.equipment.check_due")))
    mine = [m for m in mine if m.payload["equipment_id"] == cam.id]
    holder = db_session.get(Person, cam.holder_id)
    assert {m.recipient for m in mine} == {f"department:{cam.department_id}", f"user:{holder.user_id}"}
    assert jobs.equipment_checks(db_session)["queued"] == 0
    # a check moves the due date: no longer due
    wf.record_equipment_event(db_session, cam, "check", result="ok")
    assert cam.id not in {e.id for e in wf.equipment_due_checks(db_session)}


def test_training_score_collected_from_exams(db_session):
    from chengguan.workforce.models import PerformanceRecord

    p = _person(db_session, "officer1")
    wf.record_exam(db_session, p, {"title": "法律考试", "taken_on": clock.local(clock.now()).date(), "score": 80})
    wf.record_exam(db_session, p, {"title": "法律考试", "taken_on": clock.local(clock.now()).date(), "score": 90})
    period = clock.local(clock.now()).date().strftime("%Y-%m")
    before = [e.score for e in db_session.scalars(select(ExamResult).where(
        ExamResult.person_id == p.id, ExamResult.taken_on >= clock.local(clock.now()).date().replace(day=1)))]
    res = jobs.performance_from_exams(db_session)
    assert res[period] >= 1
    rec = db_session.scalar(select(PerformanceRecord).where(
        PerformanceRecord.person_id == p.id, PerformanceRecord.period == period,
        PerformanceRecord.metric == "training_score"))
    assert rec.value == round(sum(before) / len(before), 1)
    jobs.performance_from_exams(db_session)  # idempotent: still one record
    n = db_session.scalar(select(func.count(PerformanceRecord.id)).where(
        PerformanceRecord.person_id == p.id, PerformanceRecord.period == period,
        PerformanceRecord.metric == "training_score"))
    assert n == 1
