"""Procedures around the main line of a case: 回避 (recusal, APL 43), 委托 (entrusted enforcement, APL 20–21)
and 暂缓/分期缴纳罚款 (deferred or instalment payment, APL 66). Every case act is guarded here, goes through
``workflow.act`` (event + audit entry) and never commits."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.enforcement import documents, links, workflow
from chengguan.enforcement import rules as R
from chengguan.enforcement.models import (
    EnforcementCase,
    EnforcementEntrustment,
    EnforcementPaymentPlan,
    EnforcementRecusal,
)
from chengguan.enforcement.service import (
    _actor,
    _money,
    _not_auxiliary_only,
    _now,
    _officers,
    _require,
    locked,
    payment_plan,
    plan_missed,
    plan_paid,
)
from chengguan.system.models import StoredFile

# ------------------------------------------------------------------------------------------ 回避 (APL 43)

RECUSAL_OPEN = ("registered", "investigated", "notified", "hearing", "decided", "served", "enforcing")


def request_recusal(session: Session, p: Principal, case_id: int, *, officer_id: int, source: str, reason: str,
                    at: datetime | None = None) -> EnforcementRecusal:
    """The party applies for the recusal of a handling officer (recorded by an officer or the head), or the
    officer declares it. Until the head decides, that officer may not act on the case."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _not_auxiliary_only(p, "登记回避申请")
    if ec.status not in RECUSAL_OPEN:
        raise Conflict("案件当前阶段没有承办人员，不能申请回避", code="recusal_not_open", details={"status": ec.status})
    if officer_id not in (ec.lead_officer_id, ec.assist_officer_id):
        raise Conflict("被申请回避的人员不是本案承办人员", code="not_handling_officer")
    if source == "self":
        if p.user_id != officer_id:
            raise Forbidden("自行回避应由执法人员本人提出", code="not_self")
    elif source == "party":
        _require(p, ec, (Role.OFFICER, Role.LEADER), "登记当事人的回避申请")
    else:
        raise Invalid("source 应为 party（当事人申请）或 self（执法人员自行回避）", code="bad_source")
    if not (reason or "").strip():
        raise Invalid("须写明申请回避的理由（与本案有直接利害关系或有其他关系可能影响公正执法）", code="reason_required")
    exists = session.scalar(select(EnforcementRecusal.id).where(EnforcementRecusal.case_id == ec.id,
                                                                EnforcementRecusal.officer_id == officer_id,
                                                                EnforcementRecusal.decided_at.is_(None)))
    if exists is not None:
        raise Conflict("对该执法人员已有尚未决定的回避申请", code="recusal_exists", details={"recusal_id": exists})
    r = EnforcementRecusal(case_id=ec.id, officer_id=officer_id, source=source, reason=reason.strip(),
                           requested_at=at, requested_by=p.user_id)
    session.add(r)
    session.flush()
    workflow.start_timer(session, ec, "recusal", "负责人决定回避申请", at,
                         R.work_days(session, at, float(R.num(session, R.RECUSAL_DAYS))), ref_id=r.id)
    workflow.act(session, ec, action="recusal_request", actor=_actor(p), at=at, opinion=reason.strip(),
                 data={"recusal_id": r.id, "officer_id": officer_id, "source": source})
    return r


