"""The application factory."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import chengguan.core.registry  # noqa: F401  (all mappers configured before the first request)
from chengguan import __version__
from chengguan.core import db
from chengguan.core.config import get_settings
from chengguan.core.errors import error_body, install_handlers

log = logging.getLogger("chengguan")


def _operation_id(route: APIRoute) -> str:
    # Stable ids: the endpoint function's name (unique across the app, checked by a test).
    return route.name


_WARM = threading.Event()  # set when the start-up warm-up has ended (``/readyz``)


def _warm_up() -> None:
    from chengguan.core import pdf
    from chengguan.geo import service as geo_service

    try:
        with db.session_scope(read_only=True) as session:
            geo_service.warm_up(session)
        # WeasyPrint's import, the CJK fonts and its first layout cost ~4 s: not on the first 决定书 a user asks for
        pdf.warm_up()
        pdf.render_pdf("<p>预热 warm-up</p>")
    except Exception:  # a failed warm-up only costs the first request its build
        log.exception("warm-up failed")
    finally:
        _WARM.set()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # The grid index and the gazetteer (jieba, pinyin) take seconds to build: build them in a thread so the
    # server answers at once; a request that needs them meanwhile waits for the same build (geo's lock).
    threading.Thread(target=_warm_up, name="geo-warm-up", daemon=True).start()
    worker = None
    if get_settings().run_embedded_worker:
        from chengguan.jobs.runner import BackgroundWorker

        worker = BackgroundWorker()
        worker.start()
    try:
        yield
    finally:
        if worker is not None:
            worker.stop()


def create_app() -> FastAPI:
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    app = FastAPI(
        title="chengguan 城管平台 API",
        version=__version__,
        description="数字城管闭环、城管执法网上办案、考评与公众服务的开放平台。错误统一为 "
        '`{"error": {"code", "message", "details"}}`。',
        generate_unique_id_function=_operation_id,
        lifespan=lifespan,
    )
    install_handlers(app)

    @app.get("/healthz", tags=["system"], operation_id="healthz")
    def healthz() -> JSONResponse:
        try:
            with db.get_engine().connect().execution_options(**db.read_options()) as conn:
                conn.execute(text("select 1"))
        except Exception as exc:  # the point of the endpoint is to report this, not crash
            log.warning("health check failed: %s", exc)
            return JSONResponse(error_body("db_unavailable", "数据库不可用"), 503)
        return JSONResponse({"status": "ok"})

    @app.get("/readyz", tags=["system"], operation_id="readyz")
    def readyz() -> JSONResponse:
        """200 once the start-up warm-up (grid index, gazetteer, PDF fonts) has ended, 503 before: for a load
        balancer that should send traffic only to warm processes (`/healthz` answers from the first second)."""
        if not _WARM.is_set():
            return JSONResponse(error_body("warming_up", "服务正在预热（网格索引、地址库）"), 503)
        return JSONResponse({"status": "ready"})

    app.add_middleware(SecurityHeaders)
    if settings.is_sqlite:
        app.add_middleware(SQLiteWriteGate)

    from chengguan.routes import include_all

    include_all(app)
    return app


class SecurityHeaders:
    """Pure ASGI (the decorator-style middleware costs a task switch and a copy per request)."""

    HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
               (b"x-frame-options", b"SAMEORIGIN")]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in self.HEADERS if k not in present]
            await send(message)

        await self.app(scope, receive, with_headers)


class SQLiteWriteGate:
    """SQLite has one writer at a time. Queue write requests here, in the event loop, instead of in
    worker threads: a thread blocked on the database lock holds one of the thread pool's slots, and once
    every slot waits, the request holding the lock cannot get a thread to finish (starvation). Reads pass."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.gate = asyncio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        async with self.gate:
            await self.app(scope, receive, send)
