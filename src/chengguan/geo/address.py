"""Chinese address geocoding over an in-memory gazetteer (GB/T 30428.3 地理编码).

Pipeline (digital-urban-management.md §6):

1. :func:`normalise` — NFKC (full-width → half-width), 號 → 号, Chinese numerals → Arabic where they
   are door/building/room numbers, punctuation and spaces removed, country/province prefixes removed.
   Gazetteer names go through the same function, so both sides always agree.
2. :meth:`Geocoder.parse` — jieba (a private tokenizer with every gazetteer name added as a word, so
   names stay whole) splits the text; runs of tokens that form a gazetteer name are recognised, the
   rest is classified by suffix (区/县, 街道/镇/乡, 社区/村, 路/街/巷, 小区/花园…) and door-number
   patterns (123号, 3栋, 2单元, 502室, 3-2-502) following the grammar
   ``行政区域 [街巷 | 小区 | 村] [门址 | 兴趣点]``.
3. :meth:`Geocoder.geocode` — exact dictionary lookups first; fuzzy matching (rapidfuzz OSA edit
   similarity + IDF-weighted character overlap, plus a toneless-pinyin key for homophone typos) only
   when nothing precise matched, and only on a per-kind shortlist from a character index. Levels,
   best first: ``door`` → ``poi`` → ``road_interpolated`` → ``road`` → ``block``/``zone`` →
   ``community`` → ``street`` → ``district``. Admin parts in the text raise or lower candidates but
   never exclude them (people get the district wrong).
4. :meth:`Geocoder.reverse` — nearest door plate / POI / road (with the nearest crossing road) within
   a radius, as a human description.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeGuard

import numpy as np
import shapely
from rapidfuzz.distance import OSA
from shapely import STRtree
from shapely.geometry import LineString, Point
from shapely.geometry.base import BaseGeometry

from chengguan.geo.coords import haversine_m, metres_per_degree

PlaceKind = Literal["district", "street", "community", "zone", "block", "road", "door", "poi"]
MatchLevel = Literal[
    "door", "poi", "road_interpolated", "road", "block", "zone", "community", "street", "district"
]
PLACE_KINDS: tuple[str, ...] = ("district", "street", "community", "zone", "block", "road", "door", "poi")


def is_place_kind(kind: str) -> TypeGuard[PlaceKind]:
    return kind in PLACE_KINDS

# Base score per level: the geocoder's preference order. A match's score is base × name similarity ×
# admin consistency. Named places (door … zone) sit close together so that an exact block beats a
# fuzzy POI, while admin areas sit far below so that any plausible finer match beats them.
LEVEL_BASE: dict[str, float] = {
    "door": 1.0,
    "poi": 0.98,
    "road_interpolated": 0.95,
    "road": 0.92,
    "block": 0.9,
    "zone": 0.88,
    "community": 0.7,
    "street": 0.6,
    "district": 0.5,
}
CROSSING_BASE = 0.935  # 解放路与人民路交叉口: a point on the road, more precise than its midpoint
LEVEL_RANK = {k: i for i, k in enumerate(LEVEL_BASE)}

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry. Coordinates are CGCS2000/WGS-84 lon/lat.

    ``district_code`` is optional (derived from ``street_code``/``community_code`` when missing);
    door plates are ``road_id`` + ``number``; roads should carry a LineString ``geom`` so door numbers
    that have no plate can be interpolated."""

    id: int
    kind: PlaceKind
    name: str
    aliases: tuple[str, ...] = ()
    lon: float = math.nan
    lat: float = math.nan
    grid_code: str | None = None
    street_code: str | None = None
    community_code: str | None = None
    road_id: int | None = None
    number: int | None = None
    geom: BaseGeometry | None = None
    district_code: str | None = None

    @property
    def admin_district(self) -> str | None:
        for c in (self.district_code, self.street_code, self.community_code):
            if c:
                return c[:6]
        return None

    @property
    def admin_street(self) -> str | None:
        if self.street_code:
            return self.street_code
        return self.community_code[:9] if self.community_code else None


@dataclass(slots=True)
class ParsedAddress:
    district: str | None = None
    street: str | None = None
    community: str | None = None
    road: str | None = None
    number: int | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    poi_text: str | None = None
    rest: str | None = None
    block: str | None = None  # 小区/地片 name (基本区域限定物 other than a street)
    sub_number: int | None = None  # 123-5号 → 5


@dataclass(frozen=True, slots=True)
class Match:
    place_id: int  # for road_interpolated: the road
    address: str
    lon: float
    lat: float
    grid_code: str | None
    level: MatchLevel
    score: float


# ---------------------------------------------------------------------- normalisation

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市", "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省",
    "安徽省", "福建省", "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
    "云南省", "陕西省", "甘肃省", "青海省", "台湾省", "内蒙古自治区", "广西壮族自治区", "西藏自治区",
    "宁夏回族自治区", "新疆维吾尔自治区", "香港特别行政区", "澳门特别行政区",
)  # fmt: skip
_COUNTRY = ("中华人民共和国", "中国")

