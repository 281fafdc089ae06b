"""``Idempotency-Key`` support: the first response to (scope, key) is stored; a retry with the same
key and the same body gets that response back and creates nothing; a different body is refused."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.core.errors import Conflict, Invalid
from chengguan.system.models import IdempotencyRecord

KEEP = timedelta(days=2)


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > 128:
        raise Invalid("Idempotency-Key 长度应为 1–128 个字符")
    return key


def replay(session: Session, scope: str, key: str, digest: str) -> tuple[int, Any] | None:
    rec = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.scope == scope,
                                                         IdempotencyRecord.key == key))
    if rec is None:
        return None
    if rec.request_hash != digest:
        raise Conflict("同一个 Idempotency-Key 已用于内容不同的请求", code="idempotency_mismatch")
    return rec.status_code, rec.response


def store(session: Session, scope: str, key: str, digest: str, status_code: int, response: Any) -> None:
    session.add(IdempotencyRecord(scope=scope, key=key, request_hash=digest, status_code=status_code,
                                  response=response, created_at=clock.now()))
    session.flush()


def purge(session: Session) -> int:
    res = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < clock.now() - KEEP))
    return res.rowcount or 0  # type: ignore[attr-defined]
