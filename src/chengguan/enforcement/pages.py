"""Pages: the officers' console (work list with deadlines, case page with the procedure steps and documents),
the phone page for the summary procedure (当场处罚), and the public decisions page (no login)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core.deps import DbSession
from chengguan.enforcement import service
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

CONSOLE_ROLES = (Role.OFFICER, Role.AUXILIARY, Role.LEADER, Role.LEGAL_REVIEWER, Role.ASSESSOR, Role.ADMIN)
nav.add("enforcement", "网上办案", "/enforcement", roles=CONSOLE_ROLES, order=40, icon="⚖")
nav.add("enforcement-summary", "当场处罚", "/enforcement/summary", roles=[Role.OFFICER], order=41, icon="📱")
nav.landing(Role.OFFICER, "/enforcement")
nav.landing(Role.LEGAL_REVIEWER, "/enforcement")


@router.get("/enforcement")
def console(request: Request, user: Annotated[Principal, shell.page_user(*CONSOLE_ROLES)]) -> Response:
    return shell.render(request, "enforcement/console.html", user=user, title="网上办案",
                        page={"user_id": user.user_id, "case_id": request.query_params.get("case")})


@router.get("/enforcement/summary")
def summary_page(request: Request, user: Annotated[Principal, shell.page_user(Role.OFFICER)]) -> Response:
    return shell.render(request, "enforcement/summary.html", user=user, title="当场处罚",
                        page={"user_id": user.user_id})


@router.get("/public/decisions")
def public_decisions_page(request: Request, session: DbSession, q: Annotated[str | None, Query(max_length=64)] = None,
                          page: Annotated[int, Query(ge=1, le=10000)] = 1) -> Response:
    """处罚决定公示 (server-rendered; personal data masked)."""
    items, total = service.public_decisions(session, q, page, 20)
    return shell.render(request, "enforcement/public_decisions.html", user=None, title="行政处罚决定公示",
                        items=items, total=total, page_no=page, pages=max(1, (total + 19) // 20), q=q or "")
