"""The administrative penalty procedure: every rule of the reference (docs/enforcement.md, table T1–T32)
is a guard here with a Chinese refusal. Services take a Session and never commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.enforcement import documents, links, workflow
from chengguan.enforcement import rules as R
from chengguan.enforcement.models import (
    EVIDENCE_KINDS,
    SERVICE_METHODS,
    EnforcementCase,
    EnforcementChallenge,
    EnforcementDisclosure,
    EnforcementDocument,
    EnforcementEntrustment,
    EnforcementEvidence,
    EnforcementFileReview,
    EnforcementMeasure,
    EnforcementPaymentPlan,
    EnforcementRecord,
    EnforcementRecusal,
    EnforcementService,
    EnforcementTimer,
    EnforcementTransfer,
)
from chengguan.enforcement.workflow import Actor
from chengguan.system import counters
from chengguan.system.models import StoredFile

STAFF = (Role.OFFICER, Role.AUXILIARY, Role.LEADER, Role.LEGAL_REVIEWER, Role.ASSESSOR, Role.ADMIN)
EVIDENCE_LABELS = {"documentary": "书证", "physical": "物证", "audiovisual": "视听资料", "electronic": "电子数据",
                   "witness": "证人证言", "party_statement": "当事人的陈述", "expert_opinion": "鉴定意见",
                   "inspection_record": "勘验笔录、现场笔录"}
SOURCE_LABELS = {"digital_case": "数字城管移交", "patrol": "巡查发现", "complaint": "投诉举报",
                 "transfer_in": "其他机关移送", "designated": "上级指定管辖", "summary": "当场处罚"}
OUTCOMES = {"penalty": "予以行政处罚", "minor": "违法行为轻微，不予行政处罚", "not_established": "违法事实不能成立，不予行政处罚",
            "crime": "涉嫌犯罪，移送司法机关"}
PENALTY_TYPES = {"warning": "警告", "criticism": "通报批评", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
                 "confiscation_large": "没收较大数额违法所得或较大价值非法财物", "suspend_licence": "暂扣许可证件",
                 "downgrade": "降低资质等级", "revoke_licence": "吊销许可证件", "restrict_business": "限制开展生产经营活动",
                 "suspend_business": "责令停产停业", "close": "责令关闭", "bar": "限制从业"}
HEARING_CLOSED_REASONS = {"state_secret": "涉及国家秘密", "trade_secret": "涉及商业秘密", "privacy": "涉及个人隐私"}
DISPOSAL_METHODS = {"auction": "公开拍卖", "destroy": "销毁", "hand_over": "移交有关主管部门处理"}
METHOD_LABELS = {"direct": "直接送达", "left": "留置送达", "electronic": "电子送达", "postal": "邮寄送达",
                 "forwarded": "转交送达", "entrusted": "委托送达", "public_notice": "公告送达"}


# ------------------------------------------------------------------------------------------ access


def _actor(p: Principal | None) -> Actor:
    return Actor.of(p)


def can_see(p: Principal, ec: EnforcementCase) -> bool:
    if p.user_id in (ec.lead_officer_id, ec.assist_officer_id, ec.created_by):
        return True
    return any(p.covers(r, ec.street_code) for r in STAFF)


def get_visible(session: Session, p: Principal, case_id: int) -> EnforcementCase:
    ec = session.get(EnforcementCase, case_id)
    if ec is None:
        raise NotFound(f"执法案件 {case_id} 不存在", code="unknown_enforcement_case")
    if not can_see(p, ec):
        raise Forbidden("您无权查看该执法案件", code="out_of_region")
    return ec


def locked(session: Session, p: Principal, case_id: int, at: datetime | None = None, *,
           internal: bool = False) -> EnforcementCase:
    """The case, locked for an act by ``p``. Refused while ``p`` is the subject of an undecided recusal
    (APL 43), and — unless the act is internal to the agency (closure, archive, disclosure, recording a bank
    notice …) — when the case is handled under an entrustment that does not cover the act (APL 20–21)."""
    get_visible(session, p, case_id)
    ec = workflow.lock(session, case_id)
    assert ec is not None
    at = _now(at)
    _recusal_guard(session, ec, p.user_id)
    if ec.entrustment_id is not None and not internal:
        check_entrustment(session, ec.entrustment_id, ec.power_code, ec.street_code, at)
    return ec


def pending_recusal(session: Session, ec: EnforcementCase, user_id: int | None) -> EnforcementRecusal | None:
    if user_id is None or ec.id is None:
        return None
    return session.scalars(select(EnforcementRecusal).where(
        EnforcementRecusal.case_id == ec.id, EnforcementRecusal.officer_id == user_id,
        EnforcementRecusal.decided_at.is_(None)).limit(1)).first()


def _recusal_guard(session: Session, ec: EnforcementCase, user_id: int | None) -> None:
    if pending_recusal(session, ec, user_id) is not None:
        raise Conflict("对您的回避申请尚未由行政机关负责人作出决定，在此期间您不得办理本案（行政处罚法第43条）",
                       code="recusal_pending")


def _recused_officers(session: Session, ec: EnforcementCase) -> dict[int, bool]:
    """officer id → True if recusal granted, False if still undecided (refused recusals are not listed)."""
    out: dict[int, bool] = {}
    for r in session.scalars(select(EnforcementRecusal).where(EnforcementRecusal.case_id == ec.id)):
        if r.decided_at is None:
            out[int(r.officer_id)] = False
        elif r.granted:
            out[int(r.officer_id)] = True
    return out


def check_entrustment(session: Session, entrustment_id: int, power_code: str | None, street_code: str | None,
                      at: datetime) -> EnforcementEntrustment:
    """APL 20–21: an entrusted organisation acts only within the written entrustment — published, not revoked,
    inside its period, its powers (权责清单事项) and its area."""
    ent = session.get(EnforcementEntrustment, entrustment_id)
    if ent is None:
        raise NotFound(f"委托执法记录 {entrustment_id} 不存在", code="unknown_entrustment")
    if ent.revoked_at is not None and ent.revoked_at <= at:
        raise Conflict(f"委托（{ent.document_no}）已于{clock.local(ent.revoked_at):%Y-%m-%d}撤销，受委托组织不得再实施行政处罚",
                       code="entrustment_revoked")
    if ent.published_at is None or ent.published_at > at:
        raise Conflict("委托书尚未向社会公布，受委托组织不得实施行政处罚（行政处罚法第20条）", code="entrustment_unpublished")
    if at < ent.valid_from:
        raise Conflict(f"委托期限自{clock.local(ent.valid_from):%Y-%m-%d}起，尚未开始", code="entrustment_not_started")
    if at > ent.valid_to:
        raise Conflict(f"委托期限已于{clock.local(ent.valid_to):%Y-%m-%d}届满，受委托组织不得再以委托机关名义实施行政处罚"
                       "（行政处罚法第20条）", code="entrustment_expired")
    if not power_code:
        raise Invalid("委托执法的案件须填写权责清单事项编码（用于核对委托范围）", code="power_code_required")
    if power_code not in (ent.power_codes or []):
        raise Conflict(f"事项“{power_code}”不在委托书载明的委托事项范围内（行政处罚法第20条）",
                       code="outside_entrustment_scope", details={"scope": ent.power_codes})
    if ent.region_code and not (street_code or "").startswith(ent.region_code):
        raise Conflict("违法行为发生地不在委托的区域范围内", code="outside_entrustment_area",
                       details={"region_code": ent.region_code})
    return ent


def _require(p: Principal, ec: EnforcementCase, roles: tuple[str, ...], what: str) -> None:
    p.require(roles, ec.street_code, what)


def _not_auxiliary_only(p: Principal, what: str) -> None:
    if p.has(Role.AUXILIARY) and not p.has(Role.OFFICER, Role.LEADER, Role.LEGAL_REVIEWER, Role.ADMIN):
        raise Forbidden(f"协管员不得{what}（协管员只能协助执法，不得签名、决定或承办案件）", code="auxiliary_forbidden")


def _handler(session: Session, p: Principal, ec: EnforcementCase, what: str, at: datetime) -> None:
    """The caller is one of the case's two handling officers and holds a valid certificate."""
    _not_auxiliary_only(p, what)
    if p.user_id not in (ec.lead_officer_id, ec.assist_officer_id):
        raise Forbidden(f"只有本案承办人员可以{what}", code="not_case_handler")
    links.require_certified(session, p.user_id, at, scope="enforcement")


def _officers(session: Session, ids: list[int], at: datetime, what: str, minimum: int | None = None,
              ec: EnforcementCase | None = None) -> list[int]:
    """≥ 2 (configurable) distinct certified officers; auxiliaries and expired certificates are refused; on a
    case, an officer whose recusal is pending or granted may not take part (APL 43)."""
    need = int(minimum if minimum is not None else R.v(session, R.MIN_OFFICERS))  # type: ignore[call-overload]
    uniq = list(dict.fromkeys(int(i) for i in ids))
    if ec is not None and ec.id is not None:
        recused = _recused_officers(session, ec)
        for uid in uniq:
            if uid in recused:
                raise Conflict("该执法人员已被决定回避" if recused[uid] else "该执法人员的回避申请尚未决定，不得参与本案执法活动",
                               code="officer_recused" if recused[uid] else "recusal_pending", details={"officer_id": uid})
    if len(uniq) < need:
        raise Conflict(f"{what}须由不少于{need}名持有执法证件的执法人员进行（行政处罚法第42条）", code="too_few_officers",
                       details={"officers": uniq, "required": need})
    for uid in uniq:
        links.require_certified(session, uid, at, scope="enforcement")
    return uniq


def _names(session: Session, ids: list[int | None]) -> dict[int, str]:
    want = [i for i in ids if i]
    if not want:
        return {}
    # two columns only: loading User objects would also load every user's roles (a second round trip)
    return {int(i): n for i, n in session.execute(select(User.id, User.display_name).where(User.id.in_(want)))}


