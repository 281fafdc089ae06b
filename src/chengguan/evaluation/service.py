"""The evaluation engine: counts from the case event log → indicators → scores → composite → grade.

Every number is a count of ``case_events`` rows (joined to their case for place and channel) matching a
predicate, so every number can be listed (``drill``): the rows behind it are the same query.

Counting basis (setting ``evaluation.basis``):
- ``report`` (default, as the reference implementation): the cases *reported* in the period, with
  everything that happened to them up to now — rates stay within 0–100 % and converge once the
  period's cases are closed.
- ``due``: the actions that *happened* in the period, whatever case they belong to (the standard's
  "when the action falls due" reading) — a month's work, including older cases.

Where an event has no department (结案, 核查通过), the department is the one of the latest earlier event
of the same case that had one (the department that disposed of it). 按期结案 = closed and the latest
disposal feedback before closure met its deadline.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, overload
from typing import cast as typed  # sqlalchemy's cast is the SQL one

import numpy as np
from sqlalchemy import (
    BigInteger,
    Boolean,
    ColumnElement,
    String,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select

from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases.models import CHANNELS, INHERITS_DEPARTMENT, STATUSES, UNDO_SQL, Case, CaseEvent
from chengguan.cases.service import scope_filter
from chengguan.core.errors import Forbidden, Invalid, NotFound
from chengguan.evaluation import columnar
from chengguan.evaluation import formulas as fx
from chengguan.evaluation.formulas import Period
from chengguan.geo.models import Division, ResponsibilityAssignment, ResponsibilityGridCell, UnitGrid
from chengguan.org.models import Department
from chengguan.system import settings as cfg

VIEW_ROLES = (Role.LEADER, Role.ASSESSOR, Role.ADMIN, Role.SHIFT_LEADER)
LEVELS = ("region", "department", "post")
UNITS = {"grid": 15, "community": 12, "street": 9, "district": 6}
UNIT_LABELS = {"grid": "单元网格", "community": "社区", "street": "街道", "district": "区"}
POSTS = {"collector": "监督员", "acceptor": "受理员", "shift_leader": "值班长", "dispatcher": "派遣员"}

# ----------------------------------------------------------------------------------------- counts

F = aliased(CaseEvent, name="f")
_prev_dept = (select(F.department_id).where(F.case_id == CaseEvent.case_id, F.seq < CaseEvent.seq,
                                             F.department_id.is_not(None))
              .order_by(F.seq.desc()).limit(1).scalar_subquery())
_prev_fb_met = (select(F.met_deadline).where(F.case_id == CaseEvent.case_id, F.seq < CaseEvent.seq,
                                             F.action == "feedback")
                .order_by(F.seq.desc()).limit(1).scalar_subquery())
# 立案 undone later: voided after registration, or returned by the dispatcher to the shift leader.
_reg_undone = exists().where(F.case_id == CaseEvent.case_id, F.seq > CaseEvent.seq,
                             F.from_status == "registered", F.to_status.in_(("voided", "reported")))
# 派遣 undone later: the department handed it back (回退 approved → registered again).
_disp_undone = exists().where(F.case_id == CaseEvent.case_id, F.seq > CaseEvent.seq,
                              F.from_status == "dispatched", F.to_status == "registered")


@dataclass(frozen=True)
class CountDef:
    label: str
    pred: Callable[[Any], ColumnElement[bool]]


def _a(*names: str) -> Callable[[Any], ColumnElement[bool]]:
    return lambda c: c.action.in_(names) if len(names) > 1 else c.action == names[0]


# Every action a count looks at: the facts are restricted to them, so the period filter on events can use the
# (action, at) index instead of scanning the whole log.
ACTIONS = ("report", "request-verify", "verify", "register", "reject", "void", "merge", "suspend", "approve-suspend",
           "dispatch", "return", "approve-return", "feedback", "approve-extension", "check", "close",
           "self-dispose", "urge")
# The facts in two disjoint halves of about the same size (a month at 1M cases: ~250k event rows each), which
# PostgreSQL computes at once on two connections; each half reads only its actions from (action, at).
SPLIT_ACTIONS = (("report", "feedback", "check", "self-dispose", "merge", "void", "suspend", "urge"),
                 tuple(a for a in ACTIONS if a not in ("report", "feedback", "check", "self-dispose", "merge", "void",
                                                       "suspend", "urge")))
PATROL_CHANNELS = ("patrol",)
DISCOVERY_CHANNELS = ("patrol", "video")

COUNTS: dict[str, CountDef] = {
    "reports": CountDef("上报数", _a("report")),
    "patrol_reports": CountDef("监督员上报数", lambda c: and_(c.action == "report", c.channel.in_(PATROL_CHANNELS))),
    "public_reports": CountDef("公众举报数", lambda c: and_(c.action == "report", c.channel.not_in(PATROL_CHANNELS))),
    "discovered": CountDef("主动发现数", lambda c: and_(c.action == "report", c.channel.in_(DISCOVERY_CHANNELS))),
    "accepted": CountDef("受理数", lambda c: and_(c.actor_role == "acceptor", c.action.in_(
        ("request-verify", "register", "reject", "void", "merge")))),
    "verify_requests": CountDef("核实派发数", _a("request-verify")),
    "verify_requests_on_time": CountDef("核实按时派发数", lambda c: and_(c.action == "request-verify", c.met.is_(True))),
    "verified": CountDef("核实数", _a("verify")),
    "verified_on_time": CountDef("按时核实数", lambda c: and_(c.action == "verify", c.met.is_(True))),
    "registered": CountDef("立案数", _a("register")),
    "registered_on_time": CountDef("按时立案数", lambda c: and_(c.action == "register", c.met.is_(True))),
    "registered_accurate": CountDef("准确立案数", lambda c: and_(c.action == "register", c.undone.is_(False))),
    "registered_patrol": CountDef("有效上报数", lambda c: and_(c.action == "register", c.channel.in_(PATROL_CHANNELS))),
    "registered_public": CountDef("监督举报核实数", lambda c: and_(c.action == "register",
                                                            c.channel.not_in(PATROL_CHANNELS))),
    "rejected": CountDef("不予立案数", _a("reject")),
    "voided_registered": CountDef("立案后作废数", lambda c: and_(c.action == "void", c.from_status == "registered")),
    "suspended": CountDef("挂账数", _a("suspend", "approve-suspend")),
    "dispatched": CountDef("派遣数", _a("dispatch")),
    "dispatched_on_time": CountDef("按时派遣数", lambda c: and_(c.action == "dispatch", c.met.is_(True))),
    "dispatched_accurate": CountDef("准确派遣数", lambda c: and_(c.action == "dispatch", c.undone.is_(False))),
    "returned": CountDef("回退数", lambda c: and_(c.from_status == "dispatched", c.to_status == "registered")),
    "tasks": CountDef("应处置数", lambda c: or_(c.action == "dispatch",
                                              and_(c.action == "check", c.to_status == "dispatched"))),
    "disposed": CountDef("处置数", _a("feedback")),
    "disposed_on_time": CountDef("按期处置数", lambda c: and_(c.action == "feedback", c.met.is_(True))),
    "disposed_late": CountDef("超期处置数", lambda c: and_(c.action == "feedback", c.met.is_(False))),
    "extensions": CountDef("延期数", _a("approve-extension")),
    "checks": CountDef("核查数", _a("check")),
    "checks_on_time": CountDef("按时核查数", lambda c: and_(c.action == "check", c.met.is_(True))),
    "rework": CountDef("返工数", lambda c: and_(c.action == "check", c.to_status == "dispatched")),
    "closed": CountDef("结案数", _a("close")),
    "closed_on_time": CountDef("按期结案数", lambda c: and_(c.action == "close", c.fb_ok.is_(True))),
    "closed_step_on_time": CountDef("按时结案数", lambda c: and_(c.action == "close", c.met.is_(True))),
    "self_disposed": CountDef("自行处置数", _a("self-dispose")),
    "urged": CountDef("督办数", _a("urge")),
    # 7:2:1 outcome mix of closed cases (see OUTCOMES): 服务 / 管理 / 执法.
    "outcome_service": CountDef("服务类结案数", lambda c: and_(c.action.in_(("close", "self-dispose")),
                                                          c.outcome == "service")),
    "outcome_management": CountDef("管理类结案数", lambda c: and_(c.action.in_(("close", "self-dispose")),
                                                             c.outcome == "management")),
    "outcome_enforcement": CountDef("执法类结案数", lambda c: and_(c.action.in_(("close", "self-dispose")),
                                                              c.outcome == "enforcement")),
}


@dataclass(frozen=True)
class IndicatorDef:
    label: str
    kind: str  # rate | volume | ratio
    num: str | None = None
    den: str | None = None
    good: bool = True
    table: str | None = None  # volume: score table key
    help: str = ""


INDICATORS: dict[str, IndicatorDef] = {
    "valid_report_rate": IndicatorDef("有效上报率", "rate", "registered_patrol", "patrol_reports"),
    "missed_rate": IndicatorDef("漏报率", "rate", "missed", "grid_registered", good=False,
                                help="责任网格内经核实立案的公众举报 / 责任网格立案数"),
    "verify_on_time_rate": IndicatorDef("按时核实率", "rate", "verified_on_time", "verified"),
    "check_on_time_rate": IndicatorDef("按时核查率", "rate", "checks_on_time", "checks"),
    "accept_volume": IndicatorDef("受理数分值", "volume", "accepted", table="volume"),
    "verify_dispatch_on_time_rate": IndicatorDef("核实按时派发率", "rate", "verify_requests_on_time",
                                                 "verify_requests"),
    "check_dispatch_on_time_rate": IndicatorDef(
        "核查按时派发率", "rate", None, None,
        help="本系统在处置反馈时自动派发核查任务，没有人工派发环节，该指标无数据（权重按比例分摊）"),
    "register_on_time_rate": IndicatorDef("按时立案率", "rate", "registered_on_time", "registered"),
    "register_accuracy": IndicatorDef("准确立案率", "rate", "registered_accurate", "registered",
                                      help="立案后未被作废、未被派遣员回退的立案 / 立案数"),
    "close_step_on_time_rate": IndicatorDef("按时结案率", "rate", "closed_step_on_time", "closed"),
    "dispatch_volume": IndicatorDef("派遣数分值", "volume", "dispatched", table="volume"),
    "dispatch_on_time_rate": IndicatorDef("按时派遣率", "rate", "dispatched_on_time", "dispatched"),
    "dispatch_accuracy": IndicatorDef("准确派遣率", "rate", "dispatched_accurate", "dispatched",
                                      help="未被处置部门回退的派遣 / 派遣数"),
    "public_report_rate": IndicatorDef("监督举报率", "rate", "registered_public", "registered", good=False),
    "register_volume": IndicatorDef("立案数分值", "volume", "registered", table="region",
                                    help="区域：每个单元网格的平均立案数按一类/二类区域分值表计分；部门：派遣数按部门分值表"),
    "close_rate": IndicatorDef("结案率", "rate", "closed", "should_close"),
    "close_on_time_rate": IndicatorDef("按期结案率", "rate", "closed_on_time", "should_close"),
    "dispose_on_time_rate": IndicatorDef("按期处置率", "rate", "disposed_on_time", "tasks"),
    "rework_rate": IndicatorDef("返工率", "rate", "rework", "should_close", good=False),
    "extension_rate": IndicatorDef("延期率", "rate", "extensions", "tasks", good=False),
    "return_rate": IndicatorDef("回退率", "rate", "returned", "dispatched", good=False),
    "discovery_rate": IndicatorDef("发现率", "rate", "discovered", "reports",
                                   help="监督员巡查与视频主动发现的问题 / 全部问题"),
    "disposal_rate": IndicatorDef("处置率", "rate", "disposed", "tasks"),
    "rectification_rate": IndicatorDef("整改率", "rate", "closed", "registered",
                                       help="已整改结案的问题 / 立案问题"),
    "outcome_ratio": IndicatorDef("服务:管理:执法", "ratio",
                                  help="结案问题按服务/管理/执法分类的比例与目标 7:2:1 的接近程度（100 = 完全一致）"),
}

LEVEL_COUNTS = {
    "region": ["reports", "patrol_reports", "public_reports", "discovered", "registered", "registered_public",
               "voided_registered", "suspended", "should_close", "closed", "closed_on_time", "tasks", "disposed",
               "disposed_on_time", "disposed_late", "rework", "extensions", "self_disposed",
               "outcome_service", "outcome_management", "outcome_enforcement"],
    "department": ["dispatched", "returned", "should_close", "closed", "closed_on_time", "tasks", "disposed",
                   "disposed_on_time", "disposed_late", "rework", "extensions"],
    "collector": ["patrol_reports", "registered_patrol", "self_disposed", "verified", "verified_on_time", "checks",
                  "checks_on_time", "grid_registered", "missed"],
    "acceptor": ["accepted", "verify_requests", "verify_requests_on_time"],
    "shift_leader": ["registered", "registered_on_time", "registered_accurate", "closed", "closed_step_on_time"],
    "dispatcher": ["dispatched", "dispatched_on_time", "dispatched_accurate"],
}
LEVEL_INDICATORS = {
    "region": ["public_report_rate", "register_volume", "close_rate", "close_on_time_rate", "discovery_rate",
               "disposal_rate", "rectification_rate", "dispose_on_time_rate", "rework_rate", "extension_rate",
               "outcome_ratio"],
    "department": ["register_volume", "close_rate", "close_on_time_rate", "dispose_on_time_rate", "rework_rate",
                   "disposal_rate", "extension_rate", "return_rate"],
    "collector": ["valid_report_rate", "missed_rate", "verify_on_time_rate", "check_on_time_rate"],
    "acceptor": ["accept_volume", "verify_dispatch_on_time_rate", "check_dispatch_on_time_rate"],
    "shift_leader": ["register_on_time_rate", "register_accuracy", "close_step_on_time_rate"],
    "dispatcher": ["dispatch_volume", "dispatch_on_time_rate", "dispatch_accuracy"],
}

# ----------------------------------------------------------------------------------------- settings

BASIS = cfg.define(
    "evaluation.basis", "report",
    "综合评价计数口径：report（按上报时间：统计期内上报的案件及其至今的全部办理环节，参考实现口径）"
    "或 due（按发生/到期时间：统计期内发生的各环节动作）。", "综合评价")
WEIGHTS = cfg.define("evaluation.weights", {
    "region_1": {"public_report_rate": 10, "register_volume": 20, "close_rate": 30, "close_on_time_rate": 40},
    "region_2": {"public_report_rate": 10, "register_volume": 20, "close_rate": 30},
    "department": {"register_volume": 10, "close_rate": 30, "dispose_on_time_rate": 30, "rework_rate": 30},
    "collector": {"valid_report_rate": 40, "missed_rate": 20, "verify_on_time_rate": 20, "check_on_time_rate": 20},
    "acceptor": {"accept_volume": 25, "verify_dispatch_on_time_rate": 40, "check_dispatch_on_time_rate": 35},
    "shift_leader": {"register_on_time_rate": 25, "register_accuracy": 40, "close_step_on_time_rate": 35},
    "dispatcher": {"dispatch_volume": 20, "dispatch_on_time_rate": 40, "dispatch_accuracy": 40},
}, "综合指标值权重（GB/T 30428.4 / CJ/T 292 参考实现）。区域一类原注释权重合计仅 70%，按期结案率取 40%（推断）；"
   "二类区域不计按期结案率，缺项权重按比例分摊。可加入任意指标（如 discovery_rate 发现率、outcome_ratio 7:2:1）。",
   "综合评价")
SCORE_TABLES = cfg.define("evaluation.score_tables", {
    "region_1": [[0, 0, 100], [1, 2, 90], [3, 4, 75], [5, 6, 60], [7, 8, 40], [9, None, 0]],
    "region_2": [[0, 0, 100], [1, 3, 90], [4, 5, 75], [6, 7, 60], [8, 9, 40], [10, None, 0]],
    "department": [[0, 50, 100], [51, 100, 90], [101, 200, 75], [201, 500, 60], [501, 1000, 40], [1001, None, 0]],
    "volume": [[2001, None, 100], [1201, 2000, 90], [501, 1200, 75], [301, 500, 60], [101, 300, 40], [0, 100, 0]],
}, "数量类指标分值表 [[下限, 上限(null=不封顶), 分值], …]（含端点）。region_1/region_2：每单元网格月立案数"
   "（一类/二类区域；统计期不是一个月时按月数折算）；department：部门月派遣数；volume：受理数/派遣数（岗位）。",
   "综合评价")
GRADES = cfg.define("evaluation.grades", fx.DEFAULT_GRADES,
                    "评价等级 [[等级, 综合指标值下限], …]：A ≥ 90 绿，B ≥ 75 蓝，C ≥ 60 黄，D ≥ 40 红，E 黑。",
                    "综合评价", verified=True)
DERIVED = cfg.define("evaluation.derived_counts", {
    "region": {"should_close": ["registered", "-voided_registered", "-suspended"]},
    "department": {"should_close": ["dispatched", "-returned"]},
}, "派生计数（分母）：应结案数等 = 各计数之和/差，例如区域 应结案数 = 立案数 − 立案后作废数 − 挂账数"
   "（挂账核减见参考实现）。", "综合评价")
DENOMINATORS = cfg.define("evaluation.denominators", {"rework_rate": "should_close"},
                          "指标分母的改写 {指标: 计数}，例如返工率分母改为处置数：{\"rework_rate\": \"disposed\"}。",
                          "综合评价")
OUTCOMES = cfg.define("evaluation.outcomes", {
    "target": {"service": 7, "management": 2, "enforcement": 1},
    "enforcement_department_kinds": ["enforcement"],
    "service_kinds": ["component"],
    "service_self_disposed": True,
}, "7:2:1 服务/管理/执法 结案分类：处置部门类型为执法的为执法类；部件类（设施维护）和监督员自行处置为服务类；"
   "其余为管理类。target 为目标比例。", "综合评价")

# ----------------------------------------------------------------------------------------- facts


def _settings(session: Session) -> dict[str, Any]:
    return {k: cfg.value(session, d.key) for k, d in (
        ("basis", BASIS), ("weights", WEIGHTS), ("tables", SCORE_TABLES), ("grades", GRADES),
        ("derived", DERIVED), ("dens", DENOMINATORS), ("outcomes", OUTCOMES))}


def _facts(session: Session, p: Principal | None, per: Period, basis: str, outcomes: dict[str, Any],
           reference: bool = False, actions: Sequence[str] = ACTIONS) -> Any:
    """The event rows of the period with what the predicates need (a SELECT; wrap as subquery or CTE).

    The department of 结案/核查 and 按期结案 are facts the event recorded when it was written
    (``case_department_id``, ``feedback_met``); 准确立案/派遣 need the case's later events: the few undoing
    events are grouped per case (partial index ``ix_case_events_undo``) and hash-joined. ``reference``: the
    original derivation with a correlated look-up per event row, kept as the tests' oracle."""
    undo = None
    if reference:
        dept = func.coalesce(CaseEvent.department_id, case((CaseEvent.action.in_(INHERITS_DEPARTMENT), _prev_dept),
                                                            else_=None))
        fb_ok = case((CaseEvent.action == "close", _prev_fb_met), else_=None)
        undone = case((CaseEvent.action == "register", _reg_undone), (CaseEvent.action == "dispatch", _disp_undone),
                      else_=False)
    else:
        dept = func.coalesce(CaseEvent.department_id, CaseEvent.case_department_id)
        fb_ok = case((CaseEvent.action == "close", CaseEvent.feedback_met), else_=None)
        reg_undo = and_(F.from_status == "registered", F.to_status.in_(("voided", "reported")))
        undo_sel = (select(F.case_id, func.max(case((reg_undo, F.seq), else_=None)).label("reg"),
                           func.max(case((and_(F.from_status == "dispatched", F.to_status == "registered"), F.seq),
                                         else_=None)).label("disp"))
                    .where(UNDO_SQL).group_by(F.case_id))
        if basis != "due":  # by report time every event of the period's cases is from the start on (see below)
            undo_sel = undo_sel.where(F.at >= per.since)
        undo = undo_sel.subquery("undo")
        undone = case((CaseEvent.action == "register", func.coalesce(undo.c.reg > CaseEvent.seq, False)),
                      (CaseEvent.action == "dispatch", func.coalesce(undo.c.disp > CaseEvent.seq, False)),
                      else_=False)
    enf_kinds = list(outcomes.get("enforcement_department_kinds") or ["enforcement"])
    enf_depts = select(Department.id).where(Department.kind.in_(enf_kinds))
    outcome = case(
        (and_(CaseEvent.action == "self-dispose", literal(bool(outcomes.get("service_self_disposed", True)))),
         "service"),
        (dept.in_(enf_depts), "enforcement"),
        (Case.kind.in_(list(outcomes.get("service_kinds") or ["component"])), "service"),
        else_="management")
    stmt = (
        select(
            CaseEvent.id.label("event_id"), CaseEvent.case_id, CaseEvent.at, CaseEvent.action,
            CaseEvent.met_deadline.label("met"), CaseEvent.from_status, CaseEvent.to_status,
            CaseEvent.actor_id, CaseEvent.actor_role, dept.label("dept"),
            Case.channel, Case.kind, Case.grid_code, Case.region_class, Case.reporter_user_id,
            fb_ok.label("fb_ok"), undone.label("undone"),
            case((CaseEvent.action.in_(("close", "self-dispose")), outcome), else_=None).label("outcome"),
        )
        .select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.action.in_(actions))
    )
    if undo is not None:
        stmt = stmt.outerjoin(undo, undo.c.case_id == CaseEvent.case_id)
    if basis == "due":
        stmt = stmt.where(CaseEvent.at >= per.since, CaseEvent.at < per.until)
    else:
        # No event predates its case's report (workflow refuses it), so the events of the cases reported in the
        # period are all at or after its start: the redundant bound lets PostgreSQL read the events from the
        # period on through ix_case_events_action_at instead of scanning the whole log (3× at 1M cases).
        stmt = stmt.where(Case.reported_at >= per.since, Case.reported_at < per.until)
        if not reference:  # the oracle keeps the plain definition: the tests compare the two
            stmt = stmt.where(CaseEvent.at >= per.since)
    if p is not None:
        stmt = scope_filter(typed(Select[Any], stmt), p)
    return stmt


