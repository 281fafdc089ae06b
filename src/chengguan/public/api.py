from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from chengguan.accounts.roles import Role
from chengguan.cases.service import ReportInput
from chengguan.core import idempotency
from chengguan.core.config import get_settings
from chengguan.core.deps import CurrentUser, DbSession, OptionalUser, client_ip
from chengguan.core.errors import NotFound
from chengguan.core.ratelimit import limiter
from chengguan.geo.api import _bbox
from chengguan.public import participation, service
from chengguan.public.schemas import (
    AdjustIn,
    BlockIn,
    FollowUpIn,
    FollowUpOut,
    PublicCase,
    PublicReportIn,
    PublicReportOut,
    RatingIn,
    SupervisorIn,
)

router = APIRouter(prefix="/api/v1/public", tags=["public"])

Code = Annotated[str, Query(min_length=4, max_length=12, description="the query code given with the case number")]


def _limit(request: Request) -> None:
    # Lookups are limited like public writes: the query code is short, guessing must stay slow.
    limiter.hit(f"public-follow:{client_ip(request)}", get_settings().public_rate_limit_per_minute * 2)


@router.get("/cases/{case_no}", response_model=PublicCase, operation_id="public_case_follow")
def public_case_follow(request: Request, session: DbSession, case_no: str, code: Code) -> PublicCase:
    """Follow a report without an account: its number and query code (both shown when it was made) →
    progress, the departments handling it, photos before and after (without GPS), the rating."""
    _limit(request)
    return service.view(session, service.find(session, case_no, code))


@router.post("/cases/{case_no}/rating", response_model=PublicCase, operation_id="public_case_rate")
def public_case_rate(request: Request, session: DbSession, case_no: str, body: RatingIn) -> PublicCase:
    """Rate the result of a closed case, 1–5 stars with an optional comment (once)."""
    _limit(request)
    case = service.rate(session, case_no, body.code, body.rating, body.comment)
    return service.view(session, case)


@router.get("/cases/{case_no}/files/{file_id}", operation_id="public_case_photo")
def public_case_photo(request: Request, session: DbSession, case_no: str, file_id: int, code: Code,
                      size: Literal["thumb", "full"] = "thumb") -> Response:
    """A photo of the report or of the result (thumbnail, or the original without GPS tags)."""
    _limit(request)
    data, ctype = service.photo(session, case_no, code, file_id, size)
    return Response(data, media_type=ctype, headers={"Cache-Control": "private, max-age=3600"})


# ---------------------------------------------------------------- reporting (web page, mini program)


