"""Helpers for the Open311 / participation tests: schema validation against the GeoReport v2 schemas."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "open311_schemas"
W3C = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")

_checker = jsonschema.FormatChecker(formats=())


@_checker.checks("date-time", raises=ValueError)
def _dt(value: object) -> bool:
    if not isinstance(value, str) or not W3C.match(value):
        return False
    datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@_checker.checks("uri")
def _uri(value: object) -> bool:
    u = urlparse(str(value))
    return bool(u.scheme in ("http", "https") and u.netloc)


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


_registry: Registry | None = None


def _spec():  # type: ignore[no-untyped-def]
    from referencing.jsonschema import DRAFT7

    return DRAFT7


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry().with_resources(
            [(p.name, Resource.from_contents(_load(p.name), default_specification=_spec()))
             for p in SCHEMAS.glob("*.json")])
    return _registry


def validate(doc: Any, schema: str) -> None:
    """Raise if ``doc`` does not validate against ``open311_schemas/<schema>`` (formats checked)."""
    v = jsonschema.Draft7Validator(_load(schema), registry=registry(), format_checker=_checker)
    errors = sorted(v.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, f"{schema}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
