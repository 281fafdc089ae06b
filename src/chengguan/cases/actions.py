"""The workflow actions of POST /api/v1/cases/{id}/{action}: each checks the caller's role and region
and the case's status, does its side effects (assignments, tasks, requests, notifications) and
calls ``workflow.transition``. Refusals raise 403/409/422 before anything is written."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases import service, workflow
from chengguan.cases.models import Case, CaseAssignment, CaseReporter, CaseRequest, CaseTask
from chengguan.cases.workflow import Actor, transition
from chengguan.catalog import service as catalog
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.org.models import Department
from chengguan.outbox import service as outbox
from chengguan.system import settings as cfg
from chengguan.workforce import service as workforce

ACCEPTOR_REGISTERS = cfg.define("workflow.acceptor_can_register", False,
                                "受理员是否可以直接立案（默认只有值班长立案）。", "流程")
RETURN_NEEDS_APPROVAL = cfg.define("workflow.return_needs_approval", True,
                                   "部门回退是否需要派遣员审批（否则直接回到待派遣）。", "流程")
SUSPEND_NEEDS_APPROVAL = cfg.define("workflow.suspend_needs_approval", True,
                                    "部门挂账是否需要派遣员审批。", "流程")
MAX_EXTENSION_DAYS = cfg.define("workflow.max_extension_natural_days", 60,
                                "延期申请的新期限最多在当前期限后多少自然日。", "流程")


@dataclass
class ActionInput:
    opinion: str | None = None
    department_id: int | None = None
    department_ids: list[int] | None = None
    passed: bool | None = None
    until: datetime | None = None
    hours: float | None = None
    into: int | str | None = None
    photos: list[str] = field(default_factory=list)
    lon: float | None = None
    lat: float | None = None
    category_code: str | None = None
    condition_code: int | None = None
    urgency: str | None = None
    rating: int | None = None


Handler = Callable[[Session, Case, ActionInput, Principal], Any]
HANDLERS: dict[str, Handler] = {}
ACTION_LABELS: dict[str, str] = {}


def action(name: str, label: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        ACTION_LABELS[name] = label
        return fn

    return deco


def perform(session: Session, case_id: int, name: str, body: ActionInput, p: Principal) -> Case:
    handler = HANDLERS.get(name)
    if handler is None:
        raise NotFound(f"未知操作：{name}", code="unknown_action", details={"actions": sorted(HANDLERS)})
    case = workflow.lock_case(session, case_id)
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在", code="unknown_case")
    if not service.can_see(session, p, case):
        raise Forbidden("您无权处理该案件", code="out_of_region")
    if body.opinion is not None and len(body.opinion) > 2000:
        raise Invalid("意见最多 2000 字")
    handler(session, case, body, p)
    return case


def _need(p: Principal, case: Case, roles: tuple[str, ...], what: str) -> str:
    p.require(roles, case.grid_code, what=what)
    for r in roles:
        if p.covers(r, case.grid_code):
            return r
    return roles[0]


def _status(case: Case, allowed: tuple[str, ...], what: str) -> None:
    if case.status not in allowed:
        label = workflow.STATUS_LABELS.get(case.status, case.status)
        raise Conflict(f"案件当前状态为“{label}”，不能{what}", code="illegal_transition",
                       details={"status": case.status, "allowed": list(allowed)})


def _actor(p: Principal, role: str) -> Actor:
    return Actor.of(p, role)


def _files(session: Session, body: ActionInput) -> list[int]:
    return service.resolve_file_tokens(session, body.photos)


def _ev_kw(session: Session, body: ActionInput) -> dict[str, Any]:
    return {"opinion": body.opinion, "lon": body.lon, "lat": body.lat}


def _pending(session: Session, case: Case, kind: str | None = None) -> list[CaseRequest]:
    reqs = service.pending_requests(session, case)
    return [r for r in reqs if kind is None or r.kind == kind]


def _active_assignments(case: Case) -> list[CaseAssignment]:
    return [a for a in case.assignments if a.state in ("active", "fed_back")]


def _my_assignment(p: Principal, case: Case, states: tuple[str, ...] = ("active",)) -> CaseAssignment:
    if not p.has(Role.DEPT_HANDLER):
        raise Forbidden("此操作需要处置部门角色", code="role_required")
    depts = p.departments()
    for a in case.assignments:
        if a.department_id in depts and a.state in states:
            return a
    raise Forbidden("该案件未派遣给您的部门", code="not_assigned")


def _notify_reporters(session: Session, case: Case, text: str) -> None:
    for r in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)):
        if r.phone:
            outbox.enqueue(session, topic="case.progress", channel="sms", recipient=r.phone,
                           payload={"case_no": case.case_no, "text": text})
        if r.user_id:
            outbox.enqueue(session, topic="case.progress", channel="inbox", recipient=f"user:{r.user_id}",
                           payload={"case_no": case.case_no, "case_id": case.id, "text": text})


# ---------------------------------------------------------------- acceptance and registration


@action("request-verify", "派核实")
def request_verify(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.ACCEPTOR, Role.SHIFT_LEADER), "派核实")
    _status(case, ("reported",), "派核实")
    collectors = service.grid_collectors(session, case.grid_code)
    if not collectors:
        raise Conflict("该网格没有在岗的监督员，无法派核实", code="no_collector")
    transition(session, case, action="request-verify", to="verifying", actor=_actor(p, role), **_ev_kw(session, body))
    service.add_tasks(session, case, "verify", collectors)


@action("verify", "核实")
def verify(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.COLLECTOR,), "核实")
    _status(case, ("verifying",), "核实")
    if body.passed is None:
        raise Invalid("核实需要给出结论 passed（true 属实 / false 不属实）")
    files = _files(session, body)
    ev = transition(session, case, action="verify", to="reported", actor=_actor(p, role), attachments=files,
                    data={"passed": body.passed}, **_ev_kw(session, body))
    case.verified = body.passed
    service.attach(session, case, files, "verify", ev.id)
    service.close_tasks(session, case, "verify", p.user_id, body.passed)


@action("register", "立案")
def register(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    roles: tuple[str, ...] = (Role.SHIFT_LEADER,)
    if cfg.value(session, ACCEPTOR_REGISTERS.key):
        roles = (Role.SHIFT_LEADER, Role.ACCEPTOR)
    role = _need(p, case, roles, "立案")
    _status(case, ("reported",), "立案")
    if case.verified is False:
        raise Conflict("核实结果为不属实，不能立案（可不予立案或重新派核实）", code="not_verified")
    # 立案 may correct the classification and applies the numbered 立案条件.
    if body.category_code:
        cat = catalog.get_category(session, body.category_code)
        case.category_id, case.category_code, case.major_code, case.kind = cat.id, cat.code, cat.major_code, cat.kind
    cat = catalog.get_category(session, case.category_code, case.kind)
    number = body.condition_code if body.condition_code is not None else case.condition_number
    cond = catalog.get_condition(session, cat, number)
    if cond is None:
        raise Invalid(f"类别 {cat.code} {cat.name} 没有立案条件，无法立案")
    case.condition_id, case.condition_number = cond.id, cond.number
    if body.urgency:
        if body.urgency not in ("normal", "urgent", "very_urgent"):
            raise Invalid("紧急程度应为 normal/urgent/very_urgent")
        case.urgency = body.urgency
    now = clock.now()
    transition(session, case, action="register", to="registered", actor=_actor(p, role), at=now,
               data={"condition": cond.number, "condition_text": cond.text, "category_code": cat.code},
               **_ev_kw(session, body))
    case.registered_at = now


@action("reject", "不予立案")
def reject(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.SHIFT_LEADER,), "不予立案")
    _status(case, ("reported", "verifying"), "不予立案")
    if not body.opinion:
        raise Invalid("不予立案需要填写理由（opinion）")
    transition(session, case, action="reject", to="rejected", actor=_actor(p, role), **_ev_kw(session, body))
    service.close_tasks(session, case, "verify", None, None)
    _notify_reporters(session, case, f"您反映的问题（{case.case_no}）经核查不予立案：{body.opinion}")


@action("void", "作废")
def void(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.SHIFT_LEADER,), "作废")
    _status(case, ("reported", "verifying", "registered"), "作废")
    if not body.opinion:
        raise Invalid("作废需要填写理由（opinion）")
    transition(session, case, action="void", to="voided", actor=_actor(p, role), **_ev_kw(session, body))
    service.close_tasks(session, case, "verify", None, None)


@action("merge", "合并")
def merge(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.ACCEPTOR, Role.SHIFT_LEADER), "合并")
    _status(case, ("reported", "verifying", "registered"), "合并")
    if body.into is None:
        raise Invalid("合并需要指定目标案件（into：案件 ID 或案件编号）")
    target = _find_case(session, body.into)
    if target.id == case.id:
        raise Invalid("不能合并到自身")
    if target.status in workflow.TERMINAL:
        raise Conflict(f"目标案件 {target.case_no} 已{workflow.STATUS_LABELS[target.status]}，不能合并进去")
    if not p.covers(role, target.grid_code):
        raise Forbidden("目标案件不在您的管辖区域", code="out_of_region")
    transition(session, case, action="merge", to="merged", actor=_actor(p, role),
               data={"into": target.id, "into_case_no": target.case_no}, **_ev_kw(session, body))
    case.merged_into_id = target.id
    service.close_tasks(session, case, "verify", None, None)
    # The reporters of the merged report follow the surviving case (notifications, rewards).
    for r in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)).all():
        r.case_id = target.id
    tgt = workflow.lock_case(session, target.id)
    assert tgt is not None
    transition(session, tgt, action="merged-in", to=tgt.status, actor=_actor(p, role),
               data={"from": case.id, "from_case_no": case.case_no})


def _find_case(session: Session, ref: int | str) -> Case:
    if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit() and len(ref) < 12):
        found = session.get(Case, int(ref))
    else:
        found = session.scalar(select(Case).where(Case.case_no == str(ref)))
    if found is None:
        raise NotFound(f"目标案件 {ref} 不存在", code="unknown_case")
    return found


# ---------------------------------------------------------------- dispatch and disposal


@action("dispatch", "派遣")
def dispatch(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.DISPATCHER,), "派遣")
    _status(case, ("registered",), "派遣")
    ids = list(body.department_ids or [])
    if body.department_id is not None:
        ids.insert(0, body.department_id)
    if not ids:
        cat = catalog.get_category(session, case.category_code, case.kind)
        dept = catalog.suggest_department(session, category=cat, region_code=case.grid_code,
                                          condition_id=case.condition_id)
        if dept is None:
            raise Invalid("路由表没有为该类别和区域配置处置部门，请指定 department_id", code="no_route")
        ids = [dept.id]
    ids = list(dict.fromkeys(ids))
    depts = []
    for did in ids:
        d = session.get(Department, did)
        if d is None or not d.is_active:
            raise Invalid(f"处置部门 {did} 不存在或已停用", code="unknown_department")
        depts.append(d)
    now = clock.now()
    measure = cfg.value(session, workflow.DISPOSE_MEASURE.key)
    limit = workflow.dispose_remaining_cumulative(session, case, now) if measure == "cumulative" else None
    ev = transition(session, case, action="dispatch", to="dispatched", actor=_actor(p, role), at=now,
                    department_id=depts[0].id, next_step_limit=limit,
                    data={"departments": [d.id for d in depts], "department_names": [d.name for d in depts]},
                    **_ev_kw(session, body))
    for a in case.assignments:
        if a.state in ("active", "fed_back"):
            a.state = "cancelled"
    for i, d in enumerate(depts):
        session.add(CaseAssignment(case_id=case.id, department_id=d.id, lead=i == 0, state="active",
                                   dispatched_at=now, due_at=case.step_due_at))
        outbox.enqueue(session, topic="case.dispatched", channel="inbox", recipient=f"department:{d.id}",
                       payload={"case_no": case.case_no, "case_id": case.id, "event_id": ev.id,
                                "due_at": case.step_due_at.isoformat() if case.step_due_at else None,
                                "text": f"新派遣案件 {case.case_no}：{case.address}"})
    case.dispatched_at = case.dispatched_at or now
    session.flush()
    session.refresh(case, ["assignments"])
    outbox.publish(session, "case.dispatched", {"case_no": case.case_no, "departments": [d.name for d in depts]})


@action("feedback", "处理反馈")
def feedback(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    _status(case, ("dispatched",), "反馈")
    mine = _my_assignment(p, case)
    if _pending(session, case):
        raise Conflict("有待审批的申请（延期/回退/挂账），请等审批后再反馈", code="request_pending")
    workforce.check_enforcement_disposal(session, mine.department_id, p.user_id)  # 执法部门：持证反馈
    files = _files(session, body)
    if not files:
        raise Invalid("处理反馈需要上传处置后的照片", code="after_photo_required")
    now = clock.now()
    mine.state, mine.fed_back_at = "fed_back", now
    others = [a for a in case.assignments if a.state == "active" and a.id != mine.id]
    to = "dispatched" if others else "fed_back"
    ev = transition(session, case, action="feedback", to=to, actor=_actor(p, Role.DEPT_HANDLER), at=now,
                    department_id=mine.department_id, attachments=files, **_ev_kw(session, body))
    service.attach(session, case, files, "feedback", ev.id)
    if to == "fed_back":
        collectors = service.grid_collectors(session, case.grid_code)
        service.add_tasks(session, case, "check", collectors)


@action("check", "核查")
def check(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.COLLECTOR,), "核查")
    _status(case, ("fed_back",), "核查")
    if body.passed is None:
        raise Invalid("核查需要给出结论 passed（true 通过 / false 不通过返工）")
    files = _files(session, body)
    now = clock.now()
    if body.passed:
        ev = transition(session, case, action="check", to="checked", actor=_actor(p, role), at=now,
                        attachments=files, data={"passed": True}, **_ev_kw(session, body))
        for a in case.assignments:
            if a.state == "fed_back":
                a.state = "done"
    else:
        if not body.opinion:
            raise Invalid("核查不通过需要说明原因（opinion）")
        measure = cfg.value(session, workflow.DISPOSE_MEASURE.key)
        limit = workflow.dispose_remaining_cumulative(session, case, now) if measure == "cumulative" else None
        redo = [a for a in case.assignments if a.state == "fed_back"]
        ev = transition(session, case, action="check", to="dispatched", actor=_actor(p, role), at=now,
                        attachments=files, next_step_limit=limit,
                        department_id=redo[0].department_id if redo else None,
                        data={"passed": False, "rework": True, "departments": [a.department_id for a in redo]},
                        **_ev_kw(session, body))
        for a in redo:  # 返工: back to the same department(s)
            a.state, a.fed_back_at, a.rework, a.due_at = "active", None, a.rework + 1, case.step_due_at
            outbox.enqueue(session, topic="case.rework", channel="inbox", recipient=f"department:{a.department_id}",
                           payload={"case_no": case.case_no, "case_id": case.id,
                                    "text": f"案件 {case.case_no} 核查未通过，请返工：{body.opinion}"})
    service.attach(session, case, files, "check", ev.id)
    service.close_tasks(session, case, "check", p.user_id, body.passed)


@action("close", "结案")
def close(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.SHIFT_LEADER,), "结案")
    _status(case, ("checked",), "结案")
    now = clock.now()
    transition(session, case, action="close", to="closed", actor=_actor(p, role), at=now, **_ev_kw(session, body))
    case.closed_at = now
    _notify_reporters(session, case, f"您反映的问题（{case.case_no}）已处理完毕并结案，欢迎评价。")
    outbox.publish(session, "case.closed", {"case_no": case.case_no, "id": case.id})


@action("self-dispose", "自行处置")
def self_dispose_action(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    self_dispose(session, case, p, opinion=body.opinion, attachments=_files(session, body))


def self_dispose(session: Session, case: Case, p: Principal, *, opinion: str | None, attachments: list[int]) -> None:
    """自行处置: a collector fixes a trivial problem on the spot; the case closes with the after-photo."""
    role = _need(p, case, (Role.COLLECTOR,), "自行处置")
    _status(case, ("reported",), "自行处置")
    if not attachments:
        raise Invalid("自行处置需要上传处置后的照片", code="after_photo_required")
    now = clock.now()
    ev = transition(session, case, action="self-dispose", to="closed", actor=_actor(p, role), at=now,
                    attachments=attachments, opinion=opinion)
    case.self_disposed, case.closed_at = True, now
    service.attach(session, case, attachments, "feedback", ev.id)


# ---------------------------------------------------------------- returns, extensions, suspension


@action("return", "回退")
def return_(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    """回退 — by who you are and where the case is: a department hands a case back to the dispatcher
    (an application unless configured otherwise); the dispatcher returns a registered case to the shift
    leader; the shift leader reopens a closed case (结案回退) or sends a checked case back to 核查."""
    if not body.opinion:
        raise Invalid("回退需要填写理由（opinion）")
    if case.status == "dispatched" and p.has(Role.DEPT_HANDLER):
        mine = _my_assignment(p, case)
        if _pending(session, case):
            raise Conflict("已有待审批的申请", code="request_pending")
        if cfg.value(session, RETURN_NEEDS_APPROVAL.key):
            _request(session, case, p, "return", mine.department_id, body.opinion, None)
            return
        _approve_return(session, case, p, Role.DEPT_HANDLER, body.opinion, None)
        return
    if case.status == "registered" and p.covers(Role.DISPATCHER, case.grid_code):
        transition(session, case, action="return", to="reported", actor=_actor(p, Role.DISPATCHER),
                   data={"kind": "dispatcher_to_shift_leader"}, **_ev_kw(session, body))
        return
    if case.status in ("closed", "checked") and p.covers(Role.SHIFT_LEADER, case.grid_code):
        if case.self_disposed:
            raise Conflict("自行处置的案件不能结案回退")
        now = clock.now()
        if case.status == "checked":
            transition(session, case, action="return", to="fed_back", actor=_actor(p, Role.SHIFT_LEADER), at=now,
                       data={"kind": "back_to_check"}, **_ev_kw(session, body))
            service.add_tasks(session, case, "check", service.grid_collectors(session, case.grid_code))
            return
        last = [a for a in case.assignments if a.state == "done"]
        ev = transition(session, case, action="return", to="dispatched", actor=_actor(p, Role.SHIFT_LEADER), at=now,
                        department_id=last[0].department_id if last else None,
                        data={"kind": "reopen", "departments": [a.department_id for a in last]},
                        **_ev_kw(session, body))
        case.closed_at = None
        for a in last:
            a.state, a.fed_back_at, a.rework, a.due_at = "active", None, a.rework + 1, case.step_due_at
        _ = ev
        return
    if p.has(Role.DEPT_HANDLER, Role.DISPATCHER, Role.SHIFT_LEADER):
        _status(case, (), "回退")
    raise Forbidden("此操作需要处置部门、派遣员或值班长角色", code="role_required")


def _request(session: Session, case: Case, p: Principal, kind: str, dept_id: int, reason: str,
             new_due: datetime | None) -> CaseRequest:
    now = clock.now()
    req = CaseRequest(case_id=case.id, kind=kind, state="pending", department_id=dept_id, requested_by=p.user_id,
                      requested_at=now, reason=reason, new_due_at=new_due)
    session.add(req)
    session.flush()
    transition(session, case, action=f"request-{kind}", to=case.status, actor=_actor(p, Role.DEPT_HANDLER),
               at=now, department_id=dept_id, opinion=reason,
               data={"request_id": req.id, "new_due_at": new_due.isoformat() if new_due else None})
    if cfg.value(session, workflow.PAUSE_ON_REQUEST.key):
        workflow.pause(session, case, now)
    outbox.enqueue(session, topic=f"request.{kind}", channel="inbox", recipient="role:dispatcher",
                   payload={"case_no": case.case_no, "case_id": case.id, "request_id": req.id,
                            "text": f"案件 {case.case_no} 有新的{ {'extension': '延期', 'return': '回退', 'suspend': '挂账'}[kind]}申请"})
    return req


def _decide(session: Session, case: Case, p: Principal, kind: str, approve: bool, opinion: str | None) -> CaseRequest:
    _need(p, case, (Role.DISPATCHER,), "审批申请")
    reqs = _pending(session, case, kind)
    if not reqs:
        raise Conflict("该案件没有待审批的此类申请", code="no_pending_request")
    req = reqs[0]
    req.state = "approved" if approve else "denied"
    req.decided_by, req.decided_at, req.decision_opinion = p.user_id, clock.now(), opinion
    return req


@action("request-extension", "申请延期")
def request_extension(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    _status(case, ("dispatched",), "申请延期")
    mine = _my_assignment(p, case)
    if not body.opinion:
        raise Invalid("延期申请需要填写理由（opinion）")
    if _pending(session, case):
        raise Conflict("已有待审批的申请", code="request_pending")
    base = case.dispose_due_at or clock.now()
    if body.until is not None:
        if body.until.tzinfo is None:
            raise Invalid("until 必须带时区，例如 2026-12-01T17:30:00+08:00")
        new_due = body.until
    elif body.hours is not None:
        if body.hours <= 0 or body.hours > 2000:
            raise Invalid("延期工作时应在 0–2000 之间")
        from chengguan.worktime import service as worktime

        new_due = worktime.add(session, base, body.hours, "work_hour")
    else:
        raise Invalid("延期申请需要新的期限 until 或延长的工作时 hours")
    if new_due <= base:
        raise Invalid("新的期限必须晚于当前期限")
    max_days = int(cfg.value(session, MAX_EXTENSION_DAYS.key))
    if (new_due - base).days > max_days:
        raise Invalid(f"新的期限不能超过当前期限后 {max_days} 个自然日")
    _request(session, case, p, "extension", mine.department_id, body.opinion, new_due)


@action("approve-extension", "批准延期")
def approve_extension(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "extension", True, body.opinion)
    now = clock.now()
    workflow.resume_clock(session, case, now)
    assert req.new_due_at is not None
    old = case.dispose_due_at
    workflow.shift_due(session, case, req.new_due_at)
    for a in _active_assignments(case):
        a.due_at = req.new_due_at
    transition(session, case, action="approve-extension", to=case.status, actor=_actor(p, Role.DISPATCHER), at=now,
               department_id=req.department_id, opinion=body.opinion,
               data={"request_id": req.id, "old_due_at": old.isoformat() if old else None,
                     "new_due_at": req.new_due_at.isoformat()})


@action("deny-extension", "驳回延期")
def deny_extension(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "extension", False, body.opinion)
    now = clock.now()
    workflow.resume_clock(session, case, now)
    transition(session, case, action="deny-extension", to=case.status, actor=_actor(p, Role.DISPATCHER), at=now,
               department_id=req.department_id, opinion=body.opinion, data={"request_id": req.id})


def _approve_return(session: Session, case: Case, p: Principal, role: str, opinion: str | None,
                    req: CaseRequest | None) -> None:
    now = clock.now()
    workflow.resume_clock(session, case, now)
    for a in _active_assignments(case):
        a.state = "returned"
    transition(session, case, action="approve-return" if req else "return", to="registered", actor=_actor(p, role),
               at=now, department_id=req.department_id if req else None, opinion=opinion,
               data={"request_id": req.id if req else None, "kind": "department_to_dispatcher"})


@action("approve-return", "批准回退")
def approve_return(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "return", True, body.opinion)
    _approve_return(session, case, p, Role.DISPATCHER, body.opinion, req)


@action("deny-return", "驳回回退")
def deny_return(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "return", False, body.opinion)
    now = clock.now()
    workflow.resume_clock(session, case, now)
    transition(session, case, action="deny-return", to=case.status, actor=_actor(p, Role.DISPATCHER), at=now,
               department_id=req.department_id, opinion=body.opinion, data={"request_id": req.id})


@action("suspend", "挂账")
def suspend(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    if not body.opinion:
        raise Invalid("挂账需要填写理由（opinion）")
    if case.status == "dispatched" and p.has(Role.DEPT_HANDLER) and not p.covers(Role.DISPATCHER, case.grid_code):
        mine = _my_assignment(p, case)
        if _pending(session, case):
            raise Conflict("已有待审批的申请", code="request_pending")
        if cfg.value(session, SUSPEND_NEEDS_APPROVAL.key):
            _request(session, case, p, "suspend", mine.department_id, body.opinion, None)
            return
        _do_suspend(session, case, p, Role.DEPT_HANDLER, body.opinion, None)
        return
    _need(p, case, (Role.DISPATCHER,), "挂账")
    _status(case, ("registered", "dispatched"), "挂账")
    _do_suspend(session, case, p, Role.DISPATCHER, body.opinion, None)


def _do_suspend(session: Session, case: Case, p: Principal, role: str, opinion: str | None,
                req: CaseRequest | None) -> None:
    now = clock.now()
    before = case.status
    # The clock stops: remember the step and its deadline; resume recomputes from what was left.
    workflow.pause(session, case, now)
    transition(session, case, action="approve-suspend" if req else "suspend", to="suspended", actor=_actor(p, role),
               at=now, opinion=opinion, keep_clock=True,
               department_id=req.department_id if req else None, data={"request_id": req.id if req else None})
    case.status_before_pause = before


@action("approve-suspend", "批准挂账")
def approve_suspend(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "suspend", True, body.opinion)
    _do_suspend(session, case, p, Role.DISPATCHER, body.opinion, req)


@action("deny-suspend", "驳回挂账")
def deny_suspend(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    req = _decide(session, case, p, "suspend", False, body.opinion)
    now = clock.now()
    workflow.resume_clock(session, case, now)
    transition(session, case, action="deny-suspend", to=case.status, actor=_actor(p, Role.DISPATCHER), at=now,
               department_id=req.department_id, opinion=body.opinion, data={"request_id": req.id})


@action("resume", "恢复（挂账恢复）")
def resume(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.DISPATCHER,), "挂账恢复")
    _status(case, ("suspended",), "恢复")
    now = clock.now()
    back = case.status_before_pause or "registered"
    workflow.resume_clock(session, case, now)
    transition(session, case, action="resume", to=back, actor=_actor(p, role), at=now, keep_clock=True,
               **_ev_kw(session, body))
    case.status_before_pause = None
    for a in _active_assignments(case):
        a.due_at = case.step_due_at


# ---------------------------------------------------------------- 督办 and rating


@action("urge", "督办")
def urge(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    role = _need(p, case, (Role.LEADER, Role.SHIFT_LEADER), "督办")
    if case.status in workflow.TERMINAL:
        raise Conflict(f"案件已{workflow.STATUS_LABELS[case.status]}，不能督办", code="illegal_transition")
    if not body.opinion:
        raise Invalid("督办需要填写批示（opinion）")
    _urge(session, case, p, role, body.opinion)


def _urge(session: Session, case: Case, p: Principal, role: str, note: str) -> None:
    now = clock.now()
    transition(session, case, action="urge", to=case.status, actor=_actor(p, role), at=now, opinion=note)
    case.urged_at, case.urge_note = now, note[:255]
    for a in _active_assignments(case):
        outbox.enqueue(session, topic="case.urged", channel="inbox", recipient=f"department:{a.department_id}",
                       payload={"case_no": case.case_no, "case_id": case.id, "text": f"督办：{note}"})


def urge_on_intake(session: Session, case: Case, p: Principal, note: str) -> None:
    """领导交办: a leader's report is born with a 督办 instruction."""
    _urge(session, case, p, Role.LEADER, note)