_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_CN_NUM_CHARS = "零〇○一二两三四五六七八九十百千"
# Runs of Chinese numerals are converted when they are numbers: followed by a door/building/room
# marker (一百二十三号, 十八栋), or digit-by-digit with a zero (二〇五, 一零三). Elsewhere they are
# part of a name (五一路, 三里屯, 二甲镇) and are left alone.
_CN_RUN = re.compile(f"[{_CN_NUM_CHARS}]+")
_CN_MARKERS = ("号", "栋", "幢", "座", "单元", "室", "层", "楼", "弄", "户", "-")
_DASHES = re.compile(r"(?<=\d)\s*[‐‑‒–—―－~〜～−_]\s*(?=\d)")
_HASH_BUILDING = re.compile(r"(\d+|[A-Za-zＡ-Ｚａ-ｚ])\s*#楼?")
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u3007\u3400-\u4dbf\u4e00-\u9fff\-]+")
_STRAY_DASH = re.compile(r"(?<!\d)-|-(?!\d)")
_VARIANTS = str.maketrans({"號": "号", "衕": "同", "弍": "二", "貳": "二", "壹": "一", "叁": "三", "拾": "十"})


def chinese_to_int(s: str) -> int:
    """一百二十三 → 123, 十八 → 18, 二〇五 → 205, 一二三 → 123, 两千零一 → 2001."""
    if not s or any(c not in _CN_DIGIT and c not in _CN_UNIT for c in s):
        raise ValueError(f"不是中文数字：{s!r}")
    if not any(c in _CN_UNIT for c in s):
        return int("".join(str(_CN_DIGIT[c]) for c in s))
    total, cur = 0, 0
    for c in s:
        if c in _CN_DIGIT:
            cur = _CN_DIGIT[c]
        else:
            total += (cur or 1) * _CN_UNIT[c]  # 十八: an implicit 一 before 十
            cur = 0
    return total + cur


def _cn_repl(m: re.Match[str]) -> str:
    run = m.group(0)
    marked = m.string.startswith(_CN_MARKERS, m.end())
    digit_style = len(run) >= 2 and not any(u in run for u in _CN_UNIT) and any(z in run for z in "零〇○")
    if not (marked or digit_style):
        return run
    try:
        return str(chinese_to_int(run))
    except ValueError:
        return run


def normalise(
    text: str, *, typos: Mapping[str, str] | None = None, extra_prefixes: Sequence[str] = ()
) -> str:
    """Canonical form of an address (or a gazetteer name) for matching.

    ``typos`` maps known misspellings to corrections (applied after width folding);
    ``extra_prefixes`` are leading parts to drop besides country and province, e.g. ``("南通市",)``."""
    s = unicodedata.normalize("NFKC", text).translate(_VARIANTS)
    if typos:
        for wrong, right in typos.items():
            s = s.replace(wrong, right)
    s = _DASHES.sub("-", s)
    s = _HASH_BUILDING.sub(r"\1栋", s)  # before punctuation goes: 5#楼 → 5栋
    s = _NOT_WORD.sub("", s).upper()
    s = _STRAY_DASH.sub("", s)
    s = _CN_RUN.sub(_cn_repl, s)
    changed = True
    while changed and s:
        changed = False
        for p in (*PROVINCES, *extra_prefixes):
            if p and s.startswith(p) and len(s) > len(p):
                s = s[len(p) :]
                changed = True
        # 中国 only in front of a province or a given prefix: 中国银行 is a bank.
        for c in _COUNTRY:
            if s.startswith(c) and (c == "中华人民共和国" or s.startswith(tuple(PROVINCES) + tuple(extra_prefixes), len(c))):
                s = s[len(c) :]
                changed = True
    return s


# ---------------------------------------------------------------------- parsing helpers

_ROAD_SUFFIX = ("大道", "大街", "胡同", "路", "街", "巷", "弄", "道", "里", "线")
_BLOCK_SUFFIX = ("小区", "花园", "新村", "家园", "公寓", "苑", "庭", "园", "城", "居", "府", "湾", "郡", "坊", "村")
_DISTRICT_SUFFIX = ("区", "县", "市")
_STREET_SUFFIX = ("街道", "镇", "乡")
_COMMUNITY_SUFFIX = ("社区", "居委会", "村委会", "村")

_LOC_RE = re.compile(
    r"(?P<num>\d+)(?:-(?P<sub>\d+))?(?:号院|号(?!楼|房)|弄)"
    r"|(?P<bld>\d+|[A-Z])(?:栋|幢|座|号楼)"
    r"|(?P<unit>\d+)单元"
    r"|(?P<room>\d+)(?:室|号房|房|户)"
    r"|(?P<floor>\d+)(?:层|楼)"
)
_DASH3 = re.compile(r"^(\d+)-(\d+)-(\d+)")
_DASH2 = re.compile(r"^(\d+)-(\d+)")
_BARE_NUM = re.compile(r"^(\D*?)(\d+)(?:-(\d+))?(\D*)$")
_ADMIN_PREFIX = re.compile(r"^(.{2,8}?(?:街道|镇|乡|区|县|社区|村))(.{3,})$")
_HAN = re.compile(r"[\u3400-\u9fff]")


def _peel_admin(text: str) -> tuple[list[str], str]:
    """Split unknown admin names off the front of a road-like run: 某某区某某镇解方路 → ([某某区,
    某某镇], 解方路). The remainder keeps at least 3 characters so 新区大道 is not cut into 新区 + 大道."""
    peeled: list[str] = []
    while (m := _ADMIN_PREFIX.match(text)) and _suffix_slot(m.group(2)) == "road":
        peeled.append(m.group(1))
        text = m.group(2)
    return peeled, text