def decide_recusal(session: Session, p: Principal, case_id: int, *, recusal_id: int, granted: bool, opinion: str,
                   replacement_id: int | None = None, at: datetime | None = None) -> EnforcementRecusal:
    """The agency head decides (APL 43). Granted: the officer is replaced by another certified officer, so the
    case still has two distinct certified handling officers (APL 42)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "决定回避")
    r = session.get(EnforcementRecusal, recusal_id)
    if r is None or r.case_id != ec.id:
        raise NotFound("回避申请不存在", code="unknown_recusal")
    if r.decided_at is not None:
        raise Conflict("该回避申请已作出决定", code="recusal_decided")
    if not (opinion or "").strip():
        raise Invalid("须写明决定意见", code="opinion_required")
    data: dict[str, Any] = {"recusal_id": r.id, "officer_id": r.officer_id, "granted": bool(granted)}
    if granted:
        if replacement_id is None:
            raise Invalid("决定回避的，须指定接替的执法人员", code="replacement_required")
        if replacement_id == r.officer_id:
            raise Conflict("接替人员不能是被决定回避的人员", code="replacement_is_recused")
        other = ec.assist_officer_id if r.officer_id == ec.lead_officer_id else ec.lead_officer_id
        # the pair after the replacement: two distinct certified officers, none of them recused or pending
        pair = [replacement_id] + ([other] if other else [])
        _officers(session, pair, at, "承办案件", ec=ec)
        if r.officer_id == ec.lead_officer_id:
            ec.lead_officer_id = replacement_id
        else:
            ec.assist_officer_id = replacement_id
        data["replacement_id"] = replacement_id
    r.decided_at, r.decided_by, r.granted, r.opinion = at, p.user_id, bool(granted), opinion.strip()
    r.replacement_id = replacement_id if granted else None
    session.flush()
    doc = documents.issue(session, ec, "recusal_decision", p, at, {"recusal_id": r.id})  # 回避决定书
    data.update(document_id=doc.id, doc_no=doc.doc_no)
    workflow.stop_timers(session, ec, ("recusal",), at, ref_id=r.id)
    workflow.act(session, ec, action="recusal_decide", actor=_actor(p), at=at, opinion=opinion.strip(), data=data)
    return r


# ------------------------------------------------------------------------------------------ 委托 (APL 20–21)


def create_entrustment(session: Session, p: Principal, *, entrusted_org: str, power_codes: list[str],
                       valid_from: datetime, valid_to: datetime, document_no: str,
                       entrusted_org_uscc: str | None = None, region_code: str | None = None,
                       document_file_id: int | None = None, published_at: datetime | None = None,
                       entrusting_agency: str | None = None, at: datetime | None = None) -> EnforcementEntrustment:
    """A written entrustment (委托书) of penalty powers to a qualified organisation (APL 20): its powers, area
    and period; published (the date it was made public)."""
    at = _now(at)
    p.require((Role.LEADER, Role.ADMIN), region_code, "委托行政处罚")
    if not (entrusted_org or "").strip():
        raise Invalid("须填写受委托组织名称", code="entrusted_org_required")
    if not (document_no or "").strip():
        raise Invalid("委托行政处罚应当采用书面形式，须填写委托书文号（行政处罚法第20条）", code="written_entrustment_required")
    codes = [c.strip() for c in power_codes or [] if c and c.strip()]
    if not codes:
        raise Invalid("委托书应当载明委托的具体事项（权责清单事项编码）", code="scope_required")
    if valid_to <= valid_from:
        raise Invalid("委托期限的截止时间应晚于起始时间", code="bad_period")
    if document_file_id is not None and session.get(StoredFile, document_file_id) is None:
        raise NotFound("委托书文件不存在，请先上传", code="unknown_file")
    if published_at is not None and published_at > at:
        raise Invalid("公布日期不能晚于现在", code="bad_time")
    ent = EnforcementEntrustment(
        entrusting_agency=(entrusting_agency or "").strip() or str(R.v(session, R.AGENCY)),
        entrusted_org=entrusted_org.strip(), entrusted_org_uscc=entrusted_org_uscc, power_codes=codes,
        region_code=region_code, valid_from=valid_from, valid_to=valid_to, document_no=document_no.strip(),
        document_file_id=document_file_id, published_at=published_at, created_by=p.user_id, created_at=at)
    session.add(ent)
    session.flush()
    _audit_entrustment(session, p, ent, "create", at)
    return ent


def publish_entrustment(session: Session, p: Principal, entrustment_id: int, *, published_at: datetime | None = None,
                        at: datetime | None = None) -> EnforcementEntrustment:
    """委托书向社会公布 (APL 20): until then the entrusted organisation may not act."""
    at = _now(at)
    ent = _entrustment(session, p, entrustment_id)
    if ent.published_at is not None:
        raise Conflict("委托书已公布", code="already_published")
    when = published_at or at
    if when > at:
        raise Invalid("公布日期不能晚于现在", code="bad_time")
    ent.published_at = when
    _audit_entrustment(session, p, ent, "publish", at)
    return ent


def revoke_entrustment(session: Session, p: Principal, entrustment_id: int, *, reason: str,
                       at: datetime | None = None) -> EnforcementEntrustment:
    at = _now(at)
    ent = _entrustment(session, p, entrustment_id)
    if ent.revoked_at is not None:
        raise Conflict("委托已撤销", code="already_revoked")
    if not (reason or "").strip():
        raise Invalid("须说明撤销委托的理由", code="reason_required")
    ent.revoked_at, ent.revoke_reason = at, reason.strip()[:255]
    _audit_entrustment(session, p, ent, "revoke", at)
    return ent


def list_entrustments(session: Session, p: Principal) -> list[EnforcementEntrustment]:
    """The entrustments whose area the caller works in (or all, for a district-wide caller)."""
    from chengguan.enforcement.service import STAFF

    p.require(STAFF, None, "查看委托执法")
    rows = session.scalars(select(EnforcementEntrustment).order_by(EnforcementEntrustment.id.desc()).limit(500))
    return [e for e in rows if e.region_code is None and p.has(*STAFF)
            or any(p.covers(r, e.region_code) for r in STAFF)]


def _entrustment(session: Session, p: Principal, entrustment_id: int) -> EnforcementEntrustment:
    ent = session.get(EnforcementEntrustment, entrustment_id)
    if ent is None:
        raise NotFound(f"委托执法记录 {entrustment_id} 不存在", code="unknown_entrustment")
    p.require((Role.LEADER, Role.ADMIN), ent.region_code, "管理委托执法")
    return ent


def _audit_entrustment(session: Session, p: Principal, ent: EnforcementEntrustment, what: str, at: datetime) -> None:
    links.audit_record(session, subject=f"enf_entrustment:{ent.id}", action=f"enforcement.entrustment_{what}",
                       actor_id=p.user_id, at=at, location=None, device_id=None,
                       payload={"entrustment": entrustment_view(ent), "actor_name": p.display_name}, media=[])


def entrustment_view(ent: EnforcementEntrustment) -> dict[str, Any]:
    return {"id": ent.id, "entrusting_agency": ent.entrusting_agency, "entrusted_org": ent.entrusted_org,
            "entrusted_org_uscc": ent.entrusted_org_uscc, "power_codes": list(ent.power_codes or []),
            "region_code": ent.region_code, "valid_from": ent.valid_from.isoformat(),
            "valid_to": ent.valid_to.isoformat(), "document_no": ent.document_no,
            "document_file_id": ent.document_file_id,
            "published_at": ent.published_at.isoformat() if ent.published_at else None,
            "revoked_at": ent.revoked_at.isoformat() if ent.revoked_at else None, "revoke_reason": ent.revoke_reason}


def document_fields(session: Session, ec: EnforcementCase) -> dict[str, Any]:
    """For the documents of an entrusted case: they are issued in the entrusting agency's name (APL 20)."""
    if ec.entrustment_id is None:
        return {}
    ent = session.get(EnforcementEntrustment, ec.entrustment_id)
    if ent is None:
        return {}
    return {"agency": ent.entrusting_agency,
            "entrustment": {"entrusting_agency": ent.entrusting_agency, "entrusted_org": ent.entrusted_org,
                            "document_no": ent.document_no}}


