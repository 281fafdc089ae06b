"""Browser tests: Chromium (Debian's /usr/bin/chromium) driven by Playwright against a live server.

How it works (and why):

* API tests run inside a rolled-back transaction, which a separate server process cannot see. So each
  pytest worker (``-n 2``: gw0, gw1) starts **its own** uvicorn server on a free port over a **copy** of
  its test database, taken right after the migrations and the small demo city were loaded (SQLite: the
  backup API; PostgreSQL: ``CREATE DATABASE … TEMPLATE``). Building it costs well under a second.
* The server's data is committed and shared by the browser tests of that worker, which run one after
  another. So a test creates what it needs (``live.api("collector1").report(...)``) and asserts on
  *that* — never on global counts.
* Every page a test opens records console errors and uncaught exceptions; the test fails if any occurred
  (``allow_console(page, "pattern")`` for an error the test provokes on purpose). The server's log is
  checked for tracebacks after each test: a 500 is a bug.

Fixtures: ``live`` (the server: ``.url``, ``.api(user)``), ``open_page(user=None, mobile=False)`` (a fresh
browser context, logged in as a demo account through the cookie session), ``login_ui(page, user)``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

CHROMIUM = os.environ.get("CHENGGUAN_CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _copy_database(engine: Engine, db_url: str, tmp: Path) -> str:
    u = make_url(db_url)
    if u.get_backend_name() == "sqlite":
        dst = tmp / "live.db"
        src = sqlite3.connect(str(u.database))
        try:
            out = sqlite3.connect(str(dst))
            src.backup(out)
            out.close()
        finally:
            src.close()
        return f"sqlite:///{dst}"
    import psycopg

    name = f"{u.database}_live"
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    engine.dispose()  # TEMPLATE needs the source database without other connections
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(20):
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"')
                break
            except psycopg.errors.ObjectInUse:
                engine.dispose()
                time.sleep(0.2 * (attempt + 1))
        else:
            raise RuntimeError(f"could not copy {u.database}: still in use")
    return u.set(database=name).render_as_string(hide_password=False)


class ApiUser:
    """A demo account speaking to the live server's API with a bearer token (for test setup)."""

    def __init__(self, base: str, username: str) -> None:
        self.username = username
        self.http = httpx.Client(base_url=base, timeout=30)
        r = self.http.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
        assert r.status_code == 200, r.text
        self.http.headers["Authorization"] = f"Bearer {r.json()['access_token']}"

    def get(self, path: str, **params: Any) -> Any:
        r = self.http.get(path, params=params)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text}"
        return r.json()

    def post(self, path: str, body: Any = None, expect: int | tuple[int, ...] = (200, 201), **kw: Any) -> Any:
        r = self.http.post(path, json=body, **kw)
        ok = (expect,) if isinstance(expect, int) else expect
        assert r.status_code in ok, f"POST {path}: {r.status_code} {r.text}"
        return r.json() if r.content else None

    def photo(self) -> str:
        from casehelpers import jpeg

        r = self.http.post("/api/v1/files", files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        assert r.status_code == 201, r.text
        return str(r.json()["token"])

    def report(self, **kw: Any) -> dict[str, Any]:
        """A new case at the city centre (a little jitter so duplicates stay apart unless wanted)."""
        city = self.get("/api/v1/city")
        body = {"category_code": "09006", "description": "人行道上有流动摊贩占道经营",
                "lon": city["center"]["lon"], "lat": city["center"]["lat"]}
        body.update(kw)
        return dict(self.post("/api/v1/reports", body, expect=201))

    def act(self, case_id: int, action: str, **body: Any) -> dict[str, Any]:
        return dict(self.post(f"/api/v1/cases/{case_id}/{action}", body, expect=200))


class LiveServer:
    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self.log = log
        self._users: dict[str, ApiUser] = {}

    def api(self, username: str) -> ApiUser:
        if username not in self._users:
            self._users[username] = ApiUser(self.url, username)
        return self._users[username]

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset: int) -> str:
        with self.log.open("rb") as f:
            f.seek(offset)
            return f.read().decode("utf-8", "replace")