def _suffix_slot(text: str) -> str:
    if text.endswith(_STREET_SUFFIX):
        return "street"
    if text.endswith(_COMMUNITY_SUFFIX) and not text.endswith("新村"):
        return "community"
    if text.endswith(_DISTRICT_SUFFIX) and len(text) >= 2 and not text.endswith(("小区", "园区", "景区", "城区")):
        return "district"
    if text.endswith(_ROAD_SUFFIX):
        return "road"
    if text.endswith(_BLOCK_SUFFIX):
        return "block"
    return "other"


@dataclass(slots=True)
class _Segment:
    text: str
    refs: list[tuple[int, str, bool]]  # (place id, kind, is_alias); empty = not a gazetteer name
    slot: str


@dataclass(slots=True)
class _Parse:
    parsed: ParsedAddress
    segments: list[_Segment]
    road_text: str | None  # unknown text that should be a road (fuzzy)
    other_text: list[str]  # unknown text that may be a POI/block/zone name (fuzzy)


# ---------------------------------------------------------------------- jieba

_TOKENIZER: Any = None
_TOKENIZER_LOCK = threading.Lock()
_ADDED_WORDS: set[str] = set()


def _tokenizer(words: Iterable[str]) -> Any:
    """A private jieba tokenizer (the global one is shared with other modules), with ``words``
    added at a high frequency so gazetteer names are never split."""
    global _TOKENIZER
    with _TOKENIZER_LOCK:
        if _TOKENIZER is None:
            import jieba  # ~1 s to import: loaded by the geocoder's (background) warm-up, not at server start

            jieba.setLogLevel(logging.WARNING)
            tk = jieba.Tokenizer()
            tk.initialize()
            _TOKENIZER = tk
        for w in words:
            if w not in _ADDED_WORDS and len(w) > 1:
                _TOKENIZER.add_word(w, freq=1_000_000)
                _ADDED_WORDS.add(w)
        return _TOKENIZER


# ---------------------------------------------------------------------- fuzzy index


def _pinyin_key(s: str) -> str:
    from pypinyin import lazy_pinyin  # dictionaries load on first use (see _tokenizer)

    return " ".join(lazy_pinyin(s))


class _FuzzyIndex:
    """Names of the non-door places: shortlist by shared characters (rare characters weigh more),
    then rescore (:meth:`similarity`); a toneless-pinyin key catches homophones."""

    def __init__(self, entries: list[tuple[str, int, str, bool]]) -> None:
        self.names = [e[0] for e in entries]
        self.place = np.array([e[1] for e in entries], dtype=np.int64)
        self.kind = [e[2] for e in entries]
        self.kind_code = np.array([PLACE_KINDS.index(k) for k in self.kind], dtype=np.int8)
        self.alias = [e[3] for e in entries]
        post: dict[str, list[int]] = {}
        self.pinyin: dict[str, list[int]] = {}
        for i, name in enumerate(self.names):
            for ch in set(name):
                post.setdefault(ch, []).append(i)
            self.pinyin.setdefault(_pinyin_key(name), []).append(i)
        n = max(len(self.names), 1)
        self.post = {ch: np.asarray(v, dtype=np.int32) for ch, v in post.items()}
        # Inverse document frequency, so 路/区/园 count for little and 解/洲 for a lot.
        self.idf = {ch: math.log(1.0 + n / len(v)) for ch, v in post.items()}
        self.max_idf = math.log(1.0 + n)  # a character no name has

    def similarity(self, a: str, b: str) -> float:
        """Mean of the optimal-string-alignment similarity (a swap of two neighbours is one edit, so
        鹤城 ~ 城鹤) and an IDF-weighted Dice overlap of the characters (rare characters shared count
        more than a shared 路). 1.0 only for equal strings."""
        osa = OSA.normalized_similarity(a, b)
        sa, sb = set(a), set(b)
        idf, dflt = self.idf, self.max_idf
        wa = sum(idf.get(c, dflt) for c in sa)
        wb = sum(idf.get(c, dflt) for c in sb)
        wc = sum(idf.get(c, dflt) for c in sa & sb)
        dice = 2.0 * wc / (wa + wb) if wa + wb else 0.0
        return 0.5 * osa + 0.5 * dice

    def search(self, q: str, kinds: frozenset[str], k: int = 5, shortlist: int = 40) -> list[tuple[int, float]]:
        """Best entries (index, similarity in [0, 1]) of the given kinds."""
        if not q:
            return []
        scores: dict[int, float] = {}
        for i in self.pinyin.get(_pinyin_key(q), ()):
            if self.kind[i] in kinds:
                # Same sound, different characters: the usual IME typo. Several names may sound
                # alike (长乐/常乐): the spelling decides between them.
                scores[i] = 1.0 if self.names[i] == q else 0.9 + 0.1 * self.similarity(q, self.names[i])
        chars = [ch for ch in set(q) if ch in self.post]
        if chars:
            cat = np.concatenate([self.post[ch] for ch in chars])
            w = np.concatenate([np.full(len(self.post[ch]), self.idf[ch]) for ch in chars])
            ids, inv = np.unique(cat, return_inverse=True)
            tot = np.bincount(inv, weights=w)
            kc = self.kind_code[ids]
            # A shortlist per kind: 20k bank branches sharing 银/行 must not crowd out 银杏街.
            for kind in kinds:
                sel = np.flatnonzero(kc == PLACE_KINDS.index(kind))
                if sel.size > shortlist:
                    sel = sel[np.argpartition(-tot[sel], shortlist)[:shortlist]]
                for i in ids[sel].tolist():
                    sim = self.similarity(q, self.names[i])
                    if sim > scores.get(i, 0.0):
                        scores[i] = sim
        best = sorted(scores.items(), key=lambda t: (-t[1], self.alias[t[0]], t[0]))
        return best[:k]


