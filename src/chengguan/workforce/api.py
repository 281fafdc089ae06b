"""/api/v1/workforce — personnel, certificates, training, performance, equipment.

Access: administrators and leaders manage (within their region: a person's street, or the region of the
unit an item of equipment belongs to); assessors and legal reviewers read; every member of staff reads
their own record (``/me``), their own certificates and the equipment they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, UploadFile
from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.deps import CurrentUser, DbSession
from chengguan.core.errors import Forbidden, NotFound
from chengguan.org.models import Department
from chengguan.workforce import service as wf
from chengguan.workforce.models import (
    EQUIPMENT_STATUS_LABELS,
    EQUIPMENT_TYPE_LABELS,
    FORCE_LABELS,
    KIND_LABELS,
    STATUS_LABELS,
    Certificate,
    Equipment,
    EquipmentEvent,
    EquipmentMedia,
    ExamResult,
    Person,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)
from chengguan.workforce.schemas import (
    AssignIn,
    AttendanceIn,
    CertificateIn,
    CourseIn,
    EquipmentEventIn,
    EquipmentIn,
    ExamIn,
    MediaIn,
    PerformanceIn,
    PersonIn,
    PersonPatch,
    RenewIn,
    RevokeIn,
    TrainingSessionIn,
)

router = APIRouter(prefix="/api/v1/workforce", tags=["workforce"])

MANAGERS = (Role.ADMIN, Role.LEADER)
READERS = wf.READER_ROLES
Page = Annotated[int, Query(ge=1, le=100_000)]
PageSize = Annotated[int, Query(ge=1, le=500)]


# ---------------------------------------------------------------- access


def _regions(p: Principal, roles: tuple[str, ...]) -> list[str | None]:
    out: list[str | None] = []
    for r in roles:
        out.extend(p.regions(r))
    return out


_person_region = wf.person_access_region
_dept_region = wf.department_region


def _can_read(session: Session, p: Principal, person: Person) -> bool:
    return wf.can_read_person(session, p, person)


def _read_person(session: Session, p: Principal, person_id: int) -> Person:
    person = wf.get_person(session, person_id)
    if not _can_read(session, p, person):
        raise Forbidden("您无权查看该人员档案", code="out_of_region")
    return person


def _manage_person(session: Session, p: Principal, person_id: int, what: str) -> Person:
    person = wf.get_person(session, person_id)
    p.require(MANAGERS, _person_region(session, person), what=what)
    return person


def _list_regions(p: Principal) -> list[str | None]:
    regions = _regions(p, READERS)
    if not regions:
        raise Forbidden("查看人员名册需要以下角色之一：系统管理员、领导、考评员、法制审核员", code="role_required")
    return regions


# ---------------------------------------------------------------- serialisation


def _cert(session: Session, c: Certificate, at: datetime | None = None) -> dict[str, Any]:
    light, label = wf.certificate_light(c, session, at)
    today = clock.local(at or clock.now()).date()
    return {"id": c.id, "person_id": c.person_id, "number": c.number, "issuing_body": c.issuing_body,
            "scope": c.scope, "scopes": c.scopes, "valid_from": c.valid_from, "valid_to": c.valid_to,
            "days_left": (c.valid_to - today).days, "revoked_at": c.revoked_at, "revoked_reason": c.revoked_reason,
            "light": light, "light_label": label}


def _person(session: Session, x: Person, full: bool = False) -> dict[str, Any]:
    d = session.get(Department, x.department_id) if x.department_id else None
    out: dict[str, Any] = {
        "id": x.id, "employee_no": x.employee_no, "name": x.name, "gender": x.gender, "kind": x.kind,
        "kind_label": KIND_LABELS[x.kind], "is_formal": x.is_formal, "force": x.force,
        "force_label": FORCE_LABELS[x.force], "department_id": x.department_id,
        "department_name": d.name if d else None, "street_code": x.street_code, "post": x.post, "status": x.status,
        "status_label": STATUS_LABELS[x.status], "user_id": x.user_id, "phone": x.phone,
        "photo_url": f"/api/v1/files/{x.photo_file_id}" if x.photo_file_id else None,
        "joined_on": x.joined_on, "left_on": x.left_on,
    }
    lights = [_cert(session, c) for c in x.certificates]
    best = next((c for c in lights if c["light"] in ("green", "yellow")), lights[0] if lights else None)
    out["certificate"] = best
    if full:
        out["notes"] = x.notes
        out["certificates"] = lights
        ok, reason = True, None
        if x.user_id is not None:
            try:
                wf.require_certified_officer(session, x.user_id)
            except Forbidden as exc:
                ok, reason = False, exc.message
        else:
            ok, reason = False, "未关联平台账号"
        out["enforcement"] = {"certified": ok, "reason": reason}
        duty_ok, duty_reason = wf.may_go_on_duty(session, x)
        out["duty"] = {"allowed": duty_ok, "reason": duty_reason}
        out["exams"] = [_exam(e) for e in session.scalars(
            select(ExamResult).where(ExamResult.person_id == x.id).order_by(ExamResult.taken_on.desc()).limit(50))]
        out["equipment"] = [_equipment(session, e) for e in session.scalars(
            select(Equipment).where(Equipment.holder_id == x.id).order_by(Equipment.code))]
    return out


def _exam(e: ExamResult) -> dict[str, Any]:
    return {"id": e.id, "title": e.title, "course_id": e.course_id, "post": e.post, "taken_on": e.taken_on,
            "score": e.score, "pass_mark": e.pass_mark, "passed": e.passed}


def _equipment(session: Session, e: Equipment) -> dict[str, Any]:
    holder = session.get(Person, e.holder_id) if e.holder_id else None
    d = session.get(Department, e.department_id) if e.department_id else None
    today = clock.local(clock.now()).date()
    return {"id": e.id, "code": e.code, "type": e.type, "type_label": EQUIPMENT_TYPE_LABELS[e.type],
            "model": e.model, "device_id": e.device_id, "plate_no": e.plate_no, "department_id": e.department_id,
            "department_name": d.name if d else None, "holder_id": e.holder_id,
            "holder_name": holder.name if holder else None, "status": e.status,
            "status_label": EQUIPMENT_STATUS_LABELS[e.status], "acquired_on": e.acquired_on,
            "last_check_on": e.last_check_on, "next_check_due": e.next_check_due,
            "check_overdue": e.next_check_due is not None and e.next_check_due < today
            and e.status not in ("lost", "scrapped"), "notes": e.notes}


def _session_out(ts: TrainingSession, attendance: dict[str, int] | None = None) -> dict[str, Any]:
    return {"id": ts.id, "course_id": ts.course_id, "course_title": ts.course.title, "kind": ts.course.kind,
            "starts_at": ts.starts_at, "ends_at": ts.ends_at, "location": ts.location, "trainer": ts.trainer,
            "department_id": ts.department_id, "status": ts.status, "attendance": attendance or {}}


# ---------------------------------------------------------------- people


@router.get("/me", operation_id="workforce_me")
def me(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The caller's own personnel record, certificates, exams, equipment and whether they may act as an
    enforcement officer now."""
    person = wf.person_for_user(session, user.user_id)
    if person is None:
        raise NotFound("您的账号未关联人员档案", code="no_personnel_record")
    return _person(session, person, full=True)


