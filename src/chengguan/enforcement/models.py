"""Administrative penalty cases (网上办案) under the APL 2021: the case, its event log, records (笔录),
evidence, coercive measures, numbered documents, service, timers, challenges, transfers, disclosure and
case-file reviews (案卷评查).

``EnforcementCase.status`` is written only by ``chengguan.enforcement.workflow`` (a test enforces it);
every act appends an ``enf_events`` row and an audit record.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from chengguan.core.db import Base
from chengguan.core.types import BigIntId, JSONType, UTCDateTime

STATUSES = (
    "lead",            # 线索登记，待立案
    "registered",      # 已立案，调查取证中
    "investigated",    # 调查终结，待处理审批
    "notified",        # 已事先告知，等待陈述申辩/听证申请
    "hearing",         # 听证程序中
    "decided",         # 已作出决定（处罚 / 不予处罚），待送达
    "served",          # 决定已送达，履行期
    "enforcing",       # 催告 / 申请法院强制执行
    "transferred",     # 已移送（公安 / 其他机关）
    "closed",          # 已结案
    "archived",        # 已归档
    "not_registered",  # 不予立案
    "revoked",         # 决定被撤销
)
OPEN_STATUSES = ("lead", "registered", "investigated", "notified", "hearing", "decided", "served", "enforcing",
                 "transferred")
SOURCES = ("digital_case", "patrol", "complaint", "transfer_in", "designated", "summary")
PROCEDURES = ("ordinary", "summary")
PARTY_TYPES = ("person", "org")
EVIDENCE_KINDS = ("documentary", "physical", "audiovisual", "electronic", "witness", "party_statement",
                  "expert_opinion", "inspection_record")
RECORD_KINDS = ("inspection", "inquiry", "hearing", "statement", "collective", "legal_review")
MEASURE_KINDS = ("preserve", "seal", "seize")
SERVICE_METHODS = ("direct", "left", "electronic", "postal", "forwarded", "entrusted", "public_notice")


class EnforcementCase(Base):
    __tablename__ = "enf_cases"
    __table_args__ = (
        CheckConstraint(f"status in {STATUSES!r}", name="status"),
        CheckConstraint(f"source in {SOURCES!r}", name="source"),
        CheckConstraint(f"procedure in {PROCEDURES!r}", name="procedure"),
        CheckConstraint(f"party_type in {PARTY_TYPES!r}", name="party_type"),
        # The officers' work list: my open cases, nearest deadline first.
        Index("ix_enf_cases_lead_due", "lead_officer_id", "next_due_at"),
        Index("ix_enf_cases_assist_due", "assist_officer_id", "next_due_at"),
        Index("ix_enf_cases_next_due", "next_due_at"),
        # a street's work list (a street with few cases would otherwise walk the whole next_due index)
        Index("ix_enf_cases_street_due", "street_code", "next_due_at"),
        Index("ix_enf_cases_status_due", "status", "next_due_at"),
        Index("ix_enf_cases_party", "party_id_no"),
    )

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_no: Mapped[str] = mapped_column(String(40), unique=True)
    procedure: Mapped[str] = mapped_column(String(8), default="ordinary")
    status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    source_case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)  # 数字城管 case
    source_ref: Mapped[str | None] = mapped_column(String(255))  # 移送机关 / 指定管辖文书 / 举报人
    cause: Mapped[str] = mapped_column(String(200))  # 案由
    power_code: Mapped[str | None] = mapped_column(String(40), index=True)  # 权责清单事项编码
    legal_basis: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(String(256))
    lon: Mapped[float | None]
    lat: Mapped[float | None]
    street_code: Mapped[str | None] = mapped_column(String(9), index=True)
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    act_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 连续/继续状态的终了之日
    harms_life_or_finance: Mapped[bool] = mapped_column(Boolean, default=False)  # 5 年时效

    # 委托执法 (APL 20–21): the case is handled by an entrusted organisation in the entrusting agency's name.
    entrustment_id: Mapped[int | None] = mapped_column(ForeignKey("enf_entrustments.id"), index=True)
    party_ref_id: Mapped[int | None] = mapped_column(BigIntId, index=True)  # parties.id when that domain exists
    party_type: Mapped[str] = mapped_column(String(8), default="person")
    party_name: Mapped[str] = mapped_column(String(128))
    party_id_no: Mapped[str | None] = mapped_column(String(32))  # 身份证号 / 统一社会信用代码
    party_address: Mapped[str | None] = mapped_column(String(256))
    party_phone: Mapped[str | None] = mapped_column(String(32))
    party_legal_rep: Mapped[str | None] = mapped_column(String(64))
    party_minor: Mapped[bool] = mapped_column(Boolean, default=False)

    lead_officer_id: Mapped[int | None] = mapped_column(BigIntId)
    assist_officer_id: Mapped[int | None] = mapped_column(BigIntId)
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # Flags that decide which steps are mandatory (APL 57 para 2, 58).
    complex_case: Mapped[bool] = mapped_column(Boolean, default=False)       # 情节复杂
    major_violation: Mapped[bool] = mapped_column(Boolean, default=False)    # 重大违法行为
    public_interest: Mapped[bool] = mapped_column(Boolean, default=False)    # 涉及重大公共利益
    major_rights: Mapped[bool] = mapped_column(Boolean, default=False)       # 直接关系重大权益
    multi_legal_relations: Mapped[bool] = mapped_column(Boolean, default=False)  # 疑难复杂、多个法律关系

    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 90 days + extensions
    extensions: Mapped[int] = mapped_column(SmallInteger, default=0)
    investigation_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_outcome: Mapped[str | None] = mapped_column(String(16))  # penalty / minor / not_established / crime
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 负责人审批处理意见
    collective_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_review_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    legal_review_passed: Mapped[bool | None] = mapped_column(Boolean)
    legal_reviewer_id: Mapped[int | None] = mapped_column(BigIntId)

    # The proposed / notified / decided penalty.
    penalty_types: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # warning, fine, confiscation …
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    confiscation_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    discretion: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)  # standard id@version, tier …
    correction_order: Mapped[str | None] = mapped_column(Text)  # 责令改正 (APL 28)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    notified_penalty: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    statement_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    statement_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rights_waived: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_offered: Mapped[bool] = mapped_column(Boolean, default=False)
    hearing_request_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hearing_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hearing_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    hearing_place: Mapped[str | None] = mapped_column(String(200))
    hearing_chair_id: Mapped[int | None] = mapped_column(BigIntId)
    hearing_held_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_kind: Mapped[str | None] = mapped_column(String(12))  # penalty / no_penalty
    decision_no: Mapped[str | None] = mapped_column(String(64), index=True)
    served_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    payment_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    paid_amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    payment_ref: Mapped[str | None] = mapped_column(String(64))  # 银行缴款书号 / 电子缴款凭证号
    cash_collected: Mapped[bool] = mapped_column(Boolean, default=False)
    cash_handed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 当场处罚备案
    demand_served_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 催告书送达
    court_applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The nearest open deadline (min of enf_timers.due_at) for work lists, and what it is.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_due_label: Mapped[str | None] = mapped_column(String(40))
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class EnforcementEvent(Base):
    """One act on a case (append-only): who, when, where, device, from → to, opinion, data."""

    __tablename__ = "enf_events"
    __table_args__ = (UniqueConstraint("case_id", "seq"), Index("ix_enf_events_actor", "actor_id", "at"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    action: Mapped[str] = mapped_column(String(32))
    actor_id: Mapped[int | None] = mapped_column(BigIntId)
    actor_name: Mapped[str | None] = mapped_column(String(64))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    opinion: Mapped[str | None] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(128))
    device_id: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class EnforcementTimer(Base):
    """A statutory or configured deadline of a case (T3–T26 of the reference). Open while ``done_at`` is null."""

    __tablename__ = "enf_timers"
    __table_args__ = (Index("ix_enf_timers_open_due", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    label: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ref_id: Mapped[int | None] = mapped_column(BigIntId)  # the measure / transfer / disclosure it belongs to


class EnforcementRecord(Base):
    """A 笔录: inspection, inquiry, hearing, statement-and-defence, collective discussion, legal review."""

    __tablename__ = "enf_records"
    __table_args__ = (CheckConstraint(f"kind in {RECORD_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    place: Mapped[str | None] = mapped_column(String(200))
    subject_name: Mapped[str | None] = mapped_column(String(128))  # 被询问人 / 被检查人
    officer_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    recorder_id: Mapped[int | None] = mapped_column(BigIntId)
    participants: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    content: Mapped[str] = mapped_column(Text)
    conclusion: Mapped[str | None] = mapped_column(Text)
    party_signed: Mapped[bool] = mapped_column(Boolean, default=False)
    refusal_note: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class EnforcementEvidence(Base):
    """Evidence of one of the 8 legal types (APL 46), with the SHA-256 of its file."""

    __tablename__ = "enf_evidence"
    __table_args__ = (CheckConstraint(f"kind in {EVIDENCE_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    collected_at: Mapped[datetime] = mapped_column(UTCDateTime())
    officer_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    device_id: Mapped[str | None] = mapped_column(String(64))
    from_monitoring: Mapped[bool] = mapped_column(Boolean, default=False)  # 电子技术监控设备 (APL 41)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(BigIntId)


class EnforcementMeasure(Base):
    """先行登记保存 (APL 56) or 查封/扣押 (AEL 24–28) with its item list."""

    __tablename__ = "enf_measures"
    __table_args__ = (CheckConstraint(f"kind in {MEASURE_KINDS!r}", name="kind"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    items: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    storage_place: Mapped[str | None] = mapped_column(String(200))
    approved_by: Mapped[int | None] = mapped_column(BigIntId)
    officer_ids: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    days: Mapped[int | None] = mapped_column(SmallInteger)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    extended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(16))  # confiscate / destroy / release / return / seize …
    document_id: Mapped[int | None] = mapped_column(BigIntId)


class EnforcementDocument(Base):
    """An issued 执法文书: its number (gap-free per type and year) and the data it was made from."""

    __tablename__ = "enf_documents"
    __table_args__ = (UniqueConstraint("doc_type", "year", "number"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    doc_type: Mapped[str] = mapped_column(String(24))
    year: Mapped[int] = mapped_column(SmallInteger)
    number: Mapped[int | None] = mapped_column(Integer)  # None for unnumbered forms (笔录 …)
    doc_no: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[int | None] = mapped_column(BigIntId)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    sha256: Mapped[str | None] = mapped_column(String(64))  # of the first rendering


class EnforcementService(Base):
    """送达: one document to one addressee by one legal method, with its receipt (送达回证)."""

    __tablename__ = "enf_services"
    __table_args__ = (CheckConstraint(f"method in {SERVICE_METHODS!r}", name="method"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("enf_documents.id"))
    method: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(128))
    place: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())
    served_at: Mapped[datetime] = mapped_column(UTCDateTime())  # effective date (public notice: + N days)
    signed_by: Mapped[str | None] = mapped_column(String(64))
    witness: Mapped[str | None] = mapped_column(String(64))
    receipt_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    consent_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    server_id: Mapped[int | None] = mapped_column(BigIntId)
    note: Mapped[str | None] = mapped_column(String(255))


class EnforcementChallenge(Base):
    """行政复议 / 行政诉讼 by the party: 加处罚款 does not accrue while one is pending (APL 73)."""

    __tablename__ = "enf_challenges"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # reconsideration / litigation
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(16))  # upheld / revoked / changed / withdrawn


class EnforcementTransfer(Base):
    """移送: to the police (两法衔接, [XFER] timers) or to another agency, with receipts."""

    __tablename__ = "enf_transfers"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # police / agency
    receiver: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text)
    items: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt_by: Mapped[str | None] = mapped_column(String(64))
    reply: Mapped[str | None] = mapped_column(String(16))  # accepted / refused
    reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reconsider_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    document_id: Mapped[int | None] = mapped_column(BigIntId)


class EnforcementDisclosure(Base):
    """执法公示: a decision published (7 working days) and withdrawn (3 working days after revocation).
    ``public`` holds the masked copy that the public API serves."""

    __tablename__ = "enf_disclosures"
    __table_args__ = (Index("ix_enf_disclosures_public", "withdrawn_at", "published_at"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), unique=True)
    decision_no: Mapped[str] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disclosure_end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdraw_reason: Mapped[str | None] = mapped_column(String(255))
    public: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class EnforcementFileReview(Base):
    """案卷评查: a checklist with scores for one case file."""

    __tablename__ = "enf_file_reviews"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(BigIntId)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    items: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    score: Mapped[float]
    grade: Mapped[str] = mapped_column(String(8))
    note: Mapped[str | None] = mapped_column(Text)


RECUSAL_SOURCES = ("party", "self")
PLAN_KINDS = ("defer", "instalments")
PLAN_STATUSES = ("pending", "approved", "refused", "defaulted", "completed")


class EnforcementRecusal(Base):
    """回避 (APL 43): the party applies for, or the officer declares, the recusal of a handling officer; the
    agency head decides (granted → the officer is replaced). While undecided the officer may not act."""

    __tablename__ = "enf_recusals"
    __table_args__ = (CheckConstraint(f"source in {RECUSAL_SOURCES!r}", name="source"),)

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    officer_id: Mapped[int] = mapped_column(BigIntId)
    source: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_by: Mapped[int | None] = mapped_column(BigIntId)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(BigIntId)
    granted: Mapped[bool | None] = mapped_column(Boolean)
    replacement_id: Mapped[int | None] = mapped_column(BigIntId)
    opinion: Mapped[str | None] = mapped_column(Text)


class EnforcementEntrustment(Base):
    """委托 (APL 20–21): a written entrustment (委托书, published) of penalty powers to a qualified
    organisation, for a scope of powers (权责清单事项编码), an area and a period."""

    __tablename__ = "enf_entrustments"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    entrusting_agency: Mapped[str] = mapped_column(String(128))
    entrusted_org: Mapped[str] = mapped_column(String(128))
    entrusted_org_uscc: Mapped[str | None] = mapped_column(String(18))
    power_codes: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    region_code: Mapped[str | None] = mapped_column(String(15))  # the area covered (None: the whole district)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime())
    document_no: Mapped[str] = mapped_column(String(64))  # 委托书文号
    document_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # 委托书向社会公布
    created_by: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(255))


class EnforcementPaymentPlan(Base):
    """暂缓 / 分期缴纳罚款 (APL 66): the party's application, the head's decision with a schedule, the
    instalments recorded from bank notices (罚缴分离), and a default when an instalment is missed.
    ``schedule``: [{no, due_at, amount, paid_at, paid_amount, payment_ref}]."""

    __tablename__ = "enf_payment_plans"
    __table_args__ = (CheckConstraint(f"kind in {PLAN_KINDS!r}", name="kind"),
                      CheckConstraint(f"status in {PLAN_STATUSES!r}", name="status"))

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("enf_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    applied_by: Mapped[int | None] = mapped_column(BigIntId)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[int | None] = mapped_column(BigIntId)
    opinion: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))  # the fine covered by the plan
    schedule: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    defaulted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the missed instalment's due time
    remaining_at_default: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
