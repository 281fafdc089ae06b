"""Console page: 规范化建设 (district progress, team self-assessment with evidence, city review, import)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.standardization import service
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)
ROLES = (*service.VIEW_ROLES, Role.OFFICER)

nav.add("standardization", "规范化建设", "/standardization", roles=ROLES, order=63, icon="🏛")


@router.get("/standardization")
def standardization_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    return shell.render(request, "standardization/index.html", user=user, title="规范化建设",
                        page={"year": clock.local(clock.now()).year, "can_review": user.has(*service.REVIEW_ROLES),
                              "department_id": user.department_id})