# ------------------------------------------------------------------------------------------ 暂缓/分期缴纳 (APL 66)

PLAN_KIND_LABELS = {"defer": "暂缓缴纳", "instalments": "分期缴纳"}


def apply_payment_plan(session: Session, p: Principal, case_id: int, *, kind: str, reason: str,
                       at: datetime | None = None) -> EnforcementPaymentPlan:
    """The party, in genuine financial difficulty, applies to defer or pay in instalments (recorded by an
    officer); the head decides within the configured working days."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _not_auxiliary_only(p, "登记暂缓或分期缴纳申请")
    _require(p, ec, (Role.OFFICER, Role.LEADER), "登记暂缓或分期缴纳申请")
    if ec.decision_kind != "penalty" or not ec.fine_amount:
        raise Conflict("本案没有需要缴纳的罚款", code="no_fine")
    if ec.paid_at is not None:
        raise Conflict("罚款已缴纳", code="already_paid")
    if ec.status != "served":
        raise Conflict("处罚决定书送达后、催告前方可申请暂缓或分期缴纳", code="plan_not_allowed",
                       details={"status": ec.status})
    if kind not in PLAN_KIND_LABELS:
        raise Invalid("kind 应为 defer（暂缓缴纳）或 instalments（分期缴纳）", code="bad_kind")
    if not (reason or "").strip():
        raise Invalid("须写明当事人确有经济困难的情况（行政处罚法第66条）", code="reason_required")
    exists = session.scalar(select(EnforcementPaymentPlan.id).where(
        EnforcementPaymentPlan.case_id == ec.id, EnforcementPaymentPlan.status.in_(("pending", "approved"))))
    if exists is not None:
        raise Conflict("已有待审批或已批准的暂缓、分期缴纳", code="plan_exists", details={"plan_id": exists})
    plan = EnforcementPaymentPlan(case_id=ec.id, kind=kind, status="pending", reason=reason.strip(), applied_at=at,
                                  applied_by=p.user_id, schedule=[])
    session.add(plan)
    session.flush()
    workflow.start_timer(session, ec, "plan_decide", f"审批{PLAN_KIND_LABELS[kind]}申请", at,
                         R.work_days(session, at, float(R.num(session, R.PLAN_DECIDE_DAYS))), ref_id=plan.id)
    workflow.act(session, ec, action="payment_plan_apply", actor=_actor(p), at=at, opinion=reason.strip(),
                 data={"plan_id": plan.id, "kind": kind})
    return plan


def decide_payment_plan(session: Session, p: Principal, case_id: int, *, plan_id: int, approved: bool, opinion: str,
                        schedule: list[dict[str, Any]] | None = None,
                        at: datetime | None = None) -> EnforcementPaymentPlan:
    """The head approves with a schedule (one date for a deferral; 2..N instalments summing to the fine) or
    refuses. While the approved schedule is kept, no late fine accrues."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "审批暂缓或分期缴纳")
    plan = session.get(EnforcementPaymentPlan, plan_id)
    if plan is None or plan.case_id != ec.id:
        raise NotFound("暂缓或分期缴纳申请不存在", code="unknown_plan")
    if plan.status != "pending":
        raise Conflict("该申请已审批", code="plan_decided")
    if not (opinion or "").strip():
        raise Invalid("须写明审批意见", code="opinion_required")
    if ec.paid_at is not None:
        raise Conflict("罚款已缴纳", code="already_paid")
    data: dict[str, Any] = {"plan_id": plan.id, "approved": bool(approved)}
    if approved:
        assert ec.fine_amount is not None
        items = _schedule(session, plan.kind, schedule or [], ec.fine_amount, at)
        plan.schedule, plan.amount = items, ec.fine_amount
        plan.status = "approved"
        workflow.stop_timers(session, ec, ("payment",), at)
        _next_instalment_timer(session, ec, plan, at)
        data["schedule"] = [{"due_at": i["due_at"], "amount": i["amount"]} for i in items]
    else:
        plan.status = "refused"
    plan.decided_at, plan.decided_by, plan.opinion = at, p.user_id, opinion.strip()
    session.flush()
    # 暂缓（分期）缴纳罚款决定书 with the schedule, or the 不予批准通知书 (to be served on the party)
    doc = documents.issue(session, ec, "payment_plan_decision" if approved else "payment_plan_refusal", p, at,
                          {"plan_id": plan.id})
    data.update(document_id=doc.id, doc_no=doc.doc_no)
    workflow.stop_timers(session, ec, ("plan_decide",), at, ref_id=plan.id)
    workflow.act(session, ec, action="payment_plan_decide", actor=_actor(p), at=at, opinion=opinion.strip(), data=data)
    return plan


