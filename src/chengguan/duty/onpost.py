"""在岗在位: the on-post numbers of many people at once, vectorised with NumPy.

Input: every fix of every person, as flat arrays sorted by (person, time), and per person the unit grids
they must patrol and the window [start, until). Rules (documented in docs/duty.md; thresholds are settings):

* each fix stands for the time until the person's next fix, at most ``gap_max`` seconds (a longer gap
  is "not reporting"); the last fix stands until ``until`` (at most ``gap_max``);
* **time inside** = the time stood for by fixes that fall in one of the person's unit grids
  (point → grid via the raster index of chengguan.geo.gridindex, in bulk);
* **distance** = the great-circle length between consecutive fixes that are at most ``gap_max`` apart,
  leaving out jumps faster than ``max_speed`` (GPS glitches);
* **coverage** = distinct assigned unit grids with at least one fix / assigned unit grids;
* **on post** = time inside ≥ ``min_ratio`` × window length;
* alerts: **silent** — no fix for ≥ ``silent_s`` (from the window start to the first fix, between fixes,
  from the last fix to ``until``); **left_area** — fixes outside the assigned grids spanning ≥ ``left_s``
  (from the first outside fix to the next inside fix, or to the last fix of the run).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from chengguan.geo.gridindex import GridIndex

EARTH_R = 6_371_008.8


@dataclass(frozen=True)
class Params:
    gap_max: float = 120.0
    max_speed: float = 30.0
    min_ratio: float = 0.8
    silent_s: float = 900.0
    left_s: float = 900.0


@dataclass
class Alert:
    member: int
    kind: str  # silent / left_area
    start: float
    end: float
    lon: float | None
    lat: float | None

    @property
    def minutes(self) -> float:
        return (self.end - self.start) / 60.0


@dataclass
class Result:
    points: NDArray[np.int64]
    seconds_inside: NDArray[np.float64]
    seconds_reporting: NDArray[np.float64]
    distance_m: NDArray[np.float64]
    grids_total: NDArray[np.int64]
    grids_visited: NDArray[np.int64]
    on_post: NDArray[np.bool_]
    alerts: list[Alert] = field(default_factory=list)

    def row(self, m: int) -> dict[str, float | int | bool | None]:
        total = int(self.grids_total[m])
        return {"points": int(self.points[m]), "seconds_inside": float(self.seconds_inside[m]),
                "seconds_reporting": float(self.seconds_reporting[m]), "distance_m": float(self.distance_m[m]),
                "grids_total": total, "grids_visited": int(self.grids_visited[m]),
                "coverage": (int(self.grids_visited[m]) / total) if total else None,
                "on_post": bool(self.on_post[m])}


def _wsum(idx: NDArray[np.int64], weights: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Per-index sums of ``weights``. np.bincount with weights returns float64 but numpy's stubs say intp;
    asarray restates the dtype without copying."""
    return np.asarray(np.bincount(idx, weights=weights, minlength=n), dtype=np.float64)


