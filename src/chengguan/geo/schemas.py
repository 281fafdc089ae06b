from __future__ import annotations

from pydantic import BaseModel


class LonLat(BaseModel):
    lon: float
    lat: float


class CityOut(BaseModel):
    name: str
    district_code: str
    center: LonLat
    bbox: list[float]


class LocateOut(BaseModel):
    grid_code: str
    community_code: str
    street_code: str
    district_code: str
    region_class: int
    names: dict[str, str]
    lon: float
    lat: float
    description: str | None = None


class GeocodeItem(BaseModel):
    address: str
    lon: float
    lat: float
    grid_code: str | None
    level: str
    score: float


class GeocodeOut(BaseModel):
    items: list[GeocodeItem]


class ReverseOut(BaseModel):
    description: str
    grid_code: str | None
