"""Every router of the platform, in one list (the app factory includes them)."""

from __future__ import annotations

from fastapi import FastAPI


def include_all(app: FastAPI) -> None:
    from chengguan.accounts import api as accounts_api
    from chengguan.catalog import api as catalog_api
    from chengguan.geo import api as geo_api
    from chengguan.org import api as org_api
    from chengguan.system import api as system_api
    from chengguan.worktime import api as worktime_api

    for r in (
        accounts_api.router, accounts_api.admin, geo_api.router, catalog_api.router, catalog_api.admin,
        org_api.router, worktime_api.router, system_api.router,
    ):
        app.include_router(r)
