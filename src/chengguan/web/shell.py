"""The web shell every console page uses: templates, the signed-in user, the page configuration the
browser scripts read, static assets with cache-busting versions, and the HTML error pages.

A page route looks like this (see docs/consoles.md)::

    router = APIRouter(include_in_schema=False)

    @router.get("/evaluation")
    def evaluation_page(request: Request, user: Annotated[Principal, shell.page_user(Role.LEADER)]):
        return shell.render(request, "evaluation/index.html", user=user, title="综合评价")

Pages render the frame (layout, menu, user, CSRF token, city and map configuration) on the server;
the data comes from the JSON API through ``/static/js/cg/api.js``, so the API stays the one contract.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    TemplateNotFound,
    select_autoescape,
)
from sqlalchemy.orm import Session
from starlette.staticfiles import StaticFiles

from chengguan import __version__
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.core import clock, db
from chengguan.core.config import get_settings
from chengguan.core.deps import optional_principal
from chengguan.web import nav

WEB = Path(__file__).resolve().parent
STATIC = WEB / "static"
PKG = WEB.parent


class DomainLoader(BaseLoader):
    """``"<domain>/<file>"`` → ``chengguan/<domain>/templates/<file>``, so a domain may keep its page
    templates next to its code. ``web/templates`` is searched first."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, str, Any]:
        domain, _, rest = template.partition("/")
        if not rest or not re.fullmatch(r"[a-z_][a-z0-9_]*", domain):
            raise TemplateNotFound(template)
        path = PKG / domain / "templates" / rest
        if not path.is_file():
            raise TemplateNotFound(template)
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.stat().st_mtime == mtime


