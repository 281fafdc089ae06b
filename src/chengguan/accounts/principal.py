"""Who is calling, and what they may do where. Every permission check in the platform goes through this."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.core.errors import Forbidden


@dataclass(frozen=True)
class Grant:
    role: str
    region_code: str | None  # None: the whole city
    department_id: int | None


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    display_name: str
    department_id: int | None
    grants: tuple[Grant, ...]
    via: str = "bearer"  # bearer / cookie

    @property
    def roles(self) -> set[str]:
        return {g.role for g in self.grants}

    def has(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def covers(self, role: str, region_code: str | None) -> bool:
        """True if the caller holds ``role`` over the place ``region_code`` (a grid or division code).
        Codes are hierarchical prefixes (6 district / 9 street / 12 community / 15 grid)."""
        for g in self.grants:
            if g.role != role:
                continue
            if g.region_code is None:
                return True
            if region_code is not None and region_code.startswith(g.region_code):
                return True
        return False

    def departments(self, role: str = Role.DEPT_HANDLER) -> set[int]:
        out = {g.department_id for g in self.grants if g.role == role and g.department_id is not None}
        if self.has(role) and self.department_id is not None and not out:
            out.add(self.department_id)
        return out

    def regions(self, role: str) -> list[str | None]:
        return [g.region_code for g in self.grants if g.role == role]

    def require(self, roles: Iterable[str], region_code: str | None = None, what: str = "此操作") -> None:
        roles = list(roles)
        if region_code is None and self.has(*roles):
            return  # a role check with no place attached: holding the role anywhere is enough
        if any(self.covers(r, region_code) for r in roles):
            return
        labels = "、".join(ROLE_LABELS.get(Role(r), r) for r in roles if r in Role._value2member_map_)
        if self.has(*roles):
            raise Forbidden(f"{what}超出您的管辖区域", code="out_of_region")
        raise Forbidden(f"{what}需要以下角色之一：{labels}", code="role_required")