def _money(v: Any) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        d = Decimal(str(v)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except ArithmeticError as exc:
        raise Invalid("金额格式无效", code="bad_amount") from exc
    if d < 0:
        raise Invalid("金额不能为负", code="bad_amount")
    return d


def _now(at: datetime | None) -> datetime:
    return at or clock.now()


# ------------------------------------------------------------------------------------------ sources


@dataclass
class LeadInput:
    source: str
    cause: str
    party_name: str
    party_type: str = "person"
    party_id_no: str | None = None
    party_address: str | None = None
    party_phone: str | None = None
    party_legal_rep: str | None = None
    party_minor: bool = False
    facts: str | None = None
    power_code: str | None = None
    legal_basis: str | None = None
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    street_code: str | None = None
    occurred_at: datetime | None = None
    act_ended_at: datetime | None = None
    harms_life_or_finance: bool = False
    source_ref: str | None = None
    source_case_id: int | None = None
    device_id: str | None = None
    entrustment_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def place_code(session: Session, street_code: str | None, lon: float | None, lat: float | None,
               p: Principal | None = None) -> str | None:
    """The division the case belongs to (for permissions): the given street, the street at the point, the
    caller's own area (a phone without a position fix), or the district."""
    if street_code:
        return street_code
    from chengguan.geo import service as geo

    if lon is not None and lat is not None:
        loc = geo.locate(session, lon, lat)
        if loc is not None:
            return str(loc.street_code)
    elif p is not None:
        own = [r for role in (Role.OFFICER, Role.AUXILIARY) for r in p.regions(role) if r]
        if own:
            return own[0]
    return str(geo.city_info(session).get("district_code") or "") or None


def _case_no(session: Session, at: datetime) -> str:
    year = clock.local(at).year
    n = counters.next_value(session, "enf_case", str(year))
    return f"{R.v(session, R.DOC_PREFIX)}执案〔{year}〕{n:05d}号"


def create_lead(session: Session, p: Principal, data: LeadInput, at: datetime | None = None) -> EnforcementCase:
    """案件来源登记: patrol, complaint, transfer from another agency, designated jurisdiction (指定管辖)."""
    at = _now(at)
    data.street_code = place_code(session, data.street_code, data.lon, data.lat, p)
    p.require((Role.OFFICER, Role.AUXILIARY, Role.LEADER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ADMIN),
              data.street_code, "登记执法线索")
    if data.source not in SOURCE_LABELS or data.source == "summary":
        raise Invalid(f"案件来源无效：{data.source}", code="bad_source")
    if data.source in ("transfer_in", "designated") and not (data.source_ref or "").strip():
        raise Invalid("其他机关移送或指定管辖的案件须填写移送机关或指定管辖文书", code="source_ref_required")
    if data.source == "digital_case" and data.source_case_id is None:
        raise Invalid("数字城管移交须指明原案件", code="source_case_required")
    if data.party_type not in ("person", "org"):
        raise Invalid("当事人类型应为 person 或 org", code="bad_party_type")
    if data.occurred_at and data.occurred_at > at:
        raise Invalid("违法行为发生时间不能晚于现在", code="bad_time")
    if data.entrustment_id is not None:
        check_entrustment(session, data.entrustment_id, data.power_code, data.street_code, at)
    party_id = links.find_or_create_party(session, kind=data.party_type, name=data.party_name, id_no=data.party_id_no,
                                          address=data.party_address, phone=data.party_phone,
                                          legal_rep=data.party_legal_rep)
    ec = EnforcementCase(entrustment_id=data.entrustment_id,
        case_no=_case_no(session, at), procedure="ordinary", source=data.source, source_case_id=data.source_case_id,
        source_ref=data.source_ref, cause=data.cause, power_code=data.power_code, legal_basis=data.legal_basis,
        facts=data.facts, address=data.address, lon=data.lon, lat=data.lat, street_code=data.street_code,
        occurred_at=data.occurred_at, act_ended_at=data.act_ended_at, harms_life_or_finance=data.harms_life_or_finance,
        party_ref_id=party_id, party_type=data.party_type, party_name=data.party_name, party_id_no=data.party_id_no,
        party_address=data.party_address, party_phone=data.party_phone, party_legal_rep=data.party_legal_rep,
        party_minor=data.party_minor, created_by=p.user_id, created_at=at, penalty_types=[], discretion={},
        notified_penalty={},
    )
    workflow.open_case(session, ec, status="lead", actor=_actor(p), at=at, device_id=data.device_id,
                       data={"source": data.source, "source_ref": data.source_ref,
                             "source_case_id": data.source_case_id, "entrustment_id": data.entrustment_id})
    workflow.start_timer(session, ec, "register", "立案审查", at, R.work_days(session, at, R.v(session, R.REGISTER_DAYS)))
    workflow.refresh_due(session, ec)
    return ec


def handover_from_case(session: Session, p: Principal, case_id: int, data: LeadInput,
                       at: datetime | None = None) -> EnforcementCase:
    """A 数字城管 case handed over to enforcement: linked both ways (the enforcement case stores cases.id; the
    数字城管 case gets an ``enforcement_handover`` event naming the enforcement case)."""
    from chengguan.cases import service as cases
    from chengguan.cases import workflow as case_flow

    at = _now(at)
    src = cases.get_visible(session, p, case_id)
    p.require((Role.DISPATCHER, Role.SHIFT_LEADER, Role.LEADER, Role.OFFICER, Role.ADMIN), src.grid_code,
              "移交执法")
    exists = session.scalar(select(EnforcementCase.id).where(EnforcementCase.source_case_id == case_id,
                                                             EnforcementCase.status != "not_registered"))
    if exists is not None:
        raise Conflict(f"该案件已移交执法（执法案件 {exists}）", code="already_handed_over", details={"id": exists})
    data.source, data.source_case_id = "digital_case", case_id
    data.street_code = data.street_code or src.street_code
    data.address = data.address or src.address
    data.lon, data.lat = data.lon if data.lon is not None else src.lon, data.lat if data.lat is not None else src.lat
    data.occurred_at = data.occurred_at or src.reported_at
    data.facts = data.facts or src.description
    data.source_ref = data.source_ref or f"数字城管案件 {src.case_no}"
    ec = create_lead(session, p, data, at)
    locked_src = case_flow.lock_case(session, case_id)
    assert locked_src is not None
    case_flow.transition(session, locked_src, action="enforcement_handover", to=locked_src.status,
                         actor=case_flow.Actor.of(p, "officer"), opinion=f"移交综合执法，执法案件 {ec.case_no}",
                         data={"enforcement_case_id": ec.id, "enforcement_case_no": ec.case_no}, at=at)
    return ec


# ------------------------------------------------------------------------------------------ registration


def limitation_start(ec: EnforcementCase) -> datetime | None:
    """APL 36: the period runs from the act, or from its end for continuing or continuous acts."""
    return ec.act_ended_at or ec.occurred_at


def check_limitation(session: Session, ec: EnforcementCase, at: datetime) -> None:
    start = limitation_start(ec)
    if start is None:
        raise Invalid("立案须填写违法行为发生时间（用于核对追责时效）", code="occurred_at_required")
    years = int(R.v(session, R.LIMIT_YEARS_HARM if ec.harms_life_or_finance else R.LIMIT_YEARS))  # type: ignore[call-overload]
    if start < R.years_before(at, years):
        raise Conflict(f"违法行为已超过{years}年追责时效，不再给予行政处罚（行政处罚法第36条）", code="limitation_expired",
                       details={"from": start.isoformat(), "years": years})


def register(session: Session, p: Principal, case_id: int, *, lead_officer_id: int, assist_officer_id: int,
             opinion: str | None = None, complex_case: bool = False, major_violation: bool = False,
             public_interest: bool = False, multi_legal_relations: bool = False, major_rights: bool = False,
             at: datetime | None = None) -> EnforcementCase:
    """立案 (approved by the agency head): limitation checked, two certified handling officers designated."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "批准立案")
    if ec.status != "lead":
        raise Conflict("只有待立案的线索可以立案", code="illegal_transition")
    check_limitation(session, ec, at)
    officers = _officers(session, [lead_officer_id, assist_officer_id], at, "承办案件")
    ec.lead_officer_id, ec.assist_officer_id = officers[0], officers[1]
    ec.complex_case, ec.major_violation = complex_case, major_violation
    ec.public_interest, ec.multi_legal_relations, ec.major_rights = public_interest, multi_legal_relations, major_rights
    ec.registered_at = at
    ec.decision_due_at = R.days(at, int(R.v(session, R.DECISION_DAYS)))  # type: ignore[call-overload]
    workflow.stop_timers(session, ec, ("register",), at)
    workflow.start_timer(session, ec, "decide", "作出处罚决定（90日）", at, ec.decision_due_at)
    doc = documents.issue(session, ec, "register_approval", p, at, {"opinion": opinion})
    workflow.act(session, ec, action="register", actor=_actor(p), to="registered", opinion=opinion, at=at,
                 data={"lead_officer_id": ec.lead_officer_id, "assist_officer_id": ec.assist_officer_id,
                       "document_id": doc.id, "doc_no": doc.doc_no})
    return ec


def not_register(session: Session, p: Principal, case_id: int, *, reason: str, at: datetime | None = None) -> EnforcementCase:
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "决定不予立案")
    if not (reason or "").strip():
        raise Invalid("不予立案须说明理由", code="reason_required")
    workflow.stop_timers(session, ec, ("register",), at)
    workflow.act(session, ec, action="not_register", actor=_actor(p), to="not_registered", opinion=reason, at=at)
    return ec


# ------------------------------------------------------------------------------------------ investigation


def _investigating(ec: EnforcementCase, what: str) -> None:
    if ec.status not in ("registered",):
        raise Conflict(f"只有在调查取证阶段才能{what}", code="not_investigating",
                       details={"status": ec.status})


def add_record(session: Session, p: Principal, case_id: int, *, kind: str, content: str, officer_ids: list[int],
               started_at: datetime | None = None, ended_at: datetime | None = None, place: str | None = None,
               subject_name: str | None = None, recorder_id: int | None = None, party_signed: bool = False,
               refusal_note: str | None = None, participants: list[str] | None = None, conclusion: str | None = None,
               device_id: str | None = None, at: datetime | None = None) -> EnforcementRecord:
    """笔录: inspection (现场检查/勘验) and inquiry (询问) during investigation, statement/defence after notice,
    hearing record during the hearing. Signed by ≥ 2 certified officers; the party signs or the refusal is noted."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    if kind in ("inspection", "inquiry"):
        _investigating(ec, "制作检查、询问笔录")
    elif kind == "statement":
        if ec.status not in ("notified",):
            raise Conflict("陈述申辩笔录只能在事先告知后、作出决定前制作", code="not_notified")
    elif kind == "hearing":
        if ec.status != "hearing" or ec.hearing_at is None:
            raise Conflict("尚未安排听证，不能制作听证笔录", code="no_hearing")
    else:
        raise Invalid("该类笔录请通过对应的办理环节提交（集体讨论、法制审核）", code="bad_record_kind")
    if not (content or "").strip():
        raise Invalid("笔录内容不能为空", code="content_required")
    if kind != "hearing":
        _handler(session, p, ec, "制作笔录", at)
        officers = _officers(session, officer_ids, at, "调查询问、检查", ec=ec)
    else:
        officers = [int(i) for i in officer_ids]
    if not party_signed and not (refusal_note or "").strip():
        raise Invalid("笔录须经当事人（被询问人）签名确认；拒绝签名的，应注明情况", code="signature_or_refusal_required")
    rec = EnforcementRecord(case_id=ec.id, kind=kind, started_at=started_at or at, ended_at=ended_at or at, place=place,
                            subject_name=subject_name or ec.party_name, officer_ids=officers, recorder_id=recorder_id,
                            participants=list(participants or []), content=content, conclusion=conclusion,
                            party_signed=party_signed, refusal_note=refusal_note, created_by=p.user_id, created_at=at)
    session.add(rec)
    session.flush()
    doc_type = {"inspection": "inspection_record", "inquiry": "inquiry_record", "statement": "statement_record",
                "hearing": "hearing_record"}[kind]
    doc = documents.issue(session, ec, doc_type, p, at, {"record_id": rec.id})
    data: dict[str, Any] = {"record_id": rec.id, "kind": kind, "officers": officers, "document_id": doc.id}
    to = None
    if kind == "statement":
        ec.statement_at = at
        data["adopted"] = conclusion
    if kind == "hearing":
        ec.hearing_held_at = at
        workflow.stop_timers(session, ec, ("hearing",), at)
        to = "notified"
    workflow.act(session, ec, action=f"record_{kind}", actor=_actor(p), to=to, at=at, data=data, device_id=device_id)
    return rec


def add_evidence(session: Session, p: Principal, case_id: int, *, kind: str, title: str, file_id: int | None,
                 officer_ids: list[int], device_id: str | None = None, from_monitoring: bool = False,
                 collected_at: datetime | None = None, note: str | None = None,
                 at: datetime | None = None) -> EnforcementEvidence:
    """Evidence of one of the legal types (APL 46) with its SHA-256 (from the stored file)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _investigating(ec, "收集证据")
    if kind not in EVIDENCE_KINDS:
        raise Invalid(f"证据种类应为：{'、'.join(EVIDENCE_LABELS.values())}", code="bad_evidence_kind")
    _handler(session, p, ec, "收集证据", at)
    officers = _officers(session, officer_ids, at, "调查取证", ec=ec)
    sha = None
    media = []
    if file_id is not None:
        f = session.get(StoredFile, file_id)
        if f is None:
            raise NotFound("证据文件不存在，请先上传", code="unknown_file")
        sha = f.sha256
        media = [{"sha256": f.sha256, "kind": {"image": "photo", "video": "video", "audio": "audio"}.get(f.kind, "document"),
                  "name": f.filename, "size": f.size, "file_id": f.id}]
    elif kind in ("audiovisual", "electronic"):
        raise Invalid("视听资料、电子数据须上传原始文件（计算 SHA-256 摘要）", code="file_required")
    # body-camera (and other recorder) files go to the equipment media register too: one file, one SHA-256
    links.register_media(session, device_id, file_id, collected_at or at, required=not from_monitoring)
    ev = EnforcementEvidence(case_id=ec.id, kind=kind, title=title, file_id=file_id, sha256=sha,
                             collected_at=collected_at or at, officer_ids=officers, device_id=device_id,
                             from_monitoring=from_monitoring, note=note, created_by=p.user_id)
    session.add(ev)
    session.flush()
    workflow.act(session, ec, action="evidence", actor=_actor(p), at=at, device_id=device_id, media=media,
                 data={"evidence_id": ev.id, "kind": kind, "sha256": sha, "monitoring": from_monitoring})
    return ev


def review_monitoring_evidence(session: Session, p: Principal, case_id: int, evidence_id: int,
                               at: datetime | None = None) -> EnforcementEvidence:
    """APL 41: each record of an electronic monitoring device is reviewed before it is used as evidence."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "审核电子监控证据", at)
    ev = session.get(EnforcementEvidence, evidence_id)
    if ev is None or ev.case_id != ec.id:
        raise NotFound("证据不存在", code="unknown_evidence")
    if not ev.from_monitoring:
        raise Conflict("该证据不是电子技术监控设备记录", code="not_monitoring")
    ev.reviewed_at = at
    workflow.act(session, ec, action="evidence_reviewed", actor=_actor(p), at=at, data={"evidence_id": ev.id})
    return ev


def start_measure(session: Session, p: Principal, case_id: int, *, kind: str, items: list[dict[str, Any]],
                  officer_ids: list[int], approved_by: int, days: int | None = None, storage_place: str | None = None,
                  at: datetime | None = None) -> EnforcementMeasure:
    """先行登记保存 (head's approval, decided within 7 working days) or 查封/扣押 (≤ 30 days, with a list)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _investigating(ec, "采取证据保全或强制措施")
    if kind not in ("preserve", "seal", "seize"):
        raise Invalid("措施种类应为 preserve（先行登记保存）、seal（查封）或 seize（扣押）", code="bad_measure_kind")
    if kind in ("seal", "seize") and ec.entrustment_id is not None:
        raise Conflict("行政强制措施权不得委托，受委托组织不得实施查封、扣押（行政强制法第17条）",
                       code="coercion_not_entrustable")
    _handler(session, p, ec, "采取措施", at)
    officers = _officers(session, officer_ids, at, "证据保全、查封扣押", ec=ec)
    if not items:
        raise Invalid("须列明物品清单（名称、数量等）", code="items_required")
    for i, it in enumerate(items):
        if not str(it.get("name") or "").strip() or not str(it.get("quantity") or "").strip():
            raise Invalid(f"清单第{i + 1}项须填写名称和数量", code="items_incomplete")
    approver = session.get(User, approved_by)
    if approver is None or not any(r.role == Role.LEADER for r in approver.roles):
        raise Conflict("先行登记保存、查封扣押须经行政机关负责人批准（行政处罚法第56条、行政强制法第18条）",
                       code="head_approval_required")
    if kind == "preserve":
        due = R.work_days(session, at, R.v(session, R.PRESERVE_DAYS))
        label, doc_type, days = "先行登记保存处理决定（7个工作日）", "preserve_notice", None
    else:
        limit = int(R.v(session, R.SEIZE_DAYS))  # type: ignore[call-overload]
        days = int(days or limit)
        if days < 1 or days > limit:
            raise Conflict(f"查封、扣押的期限不得超过{limit}日（行政强制法第25条）", code="seizure_too_long")
        due = R.days(at, days)
        label, doc_type = "查封扣押期限届满", "seizure_decision"
    m = EnforcementMeasure(case_id=ec.id, kind=kind, items=items, storage_place=storage_place, approved_by=approved_by,
                           officer_ids=officers, started_at=at, days=days, due_at=due)
    session.add(m)
    session.flush()
    doc = documents.issue(session, ec, doc_type, p, at, {"measure_id": m.id})
    m.document_id = doc.id
    workflow.start_timer(session, ec, f"measure_{kind}", label, at, due, ref_id=m.id)
    workflow.act(session, ec, action=f"measure_{kind}", actor=_actor(p), at=at,
                 data={"measure_id": m.id, "due_at": due.isoformat(), "document_id": doc.id, "doc_no": doc.doc_no})
    return m


def extend_measure(session: Session, p: Principal, case_id: int, measure_id: int, *, days: int, reason: str,
                   at: datetime | None = None) -> EnforcementMeasure:
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "批准延长查封扣押期限")
    m = _measure(session, ec, measure_id)
    if m.kind == "preserve":
        raise Conflict("先行登记保存应在7个工作日内作出处理决定，不能延长", code="preserve_not_extendable")
    if m.extended_at is not None:
        raise Conflict("查封、扣押期限只能延长一次（行政强制法第25条）", code="already_extended")
    limit = int(R.v(session, R.SEIZE_EXT))  # type: ignore[call-overload]
    if days < 1 or days > limit:
        raise Conflict(f"延长期限不得超过{limit}日", code="extension_too_long")
    if at > m.due_at:
        raise Conflict("查封、扣押期限已届满，不能再延长", code="measure_expired")
    if not (reason or "").strip():
        raise Invalid("延长须说明理由并书面告知当事人", code="reason_required")
    m.extended_at = at
    m.due_at = R.days(m.due_at, days)
    t = workflow.open_timer(session, ec, f"measure_{m.kind}", ref_id=m.id)
    if t is not None:
        t.due_at = m.due_at
    workflow.act(session, ec, action="measure_extend", actor=_actor(p), at=at, opinion=reason,
                 data={"measure_id": m.id, "days": days, "due_at": m.due_at.isoformat()})
    return m


def end_measure(session: Session, p: Principal, case_id: int, measure_id: int, *, outcome: str,
                at: datetime | None = None) -> EnforcementMeasure:
    """The decision on preserved or seized items: confiscate, destroy, release/return, or (preserved) seize."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "处理保全或查封扣押物品", at)
    m = _measure(session, ec, measure_id)
    if outcome not in ("confiscate", "destroy", "release", "return", "seize", "test"):
        raise Invalid("处理结果应为 confiscate/destroy/release/return/seize/test", code="bad_outcome")
    late = at > m.due_at
    m.ended_at, m.outcome = at, outcome
    workflow.stop_timers(session, ec, (f"measure_{m.kind}",), at, ref_id=m.id)
    workflow.act(session, ec, action="measure_end", actor=_actor(p), at=at,
                 data={"measure_id": m.id, "outcome": outcome, "late": late})
    return m


def dispose(session: Session, p: Principal, case_id: int, *, measure_id: int, method: str, officer_ids: list[int],
            place: str | None = None, basis: str | None = None, witness: str | None = None, result: str | None = None,
            proceeds: Any = None, treasury_ref: str | None = None, at: datetime | None = None) -> EnforcementDocument:
    """罚没物品处理记录: disposal of items confiscated by a served penalty decision (APL 74: public auction or
    handling under state rules, destruction only where the law requires it; proceeds to the treasury)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "处理罚没物品", at)
    m = session.get(EnforcementMeasure, measure_id)
    if m is None or m.case_id != ec.id:
        raise NotFound("措施不存在", code="unknown_measure")
    if m.outcome != "confiscate":
        raise Conflict("只有决定没收的物品才能作罚没处理", code="not_confiscated")
    if ec.decision_kind != "penalty" or not {"confiscation", "confiscation_large"} & set(ec.penalty_types or []):
        raise Conflict("处罚决定未包含没收非法财物，不能处理罚没物品（行政处罚法第9条、第74条）", code="no_confiscation_decision")
    if ec.served_at is None:
        raise Conflict("没收的处罚决定书尚未送达，不能处理罚没物品", code="not_served")
    if disposal_of(session, ec, m.id) is not None:
        raise Conflict("该批物品已处理", code="already_disposed")
    if method not in DISPOSAL_METHODS:
        raise Invalid(f"处理方式应为：{'、'.join(f'{k}（{v}）' for k, v in DISPOSAL_METHODS.items())}", code="bad_method")
    officers = _officers(session, officer_ids, at, "罚没物品处理", ec=ec)
    amount = _money(proceeds)
    if method == "destroy":
        if not (basis or "").strip():
            raise Conflict("除依法应当予以销毁的物品外，没收的非法财物应当公开拍卖或按国家规定处理；销毁须写明依据"
                           "（行政处罚法第74条）", code="basis_required")
        if not (witness or "").strip():
            raise Conflict("销毁罚没物品须有监销人在场见证", code="witness_required")
    if method == "auction" and (amount is None or not (treasury_ref or "").strip()):
        raise Conflict("拍卖款项必须全部上缴国库，须填写拍卖所得及缴库凭证号（行政处罚法第74条）", code="treasury_ref_required")
    doc = documents.issue(session, ec, "disposal_record", p, at,
                          {"measure_id": m.id, "method": method, "officer_ids": officers, "place": place, "basis": basis,
                           "witness": witness, "result": result, "proceeds": str(amount) if amount is not None else None,
                           "treasury_ref": treasury_ref})
    workflow.act(session, ec, action="dispose", actor=_actor(p), at=at,
                 data={"measure_id": m.id, "method": method, "document_id": doc.id, "doc_no": doc.doc_no})
    return doc


def disposal_of(session: Session, ec: EnforcementCase, measure_id: int) -> EnforcementDocument | None:
    for d in session.scalars(select(EnforcementDocument).where(EnforcementDocument.case_id == ec.id,
                                                               EnforcementDocument.doc_type == "disposal_record")):
        if (d.data or {}).get("measure_id") == measure_id:
            return d
    return None


def _measure(session: Session, ec: EnforcementCase, measure_id: int) -> EnforcementMeasure:
    m = session.get(EnforcementMeasure, measure_id)
    if m is None or m.case_id != ec.id:
        raise NotFound("措施不存在", code="unknown_measure")
    if m.ended_at is not None:
        raise Conflict("该措施已处理完毕", code="measure_ended")
    return m


# ------------------------------------------------------------------------------------------ end of investigation


def end_investigation(session: Session, p: Principal, case_id: int, *, outcome: str, facts: str,
                      legal_basis: str | None = None, penalty_types: list[str] | None = None,
                      fine_amount: Any = None, confiscation_amount: Any = None, correction_order: str | None = None,
                      discretion_facts: dict[str, Any] | None = None, at: datetime | None = None) -> EnforcementCase:
    """调查终结 (APL 57) with one of its four outcomes and, for a penalty, the proposed penalty."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _investigating(ec, "调查终结")
    _handler(session, p, ec, "提出调查终结意见", at)
    if outcome not in OUTCOMES:
        raise Invalid(f"调查终结的处理意见应为：{'；'.join(OUTCOMES.values())}", code="bad_outcome")
    if not (facts or "").strip():
        raise Invalid("须写明认定的违法事实", code="facts_required")
    pending = session.scalar(select(EnforcementMeasure.id).where(EnforcementMeasure.case_id == ec.id,
                                                                 EnforcementMeasure.kind == "preserve",
                                                                 EnforcementMeasure.ended_at.is_(None)))
    if pending is not None:
        raise Conflict("尚有先行登记保存的证据未作出处理决定（应在7个工作日内处理）", code="preserve_pending")
    unreviewed = session.scalar(select(EnforcementEvidence.id).where(
        EnforcementEvidence.case_id == ec.id, EnforcementEvidence.from_monitoring.is_(True),
        EnforcementEvidence.reviewed_at.is_(None)))
    if unreviewed is not None:
        raise Conflict("电子技术监控设备记录未经审核，不得作为处罚证据（行政处罚法第41条）", code="monitoring_unreviewed")
    if outcome == "penalty":
        n_rec = session.scalar(select(EnforcementRecord.id).where(EnforcementRecord.case_id == ec.id,
                                                                  EnforcementRecord.kind.in_(("inspection", "inquiry"))))
        n_ev = session.scalar(select(EnforcementEvidence.id).where(EnforcementEvidence.case_id == ec.id))
        if n_rec is None or n_ev is None:
            raise Conflict("拟予处罚的案件须有现场检查或询问笔录及证据（行政处罚法第54、55条）", code="evidence_required")
        _set_penalty(session, ec, penalty_types, fine_amount, confiscation_amount, discretion_facts, at)
        if not (correction_order or "").strip():
            raise Invalid("实施行政处罚应当责令当事人改正或者限期改正（行政处罚法第28条）", code="correction_required")
    ec.facts, ec.legal_basis = facts, legal_basis or ec.legal_basis
    ec.correction_order = correction_order
    ec.end_outcome, ec.investigation_ended_at = outcome, at
    doc = documents.issue(session, ec, "handling_approval", p, at, {})
    data = {"outcome": outcome, "penalty_types": ec.penalty_types, "fine_amount": str(ec.fine_amount or ""),
            "discretion": ec.discretion, "document_id": doc.id}
    if correction_order:
        cdoc = documents.issue(session, ec, "correction_order", p, at, {})
        data["correction_doc_id"] = cdoc.id
    workflow.act(session, ec, action="end_investigation", actor=_actor(p), to="investigated", at=at, data=data,
                 opinion=OUTCOMES[outcome])
    return ec


def _set_penalty(session: Session, ec: EnforcementCase, penalty_types: list[str] | None, fine_amount: Any,
                 confiscation_amount: Any, discretion_facts: dict[str, Any] | None, at: datetime) -> None:
    types = list(dict.fromkeys(penalty_types or []))
    bad = [t for t in types if t not in PENALTY_TYPES]
    if not types or bad:
        raise Invalid(f"处罚种类无效或为空：{bad or types}", code="bad_penalty_types", details=list(PENALTY_TYPES))
    fine = _money(fine_amount)
    if "fine" in types and not fine:
        raise Invalid("处罚种类含罚款的，须写明罚款金额", code="fine_required")
    if "fine" not in types and fine:
        raise Invalid("未选择罚款种类却填写了罚款金额", code="fine_without_type")
    ec.penalty_types, ec.fine_amount, ec.confiscation_amount = types, fine, _money(confiscation_amount)
    if ec.power_code:
        facts = dict(discretion_facts or {})
        facts.setdefault("party_type", ec.party_type)
        facts.setdefault("party_id", ec.party_ref_id)
        out = links.choose_discretion(session, ec.power_code, facts, at)
        ec.discretion = out
        if out.get("no_penalty"):
            raise Conflict("依裁量基准本案应不予处罚（首违不罚或轻微并及时改正、没有危害后果），请以“违法行为轻微”终结",
                           code="discretion_no_penalty", details=out)
        lo, hi = out.get("fine_min"), out.get("fine_max")
        if fine is not None and lo is not None and hi is not None and not Decimal(str(lo)) <= fine <= Decimal(str(hi)):
            raise Conflict(f"罚款金额{fine}元不在裁量基准“{out.get('tier_label') or out.get('tier')}”档的幅度"
                           f"（{lo}–{hi}元）内", code="fine_outside_discretion", details=out)


def approve_handling(session: Session, p: Principal, case_id: int, *, opinion: str | None = None,
                     at: datetime | None = None) -> EnforcementCase:
    """The agency head reviews the investigation result (APL 57) — 案件处理审批表."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "审批案件处理意见")
    if ec.status != "investigated":
        raise Conflict("调查终结后才能审批处理意见", code="not_investigated")
    ec.approved_at = at
    to = None
    if ec.end_outcome == "crime":
        to = None  # the transfer itself moves the case
    workflow.act(session, ec, action="approve_handling", actor=_actor(p), to=to, at=at, opinion=opinion)
    return ec


def collective_discussion(session: Session, p: Principal, case_id: int, *, participants: list[str], content: str,
                          conclusion: str, reason: str, at: datetime | None = None) -> EnforcementRecord:
    """集体讨论 (APL 57 para 2): the agency's leaders decide collectively on complex or major cases."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "组织集体讨论")
    if ec.status not in ("investigated", "notified"):
        raise Conflict("集体讨论应在调查终结后、作出决定前进行", code="not_investigated")
    need = int(R.v(session, R.COLLECTIVE_MIN))  # type: ignore[call-overload]
    names = [s for s in (participants or []) if str(s).strip()]
    if len(set(names)) < need:
        raise Conflict(f"集体讨论须有不少于{need}名负责人参加", code="too_few_participants")
    if not (content or "").strip() or not (conclusion or "").strip():
        raise Invalid("须记录讨论意见和结论", code="content_required")
    rec = EnforcementRecord(case_id=ec.id, kind="collective", started_at=at, ended_at=at, participants=names,
                            content=content, conclusion=conclusion, officer_ids=[], created_by=p.user_id, created_at=at,
                            place=reason)
    session.add(rec)
    session.flush()
    ec.collective_at = at
    doc = documents.issue(session, ec, "collective_record", p, at, {"record_id": rec.id, "reason": reason})
    workflow.act(session, ec, action="collective_discussion", actor=_actor(p), at=at, opinion=conclusion,
                 data={"record_id": rec.id, "document_id": doc.id})
    return rec


def review_required(session: Session, ec: EnforcementCase) -> list[str]:
    """The APL 58 triggers that hold for this case (+ the city's "every ordinary case" flag)."""
    why = []
    if ec.public_interest:
        why.append("涉及重大公共利益")
    if ec.major_rights and ec.hearing_held_at is not None:
        why.append("直接关系当事人或第三人重大权益且经过听证程序")
    if ec.multi_legal_relations:
        why.append("案件情况疑难复杂、涉及多个法律关系")
    if (ec.discretion or {}).get("requires_legal_review"):
        why.append("裁量基准要求法制审核（如减轻处罚）")
    if ec.procedure == "ordinary" and R.v(session, R.REVIEW_ALL) and ec.end_outcome == "penalty":
        why.append("本市规定普通程序案件一律法制审核")
    return why


def collective_required(ec: EnforcementCase) -> bool:
    return bool(ec.complex_case or ec.major_violation)


def legal_review(session: Session, p: Principal, case_id: int, *, passed: bool, opinion: str,
                 items: dict[str, str] | None = None, qualification_no: str | None = None,
                 at: datetime | None = None) -> EnforcementCase:
    """法制审核 (APL 58) by a legal reviewer who is not one of the investigators."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEGAL_REVIEWER,), "法制审核")
    if ec.status not in ("investigated", "notified"):
        raise Conflict("法制审核应在调查终结后、作出决定前进行", code="not_investigated")
    investigators = {ec.lead_officer_id, ec.assist_officer_id}
    for r in session.scalars(select(EnforcementRecord).where(EnforcementRecord.case_id == ec.id,
                                                             EnforcementRecord.kind.in_(("inspection", "inquiry")))):
        investigators.update(int(i) for i in r.officer_ids or [])
    if p.user_id in investigators:
        raise Conflict("法制审核人员不得是本案的调查人员", code="reviewer_is_investigator")
    if not (opinion or "").strip():
        raise Invalid("须出具书面审核意见", code="opinion_required")
    ec.legal_review_at, ec.legal_review_passed, ec.legal_reviewer_id = at, bool(passed), p.user_id
    doc = documents.issue(session, ec, "legal_review_opinion", p, at,
                          {"passed": passed, "opinion": opinion, "items": items or {}, "qualification_no": qualification_no})
    workflow.act(session, ec, action="legal_review", actor=_actor(p), at=at, opinion=opinion,
                 data={"passed": bool(passed), "document_id": doc.id, "doc_no": doc.doc_no})
    return ec


# ------------------------------------------------------------------------------------------ notice, defence, hearing


def hearing_right(session: Session, ec: EnforcementCase) -> bool:
    """APL 63: large fines (per-jurisdiction thresholds), confiscation of large amounts, licence measures, closure…"""
    heavy = set(R.v(session, R.HEAVY_TYPES))  # type: ignore[call-overload]
    if heavy & set(ec.penalty_types or []):
        return True
    threshold = R.num(session, R.HEARING_ORG if ec.party_type == "org" else R.HEARING_PERSON)
    total = (ec.fine_amount or Decimal(0)) + (ec.confiscation_amount or Decimal(0))
    return total >= threshold


def notify(session: Session, p: Principal, case_id: int, *, at: datetime | None = None,
           reason: str | None = None) -> EnforcementCase:
    """事先告知 (APL 44): intended penalty, facts, reasons, basis, and the rights of statement, defence and hearing."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    renotice = ec.status == "notified"
    if ec.status not in ("investigated", "notified") or ec.end_outcome != "penalty":
        raise Conflict("只有调查终结拟予处罚的案件才能事先告知", code="not_investigated")
    if renotice and not (reason or "").strip():
        raise Invalid("重新告知须说明新发现的事实和理由", code="reason_required")
    _handler(session, p, ec, "送达事先告知", at)
    if ec.approved_at is None:
        raise Conflict("处理意见尚未经行政机关负责人审批", code="approval_required")
    ec.notified_at = at
    ec.notified_penalty = {"penalty_types": list(ec.penalty_types or []), "fine_amount": str(ec.fine_amount or 0),
                           "confiscation_amount": str(ec.confiscation_amount or 0)}
    ec.statement_due_at = R.work_days(session, at, R.v(session, R.STATEMENT_DAYS))
    ec.statement_at, ec.rights_waived = None, False
    ec.hearing_offered = hearing_right(session, ec)
    workflow.stop_timers(session, ec, ("statement", "hearing_request"), at)
    workflow.start_timer(session, ec, "statement", "陈述申辩期", at, ec.statement_due_at)
    docs = [documents.issue(session, ec, "prior_notice", p, at, {})]
    if ec.hearing_offered:
        ec.hearing_request_due_at = R.work_days(session, at, R.v(session, R.HEARING_REQUEST))
        workflow.start_timer(session, ec, "hearing_request", "听证申请期（5个工作日）", at, ec.hearing_request_due_at)
        docs.append(documents.issue(session, ec, "hearing_rights_notice", p, at, {}))
    workflow.act(session, ec, action="renotify" if renotice else "notify", actor=_actor(p), to="notified", at=at,
                 opinion=reason, data={"documents": [d.id for d in docs], "hearing_offered": ec.hearing_offered,
                                       "statement_due_at": ec.statement_due_at.isoformat()})
    return ec


def waive_rights(session: Session, p: Principal, case_id: int, *, note: str, at: datetime | None = None) -> EnforcementCase:
    """The party expressly waives statement, defence and hearing (APL 62)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    if ec.status != "notified":
        raise Conflict("只有事先告知后才能记录放弃陈述申辩", code="not_notified")
    _handler(session, p, ec, "记录当事人放弃权利", at)
    if not (note or "").strip():
        raise Invalid("须记录当事人明确放弃的方式（如书面声明）", code="note_required")
    ec.rights_waived = True
    workflow.stop_timers(session, ec, ("statement", "hearing_request"), at)
    workflow.act(session, ec, action="waive_rights", actor=_actor(p), at=at, opinion=note)
    return ec


def request_hearing(session: Session, p: Principal, case_id: int, *, at: datetime | None = None,
                    note: str | None = None) -> EnforcementCase:
    at = _now(at)
    ec = locked(session, p, case_id, at)
    if ec.status != "notified":
        raise Conflict("只有事先告知后才能申请听证", code="not_notified")
    _handler(session, p, ec, "登记听证申请", at)
    if not ec.hearing_offered:
        raise Conflict("拟作出的处罚不属于应当告知听证权利的情形（行政处罚法第63条）", code="no_hearing_right")
    if ec.hearing_request_due_at is not None and at > ec.hearing_request_due_at:
        raise Conflict("当事人应在告知后5个工作日内提出听证要求，已逾期（行政处罚法第64条）", code="hearing_request_late")
    if ec.rights_waived:
        raise Conflict("当事人已明确放弃听证权利", code="rights_waived")
    ec.hearing_requested_at = at
    workflow.stop_timers(session, ec, ("hearing_request",), at)
    workflow.act(session, ec, action="request_hearing", actor=_actor(p), to="hearing", at=at, opinion=note)
    return ec


def schedule_hearing(session: Session, p: Principal, case_id: int, *, hearing_at: datetime, place: str,
                     chair_id: int, agents: list[str] | None = None, public: bool = True,
                     closed_reason: str | None = None, at: datetime | None = None) -> EnforcementCase:
    """听证通知书: served ≥ 7 working days before; chaired by a non-investigator; ≤ 2 agents (APL 64)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _not_auxiliary_only(p, "安排听证")
    _require(p, ec, (Role.LEADER, Role.OFFICER, Role.LEGAL_REVIEWER), "安排听证")
    if ec.status != "hearing":
        raise Conflict("当事人未申请听证", code="no_hearing_request")
    if chair_id in (ec.lead_officer_id, ec.assist_officer_id):
        raise Conflict("听证由非本案调查人员主持（行政处罚法第64条）", code="chair_is_investigator")
    if len(agents or []) > 2:
        raise Conflict("当事人可以委托一至二人代理", code="too_many_agents")
    earliest = R.work_days(session, at, R.v(session, R.HEARING_NOTICE))
    if hearing_at <= earliest:
        raise Conflict("应当在举行听证的7个工作日前通知当事人听证的时间、地点（行政处罚法第64条）",
                       code="hearing_notice_too_short", details={"earliest": earliest.isoformat()})
    if not public and closed_reason not in HEARING_CLOSED_REASONS:
        raise Conflict("听证应当公开举行，只有涉及国家秘密、商业秘密或者个人隐私依法予以保密的除外（行政处罚法第64条）；"
                       "不公开的须选择理由", code="closed_reason_required", details=HEARING_CLOSED_REASONS)
    ec.hearing_at, ec.hearing_place, ec.hearing_chair_id = hearing_at, place, chair_id
    workflow.stop_timers(session, ec, ("hearing",), at)
    workflow.start_timer(session, ec, "hearing", "举行听证", at, hearing_at)
    doc = documents.issue(session, ec, "hearing_summons", p, at,
                          {"agents": agents or [], "public": public,
                           "closed_reason": HEARING_CLOSED_REASONS.get(closed_reason or "") if not public else None})
    data: dict[str, Any] = {"hearing_at": hearing_at.isoformat(), "chair_id": chair_id, "document_id": doc.id}
    if public:  # 听证公告: a public hearing is announced with the same notice period as the summons
        data["announcement_id"] = documents.issue(session, ec, "hearing_announcement", p, at, {}).id
    workflow.act(session, ec, action="schedule_hearing", actor=_actor(p), at=at, data=data)
    return ec


def hearing_absent(session: Session, p: Principal, case_id: int, *, note: str, at: datetime | None = None) -> EnforcementCase:
    """The party did not attend (or left) without good reason: the hearing right is waived (APL 64(6))."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _not_auxiliary_only(p, "记录当事人未出席听证")
    _require(p, ec, (Role.LEADER, Role.OFFICER, Role.LEGAL_REVIEWER), "记录当事人未出席听证")
    if ec.status != "hearing" or ec.hearing_at is None:
        raise Conflict("尚未安排听证", code="no_hearing")
    if at < ec.hearing_at:
        raise Conflict("听证时间未到", code="hearing_not_yet")
    if not (note or "").strip():
        raise Invalid("须记录当事人无正当理由拒不出席或中途退出听证的情况", code="note_required")
    ec.rights_waived = True
    workflow.stop_timers(session, ec, ("hearing",), at)
    workflow.act(session, ec, action="hearing_absent", actor=_actor(p), to="notified", at=at, opinion=note)
    return ec


# ------------------------------------------------------------------------------------------ decision


def extend_decision(session: Session, p: Principal, case_id: int, *, reason: str, at: datetime | None = None) -> EnforcementCase:
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "批准延长办案期限")
    if ec.decision_due_at is None or ec.decided_at is not None:
        raise Conflict("只有已立案、尚未决定的案件可以延长办案期限", code="not_open")
    allowed = list(R.v(session, R.DECISION_EXT))  # type: ignore[call-overload]
    if ec.extensions >= len(allowed):
        raise Conflict(f"办案期限已延长{ec.extensions}次，不能再延长", code="no_more_extensions")
    if not (reason or "").strip():
        raise Invalid("延长办案期限须说明理由", code="reason_required")
    if ec.extensions >= 1 and ec.collective_at is None:
        raise Conflict("再次延长须经集体讨论决定", code="collective_required")
    add = int(allowed[ec.extensions])
    ec.decision_due_at = R.days(ec.decision_due_at, add)
    ec.extensions += 1
    t = workflow.open_timer(session, ec, "decide")
    if t is not None:
        t.due_at = ec.decision_due_at
    workflow.act(session, ec, action="extend_decision", actor=_actor(p), at=at, opinion=reason,
                 data={"days": add, "due_at": ec.decision_due_at.isoformat()})
    return ec


def decide(session: Session, p: Principal, case_id: int, *, opinion: str | None = None, penalty_types: list[str] | None = None,
           fine_amount: Any = None, education: str | None = None, at: datetime | None = None) -> EnforcementCase:
    """The agency head's decision (APL 57, 59–62): a penalty decision or a decision not to penalise."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER,), "作出行政处罚决定")
    if ec.status not in ("investigated", "notified"):
        raise Conflict("案件当前阶段不能作出决定", code="illegal_transition", details={"status": ec.status})
    if ec.end_outcome == "crime":
        raise Conflict("涉嫌犯罪的案件应移送司法机关，不得以行政处罚代替刑事处罚（行政处罚法第8条、第27条）",
                       code="must_transfer")
    if ec.approved_at is None:
        raise Conflict("调查结果尚未经行政机关负责人审查（行政处罚法第57条）", code="approval_required")
    if ec.decision_due_at is not None and at > ec.decision_due_at:
        raise Conflict("已超过自立案之日起90日的决定期限，须先经批准延长（行政处罚法第60条）", code="decision_overdue")
    if collective_required(ec) and ec.collective_at is None:
        raise Conflict("情节复杂或重大违法行为的处罚，应当由行政机关负责人集体讨论决定（行政处罚法第57条）",
                       code="collective_required")
    why = review_required(session, ec)
    if why:
        if ec.legal_review_at is None or not ec.legal_review_passed:
            raise Conflict(f"本案应当经法制审核且审核通过后方可作出决定（{'；'.join(why)}，行政处罚法第58条）",
                           code="legal_review_required", details=why)
        if ec.hearing_held_at is not None and ec.legal_review_at < ec.hearing_held_at:
            raise Conflict("听证后应依据听证笔录重新进行法制审核", code="legal_review_after_hearing")
    if ec.end_outcome == "penalty":
        _decide_penalty(session, ec, at, penalty_types, fine_amount)
        ec.decision_kind = "penalty"
        doc = documents.issue(session, ec, "penalty_decision", p, at, {"opinion": opinion})
    else:
        if not (education or "").strip():
            raise Invalid("不予行政处罚的，应当对当事人进行教育并记录（行政处罚法第33条）", code="education_required")
        ec.decision_kind = "no_penalty"
        ec.penalty_types, ec.fine_amount = [], None
        doc = documents.issue(session, ec, "no_penalty_decision", p, at, {"education": education})
    ec.decided_at, ec.decision_no = at, doc.doc_no
    workflow.stop_timers(session, ec, ("decide", "statement", "hearing_request", "hearing"), at)
    workflow.start_timer(session, ec, "serve", "送达决定书（7个工作日）", at,
                         R.work_days(session, at, R.v(session, R.SERVE_DAYS)))
    _credit_on_decision(session, ec, p, at, education)
    if ec.decision_kind == "penalty":
        _open_disclosure(session, ec, at)
    workflow.act(session, ec, action="decide", actor=_actor(p), to="decided", at=at, opinion=opinion,
                 data={"kind": ec.decision_kind, "document_id": doc.id, "decision_no": doc.doc_no,
                       "fine_amount": str(ec.fine_amount or ""), "discretion": ec.discretion})
    return ec


def _decide_penalty(session: Session, ec: EnforcementCase, at: datetime, penalty_types: list[str] | None,
                    fine_amount: Any) -> None:
    if ec.notified_at is None:
        raise Conflict("作出处罚决定前未告知当事人拟作出的处罚内容及事实、理由、依据和陈述申辩、听证权利，"
                       "不得作出处罚决定（行政处罚法第44条、第62条）", code="prior_notice_required")
    if not ec.rights_waived:
        if ec.hearing_requested_at is not None and ec.hearing_held_at is None:
            raise Conflict("当事人已要求听证，听证结束前不得作出决定（行政处罚法第65条）", code="hearing_pending")
        if ec.statement_at is None and ec.statement_due_at is not None and at <= ec.statement_due_at:
            raise Conflict("陈述申辩期限未届满，当事人也未陈述申辩或明确放弃（行政处罚法第62条）", code="statement_period_open")
        if (ec.hearing_offered and ec.hearing_requested_at is None and ec.hearing_request_due_at is not None
                and at <= ec.hearing_request_due_at):
            raise Conflict("听证申请期限（5个工作日）未届满，不得作出决定", code="hearing_request_open")
    if penalty_types is not None:
        ec.penalty_types = list(dict.fromkeys(penalty_types))
    if fine_amount is not None:
        ec.fine_amount = _money(fine_amount)
    # APL 45: never heavier because the party stated or defended itself — nothing above what was notified.
    notified = ec.notified_penalty or {}
    was_types = set(notified.get("penalty_types") or [])
    was_fine = Decimal(str(notified.get("fine_amount") or 0))
    added = set(ec.penalty_types or []) - was_types
    if added or (ec.fine_amount or Decimal(0)) > was_fine or \
            (ec.confiscation_amount or Decimal(0)) > Decimal(str(notified.get("confiscation_amount") or 0)):
        raise Conflict("处罚决定不得重于事先告知的处罚（不得因当事人陈述、申辩而给予更重的处罚，行政处罚法第45条）；"
                       "如发现新的事实，应重新告知", code="heavier_than_notified",
                       details={"notified": notified, "added_types": sorted(added)})


def _credit_on_decision(session: Session, ec: EnforcementCase, p: Principal, at: datetime, education: str | None) -> None:
    if ec.party_ref_id is None:
        return
    day = clock.local(at).date()
    std = ec.discretion or {}
    ref = f"{std.get('standard_id')}@{std.get('standard_version')}" if std.get("standard_id") else None
    if ec.decision_kind == "penalty":
        end = R.months(at, int(R.v(session, R.DISCLOSURE_MONTHS)))  # type: ignore[call-overload]
        rid = links.record_penalty(
            session, party_id=ec.party_ref_id, power_code=ec.power_code, decided_on=day, subject=ec.cause,
            decision_no=ec.decision_no, fine=ec.fine_amount, severity=std.get("tier") if std.get("tier") in
            ("轻微", "一般", "严重") else None, content=penalty_text(ec),
            violation_on=clock.local(ec.occurred_at).date() if ec.occurred_at else None,
            disclosure_end=clock.local(end).date(), standard_ref=ref, actor_id=p.user_id,
            data={"enforcement_case_id": ec.id}, warning_only=set(ec.penalty_types or []) <= {"warning", "criticism"})
    else:
        rid = links.record_education(
            session, party_id=ec.party_ref_id, power_code=ec.power_code, decided_on=day, subject=ec.cause,
            decision_no=ec.decision_no, content=education or "", actor_id=p.user_id, standard_ref=ref,
            data={"enforcement_case_id": ec.id})
    ec.discretion = {**(ec.discretion or {}), "credit_record_id": rid}


def penalty_text(ec: EnforcementCase) -> str:
    parts = []
    for t in ec.penalty_types or []:
        if t == "fine" and ec.fine_amount is not None:
            parts.append(f"罚款人民币{ec.fine_amount}元")
        elif t in ("confiscation", "confiscation_large") and ec.confiscation_amount:
            parts.append(f"{PENALTY_TYPES[t]}（{ec.confiscation_amount}元）")
        else:
            parts.append(PENALTY_TYPES.get(t, t))
    return "；".join(parts) or "—"


# ------------------------------------------------------------------------------------------ service


def serve(session: Session, p: Principal, case_id: int, *, document_id: int, method: str, recipient: str,
          place: str | None = None, signed_by: str | None = None, witness: str | None = None,
          receipt_file_id: int | None = None, consent_file_id: int | None = None, served_at: datetime | None = None,
          note: str | None = None, at: datetime | None = None) -> EnforcementService:
    """送达 by one of the legal methods with its 送达回证; public notice counts after the configured days."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.OFFICER, Role.AUXILIARY), "送达文书")
    if p.has(Role.AUXILIARY) and not p.has(Role.OFFICER) and not R.v(session, R.AUX_SERVE):
        raise Forbidden("本市规定协管员不得送达执法文书", code="auxiliary_forbidden")
    doc = session.get(EnforcementDocument, document_id)
    if doc is None or doc.case_id != ec.id:
        raise NotFound("文书不存在", code="unknown_document")
    if method not in SERVICE_METHODS:
        raise Invalid(f"送达方式应为：{'、'.join(METHOD_LABELS.values())}", code="bad_method")
    if not (recipient or "").strip():
        raise Invalid("须填写受送达人", code="recipient_required")
    if method == "electronic" and consent_file_id is None:
        raise Conflict("电子送达须经当事人同意并签订确认书（行政处罚法第61条）", code="consent_required")
    if method == "left" and not (witness or "").strip() and receipt_file_id is None:
        raise Conflict("留置送达须有见证人在送达回证上记明拒收事由和日期，或拍照、录像记录送达过程", code="witness_required")
    if method in ("direct", "postal", "entrusted", "forwarded") and not (signed_by or "").strip():
        raise Invalid("送达回证须有受送达人（或代收人）签收", code="signature_required")
    sent = served_at or at
    if method == "public_notice":
        if not (note or "").strip():
            raise Invalid("公告送达须说明受送达人下落不明或其他方式无法送达的情况", code="reason_required")
        effective = sent + timedelta(days=int(R.v(session, R.NOTICE_DAYS)))  # type: ignore[call-overload]
    else:
        effective = sent
    svc = EnforcementService(case_id=ec.id, document_id=doc.id, method=method, recipient=recipient, place=place,
                             sent_at=sent, served_at=effective, signed_by=signed_by, witness=witness,
                             receipt_file_id=receipt_file_id, consent_file_id=consent_file_id, server_id=p.user_id,
                             note=note)
    session.add(svc)
    session.flush()
    receipt = documents.issue(session, ec, "service_receipt", p, at, {"service_id": svc.id})
    to = None
    data: dict[str, Any] = {"service_id": svc.id, "document_id": doc.id, "method": method,
                            "served_at": effective.isoformat(), "receipt_id": receipt.id}
    if doc.doc_type in ("penalty_decision", "no_penalty_decision", "summary_decision") and ec.served_at is None:
        ec.served_at = effective
        workflow.stop_timers(session, ec, ("serve",), at)
        if ec.status == "decided":
            to = "served"
        if ec.decision_kind == "penalty" and ec.fine_amount and ec.paid_at is None:
            ec.payment_due_at = R.days(effective, int(R.v(session, R.PAY_DAYS)))  # type: ignore[call-overload]
            workflow.start_timer(session, ec, "payment", "缴纳罚款（15日）", effective, ec.payment_due_at)
    if doc.doc_type == "demand" and ec.demand_served_at is None:
        ec.demand_served_at = effective
        workflow.start_timer(session, ec, "court_wait", "催告期满（10个工作日）", effective,
                             R.work_days(session, effective, R.v(session, R.DEMAND_WAIT)))
    workflow.act(session, ec, action="serve", actor=_actor(p), to=to, at=at, data=data)
    return svc


# ------------------------------------------------------------------------------------------ execution


def _pause_intervals(session: Session, ec: EnforcementCase, until: datetime) -> list[tuple[datetime, datetime]]:
    out = []
    for c in session.scalars(select(EnforcementChallenge).where(EnforcementChallenge.case_id == ec.id)):
        out.append((c.started_at, c.ended_at or until))
    return out


def _count_days(first: date, last: date, paused: set[date]) -> int:
    n, d = 0, first
    while d <= last:
        if d not in paused:
            n += 1
        d += timedelta(days=1)
    return n


def _paused_days(session: Session, ec: EnforcementCase, until: datetime) -> set[date]:
    paused: set[date] = set()
    for a, b in _pause_intervals(session, ec, until):
        d = clock.local(a).date()
        while d <= clock.local(b).date():
            paused.add(d)
            d += timedelta(days=1)
    return paused


def payment_plan(session: Session, ec: EnforcementCase) -> EnforcementPaymentPlan | None:
    """The case's approved (or since defaulted / completed) 暂缓/分期 plan, if any (APL 66)."""
    if ec.id is None:
        return None
    return session.scalars(select(EnforcementPaymentPlan).where(
        EnforcementPaymentPlan.case_id == ec.id,
        EnforcementPaymentPlan.status.in_(("approved", "defaulted", "completed")))
        .order_by(EnforcementPaymentPlan.id.desc()).limit(1)).first()


def plan_paid(plan: EnforcementPaymentPlan | None, until: datetime | None = None) -> Decimal:
    if plan is None:
        return Decimal(0)
    return sum((Decimal(str(i["paid_amount"])) for i in plan.schedule or [] if i.get("paid_at")
                and (until is None or datetime.fromisoformat(i["paid_at"]) <= until)), Decimal(0))


def plan_missed(plan: EnforcementPaymentPlan | None, at: datetime) -> tuple[datetime, Decimal] | None:
    """(due time of the first missed instalment, amount outstanding then) — a missed instalment makes the whole
    remainder due at once (our reading of APL 66 with 72: the approval covers only a schedule kept)."""
    if plan is None or plan.status not in ("approved", "defaulted"):
        return None
    if plan.status == "defaulted" and plan.defaulted_at is not None:
        return plan.defaulted_at, Decimal(str(plan.remaining_at_default or 0))
    for item in plan.schedule or []:
        due = datetime.fromisoformat(item["due_at"])
        paid = item.get("paid_at")
        if (paid is None and due < at) or (paid is not None and datetime.fromisoformat(paid) > due):
            return due, (plan.amount or Decimal(0)) - plan_paid(plan, due)
    return None


def late_fine_segments(session: Session, ec: EnforcementCase, at: datetime) -> list[tuple[date, date, Decimal]]:
    """The accrual periods of the late fine up to ``at``: (first local day, last local day, base amount) each.
    One period on the fine from the day after the 15-day period; with an approved 暂缓/分期 plan, the days before
    the approval (a late application) on the fine, then — after a missed instalment — the days from the day after
    the missed due date on the remainder. ``late_fine`` counts them and the 加处罚款决定书 prints them, so the
    printed start date is the one counted."""
    if not ec.fine_amount or ec.payment_due_at is None:
        return []
    end = min(at, ec.paid_at) if ec.paid_at else at
    if end <= ec.payment_due_at:
        return []
    start_day = clock.local(ec.payment_due_at).date() + timedelta(days=1)
    last_day = clock.local(end).date()
    plan = payment_plan(session, ec)
    if plan is None or plan.decided_at is None:
        return [(start_day, last_day, ec.fine_amount)]
    out: list[tuple[date, date, Decimal]] = []
    pre_last = min(last_day, clock.local(plan.decided_at).date() - timedelta(days=1))
    if pre_last >= start_day:
        out.append((start_day, pre_last, ec.fine_amount))
    miss = plan_missed(plan, end)
    if miss is not None:
        due, remaining = miss
        out.append((clock.local(due).date() + timedelta(days=1), last_day, remaining))
    return out


def late_fine(session: Session, ec: EnforcementCase, at: datetime) -> tuple[int, Decimal]:
    """APL 72: 3 % of the fine per day after the 15-day period, at most the fine; no accrual while a
    reconsideration or lawsuit is pending (APL 73), nor while an approved deferral or instalment plan is kept
    (APL 66). After a missed instalment the outstanding remainder accrues 3 %/day from the day after the missed
    due date (capped at that remainder; the whole at most the fine). Returns (days counted, amount)."""
    segments = late_fine_segments(session, ec, at)
    if not segments or not ec.fine_amount:
        return 0, Decimal(0)
    end = min(at, ec.paid_at) if ec.paid_at else at
    rate = Decimal(str(R.v(session, R.LATE_RATE)))
    paused = _paused_days(session, ec, end)
    days, amount = 0, Decimal(0)
    for first, last, base in segments:
        n = _count_days(first, last, paused)
        days, amount = days + n, amount + min(base * rate * n, base)
    return days, min(amount.quantize(Decimal("0.01")), ec.fine_amount)


def record_payment(session: Session, p: Principal, case_id: int, *, amount: Any, paid_at: datetime, payment_ref: str,
                   at: datetime | None = None) -> EnforcementCase:
    """罚缴分离: the bank's payment notice is recorded; the system never collects money."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _not_auxiliary_only(p, "登记罚款缴纳")
    _require(p, ec, (Role.OFFICER, Role.LEADER), "登记罚款缴纳")
    if ec.decision_kind != "penalty" or not ec.fine_amount:
        raise Conflict("本案没有需要缴纳的罚款", code="no_fine")
    if ec.paid_at is not None:
        raise Conflict("罚款已登记缴纳", code="already_paid")
    if ec.served_at is None and not ec.cash_collected:
        raise Conflict("处罚决定书尚未送达", code="not_served")
    if not (payment_ref or "").strip():
        raise Invalid("须填写银行缴款凭证号或电子缴款凭证号（罚缴分离，本系统不收取款项）", code="payment_ref_required")
    if paid_at > at:
        raise Invalid("缴款时间不能晚于现在", code="bad_time")
    amt = _money(amount) or Decimal(0)
    days, extra = late_fine(session, ec, paid_at)
    plan = payment_plan(session, ec)
    before = plan_paid(plan)  # instalments already recorded (APL 66)
    due = ec.fine_amount - before + extra
    if amt < due:
        raise Conflict(f"缴款金额{amt}元不足：罚款{ec.fine_amount}元，已分期缴纳{before}元，加处罚款{extra}元（{days}日）",
                       code="underpaid", details={"due": str(due), "late_days": days, "late_fine": str(extra),
                                                  "instalments_paid": str(before)})
    if plan is not None:
        settle_default(session, p, ec, plan, at)
        if plan.status == "approved":
            plan.status = "completed"
    ec.paid_at, ec.paid_amount, ec.payment_ref = paid_at, amt + before, payment_ref
    workflow.stop_timers(session, ec, ("payment", "court_wait", "court_window", "instalment", "plan_decide"), at)
    workflow.act(session, ec, action="payment", actor=_actor(p), at=at,
                 data={"amount": str(amt), "late_days": days, "late_fine": str(extra), "ref": payment_ref,
                       "instalments_paid": str(before)})
    return ec


def settle_default(session: Session, p: Principal | None, ec: EnforcementCase, plan: EnforcementPaymentPlan,
                   at: datetime) -> bool:
    """Record a missed instalment once (an event + audit entry): the plan ends, the remainder is due at once."""
    if plan.status != "approved":
        return False
    miss = plan_missed(plan, at)
    if miss is None:
        return False
    plan.status, plan.defaulted_at, plan.remaining_at_default = "defaulted", miss[0], miss[1]
    workflow.stop_timers(session, ec, ("instalment",), at, ref_id=plan.id)
    workflow.act(session, ec, action="payment_plan_default", actor=_actor(p), at=at,
                 opinion="未按期缴纳分期（暂缓）罚款，剩余罚款应立即缴纳",
                 data={"plan_id": plan.id, "missed_due_at": miss[0].isoformat(), "remaining": str(miss[1])})
    return True


def challenge(session: Session, p: Principal, case_id: int, *, kind: str, started_at: datetime | None = None,
              end: bool = False, result: str | None = None, at: datetime | None = None) -> EnforcementChallenge:
    """复议 / 诉讼 filed (pauses 加处罚款) or concluded."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _not_auxiliary_only(p, "登记复议诉讼")
    _require(p, ec, (Role.OFFICER, Role.LEADER, Role.LEGAL_REVIEWER), "登记复议诉讼")
    if ec.decided_at is None:
        raise Conflict("尚未作出决定", code="not_decided")
    if kind not in ("reconsideration", "litigation"):
        raise Invalid("kind 应为 reconsideration（行政复议）或 litigation（行政诉讼）", code="bad_kind")
    open_c = session.scalars(select(EnforcementChallenge).where(EnforcementChallenge.case_id == ec.id,
                                                                EnforcementChallenge.kind == kind,
                                                                EnforcementChallenge.ended_at.is_(None))).first()
    if end:
        if open_c is None:
            raise Conflict("没有进行中的复议或诉讼", code="no_challenge")
        open_c.ended_at, open_c.result = started_at or at, result
        c = open_c
    else:
        if open_c is not None:
            raise Conflict("已有进行中的同类复议或诉讼", code="challenge_pending")
        c = EnforcementChallenge(case_id=ec.id, kind=kind, started_at=started_at or at)
        session.add(c)
    session.flush()
    workflow.act(session, ec, action="challenge_end" if end else "challenge", actor=_actor(p), at=at,
                 data={"kind": kind, "result": result})
    return c


def demand(session: Session, p: Principal, case_id: int, *, at: datetime | None = None) -> EnforcementDocument:
    """催告书 (AEL 35, 54) after the payment period passed without payment."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "制作催告书", at)
    if ec.status != "served" or ec.decision_kind != "penalty" or not ec.fine_amount:
        raise Conflict("只有已送达、有罚款的处罚决定才能催告", code="illegal_transition")
    _unpaid_after_period(session, p, ec, at, "催告", "")
    days, extra = late_fine(session, ec, at)
    late_doc = None
    if days > 0 and _late_fine_doc(session, ec) is None and _late_fine_announced(session, ec):
        late_doc = documents.issue(session, ec, "late_fine_decision", p, at, {"late_days": days, "late_fine": str(extra)})
    doc = documents.issue(session, ec, "demand", p, at, {"late_days": days, "late_fine": str(extra)})
    workflow.stop_timers(session, ec, ("payment",), at)
    workflow.act(session, ec, action="demand", actor=_actor(p), to="enforcing", at=at,
                 data={"document_id": doc.id, "doc_no": doc.doc_no, "late_fine": str(extra),
                       "late_fine_document_id": late_doc.id if late_doc else None})
    return doc


def _unpaid_after_period(session: Session, p: Principal, ec: EnforcementCase, at: datetime, what: str,
                         basis: str) -> None:
    """The fine is unpaid, its 15-day period has passed, and no approved 暂缓/分期 schedule is being kept (a
    broken one is settled here: the remainder falls due) — before a 催告 or a 加处罚款决定."""
    if ec.paid_at is not None:
        raise Conflict(f"罚款已缴纳，无需{what}", code="already_paid")
    if ec.payment_due_at is None or at <= ec.payment_due_at:
        raise Conflict(f"缴款期限（15日）未届满，不能{what}{basis}", code="payment_period_open")
    plan = payment_plan(session, ec)
    if plan is not None and plan.status == "approved":
        if plan_missed(plan, at) is None:
            raise Conflict(f"已批准暂缓或分期缴纳罚款，当事人按期缴纳期间不能{what}（行政处罚法第66条）",
                           code="payment_deferred")
        settle_default(session, p, ec, plan, at)


def _late_fine_doc(session: Session, ec: EnforcementCase) -> EnforcementDocument | None:
    return session.scalars(select(EnforcementDocument).where(EnforcementDocument.case_id == ec.id,
                                                             EnforcementDocument.doc_type == "late_fine_decision")).first()


def _late_fine_announced(session: Session, ec: EnforcementCase) -> bool:
    """AEL 45: 加处罚款 only if the party was told the standard — our decision forms state it; a decision
    imported or issued otherwise must carry the sentence in its frozen text."""
    doc = session.scalars(select(EnforcementDocument).where(
        EnforcementDocument.case_id == ec.id,
        EnforcementDocument.doc_type.in_(("penalty_decision", "summary_decision")))
        .order_by(EnforcementDocument.id.desc())).first()
    return doc is not None and "加处罚款" in repr(doc.data)


def decide_late_fine(session: Session, p: Principal, case_id: int, *, opinion: str | None = None,
                     at: datetime | None = None) -> EnforcementDocument:
    """加处罚款决定书 (APL 72(1), AEL 45): 3 % of the fine per day after the payment period, at most the fine.
    Also issued with the first 催告书 when not made before."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "制作加处罚款决定书", at)
    if ec.decision_kind != "penalty" or not ec.fine_amount:
        raise Conflict("本案没有罚款，不能加处罚款", code="no_fine")
    if ec.served_at is None or ec.status not in ("served", "enforcing"):
        raise Conflict("处罚决定书尚未送达，不能加处罚款", code="not_served")
    _unpaid_after_period(session, p, ec, at, "加处罚款", "（行政处罚法第72条）")
    if _late_fine_doc(session, ec) is not None:
        raise Conflict("本案已作出加处罚款决定，加处罚款按日累计至罚款数额为止", code="late_fine_decided")
    if not _late_fine_announced(session, ec):
        raise Conflict("处罚决定未告知加处罚款的标准，不得加处罚款（行政强制法第45条）", code="late_fine_not_announced")
    days, extra = late_fine(session, ec, at)
    if days == 0:
        raise Conflict("复议或诉讼期间不计加处罚款，目前尚无应加处的天数（行政处罚法第73条）", code="late_fine_paused")
    doc = documents.issue(session, ec, "late_fine_decision", p, at,
                          {"late_days": days, "late_fine": str(extra), "opinion": opinion})
    workflow.act(session, ec, action="late_fine", actor=_actor(p), at=at, opinion=opinion,
                 data={"document_id": doc.id, "doc_no": doc.doc_no, "late_days": days, "late_fine": str(extra)})
    return doc


def court_window(session: Session, ec: EnforcementCase) -> tuple[datetime, datetime] | None:
    """AEL 53 / ALL-JI 156: within 3 months after the 6-month litigation period from service."""
    if ec.served_at is None:
        return None
    opens = R.months(ec.served_at, int(R.v(session, R.LITIGATION_MONTHS)))  # type: ignore[call-overload]
    start = opens
    plan = payment_plan(session, ec)
    if plan is not None and plan.schedule:
        # deferred or instalment payment: the period runs from the end of the deferral / instalment period
        start = max(opens, datetime.fromisoformat(plan.schedule[-1]["due_at"]))
    return opens, R.months(start, int(R.v(session, R.COURT_MONTHS)))  # type: ignore[call-overload]


def apply_court(session: Session, p: Principal, case_id: int, *, at: datetime | None = None,
                note: str | None = None, approved_by: int | None = None, court: str | None = None) -> EnforcementCase:
    """申请法院强制执行 with the 强制执行申请书 (AEL 53–55), signed by the agency head: the act is a
    leader's, or a handler's naming the approving head (``approved_by``)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    head_id: int | None
    if p.has(Role.LEADER) and p.user_id not in (ec.lead_officer_id, ec.assist_officer_id):
        _require(p, ec, (Role.LEADER,), "申请法院强制执行")
        head_id = approved_by or p.user_id
    else:
        _handler(session, p, ec, "申请法院强制执行", at)
        head_id = approved_by
    if ec.status != "enforcing" or ec.demand_served_at is None:
        raise Conflict("申请法院强制执行前须送达催告书（行政强制法第54条）", code="demand_required")
    if ec.paid_at is not None:
        raise Conflict("罚款已缴纳", code="already_paid")
    wait = R.work_days(session, ec.demand_served_at, R.v(session, R.DEMAND_WAIT))
    if at <= wait:
        raise Conflict("催告书送达满10个工作日后当事人仍未履行的，方可申请强制执行（行政强制法第54条）",
                       code="demand_period_open", details={"after": wait.isoformat()})
    pending = session.scalar(select(EnforcementChallenge.id).where(EnforcementChallenge.case_id == ec.id,
                                                                   EnforcementChallenge.ended_at.is_(None)))
    if pending is not None:
        raise Conflict("复议或诉讼进行中，不能申请强制执行", code="challenge_pending")
    win = court_window(session, ec)
    assert win is not None
    if at < win[0]:
        raise Conflict("当事人的起诉期限（6个月）尚未届满，不能申请法院强制执行（行政强制法第53条）",
                       code="court_window_not_open", details={"opens": win[0].isoformat()})
    if at > win[1]:
        raise Conflict("已超过申请法院强制执行的3个月期限（行政强制法第53条）", code="court_window_closed",
                       details={"closed": win[1].isoformat()})
    head = session.get(User, head_id) if head_id else None
    if head is None or not any(r.role == Role.LEADER for r in head.roles):
        raise Conflict("强制执行申请书应当由行政机关负责人签名（行政强制法第55条），须指明批准的负责人",
                       code="head_signature_required")
    ec.court_applied_at = at
    days, extra = late_fine(session, ec, at)
    doc = documents.issue(session, ec, "court_application", p, at,
                          {"head_id": head.id, "court": court, "note": note, "late_days": days,
                           "late_fine": str(extra)})
    workflow.stop_timers(session, ec, ("court_wait", "court_window"), at)
    workflow.act(session, ec, action="apply_court", actor=_actor(p), at=at, opinion=note,
                 data={"document_id": doc.id, "doc_no": doc.doc_no, "approved_by": head.id})
    return ec


# ------------------------------------------------------------------------------------------ closure


def close(session: Session, p: Principal, case_id: int, *, opinion: str | None = None,
          at: datetime | None = None) -> EnforcementCase:
    """结案 (结案审批表): the decision served and executed (paid, or applied to court), or transferred with a receipt."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _require(p, ec, (Role.LEADER,), "批准结案")
    why = closure_blockers(session, ec)
    if why:
        raise Conflict("不能结案：" + "；".join(why), code="cannot_close", details=why)
    ec.closed_at = at
    open_measure = session.scalar(select(EnforcementMeasure.id).where(EnforcementMeasure.case_id == ec.id,
                                                                      EnforcementMeasure.ended_at.is_(None)))
    if open_measure is not None:
        raise Conflict("尚有查封、扣押或保全的物品未作处理", code="measure_pending")
    doc = documents.issue(session, ec, "closure_approval", p, at, {"opinion": opinion})
    workflow.stop_timers(session, ec, ("decide", "serve", "payment", "court_wait", "court_window", "instalment",
                                       "plan_decide"), at)
    workflow.act(session, ec, action="close", actor=_actor(p), to="closed", at=at, opinion=opinion,
                 data={"document_id": doc.id})
    return ec


def closure_blockers(session: Session, ec: EnforcementCase) -> list[str]:
    why = []
    if ec.status == "transferred":
        t = session.scalars(select(EnforcementTransfer).where(EnforcementTransfer.case_id == ec.id)
                            .order_by(EnforcementTransfer.id.desc()).limit(1)).first()
        if t is None or t.receipt_at is None:
            why.append("移送尚未取得接收回执")
        elif t.kind == "police" and (t.reply != "accepted" or t.handed_over_at is None):
            why.append("公安机关尚未立案或涉案物品、材料尚未移交")
        return why
    if ec.status not in ("decided", "served", "enforcing"):
        return [f"案件处于“{workflow.STATUS_LABELS.get(ec.status, ec.status)}”阶段"]
    if ec.served_at is None:
        why.append("决定书尚未送达")
    if ec.procedure == "summary" and ec.filed_at is None:
        why.append("当场处罚决定尚未报所属行政机关备案")
    if ec.cash_collected and ec.cash_handed_in_at is None:
        why.append("当场收缴的罚款尚未交至行政机关")
    if ec.decision_kind == "penalty" and ec.fine_amount and ec.paid_at is None and ec.court_applied_at is None:
        why.append("罚款尚未缴纳，也未申请法院强制执行")
    pending = session.scalar(select(EnforcementChallenge.id).where(EnforcementChallenge.case_id == ec.id,
                                                                   EnforcementChallenge.ended_at.is_(None)))
    if pending is not None:
        why.append("复议或诉讼尚未终结")
    if ec.decision_kind == "penalty" and {"confiscation", "confiscation_large"} & set(ec.penalty_types or []):
        for m in session.scalars(select(EnforcementMeasure).where(EnforcementMeasure.case_id == ec.id,
                                                                  EnforcementMeasure.outcome == "confiscate")):
            if disposal_of(session, ec, m.id) is None:
                why.append("没收的物品尚未处理（罚没物品处理记录）")
    recusal = session.scalar(select(EnforcementRecusal.id).where(EnforcementRecusal.case_id == ec.id,
                                                                 EnforcementRecusal.decided_at.is_(None)))
    if recusal is not None:
        why.append("回避申请尚未决定")
    return why


def archive(session: Session, p: Principal, case_id: int, *, at: datetime | None = None) -> EnforcementDocument:
    """归档 (一案一卷): the file cover and index list every document, record and piece of evidence."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _not_auxiliary_only(p, "归档")
    _require(p, ec, (Role.OFFICER, Role.LEADER), "归档")
    if ec.status != "closed":
        raise Conflict("结案后才能归档", code="not_closed")
    doc = documents.issue(session, ec, "file_cover", p, at, {})
    ec.archived_at = at
    workflow.act(session, ec, action="archive", actor=_actor(p), to="archived", at=at, data={"document_id": doc.id})
    return doc


# ------------------------------------------------------------------------------------------ transfers


def transfer(session: Session, p: Principal, case_id: int, *, kind: str, receiver: str, reason: str,
             items: list[dict[str, Any]] | None = None, officer_ids: list[int] | None = None,
             at: datetime | None = None) -> EnforcementTransfer:
    """移送: to the police (a 移送报告 by ≥ 2 officers; the head decides within 3 days) or to another agency."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    if ec.status not in ("lead", "registered", "investigated"):
        raise Conflict("当前阶段不能移送", code="illegal_transition")
    if kind not in ("police", "agency"):
        raise Invalid("kind 应为 police（涉嫌犯罪移送公安）或 agency（移送其他行政机关）", code="bad_kind")
    if not (receiver or "").strip() or not (reason or "").strip():
        raise Invalid("须填写接收机关和移送理由", code="receiver_required")
    _not_auxiliary_only(p, "移送案件")
    if kind == "police":
        if ec.status != "lead":
            _handler(session, p, ec, "提出移送", at)
        _officers(session, officer_ids or [], at, "涉嫌犯罪案件移送报告", ec=ec)
    else:
        _require(p, ec, (Role.OFFICER, Role.LEADER), "移送案件")
    t = EnforcementTransfer(case_id=ec.id, kind=kind, receiver=receiver, reason=reason, items=list(items or []),
                            reported_at=at)
    session.add(t)
    session.flush()
    if kind == "police":
        workflow.start_timer(session, ec, "xfer_decide", "负责人审批移送（3日）", at,
                             at + timedelta(days=int(R.v(session, R.XFER_DECIDE))), ref_id=t.id)  # type: ignore[call-overload]
        workflow.act(session, ec, action="transfer_report", actor=_actor(p), at=at,
                     data={"transfer_id": t.id, "kind": kind, "receiver": receiver})
    else:
        _send_transfer(session, p, ec, t, at)
    return t


def _send_transfer(session: Session, p: Principal, ec: EnforcementCase, t: EnforcementTransfer, at: datetime) -> None:
    doc = documents.issue(session, ec, "transfer_letter", p, at, {"transfer_id": t.id})
    t.sent_at, t.document_id = at, doc.id
    workflow.stop_timers(session, ec, ("register", "decide"), at)
    workflow.start_timer(session, ec, "xfer_receipt", "取得移送回执", at, at + timedelta(days=3), ref_id=t.id)
    workflow.act(session, ec, action="transfer_send", actor=_actor(p), to="transferred", at=at,
                 data={"transfer_id": t.id, "document_id": doc.id, "doc_no": doc.doc_no})


def transfer_step(session: Session, p: Principal, case_id: int, transfer_id: int, *, step: str,  # noqa: C901
                  receipt_by: str | None = None, reply: str | None = None, note: str | None = None,
                  at: datetime | None = None) -> EnforcementTransfer:
    """两法衔接 steps: approve (head, ≤ 3 days) → send (≤ 24 h) → receipt → reply (police, 3 days) →
    reconsider (≤ 3 days after a refusal) / resume / handover (≤ 3 days after the police open a case)."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    t = session.get(EnforcementTransfer, transfer_id)
    if t is None or t.case_id != ec.id:
        raise NotFound("移送记录不存在", code="unknown_transfer")
    _not_auxiliary_only(p, "办理移送")
    if step == "approve":
        _require(p, ec, (Role.LEADER,), "批准移送")
        if t.kind != "police" or t.approved_at is not None:
            raise Conflict("该移送无需或已经审批", code="illegal_step")
        t.approved_at = at
        workflow.stop_timers(session, ec, ("xfer_decide",), at, ref_id=t.id)
        workflow.start_timer(session, ec, "xfer_send", "向公安机关移送（24小时）", at,
                             at + timedelta(hours=int(R.v(session, R.XFER_SEND_HOURS))), ref_id=t.id)  # type: ignore[call-overload]
        workflow.act(session, ec, action="transfer_approve", actor=_actor(p), at=at, opinion=note,
                     data={"transfer_id": t.id})
    elif step == "send":
        if t.kind != "police" or t.approved_at is None or t.sent_at is not None:
            raise Conflict("移送须经行政机关正职负责人批准后方可移送（国务院令第310号第5条）", code="approval_required")
        workflow.stop_timers(session, ec, ("xfer_send",), at, ref_id=t.id)
        _send_transfer(session, p, ec, t, at)
    elif step == "receipt":
        if t.sent_at is None or t.receipt_at is not None:
            raise Conflict("尚未移送或已登记回执", code="illegal_step")
        if not (receipt_by or "").strip():
            raise Invalid("须登记接收机关签收人", code="receipt_required")
        t.receipt_at, t.receipt_by = at, receipt_by
        workflow.stop_timers(session, ec, ("xfer_receipt",), at, ref_id=t.id)
        if t.kind == "police":
            workflow.start_timer(session, ec, "xfer_reply", "公安机关答复是否立案（3日）", at,
                                 at + timedelta(days=int(R.v(session, R.XFER_REPLY))), ref_id=t.id)  # type: ignore[call-overload]
        workflow.act(session, ec, action="transfer_receipt", actor=_actor(p), at=at, data={"transfer_id": t.id})
    elif step == "reply":
        if t.kind != "police" or t.receipt_at is None or reply not in ("accepted", "refused"):
            raise Conflict("须在公安机关签收后登记其是否立案（accepted / refused）", code="illegal_step")
        t.reply, t.reply_at = reply, at
        workflow.stop_timers(session, ec, ("xfer_reply",), at, ref_id=t.id)
        if reply == "accepted":
            workflow.start_timer(session, ec, "xfer_handover", "移交涉案物品和材料（3日）", at,
                                 at + timedelta(days=int(R.v(session, R.XFER_HANDOVER))), ref_id=t.id)  # type: ignore[call-overload]
        else:
            workflow.start_timer(session, ec, "xfer_reconsider", "提请复议期限（3日）", at,
                                 at + timedelta(days=int(R.v(session, R.XFER_RECONSIDER))), ref_id=t.id)  # type: ignore[call-overload]
        workflow.act(session, ec, action="transfer_reply", actor=_actor(p), at=at, opinion=note,
                     data={"transfer_id": t.id, "reply": reply})
    elif step == "reconsider":
        if t.reply != "refused":
            raise Conflict("只有公安机关不予立案的才能提请复议", code="illegal_step")
        tm = workflow.open_timer(session, ec, "xfer_reconsider", ref_id=t.id)
        if tm is None or at > tm.due_at:
            raise Conflict("应在收到不予立案决定后3日内提请复议（国务院令第310号第9条）", code="reconsider_late")
        t.reconsider_at = at
        workflow.stop_timers(session, ec, ("xfer_reconsider",), at, ref_id=t.id)
        workflow.act(session, ec, action="transfer_reconsider", actor=_actor(p), at=at, opinion=note,
                     data={"transfer_id": t.id})
    elif step == "resume":
        if t.reply != "refused":
            raise Conflict("公安机关未作出不予立案决定，不能恢复行政案件办理", code="illegal_step")
        workflow.stop_timers(session, ec, ("xfer_reconsider",), at, ref_id=t.id)
        ec.end_outcome = None
        workflow.act(session, ec, action="transfer_resume", actor=_actor(p), to="registered", at=at, opinion=note,
                     data={"transfer_id": t.id})
    elif step == "handover":
        if t.reply != "accepted" or t.handed_over_at is not None:
            raise Conflict("公安机关立案后方可移交涉案物品和材料", code="illegal_step")
        t.handed_over_at = at
        workflow.stop_timers(session, ec, ("xfer_handover",), at, ref_id=t.id)
        workflow.act(session, ec, action="transfer_handover", actor=_actor(p), at=at, data={"transfer_id": t.id})
    else:
        raise Invalid("step 应为 approve/send/receipt/reply/reconsider/resume/handover", code="bad_step")
    return t


# ------------------------------------------------------------------------------------------ summary procedure


@dataclass
class SummaryInput:
    cause: str
    party_name: str
    party_type: str
    penalty_types: list[str]
    fine_amount: Any
    legal_basis: str
    facts: str
    officer_ids: list[int]
    party_id_no: str | None = None
    party_address: str | None = None
    party_phone: str | None = None
    address: str | None = None
    lon: float | None = None
    lat: float | None = None
    street_code: str | None = None
    power_code: str | None = None
    correction_order: str | None = None
    cash: bool = False
    hard_to_collect: bool = False
    remote_area: bool = False
    party_signed: bool = True
    refusal_note: str | None = None
    device_id: str | None = None
    photo_file_ids: list[int] = field(default_factory=list)
    entrustment_id: int | None = None


def summary_case(session: Session, p: Principal, data: SummaryInput, at: datetime | None = None) -> EnforcementCase:  # noqa: C901
    """当场处罚 (APL 51–53, 68–71): only a warning or a fine ≤ ¥200 (citizen) / ≤ ¥3,000 (organisation); the
    numbered decision is handed over on the spot; cash only ≤ ¥100 or hard to collect later."""
    at = _now(at)
    data.street_code = place_code(session, data.street_code, data.lon, data.lat, p)
    _not_auxiliary_only(p, "当场处罚")
    p.require((Role.OFFICER,), data.street_code, "当场处罚")
    if p.user_id not in data.officer_ids:
        raise Forbidden("当场处罚须由出示执法证件的执法人员本人作出", code="not_case_handler")
    officers = _officers(session, data.officer_ids, at, "当场处罚",
                         minimum=int(R.v(session, R.SUMMARY_OFFICERS)))  # type: ignore[call-overload]
    types = list(dict.fromkeys(data.penalty_types or []))
    if not types or not set(types) <= {"warning", "fine"}:
        raise Conflict("当场处罚只能是警告或者罚款（行政处罚法第51条）", code="summary_not_allowed")
    if data.party_type not in ("person", "org"):
        raise Invalid("当事人类型应为 person 或 org", code="bad_party_type")
    fine = _money(data.fine_amount)
    if "fine" in types:
        limit = R.num(session, R.SUMMARY_ORG if data.party_type == "org" else R.SUMMARY_PERSON)
        if not fine:
            raise Invalid("须填写罚款金额", code="fine_required")
        if fine > limit:
            who = "法人或者其他组织" if data.party_type == "org" else "公民"
            raise Conflict(f"对{who}当场处罚的罚款不得超过{limit}元，超过的应适用普通程序（行政处罚法第51条）",
                           code="summary_fine_too_high", details={"limit": str(limit)})
    elif fine:
        raise Invalid("未选择罚款种类却填写了罚款金额", code="fine_without_type")
    if not (data.legal_basis or "").strip() or not (data.facts or "").strip():
        raise Invalid("当场处罚须违法事实确凿并有法定依据", code="basis_required")
    if data.cash:
        if "fine" not in types:
            raise Conflict("没有罚款，不能当场收缴", code="no_fine")
        if not (fine <= R.num(session, R.CASH_MAX) or data.hard_to_collect or data.remote_area):  # type: ignore[operator]
            raise Conflict(f"只有{R.num(session, R.CASH_MAX)}元以下的罚款，或不当场收缴事后难以执行的，方可当场收缴"
                           "（行政处罚法第68、69条）", code="cash_not_allowed")
    if not data.party_signed and not (data.refusal_note or "").strip():
        raise Invalid("当事人拒绝签收的，应在决定书上注明", code="signature_or_refusal_required")
    if data.entrustment_id is not None:
        check_entrustment(session, data.entrustment_id, data.power_code, data.street_code, at)
    party_id = links.find_or_create_party(session, kind=data.party_type, name=data.party_name, id_no=data.party_id_no,
                                          address=data.party_address, phone=data.party_phone, legal_rep=None)
    ec = EnforcementCase(entrustment_id=data.entrustment_id,
        case_no=_case_no(session, at), procedure="summary", source="summary", cause=data.cause,
        power_code=data.power_code, legal_basis=data.legal_basis, facts=data.facts, address=data.address,
        lon=data.lon, lat=data.lat, street_code=data.street_code, occurred_at=at, party_ref_id=party_id,
        party_type=data.party_type, party_name=data.party_name, party_id_no=data.party_id_no,
        party_address=data.party_address, party_phone=data.party_phone, lead_officer_id=officers[0],
        assist_officer_id=officers[1] if len(officers) > 1 else None, created_by=p.user_id, created_at=at,
        penalty_types=types, fine_amount=fine, discretion={}, notified_penalty={}, correction_order=data.correction_order,
        registered_at=at, decided_at=at, decision_kind="penalty", served_at=at, end_outcome="penalty",
        cash_collected=bool(data.cash), paid_at=at if data.cash else None, paid_amount=fine if data.cash else None,
        payment_ref="当场收缴（财政专用票据）" if data.cash else None,
    )
    media = []
    for fid in data.photo_file_ids:
        f = session.get(StoredFile, fid)
        if f is None:
            raise NotFound("照片文件不存在", code="unknown_file")
        media.append({"sha256": f.sha256, "kind": "photo" if f.kind == "image" else "other", "file_id": f.id,
                      "name": f.filename})
        links.register_media(session, data.device_id, fid, at, required=False)
    workflow.open_case(session, ec, status="decided", actor=_actor(p), at=at, device_id=data.device_id,
                       where={"lon": data.lon, "lat": data.lat, "address": data.address}, media=media,
                       data={"procedure": "summary", "officers": officers, "fine": str(fine or ""), "cash": data.cash})
    doc = documents.issue(session, ec, "summary_decision", p, at,
                          {"party_signed": data.party_signed, "refusal_note": data.refusal_note})
    ec.decision_no = doc.doc_no
    svc = EnforcementService(case_id=ec.id, document_id=doc.id, method="direct", recipient=data.party_name,
                             place=data.address, sent_at=at, served_at=at,
                             signed_by=data.party_name if data.party_signed else None,
                             server_id=p.user_id, note=data.refusal_note)
    session.add(svc)
    session.flush()
    if "fine" in types and not data.cash:
        ec.payment_due_at = R.days(at, int(R.v(session, R.PAY_DAYS)))  # type: ignore[call-overload]
        workflow.start_timer(session, ec, "payment", "缴纳罚款（15日）", at, ec.payment_due_at)
    if data.cash:
        workflow.start_timer(session, ec, "cash_hand_in", "当场收缴罚款交至机关（2个工作日）", at,
                             R.work_days(session, at, R.v(session, R.CASH_HAND_IN)))
    workflow.start_timer(session, ec, "file", "报所属行政机关备案", at, R.work_days(session, at, 2))
    _credit_on_decision(session, ec, p, at, None)
    workflow.act(session, ec, action="serve", actor=_actor(p), to="served", at=at,
                 data={"document_id": doc.id, "decision_no": doc.doc_no, "method": "direct", "service_id": svc.id})
    return ec


def file_summary(session: Session, p: Principal, case_id: int, *, at: datetime | None = None,
                 opinion: str | None = None) -> EnforcementCase:
    """当场处罚备案: the agency receives the filing."""
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _require(p, ec, (Role.LEADER, Role.LEGAL_REVIEWER), "接收当场处罚备案")
    if ec.procedure != "summary" or ec.filed_at is not None:
        raise Conflict("只有未备案的当场处罚可以备案", code="illegal_step")
    ec.filed_at = at
    workflow.stop_timers(session, ec, ("file",), at)
    workflow.act(session, ec, action="file_summary", actor=_actor(p), at=at, opinion=opinion)
    return ec


def hand_in_cash(session: Session, p: Principal, case_id: int, *, receipt_no: str, at: datetime | None = None) -> EnforcementCase:
    at = _now(at)
    ec = locked(session, p, case_id, at)
    _handler(session, p, ec, "缴交当场收缴的罚款", at)
    if not ec.cash_collected or ec.cash_handed_in_at is not None:
        raise Conflict("没有待交的当场收缴罚款", code="illegal_step")
    if not (receipt_no or "").strip():
        raise Invalid("须填写财政专用票据号", code="receipt_required")
    t = workflow.open_timer(session, ec, "cash_hand_in")
    late = t is not None and at > t.due_at
    ec.cash_handed_in_at = at
    workflow.stop_timers(session, ec, ("cash_hand_in",), at)
    workflow.act(session, ec, action="hand_in_cash", actor=_actor(p), at=at, data={"receipt_no": receipt_no, "late": late})
    return ec


# ------------------------------------------------------------------------------------------ disclosure


def _open_disclosure(session: Session, ec: EnforcementCase, at: datetime) -> EnforcementDisclosure:
    due = R.work_days(session, at, R.v(session, R.PUBLISH_DAYS))
    d = EnforcementDisclosure(case_id=ec.id, decision_no=ec.decision_no or "", due_at=due, public={})
    session.add(d)
    session.flush()
    workflow.start_timer(session, ec, "publish", "处罚决定公示（7个工作日）", at, due, ref_id=d.id)
    return d


def public_copy(session: Session, ec: EnforcementCase) -> dict[str, Any]:
    """The masked copy shown to the public, with the 双公示 credit fields."""
    org = ec.party_type == "org"
    return {
        "decision_no": ec.decision_no, "case_no": ec.case_no, "cause": ec.cause,
        "party_name": ec.party_name if org else links.mask_name(ec.party_name),
        "party_type": ec.party_type, "uscc": ec.party_id_no if org else None,
        "id_number": None if org else links.mask_id_number(ec.party_id_no),
        "legal_rep": ec.party_legal_rep if org else None,
        "facts": ec.facts, "legal_basis": ec.legal_basis, "penalty_types": [PENALTY_TYPES.get(t, t) for t in ec.penalty_types],
        "penalty_content": penalty_text(ec), "fine_wan": str((ec.fine_amount or Decimal(0)) / Decimal(10000)),
        "confiscation_wan": str((ec.confiscation_amount or Decimal(0)) / Decimal(10000)),
        "decided_on": clock.local(ec.decided_at).date().isoformat() if ec.decided_at else None,
        "agency": R.v(session, R.AGENCY), "power_code": ec.power_code, "address": links.mask_address(ec.address),
    }


def publish(session: Session, p: Principal, case_id: int, at: datetime | None = None) -> EnforcementDisclosure:
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _not_auxiliary_only(p, "公示处罚决定")
    _require(p, ec, (Role.OFFICER, Role.LEADER, Role.LEGAL_REVIEWER), "公示处罚决定")
    d = session.scalars(select(EnforcementDisclosure).where(EnforcementDisclosure.case_id == ec.id)).first()
    if d is None:
        raise Conflict("本案没有需要公示的处罚决定", code="nothing_to_publish")
    if d.published_at is not None:
        raise Conflict("已公示", code="already_published")
    if ec.status == "revoked":
        raise Conflict("处罚决定已撤销，不再公示", code="decision_revoked")
    d.published_at = at
    d.public = public_copy(session, ec)
    d.disclosure_end = R.months(at, int(R.v(session, R.DISCLOSURE_MONTHS)))  # type: ignore[call-overload]
    d.public["disclosure_end"] = clock.local(d.disclosure_end).date().isoformat()
    workflow.stop_timers(session, ec, ("publish",), at, ref_id=d.id)
    workflow.act(session, ec, action="publish", actor=_actor(p), at=at,
                 data={"disclosure_id": d.id, "late": at > d.due_at})
    return d


def revoke(session: Session, p: Principal, case_id: int, *, reason: str, at: datetime | None = None) -> EnforcementCase:
    """The decision is revoked or changed (复议/诉讼/自行纠正): the credit record is revoked and the published
    information is withdrawn within 3 working days (APL 48)."""
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _require(p, ec, (Role.LEADER,), "撤销处罚决定")
    if ec.decided_at is None:
        raise Conflict("尚未作出决定", code="not_decided")
    if not (reason or "").strip():
        raise Invalid("须说明撤销或变更的理由", code="reason_required")
    rid = (ec.discretion or {}).get("credit_record_id")
    if rid:
        links.revoke_credit(session, int(rid), reason, at)
    d = session.scalars(select(EnforcementDisclosure).where(EnforcementDisclosure.case_id == ec.id)).first()
    if d is not None:
        d.withdraw_reason = reason[:255]
        workflow.stop_timers(session, ec, ("publish",), at, ref_id=d.id)
        if d.published_at is not None:
            d.withdraw_due_at = R.work_days(session, at, R.v(session, R.WITHDRAW_DAYS))
            workflow.start_timer(session, ec, "withdraw", "撤回公示信息（3个工作日）", at, d.withdraw_due_at, ref_id=d.id)
    for kind in ("payment", "court_wait", "court_window", "serve", "instalment", "plan_decide"):
        workflow.stop_timers(session, ec, (kind,), at)
    workflow.act(session, ec, action="revoke", actor=_actor(p), to="revoked", at=at, opinion=reason)
    return ec


def withdraw_disclosure(session: Session, p: Principal, case_id: int, at: datetime | None = None) -> EnforcementDisclosure:
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _require(p, ec, (Role.OFFICER, Role.LEADER, Role.LEGAL_REVIEWER), "撤回公示")
    d = session.scalars(select(EnforcementDisclosure).where(EnforcementDisclosure.case_id == ec.id)).first()
    if d is None or d.published_at is None or d.withdrawn_at is not None:
        raise Conflict("没有需要撤回的公示信息", code="nothing_to_withdraw")
    if ec.status != "revoked":
        raise Conflict("只有被撤销或变更的决定才撤回公示", code="not_revoked")
    d.withdrawn_at = at
    workflow.stop_timers(session, ec, ("withdraw",), at, ref_id=d.id)
    workflow.act(session, ec, action="withdraw_disclosure", actor=_actor(p), at=at,
                 data={"disclosure_id": d.id, "late": bool(d.withdraw_due_at and at > d.withdraw_due_at)})
    return d


def public_decisions(session: Session, q: str | None, page: int, page_size: int) -> tuple[list[dict[str, Any]], int]:
    from sqlalchemy import func

    now = clock.now()
    stmt = select(EnforcementDisclosure).where(EnforcementDisclosure.published_at.is_not(None),
                                               EnforcementDisclosure.withdrawn_at.is_(None),
                                               or_(EnforcementDisclosure.disclosure_end.is_(None),
                                                   EnforcementDisclosure.disclosure_end > now))
    if q:
        stmt = stmt.where(EnforcementDisclosure.decision_no.like(f"%{q.strip()}%"))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(EnforcementDisclosure.published_at.desc(), EnforcementDisclosure.id.desc())
                           .limit(page_size).offset((page - 1) * page_size))
    return [{**r.public, "published_at": r.published_at.isoformat() if r.published_at else None} for r in rows], total


# ------------------------------------------------------------------------------------------ file review (案卷评查)

CHECKLIST = [
    ("subject", "执法主体合法、执法人员持证", 10), ("jurisdiction", "管辖权与立案程序", 10),
    ("facts", "事实清楚、证据确凿充分", 20), ("law", "适用法律正确、裁量适当", 20),
    ("procedure", "程序合法（告知、听证、审核、讨论、期限）", 20), ("documents", "文书规范、送达合法", 10),
    ("archive", "一案一卷、卷宗整理规范", 10),
]


def file_review(session: Session, p: Principal, case_id: int, *, scores: dict[str, float], note: str | None = None,
                at: datetime | None = None) -> EnforcementFileReview:
    at = _now(at)
    ec = locked(session, p, case_id, at, internal=True)
    _require(p, ec, (Role.ASSESSOR, Role.LEGAL_REVIEWER, Role.LEADER), "案卷评查")
    if ec.status not in ("closed", "archived"):
        raise Conflict("案卷评查针对已结案的案件", code="not_closed")
    items, total = [], 0.0
    for key, label, full in CHECKLIST:
        if key not in scores:
            raise Invalid(f"评查项“{label}”未打分", code="score_missing", details={"item": key})
        s = float(scores[key])
        if not 0 <= s <= full:
            raise Invalid(f"评查项“{label}”得分应在0–{full}之间", code="score_out_of_range")
        items.append({"key": key, "label": label, "full": full, "score": s})
        total += s
    grade = "优秀" if total >= 90 else "良好" if total >= 80 else "合格" if total >= 60 else "不合格"
    r = EnforcementFileReview(case_id=ec.id, reviewer_id=p.user_id, at=at, items=items, score=total, grade=grade,
                              note=note)
    session.add(r)
    session.flush()
    workflow.act(session, ec, action="file_review", actor=_actor(p), at=at, data={"score": total, "grade": grade})
    return r


# ------------------------------------------------------------------------------------------ lists


def work_list(session: Session, p: Principal, *, mine: bool = True, status: list[str] | None = None,
              overdue: bool | None = None, page: int = 1, page_size: int = 20) -> list[EnforcementCase]:
    """Cases with an open deadline, nearest first (index walks on ``next_due_at``), then open cases without one:
    the caller's own (lead or assisting officer), or all in the caller's regions (``mine=False``)."""
    from sqlalchemy import func

    from chengguan.enforcement.models import OPEN_STATUSES

    now = clock.now()
    if mine:
        sources = [EnforcementCase.lead_officer_id == p.user_id, EnforcementCase.assist_officer_id == p.user_id]
    else:
        regions = [r for role in STAFF for r in p.regions(role)]
        if None in regions:
            sources = [EnforcementCase.id > 0]
        else:
            # street_code holds 9-character street codes: a street-level grant is an equality (walks
            # ix_enf_cases_street_due in deadline order), a district grant a prefix (walks the next_due index)
            conds = [EnforcementCase.street_code == r if len(r) >= 9 else EnforcementCase.street_code.like(f"{r}%")
                     for r in dict.fromkeys(regions) if r]
            sources = [or_(*conds)] if conds else [EnforcementCase.id < 0]
    extra: list[ColumnElement[bool]] = []
    if status:
        extra.append(EnforcementCase.status.in_(status))
    if overdue:
        extra.append(EnforcementCase.next_due_at < now)
    offset, limit = (page - 1) * page_size, page_size
    from sqlalchemy.orm import load_only

    E = EnforcementCase
    light = load_only(E.id, E.case_no, E.procedure, E.status, E.source, E.cause, E.party_name, E.next_due_at,
                      E.next_due_label, E.decision_no, E.lead_officer_id, E.assist_officer_id, E.version)
    rows: dict[int, EnforcementCase] = {}
    for src in sources:
        stmt = (select(EnforcementCase).options(light).where(src, EnforcementCase.next_due_at.is_not(None), *extra)
                .order_by(EnforcementCase.next_due_at, EnforcementCase.id).limit(offset + limit))
        for c in session.scalars(stmt):
            rows[c.id] = c
    due = sorted(rows.values(), key=lambda c: (c.next_due_at, c.id))[offset:offset + limit]
    if len(due) >= limit or overdue:
        return due
    n_due = sum(int(session.scalar(select(func.count()).select_from(EnforcementCase)
                                   .where(src, EnforcementCase.next_due_at.is_not(None), *extra)) or 0)
                for src in sources)
    rest: list[EnforcementCase] = []
    for src in sources:
        stmt = (select(EnforcementCase).options(light).where(src, EnforcementCase.next_due_at.is_(None),
                                              EnforcementCase.status.in_(status or OPEN_STATUSES))
                .order_by(EnforcementCase.id.desc()).limit(max(0, offset - n_due) + limit))
        rest += list(session.scalars(stmt))
    rest = sorted({c.id: c for c in rest}.values(), key=lambda c: -c.id)
    return due + rest[max(0, offset - n_due):][:limit - len(due)]


def open_timers(session: Session, case_id: int) -> list[EnforcementTimer]:
    return list(session.scalars(select(EnforcementTimer).where(EnforcementTimer.case_id == case_id)
                                .order_by(EnforcementTimer.done_at.is_not(None), EnforcementTimer.due_at)))
