"""Console pages of the duty domain: rosters and on-post (勤务), track playback (轨迹回放), joint operations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

ROLES = (Role.SHIFT_LEADER, Role.LEADER, Role.ADMIN, Role.DISPATCHER)
nav.add("duty", "勤务排班", "/duty", roles=ROLES, order=70, icon="🗓")
nav.add("duty-playback", "轨迹回放", "/duty/playback", roles=ROLES, order=71, icon="🛰")
nav.add("duty-operations", "专项行动", "/duty/operations", roles=(Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER,
                                                                Role.DISPATCHER), order=72, icon="🚨")


@router.get("/duty")
def duty_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    """Today's shifts with their members, 在岗在位 and alerts; joint squads show what they lack."""
    return shell.render(request, "duty/index.html", user=user, title="勤务排班",
                        page={"day": clock.local(clock.now()).date().isoformat()})


@router.get("/duty/playback")
def duty_playback_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)],
                       user_id: int | None = None, device_id: int | None = None) -> Response:
    return shell.render(request, "duty/playback.html", user=user, title="轨迹回放", map=True,
                        page={"user_id": user_id, "device_id": device_id})


@router.get("/duty/operations")
def duty_operations_page(request: Request, user: Annotated[Principal, shell.page_user(*ROLES)]) -> Response:
    return shell.render(request, "duty/operations.html", user=user, title="专项行动")