def _branch_names(s: dict[str, Any], branch: str) -> list[str]:
    if branch == "grid":
        return _base_counts(LEVEL_COUNTS["region"], s["derived"].get("region", {}))
    if branch == "dept":
        return _base_counts(LEVEL_COUNTS["department"], s["derived"].get("department", {}))
    if branch == "post":
        return sorted({n for post in POSTS for n in LEVEL_COUNTS[post] if n in COUNTS})
    if branch == "resp":
        return ["registered", "registered_public"]
    return ["registered_patrol"]  # reporter


@dataclass
class GridCounts:
    """The ``grid`` branch of a scan as columns: one row per unit grid with events (the fast path scores and
    rolls up ~56k grids of a large city with numpy instead of a dict per grid)."""

    names: list[str]
    codes: list[str]
    m: Any  # numpy int64 array, len(codes) × len(names)

    def column(self, name: str) -> dict[str, int]:
        if name not in self.names or not self.codes:
            return {}
        return dict(zip(self.codes, self.m[:, self.names.index(name)].tolist(), strict=True))

    def as_dicts(self) -> dict[Any, dict[str, int]]:
        return {c: dict(zip(self.names, r, strict=True)) for c, r in zip(self.codes, self.m.tolist(), strict=True)}


# What the count predicates read of a fact, with the values each can take (``columnar``: the fast path sends
# codes of these and evaluates the predicates once per distinct combination).
FACT_ATTRS = (
    columnar.Attr("action", String, ACTIONS), columnar.Attr("met", Boolean),  # the facts keep ACTIONS only
    columnar.Attr("from_status", String, STATUSES, guard=True), columnar.Attr("to_status", String, STATUSES, guard=True),
    columnar.Attr("actor_role", String, (*(r.value for r in Role), "public", "system"), guard=True),
    columnar.Attr("channel", String, CHANNELS),  # cases.channel has a CHECK constraint
    columnar.Attr("fb_ok", Boolean), columnar.Attr("undone", Boolean),
    columnar.Attr("outcome", String, ("service", "management", "enforcement")),
)