@router.get("/people", operation_id="workforce_people_list")
def people_list(
    session: DbSession, user: CurrentUser, q: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(pattern="^(formal|civil_servant|managed|institution|auxiliary)$")] = None,
    force: Annotated[str | None, Query(pattern="^(chengguan|xieguan|police|aux_police)$")] = None,
    status: Annotated[str | None, Query(pattern="^(in_post|training|suspended|left)$")] = None,
    department_id: int | None = None, page: Page = 1, page_size: PageSize = 50,
) -> dict[str, Any]:
    """人员名册 in the caller's region, with each person's current certificate light."""
    rows, total = wf.list_people(session, q=q, kind=kind, force=force, status=status, department_id=department_id,
                                 regions=_list_regions(user), page=page, page_size=page_size)
    return {"items": [_person(session, r) for r in rows], "total": total, "page": page, "page_size": page_size}


@router.get("/people/summary", operation_id="workforce_people_summary")
def people_summary(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """Head counts by kind/force/status in the caller's region (formal vs auxiliary, as the seeds report)."""
    stmt = wf._region_filter(select(Person.kind, Person.force, Person.status, func.count()), _list_regions(user))
    rows = session.execute(stmt.group_by(Person.kind, Person.force, Person.status)).all()
    out: dict[str, Any] = {"formal": 0, "auxiliary": 0, "by_force": {}, "by_status": {}}
    for kind, force, status, n in rows:
        if status != "left":
            out["auxiliary" if kind == "auxiliary" else "formal"] += n
            out["by_force"][force] = out["by_force"].get(force, 0) + n
        out["by_status"][status] = out["by_status"].get(status, 0) + n
    return out


@router.post("/people", status_code=201, operation_id="workforce_people_create")
def people_create(session: DbSession, user: CurrentUser, body: PersonIn) -> dict[str, Any]:
    data = _photo(session, body.model_dump())
    if data["force"] is None:
        data["force"] = "xieguan" if data["kind"] == "auxiliary" else "chengguan"
    region = data.get("street_code") or _dept_region(session, data.get("department_id"))
    user.require(MANAGERS, region, what="建立人员档案")
    person = wf.create_person(session, data, actor_id=user.user_id)
    return _person(session, person, full=True)


def _photo(session: Session, data: dict[str, Any]) -> dict[str, Any]:
    """The photo arrives as an upload token (a capability: only the uploader has it)."""
    if "photo" in data:
        from chengguan.cases.service import resolve_file_tokens

        tok = data.pop("photo")
        data["photo_file_id"] = resolve_file_tokens(session, [tok])[0] if tok else None
    return data


@router.post("/people/import", operation_id="workforce_people_import")
def people_import(session: DbSession, user: CurrentUser, file: UploadFile, dry_run: bool = False) -> dict[str, Any]:
    """导入人员花名册 (CSV, UTF-8 or GB18030; Chinese headers 工号, 姓名, 类别, 岗位 required; 性别, 队伍, 单位,
    街道代码, 状态, 电话, 入职日期, 账号, 执法证号, 发证机关, 执法范围, 有效期自, 有效期至 optional). Creates or
    updates by 工号; all-or-nothing with every error listed by line; ``dry_run`` only checks."""
    from chengguan.core.errors import PayloadTooLarge
    from chengguan.workforce import importer

    user.require(MANAGERS, what="导入人员花名册")
    data = file.file.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        raise PayloadTooLarge("导入文件过大（最大 5 MB）")
    rows = importer.read_csv(data)
    return importer.import_people(session, rows, actor_id=user.user_id, dry_run=dry_run,
                                  may_manage=lambda region: any(user.covers(r, region) for r in MANAGERS))


@router.get("/people/{person_id}", operation_id="workforce_people_get")
def people_get(session: DbSession, user: CurrentUser, person_id: int) -> dict[str, Any]:
    return _person(session, _read_person(session, user, person_id), full=True)


@router.patch("/people/{person_id}", operation_id="workforce_people_update")
def people_update(session: DbSession, user: CurrentUser, person_id: int, body: PersonPatch) -> dict[str, Any]:
    person = _manage_person(session, user, person_id, "修改人员档案")
    changes = _photo(session, body.model_dump(exclude_unset=True))
    if "street_code" in changes or "department_id" in changes:
        region = changes.get("street_code") or _dept_region(session, changes.get("department_id"))
        user.require(MANAGERS, region, what="调入该区域")
    wf.update_person(session, person, changes, actor_id=user.user_id)
    return _person(session, person, full=True)


@router.get("/people/{person_id}/history", operation_id="workforce_people_history")
def people_history(session: DbSession, user: CurrentUser, person_id: int) -> dict[str, Any]:
    """Record changes, certificates, training attendance and exams of one person, newest first."""
    return {"items": wf.history(session, _read_person(session, user, person_id))}


# ---------------------------------------------------------------- certificates


@router.get("/certification", operation_id="workforce_certification_check")
def certification_check(session: DbSession, user: CurrentUser, user_id: int,
                        scope: Annotated[str | None, Query(max_length=32)] = None) -> dict[str, Any]:
    """May ``user_id`` act as an enforcement officer now? (For pickers: the enforcement module's case-handler
    choice shows the reason.) Staff only."""
    if not user.has(*[r for r in Role if r != Role.CITIZEN]):
        raise Forbidden("仅限工作人员", code="role_required")
    try:
        cert = wf.require_certified_officer(session, user_id, scope=scope)
    except Forbidden as exc:
        return {"user_id": user_id, "certified": False, "code": exc.code, "message": exc.message}
    return {"user_id": user_id, "certified": True, "certificate": _cert(session, cert)}


@router.get("/certificates", operation_id="workforce_certificates_list")
def certificates_list(
    session: DbSession, user: CurrentUser,
    light: Annotated[str | None, Query(pattern="^(green|yellow|red)$")] = None,
    expiring_within: Annotated[int | None, Query(ge=0, le=3650)] = None,
    page: Page = 1, page_size: PageSize = 50,
) -> dict[str, Any]:
    """Certificates in the caller's region with expiry lights (green valid, yellow expiring, red expired/revoked)."""
    stmt = wf._region_filter(select(Certificate, Person).join(Person, Person.id == Certificate.person_id),
                             _list_regions(user))
    today = clock.local(clock.now()).date()
    if expiring_within is not None:
        from datetime import timedelta

        stmt = stmt.where(Certificate.revoked_at.is_(None), Certificate.valid_to >= today,
                          Certificate.valid_to <= today + timedelta(days=expiring_within))
    rows = []
    for c, p in session.execute(stmt.order_by(Certificate.valid_to, Certificate.id)):
        item = _cert(session, c) | {"person_name": p.name, "employee_no": p.employee_no,
                                    "department_id": p.department_id, "person_status": p.status}
        if light is None or item["light"] == light:
            rows.append(item)
    counts = {"green": 0, "yellow": 0, "red": 0}
    for r in rows:
        counts[r["light"]] = counts.get(r["light"], 0) + 1
    start = (page - 1) * page_size
    return {"items": rows[start:start + page_size], "total": len(rows), "page": page, "page_size": page_size,
            "lights": counts}


@router.post("/people/{person_id}/certificates", status_code=201, operation_id="workforce_certificates_create")
def certificates_create(session: DbSession, user: CurrentUser, person_id: int, body: CertificateIn) -> dict[str, Any]:
    person = _manage_person(session, user, person_id, "登记执法证")
    return _cert(session, wf.add_certificate(session, person, body.model_dump(), actor_id=user.user_id))


@router.post("/certificates/{cert_id}/revoke", operation_id="workforce_certificates_revoke")
def certificates_revoke(session: DbSession, user: CurrentUser, cert_id: int, body: RevokeIn) -> dict[str, Any]:
    cert = wf.get_certificate(session, cert_id)
    _manage_person(session, user, cert.person_id, "注销执法证")
    return _cert(session, wf.revoke_certificate(session, cert, body.reason, actor_id=user.user_id))


@router.post("/certificates/{cert_id}/renew", operation_id="workforce_certificates_renew")
def certificates_renew(session: DbSession, user: CurrentUser, cert_id: int, body: RenewIn) -> dict[str, Any]:
    cert = wf.get_certificate(session, cert_id)
    _manage_person(session, user, cert.person_id, "延续执法证")
    return _cert(session, wf.renew_certificate(session, cert, body.valid_to, actor_id=user.user_id))


# ---------------------------------------------------------------- training and exams


@router.get("/courses", operation_id="workforce_courses_list")
def courses_list(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    _list_regions(user)
    rows = session.scalars(select(TrainingCourse).order_by(TrainingCourse.code))
    return {"items": [{"id": c.id, "code": c.code, "title": c.title, "kind": c.kind, "hours": c.hours,
                       "has_exam": c.has_exam, "pass_mark": c.pass_mark, "is_active": c.is_active,
                       "description": c.description} for c in rows]}


@router.post("/courses", status_code=201, operation_id="workforce_courses_create")
def courses_create(session: DbSession, user: CurrentUser, body: CourseIn) -> dict[str, Any]:
    user.require(MANAGERS, what="新建培训课程")
    c = wf.create_course(session, body.model_dump())
    return {"id": c.id, "code": c.code, "title": c.title, "kind": c.kind}


@router.get("/training-sessions", operation_id="workforce_training_sessions_list")
def training_sessions_list(session: DbSession, user: CurrentUser, page: Page = 1,
                           page_size: PageSize = 50) -> dict[str, Any]:
    _list_regions(user)
    total = session.scalar(select(func.count(TrainingSession.id))) or 0
    rows = list(session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at.desc())
                                .offset((page - 1) * page_size).limit(page_size)))
    counts: dict[int, dict[str, int]] = {}
    if rows:
        for sid, status, n in session.execute(
                select(TrainingAttendance.session_id, TrainingAttendance.status, func.count())
                .where(TrainingAttendance.session_id.in_([r.id for r in rows]))
                .group_by(TrainingAttendance.session_id, TrainingAttendance.status)):
            counts.setdefault(sid, {})[status] = n
    return {"items": [_session_out(r, counts.get(r.id)) for r in rows], "total": total, "page": page,
            "page_size": page_size}


