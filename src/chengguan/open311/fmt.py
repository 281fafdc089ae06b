"""GeoReport v2 wire formats: XML laid out as the spec's examples, JSON as its mechanical mapping
(repeated elements → arrays, wrapper elements gone), W3C date-times with an offset, spec error bodies."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from fastapi.responses import Response

from chengguan.core import clock

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
# list field → the element name of its items
ITEM_TAG = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
            "groups": "group"}


def w3c(dt: datetime | None) -> str | None:
    """``2026-11-21T18:30:00+08:00`` (Asia/Shanghai, seconds, offset always present)."""
    if dt is None:
        return None
    return clock.local(dt).replace(microsecond=0).isoformat()


# Characters XML 1.0 cannot carry at all (control characters other than tab, newline, return; lone
# surrogates; U+FFFE/U+FFFF): dropped, or a citizen's pasted text would make the whole document invalid.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _scalar(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return w3c(v) or ""
    return escape(_NOT_XML.sub("", str(v)))


def _el(tag: str, v: Any) -> str:
    if v is None:
        return f"<{tag}/>"
    if isinstance(v, dict):
        return f"<{tag}>" + "".join(_el(k, x) for k, x in v.items()) + f"</{tag}>"
    if isinstance(v, list):
        item = ITEM_TAG.get(tag, tag[:-1] if tag.endswith("s") else "item")
        return f"<{tag}>" + "".join(_el(item, x) for x in v) + f"</{tag}>"
    return f"<{tag}>{_scalar(v)}</{tag}>"


def to_xml(root: str, body: Any, item: str | None = None) -> str:
    head = '<?xml version="1.0" encoding="utf-8"?>'
    if isinstance(body, list):
        return head + f"<{root}>" + "".join(_el(item or "item", x) for x in body) + f"</{root}>"
    return head + _el(root, body)


def _json(v: Any) -> Any:
    if isinstance(v, datetime):
        return w3c(v)
    if isinstance(v, dict):
        return {k: _json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json(x) for x in v]
    return v


def respond(fmt: str, root: str, body: Any, item: str | None = None, status: int = 200) -> Response:
    if fmt == "json":
        import json

        return Response(json.dumps(_json(body), ensure_ascii=False), status_code=status, media_type=JSON_TYPE)
    return Response(to_xml(root, body, item), status_code=status, media_type=XML_TYPE)


class Open311Error(Exception):
    """An error answered in the spec's shape: HTTP 400/403/404 with ``errors/error{code,description}``."""

    def __init__(self, status: int, description: str, code: str | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.code = code or str(status)


def error_response(fmt: str, errors: list[Open311Error]) -> Response:
    body = [{"code": e.code, "description": e.description} for e in errors]
    return respond(fmt if fmt in ("xml", "json") else "xml", "errors", body, "error", status=errors[0].status)