def _scan(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
          branches: list[str], reference: bool = False) -> dict[str, Any]:
    """Grouped counts of the period's facts for each branch — ``grid`` (by unit grid, as ``GridCounts``),
    ``dept``, ``post`` (by role and actor), ``reporter`` and ``resp`` (each collector's responsibility grids):
    the facts fetched once as columns and summed with numpy (``columnar``). ``reference``: ONE SQL statement,
    the facts a materialised CTE and each branch a GROUP BY over it (UNION ALL), the grid as a dict per grid."""
    if not reference:
        return _scan_columns(session, p, per, s, branches)
    facts_sel = _facts(session, p, per, s["basis"], s["outcomes"], reference)
    facts = facts_sel.cte("facts").prefix_with("MATERIALIZED") if len(branches) > 1 else facts_sel.subquery("facts")
    names = list(dict.fromkeys(n for b in branches for n in _branch_names(s, b)))
    no_text, no_int = cast(null(), String(15)), cast(null(), BigInteger)

    def sums(b: str) -> list[Any]:  # each branch sums only its own counts (NULL for the others' columns)
        mine = set(_branch_names(s, b))
        return [(func.sum(case((COUNTS[n].pred(facts.c), 1), else_=0)) if n in mine else no_int).label(n)
                for n in names]

    keys = {"grid": (facts.c.grid_code, no_int), "dept": (no_text, facts.c.dept),
            "post": (facts.c.actor_role, facts.c.actor_id), "reporter": (no_text, facts.c.reporter_user_id)}
    parts = []
    for b in branches:
        if b == "resp":  # 立案 in each collector's responsibility grids (漏报率), by a join in the database
            pairs = _responsibility(per).distinct().subquery("resp")
            parts.append(select(literal(b).label("b"), no_text.label("k1"), pairs.c.user_id.label("k2"), *sums(b))
                         .select_from(facts).join(pairs, pairs.c.grid_code == facts.c.grid_code)
                         .where(facts.c.action == "register").group_by(pairs.c.user_id))
            continue
        k1, k2 = keys[b]
        grp = [k for k in (k1, k2) if k is not no_text and k is not no_int]
        parts.append(select(literal(b).label("b"), k1.label("k1"), k2.label("k2"), *sums(b)).group_by(*grp))
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    out: dict[str, Any] = {b: {} for b in branches}
    wanted = {b: [(names.index(n) + 3, n) for n in _branch_names(s, b)] for b in branches}
    with _analytic(session):
        result = session.execute(stmt).all()  # .all(): one fetch, not a round of the driver per row
    for row in result:
        b = row[0]
        key = row[1] if b == "grid" else (row[1], row[2]) if b == "post" else row[2]
        out[b][key] = {n: int(row[i] or 0) for i, n in wanted[b]}
    return out


