"""Enforcement API (/api/v1/enforcement/…) and the public decisions (/api/v1/public/decisions)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import idempotency
from chengguan.core.deps import CurrentUser, DbSession, public_rate_limit
from chengguan.core.errors import Invalid, NotFound
from chengguan.enforcement import documents, procedures, schemas, service, views
from chengguan.enforcement.models import EnforcementCase, EnforcementDisclosure
from chengguan.enforcement.schemas import CasePage, PublicDecisions

router = APIRouter(prefix="/api/v1/enforcement", tags=["enforcement"])
public = APIRouter(prefix="/api/v1/public", tags=["public"])


def _detail(session: Session, ec: EnforcementCase) -> dict[str, Any]:
    session.flush()
    return views.detail(session, ec)


@router.post("/cases", status_code=201, operation_id="enforcement_lead_create")
def lead_create(session: DbSession, user: CurrentUser, body: schemas.LeadIn) -> dict[str, Any]:
    """登记案件线索 (patrol, complaint, transfer from another agency, 指定管辖)."""
    ec = service.create_lead(session, user, service.LeadInput(**body.model_dump()))
    return _detail(session, ec)


@router.post("/handover", status_code=201, operation_id="enforcement_handover")
def handover(session: DbSession, user: CurrentUser, body: schemas.HandoverIn) -> dict[str, Any]:
    """A 数字城管 case handed over to enforcement (linked both ways)."""
    data = body.model_dump()
    case_id = data.pop("case_id")
    ec = service.handover_from_case(session, user, case_id, service.LeadInput(source="digital_case", **data))
    return _detail(session, ec)


@router.post("/summary", status_code=201, operation_id="enforcement_summary_create")
def summary_create(session: DbSession, user: CurrentUser, body: schemas.SummaryIn,
                   idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> Any:
    """当场处罚 (summary procedure), e.g. from the phone page. With ``Idempotency-Key`` a retry over a bad
    network returns the same decision and creates nothing new."""
    key = idempotency.check_key(idempotency_key)
    scope = f"enf-summary:{user.user_id}"
    digest = idempotency.body_hash(body.model_dump(mode="json"))
    if key:
        prior = idempotency.replay(session, scope, key, digest)
        if prior is not None:
            return JSONResponse(prior[1], status_code=prior[0], headers={"Idempotent-Replayed": "true"})
    ec = service.summary_case(session, user, service.SummaryInput(**body.model_dump()))
    payload = jsonable_encoder(_detail(session, ec))
    if key:
        idempotency.store(session, scope, key, digest, 201, payload)
    return JSONResponse(payload, status_code=201)


@router.get("/cases", response_model=CasePage, operation_id="enforcement_work_list")
def work_list(session: DbSession, user: CurrentUser, mine: bool = True,
              status: Annotated[list[str] | None, Query()] = None, overdue: bool | None = None,
              page: Annotated[int, Query(ge=1, le=10000)] = 1,
              page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> CasePage:
    """The officers' work list: open cases, nearest deadline first (``mine=false``: the whole region)."""
    user.require(service.STAFF, None, "查看执法案件")
    statuses = [x for s in status or [] for x in s.split(",") if x]
    bad = [s for s in statuses if s not in service.workflow.STATUS_LABELS]
    if bad:
        raise Invalid(f"未知状态：{', '.join(bad)}")
    rows = service.work_list(session, user, mine=mine, status=statuses or None,
                             overdue=overdue, page=page, page_size=page_size)
    return CasePage(items=[views.summary(c) for c in rows], page=page, page_size=page_size)


@router.get("/cases/{case_id}", operation_id="enforcement_case_get")
def case_get(session: DbSession, user: CurrentUser, case_id: int) -> dict[str, Any]:
    """The case page: data, procedure steps, deadlines, documents, records, evidence, the full event record."""
    return views.detail(session, service.get_visible(session, user, case_id))


def _kw(body: BaseModel) -> dict[str, Any]:
    return body.model_dump()


def _items(d: dict[str, Any]) -> dict[str, Any]:
    if "items" in d and isinstance(d["items"], list):
        d["items"] = [dict(i) for i in d["items"]]
    return d


