"""Following and rating a report with its number and query code."""

from __future__ import annotations

import hmac

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.cases import actions, workflow
from chengguan.cases import service as cases
from chengguan.cases.models import Case
from chengguan.catalog.models import Category
from chengguan.core.errors import NotFound
from chengguan.core.files import strip_exif_gps
from chengguan.org.models import Department
from chengguan.public.schemas import PublicCase, PublicPhoto, PublicStep
from chengguan.system import files

# What a citizen is told in each state (staff labels such as "已反馈待核查" mean nothing to them).
PUBLIC_STATUS = {
    "reported": "已受理", "verifying": "已受理，正在核实", "registered": "已立案，等待派遣", "dispatched": "处置中",
    "fed_back": "处置完成，正在核查", "checked": "处置完成，正在核查", "closed": "已办结", "rejected": "不予立案",
    "voided": "已撤销", "suspended": "暂缓处置", "merged": "已与相同问题合并办理",
}
# Events a citizen sees, with the text to show; opinions only where they are meant for the reporter.
PUBLIC_EVENTS: dict[str, tuple[str, bool]] = {
    "report": ("问题已提交", False), "verify": ("现场核实", False), "register": ("立案", False),
    "dispatch": ("派遣至处置单位", False), "feedback": ("处置单位反馈处理结果", True),
    "check": ("现场核查", False), "close": ("办结", False), "reject": ("不予立案", True), "void": ("撤销", True),
    "merge": ("与相同问题合并办理", False), "suspend": ("暂缓处置", False), "approve-suspend": ("暂缓处置", False),
    "resume": ("恢复处置", False), "approve-extension": ("处置期限延长", False), "rate": ("您的评价", True),
}
NOT_FOUND = "未找到该案件：请核对案件编号和查询码"


def find(session: Session, case_no: str, code: str) -> Case:
    """The case with this number, if ``code`` is its query code. A wrong number and a wrong code give the
    same answer, so the endpoint cannot be used to test which numbers exist."""
    case = session.scalar(select(Case).where(Case.case_no == case_no.strip()))
    if case is None or not hmac.compare_digest(case.public_code.upper(), (code or "").strip().upper()):
        raise NotFound(NOT_FOUND, code="unknown_case")
    return case


def view(session: Session, case: Case, *, depth: int = 0) -> PublicCase:
    cat = session.scalar(select(Category.name).where(Category.kind == case.kind, Category.code == case.category_code))
    dept_ids = list(dict.fromkeys(a.department_id for a in case.assignments if a.state != "cancelled"))
    depts = dict(session.execute(select(Department.id, Department.name).where(Department.id.in_(dept_ids))).all()) \
        if dept_ids else {}
    steps = []
    for e in cases.timeline(session, case):
        spec = PUBLIC_EVENTS.get(e.action)
        if spec is None or (e.action == "check" and not (e.data or {}).get("passed")):
            continue
        label, with_opinion = spec
        text = e.opinion if with_opinion else None
        if e.action == "dispatch":
            names = (e.data or {}).get("department_names") or []
            text = "、".join(names) or None
        if e.action == "rate":
            text = f"{(e.data or {}).get('rating')} 星" + (f"：{e.opinion}" if e.opinion else "")
        steps.append(PublicStep(at=e.at, label=label, text=text))
    photos = [PublicPhoto(file_id=f.id, stage=a.stage, url=_photo_url(case, f.id, "full"),
                          thumb_url=_photo_url(case, f.id, "thumb"))
              for a, f in cases.attachments_of(session, case) if a.stage in ("report", "feedback") and f.kind == "image"]
    merged = None
    if case.status == "merged" and case.merged_into_id and depth == 0:
        target = session.get(Case, case.merged_into_id)
        if target is not None:
            merged = view(session, target, depth=1)
            merged.photos = []  # the other reporter's photos are not this citizen's to see
    return PublicCase(
        case_no=case.case_no, status=case.status, status_label=PUBLIC_STATUS.get(case.status, case.status),
        finished=case.status in workflow.TERMINAL, category_name=cat, description=case.description,
        address=case.address, reported_at=case.reported_at, closed_at=case.closed_at,
        departments=[depts[d] for d in dept_ids if d in depts], steps=steps,
        photos=photos if depth == 0 else [], rating=case.rating,
        can_rate=case.status == "closed" and case.rating is None and depth == 0, merged_into=merged)


def _photo_url(case: Case, file_id: int, size: str) -> str:
    # The query code is not put in the URL here: the page adds it (it already holds it).
    return f"/api/v1/public/cases/{case.case_no}/files/{file_id}?size={size}"


def rate(session: Session, case_no: str, code: str, rating: int, comment: str | None) -> Case:
    """The reporter rates the result of a closed case (once)."""
    found = find(session, case_no, code)
    case = workflow.lock_case(session, found.id)
    assert case is not None
    actions._status(case, ("closed",), "评价")
    actions.rate_case(session, case, rating, (comment or "").strip() or None,
                      workflow.Actor(None, "公众", "public"))
    return case


def photo(session: Session, case_no: str, code: str, file_id: int, size: str) -> tuple[bytes, str]:
    """A report or result photo of the case: the thumbnail, or the original without its GPS tags."""
    case = find(session, case_no, code)
    for a, f in cases.attachments_of(session, case):
        if f.id == file_id and a.stage in ("report", "feedback") and f.kind == "image":
            if size == "thumb" and f.thumb_sha256:
                return files.store().open(f.thumb_sha256), "image/jpeg"
            return strip_exif_gps(files.store().open(f.sha256)), f.content_type
    raise NotFound("该案件没有这张照片", code="unknown_file")

