from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response

from chengguan.accounts.roles import Role
from chengguan.cases import actions, service, stats, views, workflow
from chengguan.cases.models import Case
from chengguan.cases.schemas import ActionIn, CaseOut, CasePage, FileOut, ReportIn, TaskOut
from chengguan.core import clock, idempotency
from chengguan.core.config import get_settings
from chengguan.core.deps import CurrentUser, DbSession, OptionalUser, client_ip
from chengguan.core.errors import Invalid, PayloadTooLarge
from chengguan.core.ratelimit import limiter
from chengguan.geo.api import _bbox
from chengguan.system import files

router = APIRouter(prefix="/api/v1", tags=["cases"])


@router.post("/reports", status_code=201, response_model=CaseOut, operation_id="reports_create")
def reports_create(
    request: Request,
    session: DbSession,
    user: OptionalUser,
    body: ReportIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    """Report a problem from any channel. Anonymous calls are the public channel (rate-limited).
    With ``Idempotency-Key`` a retry returns the same case and creates nothing new."""
    key = idempotency.check_key(idempotency_key)
    scope = f"reports:{user.user_id if user else 'ip:' + client_ip(request)}"
    digest = idempotency.body_hash(body.model_dump(mode="json"))
    if key:
        prior = idempotency.replay(session, scope, key, digest)
        if prior is not None:
            return JSONResponse(prior[1], status_code=prior[0], headers={"Idempotent-Replayed": "true"})
    rep = body.reporter
    data = service.ReportInput(
        category_code=body.category_code, kind=body.kind, description=body.description, lon=body.lon, lat=body.lat,
        crs=body.crs, address=body.address, channel=body.channel, condition_code=body.condition_code,
        urgency=body.urgency, component_code=body.component_code,
        reporter_name=rep.name if rep else None, reporter_phone=rep.phone if rep else None,
        anonymous=rep.anonymous if rep else False, photos=body.photos, source=body.source,
        self_dispose=body.self_dispose, after_photos=body.after_photos,
    )
    if user is None:
        # An anonymous report is a public one: the same abuse limits, blocks and moderation as the public page.
        from chengguan.public import participation

        case = participation.submit(session, data, None, ip=client_ip(request), via="web")
        dups = service.likely_duplicates(session, case)
    else:
        case, dups = service.create_report(session, data, user)
    out = views.detail(session, case, user, duplicates=dups)
    out.public_code = case.public_code  # shown once to the reporter, so an anonymous citizen can follow it
    payload = out.model_dump(mode="json")
    if key:
        idempotency.store(session, scope, key, digest, 201, payload)
    return JSONResponse(payload, status_code=201)


@router.get("/cases", response_model=CasePage, operation_id="cases_list")
def cases_list(
    session: DbSession,
    user: CurrentUser,
    status: Annotated[list[str] | None, Query(description="one or more public statuses")] = None,
    grid_code: Annotated[str | None, Query(pattern=r"^\d{15}$")] = None,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    community_code: Annotated[str | None, Query(pattern=r"^\d{12}$")] = None,
    department: Annotated[int | None, Query(description="department id")] = None,
    category_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    major_code: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    channel: str | None = None,
    overdue: bool | None = None,
    urged: bool | None = None,
    pending_request: Annotated[str | None, Query(pattern=r"^(any|extension|return|suspend)$")] = None,
    q: Annotated[str | None, Query(max_length=50)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    bbox: str | None = None,
    mine: bool = False,
    sort: Annotated[str, Query(pattern=r"^(due|new|id)$")] = "due",
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 20,
    with_total: bool = True,
) -> CasePage:
    """Cases the caller may see, filtered, paginated; default order: nearest deadline first."""
    statuses = []
    for s in status or []:
        statuses += [x for x in s.split(",") if x]
    bad = [s for s in statuses if s not in workflow.STATUS_LABELS]
    if bad:
        raise Invalid(f"未知状态：{', '.join(bad)}", details={"statuses": list(workflow.STATUS_LABELS)})
    f = service.CaseFilter(status=statuses or None, grid_code=grid_code, street_code=street_code,
                           community_code=community_code, department_id=department, category_code=category_code,
                           major_code=major_code, channel=channel, overdue=overdue, urged=urged,
                           pending_request=pending_request, q=q, since=since, until=until, bbox=_bbox(bbox),
                           mine=mine, sort=sort)
    rows, total = service.list_cases(session, user, f, page, page_size, with_total)
    names = views.Names(session)
    ids = [c.id for c in rows]
    pend, thumbs = views.pending_map(session, ids), views.thumb_map(session, ids)
    return CasePage(items=[views.summary(c, names, pend, thumbs) for c in rows], total=total, page=page,
                    page_size=page_size)


@router.get("/cases/stats", operation_id="cases_stats")
def cases_stats(session: DbSession, user: CurrentUser, street_code: str | None = None) -> dict[str, Any]:
    """Counts by status (and overdue) of what the caller may see."""
    f = service.CaseFilter(street_code=street_code)
    by_status = service.counts_by_status(session, user, f)
    f2 = service.CaseFilter(street_code=street_code, overdue=True, status=list(workflow.STEP_OF))
    overdue = sum(service.counts_by_status(session, user, f2).values())
    return {"by_status": by_status, "overdue": overdue}


@router.get("/cases/map", operation_id="cases_map")
def cases_map(
    session: DbSession,
    user: CurrentUser,
    bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
    status: Annotated[list[str] | None, Query()] = None,
    category_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    department: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
) -> dict[str, Any]:
    """Cases in a map viewport as light points (id, status, light, lon, lat) for clustering."""
    statuses = [x for s in status or [] for x in s.split(",") if x] or list(workflow.STEP_OF) + ["suspended"]
    f = service.CaseFilter(status=statuses, bbox=_bbox(bbox), category_code=category_code, street_code=street_code,
                           department_id=department, since=since, until=until, sort="id")
    # Columns only (no ORM objects, no assignments), in no particular order: the cheapest plan for the
    # viewport; a truncated answer makes the command map switch to /dashboard/clusters anyway.
    stmt = service.case_query(user, f).with_only_columns(
        Case.id, Case.case_no, Case.status, Case.lon, Case.lat, Case.category_code, Case.urged_at, Case.step_due_at,
        Case.step_warn_at, Case.paused_at).order_by(None).limit(limit + 1)
    rows = session.execute(stmt).all()
    truncated = len(rows) > limit
    now = clock.now()
    return {"items": [{"id": c.id, "case_no": c.case_no, "status": c.status, "light": workflow.light(c, now),
                       "lon": c.lon, "lat": c.lat, "category_code": c.category_code, "urged": c.urged_at is not None}
                      for c in rows[:limit]], "truncated": truncated}


@router.get("/cases/{case_id}", response_model=CaseOut, operation_id="cases_get")
def cases_get(session: DbSession, user: CurrentUser, case_id: int) -> Any:
    """The case with its deadlines, assignments, attachments and full timeline."""
    case = service.get_visible(session, user, case_id)
    return views.detail(session, case, user)


@router.get("/cases/{case_id}/suggested-department", operation_id="cases_suggested_department")
def cases_suggested_department(session: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    """The department the routing table picks for this case (category × place × 立案条件), for the
    dispatcher's default choice. ``department_id`` is null when no rule matches."""
    from chengguan.catalog import service as catalog

    case = service.get_visible(session, user, case_id)
    cat = catalog.get_category(session, case.category_code, case.kind)
    dept = catalog.suggest_department(session, category=cat, region_code=case.grid_code,
                                      condition_id=case.condition_id)
    return {"department_id": dept.id if dept else None, "department_name": dept.name if dept else None}


@router.get("/cases/{case_id}/duplicates", operation_id="cases_duplicates")
def cases_duplicates(session: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    """Likely duplicates: same or related category, nearby, within the configured time window."""
    case = service.get_visible(session, user, case_id)
    return {"items": service.likely_duplicates(session, case)}


@router.post("/cases/{case_id}/{action}", response_model=CaseOut, operation_id="cases_action")
def cases_action(session: DbSession, user: CurrentUser, case_id: int, action: str,
                 body: ActionIn | None = None) -> Any:
    """One workflow action (verify, register, reject, void, dispatch, return, request-extension,
    approve-extension, deny-extension, suspend, resume, feedback, check, close, urge, merge,
    self-dispose, and request-verify, approve/deny-return, approve/deny-suspend, rate)."""
    b = body or ActionIn()
    case = actions.perform(session, case_id, action, actions.ActionInput(**b.model_dump()), user)
    return views.detail(session, case, user)


@router.get("/tasks", response_model=list[TaskOut], operation_id="tasks_mine")
def tasks_mine(session: DbSession, user: CurrentUser, open_only: bool = True) -> list[TaskOut]:
    """My 核实 and 核查 tasks (collectors)."""
    names = views.Names(session)
    return [TaskOut(id=t.id, kind=t.kind, case=views.summary(c, names), created_at=t.created_at, due_at=t.due_at,
                    done_at=t.done_at) for t, c in service.my_tasks(session, user, open_only)]


# ---------------------------------------------------------------- files


@router.post("/files", response_model=FileOut, status_code=201, operation_id="files_upload", tags=["files"])
async def files_upload(request: Request, user: OptionalUser, file: UploadFile) -> Any:
    """Upload a photo, video, audio or PDF. Returns a token to put in a report's ``photos`` or an action's
    ``photos``. Type checked by content, size limited, SHA-256 kept, thumbnail made."""
    if user is None:
        limiter.hit(f"public-upload:{client_ip(request)}", get_settings().public_rate_limit_per_minute)
    limit = get_settings().upload_max_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"文件过大：最大 {limit // (1024 * 1024)} MB")
    session = request.state.db
    row = files.save_upload(session, data, file.filename or "", file.content_type,
                            user_id=user.user_id if user else None)
    return FileOut(id=row.id, token=service.file_token(row.id), sha256=row.sha256, kind=row.kind,
                   content_type=row.content_type, size=row.size, url=f"/api/v1/files/{row.id}",
                   thumb_url=f"/api/v1/files/{row.id}/thumb" if row.thumb_sha256 else None)


@router.get("/files/{file_id}", operation_id="files_get", tags=["files"])
def files_get(session: DbSession, user: OptionalUser, file_id: int) -> Response:
    row = files.get_file(session, file_id)
    files.check_access(session, row, user)
    return Response(files.store().open(row.sha256), media_type=row.content_type,
                    headers={"Cache-Control": "private, max-age=86400", "ETag": row.sha256})


@router.get("/files/{file_id}/thumb", operation_id="files_thumb", tags=["files"])
def files_thumb(session: DbSession, user: OptionalUser, file_id: int) -> Response:
    row = files.get_file(session, file_id)
    files.check_access(session, row, user)
    if not row.thumb_sha256:
        raise Invalid("该文件没有缩略图")
    return Response(files.store().open(row.thumb_sha256), media_type="image/jpeg",
                    headers={"Cache-Control": "private, max-age=86400"})


_ = Role


# ---------------------------------------------------------------- dashboards (command map, big screen, leaders)

dashboard = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@dashboard.get("/overview", operation_id="dashboard_overview")
def dashboard_overview(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Today's and this month's reported / registered / closed cases and on-time feedbacks, what is open
    and overdue now, 督办 cases, open cases by status — of what the caller may see."""
    return stats.overview(session, user)


@dashboard.get("/trend", operation_id="dashboard_trend")
def dashboard_trend(session: DbSession, user: CurrentUser, since: datetime | None = None,
                    until: datetime | None = None) -> dict[str, Any]:
    """Reported and closed cases per day (Asia/Shanghai days); default the last 30 days."""
    return stats.trend(session, user, stats.period(since, until))


@dashboard.get("/categories", operation_id="dashboard_categories")
def dashboard_categories(session: DbSession, user: CurrentUser, since: datetime | None = None,
                         until: datetime | None = None,
                         limit: Annotated[int, Query(ge=1, le=100)] = 10) -> dict[str, Any]:
    """The most reported categories of the period, and the split by channel."""
    per = stats.period(since, until)
    return {"items": stats.top_categories(session, user, per, limit),
            "channels": stats.by_channel(session, user, per)}


@dashboard.get("/hot-grids", operation_id="dashboard_hot_grids")
def dashboard_hot_grids(session: DbSession, user: CurrentUser, since: datetime | None = None,
                        until: datetime | None = None, open_only: bool = False,
                        limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict[str, Any]:
    """Unit grids ranked by cases reported in the period, with their centres (for a heat map)."""
    return {"items": stats.hot_grids(session, user, stats.period(since, until), limit, open_only)}


@dashboard.get("/grid-counts", operation_id="dashboard_grid_counts")
def dashboard_grid_counts(
    session: DbSession, user: CurrentUser,
    bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
    status: Annotated[list[str] | None, Query()] = None,
    overdue: bool | None = None,
) -> dict[str, int]:
    """Cases per unit grid in a viewport (open ones unless ``status`` is given): grid code → count."""
    statuses = [x for s in status or [] for x in s.split(",") if x]
    bad = [s for s in statuses if s not in workflow.STATUS_LABELS]
    if bad:
        raise Invalid(f"未知状态：{', '.join(bad)}")
    box = _bbox(bbox)
    assert box is not None
    return stats.grid_counts(session, user, box, statuses or None, overdue)


@dashboard.get("/departments", operation_id="dashboard_departments")
def dashboard_departments(session: DbSession, user: CurrentUser, since: datetime | None = None,
                          until: datetime | None = None) -> dict[str, Any]:
    """Per disposal department in the period: dispatched, fed back, on time, rework, overdue now."""
    return {"items": stats.departments(session, user, stats.period(since, until))}


@dashboard.get("/events", operation_id="dashboard_events")
def dashboard_events(session: DbSession, user: CurrentUser,
                     limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """The newest workflow events (big-screen ticker)."""
    return {"items": stats.recent_events(session, user, limit)}


@dashboard.get("/clusters", operation_id="dashboard_clusters")
def dashboard_clusters(
    session: DbSession, user: CurrentUser,
    bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
    status: Annotated[list[str] | None, Query()] = None,
    category_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    street_code: Annotated[str | None, Query(pattern=r"^\d{9}$")] = None,
    department: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    cells: Annotated[int, Query(ge=4, le=64)] = 24,
) -> dict[str, Any]:
    """Cases of a viewport counted per square of a ``cells`` × ``cells`` raster (open cases unless
    ``status`` is given): the command map's zoomed-out view, whatever the number of cases."""
    statuses = [x for s in status or [] for x in s.split(",") if x]
    bad = [s for s in statuses if s not in workflow.STATUS_LABELS]
    if bad:
        raise Invalid(f"未知状态：{', '.join(bad)}")
    box = _bbox(bbox)
    assert box is not None
    f = service.CaseFilter(status=statuses or list(workflow.STEP_OF) + ["suspended"], category_code=category_code,
                           street_code=street_code, department_id=department, since=since, until=until)
    return stats.clusters(session, user, f, box, cells)