def _scan_columns(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
                  branches: list[str]) -> dict[str, Any]:
    """``_scan`` on columns: one fetch of the facts, the predicates per attribute combination, numpy sums."""
    def facts(actions: Sequence[str] = ACTIONS) -> Any:
        return _facts(session, p, per, s["basis"], s["outcomes"], actions=actions)

    parts = [facts(a) for a in SPLIT_ACTIONS]
    cells: list[tuple[int, Any]] = []

    def meanwhile() -> None:  # on the session's connection while the helpers compute the facts
        cells.extend(_resp_cells(session, per) if "resp" in branches else [])

    with _analytic(session):
        fa = columnar.fetch(session, facts(), FACT_ATTRS, UNITS["grid"], parts=parts, settings=ANALYTIC_SETTINGS,
                            meanwhile=meanwhile)
    resp_names = _branch_names(s, "resp")
    per_branch = {b: _branch_names(s, b) for b in branches if b != "resp"}
    if "resp" in branches:  # summed from the grid counts: make sure the grid branch carries them
        per_branch["grid"] = list(dict.fromkeys([*per_branch.get("grid", []), *resp_names]))
    names = list(dict.fromkeys(n for ns in per_branch.values() for n in ns))
    truth = columnar.truth(session, FACT_ATTRS, fa.combos, {n: COUNTS[n].pred for n in names})
    at = {n: i for i, n in enumerate(names)}

    def sums(b: str, keys: Any) -> tuple[list[Any], Any]:
        values, kinv = columnar.dense(keys)
        return values.tolist(), columnar.group(kinv, len(values), fa.combo, truth[:, [at[n] for n in per_branch[b]]])

    def as_dicts(b: str, keys: list[Any], m: Any) -> dict[Any, dict[str, int]]:
        return {k: dict(zip(per_branch[b], r, strict=True)) for k, r in zip(keys, m.tolist(), strict=True)}

    out: dict[str, Any] = {}
    if "grid" in per_branch:
        codes, ginv = columnar.dense_codes(fa.grid)
        gm = columnar.group(ginv, len(codes), fa.combo, truth[:, [at[n] for n in per_branch["grid"]]])
        gcodes = [c.decode() if isinstance(c, bytes) else c for c in codes.tolist()]
        if "grid" in branches:
            gnames = _branch_names(s, "grid")
            out["grid"] = GridCounts(gnames, gcodes, gm[:, [per_branch["grid"].index(n) for n in gnames]])
        if "resp" in branches:
            out["resp"] = _resp_counts(cells, gcodes, gm[:, [per_branch["grid"].index(n) for n in resp_names]],
                                       resp_names)
    if "dept" in per_branch:
        k, m = sums("dept", fa.dept)
        out["dept"] = as_dicts("dept", [None if x < 0 else x for x in k], m)
    if "reporter" in per_branch:
        k, m = sums("reporter", fa.reporter)
        out["reporter"] = as_dicts("reporter", [None if x < 0 else x for x in k], m)
    if "post" in per_branch:
        role = next(a for a in FACT_ATTRS if a.name == "actor_role")
        k, m = sums("post", (fa.actor + 1) * role.base + fa.role)
        keys = [(role.decode(x % role.base), None if x // role.base == 0 else x // role.base - 1) for x in k]
        out["post"] = as_dicts("post", keys, m)
    return out


def _resp_cells(session: Session, per: Period) -> list[tuple[int, Any]]:
    """Per collector, the unit grid codes (a numpy array) of the responsibility grids assigned during the period,
    each (collector, grid) once. ~127k cells in a large city: on PostgreSQL each collector's cells come as one
    packed string of fixed-width codes."""
    width = UNITS["grid"]
    pairs = _responsibility(per).distinct().subquery("pairs")
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(select(pairs.c.user_id, func.bool_and(func.octet_length(pairs.c.grid_code) == width),
                                      func.string_agg(func.textsend(pairs.c.grid_code), literal_column("''::bytea")))
                               .group_by(pairs.c.user_id)).all()
        if all(r[1] for r in rows):
            return [(r[0], np.frombuffer(r[2], dtype=f"S{width}")) for r in rows]
    grids_of: dict[int, list[str]] = defaultdict(list)
    for row in session.execute(select(pairs.c.user_id, pairs.c.grid_code)).all():
        uid, g = typed("tuple[int, str]", tuple(row))
        grids_of[uid].append(g)
    return [(uid, np.array(gs, dtype=str)) for uid, gs in grids_of.items()]


def _resp_counts(per_user: list[tuple[int, Any]], codes: list[str], m: Any,
                 names: list[str]) -> dict[Any, dict[str, int]]:
    """Per collector, the sums of the grid rows (``codes``, matrix ``m``) of the collector's cells, matched with
    a binary search."""
    if not codes or not per_user:
        return {}
    packed = per_user[0][1].dtype.kind == "S"
    table = np.array([c.encode() for c in codes] if packed else codes)
    order = np.argsort(table)
    common = table.dtype
    for _, gs in per_user:
        common = np.promote_types(common, gs.dtype)  # the longest width: no code is cut
    ordered = table[order].astype(common)
    out: dict[Any, dict[str, int]] = {}
    for uid, gs in per_user:
        gs = gs.astype(common, copy=False)
        pos = np.minimum(np.searchsorted(ordered, gs), len(ordered) - 1)
        hit = order[pos[ordered[pos] == gs]]
        out[uid] = dict(zip(names, m[hit].sum(axis=0).tolist(), strict=True))
    return out


# PostgreSQL settings for the analytic statements: JIT compiling their ~100 expressions cost more than the
# whole query (measured ~6 s at 1M cases), the grid GROUP BY (reference path) spills to disk with the default
# work_mem, and the facts' parallelism is our two halves on two connections (PostgreSQL's own workers for each
# would only compete with them for the same cores).
ANALYTIC_SETTINGS = {"jit": "off", "work_mem": "64MB", "max_parallel_workers_per_gather": "0"}


@contextmanager
def _analytic(session: Session) -> Iterator[None]:
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    before: dict[str, Any] = {k: session.execute(text("SELECT current_setting(:k)"), {"k": k}).scalar_one() for k in ANALYTIC_SETTINGS}
    for k, v in ANALYTIC_SETTINGS.items():
        session.execute(text("SELECT set_config(:k, :v, true)"), {"k": k, "v": v})
    try:
        yield
    finally:
        for k, v in before.items():
            session.execute(text("SELECT set_config(:k, :v, true)"), {"k": k, "v": v})


def _derive(counts: dict[str, int], derived: dict[str, list[str]]) -> None:
    for name, terms in derived.items():
        total = 0
        for t in terms:
            sign = -1 if t.startswith("-") else 1
            total += sign * counts.get(t.lstrip("+-"), 0)
        counts[name] = max(total, 0)


def _base_counts(names: list[str], derived: dict[str, list[str]]) -> list[str]:
    out: list[str] = []
    for n in names:
        if n in COUNTS:
            out.append(n)
        for t in derived.get(n, []):
            t = t.lstrip("+-")
            if t in COUNTS and t not in out:
                out.append(t)
    return list(dict.fromkeys(out))


# ----------------------------------------------------------------------------------------- scoring


def _months(per: Period) -> float:
    return max(per.months, 1e-9)


def score_row(counts: dict[str, int], group: str, weight_key: str, s: dict[str, Any], per: Period,
              n_grids: int = 1, table_key: str | None = None) -> dict[str, Any]:
    """Indicators, scores, composite and grade of one row from its counts (pure; unit-tested)."""
    ind: dict[str, dict[str, Any]] = {}
    weights = dict(s["weights"].get(weight_key, {}))
    dens = s["dens"]
    raw_scores: dict[str, float | None] = {}
    for name in LEVEL_INDICATORS[group]:
        d = INDICATORS[name]
        val: float | None
        score: float | None
        extra: dict[str, Any] = {}
        if d.kind == "rate":
            den = dens.get(name, d.den)
            val = fx.rate(counts.get(d.num) if d.num else None, counts.get(den) if den else None)
            score = fx.rate_score(val, d.good)
            extra = {"num": d.num, "den": den}
        elif d.kind == "volume":
            raw = counts.get(d.num or "", 0)
            tkey = table_key if (name == "register_volume" and table_key) else (d.table or "volume")
            # Tables are per month (and per unit grid for regions): scale the count to that basis.
            val = raw / max(n_grids, 1) / _months(per)
            score = fx.table_score(round(val, 6), s["tables"].get(tkey, []))
            val = round(val, 2)
            extra = {"num": d.num, "table": tkey}
        else:  # ratio
            mix = {k: counts.get(f"outcome_{k}", 0) for k in ("service", "management", "enforcement")}
            target = s["outcomes"].get("target", {})
            score = fx.ratio_score(mix, target)
            val = None
            shares = fx.ratio_shares(mix)
            extra = {"shares": shares, "target": target,
                     "text": ":".join("—" if v is None else f"{v * 10:.1f}" for v in shares.values())}
        raw_scores[name] = score
        ind[name] = {"label": d.label, "value": val, "score": None if score is None else round(score, 2),
                     "weight": weights.get(name, 0), "good": d.good, **extra}
    comp = fx.composite(raw_scores, weights,
                        volume=[k for k in ind if INDICATORS[k].kind == "volume"])
    return {"counts": counts, "indicators": ind, "composite": comp, "grade": fx.grade(comp, s["grades"])}


# ----------------------------------------------------------------------------------------- levels


def _check(p: Principal | None) -> None:
    if p is not None and not p.has(*VIEW_ROLES):
        raise Forbidden("综合评价需要领导、考评员、值班长或管理员角色", code="role_required")


def evaluate(session: Session, p: Principal | None, level: str, period: str | None, *, unit: str = "street",
             post: str | None = None, reference: bool = False) -> dict[str, Any]:
    """All rows of one evaluation object for a period, ranked by composite. ``reference``: the original
    row-by-row derivation (correlated look-ups in the log, a dict per grid), kept as the tests' oracle."""
    _check(p)
    per = fx.parse_period(period)
    s = _settings(session)
    if level == "region":
        if unit not in UNITS:
            raise Invalid(f"区域层级应为 {'/'.join(UNITS)}", code="invalid_unit")
        rows: Sequence[dict[str, Any]] = _region_rows(session, p, per, s, unit,
                                                      _scan(session, p, per, s, ["grid"], reference)["grid"])
        if unit != "grid":  # the grid level (~56k rows in a large city) stays lazy: the API returns a page
            rows = list(rows)
    elif level == "department":
        rows = _ranked(_department_rows(session, p, per, s, _scan(session, p, per, s, ["dept"], reference)["dept"]))
    elif level == "post":
        if post is not None and post not in POSTS:
            raise Invalid(f"岗位应为 {'/'.join(POSTS)}", code="invalid_post")
        posts = [post] if post else list(POSTS)
        extra = ["reporter", "grid" if reference else "resp"] if "collector" in posts else []
        sc = _scan(session, p, per, s, ["post", *extra], reference)
        rows = _ranked(_post_rows(session, p, per, s, posts, sc))
    else:
        raise NotFound(f"评价对象应为 {'/'.join(LEVELS)}", code="unknown_level")
    return {"level": level, "unit": unit if level == "region" else None, "post": post,
            "period": {"key": per.key, "label": per.label, "start": per.start, "end": per.end},
            "basis": s["basis"], "items": rows, "total": len(rows),
            "count_labels": {**{k: v.label for k, v in COUNTS.items()}, **_DERIVED_LABELS},
            "grades": s["grades"]}


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused while a large city's evaluation allocates its ~10⁵ short-lived
    containers (no cycles among them): its passes cost ~0.15 s of ~1 s of Python at 1M cases."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def evaluate_all(session: Session, p: Principal | None, period: str | None,
                 units: tuple[str, ...] = tuple(UNITS), posts: bool = True, reference: bool = False) -> dict[str, Any]:
    """The evaluation of a period at several levels — region ``units``, departments and (``posts``) posts — from
    ONE scan of the facts (the bulletin asks for street, district and departments; the benchmark for all).
    The grid level stays a ``RegionRows`` (rows built when read); the other levels are lists."""
    with _no_gc():
        return _evaluate_all(session, p, period, units, posts, reference)


def _evaluate_all(session: Session, p: Principal | None, period: str | None, units: tuple[str, ...], posts: bool,
                  reference: bool) -> dict[str, Any]:
    _check(p)
    per = fx.parse_period(period)
    s = _settings(session)
    branches = ["grid", "dept", *(["post", "reporter", "grid" if reference else "resp"] if posts else [])]
    sc = _scan(session, p, per, s, list(dict.fromkeys(branches)), reference)
    out: dict[str, Any] = {"period": {"key": per.key, "label": per.label}, "basis": s["basis"], "region": {}}
    for unit in units:
        rows = _region_rows(session, p, per, s, unit, sc["grid"])
        out["region"][unit] = rows if unit == "grid" else list(rows)
    out["department"] = _ranked(_department_rows(session, p, per, s, sc["dept"]))
    out["post"] = _ranked(_post_rows(session, p, per, s, list(POSTS), sc)) if posts else []
    return out


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows.sort(key=lambda r: (r["composite"] is None, -(r["composite"] or 0), r["name"]))
    _rank(rows)
    return rows


_DERIVED_LABELS = {"should_close": "应结案数", "grid_registered": "责任网格立案数", "missed": "漏报数"}


def _rank(rows: list[dict[str, Any]]) -> None:
    """Rank within comparable rows: per post, per region class (一类/二类 are ranked separately)."""
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[(r.get("post"), r.get("region_class"))].append(r)
    for grp in groups.values():
        last, rank = None, 0
        for i, r in enumerate(grp, 1):
            if r["composite"] != last:
                rank, last = i, r["composite"]
            r["rank"] = rank if r["composite"] is not None else None


def _region_rows(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
                 unit: str, by_grid: GridCounts | dict[Any, dict[str, int]]) -> Sequence[dict[str, Any]]:
    """Rows of one region level, ranked: grid counts summed into the level's units (codes are prefixes),
    scored on columns (``RegionRows``)."""
    if not isinstance(by_grid, GridCounts):
        return _ranked(_region_rows_reference(session, p, per, s, unit, by_grid))
    derived = s["derived"].get("region", {})
    names = _base_counts(LEVEL_COUNTS["region"], derived)
    n = UNITS[unit]
    table = _grid_table(session)
    m = by_grid.m[:, [by_grid.names.index(x) for x in names]] if by_grid.names != names else by_grid.m
    if unit == "grid":
        keys, agg = list(by_grid.codes), m
    else:
        seen, inv = np.unique(np.array([c[:n] for c in by_grid.codes], dtype=str), return_inverse=True)
        agg = np.zeros((len(seen), len(names)), dtype=np.int64)
        np.add.at(agg, inv.reshape(-1), m)
        keys = seen.tolist()
        known = set(keys)  # every street/community/district appears, even without cases
        extra = [k for k in table["units"][unit] if k not in known and _visible(p, k)]
        if extra:
            keys += extra
            agg = np.vstack([agg, np.zeros((len(extra), len(names)), dtype=np.int64)])
    cols, agg = _derive_columns(names, agg, derived)
    classes = table["classes"][unit]
    rc_ng = [classes.get(k, (1, 1)) for k in keys]
    rcs = np.array([c for c, _ in rc_ng], dtype=np.int64)
    ngs = np.array([g for _, g in rc_ng], dtype=np.int64)
    names_of = _region_names(session, unit, set(keys))
    blocks = []
    for rc in sorted(set(rcs.tolist())):
        sel = np.flatnonzero(rcs == rc)
        blocks.append((sel, _Scored(agg[sel], cols, "region", f"region_{rc}", s, per, n_grids=ngs[sel],
                                    table_key=f"region_{rc}")))
    return RegionRows(unit, keys, [names_of.get(k, k) for k in keys], rcs, ngs, blocks)


class RegionRows(Sequence[dict[str, Any]]):
    """The ranked rows of one region level, kept as columns: every count, indicator, score, composite, grade
    and rank is computed for every row, but a row's dict (11 indicators with labels, weights …) is built when
    it is read — the console reads one page of the ~56k grids of a large city, the bulletin none."""

    def __init__(self, unit: str, keys: list[str], names: list[str], rcs: Any, ngs: Any,
                 blocks: list[tuple[Any, _Scored]]) -> None:
        self.unit, self.keys, self.names = unit, keys, names
        self.rcs, self.ngs = rcs.tolist(), ngs.tolist()
        n = len(keys)
        self.where: list[tuple[int, int]] = [(0, 0)] * n  # row → (block, index in block)
        comp = np.full(n, np.nan)
        for bi, (sel, sc) in enumerate(blocks):
            for j, i in enumerate(sel.tolist()):
                self.where[i] = (bi, j)
            comp[sel] = np.array([np.nan if x is None else x for x in sc.comps], dtype=np.float64)
        self.blocks = [sc for _, sc in blocks]
        # _ranked: (no composite last, composite descending, name); ranks within a region class
        none = np.isnan(comp)
        order = np.lexsort((np.array(names, dtype=str), -np.where(none, 0.0, comp), none)) if n else np.zeros(0, int)
        self.order = order.tolist()
        ranks: list[int | None] = [None] * n
        last: dict[int, tuple[float | None, int, int]] = {}  # class → (last composite, position, rank)
        cl = comp.tolist()
        for i in self.order:
            rc = self.rcs[i]
            c = None if none[i] else cl[i]
            prev_c, pos, rank = last.get(rc, (None, 0, 0))
            pos += 1
            if pos == 1 or c != prev_c:
                rank = pos
            last[rc] = (c, pos, rank)
            ranks[i] = rank if c is not None else None
        self.ranks = ranks

    def __len__(self) -> int:
        return len(self.order)

    def _row(self, i: int) -> dict[str, Any]:
        bi, j = self.where[i]
        r = self.blocks[bi].row(j)
        r.update(key=self.keys[i], name=self.names[i], unit=self.unit, region_class=self.rcs[i], grids=self.ngs[i],
                 rank=self.ranks[i])
        return r

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self._row(k) for k in self.order[i]]
        return self._row(self.order[i])


