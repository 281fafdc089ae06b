"""Test fixtures.

* The schema is built by running the Alembic migrations on an empty database, then the small demo
  city is loaded (committed) once per test session (per xdist worker: each has its own database).
* Each test runs inside a transaction on one connection; the session joins it with savepoints
  (``join_transaction_mode="create_savepoint"``), so code that commits stays isolated and the outer
  rollback undoes everything.
* ``CHENGGUAN_TEST_DATABASE_URL=postgresql+psycopg://…/name`` runs the same suite on PostgreSQL
  (the database ``name_<worker>`` is dropped and re-created).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import Request
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

os.environ["CHENGGUAN_ENVIRONMENT"] = "test"
TEST_PG = os.environ.get("CHENGGUAN_TEST_DATABASE_URL")


def _reset_caches() -> None:
    from chengguan.catalog import service as catalog_service
    from chengguan.core.ratelimit import limiter
    from chengguan.geo import service as geo_service
    from chengguan.outbox import service as outbox_service
    from chengguan.system import settings as cfg
    from chengguan.worktime import service as worktime_service

    geo_service.invalidate()
    outbox_service.subscriptions_changed()
    catalog_service.invalidate()
    cfg.invalidate()
    worktime_service.invalidate()
    limiter.reset()


def _pg_recreate(url: str) -> None:
    import psycopg

    u = make_url(url)
    admin = u.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{u.database}"')


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> str:
    if TEST_PG:
        u = make_url(TEST_PG)
        url = u.set(database=f"{u.database}_{worker_id}").render_as_string(hide_password=False)
        _pg_recreate(url)
        return url
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    from chengguan.core import db, migrate
    from chengguan.core.config import reset_settings_cache

    os.environ["CHENGGUAN_DATABASE_URL"] = db_url
    os.environ["CHENGGUAN_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    reset_settings_cache()
    eng = db.make_engine(url=db_url)
    db.set_engine(eng)
    migrate.upgrade(db_url)
    from chengguan.demo import loader

    loader.load(scale="small", seed=2026, progress=False, history_days=int(os.environ.get("CG_TEST_HISTORY_DAYS", "20")))
    _reset_caches()
    yield eng
    eng.dispose()


@pytest.fixture
def db_session(engine: Engine) -> Iterator[Session]:
    conn = engine.connect()
    trans = conn.begin()
    session = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        trans.rollback()
        conn.close()
        _reset_caches()


@pytest.fixture(scope="session")
def app(engine: Engine):  # type: ignore[no-untyped-def]
    from chengguan.app import create_app

    return create_app()


@pytest.fixture
def client(app, db_session: Session) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    from chengguan.core.deps import get_db, unit_of_work

    def override(request: Request) -> Iterator[Session]:
        yield from unit_of_work(db_session, request, close=False)

    app.dependency_overrides[get_db] = override
    try:
        yield TestClient(app, raise_server_exceptions=False)
    finally:
        app.dependency_overrides.clear()


_TOKENS: dict[str, tuple[str, datetime, datetime]] = {}


@pytest.fixture
def auth(client: TestClient):  # type: ignore[no-untyped-def]
    """``auth("dispatcher1")`` → headers with a bearer token for that demo account (password demo).
    Tokens are cached, and re-issued when a test has moved the clock outside their lifetime."""
    from chengguan.core import clock

    def headers(username: str, password: str = "demo") -> dict[str, str]:
        now = clock.now()
        hit = _TOKENS.get(username)
        if hit is None or password != "demo" or not (hit[1] <= now < hit[2]):
            r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            if password != "demo":
                return {"Authorization": f"Bearer {token}"}
            _TOKENS[username] = (token, now, datetime.fromisoformat(r.json()["expires_at"]) - timedelta(minutes=1))
            hit = _TOKENS[username]
        return {"Authorization": f"Bearer {hit[0]}"}

    return headers


def is_pg(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


@pytest.fixture
def count(db_session: Session):  # type: ignore[no-untyped-def]
    """``count("cases")`` → rows in a table (to show that a refused request changed nothing)."""

    def n(table: str) -> int:
        return int(db_session.execute(text(f"select count(*) from {table}")).scalar_one())

    return n
