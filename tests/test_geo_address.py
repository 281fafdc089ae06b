"""Address normalisation, parsing, geocoding and reverse geocoding on a small handmade gazetteer."""

from __future__ import annotations

from collections import Counter

import pytest
from shapely.geometry import LineString, box

from chengguan.geo.address import Geocoder, Place, chinese_to_int, normalise, parse
from chengguan.geo.address_testset import (
    DIFFICULTIES,
    int_to_chinese,
    make_gazetteer,
    make_testset,
    to_fullwidth,
)
from chengguan.geo.gridindex import GridIndex

HM, CC = "320614", "320613"
S1, S2, S3 = "320614001", "320614100", "320613001"
C1 = "320614001001"
STEP = 0.00005  # door n of 解放路 sits at x = 121.150 + n·STEP


def _door(pid: int, road: int, n: int, x: float, y: float, street: str = S1) -> Place:
    return Place(pid, "door", "", (), x, y, f"{street}001{n // 50 + 1:03d}", street, street + "001", road, n)


@pytest.fixture(scope="module")
def places() -> list[Place]:
    ps = [
        Place(1, "district", "海门区", ("海门市",), 121.18, 31.87, district_code=HM),
        Place(2, "district", "崇川区", (), 120.90, 32.00, district_code=CC),
        Place(3, "street", "海门街道", (), 121.16, 31.90, street_code=S1),
        Place(4, "street", "常乐镇", (), 121.30, 31.95, street_code=S2),
        Place(5, "street", "和平桥街道", (), 120.90, 32.00, street_code=S3),
        Place(6, "community", "东洲社区", (), 121.158, 31.898, street_code=S1, community_code=C1,
              geom=box(121.14, 31.88, 121.18, 31.92)),
        Place(10, "road", "解放路", ("解放大道",), 121.16, 31.90, None, S1,
              geom=LineString([(121.150, 31.900), (121.170, 31.900)])),
        Place(11, "road", "人民路", (), 121.16, 31.90, None, S1,
              geom=LineString([(121.160, 31.890), (121.160, 31.910)])),
        Place(12, "road", "秀山北路", (), 121.152, 31.905, None, S1,
              geom=LineString([(121.152, 31.895), (121.152, 31.915)])),
        Place(13, "road", "人民路", (), 120.90, 32.00, None, S3,
              geom=LineString([(120.900, 31.990), (120.900, 32.010)])),
        Place(20, "block", "锦绣花园", ("锦绣小区",), 121.155, 31.902, None, S1, C1,
              geom=box(121.154, 31.9012, 121.156, 31.903)),
        Place(30, "poi", "东洲公园", (), 121.165, 31.905, "320614001001009", S1, C1),
        Place(31, "poi", "海门区人民医院", ("海门人民医院",), 121.1525, 31.8985, None, S1, C1),
        Place(32, "poi", "解放路小学", (), 121.1572, 31.9012, None, S1, C1),
    ]  # fmt: skip
    pid = 100
    for n in range(1, 200):
        if n in (123, 124, 125):  # no plates: must be interpolated
            continue
        ps.append(_door(pid, 10, n, 121.150 + n * STEP, 31.900 + (0.0001 if n % 2 else -0.0001)))
        pid += 1
    for n in (3, 5, 7):  # 人民路 in 海门区 and in 崇川区 both have a No. 5
        ps.append(_door(pid, 11, n, 121.1601, 31.890 + n * STEP))
        ps.append(_door(pid + 1, 13, n, 120.9001, 31.990 + n * STEP, street=S3))
        pid += 2
    return ps


@pytest.fixture(scope="module")
def gc(places: list[Place]) -> Geocoder:
    return Geocoder(places)


def _door_id(places: list[Place], road: int, n: int) -> int:
    return next(p.id for p in places if p.kind == "door" and p.road_id == road and p.number == n)


# ---------------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("解放路１２３号", "解放路123号"),
        ("解放路　123 號", "解放路123号"),
        ("海门区，解放路（东段）123号", "海门区解放路东段123号"),
        ("解放路一百二十三号", "解放路123号"),
        ("解放路十八号", "解放路18号"),
        ("解放路二十号", "解放路20号"),
        ("解放路一百零五号", "解放路105号"),
        ("解放路二〇五号", "解放路205号"),
        ("二〇五室", "205室"),
        ("解放路一二三号", "解放路123号"),
        ("五一路十号", "五一路10号"),  # 五一 is part of the name
        ("二甲镇三里墩", "二甲镇三里墩"),
        ("3号楼2单元5#楼", "3号楼2单元5栋"),
        ("12－3—502", "12-3-502"),
        ("江苏省南通市海门区", "南通市海门区"),
        ("中国江苏省海门区", "海门区"),
        ("中国银行", "中国银行"),  # a bank, not the country
        ("ａ座", "A座"),
    ],
)
def test_normalise(raw: str, want: str) -> None:
    assert normalise(raw) == want