def _derive_columns(names: list[str], m: Any, derived: dict[str, list[str]]) -> tuple[list[str], Any]:
    """``_derive`` on columns: the derived counts appended (or replaced) in the same order."""
    cols = list(names)
    out = [m[:, i] for i in range(len(cols))]
    for name, terms in derived.items():
        total = np.zeros(m.shape[0], dtype=np.int64)
        for t in terms:
            sign = -1 if t.startswith("-") else 1
            t = t.lstrip("+-")
            if t in cols:
                total = total + sign * out[cols.index(t)]
        total = np.maximum(total, 0)
        if name in cols:
            out[cols.index(name)] = total
        else:
            cols.append(name)
            out.append(total)
    return cols, (np.column_stack(out) if out else m)


def _r2(x: float) -> float | None:
    return None if x != x else round(x, 2)


class _Scored:
    """``score_row`` for a block of rows at once (numpy): the same operations in the same order on float64,
    hence the same results to the bit (the tests compare with the original path); Python's ``round`` for
    what is rounded. Composites and grades are computed for every row; ``row(j)`` builds row j's dict."""

    def __init__(self, c: Any, cols: list[str], group: str, weight_key: str, s: dict[str, Any], per: Period,
                 n_grids: Any = None, table_key: str | None = None) -> None:
        nrows = c.shape[0]
        self.c, self.cols, self.group = c, cols, group
        cf = c.astype(np.float64)
        at = {n: i for i, n in enumerate(cols)}
        weights = dict(s["weights"].get(weight_key, {}))
        dens = s["dens"]
        ng = np.maximum(n_grids if n_grids is not None else np.ones(nrows, dtype=np.int64), 1).astype(np.float64)
        nan = np.full(nrows, np.nan)
        # per indicator: (constant head, constant tail, values, raw scores, per-row tail or None)
        self.specs: list[tuple[dict[str, Any], dict[str, Any], Any, Any, Any]] = []
        raw: dict[str, Any] = {}
        for name in LEVEL_INDICATORS[group]:
            d = INDICATORS[name]
            per_row: Any = None
            head = {"label": d.label, "weight": weights.get(name, 0), "good": d.good}
            values: Any
            if d.kind == "rate":
                den = dens.get(name, d.den)
                if d.num and den and d.num in at and den in at:
                    nu, de = cf[:, at[d.num]], cf[:, at[den]]
                    val = np.where(de != 0, nu / np.where(de != 0, de, 1.0), np.nan)
                    sc = val * 100.0 if d.good else (1.0 - val) * 100.0
                    sc = np.minimum(np.maximum(sc, 0.0), 100.0)
                else:
                    val, sc = nan, nan
                values = val  # float64, NaN = None
                tail = {"num": d.num, "den": den}
            elif d.kind == "volume":
                rawc = cf[:, at[d.num]] if d.num in at else np.zeros(nrows)
                tkey = table_key if (name == "register_volume" and table_key) else (d.table or "volume")
                v = (rawc / ng / _months(per)).tolist()
                sc = _table_scores(np.array([round(x, 6) for x in v], dtype=np.float64), s["tables"].get(tkey, []))
                values = ("r2", v)  # rounded to 2 when shown
                tail = {"num": d.num, "table": tkey}
            else:  # ratio: few distinct mixes (small counts), each computed once
                target = s["outcomes"].get("target", {})
                memo: dict[tuple[int, ...], tuple[float | None, dict[str, float | None], str]] = {}
                mixes = np.column_stack([c[:, at[f"outcome_{k}"]] if f"outcome_{k}" in at
                                         else np.zeros(nrows, np.int64)
                                         for k in ("service", "management", "enforcement")]).tolist()
                hits = []
                for mx in mixes:
                    key = tuple(mx)
                    hit = memo.get(key)
                    if hit is None:
                        mix = dict(zip(("service", "management", "enforcement"), mx, strict=True))
                        shares = fx.ratio_shares(mix)
                        hit = memo[key] = (fx.ratio_score(mix, target), shares,
                                           ":".join("—" if v is None else f"{v * 10:.1f}" for v in shares.values()))
                    hits.append(hit)
                sc = np.array([np.nan if h[0] is None else h[0] for h in hits], dtype=np.float64)
                values = None
                per_row = (hits, target)
                tail = {}
            raw[name] = sc
            self.specs.append((head, tail, values, sc, per_row))
        volume = {k for k in LEVEL_INDICATORS[group] if INDICATORS[k].kind == "volume"}
        has = np.zeros(nrows, dtype=bool)
        acc, tw = np.zeros(nrows), np.zeros(nrows)
        for name, w in weights.items():
            sv = raw.get(name)
            if sv is None or not w > 0:
                continue
            ok = ~np.isnan(sv)
            if name not in volume:
                has |= ok
            acc = np.where(ok, acc + w * np.where(ok, sv, 0.0), acc)
            tw = np.where(ok, tw + w, tw)
        comp_raw = np.where(has & (tw > 0), acc / np.where(tw > 0, tw, 1.0), np.nan).tolist()
        self.comps = [_r2(x) for x in comp_raw]
        grade = _grader(s["grades"])
        self.grades = [grade(x) for x in self.comps]

    def row(self, j: int) -> dict[str, Any]:
        ind = {}
        for name, (head, tail, values, sc, per_row) in zip(LEVEL_INDICATORS[self.group], self.specs, strict=True):
            if values is None:
                val = None
            elif isinstance(values, tuple):
                val = round(values[1][j], 2)
            else:
                v = float(values[j])
                val = None if v != v else v
            e = {"label": head["label"], "value": val, "score": _r2(float(sc[j])), "weight": head["weight"],
                 "good": head["good"]}
            if per_row is not None:
                hit, target = per_row[0][j], per_row[1]
                e.update(shares=dict(hit[1]), target=target, text=hit[2])
            else:
                e.update(tail)
            ind[name] = e
        return {"counts": dict(zip(self.cols, self.c[j].tolist(), strict=True)), "indicators": ind,
                "composite": self.comps[j], "grade": self.grades[j]}


