"""数据交换 endpoints: partner-facing (HMAC-signed inbound messages, pull feed with cursors, files) and the
administrator's partner management."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core.config import get_settings
from chengguan.core.deps import DbSession, require_roles
from chengguan.core.errors import Invalid, NotFound, PayloadTooLarge
from chengguan.exchange import service
from chengguan.exchange.models import ExchangeLink, ExchangePartner
from chengguan.system import files

router = APIRouter(prefix="/api/v1/exchange", tags=["exchange"])
SIG = Annotated[str | None, Header(alias="X-Chengguan-Signature")]


@router.post("/{platform}/inbound", operation_id="exchange_inbound")
async def exchange_inbound(request: Request, session: DbSession, platform: str,
                           signature: SIG = None) -> dict[str, Any]:
    """A message from a partner platform: ``{"message_id", "type": "case"|"event"|"attachment", "data"}``
    signed with ``X-Chengguan-Signature: t=<unix>,v1=<HMAC-SHA256(secret, t + "." + body)>``. A case is
    upserted by (platform, AJBH); a repeated ``message_id`` answers ``duplicate: true`` and changes nothing."""
    limit = get_settings().upload_max_bytes * 2  # one base64 attachment (4/3) plus the envelope
    if int(request.headers.get("content-length") or 0) > limit:
        raise PayloadTooLarge(f"报文过大：最大 {limit // (1024 * 1024)} MB")
    body = await request.body()
    if len(body) > limit:
        raise PayloadTooLarge(f"报文过大：最大 {limit // (1024 * 1024)} MB")
    partner = service.partner_by_code(session, platform)
    service.verify(session, partner, signature, body)
    try:
        msg = json.loads(body)
    except ValueError:
        raise Invalid("报文不是有效的 JSON", code="bad_message") from None
    if not isinstance(msg, dict):
        raise Invalid("报文应为 JSON 对象", code="bad_message")
    return service.receive(session, partner, msg)


def _pull_auth(request: Request, session: Any, platform: str, signature: str | None) -> ExchangePartner:
    partner = service.partner_by_code(session, platform)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    service.verify(session, partner, signature, target.encode())
    return partner


@router.get("/{platform}/feed", operation_id="exchange_feed")
def exchange_feed(request: Request, session: DbSession, platform: str, signature: SIG = None,
                  cursor: Annotated[int, Query(ge=0)] = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:
    """Pull the messages for this partner after ``cursor`` (the same ones pushed as webhooks), oldest first;
    continue with ``next_cursor``. Signed like inbound messages, over ``t + "." + path?query``."""
    partner = _pull_auth(request, session, platform, signature)
    return service.feed(session, partner, cursor, limit)


@router.get("/{platform}/files/{file_id}", operation_id="exchange_file")
def exchange_file(request: Request, session: DbSession, platform: str, file_id: int,
                  signature: SIG = None) -> Response:
    """A file of a case exchanged with this partner (signed like the feed)."""
    partner = _pull_auth(request, session, platform, signature)
    row = service.partner_file(session, partner, file_id)
    return Response(files.store().open(row.sha256), media_type=row.content_type, headers={"ETag": row.sha256})


# ---------------------------------------------------------------- administration

admin = APIRouter(prefix="/api/v1/exchange-partners", tags=["exchange"])


class PartnerIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["hotline", "upper", "lower", "department", "other"]
    outbound_url: str | None = Field(None, max_length=512, pattern=r"^https?://")
    send_all: bool = False


class PartnerPatch(BaseModel):
    name: str | None = Field(None, max_length=64)
    outbound_url: str | None = Field(None, max_length=512)
    send_all: bool | None = None
    is_active: bool | None = None
    rotate_secret: bool = False


def _out(session: Any, p: ExchangePartner, secret: bool = False) -> dict[str, Any]:
    from sqlalchemy import func

    links = session.scalar(select(func.count()).select_from(ExchangeLink).where(ExchangeLink.partner_id == p.id))
    return {"id": p.id, "code": p.code, "name": p.name, "kind": p.kind, "outbound_url": p.outbound_url,
            "send_all": p.send_all, "is_active": p.is_active, "created_at": p.created_at, "links": links,
            "secret": p.secret if secret else None}


@admin.get("", operation_id="exchange_partners_list")
def exchange_partners_list(session: DbSession, p: Principal = require_roles(Role.ADMIN)) -> list[dict[str, Any]]:
    """Partner platforms (the shared secret is only shown on creation and rotation)."""
    return [_out(session, x) for x in session.scalars(select(ExchangePartner).order_by(ExchangePartner.id))]


@admin.post("", status_code=201, operation_id="exchange_partners_create")
def exchange_partners_create(session: DbSession, body: PartnerIn, p: Principal = require_roles(Role.ADMIN)) -> dict[str, Any]:
    """A partner platform; the answer carries the HMAC secret to give to the partner."""
    row = service.create_partner(session, code=body.code, name=body.name, kind=body.kind,
                                 outbound_url=body.outbound_url, send_all=body.send_all)
    return _out(session, row, secret=True)


@admin.patch("/{partner_id}", operation_id="exchange_partners_update")
def exchange_partners_update(session: DbSession, partner_id: int, body: PartnerPatch,
                             p: Principal = require_roles(Role.ADMIN)) -> dict[str, Any]:
    row = session.get(ExchangePartner, partner_id)
    if row is None:
        raise NotFound("交换平台不存在")
    for f in ("name", "send_all", "is_active"):
        if getattr(body, f) is not None:
            setattr(row, f, getattr(body, f))
    if body.outbound_url is not None:
        if body.outbound_url and not body.outbound_url.startswith(("http://", "https://")):
            raise Invalid("推送地址应以 http:// 或 https:// 开头")
        row.outbound_url = body.outbound_url or None
    if body.rotate_secret:
        import secrets

        row.secret = secrets.token_urlsafe(32)
    session.flush()
    return _out(session, row, secret=body.rotate_secret)
