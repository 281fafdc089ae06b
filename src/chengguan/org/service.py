from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.geo import codes
from chengguan.org.models import DEPARTMENT_KINDS, DEPARTMENT_LEVELS, Department


def get(session: Session, dept_id: int) -> Department:
    d = session.get(Department, dept_id)
    if d is None:
        raise NotFound(f"部门 {dept_id} 不存在", code="unknown_department")
    return d


def by_key(session: Session, key: str) -> Department | None:
    return session.scalar(select(Department).where(Department.key == key))


def list_departments(session: Session, *, level: str | None = None, kind: str | None = None,
                     active_only: bool = True) -> list[Department]:
    stmt = select(Department)
    if active_only:
        stmt = stmt.where(Department.is_active.is_(True))
    if level:
        stmt = stmt.where(Department.level == level)
    if kind:
        stmt = stmt.where(Department.kind == kind)
    return list(session.scalars(stmt.order_by(Department.level, Department.id)))


def validate(values: dict[str, Any]) -> None:
    if values.get("level") is not None and values["level"] not in DEPARTMENT_LEVELS:
        raise Invalid(f"层级应为 {'/'.join(DEPARTMENT_LEVELS)} 之一")
    if values.get("kind") is not None and values["kind"] not in DEPARTMENT_KINDS:
        raise Invalid(f"类型应为 {'/'.join(DEPARTMENT_KINDS)} 之一")
    if values.get("uscc"):
        try:
            codes.parse_uscc(values["uscc"])
        except ValueError as exc:
            raise Invalid(str(exc), code="bad_uscc") from exc


def create(session: Session, **values: Any) -> Department:
    validate(values)
    if by_key(session, values["key"]) is not None:
        raise Conflict(f"部门标识 {values['key']} 已存在")
    if values.get("parent_id") is not None:
        get(session, values["parent_id"])
    d = Department(**values)
    session.add(d)
    session.flush()
    return d


def update(session: Session, dept: Department, changes: dict[str, Any]) -> Department:
    validate(changes)
    if changes.get("parent_id") is not None:
        # refuse cycles in the org tree
        p: Department | None = get(session, changes["parent_id"])
        while p is not None:
            if p.id == dept.id:
                raise Invalid("上级部门不能是自己或自己的下级")
            p = session.get(Department, p.parent_id) if p.parent_id else None
    for k, v in changes.items():
        setattr(dept, k, v)
    session.flush()
    return dept
