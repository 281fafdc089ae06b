"""Point → grid lookup and coverage checks."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from chengguan.geo.gridindex import GridIndex, check_coverage

LON0, LAT0 = 121.10, 31.80
D = 0.001  # ~95 m × 111 m cells


def _squares(n: int = 10) -> tuple[list[str], list[Polygon]]:
    codes, polys = [], []
    for j in range(n):
        for i in range(n):
            codes.append(f"320614001001{j * n + i + 1:03d}")
            polys.append(box(LON0 + i * D, LAT0 + j * D, LON0 + (i + 1) * D, LAT0 + (j + 1) * D))
    return codes, polys


def _jittered(n: int, seed: int) -> tuple[list[str], list[Polygon]]:
    """Quads on a jittered lattice: neighbours share identical edges, as a real grid layer does."""
    rng = np.random.default_rng(seed)
    x = LON0 + (np.arange(n + 1)[None, :] + rng.uniform(-0.3, 0.3, (n + 1, n + 1))) * D
    y = LAT0 + (np.arange(n + 1)[:, None] + rng.uniform(-0.3, 0.3, (n + 1, n + 1))) * D
    codes, polys = [], []
    for j in range(n):
        for i in range(n):
            ring = [(x[j, i], y[j, i]), (x[j, i + 1], y[j, i + 1]), (x[j + 1, i + 1], y[j + 1, i + 1]),
                    (x[j + 1, i], y[j + 1, i])]  # fmt: skip
            codes.append(f"g{j * n + i}")
            polys.append(Polygon(ring))
    return codes, polys


def test_centres_outside_and_nan() -> None:
    codes, polys = _squares()
    gi = GridIndex.build(codes, polys)
    cx = np.array([p.centroid.x for p in polys])
    cy = np.array([p.centroid.y for p in polys])
    assert list(gi.locate_many(cx, cy)) == codes
    assert gi.locate(cx[37], cy[37]) == codes[37]
    out = gi.locate_many([LON0 - 0.01, LON0 + 0.5, np.nan, LON0 + 0.0005], [LAT0, LAT0, LAT0, np.nan])
    assert list(out) == [None, None, None, None]
    assert gi.locate(LON0 - 0.01, LAT0) is None


def test_shared_edges_and_vertices_resolve_to_lowest_index() -> None:
    codes, polys = _squares()
    gi = GridIndex.build(codes, polys)
    # On the vertical edge between grid 0 and 1, the horizontal edge between 0 and 10, and the
    # vertex shared by 0, 1, 10, 11: the lowest index wins, never "no grid".
    pts = [(LON0 + D, LAT0 + 0.5 * D, 0), (LON0 + 0.5 * D, LAT0 + D, 0), (LON0 + D, LAT0 + D, 0),
           (LON0 + 5 * D, LAT0 + 7.3 * D, 74), (LON0 + 3.5 * D, LAT0 + 9 * D, 83)]  # fmt: skip
    for x, y, want in pts:
        assert gi.locate(x, y) == codes[want]
        assert gi.locate_many([x], [y], method="strtree")[0] == codes[want]
    # Outer boundary counts as inside.
    assert gi.locate(LON0, LAT0 + 0.5 * D) == codes[0]
    assert gi.locate(LON0 + 10 * D, LAT0 + 9.5 * D) == codes[99]


def test_build_order_decides_ties() -> None:
    codes, polys = _squares(2)
    gi = GridIndex.build(codes[::-1], polys[::-1])
    assert gi.locate(LON0 + D, LAT0 + 0.5 * D) == codes[1]  # now index 2 in build order beats index 3


def test_raster_agrees_with_strtree_on_irregular_grids() -> None:
    codes, polys = _jittered(30, seed=1)
    # A ring-shaped grid (a hole filled by another grid) and a two-part grid.
    ring = Polygon(shapely.get_coordinates(box(LON0 + 31 * D, LAT0, LON0 + 35 * D, LAT0 + 4 * D)),
                   [shapely.get_coordinates(box(LON0 + 32 * D, LAT0 + D, LON0 + 34 * D, LAT0 + 3 * D))])  # fmt: skip
    inner = box(LON0 + 32 * D, LAT0 + D, LON0 + 34 * D, LAT0 + 3 * D)
    two = MultiPolygon([box(LON0 + 36 * D, LAT0, LON0 + 37 * D, LAT0 + D),
                        box(LON0 + 38 * D, LAT0, LON0 + 39 * D, LAT0 + D)])  # fmt: skip
    codes += ["ring", "inner", "two"]
    polys += [ring, inner, two]
    gi = GridIndex.build(codes, polys)
    rng = np.random.default_rng(2)
    x = rng.uniform(LON0 - 2 * D, LON0 + 40 * D, 200_000)
    y = rng.uniform(LAT0 - 2 * D, LAT0 + 32 * D, 200_000)
    fast = gi.locate_index_many(x, y)
    ref = gi.locate_index_many(x, y, method="strtree")
    assert np.array_equal(fast, ref)
    assert (fast >= 0).mean() > 0.5 and (fast < 0).any()
    # The scalar path (plain floats) gives the same answers as the vectorised one.
    assert [gi.locate(a, b) for a, b in zip(x[:20_000].tolist(), y[:20_000].tolist(), strict=True)] == list(
        gi.codes_of(fast[:20_000])
    )
    assert gi.locate(LON0 + 33 * D, LAT0 + 2 * D) == "inner"
    assert gi.locate(LON0 + 31.5 * D, LAT0 + 2 * D) == "ring"
    assert gi.locate(LON0 + 37.5 * D, LAT0 + 0.5 * D) is None
    assert gi.locate(LON0 + 38.5 * D, LAT0 + 0.5 * D) == "two"
    # The vertices themselves (shared by up to four grids) agree with the reference as well.
    vx, vy = shapely.get_coordinates(np.array(polys, dtype=object)).T
    at_vertices = gi.locate_index_many(vx, vy)
    assert np.array_equal(at_vertices, gi.locate_index_many(vx, vy, method="strtree"))
    assert [gi.locate(a, b) for a, b in zip(vx.tolist(), vy.tolist(), strict=True)] == list(gi.codes_of(at_vertices))


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.floats(min_value=0.5, max_value=40.0))
def test_any_cell_size_gives_the_same_answers(seed: int, cell_m: float) -> None:
    codes, polys = _jittered(6, seed)
    gi = GridIndex.build(codes, polys, cell_m=cell_m)
    rng = np.random.default_rng(seed)
    x = rng.uniform(LON0 - D, LON0 + 7 * D, 3000)
    y = rng.uniform(LAT0 - D, LAT0 + 7 * D, 3000)
    assert np.array_equal(gi.locate_index_many(x, y), gi.locate_index_many(x, y, method="strtree"))


def test_overlapping_grids_resolve_to_lowest_index() -> None:
    a = box(LON0, LAT0, LON0 + 2 * D, LAT0 + D)
    b = box(LON0 + D, LAT0, LON0 + 3 * D, LAT0 + D)
    gi = GridIndex.build(["b", "a"], [b, a])
    assert gi.locate(LON0 + 1.5 * D, LAT0 + 0.5 * D) == "b"
    assert gi.locate(LON0 + 0.5 * D, LAT0 + 0.5 * D) == "a"


def test_nearest_and_snapping() -> None:
    codes, polys = _squares(3)
    gi = GridIndex.build(codes, polys)
    # ~9.5 m west of the layer (0.0001° of longitude at 31.8°N).
    x, y = LON0 - 0.0001, LAT0 + 1.5 * D
    assert gi.locate(x, y) is None
    assert gi.nearest(x, y, max_m=15) == codes[3]
    assert gi.nearest(x, y, max_m=5) is None
    assert gi.locate(x, y, snap_m=15) == codes[3]
    assert list(gi.locate_many([x, LON0 - 0.01], [y, y], snap_m=15)) == [codes[3], None]
    assert gi.nearest(LON0 + 0.5 * D, LAT0 + 0.5 * D, max_m=1) == codes[0]  # inside → distance 0


def test_build_rejects_mismatch_and_non_polygons() -> None:
    with pytest.raises(ValueError, match="数量"):
        GridIndex.build(["a"], [])
    with pytest.raises(ValueError, match="Polygon或MultiPolygon"):
        GridIndex.build(["a"], [Point(0, 0)])
    empty = GridIndex.build([], [])
    assert empty.locate(121.0, 31.0) is None and list(empty.locate_many([121.0], [31.0])) == [None]


# ---------------------------------------------------------------------- coverage


def test_clean_coverage() -> None:
    codes, polys = _jittered(12, seed=5)
    outline = shapely.union_all(polys)
    rep = check_coverage(codes, polys, outline)
    assert rep.ok, rep
    assert rep.epsg == 4549 and rep.grid_count == 144
    assert rep.covered_area_m2 == pytest.approx(rep.outline_area_m2, rel=1e-6)  # outline is densified


def test_coverage_finds_gap_overlap_invalid_and_outside() -> None:
    codes, polys = _squares(4)
    outline = box(LON0, LAT0, LON0 + 4 * D, LAT0 + 4 * D)
    # Gap: drop grid 5. Overlap: stretch grid 10 into grid 11 by a third of a cell.
    gap_poly = polys[5]
    del codes[5], polys[5]
    i10 = codes.index("320614001001011")
    polys[i10] = box(LON0 + 2 * D, LAT0 + 2 * D, LON0 + 3.33 * D, LAT0 + 3 * D)
    # Invalid: grid 0 becomes a bow tie. Outside: an extra grid east of the outline.
    i0 = codes.index("320614001001001")
    polys[i0] = Polygon([(LON0, LAT0), (LON0 + D, LAT0 + D), (LON0 + D, LAT0), (LON0, LAT0 + D)])
    codes.append("320614001001099")
    polys.append(box(LON0 + 4 * D, LAT0, LON0 + 5 * D, LAT0 + D))

    rep = check_coverage(codes, polys, outline)
    assert not rep.ok
    assert [(o.a, o.b) for o in rep.overlaps] == [("320614001001011", "320614001001012")]
    assert rep.overlaps[0].area_m2 == pytest.approx(0.33 * 94.6 * 110.9, rel=0.02)
    # Three gaps: the dropped grid, and the triangles above and below the repaired bow tie.
    big = rep.gaps[0]
    assert big.area_m2 == pytest.approx(94.6 * 110.9, rel=0.02)
    assert big.centroid == pytest.approx((gap_poly.centroid.x, gap_poly.centroid.y), abs=1e-7)
    assert big.geom.contains(gap_poly.centroid)
    assert [g.area_m2 for g in rep.gaps[1:]] == pytest.approx([big.area_m2 / 4] * 2, rel=0.02)
    assert rep.outside == ["320614001001099"]
    assert rep.outside_area_m2["320614001001099"] == pytest.approx(94.6 * 110.9, rel=0.02)
    assert [i.code for i in rep.invalid] == ["320614001001001"]
    assert "Self-intersection" in rep.invalid[0].reason
    code, reason = rep.invalid[0]  # a plain tuple as well
    assert code == "320614001001001"


def test_coverage_tolerance_and_no_outline() -> None:
    codes, polys = _squares(3)
    # A sliver overlap of ~0.5 m² is below the default tolerance of 1 m²; a 1 m² tolerance hides it.
    polys[0] = box(LON0, LAT0, LON0 + D + 0.00000005, LAT0 + D)
    assert check_coverage(codes, polys, None).overlaps == []
    assert len(check_coverage(codes, polys, None, tolerance_m2=0.1).overlaps) == 1
    # Without an outline, an enclosed hole is still a gap; nothing can be outside.
    del codes[4], polys[4]
    rep = check_coverage(codes, polys, None)
    assert len(rep.gaps) == 1 and rep.outside == [] and rep.outline_area_m2 is None


def test_coverage_reports_empty_geometry() -> None:
    codes, polys = _squares(2)
    polys[1] = None
    rep = check_coverage(codes, polys, box(LON0, LAT0, LON0 + 2 * D, LAT0 + 2 * D))
    assert rep.invalid[0].code == codes[1] and rep.invalid[0].reason == "几何为空"
    assert len(rep.gaps) == 1