def _table_scores(v: Any, table: Any) -> Any:
    """``fx.table_score`` on an array: the row with the greatest min not above the value (first of equals)."""
    best_min = np.full(v.shape, -np.inf)
    best = np.zeros(v.shape)  # below every row → 0
    found = np.zeros(v.shape, dtype=bool)
    for row in table:
        upd = (v >= row[0]) & (~found | (row[0] > best_min))
        best = np.where(upd, float(row[2]), best)
        best_min = np.where(upd, row[0], best_min)
        found |= upd
    return best


def _grader(grades: Any) -> Callable[[float | None], str | None]:
    order = [(str(g), float(lo)) for g, lo in sorted(grades, key=lambda r: -float(r[1]))]
    lowest = str(sorted(grades, key=lambda r: float(r[1]))[0][0]) if grades else None

    def grade(v: float | None) -> str | None:
        if v is None:
            return None
        for g, lo in order:
            if v >= lo:
                return g
        return lowest

    return grade


def _region_rows_reference(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
                           unit: str, by_grid: dict[Any, dict[str, int]]) -> list[dict[str, Any]]:
    """The original row-by-row roll-up and scoring (a dict per grid), the tests' oracle for the fast path."""
    derived = s["derived"].get("region", {})
    names = _base_counts(LEVEL_COUNTS["region"], derived)
    n = UNITS[unit]
    grids = _grid_table(session)["units"][unit]  # {unit code: {region class: number of grids}}
    agg: dict[str, dict[str, int]] = {}
    if unit == "grid":
        agg = {g: dict(c) for g, c in by_grid.items() if g is not None}
    else:
        for g, counts in by_grid.items():
            if g is None:
                continue
            tgt = agg.get(g[:n])
            if tgt is None:
                agg[g[:n]] = dict(counts)
            else:
                for k, v in counts.items():
                    tgt[k] += v
    keys = set(agg)
    if unit != "grid":  # every street/community/district appears, even without cases
        keys |= {k for k in grids if _visible(p, k)}
    names_of = _region_names(session, unit, keys)
    rows = []
    for k in keys:
        counts = agg.get(k) or dict.fromkeys(names, 0)
        _derive(counts, derived)
        classes = grids.get(k, {1: 1})
        rc = max(classes, key=lambda c: (classes[c], -c))
        ng = sum(classes.values()) or 1
        r = score_row(counts, "region", f"region_{rc}", s, per, n_grids=ng, table_key=f"region_{rc}")
        r.update(key=k, name=names_of.get(k, k), unit=unit, region_class=rc, grids=ng)
        rows.append(r)
    return rows


