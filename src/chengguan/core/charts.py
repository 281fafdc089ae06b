"""Server-side charts as standalone SVG strings (no plotting library).

Used in PDFs (WeasyPrint renders inline ``<svg>`` with the embedded CGSans font, so Chinese labels
come out right with no system font) and in HTML pages where a static chart is enough.

Conventions for every chart:
- ``None`` and NaN are "no value": bars and pie slices are skipped, lines break, map cells are grey.
- No usable data at all (empty input, everything missing, a pie summing to 0) draws "暂无数据".
- All-zero bar and line data is drawn as real zeros (a month with 0 cases is information).
- Every text is XML-escaped, so labels can come straight from user input.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from html import escape
from typing import TypeAlias

__all__ = [
    "FONT_FAMILY",
    "NO_DATA",
    "PALETTE",
    "RAMP",
    "bar_chart",
    "heat_grid_map",
    "line_chart",
    "pie_chart",
]

Number: TypeAlias = float | int | None
LonLat: TypeAlias = tuple[float, float] | Sequence[float]
Ring: TypeAlias = Sequence[LonLat]

# Same family names as chengguan.assets, without quotes so it sits inside an XML attribute.
FONT_FAMILY = "CGSans, CGSansExt, sans-serif"
NO_DATA = "暂无数据"
# ECharts' default palette, so server-side and browser charts of the same thing match.
PALETTE = ("#5470c6", "#91cc75", "#fac858", "#ee6666", "#73c0de", "#3ba272", "#fc8452", "#9a60b4", "#ea7ccc")
# Sequential yellow → red ramp (ColorBrewer YlOrRd) for "more problems = hotter".
RAMP = ("#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")
MISSING_FILL = "#d9d9d9"
AXIS = "#666"
GRID = "#e5e5e5"
TEXT = "#222"


# --------------------------------------------------------------------------- helpers


def _num(v: Number) -> float | None:
    """A finite float, or None for None/NaN/±inf."""
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _fmt(v: float) -> str:
    """Compact number: 12, 12.5, 0.33 — never '12.0' or exponent notation for report-sized values."""
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.2f}".rstrip("0").rstrip(".") if abs(v) < 100 else f"{v:.1f}".rstrip("0").rstrip(".")


def _text_width(s: str, size: float) -> float:
    """Approximate rendered width: CJK and full-width characters are 1 em, others ~0.6 em."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.6 for c in s)


def _truncate(s: str, size: float, max_width: float) -> str:
    if _text_width(s, size) <= max_width:
        return s
    while s and _text_width(s + "…", size) > max_width:
        s = s[:-1]
    return s + "…"


def _text(
    x: float,
    y: float,
    s: str,
    *,
    size: float = 12,
    anchor: str = "start",
    fill: str = TEXT,
    weight: str | None = None,
    extra: str = "",
) -> str:
    w = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" text-anchor="{anchor}" fill="{fill}"{w}{extra}>'
        f"{escape(s)}</text>"
    )


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT_FAMILY}" role="img"'
        f' aria-label="{escape(title or "图表")}">'
    )
    parts = [
        head,
        f"<title>{escape(title)}</title>" if title else "",
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    if title:
        parts.append(_text(width / 2, 24, title, size=16, anchor="middle", weight="bold"))
    return "".join([*parts, *body, "</svg>"])


def _no_data(width: int, height: int, title: str) -> str:
    top = 36 if title else 0
    return _svg(
        width,
        height,
        title,
        [
            f'<rect x="10" y="{top + 10}" width="{width - 20}" height="{height - top - 20}" fill="none" '
            f'stroke="{GRID}" stroke-dasharray="4 4"/>',
            _text(width / 2, (height + top) / 2 + 6, NO_DATA, size=16, anchor="middle", fill="#999"),
        ],
    )


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 × 10ⁿ steps) covering [lo, hi]; always includes 0 when in range."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t < hi + step * 0.999:
        ticks.append(round(t, 10))
        t += step
    return ticks


class _Scale:
    """Linear map from data [d0, d1] to pixels [p0, p1]."""

    def __init__(self, d0: float, d1: float, p0: float, p1: float) -> None:
        self.d0, self.d1, self.p0, self.p1 = d0, d1, p0, p1

    def __call__(self, v: float) -> float:
        if self.d1 == self.d0:
            return self.p0
        return self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)


