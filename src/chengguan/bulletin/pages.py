"""Console page: 月通报 history, issue and download."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.bulletin import service
from chengguan.evaluation import formulas as fx
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)
ROLES = tuple(str(r) for r in service.VIEW_ROLES)

nav.add("bulletins", "月通报", "/bulletins", roles=ROLES, order=61, icon="📰")


@router.get("/bulletins")
def bulletins_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    return shell.render(request, "bulletin/index.html", user=user, title="月通报",
                        page={"period": fx.parse_period(None).key,
                              "can_issue": user.has(*service.ISSUE_ROLES)})