def _visible(p: Principal | None, code: str) -> bool:
    if p is None:
        return True
    for role in VIEW_ROLES:
        for region in p.regions(role):
            if region is None or code.startswith(region) or region.startswith(code):
                return True
    return False


_GRID_CACHE: dict[Any, dict[str, Any]] = {}


def _grid_table(session: Session) -> dict[str, Any]:
    """Unit grids rolled up per level ({code: {class: n}}) and their names, cached per database and geo
    version (the layer changes only on import): 127k grids cost ~0.5 s to read, not worth paying per request."""
    from chengguan.system import counters

    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    key = (str(engine.url), counters.peek(session, "geo_version"))
    hit = _GRID_CACHE.get(key)
    if hit is not None:
        return hit
    units: dict[str, dict[str, dict[int, int]]] = {u: defaultdict(dict) for u in UNITS}
    names: dict[str, str] = {}
    for code, name, rc in session.execute(select(UnitGrid.code, UnitGrid.name, UnitGrid.region_class)):
        rc = int(rc)
        names[code] = name or code
        for u, n in UNITS.items():
            d = units[u][code[:n]]
            d[rc] = d.get(rc, 0) + 1
    # per unit: its class (the class of most of its grids) and its number of grids
    classes = {u: {k: _class_of(c) for k, c in by.items()} for u, by in units.items()}
    _GRID_CACHE.clear()
    _GRID_CACHE[key] = {"units": units, "names": names, "classes": classes}
    return _GRID_CACHE[key]


def _class_of(classes: dict[int, int]) -> tuple[int, int]:
    return max(classes, key=lambda c: (classes[c], -c)), sum(classes.values()) or 1


def _region_names(session: Session, unit: str, keys: set[str]) -> dict[str, str]:
    if not keys:
        return {}
    if unit == "grid":
        names = _grid_table(session)["names"]
        return {k: names.get(k, k) for k in keys}
    return dict(session.execute(select(Division.code, Division.name).where(Division.code.in_(list(keys)))).all())


def _department_rows(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
                     by: dict[Any, dict[str, int]]) -> list[dict[str, Any]]:
    derived = s["derived"].get("department", {})
    by = {k: dict(v) for k, v in by.items() if k is not None}
    depts = {d.id: d for d in session.scalars(select(Department).where(Department.id.in_(list(by))))}
    rows = []
    for did, counts in by.items():
        _derive(counts, derived)
        r = score_row(counts, "department", "department", s, per, table_key="department")
        d = depts.get(did)
        r.update(key=str(did), name=d.name if d else str(did), kind=d.kind if d else None)
        rows.append(r)
    return rows


