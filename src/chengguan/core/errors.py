"""Errors in the contract's shape: ``{"error": {"code", "message", "details"}}``.

Services raise the AppError subclasses; the handlers below turn them (and FastAPI's own
validation and HTTP errors) into responses. Anything else is a bug and becomes a logged 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("chengguan.errors")


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details


class Invalid(AppError):
    status_code = 422
    code = "invalid"


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class TooMany(AppError):
    status_code = 429
    code = "rate_limited"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "too_large"


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": jsonable_encoder(details)}}


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = []
        for e in exc.errors():
            errs.append({"loc": list(e.get("loc", ())), "msg": e.get("msg"), "type": e.get("type")})
        first = errs[0] if errs else {"loc": [], "msg": "invalid"}
        where = ".".join(str(p) for p in first["loc"] if p not in ("body", "query", "path"))
        msg = f"输入无效：{where} — {first['msg']}" if where else f"输入无效：{first['msg']}"
        return JSONResponse(error_body("invalid", msg, errs), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code
        return JSONResponse(error_body(code, message), exc.status_code, headers=getattr(exc, "headers", None))

    from sqlalchemy.exc import OperationalError
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from chengguan.core.db import DatabaseBusy

    @app.exception_handler(DatabaseBusy)
    @app.exception_handler(OperationalError)
    @app.exception_handler(PoolTimeout)
    async def _busy(request: Request, exc: Exception) -> JSONResponse:
        text = str(exc).lower()
        # PoolTimeout: every database connection of this process is in use (a burst of clients).
        if isinstance(exc, DatabaseBusy | PoolTimeout) or "database is locked" in text or "lock" in text and "timeout" in text:
            # Not the caller's fault and not a bug: the server is saturated. Retry shortly.
            return JSONResponse(error_body("busy", "系统繁忙，请稍后重试"), 503, headers={"Retry-After": "2"})
        log.exception("database error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "服务器内部错误（已记录）"), 500)

    from sqlalchemy.exc import DataError

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value the validation let through (PostgreSQL: a NUL character in text,
        # a string longer than its column, a number out of range): the caller's input, never stored.
        log.warning("data error on %s %s: %s", request.method, request.url.path, exc.orig)
        text = str(exc.orig).lower()
        msg = "输入中包含不允许的字符（NUL）" if "nul" in text or "0x00" in text else "输入的数据超出允许的长度或范围"
        return JSONResponse(error_body("invalid", msg), 422)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal_error", "服务器内部错误（已记录）"), 500)
