"""Categories, 立案/结案条件, time-limit rules, routing rules and the component inventory."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chengguan.catalog import directory
from chengguan.catalog.models import (
    TIME_UNITS,
    URGENCIES,
    Category,
    CategoryCondition,
    Component,
    ComponentChange,
    RoutingRule,
    TimeLimit,
)
from chengguan.core import clock
from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.org.models import Department
from chengguan.system import counters

STAGES = ("dispose", "accept", "verify", "register", "dispatch", "check", "close")

# ---------------------------------------------------------------- categories


def list_categories(session: Session, *, kind: str | None = None, q: str | None = None,
                    public_only: bool = False, major_code: str | None = None,
                    limit: int = 500, offset: int = 0) -> tuple[list[Category], int]:
    stmt = select(Category).where(Category.is_active.is_(True))
    if kind:
        if kind not in ("component", "matter"):
            raise Invalid("kind 只能是 component 或 matter")
        stmt = stmt.where(Category.kind == kind)
    if public_only:
        stmt = stmt.where(Category.public_reportable.is_(True))
    if major_code:
        stmt = stmt.where(Category.major_code == major_code)
    if q:
        q = q.strip()
        like = "%" + q.lower().replace("%", "").replace("_", "") + "%"
        stmt = stmt.where(or_(Category.search_text.like(like), Category.code.startswith(q),
                              Category.legacy_code.startswith(q)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Category.kind, Category.code).offset(offset).limit(limit)).all()
    return list(rows), total


def search_text(name: str, aliases: list[str], keywords: list[str], pinyin: str | None) -> str:
    return "|".join([name, *aliases, *keywords, pinyin or ""]).lower()


@dataclass(frozen=True)
class CategoryRef:
    """A category as the hot paths need it (cached per process, refreshed when the catalog changes)."""

    id: int
    kind: str
    code: str
    name: str
    major_code: str
    major_name: str
    legacy_code: str | None
    pinyin: str | None
    public_reportable: bool
    default_department_type: str | None
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class ConditionRef:
    id: int
    category_id: int
    number: int
    text: str
    closure_text: str
    default_urgency: str


@dataclass(frozen=True)
class _CatalogSnapshot:
    version: int
    by_key: dict[tuple[str, str], CategoryRef]
    conditions: dict[int, tuple[ConditionRef, ...]]  # category id → active conditions by number


_catalog: dict[str, Any] = {"at": -1e9, "snap": None}


def _snapshot(session: Session) -> _CatalogSnapshot:
    now = time.monotonic()
    snap: _CatalogSnapshot | None = _catalog["snap"]
    if snap is not None and now - _catalog["at"] < 5.0:
        return snap
    v = counters.peek(session, "catalog_version")
    if snap is None or snap.version != v:
        by_key = {(c.kind, c.code): CategoryRef(
            c.id, c.kind, c.code, c.name, c.major_code, c.major_name, c.legacy_code, c.pinyin, c.public_reportable,
            c.default_department_type, tuple(c.aliases or ()), tuple(c.keywords or ()))
            for c in session.scalars(select(Category).where(Category.is_active.is_(True)))}
        conds: dict[int, list[ConditionRef]] = {}
        for c in session.scalars(select(CategoryCondition).where(CategoryCondition.is_active.is_(True))
                                 .order_by(CategoryCondition.number)):
            conds.setdefault(c.category_id, []).append(
                ConditionRef(c.id, c.category_id, c.number, c.text, c.closure_text, c.default_urgency))
        snap = _CatalogSnapshot(v, by_key, {k: tuple(v2) for k, v2 in conds.items()})
        _catalog["snap"] = snap
    _catalog["at"] = now
    return snap


def category_name(session: Session, kind: str, code: str) -> str | None:
    ref = _snapshot(session).by_key.get((kind, code))
    return ref.name if ref else None


def get_category(session: Session, code: str, kind: str | None = None) -> CategoryRef:
    """A category by 5-digit code (2026) or 4-digit legacy code (2013). With no kind, a code shared by a
    component and its 异常 matter resolves to the matter (what a report is about)."""
    code = (code or "").strip()
    if len(code) == 4 and code.isdigit():
        mapped = directory.legacy_to_new(code)
        if mapped is None:
            raise NotFound(f"旧版（2013）类别代码 {code} 没有对应的 2026 版类别", code="unknown_category")
        kind = kind or mapped[0]
        code = mapped[1]
    if len(code) != 5 or not code.isdigit():
        raise Invalid(f"类别代码应为 5 位数字（GB/T 47678.5-2026），收到 {code!r}", code="bad_category_code")
    by_key = _snapshot(session).by_key
    for k in ((kind,) if kind else ("matter", "component")):
        ref = by_key.get((k, code))
        if ref is not None:
            return ref
    raise NotFound(f"类别 {code} 不存在", code="unknown_category")


def conditions_of(session: Session, category: CategoryRef | Category) -> list[ConditionRef]:
    snap = _snapshot(session)
    cat_id = category.id
    if category.kind == "component":
        # a component's problems are registered under its 异常 matter's conditions
        matter = snap.by_key.get(("matter", category.code))
        cat_id = matter.id if matter else cat_id
    return list(snap.conditions.get(cat_id, ()))


def get_condition(session: Session, category: CategoryRef | Category, number: int | None) -> ConditionRef | None:
    conds = conditions_of(session, category)
    if number is None:
        return conds[0] if conds else None
    for c in conds:
        if c.number == number:
            return c
    raise Invalid(f"类别 {category.code} {category.name} 没有第 {number} 号立案条件",
                  code="unknown_condition", details=[{"number": c.number, "text": c.text} for c in conds])


# ---------------------------------------------------------------- time limits


@dataclass(frozen=True)
class Limit:
    amount: float
    unit: str
    rule_id: int | None
    verified: bool


# Rule tuples: (condition_id, urgency, region_class, amount, unit, id, verified), grouped by
# (stage, category_id) so a lookup scans a handful of rules, not the whole table.
_RuleRow = tuple[int | None, str | None, int | None, float, str, int, bool]
_rules_cache: dict[str, Any] = {"at": 0.0, "version": -1, "rules": {}, "routes": None}


def _rules(session: Session) -> dict[tuple[str, int | None], list[_RuleRow]]:
    now = time.monotonic()
    if now - _rules_cache["at"] < 5.0:
        return _rules_cache["rules"]
    # No Python lock around database reads (see geo.service._GeoState); concurrent rebuilds are harmless.
    v = counters.peek(session, "catalog_version")
    if v != _rules_cache["version"]:
        grouped: dict[tuple[str, int | None], list[_RuleRow]] = {}
        for r in session.execute(select(
                TimeLimit.stage, TimeLimit.category_id, TimeLimit.condition_id, TimeLimit.urgency,
                TimeLimit.region_class, TimeLimit.amount, TimeLimit.unit, TimeLimit.id, TimeLimit.verified,
        ).where(TimeLimit.is_active.is_(True))):
            grouped.setdefault((r[0], r[1]), []).append((r[2], r[3], r[4], r[5], r[6], r[7], r[8]))
        _rules_cache.update(rules=grouped, routes=None, version=v)
    _rules_cache["at"] = now
    return _rules_cache["rules"]


def catalog_changed(session: Session) -> None:
    counters.bump(session, "catalog_version")
    invalidate()


def invalidate() -> None:
    _rules_cache.update(at=0.0, version=-1)
    _catalog.update(at=-1e9, snap=None)


def resolve_limit(session: Session, stage: str, *, category_id: int | None = None,
                  condition_id: int | None = None, urgency: str | None = None,
                  region_class: int | None = None) -> Limit | None:
    """The most specific active rule for the key. Specificity: condition > category > urgency > region class."""
    rules = _rules(session)
    best: tuple[int, int, _RuleRow] | None = None
    for cat_part, candidates in ((4, rules.get((stage, category_id), []) if category_id is not None else []),
                                 (0, rules.get((stage, None), []))):
        for r in candidates:
            cond, urg, rc = r[0], r[1], r[2]
            if cond is not None and cond != condition_id:
                continue
            if urg is not None and urg != urgency:
                continue
            if rc is not None and rc != region_class:
                continue
            score = (8 if cond else 0) + cat_part + (2 if urg else 0) + (1 if rc else 0)
            if best is None or (score, r[5]) > (best[0], best[1]):
                best = (score, r[5], r)
    if best is None:
        return None
    r = best[2]
    return Limit(r[3], r[4], r[5], r[6])


def upsert_time_limit(session: Session, *, stage: str, amount: float, unit: str, category_id: int | None = None,
                      condition_id: int | None = None, urgency: str | None = None,
                      region_class: int | None = None, note: str | None = None) -> TimeLimit:
    if stage not in STAGES:
        raise Invalid(f"环节应为 {', '.join(STAGES)} 之一")
    if unit not in TIME_UNITS:
        raise Invalid(f"时限单位应为 {', '.join(TIME_UNITS)} 之一")
    if urgency is not None and urgency not in URGENCIES:
        raise Invalid(f"紧急程度应为 {', '.join(URGENCIES)} 之一")
    if region_class not in (None, 1, 2):
        raise Invalid("区域类别应为 1 或 2")
    if not amount or amount <= 0:
        raise Invalid("时限必须大于 0")
    row = session.scalar(select(TimeLimit).where(
        TimeLimit.stage == stage, TimeLimit.category_id.is_(None) if category_id is None
        else TimeLimit.category_id == category_id,
        TimeLimit.condition_id.is_(None) if condition_id is None else TimeLimit.condition_id == condition_id,
        TimeLimit.urgency.is_(None) if urgency is None else TimeLimit.urgency == urgency,
        TimeLimit.region_class.is_(None) if region_class is None else TimeLimit.region_class == region_class,
    ))
    if row is None:
        row = TimeLimit(stage=stage, category_id=category_id, condition_id=condition_id, urgency=urgency,
                        region_class=region_class, amount=amount, unit=unit, note=note, verified=False)
        session.add(row)
    else:
        row.amount, row.unit, row.note, row.is_active = amount, unit, note, True
    session.flush()
    catalog_changed(session)
    return row


# ---------------------------------------------------------------- routing


def suggest_department(session: Session, *, category: CategoryRef | Category, region_code: str | None,
                       condition_id: int | None = None) -> Department | None:
    """Routing table lookup: the most specific matching rule wins (condition, then category over major
    class over kind, then the longest region prefix, then priority)."""
    _rules(session)  # refreshes the cache version
    rules = _rules_cache["routes"]
    if rules is None:
        rules = session.scalars(select(RoutingRule).where(RoutingRule.is_active.is_(True))).all()
        for r in rules:
            session.expunge(r)
        _rules_cache["routes"] = rules
    best: tuple[tuple[int, int, int, int], RoutingRule] | None = None
    for r in rules:
        if r.condition_id is not None and r.condition_id != condition_id:
            continue
        if r.category_id is not None and r.category_id != category.id:
            continue
        if r.major_code is not None and r.major_code != category.major_code:
            continue
        if r.kind is not None and r.kind != category.kind:
            continue
        if r.region_code is not None and not (region_code or "").startswith(r.region_code):
            continue
        gran = 3 if r.category_id else 2 if r.major_code else 1 if r.kind else 0
        key = (1 if r.condition_id else 0, gran, len(r.region_code or ""), r.priority)
        if best is None or key > best[0]:
            best = (key, r)
    if best is not None:
        return session.get(Department, best[1].department_id)
    return None


# ---------------------------------------------------------------- components

COMPONENT_STATUSES = ("完好", "破损", "丢失", "废弃", "移除", "占用", "其他")
EDITABLE_COMPONENT_FIELDS = {
    "name", "status", "competent_dept_code", "competent_dept_name", "owner_code", "owner_name",
    "maintainer_code", "maintainer_name", "data_source", "note", "lon", "lat",
}


def get_component(session: Session, code: str) -> Component:
    comp = session.scalar(select(Component).where(Component.code == code))
    if comp is None:
        raise NotFound(f"部件 {code} 不存在", code="unknown_component")
    return comp


def update_component(session: Session, code: str, changes: dict[str, Any], *, actor_id: int | None,
                     reason: str | None, expected_version: int | None = None,
                     grid_code: str | None = None) -> Component:
    """部件在线更新: apply field changes, keep the before/after in the history, bump the version."""
    comp = get_component(session, code)
    if expected_version is not None and comp.version != expected_version:
        raise Conflict(f"部件 {code} 已被他人修改（当前版本 {comp.version}），请刷新后重试", code="version_conflict")
    unknown = set(changes) - EDITABLE_COMPONENT_FIELDS
    if unknown:
        raise Invalid(f"这些字段不能修改：{', '.join(sorted(unknown))}")
    if "status" in changes and changes["status"] not in COMPONENT_STATUSES:
        raise Invalid(f"部件状态应为 {'、'.join(COMPONENT_STATUSES)} 之一")
    diff: dict[str, Any] = {}
    for k, v in changes.items():
        old = getattr(comp, k)
        if old != v:
            diff[k] = [old, v]
            setattr(comp, k, v)
    if grid_code and grid_code != comp.grid_code:
        diff["grid_code"] = [comp.grid_code, grid_code]
        comp.grid_code = grid_code
    if not diff:
        return comp
    comp.version += 1
    comp.change_date = date.today()
    session.add(ComponentChange(component_id=comp.id, at=clock.now(), actor_id=actor_id, action="update",
                                changes=diff, reason=reason))
    session.flush()
    return comp


def component_history(session: Session, code: str) -> list[ComponentChange]:
    comp = get_component(session, code)
    return list(session.scalars(select(ComponentChange).where(ComponentChange.component_id == comp.id)
                                .order_by(ComponentChange.at, ComponentChange.id)))


def components_in_bbox(session: Session, bbox: tuple[float, float, float, float], *,
                       category_code: str | None = None, limit: int = 2000) -> list[Component]:
    minx, miny, maxx, maxy = bbox
    stmt = select(Component).where(Component.lon.between(minx, maxx), Component.lat.between(miny, maxy))
    if category_code:
        stmt = stmt.where(Component.category_code == category_code)
    return list(session.scalars(stmt.limit(limit)))
