"""Request and response bodies of the duty API (separate from the models)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator


def _aware(v: datetime | None) -> datetime | None:
    if v is not None and v.tzinfo is None:
        raise ValueError("时间必须带时区（例如 +08:00）")
    return v


class DeviceIn(BaseModel):
    code: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    kind: Literal["phone", "radio", "bodycam", "vehicle"] = "phone"
    region_code: str = Field(min_length=6, max_length=12, pattern=r"^\d+$")
    user_id: int | None = None
    person_id: int | None = None
    equipment_id: int | None = None
    holder_name: str = Field("", max_length=64)


class DeviceActive(BaseModel):
    is_active: bool


class MemberIn(BaseModel):
    person_id: int
    is_leader: bool = False


class ShiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=64)
    kind: Literal["patrol", "duty24", "standby", "joint"] = "patrol"
    starts_at: datetime
    ends_at: datetime
    responsibility_grid_ids: list[int] = Field(default_factory=list, max_length=200)
    members: list[MemberIn] = Field(min_length=1, max_length=200)
    composition: dict[str, int] | None = Field(None, description="联勤编组规则（覆盖默认设置），如 {\"police\": 1, …}")
    operation_id: int | None = None
    note: str = Field("", max_length=2000)

    _aw = field_validator("starts_at", "ends_at")(_aware)


class RepeatIn(BaseModel):
    days: list[int] = Field(min_length=1, max_length=31, description="复制到之后第几天（1–31），如 [1,2,3,4,5,6]")

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 31 for d in v) or len(set(v)) != len(v):
            raise ValueError("天数应为 1–31 且不重复")
        return sorted(v)


class SwapIn(BaseModel):
    out_person_id: int
    in_person_id: int
    note: str = Field("", max_length=200)


class LeaveIn(BaseModel):
    person_id: int
    kind: Literal["personal", "sick", "annual", "other"] = "personal"
    starts_at: datetime
    ends_at: datetime
    reason: str = Field("", max_length=2000)

    _aw = field_validator("starts_at", "ends_at")(_aware)


class AgencyIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    kind: str = Field("", max_length=32)
    contact: str = Field("", max_length=64)
    people: int = Field(0, ge=0, le=100_000)


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    leader: str = Field("", max_length=64)
    agency: str = Field("", max_length=64)
    members: list[str] = Field(default_factory=list, max_length=500)
    shift_id: int | None = None


class OperationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=2, max_length=128)
    kind: str = Field("专项整治", max_length=32)
    goal: str = Field("", max_length=5000)
    region_code: str = Field(min_length=6, max_length=12, pattern=r"^\d+$")
    grid_codes: list[str] = Field(default_factory=list, max_length=5000)
    starts_at: datetime
    ends_at: datetime
    lead_agency: str = Field("", max_length=64)
    agencies: list[AgencyIn] = Field(default_factory=list, max_length=50)
    teams: list[TeamIn] = Field(default_factory=list, max_length=100)

    _aw = field_validator("starts_at", "ends_at")(_aware)


class OperationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, min_length=2, max_length=128)
    goal: str | None = Field(None, max_length=5000)
    status: Literal["planned", "active", "closed"] | None = None
    agencies: list[AgencyIn] | None = Field(None, max_length=50)
    teams: list[TeamIn] | None = Field(None, max_length=100)
    results: dict[str, int] | None = Field(None, description="手工登记的成果计数，如 {\"暂扣物品\": 12}")
    summary: str | None = Field(None, max_length=20000)


class TaskIn(BaseModel):
    title: str = Field(min_length=1, max_length=128)
    team: str = Field("", max_length=64)
    place: str = Field("", max_length=128)


class TaskPatch(BaseModel):
    status: Literal["open", "done", "cancelled"] | None = None
    result: str | None = Field(None, max_length=5000)


class CaseLinkIn(BaseModel):
    case_ids: list[int] = Field(min_length=1, max_length=500)


class DayQuery(BaseModel):
    day: date | None = None


Json = dict[str, Any]
