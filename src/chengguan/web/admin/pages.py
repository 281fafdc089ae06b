"""应用维护 (administration): categories with their 立案条件 and time limits, routing rules, departments,
users and roles, regions and grids (on the map), the working calendar, system settings (incl. the base map).

One page per section under ``/admin/<section>``, sharing ``admin/index.html`` (section menu) and one
script per section (``static/js/pages/admin-<section>.js``). Writes go through the admin APIs, which
require the admin role and validate every input (4xx in the contract's error shape).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.catalog.models import TIME_UNITS, URGENCIES
from chengguan.catalog.service import STAGES
from chengguan.core.errors import NotFound
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

SECTIONS = {
    "categories": "类别与时限",
    "routing": "派遣路由",
    "departments": "部门",
    "users": "用户与角色",
    "regions": "区域与网格",
    "calendar": "工作日历",
    "settings": "系统设置",
}

nav.add("admin", "应用维护", "/admin", roles=[Role.ADMIN], order=90, icon="⚙")
nav.landing(Role.ADMIN, "/admin", priority=90)

STAGE_LABELS = {"dispose": "处置", "accept": "受理", "verify": "核实", "register": "立案", "dispatch": "派遣",
                "check": "核查", "close": "结案"}
UNIT_LABELS = {"work_hour": "工作时", "work_day": "工作日", "urgent_hour": "紧急工作时", "natural_day": "自然日",
               "hour": "小时", "minute": "分钟"}
URGENCY_LABELS = {"normal": "一般", "urgent": "紧急", "very_urgent": "特急"}


@router.get("/admin")
def admin_root(user: Annotated[Principal, shell.page_user(Role.ADMIN)]):
    return RedirectResponse("/admin/categories", status_code=303)


@router.get("/admin/{section}")
def admin_section(request: Request, section: str, user: Annotated[Principal, shell.page_user(Role.ADMIN)]):
    if section not in SECTIONS:
        raise NotFound("没有这个维护页面")
    return shell.render(
        request, "admin/index.html", user=user, title=f"应用维护 · {SECTIONS[section]}",
        map=section == "regions", sections=SECTIONS, section=section,
        page={"section": section,
              "roles": {str(r): label for r, label in ROLE_LABELS.items()},
              "stages": {s: STAGE_LABELS.get(s, s) for s in STAGES},
              "units": {u: UNIT_LABELS.get(u, u) for u in TIME_UNITS},
              "urgencies": {u: URGENCY_LABELS.get(u, u) for u in URGENCIES}},
    )
