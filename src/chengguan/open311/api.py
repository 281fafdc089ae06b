"""Open311 GeoReport v2 endpoints (``/open311/v2/…``, each as ``.xml`` and ``.json``) and the
administrator's API-key management (``/api/v1/open311/clients``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core.config import get_settings
from chengguan.core.deps import DbSession, client_ip, require_roles
from chengguan.core.errors import AppError
from chengguan.core.ratelimit import limiter
from chengguan.open311 import service
from chengguan.open311.fmt import Open311Error, error_response, respond
from chengguan.open311.models import ApiClient
from chengguan.system import settings as cfg

router = APIRouter(prefix="/open311/v2", tags=["open311"])
SPEC = "http://wiki.open311.org/GeoReport_v2"


def _fmt(fmt: str) -> str:
    if fmt not in ("xml", "json"):
        raise Open311Error(404, f"unknown format .{fmt}: use .xml or .json")
    return fmt


def _run(fmt: str, session: Any, fn: Callable[[], Response]) -> Response:
    try:
        _fmt(fmt)
        return fn()
    except Open311Error as exc:
        session.rollback()
        return error_response(fmt, [exc])
    except AppError as exc:
        session.rollback()
        return error_response(fmt, [service.map_app_error(exc)])


def _ctx(request: Request) -> service.Ctx:
    return service.Ctx(base_url=str(request.base_url))


def _q(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items()}


def _read_limit(request: Request) -> None:
    limiter.hit(f"open311-read:{client_ip(request)}", get_settings().public_rate_limit_per_minute * 10)


@router.get("/discovery.{fmt}", operation_id="open311_discovery")
def open311_discovery(request: Request, session: DbSession, fmt: str) -> Response:
    """Service discovery: where the endpoint is, which formats, how to get a key."""
    def go() -> Response:
        body = {"changeset": "2026-11-21T00:00:00+08:00", "contact": str(cfg.value(session, service.CONTACT.key)),
                "key_service": str(cfg.value(session, service.KEY_SERVICE.key)),
                "endpoints": [{"specification": SPEC, "url": f"{request.base_url}open311/v2",
                               "changeset": "2026-11-21T00:00:00+08:00", "type": "production",
                               "formats": ["text/xml", "application/json"]}]}
        return respond(fmt, "discovery", body)
    return _run(fmt, session, go)


@router.get("/services.{fmt}", operation_id="open311_services")
def open311_services(request: Request, session: DbSession, fmt: str) -> Response:
    """The publicly reportable categories as services (group = major class)."""
    def go() -> Response:
        _read_limit(request)
        service.check_jurisdiction(session, request.query_params.get("jurisdiction_id"))
        return respond(fmt, "services", service.services(session), "service")
    return _run(fmt, session, go)


@router.get("/services/{code}.{fmt}", operation_id="open311_service_definition")
def open311_service_definition(request: Request, session: DbSession, code: str, fmt: str) -> Response:
    """A service definition: 立案条件 as a single-value list, 结案标准, configured extra attributes."""
    def go() -> Response:
        _read_limit(request)
        service.check_jurisdiction(session, request.query_params.get("jurisdiction_id"))
        return respond(fmt, "service_definition", service.definition(session, code))
    return _run(fmt, session, go)


async def _form(request: Request) -> tuple[dict[str, Any], list[tuple[str, str]], list[service.Upload]]:
    form = await request.form()
    flat: dict[str, Any] = {}
    items: list[tuple[str, str]] = []
    uploads: list[service.Upload] = []
    limit = get_settings().upload_max_bytes
    for k, v in form.multi_items():
        if isinstance(v, str):
            items.append((k, v))
            flat.setdefault(k, v)
        elif k in ("media", "media[]") and getattr(v, "filename", None):
            data = await v.read(limit + 1)
            if len(data) > limit:
                raise Open311Error(400, f"media file too large (max {limit // (1024 * 1024)} MB)")
            uploads.append(service.Upload(v.filename or "", v.content_type, data))
    return flat, items, uploads


@router.post("/requests.{fmt}", operation_id="open311_requests_create")
async def open311_requests_create(request: Request, session: DbSession, fmt: str) -> Response:
    """Create a service request (form-encoded, or multipart with ``media`` files per the v2.1 draft);
    ``api_key`` required. The request is a real case of the public channel."""
    try:
        _fmt(fmt)
        flat, items, uploads = await _form(request)
        service.check_jurisdiction(session, flat.get("jurisdiction_id"))
        client = service.authenticate(session, flat.get("api_key"), "create_request")
        body = service.post_request(session, flat, items, uploads, client, client_ip(request))
        return respond(fmt, "service_requests", body, "request")
    except Open311Error as exc:
        session.rollback()
        return error_response(fmt, [exc])
    except AppError as exc:
        session.rollback()
        return error_response(fmt, [service.map_app_error(exc)])


@router.get("/requests.{fmt}", operation_id="open311_requests_list")
def open311_requests_list(request: Request, session: DbSession, fmt: str) -> Response:
    """Service requests: default the last 90 days, at most 1000; ``service_request_id`` (comma list)
    overrides every other filter; ``service_code``, ``status``, ``start_date``/``end_date`` (≤ 90 days),
    ``page`` (from 1) / ``page_size`` (≤ 1000)."""
    def go() -> Response:
        _read_limit(request)
        q = _q(request)
        service.check_jurisdiction(session, q.get("jurisdiction_id"))
        return respond(fmt, "service_requests", service.list_requests(session, q, _ctx(request)), "request")
    return _run(fmt, session, go)


def _read_one(request: Request, session: Any, fmt: str, fetch: Callable[[], Any]) -> Response:
    """A read of service requests: rate limit, jurisdiction, then the rows in the requested format."""
    def go() -> Response:
        _read_limit(request)
        service.check_jurisdiction(session, request.query_params.get("jurisdiction_id"))
        return respond(fmt, "service_requests", fetch(), "request")
    return _run(fmt, session, go)


@router.get("/requests/{request_id}.{fmt}", operation_id="open311_requests_get")
def open311_requests_get(request: Request, session: DbSession, request_id: str, fmt: str) -> Response:
    """One service request (the case number), in the list's shape."""
    return _read_one(request, session, fmt, lambda: service.get_request(session, request_id, _ctx(request)))


