"""Unit assessment: templates, inspections with findings, notices (numbered PDF), follow-up, rankings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from casehelpers import Flow
from chengguan.core import clock

TEMPLATE = {"name": "测试考评细则", "groups": [
    {"name": "市容环卫", "items": [{"code": "T1", "text": "道路保洁不到位", "points": 10, "deduct_per": 2},
                               {"code": "T2", "text": "乱张贴", "points": 4, "deduct_per": 1}]},
    {"name": "交通秩序", "items": [{"code": "T3", "text": "乱停车", "points": 6, "deduct_per": 3}]}]}


@pytest.fixture
def setup(client: Any, auth: Any) -> dict[str, Any]:
    h = auth("assessor1")
    r = client.post("/api/v1/assessment/templates", json=TEMPLATE, headers=h)
    assert r.status_code == 201, r.text
    t = r.json()
    items = {i["code"]: i["id"] for g in t["groups"] for i in g["items"]}
    units = {}
    for name, cls in (("甲街道", "A"), ("乙街道", "A"), ("丙单位", "B")):
        r = client.post("/api/v1/assessment/units", json={"name": name, "unit_class": cls, "template_id": t["id"]},
                        headers=h)
        assert r.status_code == 201, r.text
        units[name] = r.json()["id"]
    return {"template": t, "items": items, "units": units, "h": h}


def test_inspection_scores_and_ranking(client: Any, auth: Any, setup: dict[str, Any]) -> None:
    items, units = setup["items"], setup["units"]
    with clock.frozen(datetime(2027, 5, 10, 2, 0, tzinfo=UTC)):
        h = auth("assessor1")
        photo = Flow(client, auth).photo("assessor1")
        r = client.post("/api/v1/assessment/inspections", headers=h, json={
            "unit_id": units["甲街道"], "place": "人民路", "findings": [
                {"item_id": items["T1"], "count": 3, "photos": [photo], "notice": {}},  # 3 × 2 = 6
                {"item_id": items["T2"], "count": 9},  # 9 × 1 capped at 4
                {"item_id": items["T1"], "count": 3}]})  # T1 again: item total 12 capped at 10
        assert r.status_code == 201, r.text
        f = r.json()["findings"]
        assert [x["deduction"] for x in f] == [6, 4, 6]
        notice = f[0]["notice"]
        assert notice["number"].endswith("〔2027〕第1号") and notice["state"] == "open"
        assert datetime.fromisoformat(notice["deadline"]) > datetime(2027, 5, 10, 2, 0, tzinfo=UTC)
        r = client.post("/api/v1/assessment/inspections", headers=h, json={
            "unit_id": units["乙街道"], "findings": [{"item_id": items["T3"], "count": 1}]})
        assert r.status_code == 201
        r = client.post("/api/v1/assessment/inspections", headers=h, json={"unit_id": units["丙单位"], "findings": []})
        assert r.status_code == 201
    h = auth("assessor1")
    r = client.get("/api/v1/assessment/ranking", params={"period": "2027-05"}, headers=h)
    assert r.status_code == 200, r.text
    a = r.json()["classes"]["A"]
    # 甲: 100 − (min(12,10) + 4) = 86; 乙: 100 − 3 = 97
    assert [(x["name"], x["score"], x["rank"]) for x in a] == [("乙街道", 97.0, 1), ("甲街道", 86.0, 2)]
    assert r.json()["classes"]["B"][0]["score"] == 100.0
    year = client.get("/api/v1/assessment/ranking", params={"period": "2027"}, headers=h).json()
    assert year["classes"]["A"][0]["score"] == 97.0
    pub = client.get("/api/v1/public/assessment/ranking", params={"period": "2027-05"})
    assert pub.status_code == 200 and set(pub.json()["classes"]["A"][0]) == {"rank", "name", "score"}
    x = client.get("/api/v1/public/assessment/ranking", params={"period": "2027-05", "format": "xlsx"})
    assert x.status_code == 200 and x.content[:2] == b"PK"

    pdf = client.get(notice["pdf_url"], headers=h)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # follow-up: failing before the deadline keeps it open; after the deadline escalates (+2 deduction)
    nid = notice["id"]
    with clock.frozen(datetime(2027, 5, 10, 6, 0, tzinfo=UTC)):
        r = client.post(f"/api/v1/assessment/notices/{nid}/follow-up", json={"passed": False, "note": "未整改"},
                        headers=auth("assessor1"))
        assert r.status_code == 200 and r.json()["state"] == "open"
    with clock.frozen(datetime.fromisoformat(notice["deadline"]) + timedelta(hours=1)):
        r = client.post(f"/api/v1/assessment/notices/{nid}/follow-up", json={"passed": False, "note": "仍未整改"},
                        headers=auth("assessor1"))
        assert r.status_code == 200 and r.json()["state"] == "escalated"
        r = client.post(f"/api/v1/assessment/notices/{nid}/follow-up", json={"passed": True},
                        headers=auth("assessor1"))
        assert r.status_code == 409
    a = client.get("/api/v1/assessment/ranking", params={"period": "2027-05"},
                   headers=auth("assessor1")).json()["classes"]["A"]
    assert {x["name"]: x["score"] for x in a}["甲街道"] == 84.0


def test_refusals(client: Any, auth: Any, setup: dict[str, Any], count: Any) -> None:
    h, items, units = setup["h"], setup["items"], setup["units"]
    n = count("assess_inspections")
    for user, body, status in (
        ("collector1", {"unit_id": units["甲街道"], "findings": []}, 403),
        ("assessor1", {"unit_id": 999999, "findings": []}, 404),
        ("assessor1", {"unit_id": units["甲街道"], "findings": [{"item_id": 999999}]}, 422),
        ("assessor1", {"unit_id": units["甲街道"], "findings": [{"item_id": items["T1"], "photos": ["1.x"]}]}, 422),
    ):
        r = client.post("/api/v1/assessment/inspections", json=body, headers=auth(user))
        assert r.status_code == status, r.text
    assert count("assess_inspections") == n
    bad = {"name": "x", "groups": [{"name": "g", "items": [{"text": "t", "points": 2, "deduct_per": 5}]}]}
    assert client.post("/api/v1/assessment/templates", json=bad, headers=h).status_code == 422
    assert client.post("/api/v1/assessment/units", json={"name": "u", "unit_class": "D", "template_id": 1},
                       headers=h).status_code == 422
    assert client.get("/api/v1/assessment/ranking", headers=auth("citizen1")).status_code == 403
    assert client.get("/api/v1/assessment/notices/999999/pdf", headers=h).status_code == 404


def test_demo_data_present(client: Any, auth: Any) -> None:
    h = auth("assessor1")
    assert client.get("/api/v1/assessment/units", headers=h).json()
    assert client.get("/api/v1/assessment/notices", headers=h).status_code == 200


def test_finding_and_follow_up_photos_visible_to_viewers_not_others(client: Any, auth: Any,
                                                                     setup: dict[str, Any]) -> None:
    items, units = setup["items"], setup["units"]
    flow = Flow(client, auth)
    photo = flow.photo("assessor1")
    r = client.post("/api/v1/assessment/inspections", headers=auth("assessor1"), json={
        "unit_id": units["甲街道"], "findings": [{"item_id": items["T1"], "photos": [photo], "notice": {}}]})
    assert r.status_code == 201, r.text
    finding = r.json()["findings"][0]
    fid = finding["photo_ids"][0]
    later = flow.photo("admin")  # the follow-up photo is uploaded by another account
    r = client.post(f"/api/v1/assessment/notices/{finding['notice']['id']}/follow-up", headers=auth("admin"),
                    json={"passed": True, "photos": [later]})
    assert r.status_code == 200, r.text
    later_id = r.json()["followups"][0]["photo_ids"][0]
    for user, status in (("leader1", 200), ("assessor1", 200), ("collector1", 403), ("dept1", 403)):
        for file_id in (fid, later_id):
            assert client.get(f"/api/v1/files/{file_id}", headers=auth(user)).status_code == status, (user, file_id)
    assert client.get(f"/api/v1/files/{fid}").status_code in (401, 403)  # anonymous
