"""Request bodies of the workforce API (validated here; 422 in the contract's shape when wrong)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

Kind = Literal["civil_servant", "managed", "institution", "auxiliary"]
Force = Literal["chengguan", "xieguan", "police", "aux_police"]
Status = Literal["in_post", "training", "suspended", "left"]
EquipmentType = Literal["vehicle", "motorcycle", "ebike", "radio", "body_camera", "dash_camera", "camera", "drone",
                        "other"]
EquipmentStatus = Literal["in_service", "idle", "in_repair", "lost", "scrapped"]

Phone = Field(None, pattern=r"^[0-9+\-() ]{5,32}$")


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PersonIn(_In):
    employee_no: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=64)
    gender: Literal["男", "女"] | None = None
    kind: Kind
    force: Force | None = Field(None, description="default: chengguan for formal staff, xieguan for auxiliaries")
    department_id: int | None = None
    street_code: str | None = Field(None, pattern=r"^\d{9}$")
    post: str = Field(min_length=1, max_length=32)
    status: Status = "in_post"
    photo: str | None = Field(None, max_length=100, description="upload token from POST /api/v1/files")
    phone: str | None = Phone
    joined_on: date | None = None
    user_id: int | None = None
    notes: str | None = Field(None, max_length=2000)


class PersonPatch(_In):
    employee_no: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=64)
    gender: Literal["男", "女"] | None = None
    kind: Kind | None = None
    force: Force | None = None
    department_id: int | None = None
    street_code: str | None = Field(None, pattern=r"^\d{9}$")
    post: str | None = Field(None, min_length=1, max_length=32)
    status: Status | None = None
    photo: str | None = Field(None, max_length=100, description="upload token from POST /api/v1/files")
    phone: str | None = Phone
    joined_on: date | None = None
    left_on: date | None = None
    user_id: int | None = None
    notes: str | None = Field(None, max_length=2000)


class CertificateIn(_In):
    number: str = Field(min_length=4, max_length=32, pattern=r"^[0-9A-Za-z\-]+$")
    issuing_body: str = Field(min_length=2, max_length=100)
    scope: str | None = Field(None, max_length=200)
    scopes: list[str] = Field(default_factory=list, max_length=50)
    valid_from: date
    valid_to: date

    @model_validator(mode="after")
    def _range(self) -> CertificateIn:
        if self.valid_to < self.valid_from:
            raise ValueError("有效期截止日不能早于起始日")
        return self


class RevokeIn(_In):
    reason: str = Field(min_length=1, max_length=200)


class RenewIn(_In):
    valid_to: date


class CourseIn(_In):
    code: str = Field(min_length=1, max_length=32)
    title: str = Field(min_length=1, max_length=100)
    kind: Literal["legal", "drill", "pre_post", "skill", "other"]
    hours: float = Field(2.0, gt=0, le=200)
    description: str | None = Field(None, max_length=2000)
    has_exam: bool = False
    pass_mark: float = Field(60.0, ge=0, le=100)


class TrainingSessionIn(_In):
    course_id: int
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    location: str | None = Field(None, max_length=100)
    trainer: str | None = Field(None, max_length=64)
    department_id: int | None = None


class AttendanceEntry(_In):
    person_id: int
    status: Literal["present", "late", "absent", "excused"] = "present"


class AttendanceIn(_In):
    entries: list[AttendanceEntry] = Field(min_length=1, max_length=5000)


class ExamIn(_In):
    title: str | None = Field(None, max_length=100)
    course_id: int | None = None
    session_id: int | None = None
    post: str | None = Field(None, max_length=32, description="the post this exam qualifies for (上岗考试)")
    taken_on: date
    score: float = Field(ge=0, le=100)
    pass_mark: float | None = Field(None, ge=0, le=100)


class PerformanceIn(_In):
    period: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")
    metric: str = Field(min_length=1, max_length=32)
    value: float = Field(ge=-1e9, le=1e9)
    note: str | None = Field(None, max_length=200)


class EquipmentIn(_In):
    code: str = Field(min_length=1, max_length=32)
    type: EquipmentType
    model: str | None = Field(None, max_length=64)
    device_id: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[0-9A-Za-z\-_.:]+$")
    plate_no: str | None = Field(None, max_length=16)
    department_id: int | None = None
    holder_id: int | None = None
    status: EquipmentStatus = "in_service"
    acquired_on: date | None = None
    notes: str | None = Field(None, max_length=2000)


class AssignIn(_In):
    holder_id: int | None = Field(None, description="the person who takes it; null returns it")
    note: str | None = Field(None, max_length=500)


class EquipmentEventIn(_In):
    kind: Literal["check", "maintenance", "repair", "status"]
    result: Literal["ok", "fault"] | None = None
    note: str | None = Field(None, max_length=500)
    cost: float | None = Field(None, ge=0, le=1e8)
    status: EquipmentStatus | None = None
    at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _status(self) -> EquipmentEventIn:
        if self.kind == "status" and self.status is None:
            raise ValueError("状态变更须给出新状态 status")
        if self.kind == "check" and self.result is None:
            raise ValueError("检查须给出结果 result（ok 或 fault）")
        return self


class MediaIn(_In):
    device_id: str = Field(min_length=1, max_length=64)
    file_id: int
    recorded_at: AwareDatetime
