"""The web shell in a real browser: login and landing, redirects, logout, the API client's CSRF header
and error messages, Chinese formatting, the JS coordinate port against the Python one, the map helper."""

from __future__ import annotations

import random

from chengguan.geo import coords
from conftest import allow_console, login_ui


def test_login_form_lands_on_the_console_and_logout_ends_the_session(open_page):
    page = open_page()
    login_ui(page, "dispatcher1")
    assert page.locator(".cg-user .who").inner_text().startswith(page.evaluate(
        "JSON.parse(document.getElementById('cg-config').textContent).user.display_name"))
    assert "派遣员" in page.locator(".cg-user").inner_text()
    # let the console finish loading (photo thumbnails): a request still in flight at logout is refused (403)
    page.wait_for_load_state("networkidle")
    page.click("[data-logout]")
    page.wait_for_url("**/login")
    page.goto("/home")
    page.wait_for_url("**/login?next=/home")


def test_wrong_password_shows_the_servers_message(open_page):
    page = open_page(path="/login")
    allow_console(page, "status of 401")
    page.fill("#username", "dispatcher1")
    page.fill("#password", "wrong")
    page.click("#login-form button[type=submit]")
    page.locator("#login-error").wait_for()
    assert page.locator("#login-error").inner_text() == "用户名或密码错误"
    assert "/login" in page.url


def test_a_protected_page_sends_you_to_login_and_back(open_page):
    page = open_page(path="/home?x=1")
    page.wait_for_url("**/login?next=/home%3Fx%3D1")
    page.click("[data-demo=leader1]")  # the demo-account shortcut signs in with password demo
    page.wait_for_url("**/home?x=1")
    assert page.locator("h1").inner_text().startswith("您好")


def test_api_client_sends_csrf_and_shows_contract_errors(open_page, live):
    page = open_page("collector1", path="/home")
    allow_console(page, "status of (403|422)")
    # Without the header the cookie session is refused …
    status = page.evaluate("""async () => (await fetch('/api/v1/reports', {method: 'POST',
        headers: {'Content-Type': 'application/json'}, body: '{}'})).status""")
    assert status == 403
    # … the client adds it; the server's Chinese message reaches the user as a toast.
    msg = page.evaluate("""async () => {
        const {post} = await import('/static/js/cg/api.js');
        try { await post('/api/v1/reports', {category_code: '99999', description: '测试', lon: 121.18, lat: 31.89}); }
        catch (e) { return [e.status, e.code, e.message]; }
    }""")
    assert msg[0] == 422 and msg[1] == "unknown_category"
    toast = page.locator(".toast.error").first
    toast.wait_for()
    assert toast.inner_text() == msg[2] and "99999" in msg[2]


def test_chinese_formatting(open_page):
    page = open_page("leader1", path="/home")
    out = page.evaluate("""async () => {
        const f = await import('/static/js/cg/fmt.js');
        return [f.dateTime('2026-11-21T06:05:00Z'), f.dateTime('2026-11-21T16:05:00Z', 'short'),
                f.number(1234567), f.compact(123456), f.compact(234567890), f.percent(0.8534), f.percent(null),
                f.duration(26 * 3600e3 + 60e3), f.countdown('2026-01-01T00:00:00Z', Date.parse('2026-01-01T03:20:00Z')).text];
    }""")
    assert out == ["2026年11月21日 14:05", "11-22 00:05", "1,234,567", "12.3万", "2.35亿", "85.3%", "—",
                   "1 天 2 小时", "超期 3 小时 20 分"]


def test_js_coordinate_port_matches_python(open_page):
    page = open_page("leader1", path="/home")
    rnd = random.Random(7)
    pts = [(rnd.uniform(73, 135), rnd.uniform(18, 53)) for _ in range(200)] + [(121.18, 31.89), (2.35, 48.85)]
    js = page.evaluate("""async (pts) => {
        const c = await import('/static/js/cg/coords.js');
        return pts.map(([x, y]) => [c.wgs84ToGcj02(x, y), c.gcj02ToWgs84(x, y), c.wgs84ToBd09(x, y), c.bd09ToWgs84(x, y)]);
    }""", pts)
    for (x, y), (g, w, b, bw) in zip(pts, js, strict=True):
        for got, fn in ((g, coords.wgs84_to_gcj02), (w, coords.gcj02_to_wgs84), (b, coords.wgs84_to_bd09),
                        (bw, coords.bd09_to_wgs84)):
            ex, ey = fn(x, y)
            assert abs(got[0] - float(ex)) < 1e-9 and abs(got[1] - float(ey)) < 1e-9, (fn.__name__, x, y, got)


def test_map_helper_draws_the_city_layers_and_grids_in_view(open_page, live):
    page = open_page("leader1", path="/home")
    page.locator("#home-map .leaflet-overlay-pane path, #home-map .leaflet-cityLines-pane path").first.wait_for()
    # Every street (街道/镇) outline is drawn with its name.
    streets = live.api("leader1").get("/api/v1/divisions", level="street")["features"]
    labels = page.locator("#home-map .leaflet-tooltip.street-label")
    # a function, not an expression: an expression that must be polled is eval'd in the page, which the CSP forbids
    page.wait_for_function(f"() => document.querySelectorAll('#home-map .street-label').length === {len(streets)}")
    assert sorted(labels.all_inner_texts()) == sorted(f["properties"]["name"] for f in streets)
    city = live.api("leader1").get("/api/v1/city")
    # Zoomed in on the centre, the unit grids of the viewport are fetched and drawn.
    with page.expect_response(lambda r: "/api/v1/grids?bbox=" in r.url and r.ok):
        page.evaluate("([lon, lat]) => window.cgHomeMap.flyTo(lon, lat, 16)",
                      [city["center"]["lon"], city["center"]["lat"]])
    page.wait_for_function("() => document.querySelectorAll('#home-map .leaflet-cityFill-pane path').length > 10")


def test_phone_menu_opens(open_page):
    page = open_page("acceptor1", mobile=True, path="/home")
    assert not page.locator("#cg-nav").is_visible()
    page.click("[data-nav-toggle]")
    assert page.locator("#cg-nav").is_visible()

