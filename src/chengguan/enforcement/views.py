"""Read models: the case page (procedure steps, deadlines, documents, record) and work-list rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.enforcement import links, procedures, service, workflow
from chengguan.enforcement.models import (
    EnforcementCase,
    EnforcementChallenge,
    EnforcementDisclosure,
    EnforcementDocument,
    EnforcementEntrustment,
    EnforcementEvent,
    EnforcementEvidence,
    EnforcementFileReview,
    EnforcementMeasure,
    EnforcementPaymentPlan,
    EnforcementRecord,
    EnforcementRecusal,
    EnforcementService,
    EnforcementTransfer,
)
from chengguan.enforcement.schemas import CaseSummary


def summary(ec: EnforcementCase) -> CaseSummary:
    now = clock.now()
    return CaseSummary(
        id=ec.id, case_no=ec.case_no, procedure=ec.procedure, status=ec.status,
        status_label=workflow.STATUS_LABELS.get(ec.status, ec.status), source=ec.source, cause=ec.cause,
        party_name=ec.party_name, next_due_at=ec.next_due_at, next_due_label=ec.next_due_label,
        overdue=bool(ec.next_due_at and ec.next_due_at < now), decision_no=ec.decision_no,
        lead_officer_id=ec.lead_officer_id, assist_officer_id=ec.assist_officer_id,
    )


def steps(session: Session, ec: EnforcementCase) -> list[dict[str, Any]]:
    """The procedure's steps with done / required flags, for the case page."""
    if ec.procedure == "summary":
        return [
            {"key": "decide", "label": "当场处罚决定", "done": ec.decided_at is not None, "at": ec.decided_at},
            {"key": "serve", "label": "当场交付", "done": ec.served_at is not None, "at": ec.served_at},
            {"key": "file", "label": "报机关备案", "done": ec.filed_at is not None, "at": ec.filed_at},
            {"key": "cash", "label": "罚款交至机关", "done": ec.cash_handed_in_at is not None, "at": ec.cash_handed_in_at,
             "required": ec.cash_collected},
            {"key": "pay", "label": "缴纳罚款", "done": ec.paid_at is not None, "at": ec.paid_at,
             "required": bool(ec.fine_amount)},
            {"key": "close", "label": "结案", "done": ec.closed_at is not None, "at": ec.closed_at},
        ]
    review = service.review_required(session, ec)
    penalty = ec.end_outcome == "penalty"
    return [
        {"key": "register", "label": "立案", "done": ec.registered_at is not None, "at": ec.registered_at},
        {"key": "investigate", "label": "调查取证", "done": ec.investigation_ended_at is not None,
         "at": ec.investigation_ended_at},
        {"key": "approve", "label": "负责人审查", "done": ec.approved_at is not None, "at": ec.approved_at},
        {"key": "collective", "label": "集体讨论", "done": ec.collective_at is not None, "at": ec.collective_at,
         "required": service.collective_required(ec)},
        {"key": "legal_review", "label": "法制审核", "done": bool(ec.legal_review_passed), "at": ec.legal_review_at,
         "required": bool(review), "why": review},
        {"key": "notify", "label": "事先告知", "done": ec.notified_at is not None, "at": ec.notified_at,
         "required": penalty},
        {"key": "defence", "label": "陈述申辩", "done": ec.statement_at is not None or ec.rights_waived,
         "at": ec.statement_at, "required": penalty},
        {"key": "hearing", "label": "听证", "done": ec.hearing_held_at is not None, "at": ec.hearing_held_at,
         "required": ec.hearing_requested_at is not None},
        {"key": "decide", "label": "作出决定", "done": ec.decided_at is not None, "at": ec.decided_at},
        {"key": "serve", "label": "送达", "done": ec.served_at is not None, "at": ec.served_at},
        {"key": "execute", "label": "执行", "done": ec.paid_at is not None or ec.court_applied_at is not None,
         "at": ec.paid_at or ec.court_applied_at, "required": bool(ec.fine_amount)},
        {"key": "close", "label": "结案", "done": ec.closed_at is not None, "at": ec.closed_at},
        {"key": "archive", "label": "归档", "done": ec.archived_at is not None, "at": ec.archived_at},
    ]


def _rows(session: Session, model: Any, case_id: int, order: Any, present: set[Any] | None = None) -> list[Any]:
    if present is not None and model not in present:
        return []
    return list(session.scalars(select(model).where(model.case_id == case_id).order_by(order)))


# The case page's child tables that are empty for most cases: one query tells which ones have rows, so the page
# costs a round trip per non-empty table instead of one per table (on PostgreSQL each round trip is ~0.3 ms idle,
# several ms on a loaded machine).
_SPARSE = (EnforcementDocument, EnforcementRecord, EnforcementEvidence, EnforcementMeasure, EnforcementService,
           EnforcementTransfer, EnforcementChallenge, EnforcementDisclosure, EnforcementFileReview, EnforcementRecusal,
           EnforcementPaymentPlan)


