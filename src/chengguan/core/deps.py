"""Typed FastAPI dependencies: the request's database session (which owns the transaction), the
caller (bearer token or console cookie + CSRF), role requirements and rate limits."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from chengguan.accounts.principal import Principal
from chengguan.core import db
from chengguan.core.config import get_settings
from chengguan.core.errors import Conflict, Forbidden, Unauthorized
from chengguan.core.ratelimit import limiter

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
SESSION_COOKIE = "cg_session"
CSRF_HEADER = "X-CSRF-Token"
# Declared so the OpenAPI document carries the OAuth2 password flow; the checks are below.
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def unit_of_work(session: Session, request: Request, *, close: bool = True) -> Iterator[Session]:
    """Yield the request's session; commit once after the endpoint returned (services never commit).
    Commit-time conflicts become 409s instead of 500s."""
    request.state.db = session
    try:
        yield session
        if request.method not in SAFE_METHODS:
            try:
                session.commit()
            except IntegrityError as exc:
                session.rollback()
                raise Conflict("数据冲突：与已有记录重复或引用不存在的记录", code="integrity_error") from exc
            except OperationalError as exc:
                session.rollback()
                if "lock" in str(exc).lower() or "serializ" in str(exc).lower():
                    raise Conflict("并发冲突，请重试", code="concurrent_update") from exc
                raise
            except StaleDataError as exc:
                session.rollback()
                raise Conflict("数据已被他人修改，请刷新后重试", code="concurrent_update") from exc
        else:
            session.rollback()
    except BaseException:
        session.rollback()
        raise
    finally:
        if close:
            session.close()


def get_db(request: Request) -> Iterator[Session]:
    """One session per request; reads use a deferred (non-locking) transaction on SQLite."""
    factory = db.read_session_factory() if request.method in SAFE_METHODS else db.session_factory()
    yield from unit_of_work(factory(), request)


# scope="function": the commit runs before the response is sent, so a failed commit is reported to the
# caller (409/500) instead of being lost after a 200 — an acknowledged write is a committed write.
DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _principal_from_request(request: Request, session: Session) -> Principal | None:
    from chengguan.accounts import service as accounts

    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        p = accounts.principal_from_token(session, auth[7:].strip())
        if p is None:
            raise Unauthorized("登录已失效或令牌无效，请重新登录", code="invalid_token")
        return p
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = accounts.principal_from_session(session, cookie)
        if found is None:
            return None
        p, csrf = found
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(CSRF_HEADER) or ""
            if not sent or sent != csrf:
                raise Forbidden("缺少或错误的 CSRF 令牌，请刷新页面后重试", code="csrf_failed")
        request.state.csrf_token = csrf
        return p
    return None


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    p = _principal_from_request(request, session)
    request.state.principal = p
    return p


def current_principal(
    p: Annotated[Principal | None, Depends(optional_principal)],
    _token: Annotated[str | None, Depends(oauth2_scheme)] = None,
) -> Principal:
    if p is None:
        raise Unauthorized("请先登录", code="not_authenticated")
    return p


OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
CurrentUser = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: str) -> Any:
    """Dependency: the caller holds at least one of ``roles`` somewhere (region checks happen in services)."""

    def dep(p: CurrentUser) -> Principal:
        p.require(roles)
        return p

    return Depends(dep)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def public_rate_limit(request: Request) -> None:
    limiter.hit(f"public:{client_ip(request)}", get_settings().public_rate_limit_per_minute)
