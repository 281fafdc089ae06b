"""The console pages and the public decisions page render (the scripts they load exist)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "src" / "chengguan" / "web" / "static"


def _login(client, username: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text


def test_console_and_phone_pages(client):
    _login(client, "officer1")
    r = client.get("/enforcement")
    assert r.status_code == 200 and "网上办案" in r.text and "/static/js/pages/enforcement.js" in r.text
    r = client.get("/enforcement/summary")
    assert r.status_code == 200 and "当场处罚" in r.text and "enforcement-summary.js" in r.text
    for js in ("enforcement.js", "enforcement-summary.js"):
        assert (STATIC / "js" / "pages" / js).is_file()
    _login(client, "citizen1")
    assert client.get("/enforcement", follow_redirects=False).status_code == 403


def test_public_decisions_page_needs_no_login(client):
    r = client.get("/public/decisions")
    assert r.status_code == 200 and "行政处罚决定公示" in r.text
    r = client.get("/api/v1/public/decisions", params={"page_size": 5})
    assert r.status_code == 200 and set(r.json()) == {"items", "total", "page", "page_size"}
    demo = [i for i in r.json()["items"] if i["cause"] == "擅自占用人行道设摊经营"]  # the demo's published decision
    assert demo and demo[0]["party_name"] == "陈**" and demo[0]["id_number"].startswith("3206")
    assert "0315" not in demo[0]["id_number"]


def test_officers_picker(client, auth):
    r = client.get("/api/v1/enforcement/officers", headers=auth("officer1"))
    assert r.status_code == 200 and any(o["certified"] is not None for o in r.json())
    assert client.get("/api/v1/enforcement/officers", headers=auth("citizen1")).status_code == 403
