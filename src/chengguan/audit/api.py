"""执法全过程记录 over HTTP: read a subject's record (with its chain check) and append acts from field
devices (body cameras, 执法终端). Officers, legal reviewers, leaders and admins read; officers and
auxiliaries (who may record, never decide) append."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from chengguan.accounts.roles import Role
from chengguan.audit import service
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.core.errors import Invalid, NotFound
from chengguan.system.models import StoredFile

READERS = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)
WRITERS = (Role.OFFICER, Role.AUXILIARY)
router = APIRouter(prefix="/api/v1/audit", tags=["enforcement"])

SUBJECT = r"^[a-z_]{2,24}:[0-9A-Za-z_\-]{1,48}$"


class MediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    file_id: int | None = Field(None, ge=1, le=2**53)
    sha256: str | None = Field(None, min_length=64, max_length=64)
    kind: str | None = None
    name: str | None = Field(None, max_length=255)
    size: int | None = Field(None, ge=0)
    taken_at: datetime | None = None


class LocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    address: str | None = Field(None, max_length=256)


class RecordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str = Field(min_length=1, max_length=48)
    at: datetime | None = None
    location: LocationIn | None = None
    device_id: str | None = Field(None, max_length=64)
    payload: dict[str, Any] = Field(default_factory=dict)
    media: list[MediaIn] = Field(default_factory=list, max_length=50)


_KINDS = {"image": "photo", "video": "video", "audio": "audio", "document": "document"}


def _media(session: DbSession, items: list[MediaIn]) -> list[dict[str, Any]]:
    out = []
    for m in items:
        d = m.model_dump(exclude_none=True)
        if m.file_id is not None:
            f = session.get(StoredFile, m.file_id)
            if f is None:
                raise NotFound(f"文件 {m.file_id} 不存在", code="file_not_found")
            if m.sha256 and m.sha256.lower() != f.sha256:
                raise Invalid(f"文件 {m.file_id} 的 SHA-256 与上传内容不符", code="hash_mismatch")
            d.update(sha256=f.sha256, size=f.size, mime=f.content_type, name=m.name or f.filename)
            d.setdefault("kind", _KINDS.get(f.kind, "other"))
        out.append(d)
    return out


@router.post("/{subject}", status_code=201, operation_id="audit_record", dependencies=[require_roles(*WRITERS)])
def audit_record(session: DbSession, user: CurrentUser, subject: str, body: RecordIn) -> dict[str, Any]:
    """Append one act (who = the caller, when, where, device, media with SHA-256) to the subject's chain."""
    import re

    if not re.match(SUBJECT, subject):
        raise Invalid("subject 格式应为 类型:编号，如 enf_case:12", code="bad_subject")
    e = service.record(session, subject=subject, action=body.action, actor_id=user.user_id, at=body.at,
                       location=body.location.model_dump(exclude_none=True) if body.location else None,
                       device_id=body.device_id, payload=body.payload, media=_media(session, body.media))
    return service.view(e)


@router.get("/{subject}", operation_id="audit_subject", dependencies=[require_roles(*READERS)])
def audit_subject(session: DbSession, subject: str) -> dict[str, Any]:
    """The subject's full record in order, and whether its chain verifies."""
    rows = service.entries(session, subject)
    streams = sorted({e.stream for e in rows})
    reports = [r.as_dict() for s in streams for r in service.verify(session, s)]
    return {"subject": subject, "items": [service.view(e) for e in rows], "chains": reports,
            "ok": all(r["ok"] for r in reports)}


@router.get("", operation_id="audit_streams", dependencies=[require_roles(Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)])
def audit_streams(session: DbSession, verify: bool = False) -> dict[str, Any]:
    """Every chain with its length; ``verify=true`` checks them all (slow on a large log: use the CLI)."""
    from chengguan.audit.models import AuditStream

    heads = list(session.scalars(select(AuditStream).order_by(AuditStream.stream).limit(1000)))
    if not verify:
        return {"items": [{"stream": h.stream, "last_seq": h.last_seq, "updated_at": h.updated_at} for h in heads]}
    return {"items": [r.as_dict() for r in service.verify(session)]}
