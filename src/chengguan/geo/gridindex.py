"""Point → unit grid lookup, and coverage checks of a grid layer.

Lookup rule: a point belongs to the grid with the **lowest index** (order given to
:meth:`GridIndex.build`) among the grids whose *closed* polygon contains it. So a point exactly on an
edge shared by two grids resolves to one grid, always the same one, and a point on the outer
boundary of the layer is inside. This is what ``STRtree.query`` + ``shapely.intersects_xy`` + "take the
lowest index" gives, which is kept as ``method="strtree"`` for cross-checking.

The default ``method="raster"`` is faster (stack-notes §6 measured ~0.3–1.4 M points/s for the STRtree
route on this machine class; the 1 M points/s target needs more). At build time we lay a regular
raster of small cells over the layer:

* a cell that no grid edge touches is *pure*: every point in it has the same answer, computed once
  (by scan-line over cell centres) and stored in an int32 label array;
* a cell crossed by edges is *mixed*: it keeps the short list of grids that can contain its points
  (those whose edges touch it, plus those containing its centre), and for each of them the edges of
  that grid in the cell's raster row. A query in a mixed cell runs the crossing-number test (ray to
  +x, half-open in y) over those few edges only, plus an exact on-edge test so boundaries count as
  inside.

Edge touching is computed conservatively (closed cells widened by 1e-6 of a cell), so the pure/mixed
split never changes an answer, only the speed. Everything is vectorised with NumPy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely import STRtree
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from chengguan.geo.coords import from_projected, gk3_epsg, metres_per_degree, projected_transform

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]

_EPS = 1e-6  # in cell units: widening of the conservative edge rasterisation
_NONE = -1


def _ranges(starts: NDArray[Any], counts: NDArray[Any]) -> tuple[IntArray, IntArray]:
    """Expand [start, start+count) ranges: returns (owner index, value) for every element."""
    counts = counts.astype(np.int64, copy=False)
    total = int(counts.sum())
    owner = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    if total == 0:
        return owner, np.zeros(0, dtype=np.int64)
    offs = np.cumsum(counts) - counts
    vals = np.arange(total, dtype=np.int64) - np.repeat(offs - starts.astype(np.int64), counts)
    return owner, vals


def _edges(geoms: NDArray[Any]) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, IntArray]:
    """All ring edges (exteriors and holes) with their grid index, oriented so that y1 <= y2
    (and x1 <= x2 when horizontal): both grids sharing an edge then compute identical numbers."""
    parts, part_owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, ring_idx = shapely.get_coordinates(rings, return_index=True)
    same = ring_idx[1:] == ring_idx[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = part_owner[ring_part[ring_idx[:-1][same]]].astype(np.int64)
    keep = np.any(a != b, axis=1)
    a, b, owner = a[keep], b[keep], owner[keep]
    swap = (a[:, 1] > b[:, 1]) | ((a[:, 1] == b[:, 1]) & (a[:, 0] > b[:, 0]))
    lo = np.where(swap[:, None], b, a)
    hi = np.where(swap[:, None], a, b)
    return lo[:, 0].copy(), lo[:, 1].copy(), hi[:, 0].copy(), hi[:, 1].copy(), owner


@dataclass
class _Raster:
    x0: float
    y0: float
    cx: float
    cy: float
    ncols: int
    nrows: int
    label: NDArray[np.int32]  # >= 0 grid index, -1 nothing, <= -2 mixed cell number (-2 - m)
    cand_ptr: IntArray  # CSR over mixed cells
    cand_grid: NDArray[np.int32]  # ascending within a cell, so the first hit is the lowest index
    cand_eptr: IntArray  # start of this grid's edges in the cell's row (into row_edge)
    cand_ecnt: NDArray[np.int32]
    row_edge: NDArray[np.int32]  # edge ids grouped by (row, grid)
    ex1: FloatArray  # the edges themselves
    ey1: FloatArray
    ex2: FloatArray
    ey2: FloatArray

    @property
    def n_mixed(self) -> int:
        return len(self.cand_ptr) - 1


def _choose_cells(
    x1: FloatArray, y1: FloatArray, x2: FloatArray, y2: FloatArray, geoms: NDArray[Any],
    cell_m: float | None, max_cells: int,
) -> tuple[float, float, float, float, int, int]:  # fmt: skip
    xmin, ymin = float(min(x1.min(), x2.min())), float(y1.min())
    xmax, ymax = float(max(x1.max(), x2.max())), float(y2.max())
    mx, my = metres_per_degree((ymin + ymax) / 2)
    if cell_m is None:
        b = shapely.bounds(geoms)
        ok = np.isfinite(b[:, 0])
        side = np.sqrt(np.maximum((b[ok, 2] - b[ok, 0]) * mx * (b[ok, 3] - b[ok, 1]) * my, 0.0))
        # ~6 cells across a typical grid: ~60 % of the cells are pure. Finer rasters answer faster
        # but cost build time and memory (see bench/bench_locate.py and bench/README.md).
        cell_m = max(float(np.median(side)) / 6.0, 0.01) if side.size else 1.0
    w_m, h_m = max(xmax - xmin, 1e-12) * mx, max(ymax - ymin, 1e-12) * my
    # Coarsen if the raster would exceed max_cells.
    cell_m = max(cell_m, math.sqrt(w_m * h_m / max_cells))
    cx, cy = cell_m / mx, cell_m / my
    # One spare cell on each side keeps edges off the raster border.
    x0, y0 = xmin - cx, ymin - cy
    ncols = int(math.floor((xmax - x0) / cx)) + 2
    nrows = int(math.floor((ymax - y0) / cy)) + 2
    return x0, y0, cx, cy, ncols, nrows


def _build_raster(geoms: NDArray[Any], cell_m: float | None, max_cells: int) -> _Raster | None:
    x1, y1, x2, y2, owner = _edges(geoms)
    if x1.size == 0:
        return None
    n_grids = len(geoms)
    x0, y0, cx, cy, ncols, nrows = _choose_cells(x1, y1, x2, y2, geoms, cell_m, max_cells)
    u1, v1, u2, v2 = (x1 - x0) / cx, (y1 - y0) / cy, (x2 - x0) / cx, (y2 - y0) / cy

    # 1. Cells touched by each edge (closed supercover, widened by _EPS): column by column, the
    #    edge's v-range over that column's u-interval gives the rows.
    ua, ub = np.minimum(u1, u2), np.maximum(u1, u2)
    c_lo = np.floor(ua - _EPS).astype(np.int64)
    c_hi = np.floor(ub + _EPS).astype(np.int64)
    e_of, col = _ranges(c_lo, c_hi - c_lo + 1)
    du = u2 - u1
    lo_u = np.maximum(ua[e_of], col - _EPS)
    hi_u = np.minimum(ub[e_of], col + 1 + _EPS)
    vert = np.abs(du[e_of]) < 1e-12
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(vert, 0.0, (v2 - v1)[e_of] / np.where(vert, 1.0, du[e_of]))
    va = np.where(vert, v1[e_of], v1[e_of] + (lo_u - u1[e_of]) * slope)
    vb = np.where(vert, v2[e_of], v1[e_of] + (hi_u - u1[e_of]) * slope)
    r_lo = np.floor(np.minimum(va, vb) - _EPS).astype(np.int64)
    r_hi = np.floor(np.maximum(va, vb) + _EPS).astype(np.int64)
    ec_of, row = _ranges(r_lo, r_hi - r_lo + 1)
    touch_cell = row * ncols + col[ec_of]
    touch_grid = owner[e_of[ec_of]]
    del e_of, col, lo_u, hi_u, va, vb, ec_of, row

    mixed = np.zeros(nrows * ncols, dtype=bool)
    mixed[touch_cell] = True

    # 2. Scan line through every row's centre: crossings of each grid's edges give the intervals
    #    [xa, xb) inside that grid; cells whose centre falls in one get that grid as a label.
    #    Horizontal edges never produce a crossing (empty row range).
    r0 = np.ceil(v1 - 0.5).astype(np.int64)
    r1 = np.ceil(v2 - 0.5).astype(np.int64) - 1
    e_of, srow = _ranges(r0, np.maximum(r1 - r0 + 1, 0))
    yc = y0 + (srow + 0.5) * cy
    xcross = x1[e_of] + (yc - y1[e_of]) * (x2 - x1)[e_of] / (y2 - y1)[e_of]
    sgrid = owner[e_of]
    order = np.lexsort((xcross, srow, sgrid))
    srow, sgrid, xcross = srow[order], sgrid[order], xcross[order]
    del e_of, yc, order
    grp_start = np.ones(len(srow), dtype=bool)
    grp_start[1:] = (srow[1:] != srow[:-1]) | (sgrid[1:] != sgrid[:-1])
    gid = np.cumsum(grp_start) - 1
    pos = np.arange(len(srow)) - np.flatnonzero(grp_start)[gid]
    gsize = np.bincount(gid)[gid]
    # Even-odd pairs within a (row, grid) group; an odd group can only come from a broken ring.
    left = (pos % 2 == 0) & (pos + 1 < gsize)
    li = np.flatnonzero(left)
    irow, igrid, xa, xb = srow[li], sgrid[li], xcross[li], xcross[li + 1]
    k_lo = np.clip(np.ceil((xa - x0) / cx - 0.5), 0, ncols).astype(np.int64)
    k_hi = np.clip(np.ceil((xb - x0) / cx - 0.5), 0, ncols).astype(np.int64)
    i_of, kcol = _ranges(k_lo, np.maximum(k_hi - k_lo, 0))
    in_cell = irow[i_of] * ncols + kcol
    in_grid = igrid[i_of]
    del srow, sgrid, xcross, i_of, kcol

    label_full = np.full(nrows * ncols, np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(label_full, in_cell, in_grid.astype(np.int32))
    label = np.where(label_full == np.iinfo(np.int32).max, _NONE, label_full).astype(np.int32)

    # 3. Mixed cells: candidates = grids touching the cell ∪ grids containing its centre.
    z = mixed[in_cell]
    keys = np.sort(np.concatenate([touch_cell * n_grids + touch_grid, in_cell[z] * n_grids + in_grid[z]]))
    keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]  # sort+diff: far faster than np.unique here
    del touch_cell, touch_grid, in_cell, in_grid, z, label_full
    cand_cell, cand_grid = keys // n_grids, keys % n_grids
    mixed_cells = np.flatnonzero(mixed)
    m_of_cell = np.searchsorted(mixed_cells, cand_cell)
    cand_ptr = np.zeros(len(mixed_cells) + 1, dtype=np.int64)
    np.cumsum(np.bincount(m_of_cell, minlength=len(mixed_cells)), out=cand_ptr[1:])
    label[mixed_cells] = (-2 - np.arange(len(mixed_cells))).astype(np.int32)

    # 4. Each grid's edges per raster row (closed, widened): complete for any query in that row.
    b_lo = np.floor(v1 - _EPS).astype(np.int64)
    b_hi = np.floor(v2 + _EPS).astype(np.int64)
    e_of, brow = _ranges(b_lo, b_hi - b_lo + 1)
    bkey = brow * n_grids + owner[e_of]
    order = np.argsort(bkey, kind="stable")
    bkey, e_sorted = bkey[order], e_of[order]
    ckey = (cand_cell // ncols) * n_grids + cand_grid
    eptr = np.searchsorted(bkey, ckey, side="left")
    ecnt = np.searchsorted(bkey, ckey, side="right") - eptr
    return _Raster(
        x0, y0, cx, cy, ncols, nrows, label, cand_ptr, cand_grid.astype(np.int32), eptr,
        ecnt.astype(np.int32), e_sorted.astype(np.int32), x1, y1, x2, y2,
    )  # fmt: skip


def _raster_locate(r: _Raster, x: FloatArray, y: FloatArray) -> IntArray:
    n = x.shape[0]
    out = np.full(n, _NONE, dtype=np.int64)
    u = np.floor((x - r.x0) / r.cx)
    v = np.floor((y - r.y0) / r.cy)
    ok = (u >= 0) & (u < r.ncols) & (v >= 0) & (v < r.nrows)  # False for NaN too
    idx = np.flatnonzero(ok)
    lab = r.label[v[idx].astype(np.int64) * r.ncols + u[idx].astype(np.int64)]
    pure = lab >= 0
    out[idx[pure]] = lab[pure]
    mix = lab <= -2
    if not mix.any():
        return out
    pts = idx[mix]
    m = (-2 - lab[mix]).astype(np.int64)
    p_of, c = _ranges(r.cand_ptr[m], r.cand_ptr[m + 1] - r.cand_ptr[m])
    pair_pt = pts[p_of]
    q_of, re = _ranges(r.cand_eptr[c], r.cand_ecnt[c])
    e = r.row_edge[re]
    px, py = x[pair_pt[q_of]], y[pair_pt[q_of]]
    x1, y1, x2, y2 = r.ex1[e], r.ey1[e], r.ex2[e], r.ey2[e]
    dy = y2 - y1
    straddle = (y1 <= py) & (py < y2)
    xint = x1 + (py - y1) * (x2 - x1) / np.where(straddle, dy, 1.0)
    crossing = straddle & (px < xint)
    on_edge = (
        ((x2 - x1) * (py - y1) == dy * (px - x1))
        & (py >= y1) & (py <= y2)
        & (px >= np.minimum(x1, x2)) & (px <= np.maximum(x1, x2))
    )  # fmt: skip
    npairs = len(c)
    odd = np.bincount(q_of, weights=crossing, minlength=npairs).astype(np.int64) % 2 == 1
    touching = np.bincount(q_of, weights=on_edge, minlength=npairs) > 0
    inside = np.flatnonzero(odd | touching)
    if inside.size:
        # Pairs are ordered by point, then by ascending grid index: the first hit is the answer.
        hp = pair_pt[inside]
        first = np.ones(len(hp), dtype=bool)
        first[1:] = hp[1:] != hp[:-1]
        out[hp[first]] = r.cand_grid[c[inside[first]]]
    return out


@dataclass
class GridIndex:
    """Spatial index of unit grids in lon/lat (WGS-84 = CGCS2000 at city scale)."""

    codes: NDArray[Any]  # object array of grid codes, in build order
    polygons: NDArray[Any]  # object array of shapely geometries
    tree: STRtree
    _raster: _Raster | None = field(repr=False, default=None)

    @classmethod
    def build(
        cls,
        codes: Sequence[str],
        polygons: Sequence[BaseGeometry],
        *,
        cell_m: float | None = None,
        max_cells: int = 8_000_000,
    ) -> GridIndex:
        """Index ``polygons`` (Polygon or MultiPolygon, lon/lat) under ``codes``. ``cell_m`` is the
        raster cell size in metres (default: a tenth of the median grid size); ``max_cells`` caps
        the raster's memory (4 bytes per cell)."""
        if len(codes) != len(polygons):
            raise ValueError(f"网格编码数量（{len(codes)}）与多边形数量（{len(polygons)}）不一致")
        geoms = np.asarray(polygons, dtype=object)
        bad = [i for i, g in enumerate(geoms) if g is not None and g.geom_type not in ("Polygon", "MultiPolygon")]
        if bad:
            raise ValueError(f"网格几何应为Polygon或MultiPolygon，第{bad[0]}个是{geoms[bad[0]].geom_type}")
        code_arr = np.empty(len(codes), dtype=object)
        code_arr[:] = list(codes)
        raster = _build_raster(geoms, cell_m, max_cells) if len(geoms) else None
        shapely.prepare(geoms)
        return cls(code_arr, geoms, STRtree(geoms), raster)

    def __len__(self) -> int:
        return len(self.codes)

    # ------------------------------------------------------------------ lookups

    def locate_index_many(
        self, lons: ArrayLike, lats: ArrayLike, *, method: Literal["raster", "strtree"] = "raster"
    ) -> IntArray:
        """Grid index per point (-1 outside every grid)."""
        x = np.ascontiguousarray(np.asarray(lons, dtype=np.float64).ravel())
        y = np.ascontiguousarray(np.asarray(lats, dtype=np.float64).ravel())
        if x.shape != y.shape:
            raise ValueError(f"经度与纬度数组长度不一致：{x.shape[0]} vs {y.shape[0]}")
        if method == "raster":
            if self._raster is None:
                return np.full(x.shape[0], _NONE, dtype=np.int64)
            return _raster_locate(self._raster, x, y)
        if method == "strtree":
            return self._strtree_locate(x, y)
        raise ValueError(f"未知定位方法 {method!r}")

    def _strtree_locate(self, x: FloatArray, y: FloatArray) -> IntArray:
        out = np.full(x.shape[0], _NONE, dtype=np.int64)
        finite = np.isfinite(x) & np.isfinite(y)
        fi = np.flatnonzero(finite)
        pi, ti = self.tree.query(shapely.points(x[fi], y[fi]))
        pi = fi[pi]
        hit = shapely.intersects_xy(self.polygons[ti], x[pi], y[pi])
        pi, ti = pi[hit], ti[hit]
        order = np.lexsort((ti, pi))
        pi, ti = pi[order], ti[order]
        first = np.ones(len(pi), dtype=bool)
        first[1:] = pi[1:] != pi[:-1]
        out[pi[first]] = ti[first]
        return out

    def codes_of(self, idx: NDArray[np.integer[Any]]) -> NDArray[Any]:
        """Grid indices (-1 = none) → object array of codes (None = none)."""
        idx = np.asarray(idx)
        out = np.full(idx.shape[0], None, dtype=object)
        hit = idx >= 0
        out[hit] = self.codes[idx[hit]]
        return out

    def locate_many(
        self,
        lons: ArrayLike,
        lats: ArrayLike,
        *,
        snap_m: float | None = None,
        method: Literal["raster", "strtree"] = "raster",
    ) -> NDArray[Any]:
        """Grid code per point as an object array, ``None`` where the point is in no grid. With
        ``snap_m``, points outside every grid take the nearest grid within that many metres (GPS
        noise at the layer's edge); they are few, so this part runs point by point."""
        idx = self.locate_index_many(lons, lats, method=method)
        out = self.codes_of(idx)
        hit = idx >= 0
        if snap_m is not None and snap_m > 0:
            x = np.asarray(lons, dtype=np.float64).ravel()
            y = np.asarray(lats, dtype=np.float64).ravel()
            for i in np.flatnonzero(~hit):
                if np.isfinite(x[i]) and np.isfinite(y[i]):
                    out[i] = self.nearest(float(x[i]), float(y[i]), snap_m)
        return out

    def locate(self, lon: float, lat: float, *, snap_m: float | None = None) -> str | None:
        i = self._locate_index_scalar(float(lon), float(lat))
        if i >= 0:
            return str(self.codes[i])
        if snap_m and math.isfinite(lon) and math.isfinite(lat):
            return self.nearest(lon, lat, snap_m)
        return None

    def _locate_index_scalar(self, x: float, y: float) -> int:
        """Same test as :func:`_raster_locate`, in plain Python floats (IEEE doubles, so the answers
        are identical) to avoid NumPy's per-call overhead for single points."""
        r = self._raster
        if r is None or not (math.isfinite(x) and math.isfinite(y)):
            return _NONE
        u = math.floor((x - r.x0) / r.cx)
        v = math.floor((y - r.y0) / r.cy)
        if not (0 <= u < r.ncols and 0 <= v < r.nrows):
            return _NONE
        lab = int(r.label[v * r.ncols + u])
        if lab > -2:
            return lab
        m = -2 - lab
        ex1, ey1, ex2, ey2, row_edge = r.ex1, r.ey1, r.ex2, r.ey2, r.row_edge
        for c in range(int(r.cand_ptr[m]), int(r.cand_ptr[m + 1])):
            start = int(r.cand_eptr[c])
            odd = False
            for e in row_edge[start : start + int(r.cand_ecnt[c])].tolist():
                x1, y1, x2, y2 = float(ex1[e]), float(ey1[e]), float(ex2[e]), float(ey2[e])
                dy = y2 - y1
                if (x2 - x1) * (y - y1) == dy * (x - x1) and y1 <= y <= y2 and min(x1, x2) <= x <= max(x1, x2):
                    return int(r.cand_grid[c])  # on the boundary counts as inside
                if y1 <= y < y2 and x < x1 + (y - y1) * (x2 - x1) / dy:
                    odd = not odd
            if odd:
                return int(r.cand_grid[c])
        return _NONE

    def nearest(self, lon: float, lat: float, max_m: float) -> str | None:
        """Code of the grid nearest to the point within ``max_m`` metres (0 if inside; ties → lowest
        index), else ``None``. Distances use a local equirectangular frame, exact to < 0.1 % here."""
        i = self.nearest_index(lon, lat, max_m)
        return None if i < 0 else str(self.codes[i])

    def nearest_index(self, lon: float, lat: float, max_m: float) -> int:
        mx, my = metres_per_degree(lat)
        rx, ry = max_m / mx, max_m / my
        cand = self.tree.query(shapely.box(lon - rx, lat - ry, lon + rx, lat + ry))
        if cand.size == 0:
            return _NONE
        cand = np.sort(cand)
        origin = np.array([lon, lat])
        scale = np.array([mx, my])
        local = shapely.transform(self.polygons[cand], lambda c: (c - origin) * scale)
        d = shapely.distance(local, shapely.Point(0.0, 0.0))
        j = int(np.argmin(d))  # argmin returns the first minimum: lowest index on ties
        return int(cand[j]) if d[j] <= max_m else _NONE

    def stats(self) -> dict[str, float]:
        """Raster figures for benchmarks and tuning."""
        r = self._raster
        if r is None:
            return {}
        return {
            "cells": float(r.ncols * r.nrows),
            "cell_m": r.cy * metres_per_degree(r.y0)[1],
            "mixed_cells": float(r.n_mixed),
            "mixed_fraction": r.n_mixed / float(r.ncols * r.nrows),
            "candidates_per_mixed": len(r.cand_grid) / max(r.n_mixed, 1),
            "row_edges": float(len(r.row_edge)),
            "memory_mb": (r.label.nbytes + r.cand_ptr.nbytes + r.cand_grid.nbytes + r.cand_eptr.nbytes
                          + r.cand_ecnt.nbytes + r.row_edge.nbytes + 4 * r.ex1.nbytes) / 1e6,
        }  # fmt: skip


