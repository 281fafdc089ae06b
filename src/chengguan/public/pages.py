"""Pages of public participation: the public page (no login: report, follow, rate, map) and the
administrator's page for Open311 keys, exchange partners, moderation, rewards and supervisors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core.deps import OptionalUser
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

nav.add("participation", "公众参与", "/participation", roles=[Role.ADMIN, Role.ACCEPTOR, Role.SHIFT_LEADER],
        order=85, icon="🤝")


@router.get("/public")
def public_page(request: Request, user: OptionalUser, no: str | None = None) -> Response:
    """Report a problem without an account, follow it by its number and query code, rate the result."""
    # The user (if signed in, e.g. a registered citizen earning points) is passed so the page carries the
    # session's CSRF token: the cookie goes with every call and unsafe ones need the token.
    return shell.render(request, "public/index.html", user=user, title="我要反映问题", map=True,
                        page={"no": (no or "")[:20], "signed_in": user is not None and user.has(Role.CITIZEN)})


@router.get("/participation")
def participation_admin_page(request: Request, user: Annotated[Principal, shell.page_user(
        Role.ADMIN, Role.ACCEPTOR, Role.SHIFT_LEADER)]) -> Response:
    """Open311 clients, exchange partners, moderation, rewards ledger, social supervisors, blocks."""
    return shell.render(request, "public/admin.html", user=user, title="公众参与与数据交换",
                        page={"admin": user.has(Role.ADMIN)})