@action("rate", "评价")
def rate(session: Session, case: Case, body: ActionInput, p: Principal) -> None:
    _status(case, ("closed",), "评价")
    reporters = {r.user_id for r in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id))}
    if p.user_id not in reporters:
        raise Forbidden("只有反映人可以评价", code="not_reporter")
    rate_case(session, case, body.rating, body.opinion, Actor.of(p, "citizen"))


def rate_case(session: Session, case: Case, rating: int | None, opinion: str | None, actor: Actor) -> None:
    if rating is None or not 1 <= rating <= 5:
        raise Invalid("评价应为 1–5 分")
    if case.rating is not None:
        raise Conflict("该案件已评价", code="already_rated")
    transition(session, case, action="rate", to=case.status, actor=actor, opinion=opinion, data={"rating": rating})
    case.rating = rating


_ = CaseTask


# What the caller may do now (drives the consoles' buttons; the handlers still check everything).
_BY_STATUS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "reported": [("request-verify", (Role.ACCEPTOR, Role.SHIFT_LEADER)), ("register", (Role.SHIFT_LEADER,)),
                 ("reject", (Role.SHIFT_LEADER,)), ("void", (Role.SHIFT_LEADER,)),
                 ("merge", (Role.ACCEPTOR, Role.SHIFT_LEADER)), ("self-dispose", (Role.COLLECTOR,))],
    "verifying": [("verify", (Role.COLLECTOR,)), ("reject", (Role.SHIFT_LEADER,)), ("void", (Role.SHIFT_LEADER,)),
                  ("merge", (Role.ACCEPTOR, Role.SHIFT_LEADER))],
    "registered": [("dispatch", (Role.DISPATCHER,)), ("return", (Role.DISPATCHER,)), ("suspend", (Role.DISPATCHER,)),
                   ("void", (Role.SHIFT_LEADER,)), ("merge", (Role.ACCEPTOR, Role.SHIFT_LEADER))],
    "dispatched": [("suspend", (Role.DISPATCHER,))],
    "fed_back": [("check", (Role.COLLECTOR,))],
    "checked": [("close", (Role.SHIFT_LEADER,)), ("return", (Role.SHIFT_LEADER,))],
    "suspended": [("resume", (Role.DISPATCHER,))],
    "closed": [("return", (Role.SHIFT_LEADER,))],
}


