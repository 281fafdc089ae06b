from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from chengguan.accounts import service
from chengguan.accounts.models import User
from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.accounts.schemas import (
    GrantIn,
    GrantOut,
    LoginIn,
    LoginOut,
    Page,
    PasswordIn,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from chengguan.core.config import get_settings
from chengguan.core.deps import SESSION_COOKIE, CurrentUser, DbSession, client_ip, require_roles
from chengguan.core.errors import Unauthorized
from chengguan.core.ratelimit import limiter

router = APIRouter(prefix="/api/v1", tags=["auth"])


def user_out(user: User) -> UserOut:
    return UserOut(
        id=user.id, username=user.username, display_name=user.display_name, department_id=user.department_id,
        phone=user.phone, is_active=user.is_active, is_demo=user.is_demo,
        roles=[GrantOut(role=r.role, region_code=r.region_code, department_id=r.department_id,
                        label=ROLE_LABELS.get(Role(r.role), r.role)) for r in user.roles],
    )


@router.post("/auth/token", response_model=TokenOut, operation_id="auth_token")
def auth_token(
    request: Request,
    session: DbSession,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
) -> TokenOut:
    """OAuth2 password flow: exchange a username and password for a bearer token."""
    limiter.hit(f"login:{client_ip(request)}", get_settings().login_rate_limit_per_minute)
    user = service.authenticate(session, username, password)
    if user is None:
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    token, exp = service.issue_token(user)
    return TokenOut(access_token=token, expires_at=exp)


@router.post("/auth/login", response_model=LoginOut, operation_id="auth_login")
def auth_login(request: Request, response: Response, session: DbSession, body: LoginIn) -> LoginOut:
    """Console login: sets an HttpOnly session cookie and returns the CSRF token for later writes."""
    limiter.hit(f"login:{client_ip(request)}", get_settings().login_rate_limit_per_minute)
    user = service.authenticate(session, body.username, body.password)
    if user is None:
        raise Unauthorized("用户名或密码错误", code="bad_credentials")
    raw, csrf = service.create_login_session(session, user, request.headers.get("user-agent"), client_ip(request))
    set_session_cookie(response, raw)
    return LoginOut(csrf_token=csrf, user=user_out(user))


def set_session_cookie(response: Response, raw: str) -> None:
    s = get_settings()
    response.set_cookie(SESSION_COOKIE, raw, max_age=s.session_ttl_hours * 3600, httponly=True,
                        samesite="lax", secure=s.cookie_secure, path="/")


@router.post("/auth/logout", status_code=204, operation_id="auth_logout")
def auth_logout(request: Request, response: Response, session: DbSession, user: CurrentUser) -> Response:
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        service.end_login_session(session, raw)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.status_code = 204
    return response


@router.get("/auth/me", response_model=UserOut, operation_id="auth_me")
def auth_me(session: DbSession, user: CurrentUser) -> UserOut:
    return user_out(service.get_user(session, user.user_id))


admin = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[require_roles(Role.ADMIN)])


@admin.get("", response_model=Page[UserOut], operation_id="users_list")
def users_list(
    session: DbSession,
    q: str | None = None,
    role: str | None = None,
    department_id: int | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page[UserOut]:
    rows, total = service.list_users(session, q=q, role=role, department_id=department_id, page=page,
                                     page_size=page_size)
    return Page[UserOut](items=[user_out(u) for u in rows], total=total)


@admin.post("", response_model=UserOut, status_code=201, operation_id="users_create")
def users_create(session: DbSession, body: UserCreate, user: CurrentUser) -> UserOut:
    created = service.create_user(
        session, username=body.username, display_name=body.display_name, password=body.password,
        department_id=body.department_id, phone=body.phone,
        grants=[(g.role, g.region_code, g.department_id) for g in body.roles], actor_id=user.user_id,
    )
    return user_out(created)


@admin.get("/{user_id}", response_model=UserOut, operation_id="users_get")
def users_get(session: DbSession, user_id: int) -> UserOut:
    return user_out(service.get_user(session, user_id))


@admin.patch("/{user_id}", response_model=UserOut, operation_id="users_update")
def users_update(session: DbSession, user_id: int, body: UserUpdate, user: CurrentUser) -> UserOut:
    target = service.get_user(session, user_id)
    changes = body.model_dump(exclude_unset=True)
    for k, v in changes.items():
        setattr(target, k, v)
    if changes.get("is_active") is False:
        target.token_version += 1
    service.audit(session, actor_id=user.user_id, action="user.update", target=f"user:{user_id}", **changes)
    session.flush()
    return user_out(target)


@admin.put("/{user_id}/roles", response_model=UserOut, operation_id="users_set_roles")
def users_set_roles(session: DbSession, user_id: int, body: list[GrantIn], user: CurrentUser) -> UserOut:
    target = service.get_user(session, user_id)
    service.set_roles(session, target, [(g.role, g.region_code, g.department_id) for g in body], actor_id=user.user_id)
    return user_out(target)


@admin.post("/{user_id}/password", status_code=204, operation_id="users_set_password")
def users_set_password(session: DbSession, user_id: int, body: PasswordIn, user: CurrentUser) -> Response:
    service.set_password(session, service.get_user(session, user_id), body.password, actor_id=user.user_id)
    return Response(status_code=204)