def _schedule(session: Session, kind: str, raw: list[dict[str, Any]], fine: Decimal, at: datetime) -> list[dict[str, Any]]:
    if not raw:
        raise Invalid("批准暂缓或分期缴纳须确定缴纳期限和金额", code="schedule_required")
    most = int(R.v(session, R.INSTALMENTS_MAX))  # type: ignore[call-overload]
    if kind == "defer" and len(raw) != 1:
        raise Invalid("暂缓缴纳只确定一个缴纳期限", code="bad_schedule")
    if kind == "instalments" and len(raw) < 2:
        raise Invalid("分期缴纳至少分为两期", code="bad_schedule")
    if len(raw) > most:
        raise Conflict(f"分期缴纳不得超过{most}期", code="too_many_instalments")
    out: list[dict[str, Any]] = []
    last = at
    limit = R.months(at, int(R.v(session, R.PLAN_MAX_MONTHS)))  # type: ignore[call-overload]
    for n, item in enumerate(raw, start=1):
        due = item.get("due_on")
        amount = _money(item.get("amount"))
        if not isinstance(due, date) or not amount:
            raise Invalid(f"第{n}期须有缴纳期限和大于零的金额", code="bad_schedule")
        if not isinstance(due, datetime):
            due = datetime.combine(due, time(12), tzinfo=clock.SHANGHAI)
        due = R.end_of_local_day(due).astimezone(UTC)  # the payment day ends at local midnight
        if due <= last:
            raise Invalid("各期缴纳期限应晚于今天并依次递增", code="bad_schedule")
        if due > limit:
            raise Conflict(f"暂缓或分期缴纳的期限不得超过{R.v(session, R.PLAN_MAX_MONTHS)}个月", code="plan_too_long")
        last = due
        out.append({"no": n, "due_at": due.isoformat(), "amount": str(amount), "paid_at": None, "paid_amount": None,
                    "payment_ref": None})
    total = sum((Decimal(i["amount"]) for i in out), Decimal(0))
    if total != fine:
        raise Invalid(f"各期金额合计{total}元应等于罚款{fine}元", code="schedule_sum_mismatch")
    return out


