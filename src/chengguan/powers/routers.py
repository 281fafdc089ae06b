"""The routers of the enforcement foundations (powers, parties/credit, audit), for routes.include_all."""

from __future__ import annotations

from fastapi import APIRouter


def foundation_routers() -> list[APIRouter]:
    from chengguan.audit import api as audit_api
    from chengguan.parties import api as parties_api
    from chengguan.powers import api as powers_api
    from chengguan.powers import pages as powers_pages

    return [powers_api.public, powers_api.router, powers_api.admin, parties_api.router, audit_api.router,
            powers_pages.router]