@router.post("/training-sessions", status_code=201, operation_id="workforce_training_sessions_create")
def training_sessions_create(session: DbSession, user: CurrentUser, body: TrainingSessionIn) -> dict[str, Any]:
    user.require(MANAGERS, what="安排培训")
    return _session_out(wf.create_session(session, body.model_dump()))


@router.post("/training-sessions/{session_id}/attendance", operation_id="workforce_training_attendance")
def training_attendance(session: DbSession, user: CurrentUser, session_id: int, body: AttendanceIn
                        ) -> dict[str, Any]:
    """Record attendance (出勤/迟到/缺勤/请假) for people of the caller's region."""
    ts = wf.get_training_session(session, session_id)
    user.require(MANAGERS, what="登记培训出勤")
    for e in body.entries:
        _manage_person(session, user, e.person_id, "登记培训出勤")
    n = wf.record_attendance(session, ts, [(e.person_id, e.status) for e in body.entries])
    return {"recorded": n, "session": _session_out(ts)}


@router.post("/people/{person_id}/exams", status_code=201, operation_id="workforce_exams_create")
def exams_create(session: DbSession, user: CurrentUser, person_id: int, body: ExamIn) -> dict[str, Any]:
    person = _manage_person(session, user, person_id, "登记考试成绩")
    return _exam(wf.record_exam(session, person, body.model_dump(), actor_id=user.user_id))


