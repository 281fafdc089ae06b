"""Workforce console pages: 人员档案 (list + detail), 执法证 (expiry lights), 培训考试, 装备台账, and 我的档案
for every member of staff. The pages only render the shell; data comes from /api/v1/workforce (which
checks role and region again)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

READERS = (Role.ADMIN, Role.LEADER, Role.ASSESSOR, Role.LEGAL_REVIEWER)
FIELD = (Role.OFFICER, Role.AUXILIARY)

nav.add("workforce", "队伍管理", "/workforce/people", roles=READERS, order=70, icon="👮", group="队伍管理")
nav.add("workforce-certs", "执法证", "/workforce/certificates", roles=READERS, order=71, icon="🪪", group="队伍管理")
nav.add("workforce-training", "培训考试", "/workforce/training", roles=READERS, order=72, icon="📚", group="队伍管理")
nav.add("workforce-equipment", "装备台账", "/workforce/equipment", roles=READERS, order=73, icon="📹", group="队伍管理")
nav.add("workforce-me", "我的档案", "/workforce/me", roles=FIELD, order=74, icon="🪪")


def _page(request: Request, user: Principal, name: str, title: str, **page: object) -> Response:
    manage = user.has(Role.ADMIN, Role.LEADER)
    return shell.render(request, f"workforce/{name}.html", user=user, title=title,
                        page={"manage": manage, **page})


@router.get("/workforce/people")
def people_page(request: Request, user: Annotated[Principal, shell.page_user(*READERS)]) -> Response:
    return _page(request, user, "people", "人员档案")


@router.get("/workforce/certificates")
def certificates_page(request: Request, user: Annotated[Principal, shell.page_user(*READERS)]) -> Response:
    return _page(request, user, "certificates", "行政执法证")


@router.get("/workforce/training")
def training_page(request: Request, user: Annotated[Principal, shell.page_user(*READERS)]) -> Response:
    return _page(request, user, "training", "培训考试")


@router.get("/workforce/equipment")
def equipment_page(request: Request, user: Annotated[Principal, shell.page_user(*READERS)]) -> Response:
    return _page(request, user, "equipment", "装备台账")


@router.get("/workforce/me")
def me_page(request: Request, user: Annotated[Principal, shell.page_user()]) -> Response:
    return _page(request, user, "me", "我的档案")
