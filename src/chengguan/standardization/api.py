"""规范化建设 API: templates (import), team self-assessment, city review, district progress."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, UploadFile
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, Field

from chengguan.core import clock
from chengguan.core.deps import CurrentUser, DbSession
from chengguan.standardization import service as svc
from chengguan.standardization.models import StdTemplate

router = APIRouter(prefix="/api/v1/standardization", tags=["standardization"])


@router.get("/templates", operation_id="std_templates")
def templates(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    from sqlalchemy import select

    return [svc.template_out(session, t) | {"is_active": t.is_active}
            for t in session.scalars(select(StdTemplate).order_by(StdTemplate.id.desc()))]


@router.post("/templates", status_code=201, operation_id="std_template_import")
async def template_import(session: DbSession, user: CurrentUser, file: UploadFile,
                          name: Annotated[str, Form(min_length=1, max_length=128)],
                          pass_score: Annotated[float | None, Form()] = None,
                          activate: Annotated[bool, Form()] = True) -> dict[str, Any]:
    """Import a checklist (.csv / .xlsx / .json; columns 方面, 子项, 编号, 小项, 分值, 佐证材料, 需佐证)."""
    data = await file.read(5_000_001)
    t = svc.import_template(session, user, name, data[:5_000_000], file.filename or "", pass_score=pass_score)
    if activate:
        svc.activate(session, user, t.id)
    return svc.template_out(session, t)


@router.get("/teams", operation_id="std_teams")
def teams(session: DbSession, user: CurrentUser, year: int | None = None) -> Any:
    return svc.progress(session, user, year or clock.local(clock.now()).year)


class StartIn(BaseModel):
    department_id: int
    year: int = Field(ge=2000, le=2100)


@router.post("/assessments", status_code=201, operation_id="std_assessment_start")
def assessment_start(session: DbSession, user: CurrentUser, body: StartIn) -> Any:
    a = svc.start(session, user, body.department_id, body.year)
    return jsonable_encoder(svc.assessment_out(session, user, a.id))


@router.get("/assessments", operation_id="std_assessments")
def assessments(session: DbSession, user: CurrentUser, year: int | None = None) -> Any:
    return jsonable_encoder(svc.list_assessments(session, user, year or clock.local(clock.now()).year))


@router.get("/assessments/{assessment_id}", operation_id="std_assessment_get")
def assessment_get(session: DbSession, user: CurrentUser, assessment_id: int) -> Any:
    return jsonable_encoder(svc.assessment_out(session, user, assessment_id))


class AnswerIn(BaseModel):
    self_points: float | None = None
    note: str | None = None
    evidence: list[str] | None = Field(default=None, max_length=9)


@router.put("/assessments/{assessment_id}/items/{item_id}", operation_id="std_answer")
def answer(session: DbSession, user: CurrentUser, assessment_id: int, item_id: int, body: AnswerIn) -> Any:
    """Self-assessment of one item with evidence (file tokens from ``POST /api/v1/files``)."""
    a = svc.answer(session, user, assessment_id, item_id, body.self_points, body.note, body.evidence)
    return {"item_id": a.item_id, "self_points": a.self_points, "evidence_ids": a.evidence_ids}


@router.post("/assessments/{assessment_id}/submit", operation_id="std_submit")
def submit(session: DbSession, user: CurrentUser, assessment_id: int) -> Any:
    svc.submit(session, user, assessment_id)
    return jsonable_encoder(svc.assessment_out(session, user, assessment_id))


class ReviewIn(BaseModel):
    points: dict[int, float] = Field(default_factory=dict)
    note: str | None = None
    send_back: bool = False


@router.post("/assessments/{assessment_id}/review", operation_id="std_review")
def review(session: DbSession, user: CurrentUser, assessment_id: int, body: ReviewIn) -> Any:
    """City review: reviewed points per item → score and 达标; or ``send_back`` with a note."""
    svc.review(session, user, assessment_id, body.points, body.note, body.send_back)
    return jsonable_encoder(svc.assessment_out(session, user, assessment_id))


class TargetIn(BaseModel):
    district_code: str = Field(pattern=r"^\d{6}$")
    year: int = Field(ge=2000, le=2100)
    ratio: float
    due: date


@router.put("/targets", operation_id="std_target")
def target(session: DbSession, user: CurrentUser, body: TargetIn) -> Any:
    t = svc.set_target(session, user, body.district_code, body.year, body.ratio, body.due)
    return {"district_code": t.district_code, "year": t.year, "ratio": t.ratio, "due": t.due}


@router.get("/progress", operation_id="std_progress")
def progress(session: DbSession, user: CurrentUser, year: int | None = None) -> Any:
    return jsonable_encoder(svc.progress(session, user, year or clock.local(clock.now()).year))


