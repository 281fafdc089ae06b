"""Domains add their demo data here (one line each). Each function is called after the core demo city
(divisions, grids, departments, demo accounts, components) is loaded, inside the same transaction,
as ``fn(session, ctx)``; ``ctx`` is a :class:`chengguan.demo.loader.DemoContext`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# "module:function" strings, imported lazily so a domain's demo code loads only when used.
EXTENSIONS: list[str] = [
    "chengguan.workforce.demo:load",  # workforce: personnel, certificates, training, equipment
    "chengguan.powers.demo:load",  # 权责清单 and 裁量基准 (demo data)
    "chengguan.enforcement.demo:load",  # enforcement: an open case, a published decision, a 当场处罚
]


def load_all() -> list[Callable[..., Any]]:
    import importlib

    out = []
    for spec in EXTENSIONS:
        mod, _, fn = spec.partition(":")
        out.append(getattr(importlib.import_module(mod), fn))
    return out


# Domains whose demo data needs the simulated case history add themselves here instead
# (called after the history, in a new transaction).
AFTER_HISTORY: list[str] = [
    "chengguan.web.demo:live_desk",  # consoles: a working day in progress, collectors' positions
    "chengguan.duty.demo:load",  # duty: joint squads on shift, tracks, on-post, alerts, joint operations
    "chengguan.assessment.demo:load",  # 考评 inspections and notices, 规范化建设 self-assessments
]


def load_after_history() -> list[Callable[..., Any]]:
    import importlib

    out = []
    for spec in AFTER_HISTORY:
        mod, _, fn = spec.partition(":")
        out.append(getattr(importlib.import_module(mod), fn))
    return out
