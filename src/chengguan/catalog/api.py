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
    ComponentChangeOut,
    ComponentOut,
    ComponentPatch,
    ConditionIn,
    ConditionOut,
    LimitOut,
    RoutingRuleIn,
    RoutingRuleOut,
    TimeLimitIn,
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
    return service.components_in_bbox(session, box, category_code=category_code, limit=limit)  # type: ignore[return-value]


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
    return service.component_history(session, code)  # type: ignore[return-value]


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
