"""月通报 API: ``GET /api/v1/reports/bulletin?period=YYYY-MM&format=pdf|html|xlsx`` (contract) and the history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel

from chengguan.bulletin import service
from chengguan.bulletin.models import Bulletin
from chengguan.core.deps import CurrentUser, DbSession

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])


def _file(body: bytes, media: str, name: str, inline: bool) -> Response:
    disp = "inline" if inline else "attachment"
    return Response(body, media_type=media, headers={"Content-Disposition": f'{disp}; filename="{name}"',
                                                     "Cache-Control": "private, no-store"})


@router.get("/bulletin", operation_id="reports_bulletin")
def reports_bulletin(session: DbSession, user: CurrentUser,
                     period: Annotated[str | None, Query(description="YYYY-MM（缺省为上月）")] = None,
                     format: Annotated[str, Query(description="pdf | html | xlsx")] = "pdf") -> Response:
    """The monthly bulletin rendered from the current data (the issued versions are in the history)."""
    body, media, name = service.render(session, user, period, format)
    return _file(body, media, name, inline=format != "xlsx")


class IssueIn(BaseModel):
    period: str | None = None


def _out(b: Bulletin) -> dict[str, Any]:
    base = f"/api/v1/reports/bulletins/{b.id}"
    return {"id": b.id, "period": b.period, "version": b.version, "title": b.title, "issued_at": b.issued_at,
            "trigger": b.trigger, "issued_by": b.issued_by, "pdf_size": b.pdf_size, "summary": b.summary,
            "files": {f: f"{base}/{f}" for f in ("pdf", "html", "xlsx")}}


@router.get("/bulletins", operation_id="reports_bulletin_history")
def reports_bulletin_history(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Issued bulletins, newest first (scheduled on the first working day of each month, or issued by hand)."""
    return [_out(b) for b in service.history(session, user)]


@router.post("/bulletins", status_code=201, operation_id="reports_bulletin_issue")
def reports_bulletin_issue(session: DbSession, user: CurrentUser, body: IssueIn) -> dict[str, Any]:
    """Issue (render and archive) the bulletin of a month now; a re-issue gets the next version number."""
    return _out(service.issue(session, user, body.period, trigger="manual"))


@router.get("/bulletins/{bulletin_id}/{fmt}", operation_id="reports_bulletin_file")
def reports_bulletin_file(session: DbSession, user: CurrentUser, bulletin_id: int, fmt: str) -> Response:
    body, media, name = service.issued_file(session, user, bulletin_id, fmt)
    return _file(body, media, name, inline=fmt != "xlsx")
