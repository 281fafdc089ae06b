"""Standardization: import (CSV/JSON/XLSX) with validation, self-assessment with evidence, review, progress."""

from __future__ import annotations

import io
from typing import Any

from casehelpers import Flow

CSV = ("方面,子项,编号,小项,分值,佐证材料,需佐证\n"
       "执法部门,职责权限,X1,权责清单公开,40,截图,是\n"
       "执法保障,装备,X2,执法记录仪配备,40,台账,是\n"
       "执法评价,满意度,X3,满意度测评,20,,否\n").encode()


def _import(client: Any, h: dict[str, str], data: bytes = CSV, name: str = "t.csv") -> Any:
    return client.post("/api/v1/standardization/templates", headers=h, data={"name": "测试标准", "pass_score": "80"},
                       files={"file": (name, data, "text/csv")})


def test_sample_template_shipped(client: Any, auth: Any) -> None:
    ts = client.get("/api/v1/standardization/templates", headers=auth("assessor1")).json()
    sample = [t for t in ts if t["is_sample"]]
    assert sample and [a["name"] for a in sample[0]["aspects"]] == [
        "执法部门", "执法机构", "执法行为", "执法服务", "执法保障", "执法评价"]
    assert sample[0]["full_score"] == 100
    progress = client.get("/api/v1/standardization/progress", headers=auth("leader1")).json()
    assert progress and progress[0]["target"] == 0.5 and progress[0]["teams"] > 0


def test_self_assessment_review_and_progress(client: Any, auth: Any) -> None:
    a_h = auth("assessor1")
    r = _import(client, a_h)
    assert r.status_code == 201, r.text
    items = {i["code"]: i["id"] for a in r.json()["aspects"] for s in a["sub_items"] for i in s["items"]}
    teams = client.get("/api/v1/standardization/progress", headers=a_h).json()[0]["team_list"]
    team = teams[0]["department_id"]
    r = client.post("/api/v1/standardization/assessments", json={"department_id": team, "year": 2031}, headers=a_h)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert r.json()["state"] == "draft" and len(r.json()["items"]) == 3
    # an officer of another team may not fill it in
    other = client.put(f"/api/v1/standardization/assessments/{aid}/items/{items['X1']}",
                       json={"self_points": 10}, headers=auth("citizen1"))
    assert other.status_code == 403
    put = lambda code, pts, ev=None: client.put(  # noqa: E731
        f"/api/v1/standardization/assessments/{aid}/items/{items[code]}",
        json={"self_points": pts, "evidence": ev}, headers=auth("admin"))
    assert put("X1", 41).status_code == 422  # above the item's points
    assert put("X1", 40).status_code == 200
    assert put("X2", 30).status_code == 200
    r = client.post(f"/api/v1/standardization/assessments/{aid}/submit", headers=auth("admin"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "incomplete"
    assert put("X3", 20).status_code == 200
    r = client.post(f"/api/v1/standardization/assessments/{aid}/submit", headers=auth("admin"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "evidence_missing"
    photo = Flow(client, auth).photo("admin")
    photo2 = Flow(client, auth).photo("admin")
    assert put("X1", 40, [photo]).status_code == 200
    assert put("X2", 30, [photo2]).status_code == 200
    r = client.post(f"/api/v1/standardization/assessments/{aid}/submit", headers=auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json()["self_score"] == 90 and r.json()["state"] == "submitted"
    assert put("X1", 10).status_code == 409
    # review: X2 down to 10 → 70 < 80 % of 100 → not compliant
    assert client.post(f"/api/v1/standardization/assessments/{aid}/review", json={"points": {items["X2"]: 10}},
                       headers=auth("collector1")).status_code == 403
    r = client.post(f"/api/v1/standardization/assessments/{aid}/review", json={"points": {items["X2"]: 10}},
                    headers=a_h)
    assert r.status_code == 200, r.text
    assert r.json()["review_score"] == 70 and r.json()["compliant"] is False
    assert client.post(f"/api/v1/standardization/assessments/{aid}/review", json={}, headers=a_h).status_code == 409


def test_import_refusals(client: Any, auth: Any, count: Any) -> None:
    h = auth("assessor1")
    n = count("std_items")
    for data, name in ((b"a,b\n1,2\n", "x.csv"), ("方面,子项,小项,分值\n火星,a,b,1\n".encode(), "x.csv"),
                       ("方面,子项,小项,分值\n执法部门,a,b,abc\n".encode(), "x.csv"), (b"{}", "x.json"),
                       (b"junk", "x.xlsx"), (b"x", "x.txt"), ("方面,子项,小项,分值\n".encode(), "x.csv")):
        r = _import(client, h, data, name)
        assert r.status_code == 422, (name, r.text)
    assert count("std_items") == n
    assert _import(client, auth("collector1")).status_code == 403


def test_import_xlsx_and_json(client: Any, auth: Any) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["方面", "子项", "编号", "小项", "分值", "佐证材料", "需佐证"])
    ws.append(["执法行为", "程序", "Y1", "文书规范", 10, "案卷", "是"])
    buf = io.BytesIO()
    wb.save(buf)
    h = auth("assessor1")
    assert _import(client, h, buf.getvalue(), "s.xlsx").json()["full_score"] == 10
    js = '[{"aspect": "执法服务", "sub_item": "便民", "code": "Z1", "text": "便民服务", "points": 5}]'.encode()
    assert _import(client, h, js, "s.json").json()["full_score"] == 5
