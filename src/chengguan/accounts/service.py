"""Accounts: authentication, console sessions, users and their role grants."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.models import AuditEntry, LoginSession, User, UserRole
from chengguan.accounts.principal import Grant, Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock, security
from chengguan.core.config import get_settings
from chengguan.core.errors import Conflict, Invalid, NotFound

MIN_PASSWORD = 8


def audit(session: Session, *, actor_id: int | None, action: str, target: str, **details: Any) -> None:
    session.add(AuditEntry(at=clock.now(), actor_id=actor_id, action=action, target=target, details=details))


def principal_for(user: User, via: str = "bearer") -> Principal:
    grants = tuple(Grant(r.role, r.region_code, r.department_id) for r in user.roles)
    return Principal(user.id, user.username, user.display_name, user.department_id, grants, via)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username))
    ok = security.verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if user.is_demo and not get_settings().demo_allowed:
        return None  # demo accounts never log in on a production system
    if security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = clock.now()
    return user


def issue_token(user: User) -> tuple[str, Any]:
    return security.create_access_token(user.id, user.token_version)


def principal_from_token(session: Session, token: str) -> Principal | None:
    payload = security.decode_access_token(token)
    if payload is None or security.token_expired(payload):
        return None
    user = session.get(User, int(payload["sub"]))
    if user is None or not user.is_active or payload.get("tv") != user.token_version:
        return None
    if user.is_demo and not get_settings().demo_allowed:
        return None
    return principal_for(user, "bearer")


def create_login_session(session: Session, user: User, user_agent: str | None, ip: str | None) -> tuple[str, str]:
    raw = security.new_opaque_token()
    csrf = security.new_opaque_token()
    now = clock.now()
    session.add(LoginSession(
        token_hash=security.sha256_hex(raw), csrf_token=csrf, user_id=user.id, created_at=now,
        expires_at=now + timedelta(hours=get_settings().session_ttl_hours),
        user_agent=(user_agent or "")[:255], ip=ip,
    ))
    session.flush()
    return raw, csrf


def principal_from_session(session: Session, raw: str) -> tuple[Principal, str] | None:
    row = session.scalar(select(LoginSession).where(LoginSession.token_hash == security.sha256_hex(raw)))
    if row is None or row.expires_at <= clock.now():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active or (user.is_demo and not get_settings().demo_allowed):
        return None
    return principal_for(user, "cookie"), row.csrf_token


def end_login_session(session: Session, raw: str) -> None:
    session.execute(delete(LoginSession).where(LoginSession.token_hash == security.sha256_hex(raw)))


def purge_expired_sessions(session: Session) -> int:
    res = session.execute(delete(LoginSession).where(LoginSession.expires_at <= clock.now()))
    return res.rowcount or 0  # type: ignore[attr-defined]


def _check_password(password: str, *, demo: bool) -> None:
    if demo:
        return
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"密码至少 {MIN_PASSWORD} 位")
    if password.isdigit() or password.isalpha():
        raise Invalid("密码须同时包含字母和数字（或其他字符）")


def _check_grants(grants: Iterable[tuple[str, str | None, int | None]]) -> list[tuple[str, str | None, int | None]]:
    out = []
    for role, region, dept in grants:
        if role not in Role._value2member_map_:
            raise Invalid(f"未知角色：{role}", details={"roles": [r.value for r in Role]})
        if region is not None and (not region.isdigit() or len(region) not in (6, 9, 12, 15)):
            raise Invalid(f"管辖区域编码应为 6/9/12/15 位数字：{region}")
        out.append((role, region, dept))
    return out


def create_user(
    session: Session,
    *,
    username: str,
    display_name: str,
    password: str,
    grants: Iterable[tuple[str, str | None, int | None]] = (),
    department_id: int | None = None,
    phone: str | None = None,
    is_demo: bool = False,
    actor_id: int | None = None,
) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(c.isspace() for c in username):
        raise Invalid("用户名不能为空、不能含空格，且不超过 64 个字符")
    if is_demo and not get_settings().demo_allowed:
        raise Invalid("生产模式下不能创建演示账号")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"用户名 {username} 已存在", code="username_taken")
    _check_password(password, demo=is_demo)
    checked = _check_grants(grants)
    user = User(username=username, display_name=display_name, password_hash=security.hash_password(password),
                department_id=department_id, phone=phone, is_demo=is_demo, is_active=True, token_version=1)
    user.roles = [UserRole(role=r, region_code=g, department_id=d) for r, g, d in checked]
    session.add(user)
    session.flush()
    audit(session, actor_id=actor_id, action="user.create", target=f"user:{user.id}", username=username,
          roles=[list(g) for g in checked])
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    return user


def by_username(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"用户 {username} 不存在")
    return user


def set_password(session: Session, user: User, password: str, actor_id: int | None = None) -> None:
    _check_password(password, demo=user.is_demo)
    user.password_hash = security.hash_password(password)
    user.token_version += 1  # log out every outstanding token
    session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    audit(session, actor_id=actor_id, action="user.password", target=f"user:{user.id}")
    session.flush()


def set_roles(session: Session, user: User, grants: Iterable[tuple[str, str | None, int | None]],
              actor_id: int | None = None) -> None:
    checked = _check_grants(grants)
    user.roles.clear()
    session.flush()
    user.roles.extend(UserRole(role=r, region_code=g, department_id=d) for r, g, d in checked)
    user.token_version += 1
    audit(session, actor_id=actor_id, action="user.roles", target=f"user:{user.id}", roles=[list(g) for g in checked])
    session.flush()


def list_users(session: Session, *, q: str | None = None, role: str | None = None, department_id: int | None = None,
               page: int = 1, page_size: int = 50) -> tuple[list[User], int]:
    stmt = select(User)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(User.id).offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total
