"""Roles of the platform. A role is granted per region (a division or grid code prefix) and,
for department handlers, per department. Labels are what the Chinese UI shows."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    COLLECTOR = "collector"
    ACCEPTOR = "acceptor"
    SHIFT_LEADER = "shift_leader"
    DISPATCHER = "dispatcher"
    DEPT_HANDLER = "dept_handler"
    LEADER = "leader"
    OFFICER = "officer"
    AUXILIARY = "auxiliary"
    LEGAL_REVIEWER = "legal_reviewer"
    ASSESSOR = "assessor"
    ADMIN = "admin"
    CITIZEN = "citizen"


ROLE_LABELS: dict[Role, str] = {
    Role.COLLECTOR: "监督员",
    Role.ACCEPTOR: "受理员",
    Role.SHIFT_LEADER: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.DEPT_HANDLER: "处置部门",
    Role.LEADER: "领导",
    Role.OFFICER: "执法队员",
    Role.AUXILIARY: "协管员",
    Role.LEGAL_REVIEWER: "法制审核员",
    Role.ASSESSOR: "考评员",
    Role.ADMIN: "系统管理员",
    Role.CITIZEN: "公众",
}

# Staff roles see cases across their region; citizens only their own reports.
STAFF_ROLES = frozenset(Role) - {Role.CITIZEN}