# ---------------------------------------------------------------------- coverage checks


class Overlap(NamedTuple):
    a: str  # grid code (the lower index of the pair)
    b: str
    area_m2: float


@dataclass(frozen=True, slots=True)
class Gap:
    area_m2: float
    centroid: tuple[float, float]  # lon, lat (may fall outside a strongly concave gap; see ``geom``)
    geom: BaseGeometry  # the gap polygon in lon/lat


class InvalidGrid(NamedTuple):
    code: str
    reason: str  # GEOS explain_validity, e.g. "Self-intersection[121.2 31.9]"


@dataclass
class CoverageReport:
    grid_count: int
    epsg: int  # Gauss-Krüger zone the areas were computed in
    outline_area_m2: float | None
    covered_area_m2: float  # area covered by at least one grid (inside the outline if given)
    overlaps: list[Overlap]
    gaps: list[Gap]
    outside: list[str]  # codes of grids reaching outside the outline by more than the tolerance
    outside_area_m2: dict[str, float]
    invalid: list[InvalidGrid]

    @property
    def ok(self) -> bool:
        return not (self.overlaps or self.gaps or self.outside or self.invalid)


def _polygonal(g: BaseGeometry) -> BaseGeometry:
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and not p.is_empty]
    return shapely.multipolygons(parts) if len(parts) > 1 else (parts[0] if parts else shapely.Polygon())


