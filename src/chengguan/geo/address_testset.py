"""A synthetic gazetteer and a labelled address test set for the geocoder.

:func:`make_gazetteer` builds a plausible (but invented — **demo data**) city: two districts, eight
streets/towns, communities, ~200 roads with bends and crossings, door plates on both sides (odd
numbers on one side, even on the other, ~8 % of numbers missing so interpolation is exercised),
POIs (named places, chain-store branches, schools named after roads), residential blocks and zones,
with aliases (former road names, bank abbreviations, alternative block suffixes).

:func:`make_testset` works on *any* list of :class:`~chengguan.geo.address.Place` — the synthetic one
or a real gazetteer loaded from the database — and writes addresses the way people type them, in six
difficulty classes:

* ``exact`` — the standard address (district [street] road number 号, sometimes with province/city in
  front or building/unit/room behind; POIs and blocks by name);
* ``fullwidth`` — the same with full-width digits, letters, spaces and punctuation;
* ``chinese_numerals`` — door numbers in Chinese (一百二十三号, 十八号, 二〇五号, 一二三号);
* ``alias`` — a road, POI, block or district by one of its aliases;
* ``missing_parts`` — no district/street, or no 号 after the number;
* ``typo`` — one character of the road/POI/block name replaced by a homophone (the common pinyin-IME
  slip), dropped, or swapped with its neighbour. Typos that would produce another real name, or a
  name that sounds like another real name, are not generated: they are not recoverable.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence

import numpy as np
from pypinyin import lazy_pinyin
from rapidfuzz import process
from rapidfuzz.distance import OSA
from shapely.geometry import LineString, box

from chengguan.geo.address import Place, normalise

DIFFICULTIES: tuple[str, ...] = ("exact", "fullwidth", "chinese_numerals", "alias", "missing_parts", "typo")

# Two-character name roots of the kind found in Jiangsu street names (invented combinations).
ROOTS: tuple[str, ...] = tuple(
    """
    解放 人民 长江 黄海 北京 南京 上海 青年 建设 中山 秀山 浦江 东洲 珠江 江海 锦绣 丝绸 通海 湘江 沿江 南海 北海 海洋
    富江 银河 光明 和平 胜利 幸福 新华 文化 育才 工农 民主 团结 友谊 振兴 繁荣 兴业 迎宾 滨江 临江 望江 观海 海港 城北
    城南 城东 城西 环城 通江 长乐 永安 太平 安平 和顺 吉祥 如意 丰收 金山 银山 翠竹 松柏 梧桐 桂花 兰花 牡丹 芙蓉 紫薇
    蔷薇 杏花 桃园 梅园 柳林 竹林 枫林 樱花 海棠 玉兰 荷花 青山 碧水 白云 彩虹 朝阳 东方 红星 向阳 春晖 秋实 丹桂 金桥
    银桥 虹桥 长桥 石桥 新桥 古井 文庙 书院 学府 科技 创业 创新 工业 商业 贸易 金融 港城 江城 海城 新城 老街 庙前 张謇
    启秀 少年 健康 卫生 教育 体育 天宁 正余 悦来 四甲 余东 包场 三星 常乐 三厂 麒麟 汤家 树勋 刘浩 海永 王浩 德胜 东灶
    青龙 黄金 长青 长安 长春 长城 泰山 华山 嵩山 衡山 恒山 峨眉 黄山 庐山 天目 龙潭 凤凰 孔雀 天鹅 白鹭 黄鹂 燕子 鸿雁
    金沙 先锋 石港 平潮 刘桥 兴仁 川姜 西亭 二甲 东社 十总 骑岸 五接 金东 南山 狼山 濠河 钟秀 观音 城隍 崇川 任港 秦灶
    陈桥 唐闸 天生 永兴 永和 永丰 永宁 永福 永乐 永昌 永康 安康 安澜 安居 安泰 安庆 嘉禾 嘉陵 嘉园 清河 清江 清风 清源
    明月 明珠 明湖 星湖 星河 星海 月亮 阳光 晨光 曙光 晓光 霞光 紫荆 紫金 金鸡 金港 金城 金海 银杏 银湖 碧桂 碧波 翠湖
    翠苑 绿洲 绿地 绿园 花港 花溪 花城 华府 华庭 华夏 华中 中华 中兴 中泰 中南 东湖 西湖 南湖 北湖 东山 西山 东坡 西坡
    南岸 北岸 东岸 西岸 前进 前程 前锋 红旗 红光 红卫 新民 新生 新风 新港 新河 新桥 新江 新海 新洲 龙腾 龙华 龙湖 龙泉
    凤鸣 凤栖 鹤鸣 鹤城 鹿鸣 鹏程 鹏飞 腾飞 远航 扬帆 起航 海韵 江韵 书香 墨香 桂香 兰亭 竹园 松园 柏园 梨园 杏园 枣园
    """.split()  # noqa: SIM905 - 400 names read better as text than as a list literal
)
ROOTS = tuple(dict.fromkeys(ROOTS))  # drop repeats, keep order

ROAD_SUFFIXES = ("路", "路", "路", "大道", "街", "东路", "西路", "南路", "北路", "中路", "巷")
POI_TYPES = (
    "小学", "中学", "幼儿园", "医院", "卫生院", "社区卫生服务中心", "公园", "广场", "超市", "菜市场", "酒店", "宾馆",
    "派出所", "邮政所", "加油站", "体育馆", "图书馆", "影城", "大厦", "商场", "汽车站", "农贸市场", "药房", "饭店",
    "书店", "茶馆", "健身中心", "停车场", "公厕", "文化站",
)  # fmt: skip
CHAINS = {
    "苏果超市": ("苏果",), "华润万家": ("万家超市",), "中国银行": ("中行",), "工商银行": ("工行",),
    "农业银行": ("农行",), "建设银行": ("建行",), "中石化加油站": ("中石化",), "肯德基": ("KFC",),
    "如家酒店": ("如家",), "国大药房": ("国大",), "中国邮政": ("邮政",), "汉庭酒店": ("汉庭",),
}  # fmt: skip
BLOCK_SUFFIXES = ("花园", "新村", "小区", "家园", "公寓", "苑", "华庭", "名苑", "雅居", "花苑", "佳苑", "公馆")

DISTRICTS = (("320614", "海门区", ("海门市",)), ("320612", "通州区", ("通州市",)))
STREETS = {
    "320614": (("001", "海门街道"), ("002", "三厂街道"), ("003", "滨江街道"), ("100", "常乐镇")),
    "320612": (("001", "金沙街道"), ("002", "先锋街道"), ("100", "石港镇"), ("101", "平潮镇")),
}
_FW_TABLE = {i: i + 0xFEE0 for i in range(0x21, 0x7F)} | {0x20: 0x3000}


def to_fullwidth(s: str) -> str:
    """ASCII → full-width forms (what many Chinese IMEs type)."""
    return s.translate(_FW_TABLE)


_CN = "零一二三四五六七八九"


def int_to_chinese(n: int, style: str = "formal") -> str:
    """123 → 一百二十三 (formal), 一二三 (digits), 18 → 十八; 205 → 二〇五 (zero: digits with 〇)."""
    if style == "digits":
        return "".join(_CN[int(c)] for c in str(n))
    if style == "zero":
        return "".join("〇" if c == "0" else _CN[int(c)] for c in str(n))
    if n == 0:
        return "零"
    out = ""
    units = ((1000, "千"), (100, "百"), (10, "十"))
    rest = n
    zero_pending = False
    for value, name in units:
        d, rest = divmod(rest, value)
        if d:
            if zero_pending:
                out += "零"
                zero_pending = False
            out += ("" if (value == 10 and d == 1 and not out) else _CN[d]) + name
        elif out:
            zero_pending = True
    if rest:
        if zero_pending:
            out += "零"
        out += _CN[rest]
    return out


# ---------------------------------------------------------------------- synthetic gazetteer


class _City:
    """Deterministic mapping from a point to district/street/community/grid codes."""

    def __init__(self, lon0: float, lat0: float, w_deg: float, h_deg: float, rng: random.Random) -> None:
        self.lon0, self.lat0, self.w, self.h = lon0, lat0, w_deg, h_deg
        self.streets: list[tuple[str, str, str]] = []  # (district code, street code, name), west → east
        for dcode, _, _ in reversed(DISTRICTS):
            for num, name in STREETS[dcode]:
                self.streets.append((dcode, dcode + num, name))
        self.n_comm = 5
        roots = list(ROOTS)
        rng.shuffle(roots)
        self.comm_names: dict[str, str] = {}
        for i, (_, scode, sname) in enumerate(self.streets):
            for j in range(self.n_comm):
                suffix = "村" if sname.endswith("镇") else "社区"
                self.comm_names[f"{scode}{j + 1:03d}"] = roots[i * self.n_comm + j] + suffix

    def codes(self, lon: float, lat: float) -> tuple[str, str, str, str]:
        fx = min(max((lon - self.lon0) / self.w, 0.0), 0.999999)
        fy = min(max((lat - self.lat0) / self.h, 0.0), 0.999999)
        si = int(fx * len(self.streets))
        dcode, scode, _ = self.streets[si]
        ci = int(fy * self.n_comm)
        ccode = f"{scode}{ci + 1:03d}"
        # Unit grids of ~250 m numbered west→east, north→south inside the community (demo only).
        gx = int((fx * len(self.streets) - si) * 12)
        gy = int((1.0 - (fy * self.n_comm - ci)) * 12)
        return dcode, scode, ccode, f"{ccode}{gy * 12 + gx + 1:03d}"


class _Builder:
    """Builds the synthetic gazetteer step by step (see :func:`make_gazetteer`)."""

    def __init__(self, seed: int, origin: tuple[float, float], size_km: tuple[float, float]) -> None:
        self.rng = random.Random(seed)
        self.lon0, self.lat0 = origin
        self.kx = 111_320.0 * math.cos(math.radians(self.lat0 + 0.07))
        self.ky = 110_950.0
        self.w, self.h = size_km[0] * 1000 / self.kx, size_km[1] * 1000 / self.ky
        self.city = _City(self.lon0, self.lat0, self.w, self.h, self.rng)
        self.places: list[Place] = []
        self.used: set[str] = set()
        self.roots = list(ROOTS)
        self.rng.shuffle(self.roots)
        self.spare_roots = list(ROOTS)
        self.rng.shuffle(self.spare_roots)
        self.roads: list[Place] = []
        self.doors: list[Place] = []

    def new_id(self) -> int:
        return len(self.places) + 1

    def claim(self, name: str) -> bool:
        """Reserve a (normalised) name; False if some place already has it."""
        n = normalise(name)
        if n in self.used:
            return False
        self.used.add(n)
        return True

    def add(self, kind: str, name: str, aliases: tuple[str, ...], x: float, y: float, **kw: object) -> Place:
        dcode, scode, ccode, gcode = self.city.codes(x, y)
        fields: dict[str, object] = {"grid_code": gcode, "street_code": scode, "community_code": ccode,
                                     "district_code": dcode} | kw  # fmt: skip
        p = Place(self.new_id(), kind, name, aliases, x, y, **fields)  # type: ignore[arg-type]
        self.places.append(p)
        return p

    def admin(self) -> None:
        city, n_st = self.city, len(self.city.streets)
        for dcode, name, aliases in DISTRICTS:
            cols = [i for i, s in enumerate(city.streets) if s[0] == dcode]
            cx = self.lon0 + self.w * (sum(cols) / len(cols) + 0.5) / n_st
            self.claim(name)
            self.places.append(Place(self.new_id(), "district", name, aliases, cx, self.lat0 + self.h / 2,
                                     district_code=dcode))  # fmt: skip
        for i, (dcode, scode, name) in enumerate(city.streets):
            x0, x1 = self.lon0 + self.w * i / n_st, self.lon0 + self.w * (i + 1) / n_st
            self.claim(name)
            self.places.append(Place(self.new_id(), "street", name, (), (x0 + x1) / 2, self.lat0 + self.h / 2,
                                     street_code=scode, district_code=dcode,
                                     geom=box(x0, self.lat0, x1, self.lat0 + self.h)))  # fmt: skip
            for j in range(city.n_comm):
                ccode = f"{scode}{j + 1:03d}"
                y0 = self.lat0 + self.h * j / city.n_comm
                y1 = self.lat0 + self.h * (j + 1) / city.n_comm
                self.claim(city.comm_names[ccode])
                self.places.append(Place(self.new_id(), "community", city.comm_names[ccode], (), (x0 + x1) / 2,
                                         (y0 + y1) / 2, street_code=scode, community_code=ccode,
                                         district_code=dcode, geom=box(x0, y0, x1, y1)))  # fmt: skip

    def make_roads(self, n: int) -> None:
        """Half east-west, half north-south, 1.5–7 km with gentle bends; 30 % have a former name."""
        rng = self.rng
        while len(self.roads) < n:
            name = rng.choice(self.roots) + rng.choice(ROAD_SUFFIXES)
            if not self.claim(name):
                continue
            length_km = rng.uniform(1.5, 7.0)
            bends = np.cumsum(np.r_[0, [rng.uniform(-1, 1) for _ in range(4)]]) * 40
            if len(self.roads) % 2 == 0:
                y = self.lat0 + rng.uniform(0.03, 0.97) * self.h
                xa = self.lon0 + rng.uniform(0.0, max(0.0, self.w - length_km * 1000 / self.kx))
                xs = np.linspace(xa, xa + length_km * 1000 / self.kx, 5)
                ys = y + bends / self.ky
            else:
                x = self.lon0 + rng.uniform(0.03, 0.97) * self.w
                ya = self.lat0 + rng.uniform(0.0, max(0.0, self.h - length_km * 1000 / self.ky))
                ys = np.linspace(ya, ya + length_km * 1000 / self.ky, 5)
                xs = x + bends / self.kx
            line = LineString(np.column_stack([xs, ys]))
            aliases: tuple[str, ...] = ()
            if rng.random() < 0.3:
                while not aliases and self.spare_roots:
                    old = self.spare_roots.pop() + "路"
                    aliases = (old,) if self.claim(old) else ()
            mid = line.interpolate(0.5, normalized=True)
            self.roads.append(self.add("road", name, aliases, mid.x, mid.y, geom=line))

    def make_doors(self, n: int) -> None:
        """Plates proportional to road length: odd numbers left, even right, ~8 % numbers missing."""
        lengths = np.array([r.geom.length for r in self.roads])  # type: ignore[union-attr]
        per_road = np.maximum(4, np.round(n * lengths / lengths.sum()).astype(int))
        for road, m in zip(self.roads, per_road, strict=True):
            line = road.geom
            assert isinstance(line, LineString)
            top = int(m * 1.09) + 2
            pairs = (top + 1) // 2 + 1
            for num in sorted(self.rng.sample(range(1, top + 1), int(m))):
                f = ((num + 1) // 2) / pairs
                p = line.interpolate(f, normalized=True)
                q = line.interpolate(min(f + 0.001, 1.0), normalized=True)
                dx, dy = (q.x - p.x) * self.kx, (q.y - p.y) * self.ky
                norm = math.hypot(dx, dy) or 1.0
                side = 15.0 if num % 2 else -15.0
                x, y = p.x - dy / norm * side / self.kx, p.y + dx / norm * side / self.ky
                self.doors.append(self.add("door", f"{road.name}{num}号", (), x, y, road_id=road.id, number=num))

    def make_pois(self, n: int) -> None:
        """Chain branches (苏果超市（解放路店）, 30 %), schools named after their road (10 %) and
        root + type names (东洲公园), next to random door plates."""
        rng, made = self.rng, 0
        roads_by_id = {r.id: r for r in self.roads}
        while made < n:
            at = rng.choice(self.doors)
            road = roads_by_id[at.road_id]  # type: ignore[index]
            r = rng.random()
            aliases: tuple[str, ...] = ()
            if r < 0.3:
                brand = rng.choice(list(CHAINS))
                name = f"{brand}（{road.name}店）"
            elif r < 0.4:
                name = road.name + rng.choice(("小学", "中学", "幼儿园", "菜市场", "派出所"))
            else:
                name = rng.choice(self.roots) + rng.choice(POI_TYPES)
            if not self.claim(name):
                continue
            if r < 0.3:
                aliases = tuple(a for a in (f"{b}{road.name}店" for b in CHAINS[brand]) if self.claim(a))
            elif r >= 0.4 and rng.random() < 0.15:  # a former name
                alias = rng.choice(ROOTS) + name[2:]
                aliases = (alias,) if self.claim(alias) else ()
            ox, oy = rng.uniform(-20, 20) / self.kx, rng.uniform(-20, 20) / self.ky
            self.add("poi", name, aliases, at.lon + ox, at.lat + oy, road_id=at.road_id, number=at.number)
            made += 1

    def make_areas(self, kind: str, n: int, half_m: tuple[float, float]) -> None:
        """Residential blocks (区片, 20 % with an alternative suffix as alias) or zones (地片)."""
        rng, made = self.rng, 0
        while made < n:
            root = rng.choice(self.roots)
            suffix = rng.choice(BLOCK_SUFFIXES) if kind == "block" else "片区"
            if not self.claim(root + suffix):
                continue
            aliases: tuple[str, ...] = ()
            if kind == "block" and rng.random() < 0.2:
                alt = root + rng.choice([s for s in BLOCK_SUFFIXES if s != suffix])
                aliases = (alt,) if self.claim(alt) else ()
            cx = self.lon0 + rng.uniform(0.03, 0.97) * self.w
            cy = self.lat0 + rng.uniform(0.03, 0.97) * self.h
            half = rng.uniform(*half_m)
            geom = box(cx - half / self.kx, cy - half / self.ky, cx + half / self.kx, cy + half / self.ky)
            self.add(kind, root + suffix, aliases, cx, cy, geom=geom)
            made += 1


def make_gazetteer(
    *,
    n_roads: int = 200,
    n_doors: int = 40_000,
    n_pois: int = 2_000,
    n_blocks: int = 600,
    n_zones: int = 40,
    seed: int = 0,
    origin: tuple[float, float] = (121.05, 31.80),
    size_km: tuple[float, float] = (24.0, 16.0),
) -> list[Place]:
    """A synthetic city gazetteer (demo data). Place ids are 1…N in list order, stable for a seed."""
    b = _Builder(seed, origin, size_km)
    b.admin()
    b.make_roads(n_roads)
    b.make_doors(n_doors)
    b.make_pois(n_pois)
    b.make_areas("block", n_blocks, (80.0, 200.0))
    b.make_areas("zone", n_zones, (400.0, 900.0))
    return b.places


# Frequent characters, so homophone typos can use characters that appear in no name.
_COMMON = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行"
    "学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前"
    "外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军"
    "很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别"
    "她手角期根论运农指几九区强放决西被干做必战先回则任取据处府研质信东河海江湖洲港湾园苑庭华宁安康乐祥福寿喜庆春秋冬夏"
)


class _Typos:
    def __init__(self, names: set[str], rng: random.Random, strict: bool = True) -> None:
        self.rng = rng
        self.strict = strict
        self.names = names
        self.pinyin_names = Counter(" ".join(lazy_pinyin(n)) for n in names)
        self.name_list = sorted(names)
        self.tried = 0  # candidate typos made
        self.rejected = 0  # … and thrown away as unrecoverable (another name as near or as alike)
        pool = {c for n in names for c in n} | set(_COMMON)
        pool -= set("零〇一二两三四五六七八九十百千0123456789")
        self.by_sound: dict[str, list[str]] = {}
        for c in sorted(pool):
            if "\u4e00" <= c <= "\u9fff":
                self.by_sound.setdefault(lazy_pinyin(c)[0], []).append(c)

    def make(self, name: str, protect_tail: int, own: frozenset[str] = frozenset()) -> str | None:
        """One realistic slip in ``name``; the last ``protect_tail`` characters (a suffix such as 路)
        are left alone; ``own`` are the place's own names (aliases). None if no unambiguous typo
        can be made."""
        own = own | {name}
        core = len(name) - protect_tail
        if core < 2:
            return None
        for _ in range(12):
            r = self.rng.random()
            i = self.rng.randrange(core)
            if r < 0.6:
                alts = [c for c in self.by_sound.get(lazy_pinyin(name[i])[0], []) if c != name[i]]
                if not alts:
                    continue
                out = name[:i] + self.rng.choice(alts) + name[i + 1 :]
            elif r < 0.8 and core >= 3:
                out = name[:i] + name[i + 1 :]
            else:
                j = i + 1 if i + 1 < core else i - 1
                a, b = min(i, j), max(i, j)
                out = name[:a] + name[b] + name[a] + name[b + 1 :]
            self.tried += 1
            if out == name or normalise(out) in self.names:
                self.rejected += 1
                continue
            if not self.strict:
                return out
            key = " ".join(lazy_pinyin(out))
            if self.pinyin_names.get(key, 0) > (key == " ".join(lazy_pinyin(name))):
                self.rejected += 1
                continue  # sounds like another real name
            # The original must be strictly the nearest name by edit distance (OSA, a swap = one edit):
            # 业医院 is as close to 工业医院 as to 商业医院, and no reader could tell which was meant.
            d = OSA.distance(out, name)
            near = process.extract(out, self.name_list, scorer=OSA.distance, score_cutoff=d, limit=None)
            if any(m[0] not in own for m in near):
                self.rejected += 1
                continue
            return out
        return None


def _suffix_len(name: str) -> int:
    for s in ("大道", "东路", "西路", "南路", "北路", "中路", "路", "街", "巷"):
        if name.endswith(s):
            return len(s)
    return 0


class _Maker:
    """Writes test addresses for one place list (see :func:`make_testset`)."""

    def __init__(self, places: Sequence[Place], seed: int, prefixes: Sequence[str], strict_typos: bool) -> None:
        self.rng = random.Random(seed)
        self.prefixes = tuple(prefixes)
        self.by_id = {p.id: p for p in places}
        self.district = {p.admin_district: p for p in places if p.kind == "district"}
        self.street = {p.street_code: p for p in places if p.kind == "street"}
        names = {normalise(x) for p in places if p.kind != "door" for x in (p.name, *p.aliases)}
        self.name_count = Counter(normalise(p.name) for p in places if p.kind != "door")
        self.doors = [p for p in places if p.kind == "door" and p.road_id in self.by_id and p.number is not None]
        self.pois = [p for p in places if p.kind == "poi" and self.name_count[normalise(p.name)] == 1]
        self.blocks = [p for p in places if p.kind == "block" and self.name_count[normalise(p.name)] == 1]
        sample = self.doors[:: max(1, len(self.doors) // 5000)]
        self.alias_pools: list[tuple[str, list[Place], float]] = [
            ("road", [d for d in sample if self.road(d).aliases], 0.4),
            ("poi", [p for p in self.pois if p.aliases], 0.25),
            ("block", [p for p in self.blocks if p.aliases], 0.15),
            ("district", [d for d in sample if d.admin_district in self.district
                          and self.district[d.admin_district].aliases], 0.2),  # fmt: skip
        ]
        self.typos = _Typos(names, self.rng, strict_typos)

    def road(self, door: Place) -> Place:
        return self.by_id[door.road_id]  # type: ignore[index]

    def admin(self, p: Place, street: bool, district: str | None = None) -> str:
        """Standard admin prefix; ``district`` replaces the district's name (e.g. by an alias)."""
        d = self.district.get(p.admin_district)
        s = self.street.get(p.admin_street) if street else None
        if d is not None and p.name.startswith(d.name):
            return ""
        return (district if district is not None else d.name if d else "") + (s.name if s else "")

    def door_text(self, d: Place, *, road_name: str | None = None, number: str | None = None,
                  with_admin: bool = True, street: bool = False, district: str | None = None,
                  hao: str = "号") -> str:  # fmt: skip
        pre = self.admin(d, street, district) if with_admin else ""
        return f"{pre}{road_name or self.road(d).name}{number or d.number}{hao}"

    def pick(self, pools: Sequence[tuple[list[Place], float]]) -> Place:
        live = [(pool, w) for pool, w in pools if pool]
        r = self.rng.random() * sum(w for _, w in live)
        for pool, w in live:
            r -= w
            if r <= 0:
                return self.rng.choice(pool)
        return self.rng.choice(live[-1][0])

    def extra(self) -> str:
        """Building/unit/room after the door number, as people often add it."""
        r, rng = self.rng.random(), self.rng
        if r < 0.15:
            return f"{rng.randint(1, 30)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
        if r < 0.2:
            return f"{rng.randint(1, 30)}-{rng.randint(1, 4)}-{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        return ""

    def exact(self) -> tuple[str, int] | None:
        p = self.pick([(self.doors, 0.6), (self.pois, 0.25), (self.blocks, 0.15)])
        pre = self.rng.choice(self.prefixes) if self.prefixes and self.rng.random() < 0.2 else ""
        if p.kind == "door":
            return pre + self.door_text(p, street=self.rng.random() < 0.4) + self.extra(), p.id
        return pre + self.admin(p, street=p.kind == "block" and self.rng.random() < 0.5) + p.name, p.id

    def fullwidth(self) -> tuple[str, int] | None:
        p = self.pick([(self.doors, 0.8), (self.pois, 0.2)])
        sep = self.rng.choice([" ", " ", ",", "-"]) if self.rng.random() < 0.7 else ""
        if p.kind == "door":
            parts = [self.admin(p, False), self.road(p).name, f"{p.number}号", self.extra()]
        else:  # no digits to widen: always a full-width separator (or a leading space, as pasted)
            parts = [self.admin(p, False) or "", p.name]
            sep = sep or " "
        return to_fullwidth(sep.join(parts if p.kind != "door" else [x for x in parts if x])), p.id

    def chinese_numerals(self) -> tuple[str, int] | None:
        if not self.doors:
            return None
        d = self.rng.choice(self.doors)
        style = self.rng.choice(["formal", "formal", "digits", "zero"])
        text = self.door_text(d, number=int_to_chinese(int(d.number or 0), style), with_admin=self.rng.random() < 0.7)
        if self.rng.random() < 0.2:
            room = int_to_chinese(self.rng.randint(101, 1804), "digits")
            text += f"{int_to_chinese(self.rng.randint(1, 20))}栋{room}室"
        return text, d.id

    def alias(self) -> tuple[str, int] | None:
        live = [(what, pool, w) for what, pool, w in self.alias_pools if pool]
        if not live:
            return None
        r = self.rng.random() * sum(w for _, _, w in live)
        what, pool = live[-1][0], live[-1][1]
        for name, pl, w in live:
            r -= w
            if r <= 0:
                what, pool = name, pl
                break
        p = self.rng.choice(pool)
        if what == "road":
            return self.door_text(p, road_name=self.rng.choice(self.road(p).aliases)), p.id
        if what == "district":
            return self.door_text(p, district=self.rng.choice(self.district[p.admin_district].aliases)), p.id
        return self.admin(p, False) + self.rng.choice(p.aliases), p.id

    def missing_parts(self) -> tuple[str, int] | None:
        p = self.pick([(self.doors, 0.7), (self.pois, 0.2), (self.blocks, 0.1)])
        if p.kind != "door":
            return p.name, p.id
        unique_road = self.name_count[normalise(self.road(p).name)] == 1
        r = self.rng.random()
        if r < 0.5 and unique_road:
            return self.door_text(p, with_admin=False), p.id
        if r < 0.75 and unique_road:
            return self.admin(p, True, district="") + self.door_text(p, with_admin=False), p.id
        return self.door_text(p, hao=""), p.id

    def typo(self) -> tuple[str, int] | None:
        p = self.pick([(self.doors, 0.6), (self.pois, 0.3), (self.blocks, 0.1)])
        if p.kind == "door":
            road = self.road(p)
            own = frozenset(normalise(a) for a in road.aliases)
            bad = self.typos.make(road.name, _suffix_len(road.name), own)
            return (self.door_text(p, road_name=bad, with_admin=self.rng.random() < 0.5), p.id) if bad else None
        bad = self.typos.make(normalise(p.name), 0, frozenset(normalise(a) for a in p.aliases))
        return (self.admin(p, False) + bad, p.id) if bad else None


