"""Rosters: joint-squad composition (refused with what is missing), leave, swaps, double booking,
on-post through the API from signed tracks, alerts through the outbox, joint operations and the report."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
import shapely
from sqlalchemy import select, text

from chengguan.core import clock
from chengguan.duty import jobs, tracks
from chengguan.geo.models import ResponsibilityGrid, ResponsibilityGridCell, UnitGrid
from chengguan.workforce import service as workforce

SQUAD = {"police": 1, "aux_police": 2, "chengguan": 2, "xieguan": 4}
KIND = {"police": "civil_servant", "aux_police": "auxiliary", "chengguan": "civil_servant", "xieguan": "auxiliary"}


def person(db, force, post="巡查员", name=None):
    p = workforce.create_person(db, {"employee_no": f"T{uuid.uuid4().hex[:10]}", "name": name or f"{force}队员",
                                     "kind": KIND[force], "force": force, "post": post, "status": "in_post"})
    db.commit()  # a refused request rolls the session back; the people must outlive it
    return p.id


def squad(db, counts=SQUAD):
    return [person(db, f) for f, n in counts.items() for _ in range(n)]


@pytest.fixture
def rgrid(db_session):
    return db_session.scalars(select(ResponsibilityGrid).order_by(ResponsibilityGrid.id)).first()


def shift_body(rgrid, people, kind="joint", start=None, hours=8, **kw):
    start = start or clock.now() + timedelta(hours=1)
    return {"name": "联勤一组", "kind": kind, "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=hours)).isoformat(), "responsibility_grid_ids": [rgrid.id],
            "members": [{"person_id": p} for p in people], **kw}


def test_joint_squad_complete_is_rostered(client, auth, db_session, rgrid, count):
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"), json=shift_body(rgrid, squad(db_session)))
    assert r.status_code == 201, r.text
    assert r.json()["forces"] == SQUAD and r.json()["missing"] == {}
    assert client.get("/api/v1/duty/composition", headers=auth("shiftlead1")).json()["rule"] == SQUAD


def test_joint_squad_short_is_refused_saying_what_is_missing(client, auth, db_session, rgrid, count):
    people = squad(db_session, {"police": 0, "aux_police": 1, "chengguan": 2, "xieguan": 3})
    before = count("duty_shifts")
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"), json=shift_body(rgrid, people))
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "squad_composition"
    assert err["details"]["missing"] == {"police": 1, "aux_police": 1, "xieguan": 1}
    assert "公安民警 1 人" in err["message"] and "辅警 1 人" in err["message"] and "协管员 1 人" in err["message"]
    assert count("duty_shifts") == before
    # a shift's own rule overrides the default: 0 police needed here, still short of one 协管
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, people, composition={"aux_police": 1, "chengguan": 2, "xieguan": 4}))
    assert r.status_code == 422 and r.json()["error"]["details"]["missing"] == {"xieguan": 1}, r.text


def test_patrol_shift_needs_no_composition_but_checks_people(client, auth, db_session, rgrid):
    officer_without_exam = person(db_session, "chengguan", post="执法队员")
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, [officer_without_exam], kind="patrol"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "roster_conflict"
    assert "上岗考试" in r.json()["error"]["message"]
    a = person(db_session, "xieguan")
    assert client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                       json=shift_body(rgrid, [a], kind="patrol")).status_code == 201
    # the same person on an overlapping shift is double-booked
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, [a], kind="patrol", start=clock.now() + timedelta(hours=3)))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["reason"] == "double_booked"


def test_refusals_role_and_input(client, auth, db_session, rgrid):
    a = person(db_session, "xieguan")
    assert client.post("/api/v1/duty/shifts", headers=auth("collector1"),
                       json=shift_body(rgrid, [a], kind="patrol")).status_code == 403
    bad = shift_body(rgrid, [a], kind="patrol")
    bad["ends_at"] = bad["starts_at"]
    assert client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"), json=bad).status_code == 422
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, [a], kind="duty24", hours=8))
    assert r.status_code == 422
    assert client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                       json=shift_body(rgrid, [a], kind="standby", hours=24)).status_code == 201


def test_leave_and_swap(client, auth, db_session, rgrid):
    people = squad(db_session)
    start = clock.now() + timedelta(hours=2)
    s = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"), json=shift_body(rgrid, people, start=start))
    assert s.status_code == 201
    sid = s.json()["id"]
    police = people[0]
    r = client.post("/api/v1/duty/leaves", headers=auth("shiftlead1"),
                    json={"person_id": police, "kind": "sick", "starts_at": start.isoformat(),
                          "ends_at": (start + timedelta(days=1)).isoformat(), "reason": "发烧"})
    assert r.status_code == 201, r.text
    assert r.json()["affected_shifts"][0]["missing"] == {"police": 1}
    # swapping a 协管 in for an auxiliary police officer makes the squad weaker → refused
    xg = person(db_session, "xieguan")
    r = client.post(f"/api/v1/duty/shifts/{sid}/swap", headers=auth("shiftlead1"),
                    json={"out_person_id": people[1], "in_person_id": xg})
    assert r.status_code == 422 and r.json()["error"]["code"] == "squad_composition"
    # the person on leave cannot be rostered for that time
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, [police], kind="patrol", start=start + timedelta(hours=1)))
    assert r.status_code == 422 and r.json()["error"]["details"][0]["reason"] == "on_leave"
    # a swap that keeps the squad whole is accepted: aux police for aux police
    ap = person(db_session, "aux_police")
    r = client.post(f"/api/v1/duty/shifts/{sid}/swap", headers=auth("shiftlead1"),
                    json={"out_person_id": people[1], "in_person_id": ap})
    assert r.status_code == 200, r.text
    statuses = {m["person_id"]: m["status"] for m in r.json()["members"]}
    assert statuses[people[1]] == "swapped" and statuses[ap] == "on_duty" and statuses[police] == "on_leave"
    assert r.json()["missing"] == {"police": 1}  # still short: the police officer is on leave
    p2 = person(db_session, "police")
    r = client.post(f"/api/v1/duty/shifts/{sid}/swap", headers=auth("shiftlead1"),
                    json={"out_person_id": police, "in_person_id": p2})
    assert r.status_code == 200 and r.json()["missing"] == {}


def _inside_and_outside(db, rgrid):
    codes = set(db.scalars(select(ResponsibilityGridCell.grid_code)
                           .where(ResponsibilityGridCell.responsibility_grid_id == rgrid.id)))
    inside = db.scalar(select(UnitGrid.geom).where(UnitGrid.code.in_(codes)).order_by(UnitGrid.code))
    outside = db.scalar(select(UnitGrid.geom).where(UnitGrid.code.not_in(codes), UnitGrid.valid_to.is_(None),
                                                    UnitGrid.street_code == rgrid.street_code).order_by(UnitGrid.code))
    pi = shapely.point_on_surface(inside)
    po = shapely.point_on_surface(outside)
    return (pi.x, pi.y), (po.x, po.y), len(codes)


def test_onpost_from_signed_tracks_and_alert_in_outbox(client, auth, db_session, rgrid, count):
    pid = person(db_session, "xieguan", name="巡查张三")
    now = clock.now()
    start = now - timedelta(minutes=60)
    r = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                    json=shift_body(rgrid, [pid], kind="patrol", start=start, hours=4))
    assert r.status_code == 201
    sid = r.json()["id"]
    dev = client.post("/api/v1/duty/devices", headers=auth("admin"),
                      json={"code": f"D-{uuid.uuid4().hex[:6]}", "kind": "phone", "region_code": rgrid.street_code,
                            "person_id": pid}).json()
    tracks.invalidate()
    (ix, iy), (ox, oy), n_cells = _inside_and_outside(db_session, rgrid)
    t0 = start.timestamp() + 1  # just after the shift start
    # 0–20 min: inside every 60 s; 20–40 min: outside; 40–60 min: silent
    pts = [[t0 + 60 * k, ix, iy] for k in range(20)] + [[t0 + 1200 + 60 * k, ox, oy] for k in range(20)]
    body = json.dumps({"batch_id": "day", "points": pts}).encode()
    ts = str(int(now.timestamp()))
    r = client.post("/api/v1/tracks/batches", content=body,
                    headers={"X-Device": dev["code"], "X-Timestamp": ts,
                             "X-Signature": tracks.sign(bytes.fromhex(dev["key"]), ts, body)})
    assert r.status_code == 200 and r.json()["accepted"] == 40
    outbox_before = count("outbox_messages")
    r = client.get(f"/api/v1/duty/shifts/{sid}/onpost", headers=auth("shiftlead1"))
    assert r.status_code == 200, r.text
    row = r.json()["items"][0]
    # each fix stands for 60 s (the next fix) → 20 inside fixes = 1200 s; the last one stands for 120 s (cap)
    assert row["points"] == 40
    assert row["seconds_inside"] == pytest.approx(1200, abs=1)
    assert row["seconds_reporting"] == pytest.approx(1200 + 19 * 60 + 120, abs=1)
    assert row["grids_visited"] == 1 and row["grids_total"] == n_cells
    assert row["on_post"] is False
    # outside from minute 20 on (≥ 15 min), and silent from the last fix (minute 39) until now
    assert sorted(a["kind"] for a in r.json()["alerts"]) == ["left_area", "silent"]
    assert count("outbox_messages") == outbox_before  # a GET computes, stores nothing
    jobs.onpost_watch(db_session)  # the worker stores the results and raises the alerts
    db_session.commit()  # (the worker's unit of work)
    alerts = client.get("/api/v1/duty/alerts", headers=auth("shiftlead1")).json()["items"]
    kinds = sorted(a["kind"] for a in alerts if a["shift_id"] == sid)
    assert kinds == ["left_area", "silent"]
    assert count("outbox_messages") == outbox_before + 2
    jobs.onpost_watch(db_session)  # recomputing raises no second notification for the same alerts
    db_session.commit()
    assert count("outbox_messages") == outbox_before + 2
    day = clock.local(start).date().isoformat()
    summary = client.get("/api/v1/duty/onpost", params={"day": day}, headers=auth("leader1")).json()["items"]
    assert any(x["shift_id"] == sid and x["points"] == 40 for x in summary)
    assert client.get(f"/api/v1/duty/shifts/{sid}/onpost", headers=auth("collector1")).status_code == 403
    r = client.get("/api/v1/tracks/playback", headers=auth("shiftlead1"),
                   params={"person_id": pid, "start": start.isoformat(), "end": now.isoformat(), "tolerance_m": 0})
    assert r.status_code == 200 and r.json()["points_total"] == 40 and len(r.json()["points"]) == 40


def test_joint_operation_with_tasks_cases_and_report(client, auth, db_session):
    district = client.get("/api/v1/city").json()["district_code"]
    start = clock.now() - timedelta(days=2)
    body = {"title": "夜市占道经营专项整治", "kind": "联合执法", "region_code": district, "lead_agency": "城管执法局",
            "starts_at": start.isoformat(), "ends_at": (start + timedelta(days=3)).isoformat(),
            "agencies": [{"name": "公安分局", "kind": "公安", "people": 6}, {"name": "城管执法局", "kind": "城管", "people": 10},
                         {"name": "市场监管局", "kind": "市场监管", "people": 3}],
            "teams": [{"name": "第一组", "leader": "王队", "members": ["甲", "乙"]}]}
    r = client.post("/api/v1/duty/operations", headers=auth("leader1"), json=body)
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert client.post("/api/v1/duty/operations", headers=auth("collector1"), json=body).status_code == 403
    t = client.post(f"/api/v1/duty/operations/{oid}/tasks", headers=auth("leader1"),
                    json={"title": "清理人民路夜市", "team": "第一组", "place": "人民路"}).json()
    assert client.patch(f"/api/v1/duty/operations/{oid}/tasks/{t['id']}", headers=auth("leader1"),
                        json={"status": "done", "result": "清理摊点 12 处"}).status_code == 200
    case_ids = db_session.execute(text("select id from cases order by id limit 3")).scalars().all()
    r = client.post(f"/api/v1/duty/operations/{oid}/cases", headers=auth("leader1"), json={"case_ids": case_ids})
    assert r.status_code == 200 and r.json()["linked"] == 3
    r = client.post(f"/api/v1/duty/operations/{oid}/cases", headers=auth("leader1"), json={"case_ids": [10 ** 9]})
    assert r.status_code == 422
    r = client.patch(f"/api/v1/duty/operations/{oid}", headers=auth("leader1"),
                     json={"status": "closed", "results": {"暂扣物品": 12}, "summary": "效果良好"})
    assert r.status_code == 200
    d = r.json()
    assert d["stats"]["cases_found"] == 3 and d["stats"]["people"] == 19 and d["stats"]["tasks_done"] == 1
    r = client.patch(f"/api/v1/duty/operations/{oid}", headers=auth("leader1"), json={"status": "active"})
    assert r.status_code == 409
    html = client.get(f"/api/v1/duty/operations/{oid}/report", headers=auth("leader1"))
    assert html.status_code == 200 and "夜市占道经营专项整治" in html.text and "暂扣物品" in html.text
    pdf = client.get(f"/api/v1/duty/operations/{oid}/report", params={"format": "pdf"}, headers=auth("leader1"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("path", ["/duty", "/duty/playback", "/duty/operations"])
def test_console_pages_render_for_planners_and_refuse_collectors(client, path):
    r = client.post("/api/v1/auth/login", json={"username": "shiftlead1", "password": "demo"})
    assert r.status_code == 200
    page = client.get(path)
    assert page.status_code == 200 and "/static/js/pages/duty" in page.text
    client.post("/api/v1/auth/login", json={"username": "collector1", "password": "demo"})
    assert client.get(path).status_code == 403


def test_repeat_a_shift_for_a_week_reports_refused_days(client, auth, db_session, rgrid):
    people = squad(db_session)
    start = clock.now() + timedelta(hours=2)
    sid = client.post("/api/v1/duty/shifts", headers=auth("shiftlead1"),
                      json=shift_body(rgrid, people, start=start)).json()["id"]
    # the police officer is on leave on day 3: that day's joint squad would lack police
    r = client.post("/api/v1/duty/leaves", headers=auth("shiftlead1"),
                    json={"person_id": people[0], "starts_at": (start + timedelta(days=3)).isoformat(),
                          "ends_at": (start + timedelta(days=3, hours=8)).isoformat()})
    assert r.status_code == 201
    r = client.post(f"/api/v1/duty/shifts/{sid}/repeat", headers=auth("shiftlead1"), json={"days": [1, 2, 3, 4]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert len(body["created"]) == 3
    assert [(x["day_offset"], x["code"]) for x in body["refused"]] == [(3, "roster_conflict")]
    assert body["refused"][0]["details"][0]["reason"] == "on_leave"
    assert client.post(f"/api/v1/duty/shifts/{sid}/repeat", headers=auth("shiftlead1"),
                       json={"days": [0]}).status_code == 422
    assert client.post(f"/api/v1/duty/shifts/{sid}/repeat", headers=auth("collector1"),
                       json={"days": [5]}).status_code == 403
