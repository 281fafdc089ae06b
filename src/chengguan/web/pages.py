"""The shell's own pages: ``/`` (to the user's console), ``/login``, ``/home`` (every console the user may open)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.core.config import get_settings
from chengguan.core.deps import DbSession, OptionalUser
from chengguan.web import nav, shell

router = APIRouter(include_in_schema=False)

nav.add("home", "首页", nav.HOME, order=0, icon="⌂")


def _safe_next(raw: str | None) -> str | None:
    # Only same-site paths: "//evil.example" and "https://…" would turn the login into an open redirect.
    if raw and raw.startswith("/") and not raw.startswith("//") and "\\" not in raw:
        return raw
    return None


@router.get("/")
def root(user: OptionalUser) -> Response:
    return RedirectResponse(nav.landing_for(user) if user else "/login", status_code=303)


@router.get("/login")
def login_page(request: Request, session: DbSession, user: OptionalUser, next: str | None = None,
               switch: bool = False) -> Response:
    """The login form. Signed-in users go straight on unless they asked to switch accounts."""
    target = _safe_next(next)
    if user is not None and not switch:
        return RedirectResponse(target or nav.landing_for(user), status_code=303)
    demo: list[tuple[str, str]] = []
    if get_settings().demo_allowed:
        from chengguan.demo.loader import DEMO_LOGINS

        present = set(session.scalars(select(User.username).where(User.is_demo.is_(True),
                                                                  User.is_active.is_(True))))
        demo = [(u, label) for u, label in DEMO_LOGINS if u in present]
    return shell.render(request, "login.html", user=None, title="登录", demo_logins=demo,
                        page={"next": target})


@router.get("/favicon.ico")
def favicon() -> Response:
    # Browsers ask for /favicon.ico on pages without an icon link (JSON errors, PDFs).
    return RedirectResponse(shell.asset("img/favicon.svg"), status_code=301)


@router.get(nav.HOME)
def home_page(request: Request, user: Annotated[Principal, shell.page_user()]) -> Response:
    """Every console the user may open, and the city map."""
    return shell.render(request, "home.html", user=user, title="首页", map=True,
                        cards=[i for i in nav.items_for(user) if i.key != "home"])