@router.get("/training/overdue", operation_id="workforce_training_overdue")
def training_overdue(session: DbSession, user: CurrentUser, department_id: int | None = None) -> dict[str, Any]:
    """培训/考试逾期: in-post staff who missed a required training (per ``workforce.training_rules``) or have
    no valid post exam (``workforce.post_exam_rule``)."""
    rows = wf.overdue_report(session, regions=_list_regions(user), department_id=department_id)
    return {"items": [{"person": _person(session, r.person), "reasons": r.reasons} for r in rows],
            "total": len(rows)}


# ---------------------------------------------------------------- performance


@router.post("/people/{person_id}/performance", status_code=201, operation_id="workforce_performance_record")
def performance_record(session: DbSession, user: CurrentUser, person_id: int, body: PerformanceIn
                       ) -> dict[str, Any]:
    person = _manage_person(session, user, person_id, "登记绩效")
    r = wf.record_performance(session, person, body.period, body.metric, body.value, body.note, user.user_id)
    return {"person_id": r.person_id, "period": r.period, "metric": r.metric, "value": r.value}


@router.get("/performance/ranking", operation_id="workforce_performance_ranking")
def performance_ranking(session: DbSession, user: CurrentUser,
                        period: Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]) -> dict[str, Any]:
    """Composite scores and ranks per group for a month; ``bottom`` marks 末位 (scheme: settings)."""
    from chengguan.system import settings as cfg

    rows = wf.ranking(session, period, regions=_list_regions(user))
    return {"period": period, "scheme": cfg.value(session, wf.PERFORMANCE_SCHEME.key), "items": rows}


