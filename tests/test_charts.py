"""Server-side SVG charts: well-formed XML, labels present and escaped, missing data handled."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from chengguan.core.charts import (
    MISSING_FILL,
    NO_DATA,
    RAMP,
    bar_chart,
    heat_grid_map,
    line_chart,
    pie_chart,
)

NS = "{http://www.w3.org/2000/svg}"
STREETS = ["海门街道", "三厂街道", "滨江街道", "常乐镇"]


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{NS}svg"
    assert "CGSans" in root.attrib["font-family"]
    return root


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def marks(root: ET.Element, tag: str) -> list[ET.Element]:
    """Data marks are the elements that carry a tooltip <title> child."""
    return [el for el in root.iter(f"{NS}{tag}") if el.find(f"{NS}title") is not None]


def square(lon: float, lat: float, d: float = 0.01) -> list[tuple[float, float]]:
    return [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d)]


# ---------------------------------------------------------------- bar


def test_bar_chart_labels_values_and_title() -> None:
    root = parse(bar_chart(STREETS, [120, 85, 40, 7], "2026年3月各街道案件数", unit="件"))
    shown = texts(root)
    for name in STREETS:
        assert name in shown
    assert "2026年3月各街道案件数" in shown
    assert {"120", "85", "40", "7"} <= set(shown)
    assert len(marks(root, "rect")) == 4
    assert NO_DATA not in shown


def test_bar_heights_are_proportional() -> None:
    root = parse(bar_chart(["a", "b"], [50, 100]))
    h = [float(r.attrib["height"]) for r in marks(root, "rect")]
    assert h[1] == pytest.approx(2 * h[0], rel=0.02)


def test_bar_chart_skips_none_nan_and_inf() -> None:
    root = parse(bar_chart(STREETS, [3, None, math.nan, math.inf]))
    assert len(marks(root, "rect")) == 1
    # The category labels stay, so the gap is visible as a gap.
    assert set(STREETS) <= set(texts(root))


def test_bar_chart_all_zero_draws_zero_bars_not_no_data() -> None:
    root = parse(bar_chart(STREETS[:3], [0, 0, 0]))
    assert NO_DATA not in texts(root)
    assert len(marks(root, "rect")) == 3


@pytest.mark.parametrize("values", [[], [None, None], [math.nan]])
def test_bar_chart_without_data_says_so(values: list[float | None]) -> None:
    labels = [f"x{i}" for i in range(len(values))]
    root = parse(bar_chart(labels, values, "空"))
    assert NO_DATA in texts(root)
    assert marks(root, "rect") == []


def test_negative_bar_hangs_below_the_axis() -> None:
    root = parse(bar_chart(["增", "减"], [10, -5]))
    up, down = marks(root, "rect")
    zero_y = float(up.attrib["y"]) + float(up.attrib["height"])
    assert float(down.attrib["y"]) == pytest.approx(zero_y, abs=0.2)
    assert "-5" in texts(root)


def test_labels_are_escaped() -> None:
    nasty = '<script>alert("x")</script> & 罚款'
    svg = bar_chart([nasty, "ok"], [1, 2], title="a<b")
    assert "<script>" not in svg
    root = parse(svg)
    shown = texts(root)
    # Parsed back, the text is the literal label (truncated on the axis, whole in the tooltip).
    assert any(t.startswith("<script>") for t in shown)
    tips = ["".join(el.itertext()) for el in root.iter(f"{NS}title")]
    assert f"{nasty}: 1" in tips
    assert "a<b" in shown


def test_length_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError):
        bar_chart(["a", "b"], [1])
    with pytest.raises(ValueError):
        pie_chart(["a"], [1, 2])
    with pytest.raises(ValueError):
        line_chart(["1月", "2月"], {"发现率": [1.0]})
    with pytest.raises(ValueError):
        heat_grid_map([square(121, 31)], [1, 2])


def test_long_labels_are_rotated_and_truncated() -> None:
    labels = ["海门区城市管理局综合行政执法大队第三中队", "三厂街道"] * 6
    root = parse(bar_chart(labels, list(range(12))))
    rotated = [t for t in root.iter(f"{NS}text") if "rotate" in t.attrib.get("transform", "")]
    assert len(rotated) == 12
    assert any(t.endswith("…") for t in texts(root))


# ---------------------------------------------------------------- line


def test_line_chart_series_legend_and_gaps() -> None:
    months = ["1月", "2月", "3月", "4月", "5月"]
    svg = line_chart(
        months,
        {"发现率": [92, 93.5, None, 95, 96], "处置率": [88, 90, 91, 93, 94]},
        "考评指标趋势",
        unit="%",
    )
    root = parse(svg)
    shown = texts(root)
    assert {"发现率", "处置率", "考评指标趋势", *months} <= set(shown)
    lines = list(root.iter(f"{NS}polyline"))
    # 发现率 breaks at March into two runs; 处置率 is one run.
    assert len(lines) == 3
    assert len(marks(root, "circle")) == 9


def test_line_axis_fits_the_data_unless_zero_based() -> None:
    data = {"处置率": [90.0, 95.0, 97.0]}
    fitted = texts(parse(line_chart(["1月", "2月", "3月"], data)))
    assert "0" not in fitted
    zero = texts(parse(line_chart(["1月", "2月", "3月"], data, zero_based=True)))
    assert "0" in zero


def test_isolated_point_gets_a_marker_even_without_points() -> None:
    root = parse(line_chart(["a", "b", "c"], {"s": [None, 5, None]}, show_points=False))
    assert list(root.iter(f"{NS}polyline")) == []
    assert len(marks(root, "circle")) == 1


def test_line_chart_constant_zero_series() -> None:
    root = parse(line_chart(["a", "b"], {"s": [0, 0]}))
    assert NO_DATA not in texts(root)
    assert len(list(root.iter(f"{NS}polyline"))) == 1


@pytest.mark.parametrize(
    ("x", "series"), [([], {}), (["a", "b"], {"s": [None, None]}), (["a"], {"s": [math.nan]}), (["a"], {})]
)
def test_line_chart_without_data(x: list[str], series: dict[str, list[float | None]]) -> None:
    assert NO_DATA in texts(parse(line_chart(x, series)))


# ---------------------------------------------------------------- pie


def test_pie_chart_slices_and_shares() -> None:
    labels = ["占道经营", "乱堆物料", "暴露垃圾", "其他"]
    root = parse(pie_chart(labels, [50, 25, 25, 0], "案件类别构成"))
    shown = " ".join(texts(root))
    for name in labels:
        assert name in shown
    assert "50.0%" in shown and "25.0%" in shown and "0.0%" in shown
    assert len(marks(root, "path")) == 3  # the zero slice is not drawn


def test_pie_single_value_is_a_full_circle() -> None:
    root = parse(pie_chart(["唯一", "无"], [7, None]))
    assert len(marks(root, "circle")) == 1
    assert "—" in " ".join(texts(root))


@pytest.mark.parametrize("values", [[0, 0], [None, math.nan], [], [-3, 0]])
def test_pie_without_positive_total(values: list[float | None]) -> None:
    labels = [f"x{i}" for i in range(len(values))]
    assert NO_DATA in texts(parse(pie_chart(labels, values)))


def test_donut_shows_total() -> None:
    root = parse(pie_chart(["a", "b"], [30, 12], donut=True))
    assert "42" in texts(root)


# ---------------------------------------------------------------- heat map


def _path_bbox(d: str) -> tuple[float, float]:
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = nums[0::2], nums[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


def test_heat_map_ramp_missing_and_legend() -> None:
    polys = [square(121.15 + 0.01 * i, 31.86) for i in range(4)]
    root = parse(
        heat_grid_map(polys, [0, 5, 10, None], "单元网格案件热力图", labels=["A", "B", "C", "D"], unit="件")
    )
    cells = marks(root, "path")
    assert len(cells) == 4
    fills = [c.attrib["fill"] for c in cells]
    assert fills[0] == RAMP[0]
    assert fills[2] == RAMP[-1]
    assert fills[3] == MISSING_FILL
    shown = texts(root)
    assert "无数据" in shown and "单位：件" in shown and "单元网格案件热力图" in shown
    tips = ["".join(c.find(f"{NS}title").itertext()) for c in cells]  # type: ignore[union-attr]
    assert tips[0] == "A: 0件" and tips[3] == "D: 无数据"


def test_heat_map_projection_keeps_ground_squares_square() -> None:
    lat = 31.87
    d_lat = 0.01
    d_lon = d_lat / math.cos(math.radians(lat))  # same ground distance east-west
    poly = [(121.2, lat), (121.2 + d_lon, lat), (121.2 + d_lon, lat + d_lat), (121.2, lat + d_lat)]
    (cell,) = marks(parse(heat_grid_map([poly], [1])), "path")
    w, h = _path_bbox(cell.attrib["d"])
    assert w == pytest.approx(h, rel=0.01)


def test_heat_map_accepts_holes_multipolygons_and_geometries() -> None:
    shapely = pytest.importorskip("shapely.geometry")
    outer = square(121.0, 31.0, 0.04)
    hole = square(121.01, 31.01, 0.01)
    multi = [[square(121.05, 31.0)], [square(121.07, 31.0)]]
    geom = shapely.box(121.0, 31.05, 121.02, 31.07)
    geojson = {"type": "Polygon", "coordinates": [square(121.05, 31.05)]}
    root = parse(heat_grid_map([[outer, hole], multi, geom, geojson], [1, 2, 3, 4]))
    cells = marks(root, "path")
    assert [c.attrib["d"].count("M") for c in cells] == [2, 2, 1, 1]
    assert all(c.attrib["fill-rule"] == "evenodd" for c in cells)


def test_heat_map_equal_values_and_all_missing() -> None:
    polys = [square(121.15 + 0.01 * i, 31.86) for i in range(3)]
    same = parse(heat_grid_map(polys, [4, 4, 4]))
    assert len({c.attrib["fill"] for c in marks(same, "path")}) == 1
    missing = parse(heat_grid_map(polys, [None, math.nan, None]))
    assert {c.attrib["fill"] for c in marks(missing, "path")} == {MISSING_FILL}
    assert NO_DATA in texts(missing)


def test_heat_map_without_shapes() -> None:
    assert NO_DATA in texts(parse(heat_grid_map([], [], "空")))


def test_heat_map_rejects_points() -> None:
    with pytest.raises(ValueError):
        heat_grid_map([{"type": "Point", "coordinates": [121.0, 31.0]}], [1])
