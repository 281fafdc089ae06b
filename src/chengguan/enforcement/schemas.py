"""API shapes of the enforcement procedure (separate from the models)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PartyIn(_In):
    party_name: str = Field(min_length=1, max_length=128)
    party_type: Literal["person", "org"] = "person"
    party_id_no: str | None = Field(None, max_length=32)
    party_address: str | None = Field(None, max_length=256)
    party_phone: str | None = Field(None, max_length=32)
    party_legal_rep: str | None = Field(None, max_length=64)
    party_minor: bool = False


class LeadIn(PartyIn):
    source: Literal["patrol", "complaint", "transfer_in", "designated"]
    cause: str = Field(min_length=2, max_length=200)
    facts: str | None = Field(None, max_length=4000)
    power_code: str | None = Field(None, max_length=40)
    legal_basis: str | None = Field(None, max_length=2000)
    address: str | None = Field(None, max_length=256)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    street_code: str | None = Field(None, pattern=r"^\d{9}$")
    occurred_at: datetime | None = None
    act_ended_at: datetime | None = None
    harms_life_or_finance: bool = False
    source_ref: str | None = Field(None, max_length=255)
    device_id: str | None = Field(None, max_length=64)
    entrustment_id: int | None = Field(None, ge=1)  # handled by an entrusted organisation (委托执法)


class HandoverIn(PartyIn):
    case_id: int
    cause: str = Field(min_length=2, max_length=200)
    power_code: str | None = Field(None, max_length=40)
    legal_basis: str | None = Field(None, max_length=2000)
    facts: str | None = Field(None, max_length=4000)
    occurred_at: datetime | None = None


class SummaryIn(_In):
    cause: str = Field(min_length=2, max_length=200)
    party_name: str = Field(min_length=1, max_length=128)
    party_type: Literal["person", "org"] = "person"
    party_id_no: str | None = Field(None, max_length=32)
    party_address: str | None = Field(None, max_length=256)
    party_phone: str | None = Field(None, max_length=32)
    penalty_types: list[str] = Field(min_length=1)
    fine_amount: Decimal | None = None
    legal_basis: str = Field(min_length=1, max_length=2000)
    facts: str = Field(min_length=1, max_length=4000)
    officer_ids: list[int] = Field(min_length=1, max_length=5)
    address: str | None = Field(None, max_length=256)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    street_code: str | None = Field(None, pattern=r"^\d{9}$")
    power_code: str | None = Field(None, max_length=40)
    correction_order: str | None = Field(None, max_length=1000)
    cash: bool = False
    hard_to_collect: bool = False
    remote_area: bool = False
    party_signed: bool = True
    refusal_note: str | None = Field(None, max_length=255)
    device_id: str | None = Field(None, max_length=64)
    photo_file_ids: list[int] = Field(default_factory=list, max_length=20)
    entrustment_id: int | None = Field(None, ge=1)


class RegisterIn(_In):
    lead_officer_id: int
    assist_officer_id: int
    opinion: str | None = Field(None, max_length=2000)
    complex_case: bool = False
    major_violation: bool = False
    public_interest: bool = False
    multi_legal_relations: bool = False
    major_rights: bool = False


class ReasonIn(_In):
    reason: str = Field("", max_length=2000)


class OpinionIn(_In):
    opinion: str | None = Field(None, max_length=2000)


class RecordIn(_In):
    kind: Literal["inspection", "inquiry", "statement", "hearing"]
    content: str = Field(max_length=20000)
    officer_ids: list[int] = Field(default_factory=list, max_length=6)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    place: str | None = Field(None, max_length=200)
    subject_name: str | None = Field(None, max_length=128)
    recorder_id: int | None = None
    party_signed: bool = False
    refusal_note: str | None = Field(None, max_length=255)
    participants: list[str] = Field(default_factory=list, max_length=20)
    conclusion: str | None = Field(None, max_length=4000)
    device_id: str | None = Field(None, max_length=64)


class EvidenceIn(_In):
    kind: str = Field(max_length=20)
    title: str = Field(min_length=1, max_length=200)
    file_id: int | None = None
    officer_ids: list[int] = Field(default_factory=list, max_length=6)
    device_id: str | None = Field(None, max_length=64)
    from_monitoring: bool = False
    collected_at: datetime | None = None
    note: str | None = Field(None, max_length=2000)


class EvidenceReviewIn(_In):
    evidence_id: int


class MeasureItem(BaseModel):
    name: str = Field(max_length=100)
    quantity: str = Field(max_length=40)
    spec: str | None = Field(None, max_length=100)
    note: str | None = Field(None, max_length=200)


class MeasureIn(_In):
    kind: Literal["preserve", "seal", "seize"]
    items: list[MeasureItem] = Field(default_factory=list, max_length=200)
    officer_ids: list[int] = Field(default_factory=list, max_length=6)
    approved_by: int
    days: int | None = Field(None, ge=1, le=365)
    storage_place: str | None = Field(None, max_length=200)


class MeasureExtendIn(_In):
    measure_id: int
    days: int = Field(ge=1, le=365)
    reason: str = Field("", max_length=2000)


class MeasureEndIn(_In):
    measure_id: int
    outcome: str = Field(max_length=16)


class EndInvestigationIn(_In):
    outcome: str = Field(max_length=16)
    facts: str = Field("", max_length=8000)
    legal_basis: str | None = Field(None, max_length=4000)
    penalty_types: list[str] | None = None
    fine_amount: Decimal | None = None
    confiscation_amount: Decimal | None = None
    correction_order: str | None = Field(None, max_length=2000)
    discretion_facts: dict[str, Any] | None = None


class CollectiveIn(_In):
    participants: list[str] = Field(default_factory=list, max_length=30)
    content: str = Field("", max_length=20000)
    conclusion: str = Field("", max_length=4000)
    reason: str = Field("情节复杂或重大违法行为", max_length=200)


class LegalReviewIn(_In):
    passed: bool
    opinion: str = Field("", max_length=8000)
    items: dict[str, str] | None = None
    qualification_no: str | None = Field(None, max_length=40)


class NotifyIn(_In):
    reason: str | None = Field(None, max_length=2000)


class NoteIn(_In):
    note: str = Field("", max_length=2000)


class ScheduleHearingIn(_In):
    hearing_at: datetime
    place: str = Field(min_length=1, max_length=200)
    chair_id: int
    agents: list[str] = Field(default_factory=list, max_length=10)
    public: bool = True
    closed_reason: str | None = Field(None, max_length=16)  # state_secret / trade_secret / privacy


class ApplyCourtIn(_In):
    note: str = Field("", max_length=2000)
    approved_by: int | None = None  # the agency head who signs the 强制执行申请书 (AEL 55)
    court: str | None = Field(None, max_length=100)


class DisposeIn(_In):
    measure_id: int
    method: str = Field(max_length=16)  # auction / destroy / hand_over
    officer_ids: list[int] = Field(default_factory=list, max_length=10)
    place: str | None = Field(None, max_length=200)
    basis: str | None = Field(None, max_length=2000)
    witness: str | None = Field(None, max_length=100)
    result: str | None = Field(None, max_length=2000)
    proceeds: Decimal | None = None
    treasury_ref: str | None = Field(None, max_length=100)


class DecideIn(_In):
    opinion: str | None = Field(None, max_length=4000)
    penalty_types: list[str] | None = None
    fine_amount: Decimal | None = None
    education: str | None = Field(None, max_length=4000)


class ServeIn(_In):
    document_id: int
    method: str = Field(max_length=16)
    recipient: str = Field("", max_length=128)
    place: str | None = Field(None, max_length=200)
    signed_by: str | None = Field(None, max_length=64)
    witness: str | None = Field(None, max_length=64)
    receipt_file_id: int | None = None
    consent_file_id: int | None = None
    served_at: datetime | None = None
    note: str | None = Field(None, max_length=255)


class PaymentIn(_In):
    amount: Decimal
    paid_at: datetime
    payment_ref: str = Field("", max_length=64)


class ChallengeIn(_In):
    kind: Literal["reconsideration", "litigation"]
    started_at: datetime | None = None
    end: bool = False
    result: Literal["upheld", "revoked", "changed", "withdrawn"] | None = None


class TransferIn(_In):
    kind: Literal["police", "agency"]
    receiver: str = Field("", max_length=128)
    reason: str = Field("", max_length=4000)
    items: list[MeasureItem] = Field(default_factory=list, max_length=200)
    officer_ids: list[int] = Field(default_factory=list, max_length=6)


class TransferStepIn(_In):
    transfer_id: int
    step: str = Field(max_length=16)
    receipt_by: str | None = Field(None, max_length=64)
    reply: Literal["accepted", "refused"] | None = None
    note: str | None = Field(None, max_length=2000)


class CashIn(_In):
    receipt_no: str = Field("", max_length=64)


class FileReviewIn(_In):
    scores: dict[str, float]
    note: str | None = Field(None, max_length=4000)


class RecusalIn(_In):
    officer_id: int
    source: Literal["party", "self"]
    reason: str = Field(max_length=2000)


class RecusalDecideIn(_In):
    recusal_id: int
    granted: bool
    opinion: str = Field(max_length=2000)
    replacement_id: int | None = None


class PlanApplyIn(_In):
    kind: Literal["defer", "instalments"]
    reason: str = Field(max_length=2000)


class PlanItem(_In):
    due_on: date
    amount: Decimal = Field(gt=0, le=Decimal("100000000"))


class PlanDecideIn(_In):
    plan_id: int
    approved: bool
    opinion: str = Field(max_length=2000)
    schedule: list[PlanItem] = Field(default_factory=list, max_length=36)


class InstalmentIn(_In):
    amount: Decimal = Field(ge=0, le=Decimal("100000000"))
    paid_at: datetime
    payment_ref: str = Field(max_length=64)


class EntrustmentIn(_In):
    entrusted_org: str = Field(max_length=128)
    entrusted_org_uscc: str | None = Field(None, max_length=18)
    entrusting_agency: str | None = Field(None, max_length=128)
    power_codes: list[str] = Field(max_length=200)
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3})?(\d{3})?$")
    valid_from: datetime
    valid_to: datetime
    document_no: str = Field(max_length=64)
    document_file_id: int | None = None
    published_at: datetime | None = None


class EntrustmentPublishIn(_In):
    published_at: datetime | None = None


class CaseSummary(BaseModel):
    id: int
    case_no: str
    procedure: str
    status: str
    status_label: str
    source: str
    cause: str
    party_name: str
    next_due_at: datetime | None
    next_due_label: str | None
    overdue: bool
    decision_no: str | None
    lead_officer_id: int | None
    assist_officer_id: int | None


class CasePage(BaseModel):
    items: list[CaseSummary]
    page: int
    page_size: int


class PublicDecisions(BaseModel):
    items: list[dict[str, Any]]
    total: int
    page: int
    page_size: int