# ---------------------------------------------------------------------- road door plates


@dataclass(slots=True)
class _RoadDoors:
    numbers: np.ndarray  # sorted
    ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    along: np.ndarray | None  # position of each door's foot point along the road line (degrees)


# ---------------------------------------------------------------------- geocoder


@dataclass
class _Cand:
    level: str
    place_id: int
    lon: float
    lat: float
    grid_code: str | None
    score: float
    address: str
    tie: int = 0  # secondary order: canonical names before aliases, then id


class _Query:
    """Per-query state: admin codes named in the text, exact gazetteer hits, and candidates."""

    def __init__(self, gc: Geocoder, pr: _Parse) -> None:
        self.gc = gc
        self.pr = pr
        self.cands: dict[tuple[str, int], _Cand] = {}
        self.adm_d: set[str] = set()
        self.adm_s: set[str] = set()
        self.adm_c: set[str] = set()
        self.exact: dict[str, list[tuple[int, bool, int]]] = {}  # kind → (place id, alias, name length)
        # Han characters of the text that no gazetteer name explains (not door/room markers either).
        self.unexplained = sum(len(_HAN.findall(t)) for t in pr.other_text)
        for seg in pr.segments:
            for pid, kind, alias in seg.refs:
                p = gc.places[pid]
                if kind == "district" and p.admin_district:
                    self.adm_d.add(p.admin_district)
                elif kind == "street" and p.admin_street:
                    self.adm_s.add(p.admin_street)
                elif kind == "community" and p.community_code:
                    self.adm_c.add(p.community_code)
                self.exact.setdefault(kind, []).append((pid, alias, len(seg.text)))

    def cover(self, explained: int) -> float:
        """Down-weight a match that leaves much of the text unexplained: in 碧水路学小 the exact road
        碧水路 should lose to the fuzzy POI 碧水路小学."""
        if not self.unexplained:
            return 1.0
        return 0.5 + 0.5 * explained / (explained + self.unexplained)

    def admin_factor(self, p: Place) -> float:
        """Penalty when the text names a district/street/community the place is not in. A penalty,
        not a filter: a wrong district in the text should not hide the right door plate."""
        f = 1.0
        if self.adm_d and p.kind != "district" and p.admin_district not in self.adm_d:
            f *= 0.8
        if self.adm_s and p.kind not in ("district", "street") and p.admin_street not in self.adm_s:
            f *= 0.9
        if self.adm_c and p.kind in ("door", "poi", "block") and p.community_code not in self.adm_c:
            f *= 0.95
        return f

    def add(
        self,
        level: str,
        p: Place,
        sim: float,
        *,
        pt: tuple[float, float] | None = None,
        grid: str | None = None,
        address: str | None = None,
        alias: bool = False,
        cover: float = 1.0,
    ) -> None:
        score = LEVEL_BASE[level] * sim * self.admin_factor(p) * cover
        key = (level, p.id)
        if key in self.cands and self.cands[key].score >= score:
            return
        lon, lat = pt if pt is not None else self.gc._point_of(p)
        self.cands[key] = _Cand(
            level, p.id, lon, lat, grid if pt is not None else p.grid_code, score,
            address or (self.gc._admin_text(p) + p.name), int(alias),
        )  # fmt: skip


