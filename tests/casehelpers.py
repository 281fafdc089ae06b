"""Scenario helpers for case tests."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image


def jpeg(color: tuple[int, int, int] = (120, 140, 160)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buf, "JPEG")
    return buf.getvalue()


class Flow:
    """Drive a case through the API as the demo roles."""

    def __init__(self, client: Any, auth: Any) -> None:
        self.client, self.auth = client, auth
        city = client.get("/api/v1/city").json()
        self.lon, self.lat = city["center"]["lon"], city["center"]["lat"]

    def photo(self, user: str = "collector1") -> str:
        r = self.client.post("/api/v1/files", headers=self.auth(user),
                             files={"file": ("p.jpg", jpeg(), "image/jpeg")})
        assert r.status_code == 201, r.text
        return r.json()["token"]

    def report(self, user: str | None = "collector1", **kw: Any) -> dict[str, Any]:
        body = {"category_code": "09006", "description": "人行道上有流动摊贩占道经营", "lon": self.lon, "lat": self.lat}
        body.update(kw)
        headers = self.auth(user) if user else {}
        r = self.client.post("/api/v1/reports", json=body, headers=headers)
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, case_id: int, action: str, user: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        r = self.client.post(f"/api/v1/cases/{case_id}/{action}", json=body, headers=self.auth(user))
        assert r.status_code == expect, f"{action} by {user}: {r.status_code} {r.text}"
        return r.json()

    def get(self, case_id: int, user: str = "admin") -> dict[str, Any]:
        r = self.client.get(f"/api/v1/cases/{case_id}", headers=self.auth(user))
        assert r.status_code == 200, r.text
        return r.json()

    def to_registered(self, **kw: Any) -> dict[str, Any]:
        c = self.report(**kw)
        self.act(c["id"], "register", "shiftlead1")
        return c

    def to_dispatched(self, **kw: Any) -> dict[str, Any]:
        c = self.to_registered(**kw)
        return self.act(c["id"], "dispatch", "dispatcher1")

    def to_fed_back(self, **kw: Any) -> dict[str, Any]:
        c = self.to_dispatched(**kw)
        return self.act(c["id"], "feedback", "dept1", photos=[self.photo("dept1")], opinion="已清理")


def is_pg(session_or_engine) -> bool:  # type: ignore[no-untyped-def]
    """True on PostgreSQL (import from here, not from conftest: tests/browser has its own conftest)."""
    from sqlalchemy.orm import Session

    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bool(bind.dialect.name == "postgresql")
