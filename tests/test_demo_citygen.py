"""The synthetic 海门 demo city (small scale only, generated once per module)."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from importlib import resources

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import Point

from chengguan.accounts.roles import Role
from chengguan.demo.citygen import (
    DEFAULT_CATEGORIES,
    City,
    ComponentCategory,
    Placement,
    _uscc_check,
    city_counts,
    city_digest,
    generate_city,
)
from chengguan.org.models import DEPARTMENT_KINDS, DEPARTMENT_LEVELS

TO_M = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)


def proj(geoms: list[shapely.Geometry]) -> np.ndarray:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = geoms

    def f(c: np.ndarray) -> np.ndarray:
        return np.column_stack(TO_M.transform(c[:, 0], c[:, 1]))

    return shapely.transform(arr, f)


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city("small")


@pytest.fixture(scope="module")
def grids_m(city: City) -> np.ndarray:
    return proj([g.polygon for g in city.grids])


def test_counts_in_expected_ranges(city: City) -> None:
    n = city_counts(city)
    assert n["streets"] == 3
    assert 12 <= n["communities"] <= 18
    assert 1000 <= n["grids"] <= 2500
    assert 8 <= n["responsibility_grids"] <= 16
    assert n["roads"] >= 20 and n["doors"] >= 1000 and n["pois"] >= 100 and n["zones"] >= 3
    assert 500 <= n["components"] <= 10_000
    assert city.name == "海门区（演示）" and city.district_code == "320614" and city.synthetic


def test_codes_well_formed_and_unique(city: City) -> None:
    def check(codes: list[str], pattern: str) -> None:
        assert all(re.fullmatch(pattern, c) for c in codes), pattern
        assert len(set(codes)) == len(codes)

    check([s.code for s in city.streets], r"320614[014]\d\d")
    check([c.code for c in city.communities], r"\d{12}")
    check([g.code for g in city.grids], r"\d{15}")
    check([r.code for r in city.responsibility_grids], r"\d{13}")
    check([c.code for c in city.components], r"320614\d{11}")
    check([d.uscc for d in city.departments], r"[0-9A-HJ-NPQRTUWXY]{18}")
    streets = {s.code for s in city.streets}
    communities = {c.code: c for c in city.communities}
    assert all(c.street_code in streets and c.code.startswith(c.street_code) for c in city.communities)
    assert all(g.community_code in communities and g.code.startswith(g.community_code) for g in city.grids)
    # 社区 are numbered from 001, 村 from 201; 街道 have type digit 0, 镇 1
    assert all((c.code[9] in "01") == (c.kind == "社区") for c in city.communities)
    assert all((s.code[6] == "0") == (s.kind == "街道") for s in city.streets)
    grid_codes = {g.code for g in city.grids}
    comps = list(city.components)
    assert all(c.grid_code in grid_codes and c.code[6:11] == c.category_code for c in comps)
    assert {c.status for c in comps} <= {"完好", "破损", "丢失"}
    assert Counter(c.status for c in comps).most_common(1)[0][0] == "完好"


def test_uscc_check_character() -> None:
    # published valid codes (GB 32100 examples and well-known registrations)
    for code in ("91350100M000100Y43", "91110000600037341L", "91440300708461136T"):
        assert _uscc_check(code[:17]) == code[17]
    assert _uscc_check("91350100M000100Y4") != "4"


def test_departments(city: City) -> None:
    keys = {d.key for d in city.departments}
    assert all(_uscc_check(d.uscc[:17]) == d.uscc[17] for d in city.departments)
    assert all(d.parent_key is None or d.parent_key in keys for d in city.departments)
    assert {d.level for d in city.departments} == {"city", "district", "street"}
    tier = {"city": 0, "district": 1, "street": 2}
    by_key = {d.key: d for d in city.departments}
    assert all(tier[by_key[d.parent_key].level] <= tier[d.level] for d in city.departments if d.parent_key)
    # parents are listed before their children (the loader inserts in one pass)
    order = {d.key: i for i, d in enumerate(city.departments)}
    assert all(order[d.parent_key] < order[d.key] for d in city.departments if d.parent_key)
    assert {d.level for d in city.departments} <= set(DEPARTMENT_LEVELS)
    assert {d.kind for d in city.departments} <= set(DEPARTMENT_KINDS)
    street_offices = {d.region_code for d in city.departments if d.type_key == "street"}
    squads = {d.region_code for d in city.departments if d.type_key == "enforcement_squad"}
    assert street_offices == squads == {s.code for s in city.streets}
    # every default owner of a built-in category is a department of the demo city, and it is the
    # catalog's default department for that category
    types = {d.type_key for d in city.departments}
    text = resources.files("chengguan.catalog").joinpath("data/categories.csv").read_text("utf-8")
    catalog = {r["code"]: r for r in csv.DictReader(io.StringIO(text)) if r["kind"] == "component"}
    for cat in DEFAULT_CATEGORIES:
        assert cat.dept_type in types
        assert catalog[cat.code]["name"] == cat.name
        assert catalog[cat.code]["default_department"] == cat.dept_type


def test_grids_partition_the_district(city: City, grids_m: np.ndarray) -> None:
    assert all(g.polygon.geom_type == "Polygon" and g.polygon.is_valid for g in city.grids)
    outline_area = proj([city.outline])[0].area
    union_area = shapely.union_all(grids_m).area
    area_sum = float(shapely.area(grids_m).sum())
    assert abs(union_area - outline_area) / outline_area < 1e-4  # no gaps
    assert abs(area_sum - union_area) / union_area < 1e-4  # no overlaps
    assert np.allclose(shapely.area(grids_m), [g.area_m2 for g in city.grids], rtol=1e-3)
    assert min(g.area_m2 for g in city.grids) >= 100.0  # slivers were merged


def test_grids_partition_each_community(city: City, grids_m: np.ndarray) -> None:
    by_comm: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(city.grids):
        by_comm[g.community_code].append(i)
    comm_m = proj([c.polygon for c in city.communities])
    for c, cm in zip(city.communities, comm_m, strict=True):
        idx = by_comm[c.code]
        assert 1 <= len(idx) <= 999
        union = shapely.union_all(grids_m[idx])
        assert shapely.symmetric_difference(union, cm).area < 1e-5 * cm.area
        assert abs(float(shapely.area(grids_m[idx]).sum()) - cm.area) < 1e-5 * cm.area
    # and communities partition their street
    street_m = dict(zip([s.code for s in city.streets], proj([s.polygon for s in city.streets]), strict=True))
    for code, sm in street_m.items():
        members = [cm for c, cm in zip(city.communities, comm_m, strict=True) if c.street_code == code]
        assert abs(sum(m.area for m in members) - sm.area) < 1e-5 * sm.area
        assert shapely.symmetric_difference(shapely.union_all(members), sm).area < 1e-5 * sm.area


def test_grid_numbering_west_to_east_north_to_south(city: City, grids_m: np.ndarray) -> None:
    """Whole (unclipped) lattice cells, taken in code order, run row by row from the north-west."""
    by_comm: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(city.grids):
        by_comm[g.community_code].append(i)
    checked = 0
    for idx in by_comm.values():
        idx = sorted(idx, key=lambda i: city.grids[i].code)
        bb = shapely.bounds(grids_m[idx])
        w, h = bb[:, 2] - bb[:, 0], bb[:, 3] - bb[:, 1]
        square = (np.abs(shapely.area(grids_m[idx]) - w * h) < 1e-3 * w * h) & (np.abs(w - h) < 1e-3 * w)
        if square.sum() < 2:
            continue
        s = float(np.median(w[square]))
        keys = [(-round(bb[k, 3] / s), round(bb[k, 0] / s)) for k in np.flatnonzero(square)]
        assert keys == sorted(keys) and len(set(keys)) == len(keys)
        checked += 1
    assert checked >= 10


def test_centre_inside_a_grid_and_the_outline(city: City, grids_m: np.ndarray) -> None:
    lon, lat = city.center
    assert city.outline.contains(Point(lon, lat))
    x, y = TO_M.transform(lon, lat)
    inside = np.flatnonzero(shapely.contains_xy(grids_m, x, y))
    assert len(inside) == 1  # in the interior of exactly one grid, not on an edge
    assert city.grids[int(inside[0])].region_class == 1


def connected_by_edges(polys: np.ndarray) -> bool:
    """Whether polys form one piece through shared edges (> 0.5 m, within 5 cm), not corner contacts."""
    a, b = STRtree(polys).query(polys, predicate="dwithin", distance=0.01)
    m = a < b
    a, b = a[m], b[m]
    shared = shapely.length(shapely.intersection(shapely.boundary(polys[b]), shapely.buffer(polys[a], 0.05)))
    parent = list(range(len(polys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(a[shared > 0.5], b[shared > 0.5], strict=True):
        parent[find(int(i))] = find(int(j))
    return len({find(i) for i in range(len(polys))}) == 1


def test_responsibility_grids(city: City, grids_m: np.ndarray) -> None:
    pos = {g.code: i for i, g in enumerate(city.grids)}
    seen: Counter[str] = Counter()
    for r in city.responsibility_grids:
        assert r.grid_codes and all(code.startswith(r.street_code) for code in r.grid_codes)
        assert r.code.startswith(r.street_code) and r.name.endswith("责任网格")
        seen.update(r.grid_codes)
        members = grids_m[[pos[c] for c in r.grid_codes]]
        assert connected_by_edges(members), r.code
        assert abs(proj([r.polygon])[0].area - float(shapely.area(members).sum())) < 1e-4 * r.area_m2
    assert set(seen) == set(pos) and max(seen.values()) == 1  # every grid in exactly one


def test_connectivity_check_rejects_corner_contact() -> None:
    squares = np.array([shapely.box(0, 0, 100, 100), shapely.box(100, 100, 200, 200)], dtype=object)
    assert not connected_by_edges(squares)
    assert connected_by_edges(np.append(squares, shapely.box(100, 0, 200, 100)))


def test_people_and_contract_accounts(city: City) -> None:
    users = {p.username: p for p in city.people}
    assert len(users) == len(city.people)
    assert {p.role for p in city.people} == {r.value for r in Role}
    for name in (
        "admin",
        "collector1",
        "acceptor1",
        "shiftlead1",
        "dispatcher1",
        "dept1",
        "leader1",
        "officer1",
        "officer2",
        "assistant1",
        "reviewer1",
        "citizen1",
    ):
        assert name in users
    resp = {r.code: r for r in city.responsibility_grids}
    collectors = [p for p in city.people if p.role == "collector"]
    assert len(collectors) == len(resp)
    assert {p.responsibility_grid_code for p in collectors} == set(resp)
    # collector1 patrols the grids around the centre
    lon, lat = city.center
    centre_grid = next(g for g in city.grids if g.polygon.contains(Point(lon, lat)))
    assert centre_grid.code in resp[str(users["collector1"].responsibility_grid_code)].grid_codes
    # dept1 handles the street office of the street holding the centre (占道经营 goes there)
    depts = {d.key: d for d in city.departments}
    d1 = depts[str(users["dept1"].department_key)]
    assert d1.type_key == "street" and d1.region_code == centre_grid.code[:9]
    officers = [p for p in city.people if p.role == "officer"]
    assert all(p.certificate_no for p in officers) and len({p.certificate_no for p in officers}) == len(
        officers
    )
    assert users["officer1"].department_key == users["officer2"].department_key == f"zd_{d1.region_code}"
    assert users["assistant1"].role == "auxiliary" and users["assistant1"].certificate_no is None
    handlers = Counter(p.department_key for p in city.people if p.role == "dept_handler")
    assert set(handlers) == set(depts) and max(handlers.values()) == 1


def test_doors_along_their_road(city: City) -> None:
    roads = {r.id: r for r in city.roads}
    road_m = dict(zip(roads, proj([r.line for r in city.roads]), strict=True))
    xs, ys = TO_M.transform(np.array([d.lon for d in city.doors]), np.array([d.lat for d in city.doors]))
    along: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    for d, x, y in zip(city.doors, xs, ys, strict=True):
        line = road_m[d.road_id]
        p = Point(x, y)
        assert line.distance(p) < 25.0
        s = line.project(p)
        a = line.interpolate(max(s - 1, 0.0))
        b = line.interpolate(min(s + 1, line.length))
        cross = (b.x - a.x) * (p.y - a.y) - (b.y - a.y) * (p.x - a.x)
        assert (cross > 0) == (d.number % 2 == 1)  # odd on the left, even on the right
        along[(d.road_id, d.number % 2)].append((d.number, s))
        assert d.address == f"{roads[d.road_id].name}{d.number}号"
    for pairs in along.values():
        dist = [s for _n, s in sorted(pairs)]
        assert dist == sorted(dist)  # numbers increase along the road
    grid_polys = {g.code: g.polygon for g in city.grids}
    assert all(grid_polys[d.grid_code].covers(Point(d.lon, d.lat)) for d in city.doors[::50])


def test_roads_pois_zones(city: City) -> None:
    names = [r.name for r in city.roads]
    assert len(set(names)) == len(names) and "解放路" in names and "长江路" in names
    jiefang = next(r for r in city.roads if r.name == "解放路")
    assert "解放中路" in jiefang.aliases and jiefang.kind == "主干路"
    assert {r.kind for r in city.roads} >= {"主干路", "次干路", "支路", "街巷"}
    kinds = Counter(p.kind for p in city.pois)
    assert {"school", "hospital", "park", "market", "residential", "government", "bus_stop"} <= set(kinds)
    assert all(p.geometry.geom_type == "Polygon" for p in city.pois if p.kind == "residential")
    grid_polys = {g.code: g.polygon for g in city.grids}
    assert all(grid_polys[p.grid_code].covers(Point(p.lon, p.lat)) for p in city.pois)
    assert any(z.name == "东洲公园片区" for z in city.zones)


def test_components_placed_in_their_grid(city: City) -> None:
    grid_polys = {g.code: g.polygon for g in city.grids}
    comps = list(city.components)
    assert len(comps) == len(city.components)
    assert all(grid_polys[c.grid_code].covers(Point(c.lon, c.lat)) for c in comps[::20])
    dept_keys = {d.key for d in city.departments}
    assert all(c.dept_key in dept_keys and c.data_source == "实测（演示）" for c in comps)
    per_cat = defaultdict(list)
    for c in comps:
        per_cat[c.category_code].append(int(c.code[-6:]))
    assert all(seqs == list(range(1, len(seqs) + 1)) for seqs in per_cat.values())  # sequence per category
    assert set(city.components.count_by_category()) == set(per_cat)


def test_caller_categories() -> None:
    lamps = ComponentCategory(
        "01037", "路灯", "street_lighting", (Placement("road", ("主干路",), 50.0, "both", 10.0),)
    )
    c = generate_city("small", categories=[lamps])
    assert len(c.components) > 0 and set(c.components.count_by_category()) == {"01037"}
    with pytest.raises(ValueError):
        generate_city("small", categories=[ComponentCategory("1037", "路灯", "street_lighting", ())])


def test_deterministic(city: City) -> None:
    digest = city_digest(city)
    assert city_digest(generate_city("small")) == digest
    assert city_digest(generate_city("small", seed=7)) != digest
    # also across processes, where str hashing (and so set order) differs
    code = "from chengguan.demo.citygen import generate_city, city_digest; print(city_digest(generate_city('small')))"
    env = dict(os.environ, PYTHONHASHSEED="12345")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == digest
