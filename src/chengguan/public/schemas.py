from __future__ import annotations

from datetime import datetime

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
