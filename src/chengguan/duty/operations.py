"""Joint operations (专项整治 / 联合执法, 公安+城管+N): agencies, teams, area and time, tasks, linked cases,
results and a report (HTML, PDF)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases.models import Case
from chengguan.core import clock
from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.duty.models import (
    DutyOperation,
    DutyOperationCase,
    DutyOperationTask,
    DutyShift,
)
from chengguan.duty.schemas import CaseLinkIn, OperationIn, OperationPatch, TaskIn, TaskPatch
from chengguan.geo.models import UnitGrid

PLANNERS = (Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER)
VIEWERS = (Role.LEADER, Role.ADMIN, Role.SHIFT_LEADER, Role.DISPATCHER)
STATUS_LABELS = {"planned": "筹备", "active": "进行中", "closed": "已结束"}
TASK_LABELS = {"open": "进行中", "done": "已完成", "cancelled": "已取消"}
# allowed status moves
MOVES = {"planned": {"active", "closed"}, "active": {"closed"}, "closed": set()}
HANDLED = ("closed",)


def _check_grids(session: Session, region_code: str, codes: list[str]) -> None:
    if not codes:
        return
    found = set(session.scalars(select(UnitGrid.code).where(UnitGrid.code.in_(codes))))
    missing = sorted(set(codes) - found)
    if missing:
        raise Invalid(f"单元网格不存在：{', '.join(missing[:5])}", code="unknown_grid", details=missing)
    outside = [c for c in codes if not c.startswith(region_code)]
    if outside:
        raise Invalid(f"单元网格不在行动区域 {region_code} 内：{', '.join(outside[:5])}", code="grid_outside_region")


def create(session: Session, p: Principal, body: OperationIn) -> DutyOperation:
    p.require(PLANNERS, region_code=body.region_code, what="组织专项行动")
    if body.ends_at <= body.starts_at:
        raise Invalid("行动结束时间应晚于开始时间")
    _check_grids(session, body.region_code, body.grid_codes)
    op = DutyOperation(title=body.title, kind=body.kind, goal=body.goal, region_code=body.region_code,
                       grid_codes=sorted(set(body.grid_codes)), starts_at=body.starts_at, ends_at=body.ends_at,
                       status="planned", lead_agency=body.lead_agency,
                       agencies=[a.model_dump() for a in body.agencies], teams=[t.model_dump() for t in body.teams],
                       results={}, summary="", created_by=p.user_id)
    session.add(op)
    session.flush()
    return op


def get(session: Session, p: Principal, op_id: int, *, manage: bool = False) -> DutyOperation:
    op = session.get(DutyOperation, op_id)
    if op is None:
        raise NotFound("没有这个专项行动")
    p.require(PLANNERS if manage else VIEWERS, region_code=op.region_code,
              what="管理专项行动" if manage else "查看专项行动")
    return op


def list_ops(session: Session, p: Principal, *, status: str | None = None) -> list[DutyOperation]:
    p.require(VIEWERS, what="查看专项行动")
    stmt = select(DutyOperation)
    if status:
        stmt = stmt.where(DutyOperation.status == status)
    rows = session.scalars(stmt.order_by(DutyOperation.starts_at.desc()).limit(500)).all()
    return [o for o in rows if any(p.covers(r, o.region_code) for r in VIEWERS)]


def update(session: Session, p: Principal, op_id: int, body: OperationPatch) -> DutyOperation:
    op = get(session, p, op_id, manage=True)
    if op.status == "closed" and (body.status is None or body.status != "closed") and \
            any(v is not None for k, v in body.model_dump().items() if k not in ("summary", "results")):
        raise Conflict("行动已结束，只能补充总结和成果", code="operation_closed")
    if body.status is not None and body.status != op.status:
        if body.status not in MOVES[op.status]:
            raise Conflict(f"行动状态不能从“{STATUS_LABELS[op.status]}”改为“{STATUS_LABELS[body.status]}”",
                           code="illegal_transition")
        op.status = body.status
    for field in ("title", "goal", "summary"):
        v = getattr(body, field)
        if v is not None:
            setattr(op, field, v)
    if body.agencies is not None:
        op.agencies = [a.model_dump() for a in body.agencies]
    if body.teams is not None:
        op.teams = [t.model_dump() for t in body.teams]
    if body.results is not None:
        if any(v < 0 for v in body.results.values()):
            raise Invalid("成果计数不能为负")
        op.results = dict(body.results)
    session.flush()
    return op


def add_task(session: Session, p: Principal, op_id: int, body: TaskIn) -> DutyOperationTask:
    op = get(session, p, op_id, manage=True)
    if op.status == "closed":
        raise Conflict("行动已结束，不能再布置任务", code="operation_closed")
    t = DutyOperationTask(title=body.title, team=body.team, place=body.place, status="open", result="")
    op.tasks.append(t)
    session.flush()
    return t


def update_task(session: Session, p: Principal, op_id: int, task_id: int, body: TaskPatch) -> DutyOperationTask:
    op = get(session, p, op_id, manage=True)
    t = next((x for x in op.tasks if x.id == task_id), None)
    if t is None:
        raise NotFound("没有这个任务")
    if body.status is not None:
        if t.status != "open" and body.status != t.status:
            raise Conflict(f"任务已{TASK_LABELS[t.status]}", code="illegal_transition")
        t.status = body.status
    if body.result is not None:
        t.result = body.result
    session.flush()
    return t


def link_cases(session: Session, p: Principal, op_id: int, body: CaseLinkIn) -> int:
    op = get(session, p, op_id, manage=True)
    cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(body.case_ids)))}
    missing = sorted(set(body.case_ids) - set(cases))
    if missing:
        raise Invalid(f"案件不存在：{missing[:10]}", code="unknown_case", details=missing)
    outside = [c.case_no for c in cases.values() if not c.grid_code.startswith(op.region_code)]
    if outside:
        raise Invalid(f"案件不在行动区域内：{', '.join(outside[:5])}", code="case_outside_region")
    have = set(session.scalars(select(DutyOperationCase.case_id).where(DutyOperationCase.operation_id == op.id)))
    now = clock.now()
    n = 0
    for cid in cases:
        if cid not in have:
            session.add(DutyOperationCase(operation_id=op.id, case_id=cid, linked_at=now))
            n += 1
    session.flush()
    return n


def linked_cases(session: Session, op: DutyOperation) -> list[Case]:
    return list(session.scalars(select(Case).join(DutyOperationCase, DutyOperationCase.case_id == Case.id)
                                .where(DutyOperationCase.operation_id == op.id).order_by(Case.reported_at)))


def area_cases(session: Session, op: DutyOperation) -> int:
    """Cases reported in the operation's area (its grids, else its region) during the operation."""
    stmt = select(func.count()).select_from(Case).where(Case.reported_at >= op.starts_at,
                                                        Case.reported_at < op.ends_at)
    if op.grid_codes:
        stmt = stmt.where(Case.grid_code.in_(op.grid_codes))
    else:
        stmt = stmt.where(Case.grid_code.startswith(op.region_code))
    return int(session.scalar(stmt) or 0)