def check_coverage(
    codes: Sequence[str],
    polygons: Sequence[BaseGeometry | None],
    outline: BaseGeometry | None,
    *,
    tolerance_m2: float = 1.0,
    epsg: int | None = None,
) -> CoverageReport:
    """Check that grids tile ``outline`` (all lon/lat) without overlaps or gaps (GB/T 30428.1 完整性).

    Without an outline, gaps are the holes enclosed by the grids and nothing is "outside".
    Areas are computed in the CGCS2000 Gauss-Krüger zone of the outline (or ``epsg``). Invalid
    geometries are reported with GEOS's explanation and then repaired (``make_valid``) for the other
    checks. Overlapping pairs are found from the grids that GEOS's coverage validator flags (edges
    that do not match a neighbour exactly), each queried against an STRtree, so a clean layer of 100k
    grids costs about a second instead of a pairwise comparison."""
    if len(codes) != len(polygons):
        raise ValueError(f"网格编码数量（{len(codes)}）与多边形数量（{len(polygons)}）不一致")
    n = len(codes)
    codes = [str(c) for c in codes]
    geoms = np.empty(n, dtype=object)
    geoms[:] = list(polygons)
    invalid: list[InvalidGrid] = []
    missing = np.array([g is None or g.is_empty for g in geoms], dtype=bool)
    for i in np.flatnonzero(missing):
        invalid.append(InvalidGrid(codes[i], "几何为空"))
        geoms[i] = shapely.Polygon()
    valid = shapely.is_valid(geoms) | missing
    for i in np.flatnonzero(~valid):
        invalid.append(InvalidGrid(codes[i], explain_validity(geoms[i])))
        geoms[i] = _polygonal(shapely.make_valid(geoms[i], method="structure", keep_collapsed=False))

    if epsg is None:
        if outline is not None and not outline.is_empty:
            epsg = gk3_epsg(outline.centroid.x)
        else:
            b = shapely.total_bounds(geoms[~missing]) if (~missing).any() else np.array([120.0, 0, 120.0, 0])
            epsg = gk3_epsg(float(b[0] + b[2]) / 2)
    fwd = projected_transform(epsg)
    inv = projected_transform(epsg, inverse=True)
    proj = shapely.transform(geoms, fwd)
    live = proj[~missing]

    overlaps, clean = _overlaps(codes, proj, missing, tolerance_m2)
    # The fast coverage union is only defined for a valid coverage (nothing flagged, even slivers).
    union = shapely.coverage_union_all(live) if clean else shapely.union_all(live)
    if union is None or union.is_empty:
        union = shapely.Polygon()

    gaps: list[Gap] = []
    outside: list[str] = []
    outside_area: dict[str, float] = {}
    if outline is not None:
        # Densify first: a long straight lon/lat edge is a curve in the projection, and the grids
        # along it (short edges, many vertices) would otherwise poke "outside" the chord.
        out_p = shapely.transform(shapely.segmentize(outline, 0.0005), fwd)
        shapely.prepare(out_p)
        holes = shapely.get_parts(shapely.difference(out_p, union))
        covered = float(shapely.intersection(out_p, union).area)
        not_covered = np.flatnonzero(~shapely.covered_by(proj, out_p) & ~missing)
        if not_covered.size:
            areas = shapely.area(shapely.difference(proj[not_covered], out_p))
            for i, ar in zip(not_covered, areas, strict=True):
                if ar > tolerance_m2:
                    outside.append(codes[i])
                    outside_area[codes[i]] = float(ar)
        outline_area: float | None = float(out_p.area)
    else:
        # Enclosed holes of the union are the only gaps we can see without an outline.
        holes = np.array(
            [shapely.Polygon(r) for poly in shapely.get_parts(union) for r in poly.interiors], dtype=object
        )
        covered = float(union.area)
        outline_area = None
    for part in holes:
        if part.geom_type == "Polygon" and part.area > tolerance_m2:
            c = part.centroid
            gaps.append(Gap(float(part.area), from_projected(c.x, c.y, epsg), shapely.transform(part, inv)))
    gaps.sort(key=lambda g: -g.area_m2)

    return CoverageReport(n, epsg, outline_area, covered, overlaps, gaps, outside, outside_area, invalid)


def _overlaps(
    codes: list[str], proj: NDArray[Any], missing: NDArray[np.bool_], tol: float
) -> tuple[list[Overlap], bool]:
    """Overlapping pairs above ``tol`` m², and whether the layer is a clean coverage (no flagged edge)."""
    flagged = np.flatnonzero(~shapely.is_empty(shapely.coverage_invalid_edges(proj)) & ~missing)
    if flagged.size == 0:
        return [], True
    tree = STRtree(proj)
    qa, qb = tree.query(proj[flagged], predicate="intersects")
    a, b = flagged[qa], qb
    keep = a != b
    if not keep.any():
        return [], False
    pairs = np.unique(np.stack([np.minimum(a[keep], b[keep]), np.maximum(a[keep], b[keep])], axis=1), axis=0)
    areas = shapely.area(shapely.intersection(proj[pairs[:, 0]], proj[pairs[:, 1]]))
    out = [Overlap(codes[i], str(codes[j]), float(ar)) for (i, j), ar in zip(pairs, areas, strict=True) if ar > tol]
    out.sort(key=lambda o: -o.area_m2)
    return out, False
