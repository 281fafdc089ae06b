"""/api/v1/workforce: validation, role and region checks, and the main paths."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from chengguan.accounts.models import User
from chengguan.core import clock
from chengguan.workforce.models import Equipment, Person

API = "/api/v1/workforce"


def _pid(session, username: str) -> int:
    uid = session.scalar(select(User.id).where(User.username == username))
    return session.scalar(select(Person.id).where(Person.user_id == uid))


def _err(r, status: int, code: str | None = None) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["message"]
    if code:
        assert body["error"]["code"] == code, body
    return body["error"]


def test_me_shows_certification(client, auth):
    r = client.get(f"{API}/me", headers=auth("officer1"))
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["enforcement"]["certified"] is True and me["certificate"]["light"] in ("green", "yellow")
    assert any(e["type"] == "body_camera" for e in me["equipment"])
    r = client.get(f"{API}/me", headers=auth("assistant1"))
    assert r.json()["enforcement"] == {"certified": False, "reason": r.json()["enforcement"]["reason"]}
    assert "协管员不能" in r.json()["enforcement"]["reason"]
    _err(client.get(f"{API}/me", headers=auth("dispatcher1")), 404, "no_personnel_record")
    _err(client.get(f"{API}/me"), 401)


def test_certification_check_endpoint(client, auth, db_session):
    uid = db_session.scalar(select(User.id).where(User.username == "assistant1"))
    r = client.get(f"{API}/certification", params={"user_id": uid}, headers=auth("reviewer1"))
    assert r.status_code == 200 and r.json()["certified"] is False
    assert r.json()["code"] == "auxiliary_not_allowed"
    uid = db_session.scalar(select(User.id).where(User.username == "officer2"))
    r = client.get(f"{API}/certification", params={"user_id": uid}, headers=auth("reviewer1"))
    assert r.json()["certified"] is True
    _err(client.get(f"{API}/certification", params={"user_id": uid}, headers=auth("citizen1")), 403)
    _err(client.get(f"{API}/certification", params={"user_id": "x"}, headers=auth("reviewer1")), 422)


def test_people_list_roles_and_filters(client, auth):
    r = client.get(f"{API}/people", params={"kind": "auxiliary", "page_size": 5}, headers=auth("admin"))
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["total"] > 5 and len(data["items"]) == 5
    assert all(p["kind"] == "auxiliary" for p in data["items"])
    s = client.get(f"{API}/people/summary", headers=auth("leader1")).json()
    assert s["auxiliary"] > s["formal"] > 0
    _err(client.get(f"{API}/people", headers=auth("officer1")), 403, "role_required")
    _err(client.get(f"{API}/people", headers=auth("citizen1")), 403)
    _err(client.get(f"{API}/people", params={"kind": "robot"}, headers=auth("admin")), 422)
    _err(client.get(f"{API}/people", params={"page_size": 10_000}, headers=auth("admin")), 422)


def test_officer_sees_own_record_only(client, auth, db_session):
    mine, other = _pid(db_session, "officer1"), _pid(db_session, "officer2")
    assert client.get(f"{API}/people/{mine}", headers=auth("officer1")).status_code == 200
    _err(client.get(f"{API}/people/{other}", headers=auth("officer1")), 403)
    _err(client.get(f"{API}/people/999999", headers=auth("admin")), 404)
    h = client.get(f"{API}/people/{mine}/history", headers=auth("officer1")).json()["items"]
    assert h and {"at", "kind", "text"} <= set(h[0])


def test_create_person_validation_and_refusals(client, auth, count):
    body = {"employee_no": "T0001", "name": "测试人员", "kind": "auxiliary", "post": "协管员"}
    n = count("personnel")
    _err(client.post(f"{API}/people", json=body, headers=auth("officer1")), 403)
    _err(client.post(f"{API}/people", json={**body, "kind": "boss"}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/people", json={**body, "street_code": "12"}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/people", json={**body, "extra": 1}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/people", json={**body, "force": "chengguan"}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/people", json={**body, "department_id": 999999}, headers=auth("admin")), 422)
    assert count("personnel") == n
    r = client.post(f"{API}/people", json=body, headers=auth("admin"))
    assert r.status_code == 201, r.text
    assert r.json()["force"] == "xieguan" and r.json()["enforcement"]["certified"] is False
    _err(client.post(f"{API}/people", json=body, headers=auth("admin")), 409, "duplicate_employee_no")
    assert count("personnel") == n + 1


def test_certificate_lifecycle_through_the_api(client, auth, db_session):
    r = client.post(f"{API}/people", json={"employee_no": "T0002", "name": "新队员", "kind": "managed",
                                           "post": "执法队员"}, headers=auth("admin"))
    pid = r.json()["id"]
    today = clock.local(clock.now()).date()
    cert = {"number": "T-3206-0001", "issuing_body": "南通市人民政府", "valid_from": str(today),
            "valid_to": str(today + timedelta(days=20))}
    _err(client.post(f"{API}/people/{pid}/certificates", json={**cert, "valid_to": str(today - timedelta(days=1))},
                     headers=auth("admin")), 422)
    _err(client.post(f"{API}/people/{pid}/certificates", json={**cert, "number": "空 格"},
                     headers=auth("admin")), 422)
    _err(client.post(f"{API}/people/{pid}/certificates", json=cert, headers=auth("officer1")), 403)
    r = client.post(f"{API}/people/{pid}/certificates", json=cert, headers=auth("admin"))
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["light"] == "yellow" and c["days_left"] == 20
    _err(client.post(f"{API}/people/{pid}/certificates", json=cert, headers=auth("admin")), 409)
    lst = client.get(f"{API}/certificates", params={"expiring_within": 30}, headers=auth("admin")).json()
    assert c["id"] in {x["id"] for x in lst["items"]} and lst["lights"]["yellow"] >= 1
    r = client.post(f"{API}/certificates/{c['id']}/renew", json={"valid_to": str(today + timedelta(days=900))},
                    headers=auth("admin"))
    assert r.json()["light"] == "green"
    _err(client.post(f"{API}/certificates/{c['id']}/revoke", json={"reason": ""}, headers=auth("admin")), 422)
    r = client.post(f"{API}/certificates/{c['id']}/revoke", json={"reason": "调离"}, headers=auth("admin"))
    assert r.json()["light"] == "red" and r.json()["light_label"] == "已注销"
    _err(client.post(f"{API}/certificates/{c['id']}/revoke", json={"reason": "x"}, headers=auth("admin")), 409)
    _err(client.post(f"{API}/certificates/999999/revoke", json={"reason": "x"}, headers=auth("admin")), 404)
    red = client.get(f"{API}/certificates", params={"light": "red"}, headers=auth("admin")).json()
    assert c["id"] in {x["id"] for x in red["items"]}


def test_training_and_exams_through_the_api(client, auth, db_session):
    pid = _pid(db_session, "officer1")
    courses = client.get(f"{API}/courses", headers=auth("admin")).json()["items"]
    legal = next(c for c in courses if c["kind"] == "legal")
    start = clock.now() - timedelta(hours=4)
    body = {"course_id": legal["id"], "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=2)).isoformat()}
    _err(client.post(f"{API}/training-sessions", json={**body, "starts_at": "2026-11-01T09:00:00"},
                     headers=auth("admin")), 422)  # naive time
    _err(client.post(f"{API}/training-sessions", json=body, headers=auth("officer1")), 403)
    ts = client.post(f"{API}/training-sessions", json=body, headers=auth("admin")).json()
    _err(client.post(f"{API}/training-sessions/{ts['id']}/attendance",
                     json={"entries": [{"person_id": pid, "status": "asleep"}]}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/training-sessions/{ts['id']}/attendance", json={"entries": []},
                     headers=auth("admin")), 422)
    _err(client.post(f"{API}/training-sessions/{ts['id']}/attendance",
                     json={"entries": [{"person_id": 999999}]}, headers=auth("admin")), 404)
    r = client.post(f"{API}/training-sessions/{ts['id']}/attendance",
                    json={"entries": [{"person_id": pid, "status": "present"}]}, headers=auth("admin"))
    assert r.status_code == 200 and r.json()["recorded"] == 1
    sessions = client.get(f"{API}/training-sessions", headers=auth("admin")).json()["items"]
    assert next(s for s in sessions if s["id"] == ts["id"])["attendance"] == {"present": 1}
    _err(client.post(f"{API}/people/{pid}/exams", json={"taken_on": "2026-01-01", "score": 120},
                     headers=auth("admin")), 422)
    r = client.post(f"{API}/people/{pid}/exams", json={"taken_on": str(clock.local(clock.now()).date()),
                                                       "score": 91, "post": "执法队员", "title": "上岗考试"},
                    headers=auth("admin"))
    assert r.status_code == 201 and r.json()["passed"] is True
    od = client.get(f"{API}/training/overdue", headers=auth("leader1")).json()
    assert od["total"] == len(od["items"]) and all(x["reasons"] for x in od["items"])
    _err(client.get(f"{API}/training/overdue", headers=auth("officer1")), 403)


def test_performance_ranking_api(client, auth, db_session):
    last = clock.local(clock.now()).date().replace(day=1) - timedelta(days=1)
    r = client.get(f"{API}/performance/ranking", params={"period": last.strftime("%Y-%m")}, headers=auth("leader1"))
    assert r.status_code == 200 and r.json()["items"]
    _err(client.get(f"{API}/performance/ranking", params={"period": "2026-13"}, headers=auth("leader1")), 422)
    pid = _pid(db_session, "officer1")
    _err(client.post(f"{API}/people/{pid}/performance", json={"period": "2026-11", "metric": "nope", "value": 1},
                     headers=auth("admin")), 422, "unknown_metric")
    r = client.post(f"{API}/people/{pid}/performance", json={"period": "2026-11", "metric": "cases_handled",
                                                             "value": 12}, headers=auth("admin"))
    assert r.status_code == 201


def test_equipment_api(client, auth, db_session, count):
    data = client.get(f"{API}/equipment", params={"type": "body_camera"}, headers=auth("admin")).json()
    assert data["total"] >= 8 and all(e["device_id"] for e in data["items"])
    assert data["by_type"]["body_camera"] == data["total"]
    mine = client.get(f"{API}/equipment/mine", headers=auth("officer1")).json()["items"]
    cam = next(e for e in mine if e["type"] == "body_camera")
    assert client.get(f"{API}/equipment/{cam['id']}", headers=auth("officer1")).status_code == 200
    _err(client.get(f"{API}/equipment/{cam['id']}", headers=auth("assistant1")), 403)
    _err(client.get(f"{API}/equipment", params={"type": "tank"}, headers=auth("admin")), 422)
    n = count("equipment")
    _err(client.post(f"{API}/equipment", json={"code": "T-1", "type": "body_camera"}, headers=auth("admin")), 422,
         "device_id_required")
    _err(client.post(f"{API}/equipment", json={"code": "T-1", "type": "drone", "device_id": "x y"},
                     headers=auth("admin")), 422)
    _err(client.post(f"{API}/equipment", json={"code": "T-1", "type": "radio"}, headers=auth("officer1")), 403)
    assert count("equipment") == n
    r = client.post(f"{API}/equipment", json={"code": "T-1", "type": "radio"}, headers=auth("admin"))
    assert r.status_code == 201 and r.json()["next_check_due"]
    eid = r.json()["id"]
    pid = _pid(db_session, "officer2")
    r = client.post(f"{API}/equipment/{eid}/assign", json={"holder_id": pid}, headers=auth("admin"))
    assert r.json()["holder_id"] == pid
    _err(client.post(f"{API}/equipment/{eid}/events", json={"kind": "check"}, headers=auth("admin")), 422)
    _err(client.post(f"{API}/equipment/{eid}/events", json={"kind": "status"}, headers=auth("admin")), 422)
    r = client.post(f"{API}/equipment/{eid}/events", json={"kind": "check", "result": "fault", "note": "无信号"},
                    headers=auth("admin"))
    assert r.status_code == 201 and r.json()["status"] == "in_repair"
    r = client.post(f"{API}/equipment/{eid}/assign", json={"holder_id": None}, headers=auth("admin"))
    assert r.json()["holder_id"] is None
    _err(client.post(f"{API}/equipment/{eid}/assign", json={"holder_id": None}, headers=auth("admin")), 409)
    detail = client.get(f"{API}/equipment/{eid}", headers=auth("admin")).json()
    assert [e["kind"] for e in detail["events"]][:3] == ["return", "check", "assign"]


def test_media_register_api(client, auth, db_session):
    from chengguan.system.models import StoredFile

    f = StoredFile(sha256="1" * 64, size=10, content_type="video/mp4", kind="video", filename="c.mp4",
                   created_at=clock.now(), meta={})
    db_session.add(f)
    db_session.commit()  # a savepoint: GET requests roll back what is merely flushed
    cam = client.get(f"{API}/equipment/mine", headers=auth("officer1")).json()["items"]
    cam = next(e for e in cam if e["type"] == "body_camera")
    at = (clock.now() - timedelta(minutes=3)).isoformat()
    _err(client.post(f"{API}/media", json={"device_id": cam["device_id"], "file_id": f.id, "recorded_at": at},
                     headers=auth("assistant1")), 403, "auxiliary_not_allowed")
    _err(client.post(f"{API}/media", json={"device_id": "NOPE", "file_id": f.id, "recorded_at": at},
                     headers=auth("officer1")), 404, "unknown_device")
    _err(client.post(f"{API}/media", json={"device_id": cam["device_id"], "file_id": f.id,
                                           "recorded_at": "2026-11-21T08:00:00"}, headers=auth("officer1")), 422)
    r = client.post(f"{API}/media", json={"device_id": cam["device_id"], "file_id": f.id, "recorded_at": at},
                    headers=auth("officer1"))
    assert r.status_code == 201, r.text
    assert r.json()["device_id"] == cam["device_id"]
    got = client.get(f"{API}/media/{f.id}", headers=auth("reviewer1")).json()
    assert got["equipment_code"] == cam["code"] and got["holder_name"]
    _err(client.get(f"{API}/media/{f.id}", headers=auth("citizen1")), 403)
    _err(client.get(f"{API}/media/999999", headers=auth("admin")), 404)
    assert db_session.get(StoredFile, f.id).meta["device_id"] == cam["device_id"]
    db_session.expire_all()
    assert db_session.scalar(select(Equipment.id).where(Equipment.device_id == cam["device_id"])) == cam["id"]


def test_person_photo_by_upload_token_and_file_access(client, auth):
    from casehelpers import jpeg

    r = client.post("/api/v1/files", headers=auth("admin"), files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    token = r.json()["token"]
    body = {"employee_no": "T0009", "name": "带照片", "kind": "managed", "post": "执法队员"}
    _err(client.post(f"{API}/people", json={**body, "photo": "1.forged"}, headers=auth("admin")), 422, "bad_file_token")
    r = client.post(f"{API}/people", json={**body, "photo": token}, headers=auth("admin"))
    assert r.status_code == 201, r.text
    url = r.json()["photo_url"]
    assert client.get(url, headers=auth("leader1")).status_code == 200  # a reader of the region
    assert client.get(url, headers=auth("officer1")).status_code == 403
    assert client.get(url, headers=auth("citizen1")).status_code == 403
    r = client.patch(f"{API}/people/{r.json()['id']}", json={"photo": None}, headers=auth("admin"))
    assert r.json()["photo_url"] is None


def test_recording_access_follows_the_device(client, auth, db_session):
    from casehelpers import jpeg

    r = client.post("/api/v1/files", headers=auth("officer1"), files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    fid = int(r.json()["token"].split(".")[0])
    cam = next(e for e in client.get(f"{API}/equipment/mine", headers=auth("officer1")).json()["items"]
               if e["type"] == "body_camera")
    r = client.post(f"{API}/media", json={"device_id": cam["device_id"], "file_id": fid,
                                          "recorded_at": (clock.now() - timedelta(minutes=1)).isoformat()},
                    headers=auth("officer1"))
    assert r.status_code == 201, r.text
    assert client.get(f"/api/v1/files/{fid}", headers=auth("reviewer1")).status_code == 200
    assert client.get(f"/api/v1/files/{fid}", headers=auth("assistant1")).status_code == 403


def test_roster_import_all_or_nothing(client, auth, count):
    header = "工号,姓名,性别,类别,队伍,单位,岗位,状态,电话,入职日期,执法证号,发证机关,有效期自,有效期至\n"
    good = ("IMP001,王导入,男,参公,城管,hm_zfdd,执法队员,在岗,13900000001,2020-03-01,IMP-C-0001,南通市人民政府,"
            "2024-01-01,2030-12-31\n"
            "IMP002,李协管,女,协管员,,hm_zfdd,协管员,在岗,,,,,,\n")
    bad = good + ("IMP003,赵错误,男,干部,城管,hm_zfdd,执法队员,在岗,,,,,,\n"
                  "IMP004,钱协管,男,协管员,协管,hm_zfdd,协管员,在岗,,,IMP-C-9,南通市人民政府,2024-01-01,2030-12-31\n"
                  "IMP001,重复,男,参公,城管,hm_zfdd,执法队员,在岗,,,,,,\n")
    n = count("personnel")

    def up(text: str, user: str = "admin", **params):
        return client.post(f"{API}/people/import", params=params, headers=auth(user),
                           files={"file": ("roster.csv", text.encode("utf-8-sig"), "text/csv")})

    err = _err(up(header + bad), 422, "import_errors")
    assert [e["line"] for e in err["details"]] == [4, 5, 6]
    assert "干部" in err["details"][0]["message"] and "工号重复" in err["details"][2]["message"]
    assert count("personnel") == n
    _err(up("姓名,岗位\n张三,执法队员\n"), 422, "missing_columns")
    _err(up(header), 422, "empty_import")
    _err(up(header + good, user="officer1"), 403)
    dry = up(header + good, dry_run="true").json()
    assert dry == {"rows": 2, "created": 2, "updated": 0, "certificates": 1, "dry_run": True}
    assert count("personnel") == n
    r = up(header + good)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 2 and count("personnel") == n + 2
    people = client.get(f"{API}/people", params={"q": "IMP00"}, headers=auth("admin")).json()["items"]
    by_no = {p["employee_no"]: p for p in people}
    assert by_no["IMP001"]["certificate"]["number"] == "IMP-C-0001" and by_no["IMP002"]["force"] == "xieguan"
    # re-import updates, adds no duplicate certificate
    again = up(header + good.replace("13900000001", "13900000002")).json()
    assert again["updated"] == 2 and again["certificates"] == 0 and count("personnel") == n + 2
    # GB18030 (Excel on Chinese Windows) works too
    r = client.post(f"{API}/people/import", params={"dry_run": "true"}, headers=auth("admin"),
                    files={"file": ("r.csv", (header + good).encode("gb18030"), "text/csv")})
    assert r.status_code == 200 and r.json()["updated"] == 2
