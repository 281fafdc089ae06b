"""Coordinate conversions between WGS-84, GCJ-02 (国测局, "Mars"), BD-09 (百度) and CGCS2000.

All functions are vectorised with NumPy: pass scalars and get floats back, or pass arrays
(any shape, broadcast together) and get arrays back. Argument order is always ``(lon, lat)``.

* CGCS2000 geographic coordinates (EPSG:4490) differ from WGS-84 by centimetres, far below
  the accuracy of city data and phone GPS, so they are treated as identical (PROJ does the same).
* GCJ-02 is the obfuscation required for published maps in mainland China. The forward formula
  is the one reverse-engineered by the open-source community (as in prcoords, public domain).
  Outside China's bounding box it is the identity, again as in prcoords.
* Inverses (GCJ-02 → WGS-84, BD-09 → GCJ-02) have no closed form. We use the iterative
  "bored" fixed-point method (Caijun 2014): start from the rough inverse and subtract the forward
  residual until it is below 1e-12° (~0.1 µm), so round trips are exact far below 1 cm.
* Metric work (areas, distances, buffers) goes through the CGCS2000 3° Gauss-Krüger projections
  EPSG:4534–4554 (central meridians 75°E … 135°E, no zone prefix on the easting).
"""

from __future__ import annotations

import functools
from typing import Any, Literal, TypeAlias, TypeGuard, get_args, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

CRS = Literal["wgs84", "gcj02", "bd09", "cgcs2000"]
CRS_NAMES: tuple[str, ...] = get_args(CRS)


def is_crs(name: str) -> TypeGuard[CRS]:
    return name in CRS_NAMES


def as_crs(name: str) -> CRS:
    """``name`` as a :data:`CRS`, or a ValueError naming the choices."""
    if not is_crs(name):
        raise ValueError(f"未知坐标系 {name!r}，可选：{', '.join(CRS_NAMES)}")
    return name


FloatArray: TypeAlias = NDArray[np.float64]

# Krasovsky 1940 ellipsoid, which the GCJ-02 formula uses for its degree lengths.
GCJ_A = 6378245.0
GCJ_EE = 0.00669342162296594323
# Baidu's constant offsets.
BD_DLAT = 0.0060
BD_DLON = 0.0065
# Mean Earth radius (IUGG) for haversine distances.
EARTH_R = 6371008.8

# prcoords' "sanity_in_china_p" box (lon_min, lat_min, lon_max, lat_max). It is a box, not the
# border: points in neighbouring countries inside it are shifted too, exactly as map vendors do.
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)

# Fixed-point iteration stops when the residual is below this many degrees (~0.1 µm).
_INV_TOL_DEG = 1e-12
_INV_MAX_ITER = 30

# CGCS2000 3-degree Gauss-Krüger zones without the zone prefix: EPSG 4534 (CM 75°E) … 4554 (CM 135°E).
GK3_FIRST_EPSG = 4534
GK3_FIRST_CM = 75
GK3_LAST_CM = 135