# action → (body schema, handler(session, user, case_id, body dict))
Handler = Callable[[Session, Principal, int, dict[str, Any]], Any]
ACTIONS: dict[str, tuple[type[BaseModel], Handler]] = {
    "register": (schemas.RegisterIn, lambda s, u, i, b: service.register(s, u, i, **b)),
    "not-register": (schemas.ReasonIn, lambda s, u, i, b: service.not_register(s, u, i, **b)),
    "record": (schemas.RecordIn, lambda s, u, i, b: service.add_record(s, u, i, **b)),
    "evidence": (schemas.EvidenceIn, lambda s, u, i, b: service.add_evidence(s, u, i, **b)),
    "evidence-review": (schemas.EvidenceReviewIn,
                        lambda s, u, i, b: service.review_monitoring_evidence(s, u, i, b["evidence_id"])),
    "measure": (schemas.MeasureIn, lambda s, u, i, b: service.start_measure(s, u, i, **_items(b))),
    "measure-extend": (schemas.MeasureExtendIn,
                       lambda s, u, i, b: service.extend_measure(s, u, i, b.pop("measure_id"), **b)),
    "measure-end": (schemas.MeasureEndIn, lambda s, u, i, b: service.end_measure(s, u, i, b.pop("measure_id"), **b)),
    "end-investigation": (schemas.EndInvestigationIn, lambda s, u, i, b: service.end_investigation(s, u, i, **b)),
    "approve": (schemas.OpinionIn, lambda s, u, i, b: service.approve_handling(s, u, i, **b)),
    "collective": (schemas.CollectiveIn, lambda s, u, i, b: service.collective_discussion(s, u, i, **b)),
    "legal-review": (schemas.LegalReviewIn, lambda s, u, i, b: service.legal_review(s, u, i, **b)),
    "notify": (schemas.NotifyIn, lambda s, u, i, b: service.notify(s, u, i, **b)),
    "waive": (schemas.NoteIn, lambda s, u, i, b: service.waive_rights(s, u, i, **b)),
    "request-hearing": (schemas.NoteIn, lambda s, u, i, b: service.request_hearing(s, u, i, note=b["note"] or None)),
    "schedule-hearing": (schemas.ScheduleHearingIn, lambda s, u, i, b: service.schedule_hearing(s, u, i, **b)),
    "hearing-absent": (schemas.NoteIn, lambda s, u, i, b: service.hearing_absent(s, u, i, **b)),
    "extend": (schemas.ReasonIn, lambda s, u, i, b: service.extend_decision(s, u, i, **b)),
    "decide": (schemas.DecideIn, lambda s, u, i, b: service.decide(s, u, i, **b)),
    "serve": (schemas.ServeIn, lambda s, u, i, b: service.serve(s, u, i, **b)),
    "payment": (schemas.PaymentIn, lambda s, u, i, b: service.record_payment(s, u, i, **b)),
    "challenge": (schemas.ChallengeIn, lambda s, u, i, b: service.challenge(s, u, i, **b)),
    "demand": (schemas.OpinionIn, lambda s, u, i, b: service.demand(s, u, i)),
    "apply-court": (schemas.ApplyCourtIn,
                    lambda s, u, i, b: service.apply_court(s, u, i, **{**b, "note": b["note"] or None})),
    "late-fine": (schemas.OpinionIn, lambda s, u, i, b: service.decide_late_fine(s, u, i, **b)),
    "dispose": (schemas.DisposeIn, lambda s, u, i, b: service.dispose(s, u, i, **b)),
    "close": (schemas.OpinionIn, lambda s, u, i, b: service.close(s, u, i, **b)),
    "archive": (schemas.OpinionIn, lambda s, u, i, b: service.archive(s, u, i)),
    "transfer": (schemas.TransferIn, lambda s, u, i, b: service.transfer(s, u, i, **_items(b))),
    "transfer-step": (schemas.TransferStepIn,
                      lambda s, u, i, b: service.transfer_step(s, u, i, b.pop("transfer_id"), **b)),
    "file-summary": (schemas.OpinionIn, lambda s, u, i, b: service.file_summary(s, u, i, **b)),
    "hand-in-cash": (schemas.CashIn, lambda s, u, i, b: service.hand_in_cash(s, u, i, **b)),
    "publish": (schemas.OpinionIn, lambda s, u, i, b: service.publish(s, u, i)),
    "revoke": (schemas.ReasonIn, lambda s, u, i, b: service.revoke(s, u, i, **b)),
    "withdraw": (schemas.OpinionIn, lambda s, u, i, b: service.withdraw_disclosure(s, u, i)),
    "file-review": (schemas.FileReviewIn, lambda s, u, i, b: service.file_review(s, u, i, **b)),
    "recusal": (schemas.RecusalIn, lambda s, u, i, b: procedures.request_recusal(s, u, i, **b)),
    "recusal-decide": (schemas.RecusalDecideIn, lambda s, u, i, b: procedures.decide_recusal(s, u, i, **b)),
    "payment-plan": (schemas.PlanApplyIn, lambda s, u, i, b: procedures.apply_payment_plan(s, u, i, **b)),
    "payment-plan-decide": (schemas.PlanDecideIn, lambda s, u, i, b: procedures.decide_payment_plan(s, u, i, **b)),
    "instalment": (schemas.InstalmentIn, lambda s, u, i, b: procedures.record_instalment(s, u, i, **b)),
}


