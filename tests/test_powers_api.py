"""权责清单 API: public list (no login, pagination, filters, 4xx), officials' discretion calculator,
administration (create, edit, basis versions, standard versions), import/export, public page."""

from __future__ import annotations

import json

import pytest

STALL = "DEMO-CF-0001"


def test_public_list_needs_no_login_and_paginates(client):
    r = client.get("/api/v1/public/powers")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] >= 7 and body["page"] == 1 and body["page_size"] == 20
    codes = [p["code"] for p in body["items"]]
    assert STALL in codes and codes == sorted(codes)
    stall = next(p for p in body["items"] if p["code"] == STALL)
    assert stall["is_demo"] and stall["power_type"] == "处罚" and stall["legal_basis"]
    assert {b["law"] for b in stall["legal_basis"]} >= {"城市市容和环境卫生管理条例"}
    assert stall["responsibilities"][0]["step"] == "立案责任"
    p1 = client.get("/api/v1/public/powers", params={"page_size": 3}).json()
    p2 = client.get("/api/v1/public/powers", params={"page_size": 3, "page": 2}).json()
    assert len(p1["items"]) == 3 and p1["total"] == body["total"]
    assert not {p["code"] for p in p1["items"]} & {p["code"] for p in p2["items"]}
    far = client.get("/api/v1/public/powers", params={"page": 999}).json()
    assert far["items"] == [] and far["total"] == body["total"]


def test_public_list_filters(client):
    r = client.get("/api/v1/public/powers", params={"type": "强制"}).json()
    assert r["total"] >= 1 and all(p["power_type"] == "强制" for p in r["items"])
    r = client.get("/api/v1/public/powers", params={"q": "户外广告"}).json()
    assert [p["code"] for p in r["items"]] == ["DEMO-CF-0005"]
    r = client.get("/api/v1/public/powers", params={"q": "DEMO-JC"}).json()
    assert r["total"] == 1 and r["items"][0]["power_type"] == "检查"


@pytest.mark.parametrize("params, status", [
    ({"type": "罚款"}, 422), ({"page": 0}, 422), ({"page_size": 0}, 422), ({"page_size": 101}, 422),
    ({"page": "x"}, 422), ({"q": "x" * 51}, 422),
])
def test_public_list_refuses_bad_params(client, params, status):
    r = client.get("/api/v1/public/powers", params=params)
    assert r.status_code == status
    assert "error" in r.json() and r.json()["error"]["code"]


def test_public_detail_has_the_published_standard(client):
    r = client.get(f"/api/v1/public/powers/{STALL}")
    assert r.status_code == 200
    stds = r.json()["standards"]
    assert len(stds) == 1 and [t["name"] for t in stds[0]["tiers"]] == ["轻微", "一般", "严重"]
    assert stds[0]["tiers"][0]["fine_min"] == "50.00"
    assert client.get("/api/v1/public/powers/NOPE").status_code == 404


def test_public_pages_render_without_login(client):
    r = client.get("/public/powers", params={"type": "处罚"})
    assert r.status_code == 200 and "权责清单" in r.text and "占道" in r.text and "演示" in r.text
    r = client.get(f"/public/powers/{STALL}")
    assert r.status_code == 200 and "裁量基准" in r.text and "立案责任" in r.text
    assert client.get("/public/powers", params={"type": "x"}).status_code == 422
    assert client.get("/public/powers/NOPE").status_code == 404