def _present(session: Session, case_id: int) -> set[Any]:
    flags = session.execute(select(*[select(m.id).where(m.case_id == case_id).exists() for m in _SPARSE])).one()
    return {m for m, has in zip(_SPARSE, flags, strict=True) if has}


def _plain(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def detail(session: Session, ec: EnforcementCase) -> dict[str, Any]:
    now = clock.now()
    names = service._names(session, [ec.lead_officer_id, ec.assist_officer_id, ec.legal_reviewer_id,
                                     ec.hearing_chair_id])
    days, late = service.late_fine(session, ec, now)
    case = {c.name: getattr(ec, c.name) for c in EnforcementCase.__table__.columns}
    case["status_label"] = workflow.STATUS_LABELS.get(ec.status, ec.status)
    case["lead_officer_name"] = names.get(ec.lead_officer_id or 0)
    case["assist_officer_name"] = names.get(ec.assist_officer_id or 0)
    case["penalty_text"] = service.penalty_text(ec)
    events = _rows(session, EnforcementEvent, ec.id, EnforcementEvent.seq)
    present = _present(session, ec.id)
    return {
        "case": case,
        "steps": steps(session, ec),
        "timers": [{**_plain(t, ("id", "kind", "label", "started_at", "due_at", "done_at")),
                    "overdue": t.done_at is None and t.due_at < now} for t in service.open_timers(session, ec.id)],
        "late_fine": {"days": days, "amount": str(late)},
        "court_window": service.court_window(session, ec),
        "closure_blockers": service.closure_blockers(session, ec) if ec.status in (
            "decided", "served", "enforcing", "transferred") else [],
        "events": [_plain(e, ("seq", "at", "action", "actor_id", "actor_name", "from_status", "to_status", "opinion",
                              "location", "device_id", "data")) for e in events],
        "documents": [{**_plain(d, ("id", "doc_type", "title", "doc_no", "issued_at")),
                       "pdf_url": f"/api/v1/enforcement/documents/{d.id}.pdf"}
                      for d in _rows(session, EnforcementDocument, ec.id, EnforcementDocument.id, present)],
        "records": [_plain(r, ("id", "kind", "started_at", "ended_at", "place", "subject_name", "officer_ids",
                               "content", "conclusion", "party_signed", "refusal_note", "participants"))
                    for r in _rows(session, EnforcementRecord, ec.id, EnforcementRecord.id, present)],
        "evidence": [{**_plain(e, ("id", "kind", "title", "file_id", "sha256", "collected_at", "officer_ids",
                                   "device_id", "from_monitoring", "reviewed_at")),
                      "kind_label": service.EVIDENCE_LABELS.get(e.kind, e.kind)}
                     for e in _rows(session, EnforcementEvidence, ec.id, EnforcementEvidence.id, present)],
        "measures": [_plain(m, ("id", "kind", "items", "storage_place", "started_at", "days", "due_at", "extended_at",
                                "ended_at", "outcome", "document_id"))
                     for m in _rows(session, EnforcementMeasure, ec.id, EnforcementMeasure.id, present)],
        "services": [{**_plain(s, ("id", "document_id", "method", "recipient", "sent_at", "served_at", "signed_by",
                                   "witness")), "method_label": service.METHOD_LABELS.get(s.method, s.method)}
                     for s in _rows(session, EnforcementService, ec.id, EnforcementService.id, present)],
        "transfers": [_plain(t, ("id", "kind", "receiver", "reason", "items", "reported_at", "approved_at", "sent_at",
                                 "receipt_at", "receipt_by", "reply", "reply_at", "reconsider_at", "handed_over_at",
                                 "document_id"))
                      for t in _rows(session, EnforcementTransfer, ec.id, EnforcementTransfer.id, present)],
        "challenges": [_plain(c, ("id", "kind", "started_at", "ended_at", "result"))
                       for c in _rows(session, EnforcementChallenge, ec.id, EnforcementChallenge.id, present)],
        "disclosure": next((_plain(d, ("id", "decision_no", "due_at", "published_at", "withdraw_due_at", "withdrawn_at"))
                            for d in _rows(session, EnforcementDisclosure, ec.id, EnforcementDisclosure.id, present)), None),
        "file_reviews": [_plain(r, ("id", "at", "score", "grade", "items", "note"))
                         for r in _rows(session, EnforcementFileReview, ec.id, EnforcementFileReview.id, present)],
        "credit": links.credit_summary(session, ec.party_ref_id),
        "recusals": [procedures.recusal_view(r)
                     for r in _rows(session, EnforcementRecusal, ec.id, EnforcementRecusal.id, present)],
        "payment_plans": [procedures.plan_view(x, now)
                          for x in _rows(session, EnforcementPaymentPlan, ec.id, EnforcementPaymentPlan.id, present)],
        "entrustment": _entrustment(session, ec),
    }


def _entrustment(session: Session, ec: EnforcementCase) -> dict[str, Any] | None:
    ent = session.get(EnforcementEntrustment, ec.entrustment_id) if ec.entrustment_id else None
    return procedures.entrustment_view(ent) if ent is not None else None
