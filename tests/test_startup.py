"""Start-up: the server answers before the geo warm-up ends, the warm-up builds once, and the web process
does not import the heavy libraries it only needs on some requests (restart time, docs/performance.md)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from chengguan.geo import service as geo


def test_web_process_imports_no_lazy_heavy_libraries() -> None:
    # jieba / pypinyin (~1.5 s) load in the background warm-up; httpx, WeasyPrint, openpyxl when used.
    code = ("import sys; from chengguan.app import create_app; create_app(); "
            "print(' '.join(sorted(m for m in ('jieba', 'pypinyin', 'httpx', 'weasyprint', 'openpyxl', "
            "'matplotlib', 'duckdb') if m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""


def test_argon2_dummy_hash_is_made_on_first_use() -> None:
    from chengguan.core import security

    security._dummy_hash.cache_clear()
    assert security._dummy_hash.cache_info().currsize == 0
    assert not security.verify_password(None, "x")  # unknown user: verified against the dummy hash
    assert security._dummy_hash.cache_info().currsize == 1


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, threading.Event]]:
    started, release = threading.Event(), threading.Event()

    def slow_warm_up(session: Session) -> None:
        started.set()
        release.wait(30)

    monkeypatch.setattr(geo, "warm_up", slow_warm_up)
    yield started, release
    release.set()


def test_server_answers_while_the_geo_index_is_being_built(app, gate) -> None:  # type: ignore[no-untyped-def]
    from chengguan import app as app_module

    app_module._WARM.clear()
    started, release = gate
    with TestClient(app) as c:  # runs the lifespan
        assert started.wait(30)
        assert c.get("/healthz").json() == {"status": "ok"}  # answered while the warm-up still runs
        r = c.get("/readyz")
        assert r.status_code == 503 and r.json()["error"]["code"] == "warming_up"
        release.set()
        for _ in range(300):  # the warm-up thread ends (it then warms the PDF fonts)
            if c.get("/readyz").status_code == 200:
                break
            time.sleep(0.1)
        assert c.get("/readyz").json() == {"status": "ready"}


def test_concurrent_requests_share_one_build(db_session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    geo.invalidate()
    builds = []
    real = geo._build

    def counted(session: Session, v: int):  # type: ignore[no-untyped-def]
        builds.append(v)
        return real(session, v)

    monkeypatch.setattr(geo, "_build", counted)
    v = geo._version(db_session)
    monkeypatch.setattr(geo, "_version", lambda session: v)  # the threads must not share the connection
    barrier = threading.Barrier(3)
    results: list[object] = []

    def call() -> None:
        barrier.wait()
        results.append(geo._ensure(db_session))

    with geo._BUILD_LOCK:  # hold the lock so all three callers queue behind one build
        threads = [threading.Thread(target=call) for _ in range(3)]
        for t in threads:
            t.start()
    for t in threads:
        t.join(30)
    assert len(builds) == 1
    assert len(results) == 3 and all(r is results[0] for r in results)