@router.get("/tokens/{token}.{fmt}", operation_id="open311_tokens_get")
def open311_tokens_get(request: Request, session: DbSession, token: str, fmt: str) -> Response:
    """The service request id of a token (``batch`` services)."""
    return _read_one(request, session, fmt, lambda: service.get_token(session, token))


@router.get("/servicerequestupdates.{fmt}", operation_id="open311_updates_list")
def open311_updates_list(request: Request, session: DbSession, fmt: str) -> Response:
    """Updates (department progress, results, citizen updates) with extended statuses; default the last
    24 hours, ``start_date``/``end_date`` ≤ 90 days, optional ``service_request_id`` list."""
    def go() -> Response:
        _read_limit(request)
        q = _q(request)
        service.check_jurisdiction(session, q.get("jurisdiction_id"))
        return respond(fmt, "service_request_updates", service.list_updates(session, q, _ctx(request)),
                       "request_update")
    return _run(fmt, session, go)


@router.post("/servicerequestupdates.{fmt}", operation_id="open311_updates_create")
async def open311_updates_create(request: Request, session: DbSession, fmt: str) -> Response:
    """A citizen update on a request (upper-case extended status, ``update_id`` deduplicated per client)."""
    try:
        _fmt(fmt)
        flat, _items, uploads = await _form(request)
        service.check_jurisdiction(session, flat.get("jurisdiction_id"))
        client = service.authenticate(session, flat.get("api_key"), "post_service_request_update")
        body = service.post_update(session, flat, uploads, client)
        return respond(fmt, "service_request_updates", body, "request_update")
    except Open311Error as exc:
        session.rollback()
        return error_response(fmt, [exc])
    except AppError as exc:
        session.rollback()
        return error_response(fmt, [service.map_app_error(exc)])


@router.get("/media/{case_no}/{file_id}.jpg", operation_id="open311_media", include_in_schema=True)
def open311_media(request: Request, session: DbSession, case_no: str, file_id: int) -> Response:
    """A published photo of a request (without GPS tags)."""
    try:
        _read_limit(request)
        data, ctype = service.media(session, case_no, file_id)
    except Open311Error as exc:
        return error_response("xml", [exc])
    return Response(data, media_type=ctype, headers={"Cache-Control": "public, max-age=3600"})


# ---------------------------------------------------------------- API keys (administrator)

admin = APIRouter(prefix="/api/v1/open311/clients", tags=["open311"])


class ClientIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    contact: str | None = Field(None, max_length=128)
    rate_limit_per_minute: int = Field(60, ge=1, le=10000)


class ClientOut(BaseModel):
    id: int
    name: str
    contact: str | None
    key_prefix: str
    rate_limit_per_minute: int
    is_active: bool
    created_at: Any
    revoked_at: Any = None
    last_used_at: Any = None
    api_key: str | None = None  # only in the answer to the creation


def _out(c: ApiClient, key: str | None = None) -> ClientOut:
    return ClientOut(id=c.id, name=c.name, contact=c.contact, key_prefix=c.key_prefix,
                     rate_limit_per_minute=c.rate_limit_per_minute, is_active=c.is_active, created_at=c.created_at,
                     revoked_at=c.revoked_at, last_used_at=c.last_used_at, api_key=key)


@admin.get("", response_model=list[ClientOut], operation_id="open311_clients_list")
def open311_clients_list(session: DbSession, p: Principal = require_roles(Role.ADMIN)) -> list[ClientOut]:
    """Open311 clients (keys are never shown again)."""
    from sqlalchemy import select

    return [_out(c) for c in session.scalars(select(ApiClient).order_by(ApiClient.id))]


@admin.post("", response_model=ClientOut, status_code=201, operation_id="open311_clients_create")
def open311_clients_create(session: DbSession, body: ClientIn, p: Principal = require_roles(Role.ADMIN)) -> ClientOut:
    """A new client; the answer carries its API key once (only a hash is stored)."""
    row, key = service.create_client(session, body.name, body.contact, body.rate_limit_per_minute, p.user_id)
    return _out(row, key)


@admin.post("/{client_id}/revoke", response_model=ClientOut, operation_id="open311_clients_revoke")
def open311_clients_revoke(session: DbSession, client_id: int, p: Principal = require_roles(Role.ADMIN)) -> ClientOut:
    """Revoke a client's key (its requests stay)."""
    return _out(service.revoke_client(session, client_id))
