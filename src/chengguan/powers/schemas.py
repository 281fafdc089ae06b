from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chengguan.powers.models import BASIS_KINDS, POWER_TYPES

PowerType = Literal[POWER_TYPES]  # type: ignore[valid-type]
BasisKind = Literal[BASIS_KINDS]  # type: ignore[valid-type]


class BasisOut(BaseModel):
    kind: str
    law: str
    article: str
    text: str | None = None
    version: int
    effective_from: str
    effective_to: str | None = None


class PowerOut(BaseModel):
    code: str
    name: str
    sub_item: str | None = None
    power_type: str
    body: str
    handling_unit: str | None = None
    level: str
    legal_basis: list[BasisOut]
    responsibilities: list[dict[str, Any]]
    accountability: str | None = None
    accountability_basis: str | None = None
    contact: str | None = None
    note: str | None = None
    is_demo: bool
    is_active: bool


class PowerDetail(PowerOut):
    standards: list[dict[str, Any]] = Field(default_factory=list, description="裁量基准 (current versions)")


class PowerPage(BaseModel):
    items: list[PowerOut]
    total: int
    page: int
    page_size: int


class BasisIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: BasisKind = "实施依据"
    law: str = Field(min_length=1, max_length=200)
    article: str = Field(min_length=1, max_length=64)
    text: str | None = Field(None, max_length=5000)
    effective_from: date
    effective_to: date | None = None


class Responsibility(BaseModel):
    step: str = Field(min_length=1, max_length=32)
    items: str = Field("", max_length=2000)


class PowerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_\-.]+$")
    name: str = Field(min_length=1, max_length=200)
    sub_item: str | None = Field(None, max_length=200)
    power_type: PowerType
    body: str = Field(min_length=1, max_length=100)
    handling_unit: str | None = Field(None, max_length=100)
    level: Literal["city", "district", "street"] = "district"
    responsibilities: list[Responsibility] = Field(default_factory=list)
    accountability: str | None = None
    accountability_basis: str | None = None
    contact: str | None = Field(None, max_length=64)
    note: str | None = None
    is_demo: bool = False
    legal_basis: list[BasisIn] = Field(default_factory=list)


class PowerPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, min_length=1, max_length=200)
    sub_item: str | None = Field(None, max_length=200)
    power_type: PowerType | None = None
    body: str | None = Field(None, min_length=1, max_length=100)
    handling_unit: str | None = Field(None, max_length=100)
    level: Literal["city", "district", "street"] | None = None
    responsibilities: list[Responsibility] | None = None
    accountability: str | None = None
    accountability_basis: str | None = None
    contact: str | None = Field(None, max_length=64)
    note: str | None = None
    is_demo: bool | None = None
    is_active: bool | None = None


class TierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=16)
    conditions: str = Field("", max_length=2000)
    condition_keys: list[str] = Field(default_factory=list, max_length=20)
    is_default: bool = False
    fine_min: str | None = Field(None, description="yuan, decimal string")
    fine_max: str | None = None
    rate_min: str | None = Field(None, description="percent of rate_of")
    rate_max: str | None = None
    rate_of: str | None = Field(None, max_length=32)
    other_penalty: str | None = Field(None, max_length=200)
    note: str | None = None


class StandardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    actor_type: Literal["any", "person", "org"] = "any"
    title: str = Field(min_length=1, max_length=200)
    basis: str | None = None
    statutory_min: str | None = None
    statutory_max: str | None = None
    effective_from: date
    effective_to: date | None = None
    repeat_threshold: int = Field(3, ge=1, le=100)
    repeat_window_days: int = Field(365, ge=1, le=3650)
    first_violation_exempt: bool = False
    first_violation_window_days: int | None = Field(None, ge=1, le=3650)
    aggravating: dict[str, str] = Field(default_factory=dict)
    is_demo: bool = False
    tiers: list[TierIn] = Field(min_length=1, max_length=10)


class FactsIn(BaseModel):
    """The facts an officer establishes; ``party_id`` lets repetition and 首违 be counted from the record."""

    model_config = ConfigDict(extra="forbid")
    at: date | None = Field(None, description="date of the act (default today)")
    party_type: Literal["person", "org"] = "person"
    party_id: int | None = Field(None, ge=1, le=2**53)
    flags: list[str] = Field(default_factory=list, max_length=50)
    base_tier: str | None = None
    aggravating: list[str] = Field(default_factory=list, max_length=20)
    mitigating: list[str] = Field(default_factory=list, max_length=20)
    age: int | None = Field(None, ge=0, le=150)
    capacity: Literal["full", "partial", "none"] = "full"
    minor_violation: bool = False
    corrected_in_time: bool = False
    harm: Literal["none", "slight", "some", "serious"] = "none"
    no_fault: bool = False
    prior_violations: int | None = Field(None, ge=0)
    first_violation: bool | None = None
