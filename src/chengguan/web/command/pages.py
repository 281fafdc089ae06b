"""监督指挥: the command map (``/command``), its full-screen big-screen mode (``/command/screen``) and the
leader dashboard (``/leader``).

The pages only draw the frame; the data comes from the JSON API (``/api/v1/cases/map``,
``/api/v1/dashboard/*``, ``/api/v1/positions``, ``/api/v1/grids``), always for the map's viewport, so the
pages stay usable at a million cases. Every API call is checked again for role and region.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy import select

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.cases import workflow
from chengguan.core.deps import DbSession
from chengguan.geo.models import Division
from chengguan.system import settings as cfg
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

MAP_ROLES = (Role.SHIFT_LEADER, Role.DISPATCHER, Role.ACCEPTOR, Role.LEADER, Role.ADMIN)
DASHBOARD_ROLES = (Role.LEADER, Role.SHIFT_LEADER, Role.ADMIN)

nav.add("command", "监督指挥", "/command", roles=MAP_ROLES, order=40, icon="🗺")
nav.add("leader", "领导驾驶舱", "/leader", roles=DASHBOARD_ROLES, order=45, icon="📈")
nav.landing(Role.LEADER, "/leader", priority=40)

SCREEN_REFRESH = cfg.define("command.screen_refresh_seconds", 15, "大屏和指挥地图计数的刷新间隔（秒，5–300）。",
                            "监督指挥", verified=True)
MARKER_LIMIT = cfg.define("command.marker_limit", 1500, "指挥地图单个视野内逐点显示的案件上限；超过时改为按方格汇总显示。",
                          "监督指挥", verified=True)

# Grid grades for the "按评价等级" colouring. When the evaluation module's region endpoint is mounted
# (``GET /api/v1/evaluation/region?unit=grid`` → ``{"items": [{"key": grid code, "grade": "A",
# "composite": 92.5}, …]}``, last month by default) the page uses it; another module may set
# ``GRID_GRADES_API`` to an endpoint answering either that shape or ``{grid_code: {"grade", "score"}}``.
GRID_GRADES_API: str | None = None
EVALUATION_ROUTE = "/api/v1/evaluation/{level}"


def _grades_api(request: Request) -> str | None:
    if GRID_GRADES_API:
        return GRID_GRADES_API
    if any(getattr(r, "path", None) == EVALUATION_ROUTE for r in request.app.routes):
        return "/api/v1/evaluation/region"
    return None


def _streets(session: DbSession) -> list[dict[str, str]]:
    rows = session.execute(select(Division.code, Division.name).where(Division.level == "street")
                           .order_by(Division.code)).all()
    return [{"code": c, "name": n} for c, n in rows]


def _command_page(request: Request, session: DbSession, refresh: int | None) -> dict[str, Any]:
    every = int(cfg.value(session, SCREEN_REFRESH.key))
    return {
        "statuses": workflow.STATUS_LABELS,
        "roles": {str(r): label for r, label in ROLE_LABELS.items()},
        "open_statuses": list(workflow.STEP_OF) + ["suspended"],
        "streets": _streets(session),
        "refresh_seconds": max(2, min(300, refresh)) if refresh else max(5, min(300, every)),
        "marker_limit": int(cfg.value(session, MARKER_LIMIT.key)),
        "grades_api": _grades_api(request),
        "can_urge": True,
    }


@router.get("/command")
def command_map(request: Request, session: DbSession, user: Annotated[Principal, shell.page_user(*MAP_ROLES)],
                refresh: Annotated[int | None, Query(ge=2, le=300)] = None):
    return shell.render(request, "command/map.html", user=user, title="监督指挥", map=True,
                        page=_command_page(request, session, refresh))


@router.get("/command/screen")
def command_screen(request: Request, session: DbSession, user: Annotated[Principal, shell.page_user(*MAP_ROLES)],
                   refresh: Annotated[int | None, Query(ge=2, le=300, description="counter refresh, seconds")] = None):
    return shell.render(request, "command/screen.html", user=user, title="指挥大屏", map=True, charts=True,
                        page=_command_page(request, session, refresh))


@router.get("/leader")
def leader_dashboard(request: Request, session: DbSession,
                     user: Annotated[Principal, shell.page_user(*DASHBOARD_ROLES)]):
    return shell.render(request, "command/dashboard.html", user=user, title="领导驾驶舱", map=True, charts=True,
                        page={**_command_page(request, session, None), "can_urge": user.has(Role.LEADER, Role.SHIFT_LEADER)})
