"""Every router of the platform, in one list (the app factory includes them)."""

from __future__ import annotations

from fastapi import FastAPI


def load_all() -> None:
    """Import every domain's service modules so their settings and jobs are registered (CLI, worker)."""
    from chengguan import catalog, geo, worktime  # noqa: F401
    from chengguan.assessment import jobs as _asj  # noqa: F401
    from chengguan.bulletin import jobs as _bj  # noqa: F401
    from chengguan.cases import actions as _a  # noqa: F401
    from chengguan.cases import jobs as _cj  # noqa: F401
    from chengguan.catalog import service as _c  # noqa: F401
    from chengguan.duty import jobs as _dj  # noqa: F401
    from chengguan.enforcement import jobs as _ej  # noqa: F401
    from chengguan.evaluation import service as _ev  # noqa: F401
    from chengguan.exchange import jobs as _xj  # noqa: F401
    from chengguan.geo import service as _g  # noqa: F401
    from chengguan.jobs import runner as _r  # noqa: F401
    from chengguan.open311 import service as _o311  # noqa: F401
    from chengguan.positions import service as _pos  # noqa: F401
    from chengguan.public import jobs as _pj  # noqa: F401
    from chengguan.standardization import service as _std  # noqa: F401
    from chengguan.web import basemap as _bm  # noqa: F401
    from chengguan.web.command import pages as _cmd  # noqa: F401
    from chengguan.workforce import jobs as _wfj  # noqa: F401
    from chengguan.worktime import service as _w  # noqa: F401


def include_all(app: FastAPI) -> None:
    from chengguan.accounts import api as accounts_api
    from chengguan.assessment import api as assessment_api
    from chengguan.assessment import pages as assessment_pages
    from chengguan.bulletin import api as bulletin_api
    from chengguan.bulletin import pages as bulletin_pages
    from chengguan.cases import api as cases_api
    from chengguan.catalog import api as catalog_api
    from chengguan.duty import api as duty_api
    from chengguan.duty import pages as duty_pages
    from chengguan.enforcement import api as enforcement_api
    from chengguan.enforcement import pages as enforcement_pages
    from chengguan.evaluation import api as evaluation_api
    from chengguan.evaluation import pages as evaluation_pages
    from chengguan.exchange import api as exchange_api
    from chengguan.geo import api as geo_api
    from chengguan.notify import api as notify_api
    from chengguan.open311 import api as open311_api
    from chengguan.org import api as org_api
    from chengguan.positions import api as positions_api
    from chengguan.powers.routers import foundation_routers
    from chengguan.public import api as public_api
    from chengguan.public import pages as public_pages
    from chengguan.standardization import api as standardization_api
    from chengguan.standardization import pages as standardization_pages
    from chengguan.system import api as system_api
    from chengguan.web import pages as web_pages
    from chengguan.web import shell as web_shell
    from chengguan.web.admin import pages as admin_pages
    from chengguan.web.command import pages as command_pages
    from chengguan.worktime import api as worktime_api

    web_shell.install(app)  # static files, HTML error pages, page headers (before the page routers)
    seen: set[int] = set()

    for r in (
        accounts_api.router, accounts_api.admin, geo_api.router, catalog_api.router, catalog_api.admin,
        org_api.router, worktime_api.router, system_api.router, cases_api.router, cases_api.dashboard,
        notify_api.router, positions_api.router, duty_api.router, duty_pages.router, public_api.router, web_pages.router,
        notify_api.router, positions_api.router, public_api.router, web_pages.router,
        enforcement_api.router, enforcement_api.public, enforcement_pages.router,
        evaluation_api.router, bulletin_api.router, assessment_api.router, assessment_api.public,
        standardization_api.router,
        evaluation_pages.router, bulletin_pages.router, assessment_pages.router, standardization_pages.router,
        command_pages.router,
        admin_pages.router,
        notify_api.router, positions_api.router, duty_api.router, public_api.router, web_pages.router,
        *foundation_routers(),  # 权责清单, parties/credit, 执法全过程记录
        enforcement_api.router, enforcement_api.public,
        open311_api.router, open311_api.admin, public_api.staff,
        notify_api.router, positions_api.router, duty_api.router, duty_pages.router, public_api.router, web_pages.router,
        exchange_api.router, exchange_api.admin, public_pages.router,  # 数据交换; public page + participation admin
    ):
        # Merges of parallel work can list a router twice; including it twice would duplicate its routes.
        if id(r) not in seen:
            seen.add(id(r))
            app.include_router(r)
    from chengguan.workforce import api as workforce_api  # workforce: personnel, certificates, equipment
    app.include_router(workforce_api.router)
    from chengguan.workforce import pages as workforce_pages  # workforce console pages
    app.include_router(workforce_pages.router)
    app.include_router(__import__("chengguan.web.ops.pages", fromlist=["router"]).router)  # 城管通/受理/派遣/处置
