"""The web shell without a browser: redirects, role checks, the login page, headers, assets, templates,
the navigation registry, the roads layer, and that a request commits before its response is sent."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from jinja2 import TemplateNotFound
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Grant, Principal
from chengguan.accounts.roles import Role
from chengguan.core.config import get_settings, reset_settings_cache
from chengguan.core.deps import DbSession, get_db, unit_of_work
from chengguan.core.errors import install_handlers
from chengguan.web import nav, shell


def _cookie_login(client: TestClient, username: str) -> str:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return str(r.json()["csrf_token"])


def test_root_goes_to_login_or_to_the_users_console(client):
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    _cookie_login(client, "leader1")
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == nav.landing_for(_principal("leader1", Role.LEADER))


def test_protected_page_redirects_to_login_with_next(client):
    r = client.get("/home?tab=2", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/home%3Ftab%3D2"


def test_login_page_lists_demo_accounts_and_refuses_open_redirects(client):
    r = client.get("/login?next=//evil.example/x")
    assert r.status_code == 200
    assert 'data-demo="dispatcher1"' in r.text
    assert '"next": null' in r.text  # the foreign target was dropped
    r = client.get("/login?next=/home")
    assert '"next": "/home"' in r.text
    # Signed in: the login page sends you on (unless you asked to switch accounts).
    _cookie_login(client, "acceptor1")
    assert client.get("/login?next=/home", follow_redirects=False).headers["location"] == "/home"
    assert client.get("/login?switch=1").status_code == 200


def test_page_carries_csrf_token_user_and_city_config(client):
    csrf = _cookie_login(client, "collector1")
    r = client.get("/home")
    assert r.status_code == 200
    assert f'<meta name="csrf-token" content="{csrf}">' in r.text
    assert '"username": "collector1"' in r.text and '"tile_crs":' in r.text and '"district_code":' in r.text
    assert "监督员" in r.text
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp
    assert r.headers["cache-control"] == "no-store"
    # API responses carry no page policy.
    assert "content-security-policy" not in client.get("/api/v1/city").headers


def test_role_protected_page_shows_a_403_page(db_session: Session):
    app = FastAPI()
    install_handlers(app)
    shell.install(app)

    @app.get("/only-admins")
    def only_admins(request: Request, user: Annotated[Principal, shell.page_user(Role.ADMIN)]):  # type: ignore[no-untyped-def]
        return shell.render(request, "error.html", user=user, title="x", code=200, message="ok")

    from chengguan.accounts import api as accounts_api

    app.include_router(accounts_api.router)

    def override(request: Request) -> Iterator[Session]:
        yield from unit_of_work(db_session, request, close=False)

    app.dependency_overrides[get_db] = override
    c = TestClient(app)
    _cookie_login(c, "dispatcher1")
    r = c.get("/only-admins")
    assert r.status_code == 403 and "系统管理员" in r.text and "<html" in r.text
    _cookie_login(c, "admin")
    assert c.get("/only-admins").status_code == 200


def test_request_commits_before_the_response_is_sent(db_session: Session):
    """A commit-time failure must reach the client as a 409, not a 200 whose data was then lost."""
    from chengguan.system.models import Sequence

    app = FastAPI()
    install_handlers(app)

    @app.post("/dup")
    def dup(session: DbSession) -> dict[str, str]:
        # Two rows with the same primary key: only the commit (after the endpoint returned) fails.
        session.add(Sequence(name="web-shell-dup", value=1))
        session.add(Sequence(name="web-shell-dup", value=2))
        return {"status": "ok"}

    def override(request: Request) -> Iterator[Session]:
        yield from unit_of_work(db_session, request, close=False)

    app.dependency_overrides[get_db] = override
    r = TestClient(app, raise_server_exceptions=False).post("/dup")
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "integrity_error"


def test_static_assets_are_versioned_and_served(client):
    url = shell.asset("css/cg.css")
    assert url.startswith("/static/css/cg.css?v=") and len(url.split("=")[1]) == 10
    r = client.get(url)
    assert r.status_code == 200 and "max-age" in r.headers["cache-control"]
    r = client.get("/static/js/cg/api.js")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-cache"
    assert "X-CSRF-Token" in r.text
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert client.get("/static/fonts/wqy-gb2312.ttf").status_code == 200


def test_domain_templates_resolve_next_to_their_code():
    loader = shell.DomainLoader()
    with pytest.raises(TemplateNotFound):
        loader.get_source(shell.env, "../etc/passwd")
    with pytest.raises(TemplateNotFound):
        loader.get_source(shell.env, "cases/does-not-exist.html")
    assert shell.env.get_template("base.html") is not None


def _principal(username: str, *roles: str) -> Principal:
    return Principal(1, username, username, None, tuple(Grant(r, None, None) for r in roles))


def test_navigation_registry_filters_by_role_and_picks_the_landing():
    nav.add("t-admin", "测试管理", "/t-admin", roles=[Role.ADMIN], order=999)
    nav.add("t-admin-sub", "测试子页", "/t-admin/sub", roles=[Role.ADMIN], order=999)
    nav.landing("t-role-a", "/t-a", priority=50)
    nav.landing("t-role-b", "/t-b", priority=10)
    try:
        admin = _principal("a", Role.ADMIN)
        other = _principal("b", Role.COLLECTOR)
        assert "t-admin" in [i.key for i in nav.items_for(admin)]
        assert "t-admin" not in [i.key for i in nav.items_for(other)]
        assert nav.active_key("/t-admin/sub/3", admin) == "t-admin-sub"
        assert nav.active_key("/t-admin", admin) == "t-admin"
        assert nav.landing_for(_principal("c", "t-role-a", "t-role-b")) == "/t-b"
        assert nav.landing_for(_principal("d", "no-such-role")) == nav.HOME
    finally:
        for k in ("t-admin", "t-admin-sub"):
            nav._ITEMS.pop(k, None)
        nav._LANDING.pop("t-role-a", None)
        nav._LANDING.pop("t-role-b", None)


def test_csp_allows_the_configured_tile_server(monkeypatch):
    monkeypatch.setenv("CHENGGUAN_TILE_URL", "https://{s}.tiles.example.cn/{z}/{x}/{y}.png")
    reset_settings_cache()
    try:
        assert get_settings().tile_url
        assert "img-src 'self' data: blob: https://*.tiles.example.cn;" in shell._csp()
    finally:
        monkeypatch.delenv("CHENGGUAN_TILE_URL")
        reset_settings_cache()
    assert "img-src 'self' data: blob:;" in shell._csp()


def test_chinese_formatting_on_the_server():
    from datetime import UTC, datetime

    assert shell.fmt_datetime(datetime(2026, 11, 21, 6, 5, tzinfo=UTC)) == "2026年11月21日 14:05"
    assert shell.fmt_datetime(datetime(2026, 11, 21, 16, 5, tzinfo=UTC), "short") == "11-22 00:05"
    assert shell.fmt_datetime(None) == "—"
    assert shell.fmt_number(1234567) == "1,234,567"
    assert shell.fmt_compact(123456) == "12.3万" and shell.fmt_compact(234567890) == "2.35亿"


def test_roads_layer_filters_by_viewport(client):
    everything = client.get("/api/v1/roads").json()["features"]
    assert everything and all(f["geometry"]["type"] in ("LineString", "MultiLineString") for f in everything)
    assert {"name", "class", "id"} <= set(everything[0]["properties"])
    far = client.get("/api/v1/roads", params={"bbox": "100,10,100.1,10.1"}).json()["features"]
    assert far == []
    assert client.get("/api/v1/roads", params={"bbox": "1,2,3"}).status_code == 422


def test_the_403_page_does_not_reopen_the_requests_closed_session(engine):
    """Regression: rendering the 403 page through the request's session (already closed by the unit of
    work) began a new transaction that nothing ended — on SQLite a write lock held until garbage
    collection, so every other write in the process failed as "database is locked"."""
    from chengguan.core import db
    from chengguan.core.deps import optional_principal

    app = FastAPI()
    install_handlers(app)
    shell.install(app)
    sessions: list[Session] = []

    @app.get("/only-admins")
    def only_admins(request: Request, session: DbSession,  # type: ignore[no-untyped-def]
                    user: Annotated[Principal, shell.page_user(Role.ADMIN)]):
        return shell.render(request, "error.html", user=user, title="x", code=200, message="ok")

    def real_session(request: Request) -> Iterator[Session]:
        s = db.session_factory()()
        sessions.append(s)  # kept alive on purpose: garbage collection must not be what saves us
        yield from unit_of_work(s, request)

    app.dependency_overrides[get_db] = real_session
    app.dependency_overrides[optional_principal] = lambda: _principal("d", Role.DISPATCHER)
    r = TestClient(app).get("/only-admins")
    assert r.status_code == 403 and "系统管理员" in r.text
    assert sessions and not sessions[0].in_transaction()