@router.post("/cases/{case_id}/{action}", operation_id="enforcement_case_action")
def case_action_sync(session: DbSession, user: CurrentUser, case_id: int, action: str,
                     body: dict[str, Any] | None = None) -> dict[str, Any]:
    """One act of the procedure (body per action: see docs/enforcement.md). Every act writes an event row and
    an audit entry; a refused act changes nothing (4xx with the reason in Chinese)."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise NotFound(f"未知的办案操作：{action}", code="unknown_action", details=sorted(ACTIONS))
    schema, fn = spec
    try:
        parsed = schema.model_validate(body or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first.get("loc", ()))
        raise Invalid(f"输入无效：{where} — {first.get('msg')}", details=exc.errors(include_url=False,
                                                                                  include_context=False)) from exc
    fn(session, user, case_id, _kw(parsed))
    ec = session.get(EnforcementCase, case_id)
    assert ec is not None
    return _detail(session, ec)


@router.get("/documents/{doc_id}.pdf", operation_id="enforcement_document_pdf")
def document_pdf(session: DbSession, user: CurrentUser, doc_id: int) -> Response:
    """The document as PDF (Chinese font embedded)."""
    doc = documents.get(session, doc_id)
    service.get_visible(session, user, doc.case_id)
    return Response(documents.render(session, doc), media_type="application/pdf",
                    headers={"Content-Disposition": f"inline; filename=doc-{doc.id}.pdf"})


@router.get("/checklist", operation_id="enforcement_file_review_checklist")
def checklist(user: CurrentUser) -> list[dict[str, Any]]:
    """The 案卷评查 checklist (item, label, full score)."""
    return [{"key": k, "label": label, "full": full} for k, label, full in service.CHECKLIST]


CREDIT_FIELDS = ["行政相对人名称", "行政相对人类别", "统一社会信用代码", "法定代表人", "证件类型", "证件号码", "行政处罚决定书文号",
                 "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
                 "没收违法所得、没收非法财物的金额（万元）", "处罚决定日期", "处罚有效期", "公示截止期", "处罚机关", "数据来源单位", "备注"]


@router.get("/disclosures/export", operation_id="enforcement_disclosures_export")
def disclosures_export(session: DbSession, user: CurrentUser) -> Response:
    """双公示 export (CSV, UTF-8 with BOM) of the published decisions with the credit fields."""
    user.require((Role.LEADER, Role.LEGAL_REVIEWER, Role.ADMIN, Role.OFFICER), None, "导出双公示数据")
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CREDIT_FIELDS)
    for d in session.scalars(select(EnforcementDisclosure).where(EnforcementDisclosure.published_at.is_not(None),
                                                                 EnforcementDisclosure.withdrawn_at.is_(None))
                             .order_by(EnforcementDisclosure.id)):
        x = d.public
        org = x.get("party_type") == "org"
        w.writerow([x.get("party_name"), "法人及非法人组织" if org else "自然人", x.get("uscc") or "", x.get("legal_rep") or "",
                    "" if org else "身份证", x.get("id_number") or "", x.get("decision_no"), x.get("cause"), x.get("facts"),
                    x.get("legal_basis"), "；".join(x.get("penalty_types") or []), x.get("penalty_content"),
                    x.get("fine_wan"), x.get("confiscation_wan"), x.get("decided_on"), x.get("disclosure_end"),
                    x.get("disclosure_end"), x.get("agency"), x.get("agency"), ""])
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=shuanggongshi.csv"})


@public.get("/decisions", response_model=PublicDecisions, operation_id="public_decisions")
def public_decisions(request: Request, session: DbSession, q: Annotated[str | None, Query(max_length=64)] = None,
                     page: Annotated[int, Query(ge=1, le=10000)] = 1,
                     page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> PublicDecisions:
    """处罚决定公示 (no login): published, not withdrawn decisions with personal data masked."""
    public_rate_limit(request)
    items, total = service.public_decisions(session, q, page, page_size)
    return PublicDecisions(items=items, total=total, page=page, page_size=page_size)


@router.get("/officers", operation_id="enforcement_officers")
def officers(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """Enforcement officers (for choosing the second officer or handlers), with whether their certificate is
    valid now and whether they are a leader (who approves measures)."""
    from chengguan.accounts.models import User, UserRole
    from chengguan.core import clock
    from chengguan.workforce import service as workforce

    user.require(service.STAFF, None, "查看执法人员")
    rows = session.execute(select(User.id, User.display_name).join(UserRole, UserRole.user_id == User.id)
                           .where(UserRole.role.in_((Role.OFFICER, Role.LEADER, Role.LEGAL_REVIEWER)),
                                  User.is_active.is_(True)).distinct().order_by(User.id).limit(500)).all()
    ok = workforce.certified_user_ids(session, [r[0] for r in rows], clock.now())
    # leaders (机关负责人) approve measures: the console offers them as approvers
    heads = set(session.scalars(select(UserRole.user_id).where(UserRole.role == Role.LEADER,
                                                               UserRole.user_id.in_([r[0] for r in rows]))))
    return [{"id": r[0], "name": r[1], "certified": r[0] in ok, "leader": r[0] in heads} for r in rows]


@router.get("/entrustments", operation_id="enforcement_entrustments")
def entrustments(session: DbSession, user: CurrentUser) -> list[dict[str, Any]]:
    """委托执法: the written entrustments (委托书) covering the caller's area."""
    return [procedures.entrustment_view(e) for e in procedures.list_entrustments(session, user)]


@router.post("/entrustments", status_code=201, operation_id="enforcement_entrustment_create")
def entrustment_create(session: DbSession, user: CurrentUser, body: schemas.EntrustmentIn) -> dict[str, Any]:
    """Record a written entrustment of penalty powers to an organisation (APL 20–21): powers, area, period."""
    return procedures.entrustment_view(procedures.create_entrustment(session, user, **body.model_dump()))


@router.post("/entrustments/{entrustment_id}/publish", operation_id="enforcement_entrustment_publish")
def entrustment_publish(session: DbSession, user: CurrentUser, entrustment_id: int,
                        body: schemas.EntrustmentPublishIn) -> dict[str, Any]:
    """委托书向社会公布 (APL 20): the date it was made public."""
    return procedures.entrustment_view(procedures.publish_entrustment(session, user, entrustment_id,
                                                                      **body.model_dump()))


@router.post("/entrustments/{entrustment_id}/revoke", operation_id="enforcement_entrustment_revoke")
def entrustment_revoke(session: DbSession, user: CurrentUser, entrustment_id: int,
                       body: schemas.ReasonIn) -> dict[str, Any]:
    return procedures.entrustment_view(procedures.revoke_entrustment(session, user, entrustment_id,
                                                                     **body.model_dump()))
