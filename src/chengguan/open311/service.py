"""Open311 GeoReport v2 on top of the closed loop: services are the publicly reportable categories,
requests are real cases (channel ``public``, created through the public-participation intake), statuses
map to open/closed and to the extended statuses of ``servicerequestupdates``."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from chengguan.cases import service as cases
from chengguan.cases import workflow
from chengguan.cases.models import Case, CaseAttachment, CaseEvent
from chengguan.catalog import service as catalog
from chengguan.catalog.models import Category
from chengguan.core import clock
from chengguan.core.errors import AppError
from chengguan.core.ratelimit import limiter
from chengguan.core.security import same, sha256_hex
from chengguan.open311.fmt import Open311Error
from chengguan.open311.models import ApiClient, Open311Submission, Open311UpdateIn
from chengguan.org.models import Department
from chengguan.outbox import service as outbox
from chengguan.public import participation
from chengguan.public.models import PublicReport
from chengguan.public.service import PUBLIC_EVENTS, PUBLIC_STATUS
from chengguan.system import settings as cfg
from chengguan.system.models import StoredFile

G = "Open311"
JURISDICTION = cfg.define("open311.jurisdiction_id", "",
                          "Open311 jurisdiction_id（单一辖区可留空：留空时忽略该参数；填写后不一致的请求返回 404）。", G)
SERVICE_TYPE = cfg.define("open311.service_type", "realtime",
                          "Open311 服务类型：realtime（立即返回案件编号）或 batch（返回 token，再用 /tokens 查询）。", G)
CONTACT = cfg.define("open311.contact", "城市管理监督指挥中心 12319", "Open311 discovery 中的联系方式。", G)
KEY_SERVICE = cfg.define("open311.key_service", "向城市管理监督指挥中心系统管理员申请 API key（管理后台 → Open311 客户端）。",
                         "Open311 discovery 中说明如何获取 API key。", G)
EXTRA_ATTRIBUTES = cfg.define("open311.extra_attributes", [
    {"code": "situation", "datatype": "multivaluelist", "required": False, "description": "现场情况（可多选）",
     "values": [["blocking", "影响通行"], ["danger", "存在安全隐患"], ["night", "夜间发生"], ["recurring", "反复出现"]]},
], "Open311 服务定义中每个类别都附加的属性（在立案条件之后）。", G)
PUBLISH_PHOTOS = cfg.define("open311.publish_photos", True,
                            "Open311 列表中公开上报照片（去除 GPS 信息）；关闭后 media_url 为空。", G)
WINDOW_DAYS = 90
MAX_REQUESTS = 1000
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")

# Internal status → extended status (servicerequestupdates, lower case on GET).
EXTENDED = {"reported": "open", "verifying": "investigating", "registered": "action_scheduled",
            "dispatched": "in_progress", "fed_back": "in_progress", "checked": "fixed", "closed": "fixed",
            "rejected": "not_councils_responsibility", "voided": "cancelled", "suspended": "planned",
            "merged": "duplicate"}
POST_STATUSES = ("UNCHANGED", "OPEN", "CLOSED", "FIXED", "IN_PROGRESS", "PLANNED", "ACTION_SCHEDULED",
                 "INVESTIGATING", "DUPLICATE", "NOT_COUNCILS_RESPONSIBILITY", "NO_FURTHER_ACTION",
                 "INTERNAL_REFERRAL", "CANCELLED", "REOPEN", "FOR_TRIAGE")
UPDATE_EVENTS = (*PUBLIC_EVENTS.keys(), "citizen-update", "return")


def simple_status(status: str) -> str:
    return "closed" if status in workflow.TERMINAL else "open"


# ---------------------------------------------------------------- API keys


def create_client(session: Session, name: str, contact: str | None, rate: int, by: int | None) -> tuple[ApiClient, str]:
    """A new client and its key (returned once; only its SHA-256 is kept)."""
    name = (name or "").strip()
    if not name:
        from chengguan.core.errors import Invalid

        raise Invalid("请填写客户端名称")
    prefix = secrets.token_hex(4)
    key = f"cg311_{prefix}_{secrets.token_urlsafe(24)}"
    row = ApiClient(name=name[:64], contact=(contact or "")[:128] or None, key_prefix=prefix, key_hash=sha256_hex(key),
                    rate_limit_per_minute=max(1, int(rate)), is_active=True, created_at=clock.now(), created_by=by)
    session.add(row)
    session.flush()
    return row, key


def revoke_client(session: Session, client_id: int) -> ApiClient:
    from chengguan.core.errors import NotFound

    row = session.get(ApiClient, client_id)
    if row is None:
        raise NotFound("客户端不存在")
    row.is_active = False
    row.revoked_at = clock.now()
    session.flush()
    return row


def authenticate(session: Session, api_key: str | None, what: str) -> ApiClient:
    key = (api_key or "").strip()
    parts = key.split("_")
    row = None
    if len(parts) >= 3 and parts[0] == "cg311":
        row = session.scalar(select(ApiClient).where(ApiClient.key_prefix == parts[1]))
    if row is None or not row.is_active or not same(row.key_hash, sha256_hex(key)):
        raise Open311Error(403, f"Invalid api_key received -- can't proceed with {what}.")
    limiter.hit(f"open311:{row.id}", row.rate_limit_per_minute)
    row.last_used_at = clock.now()
    return row


# ---------------------------------------------------------------- parameters


def check_jurisdiction(session: Session, jurisdiction_id: str | None) -> None:
    configured = str(cfg.value(session, JURISDICTION.key) or "")
    given = (jurisdiction_id or "").strip()
    if configured and given and given != configured:
        raise Open311Error(404, f"jurisdiction_id {given} not found")


def parse_dt(value: str | None, name: str) -> datetime | None:
    v = (value or "").strip()
    if not v:
        return None
    try:
        dt = datetime.fromisoformat(v.replace("Z", "+00:00").replace(" ", "+"))
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time, e.g. 2026-11-01T00:00:00+08:00") from None
    if dt.tzinfo is None:
        raise Open311Error(400, f"{name} must carry a time zone (Z or ±hh:mm)")
    return dt


def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    span = timedelta(days=WINDOW_DAYS)
    if start is None and end is None:
        end = clock.now()
    if start is None:
        assert end is not None
        start = end - span
    if end is None:
        end = start + span
    if end < start:
        raise Open311Error(400, "end_date is before start_date")
    if end - start > span:
        raise Open311Error(400, f"the date range may not exceed {WINDOW_DAYS} days")
    return start, end


def _split(value: str | None) -> list[str]:
    return [x.strip() for x in (value or "").split(",") if x.strip()]


def _int(value: str | None, name: str, default: int, lo: int, hi: int) -> int:
    if not (value or "").strip():
        return default
    try:
        n = int(str(value).strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be an integer") from None
    if not lo <= n <= hi:
        raise Open311Error(400, f"{name} must be between {lo} and {hi}")
    return n


# ---------------------------------------------------------------- services


def _public_categories(session: Session) -> list[Category]:
    rows, _ = catalog.list_categories(session, public_only=True, limit=10_000)
    seen: dict[str, Category] = {}
    for c in rows:  # a code shared by a component and its matter: the matter (what a report is about)
        if c.code not in seen or c.kind == "matter":
            seen[c.code] = c
    return sorted(seen.values(), key=lambda c: c.code)


def services(session: Session) -> list[dict[str, Any]]:
    stype = str(cfg.value(session, SERVICE_TYPE.key))
    out = []
    for c in _public_categories(session):
        out.append({"service_code": c.code, "service_name": c.name,
                    "description": f"{c.major_name} — {c.name}（GB/T 47678.5-2026 类别代码 {c.code}）",
                    "metadata": True, "type": stype,
                    "keywords": ",".join(dict.fromkeys([*(c.keywords or []), *(c.aliases or [])])),
                    "group": c.major_name})
    return out


def _service_category(session: Session, code: str) -> Category:
    for c in _public_categories(session):
        if c.code == code:
            return c
    raise Open311Error(404, f"service_code {code} not found")


def attributes(session: Session, cat: Category) -> list[dict[str, Any]]:
    attrs: list[dict[str, Any]] = []
    conds = catalog.conditions_of(session, cat)
    if conds:
        attrs.append({"variable": True, "code": "condition", "datatype": "singlevaluelist", "required": True,
                      "datatype_description": "从列表中选择一项", "order": 1,
                      "description": "立案条件：请选择最符合现场的情形",
                      "values": [{"key": str(c.number), "name": c.text} for c in conds]})
        closure = "；".join(dict.fromkeys(c.closure_text for c in conds if c.closure_text))
        if closure:
            attrs.append({"variable": False, "code": "closure_standard", "datatype": "text", "required": False,
                          "datatype_description": None, "order": len(attrs) + 1,
                          "description": f"结案标准：{closure}"})
    for a in cfg.value(session, EXTRA_ATTRIBUTES.key) or []:
        if a.get("datatype") not in DATATYPES or not a.get("code"):
            continue
        item: dict[str, Any] = {"variable": True, "code": str(a["code"]), "datatype": a["datatype"],
                                "required": bool(a.get("required")),
                                "datatype_description": a.get("datatype_description")
                                or ("可选择多项" if a["datatype"] == "multivaluelist" else None),
                                "order": len(attrs) + 1, "description": a.get("description") or str(a["code"])}
        if a["datatype"].endswith("valuelist"):
            item["values"] = [{"key": str(k), "name": str(n)} for k, n in a.get("values") or []]
        attrs.append(item)
    return attrs


def definition(session: Session, code: str) -> dict[str, Any]:
    cat = _service_category(session, code)
    return {"service_code": cat.code, "attributes": attributes(session, cat)}


# ---------------------------------------------------------------- requests: records


@dataclass
class Ctx:
    base_url: str


def _media_url(ctx: Ctx, case_no: str, file_id: int) -> str:
    return f"{ctx.base_url}open311/v2/media/{case_no}/{file_id}.jpg"


def records(session: Session, rows: list[Case], ctx: Ctx) -> list[dict[str, Any]]:
    ids = [c.id for c in rows]
    if not ids:
        return []
    last = dict(session.execute(select(CaseEvent.case_id, func.max(CaseEvent.at)).where(CaseEvent.case_id.in_(ids))
                                .group_by(CaseEvent.case_id)).all())
    photos: dict[int, int] = {}
    if cfg.value(session, PUBLISH_PHOTOS.key):
        photos = dict(session.execute(
            select(CaseAttachment.case_id, func.min(CaseAttachment.file_id))
            .join(StoredFile, StoredFile.id == CaseAttachment.file_id)
            .where(CaseAttachment.case_id.in_(ids), CaseAttachment.stage == "report", StoredFile.kind == "image")
            .group_by(CaseAttachment.case_id)).all())
    dept_ids = {a.department_id for c in rows for a in c.assignments if a.state != "cancelled"}
    depts = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all()) \
        if dept_ids else {}
    out = []
    for c in rows:
        closed = c.status in workflow.TERMINAL
        desc = participation.public_text(session, c.description)
        lon, lat = participation.fuzz(session, c.lon, c.lat)
        names = list(dict.fromkeys(depts[a.department_id] for a in c.assignments
                                   if a.state != "cancelled" and a.department_id in depts))
        out.append({
            "service_request_id": c.case_no, "status": simple_status(c.status),
            "status_notes": PUBLIC_STATUS.get(c.status, c.status),
            "service_name": catalog.category_name(session, c.kind, c.category_code) or c.category_code,
            "service_code": c.category_code, "description": desc[:4000],
            "agency_responsible": "、".join(names) or None,
            "service_notice": None,
            "requested_datetime": c.reported_at,
            "updated_datetime": (c.closed_at if closed and c.closed_at else None) or last.get(c.id) or c.reported_at,
            "expected_datetime": None if closed else c.dispose_due_at,
            "address": c.address, "address_id": c.grid_code, "zipcode": None, "lat": lat, "long": lon,
            "media_url": _media_url(ctx, c.case_no, photos[c.id]) if c.id in photos else None,
        })
    return out


def _public_query(session: Session) -> Any:
    """Cases the public may see: not a sensitive category, not hidden by moderation."""
    stmt = select(Case).outerjoin(PublicReport, PublicReport.case_id == Case.id).where(
        or_(PublicReport.hidden.is_(None), PublicReport.hidden.is_(False)),
        Case.channel.in_(participation.listed_channels(session)))
    codes = [str(c) for c in cfg.value(session, participation.SENSITIVE.key) or []]
    majors = [c for c in codes if len(c) == 2]
    cats = [c for c in codes if len(c) != 2]
    if majors:
        stmt = stmt.where(Case.major_code.not_in(majors))
    if cats:
        stmt = stmt.where(Case.category_code.not_in(cats))
    return stmt


def list_requests(session: Session, q: dict[str, str], ctx: Ctx) -> list[dict[str, Any]]:
    stmt = _public_query(session)
    ids = _split(q.get("service_request_id"))
    if ids:  # overrides every other parameter
        if len(ids) > MAX_REQUESTS:
            raise Open311Error(400, f"at most {MAX_REQUESTS} service_request_id values")
        rows = session.scalars(stmt.where(Case.case_no.in_(ids)).order_by(Case.reported_at.desc())).all()
        return records(session, list(rows), ctx)
    start, end = _window(parse_dt(q.get("start_date"), "start_date"), parse_dt(q.get("end_date"), "end_date"))
    stmt = stmt.where(Case.reported_at >= start, Case.reported_at <= end)
    # v2.1 draft changesets: filter on updated_datetime (the newest event of the case)
    after = parse_dt(q.get("updated_after"), "updated_after")
    before = parse_dt(q.get("updated_before"), "updated_before")
    if after is not None:
        stmt = stmt.where(exists().where(CaseEvent.case_id == Case.id, CaseEvent.at > after))
    if before is not None:
        stmt = stmt.where(~exists().where(CaseEvent.case_id == Case.id, CaseEvent.at > before))
    codes = _split(q.get("service_code"))
    if codes:
        stmt = stmt.where(Case.category_code.in_(codes))
    statuses = _split(q.get("status"))
    bad = [s for s in statuses if s not in ("open", "closed")]
    if bad:
        raise Open311Error(400, f"status must be open or closed, got {bad[0]}")
    if statuses and set(statuses) != {"open", "closed"}:
        term = list(workflow.TERMINAL)
        stmt = stmt.where(Case.status.in_(term) if statuses[0] == "closed" else Case.status.not_in(term))
    page = _int(q.get("page"), "page", 1, 1, 1_000_000)
    size = _int(q.get("page_size"), "page_size", MAX_REQUESTS, 1, MAX_REQUESTS)
    rows = session.scalars(stmt.order_by(Case.reported_at.desc(), Case.id.desc())
                           .offset((page - 1) * size).limit(size)).all()
    return records(session, list(rows), ctx)


def _public_case(session: Session, case_no: str) -> Case:
    case = session.scalar(_public_query(session).where(Case.case_no == case_no.strip()))
    if case is None:
        raise Open311Error(404, f"service_request_id {case_no} not found")
    return case


def get_request(session: Session, case_no: str, ctx: Ctx) -> list[dict[str, Any]]:
    return records(session, [_public_case(session, case_no)], ctx)


def get_token(session: Session, token: str) -> list[dict[str, Any]]:
    row = session.scalar(select(Open311Submission).where(Open311Submission.token == token))
    if row is None:
        raise Open311Error(404, f"token {token} not found")
    case = session.get(Case, row.case_id)
    assert case is not None
    return [{"service_request_id": case.case_no, "token": token}]


def media(session: Session, case_no: str, file_id: int) -> tuple[bytes, str]:
    from chengguan.core.files import strip_exif_gps
    from chengguan.system import files

    if not cfg.value(session, PUBLISH_PHOTOS.key):
        raise Open311Error(404, "media not published")
    case = _public_case(session, case_no)
    for a, f in cases.attachments_of(session, case):
        if f.id == file_id and a.stage in ("report", "feedback") and f.kind == "image":
            return strip_exif_gps(files.store().open(f.sha256)), f.content_type
    raise Open311Error(404, "media not found")


# ---------------------------------------------------------------- requests: create

_ATTR = re.compile(r"^attribute\[([^\]]+)\](\[\])?$")
_TAGS = re.compile(r"<[^>]*>")


def parse_attributes(items: list[tuple[str, str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in items:
        m = _ATTR.match(k)
        if not m:
            continue
        code, multi = m.group(1), m.group(2)
        if multi:
            out.setdefault(code, [])
            if isinstance(out[code], list):
                out[code].append(v)
        else:
            out[code] = v
    return out


def _check_attributes(defs: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for d in defs:
        if not d["variable"]:
            continue
        code = d["code"]
        v = given.get(code)
        if v is None or v == "" or v == []:
            if d["required"]:
                raise Open311Error(400, f"attribute[{code}] is required: {d['description']}")
            continue
        keys = {x["key"] for x in d.get("values") or []}
        if d["datatype"] == "multivaluelist":
            vals = v if isinstance(v, list) else [v]
            bad = [x for x in vals if x not in keys]
            if bad:
                raise Open311Error(400, f"attribute[{code}] has no value {bad[0]}")
            clean[code] = list(dict.fromkeys(vals))
        elif d["datatype"] == "singlevaluelist":
            if isinstance(v, list) or v not in keys:
                raise Open311Error(400, f"attribute[{code}] has no value {v}")
            clean[code] = v
        elif d["datatype"] == "number":
            try:
                clean[code] = float(v)
            except (TypeError, ValueError):
                raise Open311Error(400, f"attribute[{code}] must be a number") from None
        elif d["datatype"] == "datetime":
            clean[code] = (parse_dt(str(v), f"attribute[{code}]") or clock.now()).isoformat()
        else:
            clean[code] = str(v)[:4000]
    return clean


@dataclass
class Upload:
    filename: str
    content_type: str | None
    data: bytes


def post_request(session: Session, form: dict[str, Any], items: list[tuple[str, str]], uploads: list[Upload],
                 client: ApiClient, ip: str) -> list[dict[str, Any]]:
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code was not provided")
    cat = _service_category(session, code)
    lat, lon = (form.get("lat") or "").strip(), (form.get("long") or "").strip()
    address = (form.get("address_string") or "").strip() or (form.get("address_id") or "").strip() or None
    if bool(lat) != bool(lon):
        raise Open311Error(400, "lat and long must be sent together")
    if not lat and not address:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    try:
        flat, flon = (float(lat), float(lon)) if lat else (None, None)
    except ValueError:
        raise Open311Error(400, "lat and long must be numbers (WGS84)") from None
    description = _TAGS.sub("", form.get("description") or "").strip()
    if len(description) > 4000:
        raise Open311Error(400, "description may not exceed 4000 characters")
    attrs = _check_attributes(attributes(session, cat), parse_attributes(items))
    name = " ".join(x for x in ((form.get("last_name") or "").strip(), (form.get("first_name") or "").strip()) if x)
    phone = (form.get("phone") or "").strip() or None
    tokens = []
    from chengguan.system import files

    if len(uploads) > 9:
        raise Open311Error(400, "at most 9 media files")
    for up in uploads:
        row = files.save_upload(session, up.data, up.filename, up.content_type, user_id=None,
                                meta={"via": "open311", "client_id": client.id})
        if row.kind != "image":
            raise Open311Error(400, f"media {up.filename} is not an image")
        tokens.append(cases.file_token(row.id))
    source = {"via": "open311", "open311_client": client.name, "open311_client_id": client.id, "attributes": attrs}
    for k in ("email", "device_id", "account_id"):
        if (form.get(k) or "").strip():
            source[k] = form[k].strip()[:128]
    if (form.get("media_url") or "").strip() and not uploads:
        source["media_url"] = form["media_url"].strip()[:1000]  # kept as a link, never fetched
    data = cases.ReportInput(
        category_code=cat.code, kind=cat.kind, description=description or f"{cat.name}（Open311 上报）",
        lon=flon, lat=flat, address=address, channel="public",
        condition_code=int(attrs["condition"]) if "condition" in attrs else None,
        reporter_name=name or None, reporter_phone=phone, anonymous=not (name or phone or source.get("email")),
        photos=tokens, source=source)
    case = participation.submit(session, data, None, ip=ip, via="open311", ip_limits=False)
    token = secrets.token_urlsafe(16)
    session.add(Open311Submission(token=token, case_id=case.id, client_id=client.id, created_at=clock.now()))
    session.flush()
    notice = f"已受理。案件编号 {case.case_no}，查询码 {case.public_code}（可在公众页面查询办理进度）。"
    if str(cfg.value(session, SERVICE_TYPE.key)) == "batch":
        return [{"token": token, "service_notice": notice, "account_id": None}]
    return [{"service_request_id": case.case_no, "service_notice": notice, "account_id": None}]


def map_app_error(exc: AppError) -> Open311Error:
    if exc.status_code == 404:
        return Open311Error(404, exc.message, exc.code)
    if exc.status_code == 403:
        return Open311Error(403, exc.message, exc.code)
    if exc.status_code == 429:
        return Open311Error(429, exc.message, "429")
    return Open311Error(400, exc.message, exc.code)


# ---------------------------------------------------------------- servicerequestupdates


def _update_record(session: Session, ev: CaseEvent, case: Case, ctx: Ctx, publish_photos: bool) -> dict[str, Any]:
    label, with_opinion = PUBLIC_EVENTS.get(ev.action, ("", False))
    status = EXTENDED.get(ev.to_status or case.status, "open")
    if ev.action == "return" and ev.from_status == "closed":
        status, label, with_opinion = "reopen", "重新处置", False
    elif ev.action == "citizen-update":
        label, with_opinion = "公众补充信息", True
    text = participation.public_text(session, ev.opinion) if with_opinion else ""
    if ev.action == "dispatch":
        text = "、".join((ev.data or {}).get("department_names") or [])
    if ev.action == "rate":
        text = f"{(ev.data or {}).get('rating')} 星" + (f"：{participation.public_text(session, ev.opinion)}"
                                                         if ev.opinion else "")
    media = ""
    if publish_photos and ev.action in ("feedback", "report") and ev.attachments:
        media = _media_url(ctx, case.case_no, int(ev.attachments[0]))
    return {"update_id": str(ev.id), "service_request_id": case.case_no, "status": status,
            "updated_datetime": ev.at, "description": f"{label}：{text}" if text else label, "media_url": media,
            "external_status_code": ev.to_status or case.status}


def list_updates(session: Session, q: dict[str, str], ctx: Ctx) -> list[dict[str, Any]]:
    end = parse_dt(q.get("end_date"), "end_date")
    start = parse_dt(q.get("start_date"), "start_date")
    if start is None and end is None:
        start = clock.now() - timedelta(hours=24)
    start, end = _window(start, end)
    cases_q = _public_query(session).with_only_columns(Case.id)
    stmt = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.at >= start, CaseEvent.at <= end, CaseEvent.action.in_(UPDATE_EVENTS),
                   Case.id.in_(cases_q)))
    ids = _split(q.get("service_request_id"))
    if ids:
        stmt = stmt.where(Case.case_no.in_(ids))
    publish = bool(cfg.value(session, PUBLISH_PHOTOS.key))
    out = []
    for ev, case in session.execute(stmt.order_by(CaseEvent.at, CaseEvent.id).limit(MAX_REQUESTS)).all():
        if ev.action == "check" and not (ev.data or {}).get("passed"):
            continue
        if ev.action == "return" and ev.from_status != "closed":
            continue
        out.append(_update_record(session, ev, case, ctx, publish))
    return out


def post_update(session: Session, form: dict[str, Any], uploads: list[Upload], client: ApiClient) -> list[dict[str, Any]]:
    """A citizen update (comment, photo, request to reopen) on a request: recorded as a case event and sent
    to the acceptance desk; the case status itself is only changed by staff."""
    for f in ("service_request_id", "update_id", "status", "updated_datetime", "description"):
        if not (form.get(f) or "").strip():
            raise Open311Error(400, f"{f} was not provided")
    status = form["status"].strip().upper()
    if status not in POST_STATUSES:
        raise Open311Error(400, f"status {status} is not one of {', '.join(POST_STATUSES)}")
    parse_dt(form["updated_datetime"], "updated_datetime")
    ext_id = form["update_id"].strip()[:64]
    case = _public_case(session, form["service_request_id"])
    prior = session.scalar(select(Open311UpdateIn).where(Open311UpdateIn.client_id == client.id,
                                                         Open311UpdateIn.external_update_id == ext_id))
    if prior is not None:
        return [{"update_id": str(prior.event_id), "account_id": None}]
    description = _TAGS.sub("", form["description"]).strip()[:4000]
    ids = []
    from chengguan.system import files

    for up in uploads[:9]:
        row = files.save_upload(session, up.data, up.filename, up.content_type, user_id=None,
                                meta={"via": "open311", "client_id": client.id})
        ids.append(row.id)
    locked = workflow.lock_case(session, case.id)
    assert locked is not None
    name = " ".join(x for x in ((form.get("last_name") or "").strip(), (form.get("first_name") or "").strip()) if x)
    ev = workflow.transition(session, locked, action="citizen-update", to=locked.status,
                             actor=workflow.Actor(None, name or "公众", "public"), opinion=description,
                             attachments=ids, data={"via": "open311", "client_id": client.id, "status": status,
                                                    "update_id": ext_id})
    cases.attach(session, locked, ids, "citizen", ev.id)
    session.add(Open311UpdateIn(client_id=client.id, external_update_id=ext_id, case_id=case.id, event_id=ev.id,
                                created_at=clock.now()))
    outbox.enqueue(session, topic="case.citizen_update", channel="inbox", recipient="role:acceptor",
                   payload={"case_no": case.case_no, "case_id": case.id, "status": status,
                            "text": f"公众对案件 {case.case_no} 补充信息（{status}）：{description[:100]}"})
    session.flush()
    return [{"update_id": str(ev.id), "account_id": None}]