@pytest.fixture(scope="session")
def live(engine: Engine, db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A uvicorn server over a committed copy of this worker's test database (demo city loaded)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM} (scripts/system-deps.sh --browser)")
    tmp = tmp_path_factory.mktemp("live")
    url = _copy_database(engine, db_url, tmp)
    # The copy references the demo's stored files (report photos and thumbnails): copy the file store too.
    src_data = Path(os.environ.get("CHENGGUAN_DATA_DIR", ""))
    if src_data.is_dir():
        shutil.copytree(src_data, tmp / "data", dirs_exist_ok=True)
    port = _free_port()
    log = tmp / "server.log"
    env = {**os.environ, "CHENGGUAN_DATABASE_URL": url, "CHENGGUAN_DATA_DIR": str(tmp / "data"),
           "CHENGGUAN_ENVIRONMENT": "test", "CHENGGUAN_LOGIN_RATE_LIMIT_PER_MINUTE": "100000",
           "CHENGGUAN_PUBLIC_RATE_LIMIT_PER_MINUTE": "100000", "CHENGGUAN_LOG_LEVEL": "WARNING",
           "CHENGGUAN_TILE_URL": ""}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "chengguan.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-access-log"],
            cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            # ready = warmed up (grid index, gazetteer, PDF fonts): tests then meet the timings users meet
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"live server did not start:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.1)
    server = LiveServer(base, log)
    try:
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        if "_live" in url and url.startswith("postgresql"):
            import psycopg

            u = make_url(url)
            admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        shutil.rmtree(tmp / "data", ignore_errors=True)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed at {CHROMIUM}")
    pw = sync_playwright().start()
    browser = pw.chromium.launch(
        executable_path=CHROMIUM, headless=True,
        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"])
    try:
        yield browser
    finally:
        browser.close()
        pw.stop()


# Console messages that are not errors of ours: Leaflet's bundled source-map comment (no .map is vendored).
_IGNORED = [re.compile(r"\.map\b.*(404|Not Found)", re.I), re.compile(r"DevTools failed to load source map")]
_ALLOWED: dict[int, list[re.Pattern[str]]] = {}


def allow_console(page: Any, pattern: str) -> None:
    """Accept console errors matching ``pattern`` on this page (an error the test provokes on purpose,
    e.g. Chromium's "Failed to load resource: … 401" for a wrong password)."""
    _ALLOWED.setdefault(id(page), []).append(re.compile(pattern))


def login(page: Any, live: LiveServer, username: str, password: str = "demo") -> None:
    """Sign the page's browser context in through the cookie session (fast: no form)."""
    r = page.context.request.post(f"{live.url}/api/v1/auth/login",
                                  data={"username": username, "password": password})
    assert r.ok, r.text()


@pytest.fixture
def open_page(chromium: Any, live: LiveServer) -> Iterator[Callable[..., Any]]:
    """``open_page(user=None, mobile=False, path=None)`` → a Playwright page in a fresh context
    (Chinese locale, Asia/Shanghai), signed in as ``user`` when given, at ``path`` when given."""
    opened: list[tuple[Any, list[str]]] = []

    def make(user: str | None = None, *, mobile: bool = False, path: str | None = None,
             **context_args: Any) -> Any:
        args: dict[str, Any] = {"base_url": live.url, "locale": "zh-CN", "timezone_id": "Asia/Shanghai",
                                "viewport": PHONE if mobile else DESKTOP, "service_workers": "allow"}
        if mobile:
            args.update(is_mobile=True, has_touch=True, device_scale_factor=2)
        args.update(context_args)
        ctx = chromium.new_context(**args)
        ctx.set_default_timeout(10_000)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"console.{m.type}: {m.text} @ {m.location.get('url', '')}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
        opened.append((page, errors))
        if user:
            login(page, live, user)
        if path:
            page.goto(path)
        return page

    yield make
    problems = []
    for page, errors in opened:
        allowed = _ALLOWED.pop(id(page), [])
        for e in errors:
            if any(p.search(e) for p in _IGNORED + allowed):
                continue
            problems.append(e)
        page.context.close()
    assert not problems, "browser console errors:\n" + "\n".join(problems)


@pytest.fixture(autouse=True)
def _server_log_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """A traceback in the live server's log during a test fails the test (a 500 is a bug)."""
    if "live" not in request.fixturenames:
        yield
        return
    live: LiveServer = request.getfixturevalue("live")
    start = live.log_size()
    yield
    text = live.log_since(start)
    assert "Traceback" not in text and "unhandled error" not in text, f"server errors:\n{text[-4000:]}"


def login_ui(page: Any, username: str, password: str = "demo") -> None:
    """Sign in through the login form, as a person would."""
    page.goto("/login?switch=1")  # also when the context is signed in already
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(lambda u: "/login" not in u)