def test_normalise_prefixes_and_typos() -> None:
    assert normalise("江苏省南通市海门区", extra_prefixes=("南通市",)) == "海门区"
    assert normalise("解放璐12号", typos={"解放璐": "解放路"}) == "解放路12号"


@pytest.mark.parametrize("n", [1, 9, 10, 11, 18, 20, 99, 100, 101, 105, 110, 123, 999, 1000, 1001, 1010, 2345])
def test_chinese_numerals_round_trip(n: int) -> None:
    for style in ("formal", "digits", "zero"):
        assert chinese_to_int(int_to_chinese(n, style)) == n
    with pytest.raises(ValueError):
        chinese_to_int("解放")


# ---------------------------------------------------------------------- parsing


def test_parse_full_address(gc: Geocoder) -> None:
    p = gc.parse("江苏省南通市海门区海门街道解放路99号3栋2单元502室")
    assert (p.district, p.street, p.road, p.number, p.building, p.unit, p.room) == (
        "海门区", "海门街道", "解放路", 99, "3", "2", "502",
    )  # fmt: skip
    p = gc.parse("解放路99-2号3-2-502")
    assert (p.road, p.number, p.sub_number, p.building, p.unit, p.room) == ("解放路", 99, 2, "3", "2", "502")
    p = gc.parse("解放路121号东洲公园南门")
    assert (p.road, p.number, p.poi_text) == ("解放路", 121, "东洲公园")


def test_gazetteer_names_stay_whole(gc: Geocoder) -> None:
    # Without the gazetteer jieba cuts 秀山北路 into 秀山/北路 and 解放路小学 into 解放路/小学.
    assert gc.parse("秀山北路8号").road == "秀山北路"
    p = gc.parse("解放路小学")
    assert p.poi_text == "解放路小学" and p.road is None


def test_parse_without_gazetteer_uses_suffixes() -> None:
    p = parse("某某区某某街道幸福路12号5幢")
    assert (p.district, p.street, p.road, p.number, p.building) == ("某某区", "某某街道", "幸福路", 12, "5")


# ---------------------------------------------------------------------- geocoding


def test_existing_door(gc: Geocoder, places: list[Place]) -> None:
    m = gc.geocode("海门区解放路121号")[0]
    assert (m.level, m.place_id, m.score) == ("door", _door_id(places, 10, 121), 1.0)
    assert m.address == "海门区海门街道解放路121号"
    assert m.lon == pytest.approx(121.150 + 121 * STEP) and m.grid_code == "320614001001003"


@pytest.mark.parametrize(
    "text",
    [
        "海门区解放路１２１号",  # full-width digits
        "海门区　解放路　121　号",  # full-width spaces
        "解放路一百二十一号",  # Chinese numerals, no district
        "解放路一二一号",
        "解放大道121号",  # alias of the road
        "海门市解放路121号",  # alias of the district
        "解放路121",  # no 号
        "江苏省南通市海门区解放路121号",
        "解方路121号",  # homophone typo
        "放解路121号",  # swapped characters
        "海门区解放路121号3栋2单元502室",
    ],
)
def test_door_variants(gc: Geocoder, places: list[Place], text: str) -> None:
    m = gc.geocode(text)[0]
    assert (m.level, m.place_id) == ("door", _door_id(places, 10, 121)), gc.geocode(text)


def test_missing_door_is_interpolated_on_its_side(gc: Geocoder) -> None:
    odd = gc.geocode("解放路123号")[0]
    assert (odd.level, odd.place_id) == ("road_interpolated", 10)
    # Between plates 121 and 127 on the north (odd) side.
    assert odd.lon == pytest.approx(121.150 + 123 * STEP, abs=1e-9)
    assert odd.lat == pytest.approx(31.9001, abs=1e-9)
    assert odd.address == "海门区海门街道解放路123号" and odd.grid_code is not None
    even = gc.geocode("解放路124号")[0]
    assert even.level == "road_interpolated"
    assert even.lon == pytest.approx(121.150 + 124 * STEP, abs=1e-9) and even.lat == pytest.approx(31.8999, abs=1e-9)
    # Past the last plate: extrapolated along the road, but never beyond its end.
    far = gc.geocode("解放路999号")[0]
    assert far.level == "road_interpolated" and far.lon == pytest.approx(121.170, abs=1e-9)


def test_interpolated_grid_from_grid_index(places: list[Place]) -> None:
    gi = GridIndex.build(["320614001001777"], [box(121.15, 31.89, 121.17, 31.91)])
    m = Geocoder(places, grid_index=gi).geocode("解放路123号")[0]
    assert m.level == "road_interpolated" and m.grid_code == "320614001001777"


