"""在岗在位 numbers against small hand-computed examples (no database)."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from chengguan.duty.onpost import Params, compute, compute_chunked, haversine
from chengguan.geo.gridindex import GridIndex

LON0, LAT0, D = 121.0, 31.8, 0.01
# Three unit grids side by side: A, B, C.
INDEX = GridIndex.build(["A", "B", "C"], [box(LON0 + i * D, LAT0, LON0 + (i + 1) * D, LAT0 + D) for i in range(3)])
CENTRE = {g: (LON0 + (i + 0.5) * D, LAT0 + 0.5 * D) for i, g in enumerate("ABC")}
P = Params(gap_max=120, max_speed=30, min_ratio=0.5, silent_s=300, left_s=200)


def _run(fixes, allowed, windows, params=P):
    fixes = sorted(fixes)
    member = np.array([f[0] for f in fixes], dtype=np.int64)
    t = np.array([f[1] for f in fixes], dtype=float)
    lon = np.array([f[2] for f in fixes], dtype=float)
    lat = np.array([f[3] for f in fixes], dtype=float)
    return compute(INDEX, member, t, lon, lat, n_members=len(allowed),
                   allowed=[np.array(a, dtype=np.int64) for a in allowed],
                   start=np.array([w[0] for w in windows], float), until=np.array([w[1] for w in windows], float),
                   params=params)


def at(g, dlat=0.0):
    x, y = CENTRE[g]
    return x, y + dlat


def test_time_inside_coverage_and_left_area_by_hand():
    # member 0 must patrol A and B from t=0 to t=1000; member 1 must patrol C and never reports.
    seq = [(0, "A", 0), (60, "A", 0.001), (120, "B", 0), (400, "B", 0), (460, "C", 0), (520, "C", 0),
           (700, "C", 0), (760, "A", 0)]
    fixes = [(0, t, *at(g, dl)) for t, g, dl in seq]
    r = _run(fixes, allowed=[[0, 1], [2]], windows=[(0, 1000), (0, 1000)])
    # covers: 60 60 120(cap) 60 | 60 120(cap) 60 | 120 (last fix: min(240, 120))
    assert r.seconds_reporting[0] == pytest.approx(660)
    assert r.seconds_inside[0] == pytest.approx(60 + 60 + 120 + 60 + 120)
    assert not r.on_post[0]  # 420 < 0.5 × 1000
    assert (r.grids_visited[0], r.grids_total[0]) == (2, 2)
    assert (r.grids_visited[1], r.grids_total[1], r.points[1]) == (0, 1, 0)
    # distance: segments at most 120 s apart: 0→60, 60→120, 400→460, 460→520 — and not 700→760:
    # C→A is ~1.9 km in 60 s, faster than 30 m/s, so it counts as a GPS jump
    pts = {t: at(g, dl) for t, g, dl in seq}
    segs = [(0, 60), (60, 120), (400, 460), (460, 520)]
    want = sum(haversine(np.array([pts[a][0]]), np.array([pts[a][1]]), np.array([pts[b][0]]),
                         np.array([pts[b][1]]))[0] for a, b in segs)
    assert r.distance_m[0] == pytest.approx(want)
    kinds = [(a.member, a.kind, a.start, a.end) for a in r.alerts]
    # outside from the first C fix (460) to the next inside fix (760) = 300 s ≥ 200; member 1 silent all along
    assert kinds == [(0, "left_area", 460, 760), (1, "silent", 0, 1000)]


def test_on_post_when_inside_long_enough_and_distance_north():
    # every 60 s, 0.001° north each time, inside A for the whole window [0, 600)
    fixes = [(0, k * 60.0, CENTRE["A"][0], LAT0 + 0.001 + k * 0.0005) for k in range(10)]
    r = _run(fixes, allowed=[[0]], windows=[(0, 600)])
    assert r.seconds_inside[0] == pytest.approx(600)
    assert r.on_post[0]
    # 9 segments of 0.0005° of latitude on a sphere of radius 6,371,008.8 m
    assert r.distance_m[0] == pytest.approx(9 * 0.0005 * np.pi / 180 * 6_371_008.8, rel=1e-9)
    assert r.alerts == []


def test_glitch_jump_not_counted_and_silent_gaps():
    fixes = [(0, 0.0, *at("A")), (0, 10.0, LON0 + 0.5, LAT0 + 0.5),  # 50 km in 10 s: a glitch
             (0, 20.0, *at("A")), (0, 500.0, *at("A"))]  # then 480 s of silence
    r = _run(fixes, allowed=[[0]], windows=[(0, 1000)])
    assert r.distance_m[0] == 0.0
    silent = [(a.start, a.end) for a in r.alerts if a.kind == "silent"]
    assert silent == [(20.0, 500.0), (500.0, 1000.0)]  # the gap, and from the last fix to the end


def test_late_start_is_silent_and_points_in_no_grid_are_outside():
    fixes = [(0, 400.0, 100.0, 10.0), (0, 460.0, 100.0, 10.0)]  # far outside every grid
    r = _run(fixes, allowed=[[0]], windows=[(0, 500)], params=Params(gap_max=120, silent_s=300, left_s=50))
    assert r.seconds_inside[0] == 0
    assert [(a.kind, a.start, a.end) for a in r.alerts] == [("silent", 0, 400), ("left_area", 400, 460)]


def test_chunked_equals_one_pass():
    rng = np.random.default_rng(1)
    M, per = 7, 50
    member = np.repeat(np.arange(M), per)
    t = np.tile(np.arange(per) * 30.0, M)
    lon = LON0 + rng.random(M * per) * 3.2 * D - 0.1 * D
    lat = LAT0 + rng.random(M * per) * 1.2 * D - 0.1 * D
    kw = dict(n_members=M, allowed=[np.array([m % 3], dtype=np.int64) for m in range(M)],
              start=np.zeros(M), until=np.full(M, per * 30.0), params=P)
    one = compute(INDEX, member, t, lon, lat, **kw)
    for workers in (1, 2):
        many = compute_chunked(INDEX, member, t, lon, lat, chunk_points=120, workers=workers, **kw)
        for f in ("points", "seconds_inside", "seconds_reporting", "distance_m", "grids_total", "grids_visited",
                  "on_post"):
            assert np.allclose(getattr(one, f), getattr(many, f)), f
        assert [(a.member, a.kind, a.start) for a in one.alerts] == [(a.member, a.kind, a.start) for a in many.alerts]
