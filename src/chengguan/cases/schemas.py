from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

Channel = Literal["patrol", "hotline", "public", "video", "leader", "media", "transfer", "exchange"]
Urgency = Literal["normal", "urgent", "very_urgent"]


class Reporter(BaseModel):
    name: str | None = Field(None, max_length=64)
    phone: str | None = Field(None, max_length=32, pattern=r"^[0-9+\-\s]{5,32}$")
    anonymous: bool = False


class ReportIn(BaseModel):
    category_code: str = Field(min_length=4, max_length=5, pattern=r"^\d{4,5}$",
                               description="GB/T 47678.5-2026 5-digit code (a 2013 4-digit code is mapped)")
    kind: Literal["component", "matter"] | None = None
    description: str = Field(min_length=1, max_length=2000)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    crs: Literal["wgs84", "gcj02", "bd09", "cgcs2000"] = "wgs84"
    address: str | None = Field(None, max_length=200)
    channel: Channel | None = None
    condition_code: int | None = Field(None, ge=1, le=99, description="立案条件 number")
    urgency: Urgency | None = None
    component_code: str | None = Field(None, pattern=r"^\d{17}$")
    reporter: Reporter | None = None
    photos: list[str] = Field(default_factory=list, max_length=9, description="file tokens from POST /api/v1/files")
    source: dict[str, Any] | None = Field(None, description="channel details: camera_id, confidence, frame …")
    self_dispose: bool = False
    after_photos: list[str] = Field(default_factory=list, max_length=9)

    @model_validator(mode="after")
    def _location(self) -> ReportIn:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("经度和纬度必须同时提供")
        if self.lon is None and not self.address and not self.component_code:
            raise ValueError("请提供位置：lon + lat、address 或 component_code")
        return self


class ActionIn(BaseModel):
    opinion: str | None = Field(None, max_length=2000)
    department_id: int | None = None
    department_ids: list[int] | None = Field(None, max_length=10)
    passed: bool | None = None
    until: datetime | None = None
    hours: float | None = Field(None, gt=0, le=2000)
    into: int | str | None = None
    photos: list[str] = Field(default_factory=list, max_length=9)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    category_code: str | None = Field(None, pattern=r"^\d{5}$")
    condition_code: int | None = Field(None, ge=1, le=99)
    urgency: Urgency | None = None
    rating: int | None = Field(None, ge=1, le=5)


class AssignmentOut(BaseModel):
    department_id: int
    department_name: str | None
    lead: bool
    state: str
    dispatched_at: datetime
    due_at: datetime | None
    fed_back_at: datetime | None
    rework: int


class EventOut(BaseModel):
    seq: int
    at: datetime
    action: str
    action_label: str
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    department_id: int | None
    from_status: str | None
    to_status: str | None
    step: str | None
    step_due_at: datetime | None
    met_deadline: bool | None
    opinion: str | None
    lon: float | None
    lat: float | None
    attachments: list[int]
    data: dict[str, Any]


class AttachmentOut(BaseModel):
    file_id: int
    stage: str
    kind: str
    content_type: str
    url: str
    thumb_url: str | None
    sha256: str


class RequestOut(BaseModel):
    id: int
    kind: str
    state: str
    department_id: int | None
    requested_at: datetime
    reason: str
    new_due_at: datetime | None


class CaseSummary(BaseModel):
    id: int
    case_no: str
    status: str
    status_label: str
    channel: str
    kind: str
    category_code: str
    category_name: str | None = None
    condition_code: int | None
    urgency: str
    description: str
    address: str | None
    lon: float
    lat: float
    grid_code: str
    street_code: str
    community_code: str
    reported_at: datetime
    step: str | None
    step_due_at: datetime | None
    dispose_due_at: datetime | None
    light: str | None
    urged: bool
    urge_note: str | None
    departments: list[str] = []
    pending_request: str | None = None
    photo_thumb_url: str | None = Field(None, description="the first report photo's thumbnail (lists only)")


class CaseOut(CaseSummary):
    public_code: str | None = None
    district_code: str
    region_class: int
    component_code: str | None
    reporter_name: str | None
    reporter_phone: str | None
    anonymous: bool
    source: dict[str, Any]
    verified: bool | None
    self_disposed: bool
    registered_at: datetime | None
    dispatched_at: datetime | None
    closed_at: datetime | None
    step_started_at: datetime | None
    paused: bool
    merged_into_id: int | None
    rating: int | None
    version: int
    assignments: list[AssignmentOut]
    pending_requests: list[RequestOut]
    attachments: list[AttachmentOut]
    timeline: list[EventOut]
    likely_duplicates: list[dict[str, Any]] = []
    allowed_actions: list[str] = []


class CasePage(BaseModel):
    items: list[CaseSummary]
    total: int | None
    page: int
    page_size: int


class TaskOut(BaseModel):
    id: int
    kind: str
    case: CaseSummary
    created_at: datetime
    due_at: datetime | None
    done_at: datetime | None


class FileOut(BaseModel):
    id: int
    token: str
    sha256: str
    kind: str
    content_type: str
    size: int
    url: str
    thumb_url: str | None