def _arr(v: ArrayLike) -> FloatArray:
    return np.asarray(v, dtype=np.float64)


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where the point is inside the box in which GCJ-02 shifting applies."""
    x, y = _arr(lon), _arr(lat)
    return (x >= CHINA_BBOX[0]) & (x <= CHINA_BBOX[2]) & (y >= CHINA_BBOX[1]) & (y <= CHINA_BBOX[3])


def _gcj_delta(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """GCJ-02 shift in degrees (dlon, dlat) at WGS-84 (lon, lat); formula kept identical to prcoords
    so the forward results agree to floating-point rounding."""
    x = lon - 105.0
    y = lat - 35.0
    pi = np.pi
    dlat_m = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (
            2.0 * np.sin(x * 6.0 * pi) + 2.0 * np.sin(x * 2.0 * pi)
            + 2.0 * np.sin(y * pi) + 4.0 * np.sin(y / 3.0 * pi)
            + 16.0 * np.sin(y / 12.0 * pi) + 32.0 * np.sin(y / 30.0 * pi)
        ) * 20.0 / 3.0
    )  # fmt: skip
    dlon_m = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (
            2.0 * np.sin(x * 6.0 * pi) + 2.0 * np.sin(x * 2.0 * pi)
            + 2.0 * np.sin(x * pi) + 4.0 * np.sin(x / 3.0 * pi)
            + 15.0 * np.sin(x / 12.0 * pi) + 30.0 * np.sin(x / 30.0 * pi)
        ) * 20.0 / 3.0
    )  # fmt: skip
    rad_lat = np.radians(lat)
    magic = 1.0 - GCJ_EE * np.sin(rad_lat) ** 2
    lat_deg_arclen = np.radians((GCJ_A * (1.0 - GCJ_EE)) / magic**1.5)
    lon_deg_arclen = np.radians(GCJ_A * np.cos(rad_lat) / np.sqrt(magic))
    return dlon_m / lon_deg_arclen, dlat_m / lat_deg_arclen


def _wgs_to_gcj_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd_raw(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    r = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(np.radians(lat) * 3000.0)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(np.radians(lon) * 3000.0)
    return r * np.cos(theta) + BD_DLON, r * np.sin(theta) + BD_DLAT


def _bd_to_gcj_rough(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lon - BD_DLON
    y = lat - BD_DLAT
    r = np.sqrt(x * x + y * y) - 0.00002 * np.sin(np.radians(y) * 3000.0)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(np.radians(x) * 3000.0)
    return r * np.cos(theta), r * np.sin(theta)


def _invert(
    fwd: Any, lon: FloatArray, lat: FloatArray, lon0: FloatArray, lat0: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Solve fwd(x) = target by fixed-point iteration from the first guess (lon0, lat0).

    The forward maps are the identity plus a slowly varying shift, so each step shrinks the error
    by about three orders of magnitude; a handful of iterations reach the tolerance."""
    x, y = lon0.copy(), lat0.copy()
    for _ in range(_INV_MAX_ITER):
        fx, fy = fwd(x, y)
        dx, dy = fx - lon, fy - lat
        x -= dx
        y -= dy
        if x.size == 0 or max(float(np.nanmax(np.abs(dx))), float(np.nanmax(np.abs(dy)))) < _INV_TOL_DEG:
            break
    return x, y


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    m = in_china(x, y)
    gx, gy = _wgs_to_gcj_raw(x, y)
    return np.where(m, gx, x), np.where(m, gy, y)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    out_x, out_y = x.astype(np.float64, copy=True), y.astype(np.float64, copy=True)
    # Outside the box the forward map is the identity, so is the inverse. The box test is done on
    # the GCJ input; within ~500 m of the box edge (open sea or desert) this may differ from the
    # test on the unknown WGS point, which is harmless.
    m = in_china(x, y)
    if m.any():
        gx, gy = x[m], y[m]
        dx, dy = _gcj_delta(gx, gy)
        ix, iy = _invert(_wgs_to_gcj_raw, gx, gy, gx - dx, gy - dy)
        out_x[m], out_y[m] = ix, iy
    return out_x, out_y


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    return _gcj_to_bd_raw(x, y)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    # The usual closed-form inverse is only good to ~1e-7° (1 cm); iterate to make it exact.
    rx, ry = _bd_to_gcj_rough(x, y)
    return _invert(_gcj_to_bd_raw, x, y, rx, ry)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def _identity(lon: ArrayLike, lat: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    return x.astype(np.float64, copy=True), y.astype(np.float64, copy=True)


_TO_WGS = {"wgs84": _identity, "cgcs2000": _identity, "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS = {"wgs84": _identity, "cgcs2000": _identity, "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}
# Direct paths that avoid a needless round trip through WGS-84.
_DIRECT = {("gcj02", "bd09"): gcj02_to_bd09, ("bd09", "gcj02"): bd09_to_gcj02}


@overload
def convert(lon: float, lat: float, src: CRS, dst: CRS) -> tuple[float, float]: ...
@overload
def convert(lon: ArrayLike, lat: ArrayLike, src: CRS, dst: CRS) -> tuple[Any, Any]: ...


def convert(lon: ArrayLike, lat: ArrayLike, src: CRS, dst: CRS) -> tuple[Any, Any]:
    """Convert geographic coordinates from ``src`` to ``dst`` (each one of :data:`CRS`).

    Scalars in → Python floats out; arrays in → float64 arrays out (inputs are broadcast)."""
    for name in (src, dst):
        as_crs(name)
    if src == dst or {src, dst} == {"wgs84", "cgcs2000"}:
        x, y = _identity(lon, lat)
    elif (src, dst) in _DIRECT:
        x, y = _DIRECT[(src, dst)](lon, lat)
    else:
        x, y = _FROM_WGS[dst](*_TO_WGS[src](lon, lat))
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(x), float(y)
    return x, y


@overload
def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...
@overload
def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any: ...


def haversine_m(lon1: ArrayLike, lat1: ArrayLike, lon2: ArrayLike, lat2: ArrayLike) -> Any:
    """Great-circle distance in metres on a sphere of the mean Earth radius (error < 0.5 %)."""
    p1, p2 = np.radians(_arr(lat1)), np.radians(_arr(lat2))
    dp = p2 - p1
    dl = np.radians(_arr(lon2) - _arr(lon1))
    h = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d = 2.0 * EARTH_R * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return float(d) if np.ndim(d) == 0 else d


def metres_per_degree(lat: float) -> tuple[float, float]:
    """Local scale (metres per degree of longitude, of latitude) for small equirectangular work."""
    k = np.pi / 180.0 * EARTH_R
    return float(k * np.cos(np.radians(lat))), float(k)


def gk3_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3° Gauss-Krüger zone (no easting prefix) whose central meridian is
    nearest to ``lon``: 4534 (75°E) … 4554 (135°E)."""
    if not np.isfinite(lon):
        raise ValueError(f"经度无效：{lon!r}")
    cm = int(np.floor(lon / 3.0 + 0.5)) * 3
    if not GK3_FIRST_CM <= cm <= GK3_LAST_CM:
        raise ValueError(f"经度{lon:.4f}超出CGCS2000三度带范围（73.5°E–136.5°E）")
    return GK3_FIRST_EPSG + (cm - GK3_FIRST_CM) // 3


@functools.lru_cache(maxsize=64)
def _transformer(src_epsg: int, dst_epsg: int) -> Transformer:
    return Transformer.from_crs(src_epsg, dst_epsg, always_xy=True)


def to_projected(lon: ArrayLike, lat: ArrayLike, epsg: int | None = None) -> tuple[Any, Any, int]:
    """Project CGCS2000/WGS-84 lon/lat to metres in a 3° Gauss-Krüger zone; returns ``(x, y, epsg)``.

    Without ``epsg`` the zone is chosen from the (median) longitude: the whole array goes into one
    zone so distances and areas between its points stay comparable. At a city's scale the extra
    distortion of being up to a zone's width off the central meridian is below 0.1 %."""
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    if epsg is None:
        finite = x[np.isfinite(x)]
        if finite.size == 0:
            raise ValueError("没有有效经度，无法选择投影带")
        epsg = gk3_epsg(float(np.median(finite)))
    px, py = _transformer(4490, epsg).transform(x, y)
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(px), float(py), epsg
    return np.asarray(px, dtype=np.float64), np.asarray(py, dtype=np.float64), epsg


def from_projected(x: ArrayLike, y: ArrayLike, epsg: int) -> tuple[Any, Any]:
    """Inverse of :func:`to_projected`: Gauss-Krüger metres in zone ``epsg`` → CGCS2000 lon/lat."""
    a, b = np.broadcast_arrays(_arr(x), _arr(y))
    lon, lat = _transformer(epsg, 4490).transform(a, b)
    if np.ndim(x) == 0 and np.ndim(y) == 0:
        return float(lon), float(lat)
    return np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)


def projected_transform(epsg: int, inverse: bool = False) -> Any:
    """A function for ``shapely.transform``: (N, 2) lon/lat array → (N, 2) metres (or back)."""
    tr = _transformer(epsg, 4490) if inverse else _transformer(4490, epsg)

    def fn(coords: FloatArray) -> FloatArray:
        if coords.shape[0] == 0:
            return coords
        a, b = tr.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([a, b])

    return fn
