"""The consoles' navigation: which pages each role sees in the menu, and where each role lands after login.

Domains register their pages at import time of their ``pages.py`` (imported by ``routes.include_all``)::

    from chengguan.web import nav
    nav.add("evaluation", "综合评价", "/evaluation", roles=[Role.LEADER, Role.ASSESSOR], order=60)
    nav.landing(Role.ASSESSOR, "/evaluation")

Nothing here grants access: every page still checks the caller's roles (``shell.page_user``) and every
API call checks role and region through ``Principal``. The menu only hides what would be refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chengguan.accounts.principal import Principal


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    href: str
    roles: frozenset[str]  # empty: every signed-in user
    order: int = 100
    icon: str = ""  # one emoji or character shown before the label on narrow screens
    group: str | None = None  # items of a group are shown together (e.g. "应用维护")

    def visible_to(self, p: Principal | None) -> bool:
        if p is None:
            return False
        return not self.roles or bool(self.roles & p.roles)


_ITEMS: dict[str, NavItem] = {}
# role → (priority, href): the smallest priority among the caller's roles wins.
_LANDING: dict[str, tuple[int, str]] = {}
HOME = "/home"


def add(key: str, label: str, href: str, roles: Iterable[str] = (), order: int = 100, icon: str = "",
        group: str | None = None) -> NavItem:
    """Register (or replace, by key) a menu entry."""
    item = NavItem(key=key, label=label, href=href, roles=frozenset(str(r) for r in roles), order=order, icon=icon,
                   group=group)
    _ITEMS[key] = item
    return item


def landing(role: str, href: str, priority: int = 100) -> None:
    """Where users holding ``role`` land after login. With several roles the lowest ``priority`` wins."""
    _LANDING[str(role)] = (priority, href)


def items_for(p: Principal | None) -> list[NavItem]:
    return sorted((i for i in _ITEMS.values() if i.visible_to(p)), key=lambda i: (i.order, i.key))


def all_items() -> list[NavItem]:
    return sorted(_ITEMS.values(), key=lambda i: (i.order, i.key))


def landing_for(p: Principal) -> str:
    found = sorted(_LANDING[r] for r in p.roles if r in _LANDING)
    return found[0][1] if found else HOME


def active_key(path: str, p: Principal | None) -> str | None:
    """The menu entry the current page belongs to: the longest href that prefixes the path."""
    best: NavItem | None = None
    for i in items_for(p):
        href = i.href.split("?")[0].rstrip("/") or "/"
        if (path == href or path.startswith(href + "/")) and (best is None or len(href) > len(best.href)):
            best = i
    return best.key if best else None