def test_discretion_calculator_roles_and_result(client, auth):
    body = {"aggravating": ["refuse_correction"], "at": "2026-11-20"}
    r = client.post(f"/api/v1/powers/{STALL}/discretion", json=body, headers=auth("officer1"))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["tier"] == "严重" and out["fine_min"] == "350.00" and out["fine_max"] == "500.00"
    assert out["standard_ref"] == f"{out['standard_id']}@1" and out["reasons"]
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json=body).status_code == 401
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json=body, headers=auth("assistant1")).status_code == 403
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json={"harm": "x"}, headers=auth("officer1")).status_code == 422
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json={"aggravating": ["nope"]},
                       headers=auth("officer1")).status_code == 422
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json={"party_id": 99999999},
                       headers=auth("officer1")).status_code == 404
    assert client.post("/api/v1/powers/NOPE/discretion", json={}, headers=auth("officer1")).status_code == 404
    assert client.post(f"/api/v1/powers/{STALL}/discretion", json={"party_id": 10**20},
                       headers=auth("officer1")).status_code == 422
    c = client.get("/api/v1/powers/circumstances", headers=auth("reviewer1")).json()
    assert "repeat" in c["aggravating"] and c["mitigating"]["coerced"]["article"].startswith("行政处罚法第三十二条")


NEW = {"code": "T-CF-9001", "name": "对测试违法行为的处罚", "power_type": "处罚", "body": "测试执法局",
       "responsibilities": [{"step": "立案责任", "items": "及时立案"}],
       "legal_basis": [{"kind": "处罚依据", "law": "测试条例", "article": "第一条", "effective_from": "2020-01-01"}]}


def test_admin_creates_edits_and_versions(client, auth):
    h = auth("admin")
    assert client.post("/api/v1/admin/powers", json=NEW, headers=auth("officer1")).status_code == 403
    r = client.post("/api/v1/admin/powers", json=NEW, headers=h)
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/admin/powers", json=NEW, headers=h).status_code == 409
    assert client.post("/api/v1/admin/powers", json={**NEW, "code": "T2", "power_type": "罚"}, headers=h).status_code == 422
    r = client.patch("/api/v1/admin/powers/T-CF-9001", json={"level": "street", "contact": "12345"}, headers=h)
    assert r.status_code == 200 and r.json()["level"] == "street"
    assert client.patch("/api/v1/admin/powers/T-CF-9001", json={"name": None}, headers=h).status_code == 422
    assert client.patch("/api/v1/admin/powers/T-CF-9001", json={"code": "X"}, headers=h).status_code == 422
    assert client.patch("/api/v1/admin/powers/NOPE", json={"level": "city"}, headers=h).status_code == 404
    # A new version of the same provision closes the old one the day before.
    r = client.post("/api/v1/admin/powers/T-CF-9001/bases", headers=h, json={
        "kind": "处罚依据", "law": "测试条例", "article": "第一条", "effective_from": "2026-07-01", "text": "新文本"})
    assert r.status_code == 201, r.text
    versions = r.json()["legal_basis"]
    assert [(b["version"], b["effective_to"]) for b in versions] == [(1, "2026-06-30"), (2, None)]
    r = client.post("/api/v1/admin/powers/T-CF-9001/bases", headers=h, json={
        "kind": "处罚依据", "law": "测试条例", "article": "第一条", "effective_from": "2025-01-01"})
    assert r.status_code == 409
    std = {"title": "测试基准", "effective_from": "2026-01-01", "statutory_min": "100", "statutory_max": "1000",
           "tiers": [{"name": "一般", "fine_min": "100", "fine_max": "1000", "is_default": True}]}
    r = client.post("/api/v1/admin/powers/T-CF-9001/standards", json=std, headers=h)
    assert r.status_code == 201 and r.json()["version"] == 1
    bad = {**std, "effective_from": "2026-02-01", "tiers": [{"name": "一般", "fine_min": "10", "fine_max": "50"}]}
    r = client.post("/api/v1/admin/powers/T-CF-9001/standards", json=bad, headers=h)
    assert r.status_code == 422 and r.json()["error"]["code"] == "outside_statutory_range"
    detail = client.get("/api/v1/powers/T-CF-9001", params={"all_versions": True}, headers=auth("officer1")).json()
    assert len(detail["legal_basis"]) == 2 and len(detail["standards"]) == 1


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_export_import_round_trip(client, auth, fmt):
    h = auth("admin")
    r = client.get("/api/v1/admin/powers/export", params={"format": fmt}, headers=h)
    assert r.status_code == 200
    data = r.content
    if fmt == "json":
        doc = json.loads(data)
        assert any(p["code"] == STALL and p["standards"] for p in doc["powers"])
        doc["powers"] = [{**p, "code": "RT-" + p["code"]} for p in doc["powers"]]
        data = json.dumps(doc, ensure_ascii=False).encode()
    elif fmt == "csv":
        text = data.decode("utf-8-sig")
        assert text.startswith("事项编码,事项名称")
        data = text.replace("DEMO-", "RT-DEMO-").encode("utf-8")
    else:
        from io import BytesIO

        from openpyxl import load_workbook

        wb = load_workbook(BytesIO(data))
        for row in wb.active.iter_rows(min_row=2):
            row[0].value = "RT-" + row[0].value
        out = BytesIO()
        wb.save(out)
        data = out.getvalue()
    r = client.post("/api/v1/admin/powers/import", params={"format": fmt}, headers=h,
                    files={"file": (f"p.{fmt}", data)})
    assert r.status_code == 200, r.text
    assert "RT-" + STALL in r.json()["created"]
    again = client.post("/api/v1/admin/powers/import", headers=h, files={"file": (f"p.{fmt}", data)}).json()
    assert "RT-" + STALL in again["skipped"] and not again["created"]
    pub = client.get(f"/api/v1/public/powers/RT-{STALL}").json()
    assert pub["name"] == "对擅自占用城市道路、公共场地设摊经营的处罚"
    assert len(pub["legal_basis"]) == 2 and pub["responsibilities"][0]["step"] == "立案责任"
    if fmt == "json":
        assert pub["standards"][0]["tiers"][2]["fine_max"] == "500.00"


