"""Console page: 综合评价 (levels, period picker, ranking table, drill-down to the cases)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.evaluation import formulas as fx
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)
ROLES = (Role.LEADER, Role.ASSESSOR, Role.ADMIN, Role.SHIFT_LEADER)

nav.add("evaluation", "综合评价", "/evaluation", roles=ROLES, order=60, icon="📊")
nav.landing(Role.ASSESSOR, "/evaluation", priority=60)


@router.get("/evaluation")
def evaluation_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    return shell.render(request, "evaluation/index.html", user=user, title="综合评价",
                        page={"period": fx.parse_period(None).key, "grade_colours": fx.GRADE_COLOURS})