# ---------------------------------------------------------------- equipment


def _equipment_regions_filter(session: Session, stmt: Any, regions: list[str | None]) -> Any:
    if None in regions:
        return stmt
    from sqlalchemy import or_

    conds = [Department.region_code.startswith(r) for r in regions if r]
    ids = select(Department.id).where(or_(*conds)) if conds else select(Department.id).where(false())
    return stmt.where(Equipment.department_id.in_(ids))


def _read_equipment(session: Session, p: Principal, equipment_id: int) -> Equipment:
    e = wf.get_equipment(session, equipment_id)
    holder = session.get(Person, e.holder_id) if e.holder_id else None
    if holder is not None and holder.user_id == p.user_id:
        return e
    region = _dept_region(session, e.department_id)
    if not any(p.covers(r, region) for r in READERS):
        raise Forbidden("您无权查看该装备", code="out_of_region")
    return e


def _manage_equipment(session: Session, p: Principal, equipment_id: int, what: str) -> Equipment:
    e = wf.get_equipment(session, equipment_id)
    p.require(MANAGERS, _dept_region(session, e.department_id), what=what)
    return e


@router.get("/equipment", operation_id="workforce_equipment_list")
def equipment_list(
    session: DbSession, user: CurrentUser,
    type: Annotated[str | None, Query(pattern="^(vehicle|motorcycle|ebike|radio|body_camera|dash_camera|camera|drone|other)$")] = None,
    status: Annotated[str | None, Query(pattern="^(in_service|idle|in_repair|lost|scrapped)$")] = None,
    holder_id: int | None = None, department_id: int | None = None, check_due: bool = False,
    q: Annotated[str | None, Query(max_length=64)] = None, page: Page = 1, page_size: PageSize = 50,
) -> dict[str, Any]:
    """装备台账 of the caller's region; ``check_due=true``: items whose periodic check is due."""
    stmt = _equipment_regions_filter(session, select(Equipment), _list_regions(user))
    if type:
        stmt = stmt.where(Equipment.type == type)
    if status:
        stmt = stmt.where(Equipment.status == status)
    if holder_id is not None:
        stmt = stmt.where(Equipment.holder_id == holder_id)
    if department_id is not None:
        stmt = stmt.where(Equipment.department_id == department_id)
    if q:
        like = f"%{q}%"
        from sqlalchemy import or_

        stmt = stmt.where(or_(Equipment.code.like(like), Equipment.device_id.like(like),
                              Equipment.plate_no.like(like), Equipment.model.like(like)))
    if check_due:
        stmt = stmt.where(Equipment.status.in_(("in_service", "idle", "in_repair")),
                          Equipment.next_check_due <= clock.local(clock.now()).date())
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Equipment.code).offset((page - 1) * page_size).limit(page_size))
    by_type = dict(session.execute(
        _equipment_regions_filter(session, select(Equipment.type, func.count()), _list_regions(user))
        .group_by(Equipment.type)).all())
    return {"items": [_equipment(session, e) for e in rows], "total": total, "page": page, "page_size": page_size,
            "by_type": by_type}