def _next_instalment_timer(session: Session, ec: EnforcementCase, plan: EnforcementPaymentPlan, at: datetime) -> None:
    workflow.stop_timers(session, ec, ("instalment",), at, ref_id=plan.id)
    nxt = next((i for i in plan.schedule if not i.get("paid_at")), None)
    if nxt is None:
        return
    label = "暂缓缴纳期满" if plan.kind == "defer" else f"第{nxt['no']}期罚款缴纳"
    workflow.start_timer(session, ec, "instalment", label, at, datetime.fromisoformat(nxt["due_at"]), ref_id=plan.id)


def record_instalment(session: Session, p: Principal, case_id: int, *, amount: Any, paid_at: datetime,
                      payment_ref: str, at: datetime | None = None) -> EnforcementPaymentPlan:
    """罚缴分离: one instalment (or the deferred amount) recorded from the bank's payment notice — the system never
    collects money. A payment after the instalment's due date is not an instalment: the plan has lapsed and the
    remainder (with the late fine) is paid through ``payment``."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _not_auxiliary_only(p, "登记分期缴款")
    _require(p, ec, (Role.OFFICER, Role.LEADER), "登记分期缴款")
    plan = payment_plan(session, ec)
    if plan is None or plan.status != "approved":
        raise Conflict("本案没有已批准、正在履行的暂缓或分期缴纳", code="no_plan")
    if not (payment_ref or "").strip():
        raise Invalid("须填写银行缴款凭证号或电子缴款凭证号（罚缴分离，本系统不收取款项）", code="payment_ref_required")
    if paid_at > at:
        raise Invalid("缴款时间不能晚于现在", code="bad_time")
    items = [dict(i) for i in plan.schedule]
    item = next((i for i in items if not i.get("paid_at")), None)
    assert item is not None  # an approved plan with everything paid is completed
    due = datetime.fromisoformat(item["due_at"])
    if paid_at > due or plan_missed(plan, paid_at) is not None:
        raise Conflict(f"第{item['no']}期应于{clock.local(due):%Y-%m-%d}前缴纳，已逾期：暂缓或分期缴纳已失效，"
                       "剩余罚款及加处罚款应一次缴清（登记“缴纳罚款”）", code="instalment_missed",
                       details={"due_at": due.isoformat()})
    amt = _money(amount) or Decimal(0)
    if amt < Decimal(item["amount"]):
        raise Conflict(f"缴款金额{amt}元不足本期应缴的{item['amount']}元", code="underpaid",
                       details={"due": item["amount"]})
    item.update(paid_at=paid_at.isoformat(), paid_amount=str(amt), payment_ref=payment_ref.strip())
    plan.schedule = items  # a new list: the JSON column is not mutation-tracked
    paid = plan_paid(plan)
    data: dict[str, Any] = {"plan_id": plan.id, "no": item["no"], "amount": str(amt), "ref": payment_ref.strip(),
                            "paid_total": str(paid)}
    if paid >= (plan.amount or Decimal(0)):
        plan.status = "completed"
        ec.paid_at, ec.paid_amount, ec.payment_ref = paid_at, paid, payment_ref.strip()
        workflow.stop_timers(session, ec, ("instalment", "payment", "court_wait", "court_window"), at)
        data["completed"] = True
    else:
        _next_instalment_timer(session, ec, plan, at)
    workflow.act(session, ec, action="instalment", actor=_actor(p), at=at, data=data)
    return plan


def plan_view(plan: EnforcementPaymentPlan, at: datetime) -> dict[str, Any]:
    miss = plan_missed(plan, at)
    return {"id": plan.id, "kind": plan.kind, "kind_label": PLAN_KIND_LABELS.get(plan.kind, plan.kind),
            "status": plan.status, "reason": plan.reason, "applied_at": plan.applied_at, "decided_at": plan.decided_at,
            "opinion": plan.opinion, "amount": str(plan.amount) if plan.amount is not None else None,
            "schedule": plan.schedule, "paid": str(plan_paid(plan)),
            "missed_due_at": miss[0] if miss else None, "remaining_due": str(miss[1]) if miss else None}


def recusal_view(r: EnforcementRecusal) -> dict[str, Any]:
    return {"id": r.id, "officer_id": r.officer_id, "source": r.source, "reason": r.reason,
            "requested_at": r.requested_at, "decided_at": r.decided_at, "granted": r.granted,
            "replacement_id": r.replacement_id, "opinion": r.opinion}
