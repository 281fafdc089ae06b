from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from sqlalchemy import select

from chengguan.accounts.roles import Role
from chengguan.catalog import service
from chengguan.catalog.models import Category, CategoryCondition, RoutingRule, TimeLimit
from chengguan.catalog.schemas import (
    CategoryDetail,
    CategoryItem,
    CategoryPage,
    CategoryPatch,
    ComponentChangeOut,
    ComponentOut,
    ComponentPatch,
    ConditionIn,
    ConditionOut,
    LimitOut,
    RoutingRuleIn,
    RoutingRuleOut,
    TimeLimitIn,
    TimeLimitPatch,
    TimeLimitRow,
)
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.core.errors import Invalid, NotFound
from chengguan.geo import service as geo
from chengguan.org.models import Department

router = APIRouter(prefix="/api/v1", tags=["categories"])
admin = APIRouter(prefix="/api/v1/admin", tags=["configuration"], dependencies=[require_roles(Role.ADMIN)])


def _item(c: Category | service.CategoryRef) -> CategoryItem:
    return CategoryItem(code=c.code, name=c.name, kind=c.kind, major_code=c.major_code, major_name=c.major_name,
                        legacy_code=c.legacy_code, pinyin=c.pinyin, public_reportable=c.public_reportable)


@router.get("/categories", response_model=CategoryPage, operation_id="categories_list")
def categories_list(
    session: DbSession,
    kind: Literal["component", "matter"] | None = None,
    q: Annotated[str | None, Query(max_length=50, description="名称、别名、拼音首字母或代码")] = None,
    public: bool = False,
    major_code: Annotated[str | None, Query(pattern=r"^\d{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> CategoryPage:
    """The GB/T 47678.5-2026 category directory (153 components, 250 matters), searchable."""
    rows, total = service.list_categories(session, kind=kind, q=q, public_only=public, major_code=major_code,
                                          limit=limit, offset=offset)
    return CategoryPage(items=[_item(c) for c in rows], total=total)


@router.get("/categories/{code}", response_model=CategoryDetail, operation_id="categories_get")
def categories_get(session: DbSession, code: str, kind: Literal["component", "matter"] | None = None) -> CategoryDetail:
    """One category with its 立案条件, 结案条件 and time-limit rules."""
    cat = service.get_category(session, code, kind)
    conds = service.conditions_of(session, cat)
    cond_ids = [c.id for c in conds]
    limits = session.scalars(select(TimeLimit).where(
        TimeLimit.is_active.is_(True),
        (TimeLimit.category_id == cat.id) | (TimeLimit.condition_id.in_(cond_ids) if cond_ids else False),
    )).all()
    return CategoryDetail(
        **_item(cat).model_dump(), aliases=list(cat.aliases or []), keywords=list(cat.keywords or []),
        default_department_type=cat.default_department_type,
        conditions=[ConditionOut.model_validate(c) for c in conds],
        time_limits=[LimitOut(id=t.id, stage=t.stage, condition_id=t.condition_id, urgency=t.urgency,
                              region_class=t.region_class, amount=t.amount, unit=t.unit, verified=t.verified)
                     for t in limits],
    )


@router.get("/components", response_model=list[ComponentOut], operation_id="components_list")
def components_list(
    session: DbSession,
    user: CurrentUser,
    bbox: Annotated[str, Query(description="minlon,minlat,maxlon,maxlat")],
    category_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 2000,
) -> list[Any]:
    """Components (部件) in a map viewport."""
    from chengguan.geo.api import _bbox

    box = _bbox(bbox)
    assert box is not None
    return service.components_in_bbox(session, box, category_code=category_code, limit=limit)


@router.get("/components/{code}", response_model=ComponentOut, operation_id="components_get")
def components_get(session: DbSession, user: CurrentUser, code: str) -> Any:
    return service.get_component(session, code)


@router.patch("/components/{code}", response_model=ComponentOut, operation_id="components_update")
def components_update(session: DbSession, user: CurrentUser, code: str, body: ComponentPatch) -> Any:
    """部件在线更新 by a collector of the component's area or an administrator; every change is kept."""
    comp = service.get_component(session, code)
    user.require([Role.COLLECTOR, Role.ADMIN], comp.grid_code, what="更新部件")
    grid_code = None
    if "lon" in body.changes or "lat" in body.changes:
        lon = float(body.changes.get("lon", comp.lon))  # type: ignore[arg-type]
        lat = float(body.changes.get("lat", comp.lat))  # type: ignore[arg-type]
        found = geo.locate(session, lon, lat)
        if found is None:
            raise Invalid("新位置不在本市单元网格范围内")
        grid_code = found.grid_code
    return service.update_component(session, code, dict(body.changes), actor_id=user.user_id, reason=body.reason,
                                    expected_version=body.expected_version, grid_code=grid_code)


@router.get("/components/{code}/history", response_model=list[ComponentChangeOut],
            operation_id="components_history")
def components_history(session: DbSession, user: CurrentUser, code: str) -> list[Any]:
    return service.component_history(session, code)


# ---------------------------------------------------------------- administration


def _cond_id(session: DbSession, cat: service.CategoryRef | None, number: int | None) -> int | None:
    if number is None:
        return None
    if cat is None:
        raise Invalid("指定立案条件时必须同时指定类别")
    cond = service.get_condition(session, cat, number)
    return cond.id if cond else None


@admin.put("/categories/{code}/conditions/{number}", response_model=ConditionOut,
           operation_id="category_condition_put")
def category_condition_put(session: DbSession, code: str, number: int, body: ConditionIn,
                           kind: Literal["component", "matter"] = "matter") -> Any:
    """Create or edit a numbered 立案条件 (and its 结案条件) of a category."""
    if body.number != number:
        raise Invalid("路径与正文中的条件编号不一致")
    if body.default_urgency not in ("normal", "urgent", "very_urgent"):
        raise Invalid("紧急程度应为 normal/urgent/very_urgent")
    cat = service.get_category(session, code, kind)
    row = session.scalar(select(CategoryCondition).where(CategoryCondition.category_id == cat.id,
                                                         CategoryCondition.number == number))
    if row is None:
        row = CategoryCondition(category_id=cat.id, number=number, text=body.text, closure_text=body.closure_text,
                                default_urgency=body.default_urgency)
        session.add(row)
    else:
        row.text, row.closure_text, row.default_urgency, row.is_active = (
            body.text, body.closure_text, body.default_urgency, True)
    session.flush()
    service.catalog_changed(session)
    return row


@admin.post("/time-limits", response_model=LimitOut, operation_id="time_limit_upsert")
def time_limit_upsert(session: DbSession, body: TimeLimitIn) -> LimitOut:
    """Set a time limit for (stage, category, 立案条件, urgency, region class); blanks mean "any"."""
    cat = service.get_category(session, body.category_code, body.category_kind) if body.category_code else None
    row = service.upsert_time_limit(
        session, stage=body.stage, amount=body.amount, unit=body.unit, category_id=cat.id if cat else None,
        condition_id=_cond_id(session, cat, body.condition_number), urgency=body.urgency,
        region_class=body.region_class, note=body.note,
    )
    return LimitOut(id=row.id, stage=row.stage, condition_id=row.condition_id, urgency=row.urgency,
                    region_class=row.region_class, amount=row.amount, unit=row.unit, verified=row.verified)


@admin.delete("/time-limits/{limit_id}", status_code=204, operation_id="time_limit_delete")
def time_limit_delete(session: DbSession, limit_id: int) -> None:
    row = session.get(TimeLimit, limit_id)
    if row is None:
        raise NotFound("时限规则不存在")
    row.is_active = False
    service.catalog_changed(session)


@admin.get("/routing-rules", response_model=list[RoutingRuleOut], operation_id="routing_rules_list")
def routing_rules_list(session: DbSession) -> list[Any]:
    return list(session.scalars(select(RoutingRule).where(RoutingRule.is_active.is_(True)).order_by(RoutingRule.id)))


@admin.post("/routing-rules", response_model=RoutingRuleOut, status_code=201, operation_id="routing_rules_create")
def routing_rules_create(session: DbSession, body: RoutingRuleIn) -> Any:
    """Add a routing rule (category × region × 立案条件 → department); the most specific rule wins."""
    if session.get(Department, body.department_id) is None:
        raise Invalid(f"部门 {body.department_id} 不存在")
    cat = service.get_category(session, body.category_code, body.category_kind) if body.category_code else None
    if body.kind not in (None, "component", "matter"):
        raise Invalid("kind 只能是 component 或 matter")
    rule = RoutingRule(department_id=body.department_id, category_id=cat.id if cat else None,
                       major_code=body.major_code, kind=body.kind, region_code=body.region_code,
                       condition_id=_cond_id(session, cat, body.condition_number), priority=body.priority,
                       note=body.note)
    session.add(rule)
    session.flush()
    service.catalog_changed(session)
    return rule


@admin.delete("/routing-rules/{rule_id}", status_code=204, operation_id="routing_rules_delete")
def routing_rules_delete(session: DbSession, rule_id: int) -> None:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound("路由规则不存在")
    rule.is_active = False
    service.catalog_changed(session)


@admin.get("/routing-rules/suggest", operation_id="routing_suggest")
def routing_suggest(session: DbSession, category_code: str, lon: float, lat: float,
                    condition_number: int | None = None) -> dict[str, Any]:
    """Which department the routing table picks for a category at a point (to test rules)."""
    cat = service.get_category(session, category_code)
    found = geo.locate(session, lon, lat)
    dept = service.suggest_department(session, category=cat, region_code=found.grid_code if found else None,
                                      condition_id=_cond_id(session, cat, condition_number))
    return {"department_id": dept.id if dept else None, "department_name": dept.name if dept else None}


# ---------------------------------------------------------------- administration console additions


def _rule_out(session: DbSession, rule: RoutingRule, cats: dict[int, Category] | None = None,
              depts: dict[int, str] | None = None) -> RoutingRuleOut:
    out = RoutingRuleOut.model_validate(rule)
    cat = (cats or {}).get(rule.category_id) if rule.category_id else None
    if rule.category_id and cat is None:
        cat = session.get(Category, rule.category_id)
    if cat is not None:
        out.category_code, out.category_kind, out.category_name = cat.code, cat.kind, cat.name
    if rule.condition_id:
        cond = session.get(CategoryCondition, rule.condition_id)
        out.condition_number = cond.number if cond else None
    out.department_name = (depts or {}).get(rule.department_id) or (
        d.name if (d := session.get(Department, rule.department_id)) else None)
    return out


@admin.get("/routing-rules/named", response_model=list[RoutingRuleOut], operation_id="routing_rules_named")
def routing_rules_named(session: DbSession) -> list[RoutingRuleOut]:
    """The active routing rules with category, 立案条件 and department names (the administration table)."""
    rules = list(session.scalars(select(RoutingRule).where(RoutingRule.is_active.is_(True)).order_by(RoutingRule.id)))
    cat_ids = {r.category_id for r in rules if r.category_id}
    cats = {c.id: c for c in session.scalars(select(Category).where(Category.id.in_(cat_ids)))} if cat_ids else {}
    depts = dict(session.execute(select(Department.id, Department.name)).all())
    return [_rule_out(session, r, cats, depts) for r in rules]


@admin.put("/routing-rules/{rule_id}", response_model=RoutingRuleOut, operation_id="routing_rules_update")
def routing_rules_update(session: DbSession, rule_id: int, body: RoutingRuleIn) -> RoutingRuleOut:
    """Replace a routing rule's match (category × region × 立案条件) and target department."""
    rule = session.get(RoutingRule, rule_id)
    if rule is None or not rule.is_active:
        raise NotFound("路由规则不存在")
    if session.get(Department, body.department_id) is None:
        raise Invalid(f"部门 {body.department_id} 不存在")
    if body.kind not in (None, "component", "matter"):
        raise Invalid("kind 只能是 component 或 matter")
    cat = service.get_category(session, body.category_code, body.category_kind) if body.category_code else None
    rule.department_id, rule.category_id = body.department_id, cat.id if cat else None
    rule.major_code, rule.kind, rule.region_code = body.major_code, body.kind, body.region_code
    rule.condition_id = _cond_id(session, cat, body.condition_number)
    rule.priority, rule.note = body.priority, body.note
    session.flush()
    service.catalog_changed(session)
    return _rule_out(session, rule)


@admin.get("/time-limits", response_model=list[TimeLimitRow], operation_id="time_limits_list")
def time_limits_list(
    session: DbSession,
    category_code: Annotated[str | None, Query(pattern=r"^\d{5}$")] = None,
    kind: Literal["component", "matter"] | None = None,
    stage: str | None = None,
    general: bool = False,
    limit: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> list[TimeLimitRow]:
    """Active time-limit rules: of one category (``category_code``), the general ones (``general=true``:
    no category), or all; most general first."""
    stmt = select(TimeLimit, Category, CategoryCondition).outerjoin(Category, Category.id == TimeLimit.category_id) \
        .outerjoin(CategoryCondition, CategoryCondition.id == TimeLimit.condition_id) \
        .where(TimeLimit.is_active.is_(True))
    if category_code:
        cat = service.get_category(session, category_code, kind)
        stmt = stmt.where(TimeLimit.category_id == cat.id)
    elif general:
        stmt = stmt.where(TimeLimit.category_id.is_(None))
    if stage:
        if stage not in service.STAGES:
            raise Invalid(f"环节应为 {', '.join(service.STAGES)} 之一")
        stmt = stmt.where(TimeLimit.stage == stage)
    stmt = stmt.order_by(TimeLimit.category_id.is_not(None), Category.code, TimeLimit.stage, TimeLimit.id).limit(limit)
    return [TimeLimitRow(id=t.id, stage=t.stage, category_code=c.code if c else None, category_kind=c.kind if c else None,
                         category_name=c.name if c else None, condition_number=cond.number if cond else None,
                         urgency=t.urgency, region_class=t.region_class, amount=t.amount, unit=t.unit,
                         verified=t.verified, note=t.note)
            for t, c, cond in session.execute(stmt)]


@admin.patch("/time-limits/{limit_id}", response_model=LimitOut, operation_id="time_limit_update")
def time_limit_update(session: DbSession, limit_id: int, body: TimeLimitPatch) -> LimitOut:
    """Change a rule's amount, unit or note (new deadlines use it; running ones keep theirs)."""
    from chengguan.catalog.models import TIME_UNITS

    row = session.get(TimeLimit, limit_id)
    if row is None or not row.is_active:
        raise NotFound("时限规则不存在")
    changes = body.model_dump(exclude_unset=True)
    if changes.get("unit") is not None and changes["unit"] not in TIME_UNITS:
        raise Invalid(f"时限单位应为 {', '.join(TIME_UNITS)} 之一")
    if "amount" in changes and changes["amount"] is None:
        raise Invalid("时限必须大于 0")
    for k, v in changes.items():
        if v is not None or k == "note":
            setattr(row, k, v)
    row.verified = False  # a changed limit is the city's own, no longer the standard's figure
    session.flush()
    service.catalog_changed(session)
    return LimitOut(id=row.id, stage=row.stage, condition_id=row.condition_id, urgency=row.urgency,
                    region_class=row.region_class, amount=row.amount, unit=row.unit, verified=row.verified)


@admin.patch("/categories/{code}", response_model=CategoryDetail, operation_id="category_update")
def category_update(session: DbSession, code: str, body: CategoryPatch,
                    kind: Literal["component", "matter"] = "matter") -> CategoryDetail:
    """Edit what a city may adapt of a standard category: aliases and keywords (search), whether citizens
    may report it on the public page, and the default department type for routing."""
    ref = service.get_category(session, code, kind)
    cat = session.get(Category, ref.id)
    assert cat is not None
    changes = body.model_dump(exclude_unset=True)
    for k in ("aliases", "keywords"):
        if k in changes:
            vals = [str(v).strip() for v in (changes[k] or []) if str(v).strip()]
            if any(len(v) > 32 for v in vals):
                raise Invalid("别名和关键词每个最长 32 个字")
            setattr(cat, k, list(dict.fromkeys(vals)))
    if changes.get("public_reportable") is not None:
        cat.public_reportable = changes["public_reportable"]
    if "default_department_type" in changes:
        cat.default_department_type = changes["default_department_type"] or None
    cat.search_text = service.search_text(cat.name, list(cat.aliases or []), list(cat.keywords or []), cat.pinyin)
    session.flush()
    service.catalog_changed(session)
    return categories_get(session, cat.code, cat.kind)  # type: ignore[arg-type]


@admin.delete("/categories/{code}/conditions/{number}", status_code=204, operation_id="category_condition_delete")
def category_condition_delete(session: DbSession, code: str, number: int,
                              kind: Literal["component", "matter"] = "matter") -> None:
    """Withdraw a 立案条件 (cases registered under it keep it; new reports can no longer choose it)."""
    cat = service.get_category(session, code, kind)
    row = session.scalar(select(CategoryCondition).where(CategoryCondition.category_id == cat.id,
                                                         CategoryCondition.number == number,
                                                         CategoryCondition.is_active.is_(True)))
    if row is None:
        raise NotFound(f"类别 {code} 没有第 {number} 条立案条件")
    row.is_active = False
    session.flush()
    service.catalog_changed(session)
