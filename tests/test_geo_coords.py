"""Coordinate conversions: fixed points, agreement with prcoords, round trips, projections."""

from __future__ import annotations

import math
import warnings

import numpy as np
import prcoords
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengguan.geo.coords import (
    CRS,
    convert,
    from_projected,
    gk3_epsg,
    haversine_m,
    in_china,
    metres_per_degree,
    to_projected,
)

# Mainland China's extent (a little inside the GCJ box so shifted points stay inside too).
LON = st.floats(min_value=73.7, max_value=135.0, allow_nan=False)
LAT = st.floats(min_value=18.0, max_value=53.5, allow_nan=False)
ALL: tuple[CRS, ...] = ("wgs84", "gcj02", "bd09", "cgcs2000")
SHIFTED: list[CRS] = ["gcj02", "bd09"]


def _err_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return haversine_m(a[0], a[1], b[0], b[1])


def test_stack_notes_fixed_point() -> None:
    # stack-notes §5: WGS84 121.4737, 31.2304 → GCJ-02 121.4782231, 31.2284577 (shift ≈ 481 m).
    lon, lat = convert(121.4737, 31.2304, "wgs84", "gcj02")
    assert lon == pytest.approx(121.4782231, abs=5e-8)
    assert lat == pytest.approx(31.2284577, abs=5e-8)
    assert 470 < haversine_m(121.4737, 31.2304, lon, lat) < 490


def test_scalars_give_floats_and_arrays_keep_shape() -> None:
    lon, lat = convert(121.0, 31.0, "wgs84", "bd09")
    assert type(lon) is float and type(lat) is float
    xs = np.full((3, 4), 121.0)
    ys = np.full((3, 4), 31.0)
    ax, ay = convert(xs, ys, "wgs84", "bd09")
    assert ax.shape == (3, 4) and ay.shape == (3, 4)
    assert ax[2, 3] == pytest.approx(lon) and ay[0, 0] == pytest.approx(lat)


