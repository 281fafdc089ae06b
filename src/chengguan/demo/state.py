"""Cheap questions about the demo state, kept apart from the generator so `chengguan up` starts fast."""

from __future__ import annotations

from sqlalchemy import func, select

from chengguan.accounts.models import User
from chengguan.core import db
from chengguan.geo.models import UnitGrid

DEMO_LOGINS: list[tuple[str, str]] = [
    ("admin", "系统管理员（应用维护）"), ("collector1", "监督员（城管通，负责城区中心网格）"),
    ("acceptor1", "受理员"), ("shiftlead1", "值班长"), ("dispatcher1", "派遣员"),
    ("dept1", "处置部门经办人（街道，处置占道经营）"), ("leader1", "领导"), ("officer1", "执法队员（持证）"),
    ("officer2", "执法队员（持证）"), ("assistant1", "协管员（无执法证）"), ("reviewer1", "法制审核员"),
    ("citizen1", "公众"),
]


def is_empty() -> bool:
    with db.session_scope(read_only=True) as s:
        return not (s.scalar(select(func.count()).select_from(User)) or s.scalar(
            select(func.count()).select_from(UnitGrid)))


def has_demo_accounts() -> bool:
    with db.session_scope(read_only=True) as s:
        return bool(s.scalar(select(func.count()).select_from(User).where(User.is_demo.is_(True))))
