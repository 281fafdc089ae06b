"""Engine, declarative base and the unit of work.

Rules: services take the session as a keyword argument and only ``flush()``; the request
(``get_db``) or the job (``session_scope``) owns the transaction and commits once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from chengguan.core import clock
from chengguan.core.config import Settings, get_settings
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}


IdPk = Annotated[int, mapped_column(BigIntId, primary_key=True, autoincrement=True)]


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=clock.now, onupdate=clock.now)


def _sqlite_path(url: str) -> Path | None:
    prefix = "sqlite:///"
    if url.startswith(prefix) and ":memory:" not in url:
        return Path(url[len(prefix) :])
    return None


def _json_dumps(obj: Any) -> str:
    # Chinese stays readable in JSON columns (and in exports / SQL consoles).
    return json.dumps(obj, ensure_ascii=False, default=str)


def make_engine(settings: Settings | None = None, url: str | None = None, **kw: Any) -> Engine:
    settings = settings or get_settings()
    url = url or settings.database_url
    kw.setdefault("json_serializer", _json_dumps)
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kw)
        busy = settings.sqlite_busy_timeout_ms

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
            # Take transaction control away from pysqlite so SAVEPOINT and BEGIN IMMEDIATE work.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy)}")
            cur.close()

        # Writers queue on a fair in-process lock before asking SQLite for its write lock: SQLite's own
        # busy handler sleeps and retries, which leaves the lock idle between holders and collapses
        # throughput with many threads. Across processes SQLite's lock still serialises writers.
        write_lock = threading.Lock()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            # Writers take the lock up front: a deferred transaction that later writes can fail with
            # SQLITE_BUSY without waiting. Read-only work asks for DEFERRED (see read_options()).
            mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            if mode == "IMMEDIATE":
                if not write_lock.acquire(timeout=busy / 1000):
                    raise DatabaseBusy("SQLite write lock not obtained in time")
                conn.info["cg_write_lock"] = True
            try:
                conn.exec_driver_sql(f"BEGIN {mode}")
            except BaseException:
                _release(conn)
                raise

        def _release(conn: Any) -> None:
            if conn.info.pop("cg_write_lock", False):
                write_lock.release()

        event.listen(engine, "commit", _release)
        event.listen(engine, "rollback", _release)

        @event.listens_for(engine.pool, "reset")
        def _pool_reset(dbapi_conn: Any, rec: Any, reset_state: Any) -> None:
            # A connection returned to the pool without commit/rollback (e.g. after an error in close):
            # make sure the lock does not stay held.
            if rec.info.pop("cg_write_lock", False):
                write_lock.release()

        return engine
    if "poolclass" not in kw:
        kw.setdefault("pool_size", 10)
        kw.setdefault("max_overflow", 20)
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, **kw)


class DatabaseBusy(Exception):
    """The database did not grant a write lock in time (SQLite under heavy write load)."""


_engine: Engine | None = None
_factory: sessionmaker[Session] | None = None


def get_engine() -> Engine:
    global _engine
    if _engine is None:
        _engine = make_engine()
    return _engine


def set_engine(engine: Engine | None) -> None:
    """Replace the process engine (tests, CLI with an explicit URL)."""
    global _engine, _factory, _read_factory
    _engine = engine
    _factory = None
    _read_factory = None


def session_factory() -> sessionmaker[Session]:
    global _factory
    if _factory is None:
        _factory = sessionmaker(bind=get_engine(), expire_on_commit=False)
    return _factory


def read_options() -> dict[str, str]:
    return {"sqlite_begin": "DEFERRED"}


_read_factory: sessionmaker[Session] | None = None


def read_session_factory() -> sessionmaker[Session]:
    """Sessions for read-only requests: bound to the engine with DEFERRED begin, and lazy — no
    connection is taken until the first query (many GETs are answered from in-memory indexes)."""
    global _read_factory
    if _read_factory is None or _read_factory.kw.get("bind") is None:
        _read_factory = sessionmaker(bind=get_engine().execution_options(**read_options()), expire_on_commit=False)
    return _read_factory


@contextmanager
def session_scope(*, read_only: bool = False) -> Iterator[Session]:
    """A unit of work for jobs and the CLI: commit on success, roll back on error."""
    session = session_factory()()
    if read_only:
        session.connection(execution_options=read_options())
    try:
        yield session
        if not read_only:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_sqlite(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "sqlite"


__all__ = ["Base", "IdPk", "JSONType", "Timestamped", "UTCDateTime", "get_engine", "session_scope"]