def make_testset(
    places: Sequence[Place],
    n: int,
    seed: int = 0,
    *,
    prefixes: Sequence[str] = ("江苏省南通市", "南通市", "江苏省"),
    stats: dict[str, int] | None = None,
    difficulties: Sequence[str] = DIFFICULTIES,
    strict_typos: bool = True,
) -> list[tuple[str, int, str]]:
    """``n`` addresses as ``(text, expected place id, difficulty)``, round-robin over
    :data:`DIFFICULTIES`. A class that cannot be generated from these places (e.g. ``alias`` when
    nothing has an alias) gives its share to the others. ``prefixes`` are province/city names
    sometimes put in front. If ``stats`` is given it receives ``typos_tried`` and
    ``typos_rejected`` (candidate typos discarded as ambiguous). ``difficulties`` restricts the
    classes; ``strict_typos=False`` keeps ambiguous typos too (any slip that is not itself a name),
    to measure what the unfiltered stream of typing errors looks like."""
    m = _Maker(places, seed, prefixes, strict_typos)
    out: list[tuple[str, int, str]] = []
    live = [d for d in difficulties if d in DIFFICULTIES]
    failures = Counter[str]()
    i = 0
    while len(out) < n and live:
        diff = live[i % len(live)]
        i += 1
        got = getattr(m, diff)() if (m.doors or m.pois or m.blocks) else None
        if got is None:
            failures[diff] += 1
            if failures[diff] > 50 + n:  # this class cannot be generated from these places
                live.remove(diff)
            continue
        out.append((got[0], got[1], diff))
    if stats is not None:
        stats["typos_tried"] = m.typos.tried
        stats["typos_rejected"] = m.typos.rejected
    return out
