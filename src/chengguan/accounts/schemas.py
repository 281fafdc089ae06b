from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class GrantIn(BaseModel):
    role: str
    region_code: str | None = None
    department_id: int | None = None


class GrantOut(GrantIn):
    label: str


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str
    department_id: int | None
    phone: str | None = None
    is_active: bool
    is_demo: bool
    roles: list[GrantOut] = []


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    display_name: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    department_id: int | None = None
    phone: str | None = Field(None, max_length=32)
    roles: list[GrantIn] = []


class UserUpdate(BaseModel):
    display_name: str | None = Field(None, min_length=1, max_length=64)
    department_id: int | None = None
    phone: str | None = Field(None, max_length=32)
    is_active: bool | None = None


class PasswordIn(BaseModel):
    password: str = Field(min_length=1, max_length=256)


class LoginIn(BaseModel):
    username: str
    password: str


class LoginOut(BaseModel):
    csrf_token: str
    user: UserOut


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
