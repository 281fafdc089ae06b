"""The operations consoles' page routes without a browser: who may open which console, where each role
lands, the 城管通 service worker and manifest (browser paths are in tests/browser/test_ops_consoles.py)."""

from __future__ import annotations

import pytest


def _login(client, username: str) -> None:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("user", "path", "title"), [
    ("collector1", "/m/", "城管通"), ("acceptor1", "/accept", "受理"), ("shiftlead1", "/accept", "受理"),
    ("dispatcher1", "/dispatch", "派遣"), ("dept1", "/dept", "处置"),
])
def test_each_role_opens_its_console(client, user, path, title):
    _login(client, user)
    r = client.get(path)
    assert r.status_code == 200, r.text
    assert f"<title>{title} ·" in r.text
    assert f'/static/js/pages/ops-{ {"/m/": "mobile"}.get(path, path.strip("/"))}.js' in r.text
    assert "ops.css" in r.text


@pytest.mark.parametrize(("user", "path"), [
    ("dept1", "/accept"), ("collector1", "/dispatch"), ("dispatcher1", "/dept"), ("acceptor1", "/m/"),
    ("citizen1", "/accept"),
])
def test_other_roles_get_the_403_page(client, user, path):
    _login(client, user)
    r = client.get(path)
    assert r.status_code == 403
    assert "无权访问" in r.text


@pytest.mark.parametrize("path", ["/m/", "/accept", "/dispatch", "/dept"])
def test_anonymous_visitors_go_to_login_and_back(client, path):
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize(("user", "landing"), [
    ("collector1", "/m/"), ("acceptor1", "/accept"), ("shiftlead1", "/accept"), ("dispatcher1", "/dispatch"),
    ("dept1", "/dept"),
])
def test_roles_land_on_their_console(client, user, landing):
    _login(client, user)
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == landing


def test_m_without_slash_redirects(client):
    r = client.get("/m", follow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == "/m/"


def test_service_worker_is_served_under_its_scope(client):
    r = client.get("/m/sw.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/javascript")
    assert r.headers["service-worker-allowed"] == "/m/"
    assert "addEventListener('fetch'" in r.text and "/api/" in r.text


def test_manifest(client):
    r = client.get("/m/manifest.webmanifest")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "城管通" and body["start_url"] == "/m/" and body["scope"] == "/m/"


def test_menu_shows_only_the_users_consoles(client):
    _login(client, "dispatcher1")
    html = client.get("/home").text
    assert 'data-nav="ops-dispatch"' in html
    assert 'data-nav="ops-accept"' not in html and 'data-nav="ops-dept"' not in html


def test_likely_duplicates_carry_their_position_for_the_map(client, auth):
    """受理 draws the likely duplicates beside the case on its map: each carries lon/lat."""
    from casehelpers import Flow

    f = Flow(client, auth)
    # a point of their own: the demo's open cases at the usual test point would fill the top five
    at = {"lon": f.lon + 0.00007, "lat": f.lat + 0.00005}
    a = f.report(description="占道经营 甲", **at)
    b = f.report(description="占道经营 乙", **at)
    r = client.get(f"/api/v1/cases/{b['id']}/duplicates", headers=auth("shiftlead1"))
    assert r.status_code == 200
    hit = next(d for d in r.json()["items"] if d["id"] == a["id"])
    assert (hit["lon"], hit["lat"]) == (a["lon"], a["lat"]) and hit["distance_m"] == 0


def test_case_lists_carry_the_first_report_photo(client, auth):
    """The work lists show the report photo: one extra query per page, a thumbnail URL per case."""
    from casehelpers import Flow

    f = Flow(client, auth)
    with_photo = f.report(description="带照片", photos=[f.photo()])
    without = f.report(description="无照片")
    r = client.get("/api/v1/cases", params={"status": "reported", "sort": "new", "page_size": 50},
                   headers=auth("shiftlead1"))
    assert r.status_code == 200
    items = {c["id"]: c for c in r.json()["items"]}
    url = items[with_photo["id"]]["photo_thumb_url"]
    assert url and url.endswith("/thumb") and items[without["id"]]["photo_thumb_url"] is None
    img = client.get(url, headers=auth("shiftlead1"))
    assert img.status_code == 200 and img.headers["content-type"] == "image/jpeg"


def test_a_photo_shared_by_many_cases_is_visible_to_a_department_that_sees_one_of_them(client, auth):
    """The list thumbnails made this visible: file access looked at 20 arbitrary cases of a shared file."""
    from casehelpers import Flow

    f = Flow(client, auth)
    token = f.photo()
    cases = [f.report(description=f"同一张照片 {i}", photos=[token]) for i in range(22)]
    last = cases[-1]
    f.act(last["id"], "register", "shiftlead1")
    f.act(last["id"], "dispatch", "dispatcher1")
    thumb = f"/api/v1/files/{token.split('.')[0]}/thumb"
    assert client.get(thumb, headers=auth("dept1")).status_code == 200
    # … and still not to a department that sees none of them.
    assert client.get(thumb, headers=auth("citizen1")).status_code == 403
