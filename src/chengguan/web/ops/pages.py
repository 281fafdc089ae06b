"""Page routes of the operations consoles (see docs/consoles.md):

* ``/m/`` — 城管通, the collector's phone app (tasks, new report with an offline queue, history, 自行处置);
  its service worker is served from ``/m/sw.js`` so that its scope is ``/m/``.
* ``/accept`` — 受理 (acceptors and shift leaders): incoming reports, 核实, 立案/不予立案/作废/合并, 结案.
* ``/dispatch`` — 派遣 (dispatchers): registered cases, dispatch, approvals of 回退/延期/挂账.
* ``/dept`` — 处置 (department handlers): work list with lights and countdowns, feedback, requests.

The pages only render the frame; every list and action goes through the cases API, which checks role and
region again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

ACCEPT_ROLES = (Role.ACCEPTOR, Role.SHIFT_LEADER)

nav.add("ops-mobile", "城管通", "/m/", roles=[Role.COLLECTOR], order=10, icon="📱")
nav.add("ops-accept", "受理", "/accept", roles=ACCEPT_ROLES, order=11, icon="📥")
nav.add("ops-dispatch", "派遣", "/dispatch", roles=[Role.DISPATCHER], order=12, icon="📤")
nav.add("ops-dept", "处置", "/dept", roles=[Role.DEPT_HANDLER], order=13, icon="🛠")
nav.landing(Role.COLLECTOR, "/m/", priority=50)
nav.landing(Role.SHIFT_LEADER, "/accept", priority=40)
nav.landing(Role.ACCEPTOR, "/accept", priority=41)
nav.landing(Role.DISPATCHER, "/dispatch", priority=42)
nav.landing(Role.DEPT_HANDLER, "/dept", priority=45)

SW_FILE = shell.STATIC / "js" / "pages" / "ops-sw.js"


@router.get("/m")
def mobile_redirect() -> Response:
    return RedirectResponse("/m/", status_code=307)


@router.get("/m/")
def mobile_page(request: Request, user: Annotated[Principal, shell.page_user(Role.COLLECTOR)]) -> Response:
    """城管通: one page with three tabs (任务 · 上报 · 记录), usable offline once loaded."""
    return shell.render(request, "ops/mobile.html", user=user, title="城管通", map=True,
                        page={"console": "mobile", "css": shell.asset("css/ops.css")})


@router.get("/m/sw.js")
def mobile_service_worker() -> Response:
    """The 城管通 service worker (app-shell cache; asks the page to flush the offline queue on sync)."""
    return Response(SW_FILE.read_text(encoding="utf-8"), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/m/"})


@router.get("/accept")
def accept_page(request: Request, user: Annotated[Principal, shell.page_user(*ACCEPT_ROLES)]) -> Response:
    return shell.render(request, "ops/accept.html", user=user, title="受理", map=True,
                        page={"console": "accept", "shift_leader": user.has(Role.SHIFT_LEADER)})


@router.get("/dispatch")
def dispatch_page(request: Request, user: Annotated[Principal, shell.page_user(Role.DISPATCHER)]) -> Response:
    return shell.render(request, "ops/dispatch.html", user=user, title="派遣", map=True,
                        page={"console": "dispatch"})


@router.get("/dept")
def dept_page(request: Request, user: Annotated[Principal, shell.page_user(Role.DEPT_HANDLER)]) -> Response:
    return shell.render(request, "ops/dept.html", user=user, title="处置", map=True,
                        page={"console": "dept", "departments": sorted(user.departments())})


@router.get("/m/manifest.webmanifest")
def mobile_manifest() -> Response:
    """Lets a phone put 城管通 on its home screen as an app."""
    import json

    body = {"name": "城管通", "short_name": "城管通", "start_url": "/m/", "scope": "/m/", "display": "standalone",
            "background_color": "#eef2f6", "theme_color": "#0b5cad", "lang": "zh-CN",
            "icons": [{"src": shell.asset("img/favicon.svg"), "sizes": "any", "type": "image/svg+xml"}]}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json",
                    headers={"Cache-Control": "no-cache"})