def test_district_disambiguates_same_road_name(gc: Geocoder, places: list[Place]) -> None:
    hm = gc.geocode("海门区人民路5号")[0]
    cc = gc.geocode("崇川区人民路5号")[0]
    assert hm.place_id == _door_id(places, 11, 5) and cc.place_id == _door_id(places, 13, 5)
    assert cc.address.startswith("崇川区和平桥街道人民路5号")
    # Without a district both are candidates, with the same score.
    both = gc.geocode("人民路5号")
    assert {m.place_id for m in both[:2]} == {hm.place_id, cc.place_id} and both[0].score == both[1].score


def test_pois_blocks_and_admin(gc: Geocoder) -> None:
    assert gc.geocode("东洲公园")[0].place_id == 30
    assert gc.geocode("海门区东洲公园")[0].place_id == 30
    assert gc.geocode("东州公园")[0].place_id == 30  # homophone
    assert gc.geocode("海门人民医院")[0].place_id == 31  # alias
    assert gc.geocode("人民医院")[0].place_id == 31  # partial name
    assert gc.geocode("解放路小雪")[0].place_id == 32  # typo in a POI named after a road
    blk = gc.geocode("锦绣小区3幢2单元")[0]
    assert (blk.level, blk.place_id) == ("block", 20)
    assert gc.geocode("东洲社区")[0].level == "community"
    assert gc.geocode("常乐镇")[0].level == "street"
    assert gc.geocode("海门区")[0].level == "district"
    assert gc.geocode("") == [] and gc.geocode("？？") == []


def test_road_and_crossing(gc: Geocoder) -> None:
    road = gc.geocode("秀山北路")[0]
    assert (road.level, road.place_id) == ("road", 12)
    for text in ("解放路与人民路交叉口", "解放路人民路口"):
        m = gc.geocode(text)[0]
        assert m.level == "road" and m.address.endswith("解放路与人民路交叉口")
        assert (m.lon, m.lat) == pytest.approx((121.160, 31.900))


def test_ranking_order_and_scores(gc: Geocoder) -> None:
    ms = gc.geocode("海门区解放路121号", limit=10)
    levels = [m.level for m in ms]
    assert levels[:2] == ["door", "road"] and levels[-1] == "district"
    assert all(a.score >= b.score for a, b in zip(ms, ms[1:], strict=False))
    assert all(0.0 < m.score <= 1.0 for m in ms)
    fuzzy = gc.geocode("解方路121号")[0]
    assert 0.5 < fuzzy.score < 1.0
    assert len(gc.geocode("海门区解放路121号", limit=1)) == 1


# ---------------------------------------------------------------------- reverse


def test_reverse(gc: Geocoder) -> None:
    assert gc.reverse(121.150 + 121 * STEP, 31.90012) == "解放路121号附近"
    assert gc.reverse(121.1651, 31.9051) == "东洲公园附近"
    # On 人民路, 55 m from its crossing with 解放路, no plate within the 30 m radius.
    assert gc.reverse(121.16005, 31.9005, radius_m=30) == "人民路（解放路口）附近"
    assert gc.reverse(121.1521, 31.914) == "秀山北路附近"  # near no crossing
    assert gc.reverse(121.1551, 31.9025) == "锦绣花园内"
    assert gc.reverse(125.0, 40.0) == "125.000000,40.000000"


# ---------------------------------------------------------------------- test-set generator


def test_testset_on_handmade_gazetteer(gc: Geocoder, places: list[Place]) -> None:
    ts = make_testset(places, 120, seed=3)
    assert len(ts) == 120
    kinds = Counter(d for _, _, d in ts)
    assert set(kinds) <= set(DIFFICULTIES) and {"exact", "chinese_numerals", "typo"} <= set(kinds)
    by_id = {p.id: p for p in places}
    for text, pid, diff in ts:
        assert pid in by_id
        if diff == "fullwidth":
            assert text != normalise(text)
    hits = sum(gc.geocode(t, limit=1)[0].place_id == pid for t, pid, _ in ts if gc.geocode(t, limit=1))
    assert hits / len(ts) >= 0.9


def test_synthetic_gazetteer_accuracy() -> None:
    places = make_gazetteer(n_roads=40, n_doors=3000, n_pois=300, n_blocks=100, n_zones=5, seed=11)
    assert [p.id for p in places] == list(range(1, len(places) + 1))
    kinds = Counter(p.kind for p in places)
    assert kinds["road"] == 40 and kinds["poi"] == 300 and kinds["door"] == pytest.approx(3000, rel=0.02)
    gc = Geocoder(places)
    ts = make_testset(places, 600, seed=4)
    per = Counter[str]()
    ok = Counter[str]()
    for text, pid, diff in ts:
        per[diff] += 1
        got = gc.geocode(text, limit=1)
        ok[diff] += bool(got) and got[0].place_id == pid
    assert set(per) == set(DIFFICULTIES)
    assert sum(ok.values()) / len(ts) >= 0.95, {d: ok[d] / per[d] for d in per}


def test_fullwidth_helper() -> None:
    assert to_fullwidth("A1 ,") == "Ａ１　，"