@router.get("/equipment/mine", operation_id="workforce_equipment_mine")
def equipment_mine(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    person = wf.person_for_user(session, user.user_id)
    if person is None:
        return {"items": []}
    rows = session.scalars(select(Equipment).where(Equipment.holder_id == person.id).order_by(Equipment.code))
    return {"items": [_equipment(session, e) for e in rows]}


@router.post("/equipment", status_code=201, operation_id="workforce_equipment_create")
def equipment_create(session: DbSession, user: CurrentUser, body: EquipmentIn) -> dict[str, Any]:
    user.require(MANAGERS, _dept_region(session, body.department_id), what="登记装备")
    if body.department_id is not None and session.get(Department, body.department_id) is None:
        from chengguan.core.errors import Invalid

        raise Invalid(f"单位 {body.department_id} 不存在", code="unknown_department")
    return _equipment(session, wf.create_equipment(session, body.model_dump(), actor_id=user.user_id))


@router.get("/equipment/{equipment_id}", operation_id="workforce_equipment_get")
def equipment_get(session: DbSession, user: CurrentUser, equipment_id: int) -> dict[str, Any]:
    e = _read_equipment(session, user, equipment_id)
    events = session.scalars(select(EquipmentEvent).where(EquipmentEvent.equipment_id == e.id)
                             .order_by(EquipmentEvent.at.desc(), EquipmentEvent.id.desc()).limit(100))
    media = session.scalars(select(EquipmentMedia).where(EquipmentMedia.equipment_id == e.id)
                            .order_by(EquipmentMedia.recorded_at.desc()).limit(50))
    return _equipment(session, e) | {
        "events": [{"id": ev.id, "kind": ev.kind, "at": ev.at, "result": ev.result, "note": ev.note,
                    "cost": ev.cost, "holder_id": ev.holder_id} for ev in events],
        "media": [{"file_id": m.file_id, "recorded_at": m.recorded_at, "holder_id": m.holder_id,
                   "url": f"/api/v1/files/{m.file_id}"} for m in media],
    }


@router.post("/equipment/{equipment_id}/assign", operation_id="workforce_equipment_assign")
def equipment_assign(session: DbSession, user: CurrentUser, equipment_id: int, body: AssignIn) -> dict[str, Any]:
    """领用 (holder_id) or 归还 (holder_id null)."""
    e = _manage_equipment(session, user, equipment_id, "装备领用/归还")
    if body.holder_id is not None:
        _manage_person(session, user, body.holder_id, "向该人员发放装备")
    return _equipment(session, wf.assign_equipment(session, e, body.holder_id, user.user_id, body.note))


@router.post("/equipment/{equipment_id}/events", status_code=201, operation_id="workforce_equipment_event")
def equipment_event(session: DbSession, user: CurrentUser, equipment_id: int, body: EquipmentEventIn
                    ) -> dict[str, Any]:
    """检查 / 保养 / 维修 / 状态变更."""
    e = _manage_equipment(session, user, equipment_id, "登记装备检查维修")
    wf.record_equipment_event(session, e, body.kind, result=body.result, note=body.note, cost=body.cost,
                              status=body.status, at=body.at, actor_id=user.user_id)
    return _equipment(session, e)


@router.post("/media", status_code=201, operation_id="workforce_media_register")
def media_register(session: DbSession, user: CurrentUser, body: MediaIn) -> dict[str, Any]:
    """Link an uploaded recording to the 执法记录仪 (device id) that produced it. The device's holder, a
    manager of its unit, or any certified officer uploading evidence may register."""
    eq = wf.equipment_by_device(session, body.device_id)
    if eq is None:
        raise NotFound(f"设备号 {body.device_id} 未登记", code="unknown_device")
    holder = session.get(Person, eq.holder_id) if eq.holder_id else None
    if not (holder is not None and holder.user_id == user.user_id) and not any(
            user.covers(r, _dept_region(session, eq.department_id)) for r in MANAGERS):
        wf.require_certified_officer(session, user.user_id)
    m = wf.register_media(session, body.device_id, body.file_id, body.recorded_at)
    return wf.media_device(session, m.file_id) or {}


@router.get("/media/{file_id}", operation_id="workforce_media_get")
def media_get(session: DbSession, user: CurrentUser, file_id: int) -> dict[str, Any]:
    """Which device (and holder) recorded stored file ``file_id``."""
    if not user.has(*[r for r in Role if r != Role.CITIZEN]):
        raise Forbidden("仅限工作人员", code="role_required")
    info = wf.media_device(session, file_id)
    if info is None:
        raise NotFound(f"文件 {file_id} 没有登记录制设备", code="unknown_media")
    return info
