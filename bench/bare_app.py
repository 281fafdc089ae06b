"""A bare FastAPI endpoint of the same shape as POST /api/v1/reports (parse + validate + answer), used as
the ceiling for the intake benchmark on the same machine, server and client settings."""

from __future__ import annotations

from fastapi import FastAPI
from pydantic import BaseModel, Field


class ReportIn(BaseModel):
    category_code: str = Field(pattern=r"^\d{4,5}$")
    description: str
    lon: float
    lat: float
    channel: str | None = None


def create_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/reports", status_code=201)
    def reports(body: ReportIn) -> dict[str, object]:
        return {"id": 1, "case_no": "2026112100001", "status": "reported", "lon": body.lon, "lat": body.lat}

    return app