env = Environment(
    loader=ChoiceLoader([FileSystemLoader(WEB / "templates"), DomainLoader()]),
    autoescape=select_autoescape(["html", "j2"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# ---------------------------------------------------------------- formatting (the same rules as fmt.js)


def fmt_datetime(value: datetime | str | None, style: str = "full") -> str:
    """Asia/Shanghai wall time: ``2026年11月21日 14:05`` (full), ``11-21 14:05`` (short), ``2026-11-21`` (date)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        t = clock.local(value)
        if style == "short":
            return t.strftime("%m-%d %H:%M")
        if style == "date":
            return t.strftime("%Y-%m-%d")
        return f"{t.year}年{t.month}月{t.day}日 {t:%H:%M}"
    if isinstance(value, date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def fmt_number(value: float | int | None, digits: int = 0) -> str:
    """Grouped digits as in tables: ``12,345``."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def fmt_compact(value: float | int | None) -> str:
    """Big counters as Chinese readers expect them: ``9,999`` · ``12.3万`` · ``2.35亿``."""
    if value is None:
        return "—"
    if abs(value) >= 1e8:
        return f"{value / 1e8:.2f}亿"
    if abs(value) >= 1e5:
        return f"{value / 1e4:.1f}万"
    return fmt_number(value)


env.filters["dt"] = fmt_datetime
env.filters["num"] = fmt_number
env.filters["compact"] = fmt_compact

# ---------------------------------------------------------------- static assets


_ASSET_HASH: dict[str, tuple[float, str]] = {}


def asset(path: str) -> str:
    """``/static/<path>?v=<content hash>``: browsers may cache for long; a changed file gets a new URL.
    For stylesheets, images and vendored scripts — not for ES modules: a module imported once as
    ``x.js?v=1`` and once as ``x.js`` would run twice, so modules keep plain URLs (revalidated)."""
    f = STATIC / path
    try:
        mtime = f.stat().st_mtime
    except FileNotFoundError:
        return f"/static/{path}"
    hit = _ASSET_HASH.get(path)
    if hit is None or hit[0] != mtime:
        hit = (mtime, hashlib.sha256(f.read_bytes()).hexdigest()[:10])
        _ASSET_HASH[path] = hit
    return f"/static/{path}?v={hit[1]}"


env.globals["asset"] = asset
env.globals["version"] = __version__

# ---------------------------------------------------------------- who is looking


class PageRedirect(Exception):
    def __init__(self, location: str) -> None:
        self.location = location


class PageForbidden(Exception):
    def __init__(self, user: Principal, roles: tuple[str, ...]) -> None:
        self.user, self.roles = user, roles


def login_url(request: Request) -> str:
    nxt = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"/login?next={quote(nxt, safe='/')}"


class _PageAuth:
    def __init__(self, roles: tuple[str, ...]) -> None:
        self.roles = roles

    def __call__(self, request: Request, p: Principal | None = Depends(optional_principal)) -> Principal:
        if p is None:
            raise PageRedirect(login_url(request))
        if self.roles and not p.has(*self.roles):
            raise PageForbidden(p, self.roles)
        return p


def page_user(*roles: str) -> Any:
    """Dependency for page routes: the signed-in user holding one of ``roles`` (any role if none given).
    Not signed in → redirect to the login page (and back afterwards); lacking the role → a 403 page."""
    return Depends(_PageAuth(tuple(str(r) for r in roles)))


def role_labels(p: Principal) -> list[str]:
    return [ROLE_LABELS.get(Role(r), r) if r in Role._value2member_map_ else r for r in sorted(p.roles)]


def user_json(p: Principal) -> dict[str, Any]:
    return {"id": p.user_id, "username": p.username, "display_name": p.display_name,
            "department_id": p.department_id, "roles": sorted(p.roles),
            "grants": [{"role": g.role, "region_code": g.region_code, "department_id": g.department_id,
                        "label": ROLE_LABELS.get(Role(g.role), g.role) if g.role in Role._value2member_map_
                        else g.role} for g in p.grants]}


def _city(session: Session | None) -> dict[str, Any] | None:
    if session is None:
        return None
    from chengguan.core.errors import NotFound
    from chengguan.geo import service as geo

    try:
        return geo.city_info(session)
    except NotFound:
        return None  # no grids imported yet: pages still work, maps show nothing


def page_config(request: Request, user: Principal | None, session: Session | None = None) -> dict[str, Any]:
    """What every page's scripts read from ``<script id="cg-config">`` (see static/js/cg/config.js)."""
    from chengguan.web import basemap

    db_session = session if session is not None else getattr(request.state, "db", None)
    return {
        "version": __version__,
        "user": user_json(user) if user else None,
        "landing": nav.landing_for(user) if user else "/login",
        "city": _city(db_session),
        "map": basemap.effective(db_session),  # settings 'map.*' over CHENGGUAN_TILE_*
        "now": clock.now().isoformat(),
    }


def render(request: Request, template: str, *, user: Principal | None, title: str, status_code: int = 200,
           session: Session | None = None, **context: Any) -> HTMLResponse:
    """Render a page inside the shared layout (``base.html``): menu for the user's roles, CSRF token,
    city and map configuration. ``context["page"]`` is passed to the page's script as JSON.

    Call it from the page route (the request's session is still open then). Outside a route — an
    exception handler, after the unit of work ended — pass ``session`` (a read-only ``session_scope``):
    touching the closed request session would open a new, never-ended write transaction."""
    config = page_config(request, user, session)
    if "page" in context:
        config["page"] = context["page"]
    city = config["city"]
    ctx = {
        "request": request, "user": user, "title": title,
        "nav": nav.items_for(user), "active": nav.active_key(request.url.path, user),
        "roles_text": "、".join(role_labels(user)) if user else "",
        "csrf": getattr(request.state, "csrf_token", "") if user else "",
        "config_json": json.dumps(config, ensure_ascii=False, default=str).replace("</", "<\\/"),
        "city_name": (city or {}).get("name") or "",
        **context,
    }
    html = env.get_template(template).render(ctx)
    # The CSP follows the base map configured now (an administrator may change the tile server at run time).
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store",
                                                               "Content-Security-Policy": _csp(config["map"]["tile_url"])})


# ---------------------------------------------------------------- install on the app


def _csp(tile: str | None = None) -> str:
    """Only our own origin — plus the tile server's host when one is configured."""
    from chengguan.web import basemap

    img = ["'self'", "data:", "blob:"]
    src = basemap.img_source(get_settings().tile_url if tile is None else tile)
    if src:
        img.append(src)
    return ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src {' '.join(img)}; connect-src 'self'; worker-src 'self'; font-src 'self' data:; "
            "frame-ancestors 'self'; base-uri 'self'; form-action 'self'")


def install(app: FastAPI) -> None:
    """Static files, the HTML error pages and the page security headers (called by routes.include_all)."""
    # The vendored CJK font, so Chinese renders on machines without system CJK fonts (closed networks).
    app.mount("/static/fonts", StaticFiles(directory=PKG / "assets" / "fonts"), name="fonts")
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    csp = _csp()

    @app.exception_handler(PageRedirect)
    async def _redirect(request: Request, exc: PageRedirect) -> Response:
        return RedirectResponse(exc.location, status_code=303)

    @app.exception_handler(PageForbidden)
    async def _forbidden(request: Request, exc: PageForbidden) -> Response:
        labels = "、".join(ROLE_LABELS.get(Role(r), r) for r in exc.roles if r in Role._value2member_map_)
        with db.session_scope(read_only=True) as session:
            return render(request, "error.html", user=exc.user, title="无权访问", status_code=403,
                          session=session, code=403, message=f"此页面需要以下角色之一：{labels}。")

    @app.middleware("http")
    async def _page_headers(request: Request, call_next):
        response = await call_next(request)
        path = request.url.path
        if path.startswith("/static/"):
            # Versioned URLs (?v=hash) may be cached for long; ES-module imports are unversioned, so
            # everything else is revalidated (cheap 304s from StaticFiles' ETag).
            if request.url.query.startswith("v=") or path.startswith(("/static/vendor/", "/static/fonts/")):
                response.headers["Cache-Control"] = "public, max-age=604800"
            else:
                response.headers["Cache-Control"] = "no-cache"
        elif response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Content-Security-Policy", csp)
        return response
