"""Public participation: reporting without an account, moderation, abuse protection, the public map,
progress notifications, rewards (随手拍), social supervisors and 回访."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from casehelpers import Flow, jpeg
from chengguan.public import participation
from chengguan.system import settings as cfg


def report(client: Any, headers: dict[str, str] | None = None, expect: int = 201, **kw: Any) -> dict[str, Any]:
    c = client.get("/api/v1/city").json()["center"]
    body = {"category_code": "09006", "description": "路口有摊贩占道经营", "lon": c["lon"], "lat": c["lat"],
            "condition_code": 1}
    body.update(kw)
    r = client.post("/api/v1/public/reports", json=body, headers=headers or {})
    assert r.status_code == expect, r.text
    return r.json()  # type: ignore[no-any-return]


def test_anonymous_report_follow_and_rate(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case
    from chengguan.public.models import PublicReport

    up = client.post("/api/v1/files", files={"file": ("p.jpg", jpeg(), "image/jpeg")})
    assert up.status_code == 201
    out = report(client, photos=[up.json()["token"]], name="李四", phone="13900001111")
    no, code = out["case_no"], out["public_code"]
    assert no in out["message"] and code in out["message"]
    case = db_session.scalar(select(Case).where(Case.case_no == no))
    assert case.channel == "public" and case.reporter_phone == "13900001111"
    meta = db_session.get(PublicReport, case.id)
    assert meta.via == "web" and meta.ip_hash and "testclient" not in meta.ip_hash and not meta.hidden
    f = client.get(f"/api/v1/public/cases/{no}", params={"code": code}).json()
    assert f["case_no"] == no and f["photos"] and "13900001111" not in str(f) and "李四" not in str(f)
    assert client.get(f"/api/v1/public/cases/{no}", params={"code": "WRONG1"}).status_code == 404
    # an idempotent retry creates nothing new
    h = {"Idempotency-Key": "pub-retry-123456"}
    a = report(client, h)
    assert report(client, h)["case_no"] == a["case_no"]

    flow = Flow(client, auth)
    if case.status == "verifying":
        flow.act(case.id, "verify", "collector1", passed=True)
    flow.act(case.id, "register", "shiftlead1")
    flow.act(case.id, "dispatch", "dispatcher1")
    flow.act(case.id, "feedback", "dept1", photos=[flow.photo("dept1")], opinion="已清理")
    flow.act(case.id, "check", "collector1", passed=True)
    flow.act(case.id, "close", "shiftlead1")
    r = client.post(f"/api/v1/public/cases/{no}/rating", json={"code": code, "rating": 5, "comment": "很快"})
    assert r.status_code == 200 and r.json()["rating"] == 5

    # 回访 by staff after closure; refused for other roles and before closure
    body = {"method": "call", "reached": True, "satisfied": True, "rating": 5, "note": "群众表示满意"}
    assert client.post(f"/api/v1/participation/cases/{case.id}/follow-ups", json=body,
                       headers=auth("dept1")).status_code == 403
    r = client.post(f"/api/v1/participation/cases/{case.id}/follow-ups", json=body, headers=auth("acceptor1"))
    assert r.status_code == 201, r.text
    got = client.get(f"/api/v1/participation/cases/{case.id}/follow-ups", headers=auth("shiftlead1")).json()
    assert [x["note"] for x in got] == ["群众表示满意"]
    other = report(client)
    oid = db_session.scalar(select(Case.id).where(Case.case_no == other["case_no"]))
    assert client.post(f"/api/v1/participation/cases/{oid}/follow-ups", json=body,
                       headers=auth("acceptor1")).status_code == 409


def test_progress_notifications(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case
    from chengguan.outbox.models import OutboxMessage

    participation.notify_progress(db_session)  # prime the cursor
    db_session.commit()  # (a GET through the test client rolls back what is not committed)
    out = report(client, phone="13900002222")
    case = db_session.scalar(select(Case).where(Case.case_no == out["case_no"]))
    flow = Flow(client, auth)
    if case.status == "verifying":
        flow.act(case.id, "verify", "collector1", passed=True)
    flow.act(case.id, "register", "shiftlead1")
    flow.act(case.id, "dispatch", "dispatcher1")
    assert participation.notify_progress(db_session) == 2
    assert participation.notify_progress(db_session) == 0
    texts = [m.payload["text"] for m in db_session.scalars(select(OutboxMessage).where(
        OutboxMessage.recipient == "13900002222"))]
    assert any("已立案" in t for t in texts) and any("已派遣" in t for t in texts)


def test_moderation_hides_and_masks(client, auth, db_session, count) -> None:  # type: ignore[no-untyped-def]
    c = client.get("/api/v1/city").json()
    bbox = ",".join(str(x) for x in c["bbox"])
    bad = report(client, description="这个摊贩真是傻逼，天天占道")
    items = client.get("/api/v1/public/map", params={"bbox": bbox}).json()["items"]
    assert bad["case_no"] not in {i["case_no"] for i in items}  # flagged: hidden until reviewed
    q = client.get("/api/v1/participation/moderation", headers=auth("acceptor1")).json()
    row = next(i for i in q["items"] if i["case_no"] == bad["case_no"])
    assert row["flags"] == ["傻逼"]
    assert client.get("/api/v1/participation/moderation", headers=auth("dept1")).status_code == 403
    r = client.post(f"/api/v1/participation/moderation/{row['case_id']}", json={"hidden": False},
                    headers=auth("acceptor1"))
    assert r.status_code == 200
    items = client.get("/api/v1/public/map", params={"bbox": bbox}).json()["items"]
    shown = next(i for i in items if i["case_no"] == bad["case_no"])
    assert "傻逼" not in shown["description"] and "**" in shown["description"]
    # strict mode refuses the text and creates nothing
    cfg.set_value(db_session, "participation.moderation_reject", True)
    db_session.commit()  # a GET through the client rolls back what is not committed
    before = count("cases")
    r = report(client, expect=422, description="傻逼摊贩")
    assert count("cases") == before


def test_public_map_is_safe(client, db_session) -> None:  # type: ignore[no-untyped-def]
    c = client.get("/api/v1/city").json()
    bbox = ",".join(str(x) for x in c["bbox"])
    out = report(client, name="王五", phone="13900003333", lon=c["center"]["lon"] + 0.000123,
                 lat=c["center"]["lat"] + 0.000456, description="摊贩占道，有事打我电话 13900003333")
    items = client.get("/api/v1/public/map", params={"bbox": bbox}).json()["items"]
    mine = next(i for i in items if i["case_no"] == out["case_no"])
    assert mine["lon"] == round(mine["lon"], 3) and mine["lat"] == round(mine["lat"], 3)
    assert "13900003333" not in str(items) and "王五" not in str(items)
    assert mine["description"].endswith("139****3333")
    assert set(mine) == {"case_no", "status", "status_label", "category_name", "category_code", "description",
                         "lon", "lat", "reported_at"}
    cfg.set_value(db_session, "participation.sensitive_categories", ["09"])
    db_session.commit()  # a GET through the client rolls back what is not committed
    items = client.get("/api/v1/public/map", params={"bbox": bbox}).json()["items"]
    assert all(not i["category_code"].startswith("09") for i in items)
    assert client.get("/api/v1/public/map", params={"bbox": "1,2"}).status_code == 422


def test_abuse_protection(client, auth, db_session, count) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case

    # image checks: not an image, wrong type → refused before anything is stored
    r = client.post("/api/v1/files", files={"file": ("x.jpg", b"MZ\x90\x00 not a photo", "image/jpeg")})
    assert r.status_code in (415, 422)
    r = client.post("/api/v1/files", files={"file": ("x.jpg", jpeg()[:200], "image/jpeg")})
    assert r.status_code == 422
    # per-phone daily limit
    cfg.set_value(db_session, "participation.reports_per_phone_per_day", 1)
    db_session.commit()  # a GET through the client rolls back what is not committed
    report(client, phone="13900004444")
    r = client.post("/api/v1/public/reports", json={"category_code": "09006", "description": "再来一次",
                                                    "address": "人民路", "phone": "13900004444"})
    assert r.status_code == 429
    # a moderator blocks the spam reporter: the same network is refused, then unblocked
    spam = report(client, phone="13900005555")
    cid = db_session.scalar(select(Case.id).where(Case.case_no == spam["case_no"]))
    r = client.post(f"/api/v1/participation/moderation/{cid}/block-reporter", headers=auth("shiftlead1"))
    assert r.status_code == 200 and {b["kind"] for b in r.json()["blocked"]} == {"ip", "phone"}
    assert "13900005555" not in r.text
    before = count("cases")
    r = client.post("/api/v1/public/reports", json={"category_code": "09006", "description": "垃圾广告"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "reporter_blocked"
    assert count("cases") == before
    for b in client.get("/api/v1/participation/blocks", headers=auth("admin")).json():
        assert client.delete(f"/api/v1/participation/blocks/{b['id']}", headers=auth("admin")).status_code == 204
    report(client)
    r = client.post("/api/v1/participation/blocks", json={"kind": "phone", "value": "13900006666"},
                    headers=auth("admin"))
    assert r.status_code == 201 and r.json()["label"] == "139****6666"
    report(client, expect=403, phone="13900006666")


def test_rewards_first_reporter_caps_and_ledger(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case

    participation.award_rewards(db_session)  # prime the cursor
    db_session.commit()
    cfg.set_value(db_session, "participation.reward_points", 10)
    db_session.commit()  # a GET through the client rolls back what is not committed
    cfg.set_value(db_session, "participation.reward_monthly_cap", 15)
    db_session.commit()
    flow = Flow(client, auth)

    def reg(no: str) -> int:
        case = db_session.scalar(select(Case).where(Case.case_no == no))
        if case.status == "verifying":
            flow.act(case.id, "verify", "collector1", passed=True)
        flow.act(case.id, "register", "shiftlead1")
        return case.id

    a = report(client, auth("citizen1"))
    b = report(client, auth("citizen1"), description="另一处摊贩占道")
    reg(a["case_no"])
    reg(b["case_no"])
    assert participation.award_rewards(db_session) == 2
    assert participation.award_rewards(db_session) == 0  # idempotent
    db_session.commit()  # the worker commits its job
    me = client.get("/api/v1/public/me/points", headers=auth("citizen1")).json()
    assert me["balance"] == 15 and sorted(i["points"] for i in me["items"]) == [5, 10]  # monthly cap

    # first reporter wins: an anonymous citizen reported first, citizen1's duplicate is merged into it
    first = report(client)
    dup = report(client, auth("citizen1"), description="同一个摊贩")
    dup_id = db_session.scalar(select(Case.id).where(Case.case_no == dup["case_no"]))
    first_id = db_session.scalar(select(Case.id).where(Case.case_no == first["case_no"]))
    flow.act(dup_id, "merge", "acceptor1", into=first_id)
    reg(first["case_no"])
    participation.award_rewards(db_session)
    db_session.commit()
    assert client.get("/api/v1/public/me/points", headers=auth("citizen1")).json()["balance"] == 15

    uid = me["items"][0]["user_id"]
    assert client.post("/api/v1/participation/rewards/adjust", json={"user_id": uid, "points": -5, "note": "兑换"},
                       headers=auth("acceptor1")).status_code == 403
    r = client.post("/api/v1/participation/rewards/adjust", json={"user_id": uid, "points": -5, "note": "兑换"},
                    headers=auth("admin"))
    assert r.status_code == 201 and r.json()["reason"] == "redeem"
    led = client.get("/api/v1/participation/rewards/ledger", params={"user_id": uid}, headers=auth("admin")).json()
    assert led["balance"] == 10 and led["total"] == 3


def test_social_supervisors_skip_verification(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.accounts.models import User

    uid = db_session.scalar(select(User.id).where(User.username == "citizen1"))
    col = db_session.scalar(select(User.id).where(User.username == "collector1"))
    assert client.put(f"/api/v1/participation/supervisors/{col}", json={}, headers=auth("admin")).status_code == 422
    assert client.put(f"/api/v1/participation/supervisors/{uid}", json={},
                      headers=auth("acceptor1")).status_code == 403
    r = client.put(f"/api/v1/participation/supervisors/{uid}", json={"note": "市民监督员"}, headers=auth("admin"))
    assert r.status_code == 200
    assert report(client, auth("citizen1"))["status"] == "verifying"  # the city does not allow it yet
    cfg.set_value(db_session, "participation.supervisors_skip_verify", True)
    db_session.commit()  # a GET through the client rolls back what is not committed
    assert report(client, auth("citizen1"))["status"] == "reported"
    assert report(client)["status"] == "verifying"  # others are still verified
    client.put(f"/api/v1/participation/supervisors/{uid}", json={"is_active": False}, headers=auth("admin"))
    assert report(client, auth("citizen1"))["status"] == "verifying"
    sup = client.get("/api/v1/participation/supervisors", headers=auth("admin")).json()
    assert sup[0]["username"] == "citizen1" and sup[0]["is_active"] is False
