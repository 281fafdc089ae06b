"""Case → response shapes (shared by the API and the consoles)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.cases import actions, service, workflow
from chengguan.cases.models import Case, CaseAssignment, CaseAttachment, CaseRequest
from chengguan.cases.schemas import (
    AssignmentOut,
    AttachmentOut,
    CaseOut,
    CaseSummary,
    EventOut,
    RequestOut,
)
from chengguan.catalog import service as catalog
from chengguan.core import clock
from chengguan.org.models import Department
from chengguan.system.models import StoredFile


class Names:
    """Small per-request caches of department and category names."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._dept: dict[int, str] = {}

    def dept(self, dept_id: int | None) -> str | None:
        if dept_id is None:
            return None
        if dept_id not in self._dept:
            d = self.session.get(Department, dept_id)
            self._dept[dept_id] = d.name if d else str(dept_id)
        return self._dept[dept_id]

    def category(self, kind: str, code: str) -> str | None:
        return catalog.category_name(self.session, kind, code)


def summary(case: Case, names: Names, pending: dict[int, str] | None = None,
            thumbs: dict[int, int] | None = None) -> CaseSummary:
    now = clock.now()
    return CaseSummary(
        id=case.id, case_no=case.case_no, status=case.status, status_label=workflow.STATUS_LABELS[case.status],
        channel=case.channel, kind=case.kind, category_code=case.category_code,
        category_name=names.category(case.kind, case.category_code), condition_code=case.condition_number,
        urgency=case.urgency, description=case.description, address=case.address, lon=case.lon, lat=case.lat,
        grid_code=case.grid_code, street_code=case.street_code, community_code=case.community_code,
        reported_at=case.reported_at, step=case.step, step_due_at=case.step_due_at,
        dispose_due_at=case.dispose_due_at, light=workflow.light(case, now), urged=case.urged_at is not None,
        urge_note=case.urge_note,
        departments=[names.dept(a.department_id) or "" for a in case.assignments if a.state in ("active", "fed_back")],
        pending_request=(pending or {}).get(case.id),
        photo_thumb_url=f"/api/v1/files/{thumbs[case.id]}/thumb" if thumbs and case.id in thumbs else None,
    )


def pending_map(session: Session, case_ids: list[int]) -> dict[int, str]:
    if not case_ids:
        return {}
    rows = session.execute(select(CaseRequest.case_id, CaseRequest.kind).where(
        CaseRequest.case_id.in_(case_ids), CaseRequest.state == "pending"))
    return {cid: kind for cid, kind in rows}


def thumb_map(session: Session, case_ids: list[int]) -> dict[int, int]:
    """case id → file id of its first report photo that has a thumbnail (one query for a page of cases)."""
    if not case_ids:
        return {}
    rows = session.execute(
        select(CaseAttachment.case_id, func.min(CaseAttachment.file_id))
        .join(StoredFile, StoredFile.id == CaseAttachment.file_id)
        .where(CaseAttachment.case_id.in_(case_ids), CaseAttachment.stage == "report",
               StoredFile.thumb_sha256.is_not(None))
        .group_by(CaseAttachment.case_id))
    return {cid: fid for cid, fid in rows}


def detail(session: Session, case: Case, p: Principal | None, names: Names | None = None,
           duplicates: list[dict[str, Any]] | None = None) -> CaseOut:
    names = names or Names(session)
    reqs = service.pending_requests(session, case) if case.paused_at is not None or case.status == "dispatched" else []
    base = summary(case, names, {case.id: reqs[0].kind} if reqs else {})
    files = service.attachments_of(session, case)
    return CaseOut(
        **base.model_dump(),
        public_code=case.public_code if p is not None and case.reporter_user_id == p.user_id else None,
        district_code=case.district_code, region_class=case.region_class, component_code=case.component_code,
        reporter_name=case.reporter_name, reporter_phone=case.reporter_phone, anonymous=case.anonymous,
        source=case.source or {}, verified=case.verified, self_disposed=case.self_disposed,
        registered_at=case.registered_at, dispatched_at=case.dispatched_at, closed_at=case.closed_at,
        step_started_at=case.step_started_at, paused=case.paused_at is not None,
        merged_into_id=case.merged_into_id, rating=case.rating, version=case.version,
        assignments=[_assignment(a, names) for a in case.assignments],
        pending_requests=[RequestOut(id=r.id, kind=r.kind, state=r.state, department_id=r.department_id,
                                     requested_at=r.requested_at, reason=r.reason, new_due_at=r.new_due_at)
                          for r in reqs],
        attachments=[AttachmentOut(file_id=f.id, stage=a.stage, kind=f.kind, content_type=f.content_type,
                                   url=f"/api/v1/files/{f.id}",
                                   thumb_url=f"/api/v1/files/{f.id}/thumb" if f.thumb_sha256 else None,
                                   sha256=f.sha256) for a, f in files],
        timeline=[EventOut(seq=e.seq, at=e.at, action=e.action,
                           action_label=actions.ACTION_LABELS.get(e.action, _EXTRA_LABELS.get(e.action, e.action)),
                           actor_id=e.actor_id, actor_name=e.actor_name, actor_role=e.actor_role,
                           department_id=e.department_id, from_status=e.from_status, to_status=e.to_status,
                           step=e.step, step_due_at=e.step_due_at, met_deadline=e.met_deadline, opinion=e.opinion,
                           lon=e.lon, lat=e.lat, attachments=list(e.attachments or []), data=dict(e.data or {}))
                  for e in service.timeline(session, case)],
        likely_duplicates=duplicates or [],
        allowed_actions=actions.allowed_for(session, case, p, pending=reqs) if p else [],
    )


_EXTRA_LABELS = {"report": "上报", "merged-in": "并入重复案件", "request-return": "申请回退",
                 "request-suspend": "申请挂账"}


def _assignment(a: CaseAssignment, names: Names) -> AssignmentOut:
    return AssignmentOut(department_id=a.department_id, department_name=names.dept(a.department_id), lead=a.lead,
                         state=a.state, dispatched_at=a.dispatched_at, due_at=a.due_at, fed_back_at=a.fed_back_at,
                         rework=a.rework)