class Geocoder:
    """Forward and reverse geocoding over ``places``.

    ``grid_index`` (a :class:`chengguan.geo.gridindex.GridIndex`) gives interpolated points their
    grid code; without it they take the nearer neighbouring plate's. ``typos`` is the correction table
    passed to :func:`normalise`; ``city_names`` are prefixes to drop (e.g. ``("南通市", "南通")``), and a
    generic ``…市`` is dropped anyway when a known district or street follows it."""

    FUZZY_MIN = 0.5  # below this similarity a fuzzy candidate is noise

    def __init__(
        self,
        places: Iterable[Place],
        *,
        grid_index: Any = None,
        typos: Mapping[str, str] | None = None,
        city_names: Sequence[str] = (),
    ) -> None:
        self.places: dict[int, Place] = {}
        for p in places:
            if p.kind not in PLACE_KINDS:
                raise ValueError(f"地名{p.name!r}的类型{p.kind!r}无效，可选：{'/'.join(PLACE_KINDS)}")
            if p.id in self.places:
                raise ValueError(f"地名编号重复：{p.id}")
            self.places[p.id] = p
        self.grid_index = grid_index
        self.typos = dict(typos or {})
        self.city_names = tuple(city_names)

        self._names: dict[str, list[tuple[int, str, bool]]] = {}
        self._district_name: dict[str, str] = {}
        self._street_name: dict[str, str] = {}
        self._admin_prefixes: set[str] = set()
        self._doors: dict[tuple[int, int], int] = {}
        fuzzy_entries: list[tuple[str, int, str, bool]] = []
        for p in self.places.values():
            if p.kind == "district" and p.admin_district:
                self._district_name.setdefault(p.admin_district, p.name)
            elif p.kind == "street" and p.street_code:
                self._street_name.setdefault(p.street_code, p.name)
            if p.kind == "door":
                if p.road_id is not None and p.number is not None:
                    self._doors.setdefault((p.road_id, p.number), p.id)
                continue
            for j, raw in enumerate((p.name, *p.aliases)):
                # Names skip the context-dependent "…市" rule of _norm: a name is taken as written.
                n = normalise(raw, typos=self.typos, extra_prefixes=self.city_names)
                if not n:
                    continue
                refs = self._names.setdefault(n, [])
                if all(r[0] != p.id for r in refs):
                    refs.append((p.id, p.kind, j > 0))
                    fuzzy_entries.append((n, p.id, p.kind, j > 0))
                if p.kind in ("district", "street"):
                    self._admin_prefixes.add(n)
        self._max_name = max((len(n) for n in self._names), default=1)
        self._fuzzy = _FuzzyIndex(fuzzy_entries)
        self._tk = _tokenizer(self._names)
        self._road_doors = self._index_road_doors()
        self._build_reverse()

    # ------------------------------------------------------------------ building blocks

    def _norm(self, text: str) -> str:
        s = normalise(text, typos=self.typos, extra_prefixes=self.city_names)
        # A leading "…市" (prefecture-level city) is dropped when a known district/street follows.
        if s.startswith("中国") and any(s.startswith(a, 2) for a in self._admin_prefixes):
            s = s[2:]
        m = re.match(r"^[\u4e00-\u9fff]{2,4}?市", s)
        if m and s[: m.end()] not in self._names:
            rest = s[m.end() :]
            if any(rest.startswith(a) for a in self._admin_prefixes):
                s = rest
        return s

    def _index_road_doors(self) -> dict[int, _RoadDoors]:
        by_road: dict[int, list[Place]] = {}
        for p in self.places.values():
            if p.kind == "door" and p.road_id is not None and p.number is not None and math.isfinite(p.lon):
                by_road.setdefault(p.road_id, []).append(p)
        out: dict[int, _RoadDoors] = {}
        for rid, doors in by_road.items():
            doors.sort(key=lambda d: (d.number, d.id))
            nums = np.array([d.number for d in doors], dtype=np.int64)
            lon = np.array([d.lon for d in doors])
            lat = np.array([d.lat for d in doors])
            road = self.places.get(rid)
            along = None
            if road is not None and isinstance(road.geom, LineString) and not road.geom.is_empty:
                along = shapely.line_locate_point(road.geom, shapely.points(lon, lat))
            out[rid] = _RoadDoors(nums, np.array([d.id for d in doors]), lon, lat, along)
        return out

    def _build_reverse(self) -> None:
        pts = [p for p in self.places.values() if p.kind in ("door", "poi") and math.isfinite(p.lon)]
        self._pt_places = pts
        self._pt_x = np.array([p.lon for p in pts])
        self._pt_y = np.array([p.lat for p in pts])
        self._pt_tree = STRtree(shapely.points(self._pt_x, self._pt_y)) if pts else None
        roads = [p for p in self.places.values() if p.kind == "road" and p.geom is not None]
        self._road_places = roads
        self._road_geoms = np.array([p.geom for p in roads], dtype=object)
        self._road_tree = STRtree(self._road_geoms) if roads else None
        areas = [p for p in self.places.values()
                 if p.kind in ("block", "zone", "community", "street", "district") and p.geom is not None]  # fmt: skip
        areas.sort(key=lambda p: PLACE_KINDS.index(p.kind), reverse=True)  # most specific first
        self._area_places = areas
        self._area_tree = STRtree(np.array([p.geom for p in areas], dtype=object)) if areas else None

    def _point_of(self, p: Place) -> tuple[float, float]:
        if math.isfinite(p.lon) and math.isfinite(p.lat):
            return p.lon, p.lat
        if p.geom is not None and not p.geom.is_empty:
            if isinstance(p.geom, LineString):
                c = p.geom.interpolate(0.5, normalized=True)
            else:
                c = p.geom.point_on_surface()
            return c.x, c.y
        return math.nan, math.nan

    def _admin_text(self, p: Place, with_street: bool = True) -> str:
        """District (+ street) prefix of a standard address, unless the name already starts with it
        (海门区人民医院 stays as it is)."""
        parts = []
        d = p.admin_district
        if d and d in self._district_name and p.kind != "district":
            if p.name.startswith(self._district_name[d]):
                return ""
            parts.append(self._district_name[d])
        s = p.admin_street
        if with_street and s and s in self._street_name and p.kind not in ("district", "street"):
            parts.append(self._street_name[s])
        return "".join(parts)

    # ------------------------------------------------------------------ parsing

    def parse(self, text: str) -> ParsedAddress:
        return self._parse(self._norm(text)).parsed

    def _segments(self, s: str) -> list[_Segment]:
        tokens: list[str] = self._tk.lcut(s, HMM=False)
        segs: list[_Segment] = []
        unknown: list[str] = []

        def flush() -> None:
            if unknown:
                t = "".join(unknown)
                segs.append(_Segment(t, [], _suffix_slot(t)))
                unknown.clear()

        i = 0
        n = len(tokens)
        while i < n:
            found = 0
            acc = ""
            best = ""
            for j in range(i, min(n, i + 6)):
                acc += tokens[j]
                if len(acc) > self._max_name:
                    break
                if acc in self._names:
                    found, best = j + 1, acc
            if found:
                flush()
                refs = self._names[best]
                kinds = {r[1] for r in refs}
                slot = next(
                    (k for k in ("district", "street", "community", "road", "block", "zone", "poi") if k in kinds),
                    "other",
                )
                segs.append(_Segment(best, refs, slot))
                i = found
            else:
                unknown.append(tokens[i])
                i += 1
        flush()
        return segs

    def _parse(self, s: str) -> _Parse:
        segs = self._segments(s)
        pa = ParsedAddress()
        road_text: str | None = None
        other: list[str] = []
        rest: list[str] = []
        after_road = False
        for seg in segs:
            if seg.refs:
                self._assign(pa, seg.slot, seg.text)
                after_road = seg.slot == "road"
                continue
            had_number = pa.number is not None
            head, tail = self._split_locators(seg.text, pa, after_road=after_road)
            number_here = not had_number and pa.number is not None
            after_road = False
            if head:
                if number_here or _suffix_slot(head) == "road":
                    admins, head = _peel_admin(head)
                    for admin in admins:
                        self._assign(pa, _suffix_slot(admin), admin)
                slot = _suffix_slot(head)
                if (number_here and pa.road is None) or slot == "road":
                    # Unknown text right before a door number is the road, whatever its suffix
                    # says (the typo may be in the suffix).
                    if road_text is None:
                        road_text = head
                        pa.road = pa.road or head
                    else:
                        other.append(head)
                elif slot in ("district", "street", "community"):
                    # Unknown: an admin name we do not have, or a misspelt POI/block (苏过超市 ends in 市).
                    self._assign(pa, slot, head)
                    other.append(head)
                elif slot == "block":
                    other.append(head)
                    pa.block = pa.block or head
                elif _HAN.search(head):
                    other.append(head)
                else:
                    rest.append(head)
            if tail:
                if _HAN.search(tail):
                    other.append(tail)
                    pa.poi_text = pa.poi_text or tail
                else:
                    rest.append(tail)
        if pa.poi_text is None:
            cand = [t for t in other if t != pa.block]
            if cand:
                pa.poi_text = cand[-1]
        pa.rest = "".join(rest) or None
        return _Parse(pa, segs, road_text, other)

    @staticmethod
    def _assign(pa: ParsedAddress, slot: str, text: str) -> None:
        if slot in ("zone", "block"):
            if pa.block is None:
                pa.block = text
        elif slot == "poi":
            if pa.poi_text is None:
                pa.poi_text = text
        elif slot in ("district", "street", "community", "road") and getattr(pa, slot) is None:
            setattr(pa, slot, text)

    @staticmethod
    def _split_locators(text: str, pa: ParsedAddress, *, after_road: bool) -> tuple[str, str | None]:
        """Pull 门牌/楼栋/单元/室 out of an unknown run; returns (text before them, text after)."""
        matches = list(_LOC_RE.finditer(text))
        if not matches:
            # 解放路123 — the 号 is often left out: digits after a road name are the door number.
            m = _BARE_NUM.match(text)
            if m and pa.number is None and (m.group(1).endswith(_ROAD_SUFFIX) or (after_road and not m.group(1))):
                pa.number = int(m.group(2))
                if m.group(3):
                    pa.sub_number = int(m.group(3))
                return m.group(1), m.group(4) or None
            return text, None
        head = text[: matches[0].start()]
        pos = matches[0].start()
        leftovers: list[str] = []
        for m in matches:
            if m.start() > pos:
                leftovers.append(text[pos : m.start()])
            pos = m.end()
            if m.group("num") is not None and pa.number is None:
                pa.number = int(m.group("num"))
                if m.group("sub"):
                    pa.sub_number = int(m.group("sub"))
            elif m.group("bld") is not None and pa.building is None:
                pa.building = m.group("bld")
            elif m.group("unit") is not None and pa.unit is None:
                pa.unit = m.group("unit")
            elif m.group("room") is not None and pa.room is None:
                pa.room = m.group("room")
        tail = text[pos:]
        # 123号3-2-502 / 123号3-502: building-unit-room or building-room after the door number.
        if tail:
            if m3 := _DASH3.match(tail):
                pa.building, pa.unit, pa.room = pa.building or m3.group(1), pa.unit or m3.group(2), m3.group(3)
                tail = tail[m3.end() :]
            elif m2 := _DASH2.match(tail):
                pa.building, pa.room = pa.building or m2.group(1), pa.room or m2.group(2)
                tail = tail[m2.end() :]
            elif tail.isdigit() and pa.room is None:
                pa.room = tail
                tail = ""
        leftovers.append(tail)
        rest = "".join(x for x in leftovers if x)
        return head, rest or None

    # ------------------------------------------------------------------ forward geocoding

    def geocode(self, text: str, limit: int = 5) -> list[Match]:
        """Candidates for ``text``, best first (at most ``limit``); empty if nothing matched."""
        s = self._norm(text)
        if not s:
            return []
        pr = self._parse(s)
        q = _Query(self, pr)
        roads = self._match_roads(q)
        if len(roads) >= 2 and pr.parsed.number is None:
            self._match_crossing(q, roads)
        for kind in ("poi", "block", "zone"):
            for pid, alias, n in q.exact.get(kind, []):
                q.add(kind, self.places[pid], 1.0, alias=alias, cover=q.cover(n))
        # Fuzzy names only when nothing precise was found: keeps the common case fast.
        if max((c.score for c in q.cands.values()), default=0.0) < LEVEL_BASE["road_interpolated"]:
            self._match_fuzzy_names(q, bool(roads))
        for kind in ("community", "street", "district"):
            for pid, alias, _ in q.exact.get(kind, []):
                q.add(kind, self.places[pid], 1.0, alias=alias)
        ranked = sorted(q.cands.values(), key=lambda c: (-c.score, LEVEL_RANK[c.level], c.tie, c.place_id))
        return [
            Match(c.place_id, c.address, c.lon, c.lat, c.grid_code, c.level, round(min(c.score, 1.0), 4))  # type: ignore[arg-type]
            for c in ranked[:limit]
        ]

    def _match_roads(self, q: _Query) -> list[tuple[int, float, bool]]:
        """Roads named exactly, else fuzzy; with a door number, the plate or an interpolated point."""
        pa, pr = q.pr.parsed, q.pr
        roads = [(pid, 1.0, al, n) for pid, al, n in q.exact.get("road", [])]
        if not roads and pr.road_text:
            roads = [(int(self._fuzzy.place[i]), sim, self._fuzzy.alias[i], len(pr.road_text))
                     for i, sim in self._fuzzy.search(pr.road_text, frozenset({"road"}), k=3)
                     if sim >= self.FUZZY_MIN]  # fmt: skip
        for rid, sim, alias, n in roads:
            road = self.places[rid]
            if pa.number is not None:
                did = self._doors.get((rid, pa.number))
                if did is not None:
                    door = self.places[did]
                    addr = self._admin_text(door) + f"{road.name}{pa.number}号"
                    q.add("door", door, sim, address=addr, alias=alias)
                else:
                    ip = self._interpolate(road, pa.number)
                    if ip is not None:
                        addr = self._admin_text(road) + f"{road.name}{pa.number}号"
                        q.add("road_interpolated", road, sim, pt=(ip[0], ip[1]), grid=ip[2], address=addr, alias=alias)
            addr = self._admin_text(road, with_street=False) + road.name
            q.add("road", road, sim, address=addr, alias=alias, cover=q.cover(n))
        return [(rid, sim, alias) for rid, sim, alias, _ in roads]

    def _match_crossing(self, q: _Query, roads: list[tuple[int, float, bool]]) -> None:
        """解放路与人民路交叉口 / 解放路人民路口: two roads and no number mean their crossing."""
        (ra, sa, _), (rb, sb, _) = roads[0], next((r for r in roads[1:] if r[0] != roads[0][0]), roads[0])
        a, b = self.places[ra], self.places[rb]
        if ra == rb or a.geom is None or b.geom is None:
            return
        x = shapely.intersection(a.geom, b.geom)
        if x.is_empty:
            return
        pt = shapely.get_point(x, 0) if x.geom_type == "MultiPoint" else x.centroid
        grid = self.grid_index.locate(pt.x, pt.y) if self.grid_index is not None else None
        q.add("road", a, CROSSING_BASE / LEVEL_BASE["road"] * min(sa, sb), pt=(pt.x, pt.y), grid=grid,
              address=self._admin_text(a, with_street=False) + f"{a.name}与{b.name}交叉口")  # fmt: skip

    def _match_fuzzy_names(self, q: _Query, have_roads: bool) -> None:
        """Unknown text that may name a POI, block, zone (or road): fuzzy over the shortlist."""
        pa, pr = q.pr.parsed, q.pr
        queries = [t for t in pr.other_text if t]
        if not have_roads and pr.road_text and pa.number is None:
            queries.append(pr.road_text)
        # The whole text after its leading district/street: a known name inside a POI name (人民路小雪
        # → 人民路小学, 建银设行虹桥中路店 → 建设银行, 长春社区为生服务中心) splits it into pieces.
        segs = pr.segments
        k = 0
        while k < len(segs) and segs[k].refs and segs[k].slot in ("district", "street"):
            k += 1
        core = "".join(g.text for g in segs[k:])
        if core and core not in queries:
            queries.append(core)
        kinds = frozenset({"poi", "block", "zone", "road", "community"})
        for text in queries:
            for i, sim in self._fuzzy.search(text, kinds, k=3):
                if sim >= self.FUZZY_MIN:
                    q.add(self._fuzzy.kind[i], self.places[int(self._fuzzy.place[i])], sim, alias=self._fuzzy.alias[i])

    def _interpolate(self, road: Place, number: int) -> tuple[float, float, str | None] | None:
        """Point for a door number with no plate: between the nearest plates below and above on the
        same side (same parity), along the road line when there is one, keeping the side offset."""
        rd = self._road_doors.get(road.id)
        if rd is None or len(rd.numbers) == 0:
            return None
        same = (rd.numbers % 2) == (number % 2)
        use = np.flatnonzero(same) if same.any() else np.arange(len(rd.numbers))
        nums = rd.numbers[use]
        if len(use) == 1:
            j = int(use[0])
            return float(rd.lon[j]), float(rd.lat[j]), self._grid_for(rd.lon[j], rd.lat[j], rd.ids[j])
        k = int(np.searchsorted(nums, number))
        lo, hi = (0, 1) if k == 0 else (len(nums) - 2, len(nums) - 1) if k >= len(nums) else (k - 1, k)
        a, b = int(use[lo]), int(use[hi])
        t = (number - rd.numbers[a]) / float(rd.numbers[b] - rd.numbers[a])
        geom = road.geom
        if rd.along is not None and isinstance(geom, LineString):
            sa, sb = float(rd.along[a]), float(rd.along[b])
            s = min(max(sa + t * (sb - sa), 0.0), geom.length)  # extrapolation stops at the road's ends
            base = geom.interpolate(s)
            fa, fb = geom.interpolate(sa), geom.interpolate(sb)
            tc = min(max(t, 0.0), 1.0)
            ox = (rd.lon[a] - fa.x) * (1 - tc) + (rd.lon[b] - fb.x) * tc
            oy = (rd.lat[a] - fa.y) * (1 - tc) + (rd.lat[b] - fb.y) * tc
            x, y = base.x + ox, base.y + oy
        else:
            x = rd.lon[a] + t * (rd.lon[b] - rd.lon[a])
            y = rd.lat[a] + t * (rd.lat[b] - rd.lat[a])
        near = a if abs(t) <= abs(1 - t) else b
        return float(x), float(y), self._grid_for(x, y, rd.ids[near])

    def _grid_for(self, x: float, y: float, neighbour_id: Any) -> str | None:
        if self.grid_index is not None:
            code = self.grid_index.locate(float(x), float(y))
            if code is not None:
                return str(code)
        return self.places[int(neighbour_id)].grid_code

    # ------------------------------------------------------------------ reverse geocoding

    def reverse(self, lon: float, lat: float, radius_m: float = 100.0) -> str:
        """A short description of where the point is: ``解放路123号附近``, ``东洲公园附近``,
        ``解放路（人民路口）附近``, ``锦绣花园内`` … falling back to the coordinates."""
        mx, my = metres_per_degree(lat)
        rx, ry = radius_m / mx, radius_m / my
        box = shapely.box(lon - rx, lat - ry, lon + rx, lat + ry)
        best_door: tuple[float, Place] | None = None
        best_poi: tuple[float, Place] | None = None
        if self._pt_tree is not None:
            idx = self._pt_tree.query(box)
            if idx.size:
                d = haversine_m(lon, lat, self._pt_x[idx], self._pt_y[idx])
                for j in np.argsort(d, kind="stable"):
                    if d[j] > radius_m:
                        break
                    p = self._pt_places[int(idx[j])]
                    if p.kind == "door" and best_door is None:
                        best_door = (float(d[j]), p)
                    elif p.kind == "poi" and best_poi is None:
                        best_poi = (float(d[j]), p)
                    if best_door and best_poi:
                        break
        # A named POI is the better landmark unless a plate is clearly closer.
        if best_poi and (best_door is None or best_poi[0] <= best_door[0] + 20.0):
            return f"{best_poi[1].name}附近"
        if best_door:
            door = best_door[1]
            road = self.places.get(door.road_id) if door.road_id is not None else None
            return f"{road.name if road else ''}{door.number}号附近" if road else f"{door.name}附近"
        road_desc = self._reverse_road(lon, lat, radius_m)
        if road_desc:
            return road_desc
        if self._area_tree is not None:
            hits = self._area_tree.query(Point(lon, lat), predicate="intersects")
            if hits.size:
                p = self._area_places[int(hits.min())]
                return f"{p.name}内"
        return f"{lon:.6f},{lat:.6f}"

    def _reverse_road(self, lon: float, lat: float, radius_m: float) -> str | None:
        if self._road_tree is None:
            return None
        mx, my = metres_per_degree(lat)
        origin, scale = np.array([lon, lat]), np.array([mx, my])
        far = 3 * radius_m  # crossings count if within a short walk
        box = shapely.box(lon - far / mx, lat - far / my, lon + far / mx, lat + far / my)
        idx = np.sort(self._road_tree.query(box))
        if idx.size == 0:
            return None
        local = shapely.transform(self._road_geoms[idx], lambda c: (c - origin) * scale)
        d = shapely.distance(local, Point(0.0, 0.0))
        j = int(np.argmin(d))
        if d[j] > radius_m:
            return None
        road = self._road_places[int(idx[j])]
        best: tuple[float, str] | None = None
        for k in range(len(idx)):
            if k == j:
                continue
            other = self._road_places[int(idx[k])]
            if other.name == road.name:
                continue
            x = shapely.intersection(local[j], local[k])
            if x.is_empty:
                continue
            dist = shapely.distance(x, Point(0.0, 0.0))
            if dist <= far and (best is None or dist < best[0]):
                best = (float(dist), other.name)
        return f"{road.name}（{best[1]}口）附近" if best else f"{road.name}附近"


def parse(text: str, geocoder: Geocoder | None = None) -> ParsedAddress:
    """Parse an address. With a ``geocoder`` its gazetteer names are recognised whole; without, the
    split relies on suffixes and door-number patterns only."""
    return (geocoder or _bare_geocoder()).parse(text)


_BARE: Geocoder | None = None


def _bare_geocoder() -> Geocoder:
    global _BARE
    if _BARE is None:
        _BARE = Geocoder([])
    return _BARE