@settings(max_examples=200, deadline=None)
@given(LON, LAT)
def test_forward_matches_prcoords_within_1mm(lon: float, lat: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # prcoords warns for points outside its box
        g = prcoords.wgs_gcj((lat, lon))
        b = prcoords.wgs_bd((lat, lon))
        b2 = prcoords.gcj_bd((g.lat, g.lon))
    assert _err_m(convert(lon, lat, "wgs84", "gcj02"), (g.lon, g.lat)) < 1e-3
    assert _err_m(convert(lon, lat, "wgs84", "bd09"), (b.lon, b.lat)) < 1e-3
    assert _err_m(convert(g.lon, g.lat, "gcj02", "bd09"), (b2.lon, b2.lat)) < 1e-3


@settings(max_examples=300, deadline=None)
@given(LON, LAT, st.sampled_from(SHIFTED))
def test_round_trip_below_1cm(lon: float, lat: float, crs: CRS) -> None:
    there = convert(lon, lat, "wgs84", crs)
    back = convert(*there, crs, "wgs84")
    assert _err_m((lon, lat), back) < 0.01
    # And the other way: a GCJ/BD input converted to WGS and forward again.
    w = convert(lon, lat, crs, "wgs84")
    assert _err_m(convert(*w, "wgs84", crs), (lon, lat)) < 0.01


@settings(max_examples=100, deadline=None)
@given(LON, LAT)
def test_gcj_bd_round_trip_below_1cm(lon: float, lat: float) -> None:
    assert _err_m(convert(*convert(lon, lat, "gcj02", "bd09"), "bd09", "gcj02"), (lon, lat)) < 0.01


def test_inverse_agrees_with_prcoords_bored() -> None:
    rng = np.random.default_rng(7)
    lon = rng.uniform(74, 134, 300)
    lat = rng.uniform(19, 53, 300)
    ours_x, ours_y = convert(lon, lat, "gcj02", "wgs84")
    for i in range(len(lon)):
        ref = prcoords.gcj_wgs_bored((lat[i], lon[i]))
        # prcoords stops iterating at 1e-5° residual; it is still far below a centimetre.
        assert _err_m((ours_x[i], ours_y[i]), (ref.lon, ref.lat)) < 0.01


def test_vectorised_equals_scalar() -> None:
    rng = np.random.default_rng(3)
    lon = rng.uniform(74, 134, 50)
    lat = rng.uniform(19, 53, 50)
    for src in ALL:
        for dst in ALL:
            vx, vy = convert(lon, lat, src, dst)
            for i in (0, 17, 49):
                sx, sy = convert(float(lon[i]), float(lat[i]), src, dst)
                assert vx[i] == pytest.approx(sx, abs=1e-12) and vy[i] == pytest.approx(sy, abs=1e-12)


def test_outside_china_is_not_shifted() -> None:
    for lon, lat in [(-0.1276, 51.5072), (139.80, 35.68), (151.2, -33.9)]:  # London, Tokyo, Sydney
        assert not in_china(lon, lat)
        assert convert(lon, lat, "wgs84", "gcj02") == (lon, lat)
        assert convert(lon, lat, "gcj02", "wgs84") == (lon, lat)
    # Inside: a real shift of hundreds of metres.
    assert _err_m(convert(116.4, 39.9, "wgs84", "gcj02"), (116.4, 39.9)) > 100


def test_cgcs2000_is_wgs84_at_city_scale() -> None:
    assert convert(121.18, 31.87, "cgcs2000", "wgs84") == (121.18, 31.87)
    assert convert(121.18, 31.87, "cgcs2000", "gcj02") == convert(121.18, 31.87, "wgs84", "gcj02")


def test_unknown_crs_is_rejected() -> None:
    with pytest.raises(ValueError, match="未知坐标系"):
        convert(121.0, 31.0, "wgs84", "mercator")  # type: ignore[call-overload]


def test_projection_matches_stack_notes_and_round_trips() -> None:
    # stack-notes §5: (121.1817, 31.8716) → EPSG:4549 (611821.41, 3528223.64).
    x, y, epsg = to_projected(121.1817, 31.8716)
    assert epsg == 4549
    assert x == pytest.approx(611821.41, abs=0.01) and y == pytest.approx(3528223.64, abs=0.01)
    lon, lat = from_projected(x, y, epsg)
    assert lon == pytest.approx(121.1817, abs=1e-9) and lat == pytest.approx(31.8716, abs=1e-9)


def test_zone_choice() -> None:
    assert gk3_epsg(75.0) == 4534
    assert gk3_epsg(120.0) == 4549
    assert gk3_epsg(121.49) == 4549  # 海门 (west of 121.5°E) is in the 120°E zone
    assert gk3_epsg(121.51) == 4550  # 启东 is in the 123°E zone
    assert gk3_epsg(135.0) == 4554
    with pytest.raises(ValueError, match="超出"):
        gk3_epsg(10.0)
    # An array goes into one zone, chosen from its median longitude.
    xs, ys, epsg = to_projected(np.array([121.2, 121.3, 121.6]), np.array([31.9, 31.9, 31.9]))
    assert epsg == 4549 and xs.shape == (3,)


def test_projected_distance_agrees_with_haversine() -> None:
    x, y, epsg = to_projected(np.array([121.10, 121.20]), np.array([31.85, 31.90]))
    d_proj = math.hypot(x[1] - x[0], y[1] - y[0])
    d_hav = haversine_m(121.10, 31.85, 121.20, 31.90)
    assert d_proj == pytest.approx(d_hav, rel=3e-3)


def test_haversine() -> None:
    assert haversine_m(121.0, 31.0, 121.0, 31.0) == 0.0
    assert haversine_m(121.0, 31.0, 121.0, 32.0) == pytest.approx(111_195, rel=1e-3)
    assert haversine_m(121.0, 31.0, 122.0, 31.5) == pytest.approx(haversine_m(122.0, 31.5, 121.0, 31.0))
    d = haversine_m(np.array([121.0, 121.0]), np.array([31.0, 31.0]), 121.0, np.array([31.0, 31.001]))
    assert d.shape == (2,) and d[1] == pytest.approx(111.2, rel=1e-3)
    mx, my = metres_per_degree(31.0)
    assert mx == pytest.approx(my * math.cos(math.radians(31.0)))
