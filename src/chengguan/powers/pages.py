"""Pages: the public 权责清单 (no login, server-rendered so it works without JavaScript)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core.deps import DbSession
from chengguan.core.errors import Invalid, NotFound
from chengguan.powers import service
from chengguan.powers.models import POWER_TYPES
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

LEVEL_LABELS = {"city": "市级", "district": "区（县）级", "street": "乡镇（街道）"}


@router.get("/public/powers")
def public_powers_page(
    request: Request, session: DbSession, type: Annotated[str | None, Query(max_length=4)] = None,
    q: Annotated[str | None, Query(max_length=50)] = None, page: Annotated[int, Query(ge=1, le=10000)] = 1,
) -> Response:
    """权责清单 for the public: filter by type and text, 20 per page."""
    if type == "":
        type = None
    if type is not None and type not in POWER_TYPES:
        raise Invalid(f"职权类型应为 {'/'.join(POWER_TYPES)}", code="bad_power_type")
    rows, total = service.list_powers(session, power_type=type, q=q, page=page, page_size=20)
    items = [service.power_view(p) for p in rows]
    pages = max(1, (total + 19) // 20)
    return shell.render(request, "powers/public_list.html", user=None, title="权责清单", items=items, total=total,
                        page_no=page, pages=pages, types=POWER_TYPES, type=type or "", q=q or "",
                        levels=LEVEL_LABELS, any_demo=any(i["is_demo"] for i in items))


@router.get("/public/powers/{code}")
def public_power_page(request: Request, session: DbSession, code: str) -> Response:
    """One power with its legal basis, responsibilities and the published 裁量基准."""
    p = service.power_by_code(session, code)
    if not p.is_active:
        raise NotFound(f"权责清单中没有事项 {code}", code="power_not_found")
    stds = [service.standard_view(s) for s in service.standards(session, p, current_at=service.today())]
    return shell.render(request, "powers/public_detail.html", user=None, title=p.name, p=service.power_view(p),
                        standards=stds, levels=LEVEL_LABELS)


# ---------------------------------------------------------------- officials' console

CONSOLE_ROLES = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)
nav.add("powers", "权责与裁量", "/enforcement/powers", roles=list(CONSOLE_ROLES), order=70, icon="⚖")


@router.get("/enforcement/powers")
def powers_console(request: Request, user: Annotated[Principal, shell.page_user(*CONSOLE_ROLES)]) -> Response:
    """权责清单 with the 裁量 calculator (facts → tier, range, reasons), the party record lookup and the
    执法全过程记录 viewer."""
    return shell.render(request, "powers/console.html", user=user, title="权责与裁量",
                        page={"today": service.today().isoformat()})