def op_dict(session: Session, op: DutyOperation, *, full: bool = True) -> dict[str, Any]:
    from chengguan.cases import workflow

    cases = linked_cases(session, op) if full else []
    shifts = list(session.scalars(select(DutyShift).where(DutyShift.operation_id == op.id))) if full else []
    people = Counter(a.force for s in shifts for a in s.members if a.status == "on_duty")
    out: dict[str, Any] = {
        "id": op.id, "title": op.title, "kind": op.kind, "goal": op.goal, "region_code": op.region_code,
        "grid_codes": op.grid_codes, "starts_at": op.starts_at, "ends_at": op.ends_at, "status": op.status,
        "status_label": STATUS_LABELS[op.status], "lead_agency": op.lead_agency, "agencies": op.agencies,
        "teams": op.teams, "results": op.results, "summary": op.summary,
    }
    if full:
        out.update(
            tasks=[{"id": t.id, "title": t.title, "team": t.team, "place": t.place, "status": t.status,
                    "status_label": TASK_LABELS[t.status], "result": t.result} for t in op.tasks],
            cases=[{"id": c.id, "case_no": c.case_no, "status": c.status,
                    "status_label": workflow.STATUS_LABELS.get(c.status, c.status), "category_code": c.category_code,
                    "description": c.description[:80], "reported_at": c.reported_at} for c in cases],
            shifts=[{"id": s.id, "name": s.name, "starts_at": s.starts_at, "ends_at": s.ends_at,
                     "members": sum(1 for a in s.members if a.status == "on_duty")} for s in shifts],
            stats={"cases_found": len(cases), "cases_handled": sum(1 for c in cases if c.status in HANDLED),
                   "cases_in_area": area_cases(session, op),
                   "agencies": len(op.agencies),
                   "people": sum(int(a.get("people") or 0) for a in op.agencies) or sum(people.values()),
                   "rostered": dict(people),
                   "tasks_done": sum(1 for t in op.tasks if t.status == "done"), "tasks": len(op.tasks)})
    return out


_ENV = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                   autoescape=select_autoescape(["html"]))


def _fmt(v: datetime | None) -> str:
    return "" if v is None else f"{clock.local(v):%Y年%m月%d日 %H:%M}"


def report_html(session: Session, p: Principal, op_id: int) -> str:
    op = get(session, p, op_id)
    from chengguan.geo import service as geo

    d = op_dict(session, op)
    return _ENV.get_template("operation_report.html").render(
        op=d, fmt=_fmt, region=geo.division_name(session, op.region_code) or op.region_code,
        generated=_fmt(clock.now()))


def report_pdf(session: Session, p: Principal, op_id: int) -> bytes:
    from chengguan.core.pdf import render_pdf

    return render_pdf(report_html(session, p, op_id))
