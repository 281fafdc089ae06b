from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from chengguan.accounts.roles import Role
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.org import service

router = APIRouter(prefix="/api/v1/departments", tags=["organisation"])


class DepartmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    name: str
    short_name: str | None
    uscc: str | None
    level: str
    kind: str
    type_key: str | None
    parent_id: int | None
    region_code: str | None
    phone: str | None
    is_active: bool


class DepartmentIn(BaseModel):
    key: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_\-.]+$")
    name: str = Field(min_length=2, max_length=100)
    short_name: str | None = Field(None, max_length=32)
    uscc: str | None = None
    level: str
    kind: str
    type_key: str | None = None
    parent_id: int | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3}){0,2}$")
    phone: str | None = Field(None, max_length=32)


class DepartmentPatch(BaseModel):
    name: str | None = Field(None, min_length=2, max_length=100)
    short_name: str | None = None
    uscc: str | None = None
    level: str | None = None
    kind: str | None = None
    type_key: str | None = None
    parent_id: int | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3}){0,2}$")
    phone: str | None = None
    is_active: bool | None = None


@router.get("", response_model=list[DepartmentOut], operation_id="departments_list")
def departments_list(session: DbSession, user: CurrentUser, level: str | None = None,
                     kind: str | None = None) -> list[Any]:
    """The org tree (flat, with parent ids): supervision and command centres, departments, streets."""
    return service.list_departments(session, level=level, kind=kind)


@router.post("", response_model=DepartmentOut, status_code=201, operation_id="departments_create",
             dependencies=[require_roles(Role.ADMIN)])
def departments_create(session: DbSession, body: DepartmentIn) -> Any:
    return service.create(session, **body.model_dump())


@router.patch("/{dept_id}", response_model=DepartmentOut, operation_id="departments_update",
              dependencies=[require_roles(Role.ADMIN)])
def departments_update(session: DbSession, dept_id: int, body: DepartmentPatch) -> Any:
    return service.update(session, service.get(session, dept_id), body.model_dump(exclude_unset=True))
