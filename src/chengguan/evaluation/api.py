"""综合评价 API: ``GET /api/v1/evaluation/{level}?period=`` (contract) and the drill-down to the cases."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder

from chengguan.core.deps import CurrentUser, DbSession
from chengguan.evaluation import service

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

PeriodQ = Annotated[str | None, Query(description="YYYY-MM | YYYY-Qn | YYYY-Hn | YYYY | YYYY-MM-DD..YYYY-MM-DD；"
                                                  "缺省为上月")]


@router.get("/config", operation_id="evaluation_config")
def evaluation_config(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Counts, indicators with their numerators and denominators, weights, score tables, grades and the
    counting basis in force (all editable as settings ``evaluation.*``; changes apply to the next request)."""
    service._check(user)
    return service.catalogue(session)


@router.get("/{level}", operation_id="evaluation_get")
def evaluation_get(
    session: DbSession, user: CurrentUser, level: str, period: PeriodQ = None,
    unit: Annotated[str, Query(description="region: grid | community | street | district")] = "street",
    post: Annotated[str | None, Query(description="post: collector | acceptor | shift_leader | dispatcher")] = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> Any:
    """Rows of one evaluation object (``region``, ``department`` or ``post``) with their counts, indicators
    (value, score, weight), ``composite`` (0–100, null when nothing to score) and ``grade`` (A–E), ranked."""
    out = service.evaluate(session, user, level, period, unit=unit, post=post)
    items = out["items"]
    out["items"] = items[(page - 1) * page_size: page * page_size]
    out["page"], out["page_size"] = page, page_size
    return jsonable_encoder(out)


@router.get("/{level}/cases", operation_id="evaluation_drill")
def evaluation_drill(
    session: DbSession, user: CurrentUser, level: str,
    key: Annotated[str, Query(description="row key: region code, department id, or post:user_id")],
    count: Annotated[str, Query(description="count name, e.g. registered, closed_on_time, should_close")],
    period: PeriodQ = None, unit: str = "street",
    page: Annotated[int, Query(ge=1)] = 1, page_size: Annotated[int, Query(ge=1, le=200)] = 20,
) -> Any:
    """The event rows and cases behind one number (``sign`` −1 for rows subtracted in a derived count)."""
    return jsonable_encoder(service.drill(session, user, level, period, key, count, unit=unit, page=page,
                                          page_size=page_size))
