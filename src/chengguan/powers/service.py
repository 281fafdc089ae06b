"""权责清单 and 裁量基准: reading, editing, versioning. Services flush, never commit.

Interface for the enforcement case procedure (keep stable):
    choose_discretion(session, power_code, *, facts=DiscretionFacts(...), at=date) -> DiscretionOutcome
    power_by_code(session, code) -> Power;  bases_at(power, at) -> [PowerBasis]   (versions in force at ``at``)
    get_standard(session, standard_id) -> DiscretionStandard                     (to show what a decision applied)
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.powers.discretion import (
    AGGRAVATING,
    MITIGATING,
    DiscretionFacts,
    DiscretionOutcome,
    bases_at,
    choose_discretion,
    choose_discretion_lighter,
    power_by_code,
    standard_at,
)
from chengguan.powers.models import (
    ACTOR_TYPES,
    BASIS_KINDS,
    LEVELS,
    POWER_TYPES,
    RESPONSIBILITY_STEPS,
    DiscretionStandard,
    DiscretionTier,
    Power,
    PowerBasis,
)

POWER_FIELDS = ("name", "sub_item", "power_type", "body", "handling_unit", "level", "responsibilities",
                "accountability", "accountability_basis", "contact", "note", "is_demo", "is_active")


def today() -> date:
    return clock.local(clock.now()).date()


def _dec(v: Any, what: str) -> Decimal | None:
    if v is None or v == "":
        return None
    try:
        d = Decimal(str(v))
    except InvalidOperation:
        raise Invalid(f"{what} 应为金额（元）：{v!r}", code="bad_amount") from None
    if not d.is_finite() or d < 0:
        raise Invalid(f"{what} 不能为负：{v!r}", code="bad_amount")
    return d.quantize(Decimal("0.01"))


def _date(v: Any, what: str) -> date | None:
    if v is None or v == "":
        return None
    if isinstance(v, date):
        return v
    try:
        return date.fromisoformat(str(v)[:10])
    except ValueError:
        raise Invalid(f"{what} 应为日期 YYYY-MM-DD：{v!r}", code="bad_date") from None


def _check_power_values(values: dict[str, Any]) -> None:
    if "power_type" in values and values["power_type"] not in POWER_TYPES:
        raise Invalid(f"职权类型应为 {'/'.join(POWER_TYPES)}：{values['power_type']!r}", code="bad_power_type")
    if "level" in values and values["level"] not in LEVELS:
        raise Invalid(f"行使层级应为 {'/'.join(LEVELS)}：{values['level']!r}", code="bad_level")
    for k in ("name", "body"):
        if k in values and not (values[k] or "").strip():
            raise Invalid(f"{k} 不能为空", code="required")
    resp = values.get("responsibilities")
    if resp is not None:
        if not isinstance(resp, list):
            raise Invalid("责任事项应为列表 [{step, items}]", code="bad_responsibilities")
        for r in resp:
            if not isinstance(r, dict) or not r.get("step") or not isinstance(r.get("items", ""), str):
                raise Invalid("每个责任事项须有 step 和 items", code="bad_responsibilities")


def create_power(session: Session, values: dict[str, Any], bases: list[dict[str, Any]] = ()) -> Power:  # type: ignore[assignment]
    code = (values.get("code") or "").strip()
    if not code or len(code) > 40:
        raise Invalid("事项编码不能为空且不超过40字符", code="bad_code")
    if session.scalar(select(Power.id).where(Power.code == code)) is not None:
        raise Conflict(f"事项编码 {code} 已存在", code="duplicate_power")
    unknown = set(values) - set(POWER_FIELDS) - {"code"}
    if unknown:
        raise Invalid(f"未知字段：{sorted(unknown)}", code="bad_field")
    v = {"level": "district", "responsibilities": [], **{k: values[k] for k in POWER_FIELDS if k in values}}
    for k in ("name", "power_type", "body"):
        if not v.get(k):
            raise Invalid(f"缺少 {k}", code="required")
    _check_power_values(v)
    p = Power(code=code, **v)
    session.add(p)
    session.flush()
    for b in bases:
        add_basis(session, p, b)
    return p


def update_power(session: Session, code: str, values: dict[str, Any]) -> Power:
    p = power_by_code(session, code)
    unknown = set(values) - set(POWER_FIELDS)
    if unknown:
        raise Invalid(f"未知或不可修改的字段：{sorted(unknown)}", code="bad_field")
    _check_power_values(values)
    for k, val in values.items():
        setattr(p, k, val)
    session.flush()
    return p


def add_basis(session: Session, power: Power, b: dict[str, Any]) -> PowerBasis:
    """A provision (new or a new version of one the power already cites: same kind, law and article).
    The previous version in force gets ``effective_to`` = the day before the new one starts."""
    kind, law, article = b.get("kind") or "实施依据", (b.get("law") or "").strip(), (b.get("article") or "").strip()
    if kind not in BASIS_KINDS:
        raise Invalid(f"依据类型应为 {'/'.join(BASIS_KINDS)}", code="bad_basis_kind")
    if not law or not article:
        raise Invalid("法律依据须有法律名称和条款", code="bad_basis")
    start = _date(b.get("effective_from"), "effective_from")
    if start is None:
        raise Invalid("法律依据须有施行日期 effective_from", code="bad_basis")
    end = _date(b.get("effective_to"), "effective_to")
    if end is not None and end < start:
        raise Invalid("effective_to 早于 effective_from", code="bad_basis")
    same = [x for x in power.bases if (x.kind, x.law, x.article) == (kind, law, article)]
    for x in same:
        if x.effective_from >= start:
            raise Conflict(f"{law}{article} 已有 {x.effective_from} 起施行的版本，新版本须晚于它", code="basis_version_order")
        if x.effective_to is None or x.effective_to >= start:
            x.effective_to = start - timedelta(days=1)
    row = PowerBasis(power=power, kind=kind, law=law, article=article, text=b.get("text"), effective_from=start,
                     effective_to=end, version=max((x.version for x in same), default=0) + 1)
    session.add(row)
    session.flush()
    return row


def get_standard(session: Session, standard_id: int) -> DiscretionStandard:
    s = session.get(DiscretionStandard, standard_id)
    if s is None:
        raise NotFound(f"裁量基准 {standard_id} 不存在", code="standard_not_found")
    return s


def standards(session: Session, power: Power, *, current_at: date | None = None) -> list[DiscretionStandard]:
    stmt = select(DiscretionStandard).where(DiscretionStandard.power_id == power.id)
    if current_at is not None:
        stmt = stmt.where(DiscretionStandard.effective_from <= current_at,
                          or_(DiscretionStandard.effective_to.is_(None), DiscretionStandard.effective_to >= current_at))
    return list(session.scalars(stmt.order_by(DiscretionStandard.actor_type, DiscretionStandard.version)))


def create_standard(  # noqa: C901  (one validation per field, in order)
        session: Session, power_code: str, values: dict[str, Any], *, actor_id: int | None = None) -> DiscretionStandard:
    """A new version of the power's standard for ``actor_type``. The version in force before gets
    ``effective_to`` = the day before the new ``effective_from``; nothing else of it changes."""
    power = power_by_code(session, power_code)
    actor = values.get("actor_type") or "any"
    if actor not in ACTOR_TYPES:
        raise Invalid(f"actor_type 应为 {'/'.join(ACTOR_TYPES)}", code="bad_actor_type")
    title = (values.get("title") or "").strip()
    if not title:
        raise Invalid("裁量基准须有标题", code="required")
    start = _date(values.get("effective_from"), "effective_from")
    if start is None:
        raise Invalid("裁量基准须有施行日期 effective_from", code="required")
    end = _date(values.get("effective_to"), "effective_to")
    if end is not None and end < start:
        raise Invalid("effective_to 早于 effective_from", code="bad_date")
    smin, smax = _dec(values.get("statutory_min"), "statutory_min"), _dec(values.get("statutory_max"), "statutory_max")
    if smin is not None and smax is not None and smin > smax:
        raise Invalid("法定最低罚款高于最高罚款", code="bad_range")
    threshold = int(values.get("repeat_threshold") or 3)
    window = int(values.get("repeat_window_days") or 365)
    fv_window = values.get("first_violation_window_days")
    if not (1 <= threshold <= 100) or not (1 <= window <= 3650):
        raise Invalid("repeat_threshold 应在 1–100，repeat_window_days 应在 1–3650", code="bad_repeat")
    if fv_window is not None and not (1 <= int(fv_window) <= 3650):
        raise Invalid("first_violation_window_days 应在 1–3650", code="bad_repeat")
    agg = values.get("aggravating") or {}
    if not isinstance(agg, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in agg.items()):
        raise Invalid("aggravating 应为 {键: 说明}", code="bad_aggravating")
    tiers_in = values.get("tiers") or []
    if not tiers_in:
        raise Invalid("裁量基准至少需要一个阶次", code="bad_tiers")
    tiers: list[DiscretionTier] = []
    names: set[str] = set()
    for i, t in enumerate(tiers_in, 1):
        name = (t.get("name") or "").strip()
        if not name or name in names:
            raise Invalid(f"第 {i} 个阶次名称为空或重复", code="bad_tiers")
        names.add(name)
        fmin, fmax = _dec(t.get("fine_min"), f"阶次{name} fine_min"), _dec(t.get("fine_max"), f"阶次{name} fine_max")
        if fmin is not None and fmax is not None and fmin > fmax:
            raise Invalid(f"阶次“{name}”的最低罚款高于最高罚款", code="bad_tiers")
        for v in (fmin, fmax):
            if v is not None and ((smin is not None and v < smin) or (smax is not None and v > smax)):
                raise Invalid(f"阶次“{name}”的罚款超出法定幅度 {smin}–{smax}", code="outside_statutory_range")
        rmin, rmax = _dec(t.get("rate_min"), f"阶次{name} rate_min"), _dec(t.get("rate_max"), f"阶次{name} rate_max")
        for v in (rmin, rmax):
            if v is not None and v > 100:
                raise Invalid(f"阶次“{name}”的比例不能超过100%", code="bad_tiers")
        if rmin is not None and rmax is not None and rmin > rmax:
            raise Invalid(f"阶次“{name}”的最低比例高于最高比例", code="bad_tiers")
        keys = t.get("condition_keys") or []
        if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
            raise Invalid(f"阶次“{name}”的 condition_keys 应为字符串列表", code="bad_tiers")
        tiers.append(DiscretionTier(rank=i, name=name, conditions=(t.get("conditions") or "").strip() or name,
                                    condition_keys=keys, is_default=bool(t.get("is_default")), fine_min=fmin,
                                    fine_max=fmax, rate_min=rmin, rate_max=rmax, rate_of=t.get("rate_of"),
                                    other_penalty=t.get("other_penalty"), note=t.get("note")))
    if sum(t.is_default for t in tiers) > 1:
        raise Invalid("至多一个默认阶次", code="bad_tiers")
    previous = list(session.scalars(select(DiscretionStandard).where(
        DiscretionStandard.power_id == power.id, DiscretionStandard.actor_type == actor)))
    for s in previous:
        if s.effective_from >= start:
            raise Conflict(f"已有 {s.effective_from} 起施行的第{s.version}版，新版本的施行日期须晚于它",
                           code="standard_version_order")
        if s.effective_to is None or s.effective_to >= start:
            s.effective_to = start - timedelta(days=1)
    std = DiscretionStandard(
        power_id=power.id, actor_type=actor, version=max((s.version for s in previous), default=0) + 1,
        title=title, basis=values.get("basis"), statutory_min=smin, statutory_max=smax, effective_from=start,
        effective_to=end, repeat_threshold=threshold,
        repeat_window_days=window, first_violation_exempt=bool(values.get("first_violation_exempt")),
        first_violation_window_days=None if fv_window is None else int(fv_window), aggravating=agg,
        is_demo=bool(values.get("is_demo")), created_by=actor_id, tiers=tiers)
    session.add(std)
    session.flush()
    return std


def list_powers(session: Session, *, power_type: str | None = None, q: str | None = None, active_only: bool = True,
                page: int = 1, page_size: int = 20) -> tuple[list[Power], int]:
    stmt = select(Power)
    if active_only:
        stmt = stmt.where(Power.is_active.is_(True))
    if power_type:
        if power_type not in POWER_TYPES:
            raise Invalid(f"职权类型应为 {'/'.join(POWER_TYPES)}：{power_type!r}", code="bad_power_type",
                          details={"allowed": list(POWER_TYPES)})
        stmt = stmt.where(Power.power_type == power_type)
    if q and q.strip():
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Power.name.like(like), Power.code.like(like), Power.sub_item.like(like)))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(Power.code).limit(page_size).offset((page - 1) * page_size)))
    return rows, total


def basis_view(b: PowerBasis) -> dict[str, Any]:
    return {"kind": b.kind, "law": b.law, "article": b.article, "text": b.text, "version": b.version,
            "effective_from": b.effective_from.isoformat(),
            "effective_to": b.effective_to.isoformat() if b.effective_to else None}


def money(v: Decimal | None) -> str | None:
    return None if v is None else str(v)


def standard_view(s: DiscretionStandard) -> dict[str, Any]:
    return {
        "id": s.id, "version": s.version, "ref": f"{s.id}@{s.version}", "actor_type": s.actor_type, "title": s.title,
        "basis": s.basis, "statutory_min": money(s.statutory_min), "statutory_max": money(s.statutory_max),
        "effective_from": s.effective_from.isoformat(), "effective_to": s.effective_to.isoformat() if s.effective_to else None,
        "repeat_threshold": s.repeat_threshold, "repeat_window_days": s.repeat_window_days,
        "first_violation_exempt": s.first_violation_exempt, "first_violation_window_days": s.first_violation_window_days,
        "aggravating": s.aggravating, "is_demo": s.is_demo,
        "tiers": [{"rank": t.rank, "name": t.name, "conditions": t.conditions, "condition_keys": t.condition_keys,
                   "is_default": t.is_default, "fine_min": money(t.fine_min), "fine_max": money(t.fine_max),
                   "rate_min": money(t.rate_min), "rate_max": money(t.rate_max), "rate_of": t.rate_of,
                   "other_penalty": t.other_penalty, "note": t.note} for t in s.tiers],
    }


def power_view(p: Power, *, at: date | None = None, all_versions: bool = False) -> dict[str, Any]:
    at = at or today()
    bases = p.bases if all_versions else bases_at(p, at)
    return {
        "code": p.code, "name": p.name, "sub_item": p.sub_item, "power_type": p.power_type, "body": p.body,
        "handling_unit": p.handling_unit, "level": p.level, "legal_basis": [basis_view(b) for b in bases],
        "responsibilities": p.responsibilities, "accountability": p.accountability,
        "accountability_basis": p.accountability_basis, "contact": p.contact, "note": p.note,
        "is_demo": p.is_demo, "is_active": p.is_active,
    }


__all__ = ["RESPONSIBILITY_STEPS", "AGGRAVATING", "MITIGATING", "DiscretionFacts", "DiscretionOutcome",
           "choose_discretion", "choose_discretion_lighter", "power_by_code", "bases_at", "standard_at"]