def haversine(lon1: NDArray[np.float64], lat1: NDArray[np.float64], lon2: NDArray[np.float64],
              lat2: NDArray[np.float64]) -> NDArray[np.float64]:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_R * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def compute(index: GridIndex, member: NDArray[np.int64], t: NDArray[np.float64], lon: NDArray[np.float64],
            lat: NDArray[np.float64], *, n_members: int, allowed: list[NDArray[np.int64]],
            start: NDArray[np.float64], until: NDArray[np.float64], params: Params = Params(),
            grid_idx: NDArray[np.int64] | None = None, alerts: bool = True) -> Result:
    """On-post numbers for ``n_members`` people. ``member``/``t``/``lon``/``lat``: every fix, sorted by
    (member, t), member in [0, n_members). ``allowed[m]``: indices (into ``index``) of m's unit grids.
    ``start``/``until``: m's window (epoch seconds); fixes outside it must already be filtered out.
    ``grid_idx`` may be given if the caller already located the points."""
    n, M = len(t), n_members
    G = max(len(index), 1)
    g = index.locate_index_many(lon, lat) if grid_idx is None else grid_idx
    # Allowed (member, grid) pairs as sorted int64 keys → membership by binary search.
    sizes = np.array([len(a) for a in allowed], dtype=np.int64)
    keys = np.unique(np.concatenate([m * G + np.asarray(a, dtype=np.int64) for m, a in enumerate(allowed)])
                     if M else np.zeros(0, np.int64))
    pkey = member * G + np.maximum(g, 0)
    pos = np.searchsorted(keys, pkey)
    inside = (g >= 0) & (pos < len(keys)) & (keys[np.minimum(pos, max(len(keys) - 1, 0))] == pkey) \
        if len(keys) else np.zeros(n, dtype=bool)

    # Time each fix stands for: until the next fix of the same member (or until), capped at gap_max.
    same = np.zeros(n, dtype=bool)
    if n > 1:
        same[:-1] = member[1:] == member[:-1]
    nxt = np.empty(n)
    if n:
        nxt[:-1] = t[1:]
        nxt[-1] = 0.0
        nxt = np.where(same, nxt, until[member])
    dt_next = np.clip(nxt - t, 0.0, None) if n else np.zeros(0)
    cover = np.minimum(dt_next, params.gap_max)
    seconds_reporting = _wsum(member, cover, M)
    seconds_inside = _wsum(member, np.where(inside, cover, 0.0), M)

    # Distance between consecutive fixes of the same member.
    dist = np.zeros(M)
    if n > 1:
        seg = np.flatnonzero(same[:-1]) if n > 1 else np.zeros(0, np.int64)
        d = haversine(lon[seg], lat[seg], lon[seg + 1], lat[seg + 1])
        dts = t[seg + 1] - t[seg]
        ok = (dts <= params.gap_max) & (d <= params.max_speed * np.maximum(dts, 1e-9))
        dist = _wsum(member[seg[ok]], d[ok], M)

    # Coverage: distinct allowed grids with at least one inside fix.
    visited_keys = np.unique(pkey[inside])
    grids_visited = np.bincount(visited_keys // G, minlength=M).astype(np.int64)
    points = np.bincount(member, minlength=M).astype(np.int64)
    span = np.maximum(until - start, 0.0)
    on_post = (span > 0) & (seconds_inside >= params.min_ratio * span)
    res = Result(points, seconds_inside, seconds_reporting, dist, sizes, grids_visited, on_post)
    if alerts:
        res.alerts = _alerts(member, t, lon, lat, inside, same, M, start, until, params)
    return res


def _alerts(member: NDArray[np.int64], t: NDArray[np.float64], lon: NDArray[np.float64], lat: NDArray[np.float64],
            inside: NDArray[np.bool_], same: NDArray[np.bool_], M: int, start: NDArray[np.float64],
            until: NDArray[np.float64], p: Params) -> list[Alert]:
    out: list[Alert] = []
    n = len(t)
    # Silent: before the first fix, between fixes, after the last fix.
    first = np.ones(n, dtype=bool)
    if n > 1:
        first[1:] = ~same[:-1]
    last = ~same
    has = np.bincount(member, minlength=M) > 0
    for m in np.flatnonzero(~has):
        if until[m] - start[m] >= p.silent_s:
            out.append(Alert(int(m), "silent", float(start[m]), float(until[m]), None, None))
    fi = np.flatnonzero(first)
    gap0 = t[fi] - start[member[fi]]
    for i in fi[gap0 >= p.silent_s]:
        out.append(Alert(int(member[i]), "silent", float(start[member[i]]), float(t[i]), None, None))
    if n > 1:
        mid = np.flatnonzero(same[:-1] & ((t[1:] - t[:-1]) >= p.silent_s))
        for i in mid:
            out.append(Alert(int(member[i]), "silent", float(t[i]), float(t[i + 1]), float(lon[i]), float(lat[i])))
    li = np.flatnonzero(last)
    gap1 = until[member[li]] - t[li]
    for i in li[gap1 >= p.silent_s]:
        out.append(Alert(int(member[i]), "silent", float(t[i]), float(until[member[i]]), float(lon[i]),
                         float(lat[i])))
    # Left the area: runs of outside fixes.
    if n:
        run_start = first | np.concatenate([[True], inside[1:] != inside[:-1]])
        rs = np.flatnonzero(run_start)
        re_ = np.concatenate([rs[1:], [n]]) - 1  # last index of each run
        outside = ~inside[rs]
        rs, re_ = rs[outside], re_[outside]
        # end: the next fix (an inside fix of the same member) if any, else the run's last fix
        has_next = (re_ + 1 < n) & same[re_]
        end_t = np.where(has_next, t[np.minimum(re_ + 1, n - 1)], t[re_])
        long_ = (end_t - t[rs]) >= p.left_s
        for a, e in zip(rs[long_], end_t[long_], strict=True):
            out.append(Alert(int(member[a]), "left_area", float(t[a]), float(e), float(lon[a]), float(lat[a])))
    out.sort(key=lambda a: (a.member, a.start, a.kind))
    return out


_SHARED: dict[str, object] = {}  # inherited by forked workers (no pickling of the big arrays)


def _chunk(bounds: tuple[int, int]) -> Result:
    m0, m1 = bounds
    g = _SHARED
    first = g["first"]
    a, b = first[m0], first[m1]  # type: ignore[index]
    r = compute(g["index"], g["member"][a:b] - m0, g["t"][a:b], g["lon"][a:b], g["lat"][a:b],  # type: ignore[index,arg-type]
                n_members=m1 - m0, allowed=g["allowed"][m0:m1], start=g["start"][m0:m1],  # type: ignore[index]
                until=g["until"][m0:m1], params=g["params"])  # type: ignore[index,arg-type]
    for al in r.alerts:
        al.member += m0
    return r


def compute_chunked(index: GridIndex, member: NDArray[np.int64], t: NDArray[np.float64], lon: NDArray[np.float64],
                    lat: NDArray[np.float64], *, n_members: int, allowed: list[NDArray[np.int64]],
                    start: NDArray[np.float64], until: NDArray[np.float64], params: Params = Params(),
                    chunk_points: int = 2_000_000, workers: int = 1) -> Result:
    """:func:`compute` over slices of whole members of about ``chunk_points`` fixes each: the same answer
    with a bounded working set (a day of a city's officers is ~17M fixes; the temporaries of one pass
    over all of them cost gigabytes and page faults). ``workers`` > 1 computes the slices in that many
    forked processes (POSIX only; the inputs are inherited, only the per-member results travel back)."""
    n = len(t)
    if n <= chunk_points and workers <= 1:
        return compute(index, member, t, lon, lat, n_members=n_members, allowed=allowed, start=start, until=until,
                       params=params)
    # member boundaries (member is sorted): first fix of each member
    first = np.searchsorted(member, np.arange(n_members + 1))
    bounds: list[tuple[int, int]] = []
    m0 = 0
    while m0 < n_members:
        m1 = int(np.searchsorted(first, first[m0] + chunk_points, side="right")) - 1
        m1 = min(max(m1, m0 + 1), n_members)
        bounds.append((m0, m1))
        m0 = m1
    _SHARED.update(index=index, member=member, t=t, lon=lon, lat=lat, allowed=allowed, start=start, until=until,
                   params=params, first=first)
    try:
        if workers > 1 and len(bounds) > 1:
            import multiprocessing as mp

            with mp.get_context("fork").Pool(min(workers, len(bounds))) as pool:
                parts = pool.map(_chunk, bounds, chunksize=1)
        else:
            parts = [_chunk(b) for b in bounds]
    finally:
        _SHARED.clear()
    return Result(np.concatenate([p.points for p in parts]), np.concatenate([p.seconds_inside for p in parts]),
                  np.concatenate([p.seconds_reporting for p in parts]), np.concatenate([p.distance_m for p in parts]),
                  np.concatenate([p.grids_total for p in parts]), np.concatenate([p.grids_visited for p in parts]),
                  np.concatenate([p.on_post for p in parts]), [al for p in parts for al in p.alerts])
