"""Console pages: 考评 (assessor: inspections on the phone, notices, ranking) and the public ranking page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.assessment import service
from chengguan.core.deps import DbSession
from chengguan.core.errors import NotFound
from chengguan.evaluation import formulas as fx
from chengguan.system import settings as cfg
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)
ROLES = tuple(str(r) for r in service.VIEW_ROLES)

nav.add("assessment", "考评检查", "/assessment", roles=ROLES, order=62, icon="✅")


@router.get("/assessment")
def assessment_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    return shell.render(request, "assessment/index.html", user=user, title="考评检查",
                        page={"period": fx.parse_period(None).key,
                              "can_inspect": user.has(*service.ASSESS_ROLES)})


@router.get("/ranking")
def public_ranking_page(request: Request, session: DbSession, period: str | None = None) -> Response:
    """The published monthly ranking per class, for the media (no login)."""
    if not cfg.value(session, service.PUBLIC_RANKING.key):
        raise NotFound("考评排名未公开")
    data = service.ranking(session, None, period)
    return shell.render(request, "assessment/public.html", user=None, title="城市长效管理考评排名", data=data)
