"""考评 API: templates, units, inspections with findings, rectification notices (PDF), rankings (public too)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response

from chengguan.assessment import schemas
from chengguan.assessment import service as svc
from chengguan.core.deps import CurrentUser, DbSession
from chengguan.core.errors import NotFound
from chengguan.system import settings as cfg

router = APIRouter(prefix="/api/v1/assessment", tags=["assessment"])
public = APIRouter(prefix="/api/v1/public", tags=["public"])


@router.get("/templates", operation_id="assessment_templates")
def templates(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return svc.list_templates(session, user)


@router.post("/templates", status_code=201, operation_id="assessment_template_create")
def template_create(session: DbSession, user: CurrentUser, body: schemas.TemplateIn) -> dict[str, Any]:
    t = svc.create_template(session, user, body.name, [g.model_dump() for g in body.groups], body.description,
                            body.full_score)
    return svc.template_out(session, t)


@router.get("/units", operation_id="assessment_units")
def units(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    return svc.list_units(session, user)


@router.post("/units", status_code=201, operation_id="assessment_unit_create")
def unit_create(session: DbSession, user: CurrentUser, body: schemas.UnitIn) -> dict[str, Any]:
    u = svc.create_unit(session, user, body.name, body.unit_class, body.template_id, body.department_id,
                        body.region_code)
    return {"id": u.id, "name": u.name, "unit_class": u.unit_class, "template_id": u.template_id}


@router.post("/inspections", status_code=201, operation_id="assessment_inspection_create")
def inspection_create(session: DbSession, user: CurrentUser, body: schemas.InspectionIn) -> Any:
    """An assessor's inspection (phone): findings with item, count, place, photos; a finding with ``notice``
    issues a numbered 督查整改通知书 (deadline default: configured working days)."""
    insp = svc.record_inspection(session, user, body.unit_id, [f.model_dump() for f in body.findings],
                                 place=body.place, note=body.note)
    from sqlalchemy import select

    from chengguan.assessment.models import Finding, RectificationNotice

    fs = session.scalars(select(Finding).where(Finding.inspection_id == insp.id).order_by(Finding.id)).all()
    notices = {n.finding_id: n for n in session.scalars(select(RectificationNotice).where(
        RectificationNotice.finding_id.in_([f.id for f in fs])))}
    return jsonable_encoder({
        "id": insp.id, "unit_id": insp.unit_id, "at": insp.at, "place": insp.place,
        "findings": [{"id": f.id, "item_id": f.item_id, "deduction": f.deduction, "place": f.place,
                      "photo_ids": f.photo_ids,
                      "notice": svc.notice_out(session, notices[f.id]) if f.id in notices else None} for f in fs]})


@router.post("/findings/{finding_id}/notice", status_code=201, operation_id="assessment_notice_issue")
def notice_issue(session: DbSession, user: CurrentUser, finding_id: int, body: schemas.NoticeIn) -> Any:
    n = svc.issue_notice(session, user, finding_id, deadline=body.deadline, requirement=body.requirement)
    return jsonable_encoder(svc.notice_out(session, n))


@router.get("/notices", operation_id="assessment_notices")
def notices(session: DbSession, user: CurrentUser, state: str | None = None) -> Any:
    return jsonable_encoder(svc.list_notices(session, user, state))


@router.post("/notices/{notice_id}/follow-up", operation_id="assessment_notice_follow_up")
def notice_follow_up(session: DbSession, user: CurrentUser, notice_id: int, body: schemas.FollowUpIn) -> Any:
    """复查: passed closes the notice; failed after the deadline escalates it (extra deduction)."""
    n = svc.follow_up(session, user, notice_id, body.passed, body.note, body.photos)
    return jsonable_encoder(svc.notice_out(session, n))


@router.get("/notices/{notice_id}/pdf", operation_id="assessment_notice_pdf")
def notice_pdf(session: DbSession, user: CurrentUser, notice_id: int) -> Response:
    body = svc.notice_pdf(session, user, notice_id)
    return Response(body, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="notice-{notice_id}.pdf"'})


@router.get("/ranking", operation_id="assessment_ranking")
def ranking(session: DbSession, user: CurrentUser,
            period: Annotated[str | None, Query(description="YYYY-MM（月度）或 YYYY（年度）")] = None) -> Any:
    svc._need(user, svc.VIEW_ROLES, "查看考评排名")
    return jsonable_encoder(svc.ranking(session, user, period))


@public.get("/assessment/ranking", operation_id="public_assessment_ranking")
def public_ranking(session: DbSession, period: str | None = None,
                   format: Annotated[str, Query(description="json | xlsx")] = "json") -> Any:
    """The published ranking (for the media): unit, class, rank, score — no inspector or finding details."""
    if not cfg.value(session, svc.PUBLIC_RANKING.key):
        raise NotFound("考评排名未公开", code="not_public")
    data = svc.ranking(session, None, period)
    slim = {"period": data["period"], "label": data["label"],
            "classes": {c: [{"rank": r["rank"], "name": r["name"], "score": r["score"]} for r in rows]
                        for c, rows in data["classes"].items()}}
    if format == "xlsx":
        return Response(svc.ranking_xlsx(data), media_type="application/vnd.openxmlformats-officedocument."
                        "spreadsheetml.sheet", headers={"Content-Disposition":
                                                        f'attachment; filename="ranking-{data["period"]}.xlsx"'})
    return slim
