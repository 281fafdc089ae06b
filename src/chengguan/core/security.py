"""Password hashing (argon2id), API tokens (JWT, HS256) and opaque session/CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from chengguan.core import clock
from chengguan.core.config import get_settings

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against for unknown usernames: the same time as a wrong password (no user enumeration by
    timing). Made on first use: an argon2 hash costs ~0.5 s of the server's start otherwise."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def create_access_token(user_id: int, token_version: int, ttl: timedelta | None = None) -> tuple[str, datetime]:
    settings = get_settings()
    now = clock.now()
    exp = now + (ttl or timedelta(minutes=settings.token_ttl_minutes))
    payload = {"sub": str(user_id), "tv": token_version, "iat": int(now.timestamp()), "exp": int(exp.timestamp())}
    return jwt.encode(payload, settings.secret_key, algorithm="HS256"), exp


def decode_access_token(token: str) -> dict[str, Any] | None:
    try:
        return jwt.decode(
            token,
            get_settings().secret_key,
            algorithms=["HS256"],
            # exp and iat are checked against the injectable clock (token_expired), not the wall clock.
            options={"require": ["sub", "exp"], "verify_exp": False, "verify_iat": False, "verify_nbf": False},
        )
    except jwt.PyJWTError:
        return None


def token_expired(payload: dict[str, Any]) -> bool:
    # Expiry is checked against the injectable clock, not the wall clock, so simulations work.
    return int(payload["exp"]) <= int(clock.now().timestamp())


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def sha256_hex(value: str | bytes) -> str:
    data = value.encode() if isinstance(value, str) else value
    return hashlib.sha256(data).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def sign(message: bytes, key: str) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()
