from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class ItemIn(BaseModel):
    code: str | None = None
    text: str = Field(min_length=1, max_length=500)
    points: float = Field(gt=0, le=100)
    deduct_per: float | None = Field(default=None, gt=0)
    rule: str | None = None


class GroupIn(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    items: list[ItemIn] = Field(min_length=1)


class TemplateIn(BaseModel):
    name: str = Field(min_length=1, max_length=128)
    description: str | None = None
    full_score: float = Field(default=100.0, gt=0)
    groups: list[GroupIn] = Field(min_length=1)


class UnitIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    unit_class: str = Field(pattern="^[ABC]$")
    template_id: int
    department_id: int | None = None
    region_code: str | None = None


class NoticeIn(BaseModel):
    deadline: datetime | None = None
    requirement: str | None = None


class FindingIn(BaseModel):
    item_id: int
    count: int = Field(default=1, ge=1, le=100)
    place: str | None = Field(default=None, max_length=200)
    lon: float | None = None
    lat: float | None = None
    note: str | None = None
    photos: list[str] = Field(default_factory=list, max_length=9)
    notice: NoticeIn | None = None


class InspectionIn(BaseModel):
    unit_id: int
    place: str | None = Field(default=None, max_length=200)
    note: str | None = None
    findings: list[FindingIn] = Field(default_factory=list)


class FollowUpIn(BaseModel):
    passed: bool
    note: str | None = None
    photos: list[str] = Field(default_factory=list, max_length=9)


def dump(m: BaseModel) -> dict[str, Any]:
    return m.model_dump(exclude_none=True)
