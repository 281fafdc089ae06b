from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class PublicStep(BaseModel):
    at: datetime
    label: str
    text: str | None = None


class PublicPhoto(BaseModel):
    file_id: int
    stage: str  # report / feedback
    url: str
    thumb_url: str


class PublicCase(BaseModel):
    case_no: str
    status: str
    status_label: str
    finished: bool
    category_name: str | None
    description: str
    address: str | None
    reported_at: datetime
    closed_at: datetime | None
    departments: list[str]
    steps: list[PublicStep]
    photos: list[PublicPhoto]
    rating: int | None
    can_rate: bool
    merged_into: PublicCase | None = None


class RatingIn(BaseModel):
    code: str = Field(min_length=4, max_length=12, description="the query code shown when the report was made")
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(None, max_length=500)


class PublicReportIn(BaseModel):
    """A report from the public page or the mini program. Contact details are optional and never shown
    publicly; with ``anonymous`` they are not even kept."""

    category_code: str = Field(pattern=r"^\d{4,5}$")
    description: str = Field(min_length=2, max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09", "cgcs2000"] = "wgs84"
    address: str | None = Field(None, max_length=256)
    condition_code: int | None = Field(None, ge=1, le=99)
    photos: list[str] = Field(default_factory=list, max_length=9, description="tokens from POST /api/v1/files")
    name: str | None = Field(None, max_length=32)
    phone: str | None = Field(None, max_length=20)
    anonymous: bool = False
    via: Literal["web", "miniprogram"] = "web"


class PublicReportOut(BaseModel):
    case_no: str
    public_code: str
    status: str
    status_label: str
    follow_url: str
    message: str


class FollowUpIn(BaseModel):
    method: Literal["call", "visit", "sms", "other"] = "call"
    reached: bool = True
    satisfied: bool | None = None
    rating: int | None = Field(None, ge=1, le=5)
    note: str | None = Field(None, max_length=2000)


class FollowUpOut(BaseModel):
    id: int
    case_id: int
    method: str
    reached: bool
    satisfied: bool | None
    rating: int | None
    note: str | None
    by_name: str | None
    at: datetime


class BlockIn(BaseModel):
    kind: Literal["ip", "phone", "user"]
    value: str = Field(min_length=1, max_length=64)
    reason: str | None = Field(None, max_length=255)
    until: datetime | None = None


class AdjustIn(BaseModel):
    user_id: int
    points: int = Field(ge=-100000, le=100000)
    note: str = Field(min_length=1, max_length=255)


class SupervisorIn(BaseModel):
    is_active: bool = True
    note: str | None = Field(None, max_length=255)
