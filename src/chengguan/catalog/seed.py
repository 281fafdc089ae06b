"""Load the shipped directory (catalog/data) into the configuration tables.

Idempotent per row: categories and conditions are upserted by (kind, code) and (category, number);
time-limit rules are written only where no rule exists for the same key (an administrator's edits win).
Step limits ship in minutes and are stored as working hours: the centre's steps count working time.
"""

from __future__ import annotations

import math
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.catalog import directory
from chengguan.catalog.models import Category, CategoryCondition, TimeLimit
from chengguan.catalog.service import catalog_changed, search_text

# Our region classes: 1 = 一类 (the CSV's A), 2 = 二类 (B).
REGION_FACTOR_KEYS = {2: "B"}


def seed_catalog(session: Session) -> dict[str, int]:
    counts = {"categories": 0, "conditions": 0, "time_limits": 0}
    existing = {(c.kind, c.code): c for c in session.scalars(select(Category))}
    for row in directory.load_categories():
        pinyin = directory.pinyin_initials(row.name)
        values = dict(name=row.name, major_code=row.major_code, major_name=row.major_name,
                      legacy_code=row.legacy_code, aliases=list(row.aliases), keywords=list(row.keywords),
                      pinyin=pinyin, public_reportable=row.public_reportable,
                      default_department_type=row.default_department, geometry=row.geometry,
                      accuracy_class=row.accuracy_class,
                      search_text=search_text(row.name, list(row.aliases), list(row.keywords), pinyin))
        cat = existing.get((row.kind, row.code))
        if cat is None:
            cat = Category(kind=row.kind, code=row.code, **values)
            session.add(cat)
            existing[(row.kind, row.code)] = cat
            counts["categories"] += 1
        else:
            for k, v in values.items():
                setattr(cat, k, v)
    session.flush()

    conds = {(c.category_id, c.number): c for c in session.scalars(select(CategoryCondition))}
    limits = {(t.stage, t.category_id, t.condition_id, t.urgency, t.region_class)
              for t in session.scalars(select(TimeLimit))}
    factors = {f.region_class: f for f in directory.load_region_class_factors()}
    new_limits: list[TimeLimit] = []

    def add_limit(stage: str, cat_id: int | None, cond_id: int | None, urgency: str | None, rc: int | None,
                  amount: float, unit: str, note: str | None = None) -> None:
        key = (stage, cat_id, cond_id, urgency, rc)
        if key in limits:
            return
        limits.add(key)
        new_limits.append(TimeLimit(stage=stage, category_id=cat_id, condition_id=cond_id, urgency=urgency,
                                    region_class=rc, amount=amount, unit=unit, verified=False, note=note))

    for crow in directory.load_conditions():
        cat = existing[(crow.kind, crow.code)]
        cond = conds.get((cat.id, crow.number))
        if cond is None:
            cond = CategoryCondition(category_id=cat.id, number=crow.number, text=crow.condition,
                                     closure_text=crow.closure_condition, default_urgency=crow.urgency)
            session.add(cond)
            session.flush()
            conds[(cat.id, crow.number)] = cond
            counts["conditions"] += 1
        for urgency, amount, unit in (("normal", crow.limit_amount, crow.limit_unit),
                                      ("urgent", crow.urgent_amount, crow.urgent_unit),
                                      ("very_urgent", crow.urgent_amount, crow.urgent_unit)):
            add_limit("dispose", cat.id, cond.id, urgency, None, float(amount), unit)
            for rc, key in REGION_FACTOR_KEYS.items():
                f = factors.get(key)
                if f is None or (unit == "urgent_hour" and not f.scale_urgent_hour) or f.factor == Decimal(1):
                    continue
                add_limit("dispose", cat.id, cond.id, urgency, rc, float(math.ceil(amount * f.factor)), unit,
                          note=f"{f.name}：一类时限 × {f.factor}")
    for s in directory.load_step_limits():
        step_amount, unit = (s.amount / 60.0, "work_hour") if s.unit == "minute" else (float(s.amount), s.unit)
        add_limit(s.step, None, None, s.urgency, None, step_amount, unit, note=f"{s.step_name}：{s.amount}{s.unit}")
        if s.urgency == "urgent":
            add_limit(s.step, None, None, "very_urgent", None, step_amount, unit, note=f"{s.step_name}（特急同紧急）")
    session.add_all(new_limits)
    counts["time_limits"] = len(new_limits)
    session.flush()
    catalog_changed(session)
    return counts