def _post_rows(session: Session, p: Principal | None, per: Period, s: dict[str, Any],
               posts: list[str], sc: dict[str, dict[Any, dict[str, int]]]) -> list[dict[str, Any]]:
    per_user: dict[tuple[str, int], dict[str, int]] = {}
    for (role, uid), counts in sc["post"].items():
        if role in posts and uid is not None:
            per_user[(role, int(uid))] = dict(counts)
    if "collector" in posts:
        _collector_extras(session, per, per_user, sc["reporter"], sc.get("grid"), sc.get("resp"))
    users = dict(session.execute(select(User.id, User.display_name).where(
        User.id.in_([u for _, u in per_user]))).all()) if per_user else {}
    rows = []
    for (role, uid), counts in per_user.items():
        counts = {n: counts.get(n, 0) for n in LEVEL_COUNTS[role] if n not in ("missed", "grid_registered")} | {
            n: counts[n] for n in ("missed", "grid_registered") if n in counts}
        r = score_row(counts, role, role, s, per)
        r.update(key=f"{role}:{uid}", name=users.get(uid, str(uid)), post=role, post_label=POSTS[role], user_id=uid)
        rows.append(r)
    return rows


def _responsibility(per: Period) -> Any:
    """(collector, grid) of the responsibility assignments in force during the period."""
    return (select(ResponsibilityAssignment.user_id, ResponsibilityGridCell.grid_code)
            .join(ResponsibilityGridCell, ResponsibilityGridCell.responsibility_grid_id
                  == ResponsibilityAssignment.responsibility_grid_id)
            .where(ResponsibilityAssignment.valid_from <= per.end,
                   or_(ResponsibilityAssignment.valid_to.is_(None), ResponsibilityAssignment.valid_to >= per.start)))


def _collector_extras(session: Session, per: Period, per_user: dict[tuple[str, int], dict[str, int]],
                      reg: dict[Any, dict[str, int]], grid_counts: Any,
                      resp: dict[Any, dict[str, int]] | None) -> None:
    """有效上报数 by reporter; 漏报数 / 立案数 of each collector's responsibility grids: summed by the database
    (``resp``, the scan's branch of that name: per collector) or, in the reference path, here from the grid
    counts (a dict per grid)."""
    by_user: dict[Any, dict[str, int]]
    if resp is not None:
        by_user = resp
    else:
        grids_of: dict[Any, set[Any]] = defaultdict(set)
        for uid, g in session.execute(_responsibility(per)).all():
            grids_of[uid].add(g)
        by_user = {uid: {"registered": sum(grid_counts.get(g, {}).get("registered", 0) for g in gs),
                         "registered_public": sum(grid_counts.get(g, {}).get("registered_public", 0) for g in gs)}
                   for uid, gs in grids_of.items()}
    collectors = {uid for (role, uid) in per_user if role == "collector"} | {
        uid for uid, n in reg.items() if uid is not None and n["registered_patrol"]}
    for uid in collectors:
        counts = per_user.setdefault(("collector", uid), {})
        counts["registered_patrol"] = reg.get(uid, {}).get("registered_patrol", 0)
        mine = by_user.get(uid, {})
        counts["grid_registered"] = mine.get("registered", 0)
        counts["missed"] = mine.get("registered_public", 0)


# ----------------------------------------------------------------------------------------- drill-down


def drill(session: Session, p: Principal | None, level: str, period: str | None, key: str, count: str, *,
          unit: str = "street", page: int = 1, page_size: int = 20) -> dict[str, Any]:
    """The event rows (with their cases) behind one number of one row: ``count`` is a count name
    (``registered``, ``closed_on_time`` …) or a derived one (``should_close``: + and − rows)."""
    _check(p)
    per = fx.parse_period(period)
    s = _settings(session)
    if level not in LEVELS:
        raise NotFound(f"评价对象应为 {'/'.join(LEVELS)}", code="unknown_level")
    derived = s["derived"].get(level if level != "post" else "", {})
    if count in COUNTS:
        terms = [(1, count)]
    elif count in derived:
        terms = [(-1 if t.startswith("-") else 1, t.lstrip("+-")) for t in derived[count]]
    elif count in ("missed", "grid_registered") and level == "post":
        terms = [(1, "registered_public" if count == "missed" else "registered")]
    else:
        raise Invalid(f"未知的计数 {count}", code="unknown_count")
    facts = _facts(session, p, per, s["basis"], s["outcomes"]).subquery("facts")
    if level == "region":
        if unit not in UNITS or not key.isdigit() or len(key) != UNITS[unit]:
            raise Invalid("区域编码与层级不符", code="invalid_key")
        where = facts.c.grid_code.startswith(key) if unit != "grid" else facts.c.grid_code == key
    elif level == "department":
        if not key.isdigit():
            raise Invalid("部门编号应为数字", code="invalid_key")
        where = facts.c.dept == int(key)
    else:
        role, _, uid = key.partition(":")
        if role not in POSTS or not uid.isdigit():
            raise Invalid("岗位键应为 岗位:用户ID，例如 collector:12", code="invalid_key")
        if count == "registered_patrol":
            where = facts.c.reporter_user_id == int(uid)
        elif count in ("missed", "grid_registered"):
            grids = select(ResponsibilityGridCell.grid_code).join(
                ResponsibilityAssignment, ResponsibilityAssignment.responsibility_grid_id
                == ResponsibilityGridCell.responsibility_grid_id).where(ResponsibilityAssignment.user_id == int(uid))
            where = facts.c.grid_code.in_(grids)
        else:
            where = and_(facts.c.actor_id == int(uid), facts.c.actor_role == role)
    sign = case(*[(COUNTS[n].pred(facts.c), sg) for sg, n in terms], else_=0)
    match = or_(*[COUNTS[n].pred(facts.c) for _, n in terms])
    base = select(facts.c.event_id, facts.c.case_id, facts.c.at, facts.c.action, facts.c.met, facts.c.actor_id,
                  facts.c.dept, sign.label("sign")).where(where, match)
    sub = base.subquery()
    total = int(session.scalar(select(func.count()).select_from(sub)) or 0)
    page, page_size = max(page, 1), min(max(page_size, 1), 200)
    stmt = (select(sub, Case.case_no, Case.status, Case.address, Case.category_code, Case.grid_code,
                   CaseEvent.actor_name)
            .join(Case, Case.id == sub.c.case_id).join(CaseEvent, CaseEvent.id == sub.c.event_id)
            .order_by(sub.c.at, sub.c.event_id).offset((page - 1) * page_size).limit(page_size))
    items = [{"event_id": r.event_id, "case_id": r.case_id, "case_no": r.case_no, "at": r.at, "action": r.action,
              "met_deadline": r.met, "actor_name": r.actor_name, "department_id": r.dept, "status": r.status,
              "address": r.address, "category_code": r.category_code, "grid_code": r.grid_code,
              "sign": int(r.sign)} for r in session.execute(stmt)]
    label = COUNTS[count].label if count in COUNTS else _DERIVED_LABELS.get(count, count)
    return {"level": level, "key": key, "count": count, "label": label, "period": per.key, "basis": s["basis"],
            "terms": [{"sign": sg, "count": n, "label": COUNTS[n].label} for sg, n in terms],
            "items": items, "total": total, "page": page, "page_size": page_size}


def catalogue(session: Session) -> dict[str, Any]:
    """What is computed and how: counts, indicators (with current denominators), weights, tables, grades."""
    s = _settings(session)
    return {
        "basis": s["basis"], "weights": s["weights"], "score_tables": s["tables"], "grades": s["grades"],
        "derived_counts": s["derived"], "outcomes": s["outcomes"],
        "counts": {k: v.label for k, v in COUNTS.items()} | _DERIVED_LABELS,
        "indicators": {k: {"label": d.label, "kind": d.kind, "num": d.num, "den": s["dens"].get(k, d.den),
                           "good": d.good, "help": d.help} for k, d in INDICATORS.items()},
        "levels": {k: v for k, v in LEVEL_INDICATORS.items()}, "posts": POSTS, "units": UNIT_LABELS,
    }
