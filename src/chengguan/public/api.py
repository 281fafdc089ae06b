from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chengguan.core.config import get_settings
from chengguan.core.deps import DbSession, client_ip
from chengguan.core.ratelimit import limiter
from chengguan.public import service
from chengguan.public.schemas import PublicCase, RatingIn

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
