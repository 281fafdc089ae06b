from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from chengguan.accounts.roles import Role
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.core.errors import Invalid
from chengguan.worktime import service
from chengguan.worktime.calendar import Unit

router = APIRouter(prefix="/api/v1/calendar", tags=["calendar"])


class DayIn(BaseModel):
    is_workday: bool
    name: str | None = Field(None, max_length=32)


class YearIn(BaseModel):
    note: str | None = Field(None, max_length=255)


@router.get("", operation_id="calendar_year")
def calendar_year(session: DbSession, user: CurrentUser, year: Annotated[int, Query(ge=2000, le=2100)]) -> dict[str, Any]:
    """Holidays and makeup working days of a year, the work windows, and whether the year has data."""
    return service.year_view(session, year)


@router.get("/compute", operation_id="calendar_compute")
def calendar_compute(session: DbSession, user: CurrentUser, start: datetime, amount: Annotated[float, Query(ge=0)],
                     unit: Unit) -> dict[str, Any]:
    """When is ``amount`` ``unit`` after ``start`` due? (For administrators checking a configuration.)"""
    if start.tzinfo is None:
        raise Invalid("start 必须带时区，例如 2026-10-01T09:00:00+08:00")
    cal = service.get_calendar(session)
    due = cal.add(start, amount, unit)
    return {"start": start, "amount": amount, "unit": unit, "due_at": due,
            "fallback_notice": cal.fallback_notice()}


@router.put("/days/{day}", operation_id="calendar_set_day", dependencies=[require_roles(Role.ADMIN)])
def calendar_set_day(session: DbSession, day: date, body: DayIn) -> dict[str, Any]:
    """Enter a holiday on a weekday or a makeup working day on a weekend (国务院办公厅通知)."""
    row = service.set_day(session, day, body.is_workday, body.name)
    return {"day": row.day.isoformat(), "is_workday": row.is_workday, "name": row.name}


@router.delete("/days/{day}", status_code=204, operation_id="calendar_remove_day",
               dependencies=[require_roles(Role.ADMIN)])
def calendar_remove_day(session: DbSession, day: date) -> None:
    service.remove_day(session, day)


@router.put("/years/{year}", operation_id="calendar_declare_year", dependencies=[require_roles(Role.ADMIN)])
def calendar_declare_year(session: DbSession, year: int, body: YearIn) -> dict[str, Any]:
    """Mark a year's holiday notice as completely entered."""
    service.declare_year(session, year, body.note)
    return {"year": year, "has_data": True}


@router.post("/sync", operation_id="calendar_sync", dependencies=[require_roles(Role.ADMIN)])
def calendar_sync(session: DbSession, years: Annotated[list[int], Query()]) -> dict[str, bool]:
    """Seed years from the chinese-calendar package; years it lacks are reported as false."""
    if not years or any(not 2000 <= y <= 2100 for y in years):
        raise Invalid("请给出 2000–2100 之间的年份")
    return {str(k): v for k, v in service.sync_from_package(session, years).items()}