def _value_axis(
    values: list[float],
    top: float,
    bottom: float,
    left: float,
    right: float,
    unit: str,
    *,
    include_zero: bool = True,
) -> tuple[_Scale, list[str]]:
    """Horizontal grid lines with labels on the left; returns the y scale and the SVG parts."""
    lo, hi = min(values), max(values)
    if include_zero:
        lo, hi = min(lo, 0.0), max(hi, 0.0)
    elif hi - lo < 1e-9:
        pad = abs(hi) * 0.1 or 1.0
        lo, hi = lo - pad, hi + pad
    ticks = _nice_ticks(lo, hi)
    y = _Scale(ticks[0], ticks[-1], bottom, top)
    parts = []
    for t in ticks:
        py = y(t)
        parts.append(f'<line x1="{left:.1f}" y1="{py:.1f}" x2="{right:.1f}" y2="{py:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 6, py + 4, _fmt(t), size=11, anchor="end", fill=AXIS))
    if unit:
        parts.append(_text(left - 6, top - 10, unit, size=11, anchor="end", fill=AXIS))
    base = y(0) if ticks[0] <= 0 <= ticks[-1] else bottom
    parts.append(f'<line x1="{left:.1f}" y1="{base:.1f}" x2="{right:.1f}" y2="{base:.1f}" stroke="{AXIS}"/>')
    return y, parts


def _category_labels(
    labels: Sequence[str], centers: list[float], band: float, y: float
) -> tuple[list[str], float]:
    """X-axis labels: horizontal when they fit, else rotated −40°. Returns parts and height used."""
    size = 11.0
    widest = max((_text_width(lb, size) for lb in labels), default=0)
    parts = []
    if widest <= band - 4:
        for lb, cx in zip(labels, centers, strict=True):
            parts.append(_text(cx, y + 14, lb, size=size, anchor="middle", fill=TEXT))
        return parts, 20
    for lb, cx in zip(labels, centers, strict=True):
        s = _truncate(lb, size, 90)
        parts.append(
            _text(
                cx,
                y + 12,
                s,
                size=size,
                anchor="end",
                fill=TEXT,
                extra=f' transform="rotate(-40 {cx:.1f} {y + 12:.1f})"',
            )
        )
    return parts, min(widest, 90) * 0.65 + 18


# --------------------------------------------------------------------------- charts


def bar_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    title: str = "",
    *,
    width: int = 640,
    height: int = 360,
    unit: str = "",
    color: str = PALETTE[0],
    show_values: bool = True,
) -> str:
    """Vertical bar chart, one bar per label (e.g. cases per street). Missing values leave a gap."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    vals = [_num(v) for v in values]
    present = [v for v in vals if v is not None]
    if not present:
        return _no_data(width, height, title)

    labels = [str(lb) for lb in labels]
    left, right = 56.0, width - 16.0
    top = 48.0 if title else 24.0
    # Reserve room for rotated labels before the value axis is laid out.
    band = (right - left) / len(labels)
    _, label_h = _category_labels(labels, [0.0] * len(labels), band, 0)
    bottom = height - 8 - label_h
    y, parts = _value_axis(present, top, bottom, left, right, unit)
    centers = [left + band * (i + 0.5) for i in range(len(labels))]
    bar_w = max(min(band * 0.6, 48), 1)
    zero = y(0)
    for v, cx, lb in zip(vals, centers, labels, strict=True):
        if v is None:
            continue
        py = y(v)
        h = abs(zero - py)
        parts.append(
            f'<rect x="{cx - bar_w / 2:.1f}" y="{min(py, zero):.1f}" width="{bar_w:.1f}" '
            f'height="{max(h, 0.5):.1f}" fill="{color}"><title>{escape(lb)}: {_fmt(v)}{escape(unit)}</title></rect>'
        )
        if show_values:
            ty = py - 4 if v >= 0 else py + 12
            parts.append(_text(cx, ty, _fmt(v), size=10, anchor="middle", fill=AXIS))
    label_parts, _ = _category_labels(labels, centers, band, bottom)
    parts.extend(label_parts)
    return _svg(width, height, title, parts)


def _line_series(
    name: str,
    vs: list[float | None],
    xs: list[float],
    labels: list[str],
    y: _Scale,
    color: str,
    unit: str,
    show_points: bool,
) -> list[str]:
    """One series: a polyline per run of present values, plus point markers."""
    runs: list[list[tuple[float, float, str, float]]] = [[]]
    for x, v, lb in zip(xs, vs, labels, strict=True):
        if v is None:
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, y(v), lb, v))
    parts = []
    for run in runs:
        if len(run) >= 2:
            pts = " ".join(f"{px:.1f},{py:.1f}" for px, py, _, _ in run)
            parts.append(f'<polyline points="{pts}" fill="none" stroke="{color}" stroke-width="2"/>')
        for px, py, lb, v in run:
            # A value between two gaps has no line, so it always gets a marker.
            if show_points or len(run) == 1:
                parts.append(
                    f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="#fff" stroke="{color}" '
                    f'stroke-width="1.5"><title>{escape(name)} {escape(lb)}: {_fmt(v)}{escape(unit)}'
                    f"</title></circle>"
                )
    return parts


def line_chart(
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[Number]],
    title: str = "",
    *,
    width: int = 640,
    height: int = 360,
    unit: str = "",
    colors: Sequence[str] = PALETTE,
    show_points: bool = True,
    zero_based: bool = False,
) -> str:
    """Line chart with one line per series (e.g. 发现率/处置率 by month). Missing values break the line.

    The value axis fits the data (rates of 90–97 % stay readable) unless ``zero_based`` is set."""
    for name, vs in series.items():
        if len(vs) != len(x_labels):
            raise ValueError(f"series {name!r} has {len(vs)} values for {len(x_labels)} x labels")
    clean = {str(name): [_num(v) for v in vs] for name, vs in series.items()}
    present = [v for vs in clean.values() for v in vs if v is not None]
    if not x_labels or not present:
        return _no_data(width, height, title)

    labels = [str(lb) for lb in x_labels]
    left, right = 56.0, width - 16.0
    top = 48.0 if title else 24.0
    legend_h = 22.0 if len(clean) > 1 or next(iter(clean)) else 0.0
    band = (right - left) / len(labels)
    _, label_h = _category_labels(labels, [0.0] * len(labels), band, 0)
    bottom = height - 8 - label_h - legend_h
    y, parts = _value_axis(present, top, bottom, left, right, unit, include_zero=zero_based)
    xs = [left + band * (i + 0.5) for i in range(len(labels))]

    for idx, (name, vs) in enumerate(clean.items()):
        parts.extend(_line_series(name, vs, xs, labels, y, colors[idx % len(colors)], unit, show_points))

    label_parts, _ = _category_labels(labels, xs, band, bottom)
    parts.extend(label_parts)
    if legend_h:
        lx = left
        ly = height - 10
        for idx, name in enumerate(clean):
            color = colors[idx % len(colors)]
            parts.append(f'<rect x="{lx:.1f}" y="{ly - 9:.1f}" width="14" height="4" fill="{color}"/>')
            shown = _truncate(name, 11, 160)
            parts.append(_text(lx + 18, ly - 3, shown, size=11))
            lx += 18 + _text_width(shown, 11) + 16
    return _svg(width, height, title, parts)


def pie_chart(
    labels: Sequence[str],
    values: Sequence[Number],
    title: str = "",
    *,
    width: int = 480,
    height: int = 320,
    colors: Sequence[str] = PALETTE,
    donut: bool = False,
) -> str:
    """Pie (or donut) with a legend giving value and share. Zero, negative and missing values are left
    out of the pie but listed in the legend as 0 / "—"."""
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    vals = [_num(v) for v in values]
    total = sum(v for v in vals if v is not None and v > 0)
    if total <= 0:
        return _no_data(width, height, title)

    top = 40.0 if title else 8.0
    r = max(min((height - top - 16) / 2, width * 0.28), 10)
    cx, cy = 16 + r, top + 8 + r
    parts: list[str] = []
    angle = -math.pi / 2  # start at 12 o'clock, clockwise like ECharts
    for idx, (lb, v) in enumerate(zip(labels, vals, strict=True)):
        if v is None or v <= 0:
            continue
        color = colors[idx % len(colors)]
        tip = f"<title>{escape(str(lb))}: {_fmt(v)} ({v / total:.1%})</title>"
        if v >= total:  # a single slice: an arc from a point to itself draws nothing
            parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r:.1f}" fill="{color}">{tip}</circle>')
            break
        sweep = v / total * 2 * math.pi
        x0, y0 = cx + r * math.cos(angle), cy + r * math.sin(angle)
        angle += sweep
        x1, y1 = cx + r * math.cos(angle), cy + r * math.sin(angle)
        large = 1 if sweep > math.pi else 0
        parts.append(
            f'<path d="M{cx:.2f},{cy:.2f} L{x0:.2f},{y0:.2f} A{r:.2f},{r:.2f} 0 {large} 1 {x1:.2f},{y1:.2f} Z" '
            f'fill="{color}" stroke="#fff" stroke-width="1">{tip}</path>'
        )
    if donut:
        parts.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{r * 0.55:.1f}" fill="#fff"/>')
        parts.append(_text(cx, cy + 5, _fmt(total), size=14, anchor="middle", weight="bold"))

    lx = cx + r + 24
    row = min(20.0, (height - top - 8) / max(len(labels), 1))
    size = min(12.0, max(row - 4, 7))
    for idx, (lb, v) in enumerate(zip(labels, vals, strict=True)):
        ly = top + 12 + row * idx
        color = colors[idx % len(colors)]
        if v is None:
            detail = "—"
        else:
            share = v / total if v > 0 else 0.0
            detail = f"{_fmt(v)}（{share:.1%}）"
        parts.append(
            f'<rect x="{lx:.1f}" y="{ly:.1f}" width="{size:.0f}" height="{size:.0f}" fill="{color}"/>'
        )
        text = _truncate(f"{lb}  {detail}", size, width - lx - size - 12)
        parts.append(_text(lx + size + 6, ly + size - 1, text, size=size))
    return _svg(width, height, title, parts)


def _depth(obj: object) -> int:
    """Nesting depth down to a coordinate number: point = 1, ring = 2, polygon = 3, multipolygon = 4."""
    d = 0
    while isinstance(obj, Sequence) and not isinstance(obj, str) and len(obj) > 0:
        obj = obj[0]
        d += 1
    return d


def _as_multipolygon(shape: object) -> list[list[Ring]]:
    # Shapely geometries and GeoJSON geometry dicts are accepted as well as nested lists.
    geo = getattr(shape, "__geo_interface__", None)
    if isinstance(geo, Mapping) or isinstance(shape, Mapping):
        gj = geo if isinstance(geo, Mapping) else shape
        assert isinstance(gj, Mapping)
        if gj.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError(f"only Polygon/MultiPolygon geometries can be mapped, not {gj.get('type')}")
        shape = gj["coordinates"]
    if hasattr(shape, "tolist"):  # numpy arrays are not Sequences
        shape = shape.tolist()
    depth = _depth(shape)
    if depth == 2:  # one ring
        return [[shape]]  # type: ignore[list-item]
    if depth == 3:  # polygon: exterior ring then holes
        return [list(shape)]  # type: ignore[call-overload]
    if depth == 4:
        return [list(p) for p in shape]  # type: ignore[attr-defined]
    if depth == 0:
        return []
    raise ValueError(
        "a shape must be a ring, a polygon (list of rings) or a multipolygon of (lon, lat) points"
    )


def heat_grid_map(
    polygons_lonlat: Sequence[object],
    values: Sequence[Number],
    title: str = "",
    *,
    labels: Sequence[str] | None = None,
    width: int = 640,
    height: int = 480,
    unit: str = "",
    ramp: Sequence[str] = RAMP,
    classes: int = 5,
) -> str:
    """Choropleth of grids/streets: each shape filled by its value on a colour ramp, with a legend.

    ``polygons_lonlat[i]`` is a ring ``[(lon, lat), …]``, a polygon ``[exterior, hole, …]`` or a
    multipolygon ``[polygon, …]`` in WGS84/CGCS2000 degrees. Projection is equirectangular with x
    scaled by cos(mean latitude): exact enough at city scale. Values are split into ``classes``
    equal-width classes; missing values are grey and listed as "无数据".
    """
    if len(polygons_lonlat) != len(values):
        raise ValueError(f"{len(polygons_lonlat)} shapes but {len(values)} values")
    if labels is not None and len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels but {len(values)} values")
    shapes = [_as_multipolygon(s) for s in polygons_lonlat]
    pts = [(float(p[0]), float(p[1])) for mp in shapes for poly in mp for ring in poly for p in ring]
    pts = [p for p in pts if math.isfinite(p[0]) and math.isfinite(p[1])]
    if not pts:
        return _no_data(width, height, title)

    vals = [_num(v) for v in values]
    present = [v for v in vals if v is not None]
    lo = min(present) if present else 0.0
    hi = max(present) if present else 0.0
    n_classes = max(1, min(classes, len(ramp))) if hi > lo else 1
    # Spread the ramp over the classes so few classes still span light → dark.
    class_colors = [ramp[round(i * (len(ramp) - 1) / max(n_classes - 1, 1))] for i in range(n_classes)]
    if n_classes == 1:
        class_colors = [ramp[len(ramp) // 2]]

    def class_of(v: float) -> int:
        if hi <= lo:
            return 0
        return min(int((v - lo) / (hi - lo) * n_classes), n_classes - 1)

    # Projection: equirectangular, x shrunk by cos(lat) so squares on the ground stay square.
    lons = [p[0] for p in pts]
    lats = [p[1] for p in pts]
    k = math.cos(math.radians((min(lats) + max(lats)) / 2))
    min_x, max_x = min(lons) * k, max(lons) * k
    min_y, max_y = min(lats), max(lats)
    legend_w = 150.0
    top = 40.0 if title else 10.0
    area_w, area_h = width - legend_w - 20, height - top - 10
    span_x, span_y = max(max_x - min_x, 1e-12), max(max_y - min_y, 1e-12)
    s = min(area_w / span_x, area_h / span_y)
    off_x = 10 + (area_w - span_x * s) / 2
    off_y = top + (area_h - span_y * s) / 2

    def project(p: LonLat) -> str:
        return f"{off_x + (float(p[0]) * k - min_x) * s:.1f},{off_y + (max_y - float(p[1])) * s:.1f}"

    parts: list[str] = []
    for i, (mp, v) in enumerate(zip(shapes, vals, strict=True)):
        fill = MISSING_FILL if v is None else class_colors[class_of(v)]
        d = " ".join(
            "M" + " L".join(project(p) for p in ring) + " Z" for poly in mp for ring in poly if len(ring) >= 3
        )
        if not d:
            continue
        name = labels[i] if labels is not None else f"#{i + 1}"
        shown = "无数据" if v is None else f"{_fmt(v)}{unit}"
        parts.append(
            f'<path d="{d}" fill="{fill}" fill-rule="evenodd" stroke="#fff" stroke-width="0.6">'
            f"<title>{escape(str(name))}: {escape(shown)}</title></path>"
        )

    # Legend: one swatch per class with its range, then the no-data swatch if needed.
    lx = width - legend_w
    ly = top + 6
    if unit:
        parts.append(_text(lx, ly + 10, f"单位：{unit}", size=11, fill=AXIS))
        ly += 20
    if present:
        step = (hi - lo) / n_classes if hi > lo else 0.0
        for c in range(n_classes):
            a, b = lo + step * c, lo + step * (c + 1)
            rng = _fmt(lo) if hi <= lo else f"{_fmt(a)} – {_fmt(b)}"
            parts.append(f'<rect x="{lx:.1f}" y="{ly:.1f}" width="16" height="12" fill="{class_colors[c]}"/>')
            parts.append(_text(lx + 22, ly + 10, rng, size=11))
            ly += 18
    if any(v is None for v in vals):
        parts.append(f'<rect x="{lx:.1f}" y="{ly:.1f}" width="16" height="12" fill="{MISSING_FILL}"/>')
        parts.append(_text(lx + 22, ly + 10, "无数据" if present else NO_DATA, size=11))
    return _svg(width, height, title, parts)