def test_import_is_all_or_nothing(client, auth, count):
    h = auth("admin")
    before = count("powers")
    csv_text = ("事项编码,事项名称,职权类型,实施主体,法律法规名称,条款,施行日期\n"
                "OK-1,好的事项,处罚,某局,某条例,第一条,2020-01-01\n"
                "BAD-2,坏的事项,罚款,某局,某条例,第二条,2020-01-01\n"
                "BAD-3,坏的日期,处罚,某局,某条例,第三条,不是日期\n")
    r = client.post("/api/v1/admin/powers/import", headers=h, files={"file": ("p.csv", csv_text.encode())})
    assert r.status_code == 422 and r.json()["error"]["code"] == "import_failed"
    assert [d["code"] for d in r.json()["error"]["details"]] == ["BAD-2", "BAD-3"]
    assert count("powers") == before
    assert client.post("/api/v1/admin/powers/import", headers=h,
                       files={"file": ("p.txt", b"x")}).status_code == 422
    assert client.post("/api/v1/admin/powers/import", headers=h,
                       files={"file": ("p.csv", "名称\n".encode())}).status_code == 422
    assert client.post("/api/v1/admin/powers/import", headers=h,
                       files={"file": ("p.xlsx", b"not a zip")}).status_code == 422
    assert client.post("/api/v1/admin/powers/import", headers=h,
                       files={"file": ("p.json", b"{nope")}).status_code == 422
    assert client.post("/api/v1/admin/powers/import", headers=h,
                       files={"file": ("p.csv", "事项编码,事项名称\n\0,x\n".encode())}).status_code == 422
    weird = {"powers": [{"code": "W1", "name": 5, "power_type": "处罚", "body": "局"},
                        {"code": "W2", "name": "x", "power_type": "处罚", "body": "局", "legal_basis": ["not an object"]},
                        {"code": "W3", "name": "x", "power_type": "处罚", "body": "局", "standards": [7]}, "nope"]}
    r = client.post("/api/v1/admin/powers/import", headers=h, files={"file": ("p.json", json.dumps(weird).encode())})
    assert r.status_code == 422 and len(r.json()["error"]["details"]) == 4
    assert count("powers") == before