@router.post("/reports", status_code=201, response_model=PublicReportOut, operation_id="public_report_create")
def public_report_create(request: Request, session: DbSession, user: OptionalUser, body: PublicReportIn,
                         idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    """Report a problem without an account (the public page and the mini program): map point or address,
    category, 立案条件, photos (tokens from ``POST /api/v1/files``), contact optional. Rate-limited, checked
    against blocked reporters, text moderated. Answers with the case number and the query code to follow it."""
    scope = f"public-report:{user.user_id if user else 'ip:' + client_ip(request)}"
    key = idempotency.check_key(idempotency_key)
    digest = idempotency.body_hash(body.model_dump(mode="json"))
    if key:
        prior = idempotency.replay(session, scope, key, digest)
        if prior is not None:
            return JSONResponse(prior[1], status_code=prior[0], headers={"Idempotent-Replayed": "true"})
    data = ReportInput(category_code=body.category_code, description=body.description, lon=body.lon, lat=body.lat,
                       crs=body.crs, address=body.address, condition_code=body.condition_code, photos=body.photos,
                       reporter_name=body.name, reporter_phone=body.phone, anonymous=body.anonymous,
                       source={"via": body.via})
    case = participation.submit(session, data, user, ip=client_ip(request), via=body.via)
    out = PublicReportOut(case_no=case.case_no, public_code=case.public_code, status=case.status,
                          status_label=service.PUBLIC_STATUS.get(case.status, case.status),
                          follow_url=f"/public?no={case.case_no}",
                          message=f"提交成功。请记下案件编号 {case.case_no} 和查询码 {case.public_code}，用于查询办理进度和评价。")
    payload = out.model_dump(mode="json")
    if key:
        idempotency.store(session, scope, key, digest, 201, payload)
    return JSONResponse(payload, status_code=201)


@router.get("/map", operation_id="public_map")
def public_map_points(request: Request, session: DbSession,
                      bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
                      limit: Annotated[int, Query(ge=1, le=2000)] = 500) -> dict[str, Any]:
    """Recent public-safe reports in the viewport: approximate position (rounded), moderated text, no
    reporter data; sensitive categories and hidden reports are left out."""
    limiter.hit(f"public-map:{client_ip(request)}", get_settings().public_rate_limit_per_minute * 10)
    box = _bbox(bbox)
    assert box is not None
    return {"items": participation.public_map(session, box, limit)}


@router.get("/me/points", operation_id="public_my_points")
def public_my_points(session: DbSession, user: CurrentUser,
                     page: Annotated[int, Query(ge=1)] = 1) -> dict[str, Any]:
    """A registered citizen's points balance and ledger (随手拍)."""
    rows, total = participation.ledger(session, user.user_id, page, 50)
    return {"balance": participation.balance(session, user.user_id), "total": total,
            "items": [_entry(r) for r in rows]}


def _entry(r: Any) -> dict[str, Any]:
    return {"id": r.id, "user_id": r.user_id, "case_id": r.case_id, "points": r.points, "reason": r.reason,
            "period": r.period, "note": r.note, "created_at": r.created_at}


# ---------------------------------------------------------------- staff: moderation, blocks, rewards, 回访

staff = APIRouter(prefix="/api/v1/participation", tags=["participation"])
MODERATORS = (Role.ADMIN, Role.ACCEPTOR, Role.SHIFT_LEADER)


@staff.get("/moderation", operation_id="participation_moderation_list")
def participation_moderation_list(session: DbSession, user: CurrentUser, flagged: bool = True,
                                  page: Annotated[int, Query(ge=1)] = 1,
                                  page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Public reports to moderate (flagged by the word list and not yet reviewed), newest first."""
    user.require(MODERATORS)
    rows, total = participation.moderation_queue(session, flagged, page, page_size)
    return {"total": total, "items": [
        {"case_id": c.id, "case_no": c.case_no, "via": m.via, "description": c.description, "flags": m.flags,
         "hidden": m.hidden, "reviewed": m.reviewed_by is not None, "created_at": m.created_at,
         "status": c.status, "reporter_phone": participation.mask_phone(c.reporter_phone)} for m, c in rows]}


@staff.post("/moderation/{case_id}", operation_id="participation_moderation_review")
def participation_moderation_review(session: DbSession, user: CurrentUser, case_id: int,
                                    body: dict[str, bool]) -> dict[str, Any]:
    """Decide on a public report: ``{"hidden": true}`` keeps it off the public map and lists."""
    user.require(MODERATORS)
    m = participation.review(session, case_id, bool(body.get("hidden")), user.user_id)
    return {"case_id": m.case_id, "hidden": m.hidden}


@staff.post("/moderation/{case_id}/block-reporter", operation_id="participation_block_reporter")
def participation_block_reporter(session: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    """Block the reporter of a spam report (IP, phone, account) from reporting again."""
    user.require(MODERATORS)
    rows = participation.block_reporter_of(session, case_id, None, user.user_id)
    participation.review(session, case_id, True, user.user_id)
    return {"blocked": [{"id": r.id, "kind": r.kind, "label": r.label} for r in rows]}


@staff.get("/blocks", operation_id="participation_blocks_list")
def participation_blocks_list(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    user.require(MODERATORS)
    from sqlalchemy import select

    from chengguan.public.models import BlockedReporter

    return [{"id": b.id, "kind": b.kind, "label": b.label, "reason": b.reason, "until": b.until,
             "created_at": b.created_at} for b in session.scalars(select(BlockedReporter).order_by(BlockedReporter.id))]


@staff.post("/blocks", status_code=201, operation_id="participation_blocks_create")
def participation_blocks_create(session: DbSession, user: CurrentUser, body: BlockIn) -> dict[str, Any]:
    user.require(MODERATORS)
    b = participation.block(session, body.kind, body.value, body.reason, body.until, user.user_id)
    return {"id": b.id, "kind": b.kind, "label": b.label}


@staff.delete("/blocks/{block_id}", status_code=204, operation_id="participation_blocks_delete")
def participation_blocks_delete(session: DbSession, user: CurrentUser, block_id: int) -> Response:
    user.require(MODERATORS)
    from chengguan.public.models import BlockedReporter

    row = session.get(BlockedReporter, block_id)
    if row is None:
        raise NotFound("封禁记录不存在")
    session.delete(row)
    return Response(status_code=204)


@staff.get("/rewards/ledger", operation_id="participation_rewards_ledger")
def participation_rewards_ledger(session: DbSession, user: CurrentUser, user_id: int | None = None,
                                 page: Annotated[int, Query(ge=1)] = 1,
                                 page_size: Annotated[int, Query(ge=1, le=200)] = 50) -> dict[str, Any]:
    """The points ledger (all citizens, or one)."""
    user.require((Role.ADMIN,))
    rows, total = participation.ledger(session, user_id, page, page_size)
    return {"total": total, "items": [_entry(r) for r in rows],
            "balance": participation.balance(session, user_id) if user_id else None}


@staff.post("/rewards/adjust", status_code=201, operation_id="participation_rewards_adjust")
def participation_rewards_adjust(session: DbSession, user: CurrentUser, body: AdjustIn) -> dict[str, Any]:
    """A manual ledger line (correction, or points redeemed: negative)."""
    user.require((Role.ADMIN,))
    return _entry(participation.adjust_points(session, body.user_id, body.points, body.note, user.user_id))


@staff.post("/rewards/run", operation_id="participation_rewards_run")
def participation_rewards_run(session: DbSession, user: CurrentUser) -> dict[str, int]:
    """Run the rewards job now (it also runs in the worker every 5 minutes)."""
    user.require((Role.ADMIN,))
    return {"awarded": participation.award_rewards(session)}


@staff.get("/supervisors", operation_id="participation_supervisors_list")
def participation_supervisors_list(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    user.require((Role.ADMIN,))
    from chengguan.accounts.models import User

    out = []
    for s in participation.supervisors(session):
        u = session.get(User, s.user_id)
        out.append({"user_id": s.user_id, "username": u.username if u else None,
                    "display_name": u.display_name if u else None, "is_active": s.is_active, "since": s.since,
                    "note": s.note})
    return out


@staff.put("/supervisors/{user_id}", operation_id="participation_supervisors_put")
def participation_supervisors_put(session: DbSession, user: CurrentUser, user_id: int,
                                  body: SupervisorIn) -> dict[str, Any]:
    """Make a registered citizen a 社会监督员 (or end it). Whether their reports skip 核实 is the setting
    ``participation.supervisors_skip_verify``."""
    user.require((Role.ADMIN,))
    s = participation.set_supervisor(session, user_id, body.is_active, body.note)
    return {"user_id": s.user_id, "is_active": s.is_active, "since": s.since, "note": s.note}


@staff.get("/cases/{case_id}/follow-ups", response_model=list[FollowUpOut], operation_id="participation_follow_ups")
def participation_follow_ups(session: DbSession, user: CurrentUser, case_id: int) -> list[Any]:
    """回访 records of a case."""
    from chengguan.cases import service as cases

    cases.get_visible(session, user, case_id)
    return [FollowUpOut.model_validate(f, from_attributes=True) for f in participation.follow_ups(session, case_id)]


@staff.post("/cases/{case_id}/follow-ups", status_code=201, response_model=FollowUpOut,
            operation_id="participation_follow_up_create")
def participation_follow_up_create(session: DbSession, user: CurrentUser, case_id: int, body: FollowUpIn) -> Any:
    """Record a 回访 (call or visit to the reporter after closure) and its answer."""
    f = participation.record_follow_up(session, case_id, user, method=body.method, reached=body.reached,
                                       satisfied=body.satisfied, rating=body.rating, note=body.note)
    return FollowUpOut.model_validate(f, from_attributes=True)