def allowed_for(session: Session, case: Case, p: Principal, pending: list[CaseRequest] | None = None) -> list[str]:
    out = [name for name, roles in _BY_STATUS.get(case.status, []) if any(p.covers(r, case.grid_code) for r in roles)]
    if case.status == "reported" and cfg.value(session, ACCEPTOR_REGISTERS.key) and p.covers(Role.ACCEPTOR,
                                                                                             case.grid_code):
        out.append("register")
    if case.status == "reported" and case.verified is False and "register" in out:
        out.remove("register")
    if case.status == "closed" and case.self_disposed and "return" in out:
        out.remove("return")
    if pending is None:
        pending = _pending(session, case)
    if case.status == "dispatched":
        depts = p.departments()
        mine = p.has(Role.DEPT_HANDLER) and any(a.department_id in depts and a.state == "active"
                                                for a in case.assignments)
        if mine and not pending:
            out += ["feedback", "request-extension", "return", "suspend"]
        if p.covers(Role.DISPATCHER, case.grid_code):
            for r in pending:
                out += [f"approve-{r.kind}", f"deny-{r.kind}"]
    if case.status not in workflow.TERMINAL and any(p.covers(r, case.grid_code) for r in (Role.LEADER,
                                                                                             Role.SHIFT_LEADER)):
        out.append("urge")
    return list(dict.fromkeys(out))
