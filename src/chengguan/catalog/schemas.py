from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CategoryItem(BaseModel):
    code: str
    name: str
    kind: str
    major_code: str
    major_name: str
    legacy_code: str | None = None
    pinyin: str | None = None
    public_reportable: bool = False


class CategoryPage(BaseModel):
    items: list[CategoryItem]
    total: int


class ConditionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: int
    text: str
    closure_text: str
    default_urgency: str


class LimitOut(BaseModel):
    id: int
    stage: str
    condition_id: int | None
    urgency: str | None
    region_class: int | None
    amount: float
    unit: str
    verified: bool


class CategoryDetail(CategoryItem):
    aliases: list[str]
    keywords: list[str]
    default_department_type: str | None
    conditions: list[ConditionOut]
    time_limits: list[LimitOut]


class ConditionIn(BaseModel):
    number: int = Field(ge=1, le=99)
    text: str = Field(min_length=2, max_length=500)
    closure_text: str = Field(min_length=2, max_length=500)
    default_urgency: str = "normal"


class TimeLimitIn(BaseModel):
    stage: str = "dispose"
    category_code: str | None = None
    category_kind: str | None = None
    condition_number: int | None = None
    urgency: str | None = None
    region_class: int | None = None
    amount: float = Field(gt=0, le=10000)
    unit: str
    note: str | None = Field(None, max_length=255)


class RoutingRuleIn(BaseModel):
    department_id: int
    category_code: str | None = None
    category_kind: str | None = None
    major_code: str | None = Field(None, pattern=r"^\d{2}$")
    kind: str | None = None
    region_code: str | None = Field(None, pattern=r"^\d{6}(\d{3}){0,3}$")
    condition_number: int | None = None
    priority: int = 0
    note: str | None = Field(None, max_length=255)


class RoutingRuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    department_id: int
    category_id: int | None
    major_code: str | None
    kind: str | None
    region_code: str | None
    condition_id: int | None
    priority: int
    note: str | None
    is_active: bool
    # filled by the administration list (names for people; the ids stay the contract)
    category_code: str | None = None
    category_kind: str | None = None
    category_name: str | None = None
    condition_number: int | None = None
    department_name: str | None = None


class ComponentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    category_code: str
    status: str
    grid_code: str | None
    lon: float
    lat: float
    competent_dept_code: str | None = None
    competent_dept_name: str | None = None
    owner_name: str | None = None
    maintainer_name: str | None = None
    street_name: str | None = None
    community_name: str | None = None
    initial_date: date | None = None
    change_date: date | None = None
    data_source: str | None = None
    note: str | None = None
    version: int


class ComponentPatch(BaseModel):
    changes: dict[str, object]
    reason: str = Field(min_length=2, max_length=255)
    expected_version: int | None = None


class ComponentChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: object
    actor_id: int | None
    action: str
    changes: dict[str, object]
    reason: str | None


class TimeLimitRow(BaseModel):
    """A time-limit rule as the administration lists it (with the category and condition it applies to)."""

    id: int
    stage: str
    category_code: str | None
    category_kind: str | None
    category_name: str | None
    condition_number: int | None
    urgency: str | None
    region_class: int | None
    amount: float
    unit: str
    verified: bool
    note: str | None


class TimeLimitPatch(BaseModel):
    amount: float | None = Field(None, gt=0, le=10000)
    unit: str | None = None
    note: str | None = Field(None, max_length=255)


class CategoryPatch(BaseModel):
    aliases: list[str] | None = Field(None, max_length=50)
    keywords: list[str] | None = Field(None, max_length=100)
    public_reportable: bool | None = None
    default_department_type: str | None = Field(None, max_length=32)
