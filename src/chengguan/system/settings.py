"""Administrator-editable configuration with documented defaults.

Domains declare their settings with ``define()`` (key, default, help, group); values are stored as
JSON in ``system_settings`` only once changed. ``value()`` reads through a short-lived cache so hot
paths do not hit the table on every call; writes invalidate it in this process and the TTL bounds
staleness in others.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core.errors import Invalid, NotFound
from chengguan.system.models import SystemSetting


@dataclass(frozen=True)
class SettingDef:
    key: str
    default: Any
    help: str
    group: str
    verified: bool = False  # False: an unverified default (a real city must check it)
    check: Callable[[Any], None] | None = field(default=None, compare=False)  # raises Invalid on a bad value


REGISTRY: dict[str, SettingDef] = {}
_CACHE: dict[str, tuple[float, Any]] = {}
TTL_SECONDS = 5.0


def define(key: str, default: Any, help: str, group: str, verified: bool = False,
           check: Callable[[Any], None] | None = None) -> SettingDef:
    """Declare a setting. ``check(value)`` (optional) validates a new value beyond its type: raise Invalid."""
    d = SettingDef(key, default, help, group, verified, check)
    REGISTRY[key] = d
    return d


def value(session: Session, key: str) -> Any:
    if key not in REGISTRY:
        raise KeyError(f"undefined setting {key!r}")
    hit = _CACHE.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < TTL_SECONDS:
        return hit[1]
    row = session.get(SystemSetting, key)
    v = row.value if row is not None else REGISTRY[key].default
    _CACHE[key] = (now, v)
    return v


def set_value(session: Session, key: str, new: Any, actor_id: int | None = None) -> None:
    d = REGISTRY.get(key)
    if d is None:
        raise NotFound(f"没有名为 {key} 的设置项")
    if d.default is not None and not _same_shape(d.default, new):
        raise Invalid(f"设置项 {key} 的值类型应与默认值一致（{type(d.default).__name__}）")
    if d.check is not None:
        d.check(new)
    row = session.get(SystemSetting, key)
    if row is None:
        session.add(SystemSetting(key=key, value=new, updated_by=actor_id))
    else:
        row.value = new
        row.updated_by = actor_id
    session.flush()
    invalidate(key)


def reset(session: Session, key: str) -> None:
    row = session.get(SystemSetting, key)
    if row is not None:
        session.delete(row)
        session.flush()
    invalidate(key)


def invalidate(key: str | None = None) -> None:
    if key is None:
        _CACHE.clear()
    else:
        _CACHE.pop(key, None)


def all_values(session: Session) -> list[dict[str, Any]]:
    stored = {r.key: r for r in session.scalars(select(SystemSetting)).all()}
    out = []
    for key, d in sorted(REGISTRY.items()):
        row = stored.get(key)
        out.append({
            "key": key, "group": d.group, "help": d.help, "default": d.default, "verified": d.verified,
            "value": row.value if row else d.default, "changed": row is not None,
        })
    return out


def _same_shape(default: Any, new: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(new, bool)
    if isinstance(default, int | float):
        return isinstance(new, int | float) and not isinstance(new, bool)
    return isinstance(new, type(default))
