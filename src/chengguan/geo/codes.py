"""Parsing and validation of the codes a 数字城管 system carries.

| code | length | structure | standard |
|---|---|---|---|
| 行政区划代码 (district) | 6 | 省2 + 市2 + 县2 | GB/T 2260 |
| 乡级代码 (street/town) | 9 | district 6 + 3 | GB/T 10114 (type digit: 0 街道, 1 镇, 2/3 乡, 4/5 政企合一) |
| 村级代码 (community/village) | 12 | street 9 + 3 | NBS 统计用区划代码 |
| 单元网格标识码 (unit grid, BGID) | 15 | district 6 + street 3 + community 3 + seq 3 | GB/T 30428.1 |
| (legacy unit grid) | 14 | … + seq 2 | CJ/T 213-2005 |
| 部件标识码 (component) | 16 / 17 | district 6 + 大类 2 + 小类 2/3 + 流水号 6 | GB/T 30428.2-2013 / GB/T 47678.5-2026 |
| 事项代码 (matter) | 11 | district 6 + 大类 2 + 小类 3 | GB/T 47678.5-2026 |
| 统一社会信用代码 (USCC) | 18 | 登记部门 1 + 机构类别 1 + 区划 6 + 主体标识码 9 + 校验 1 | GB 32100-2015 |

Every parser returns a frozen dataclass or raises ``ValueError`` with a Chinese message that says
what is wrong, so the message can be shown to an operator importing data as-is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

# Province-level prefixes of GB/T 2260 (incl. 71 台湾, 81 香港, 82 澳门).
PROVINCE_PREFIXES: frozenset[str] = frozenset(
    {
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
        "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71", "81", "82",
    }
)  # fmt: skip

# GB/T 10114 first digit of the 3-digit township code → kind.
STREET_KINDS: dict[str, str] = {
    "0": "街道",
    "1": "镇",
    "2": "乡",
    "3": "乡",
    "4": "政企合一单位",
    "5": "政企合一单位",
}


def _clean(code: str | int, what: str) -> str:
    if isinstance(code, int) and not isinstance(code, bool):
        raise ValueError(f"{what}应以字符串传入（整数会丢失前导0），收到整数{code}")
    if not isinstance(code, str):
        raise ValueError(f"{what}应为字符串，收到{type(code).__name__}")
    return code.strip().upper()


def _require_digits(code: str, n: int, what: str) -> None:
    if len(code) != n:
        raise ValueError(f"{what}应为{n}位数字，收到{len(code)}位：{code!r}")
    if not code.isascii() or not code.isdigit():
        bad = next((c for c in code if not ("0" <= c <= "9")), "")
        raise ValueError(f"{what}应全为数字，含非数字字符{bad!r}：{code!r}")


# ---------------------------------------------------------------- administrative divisions


@dataclass(frozen=True, slots=True)
class DistrictCode:
    code: str
    province: str
    prefecture: str
    county: str
    level: Literal["province", "prefecture", "county"]


def parse_district_code(code: str) -> DistrictCode:
    """A 6-digit GB/T 2260 code. ``level`` says whether it names a province (``xx0000``), a
    prefecture (``xxxx00``) or a county-level division."""
    c = _clean(code, "行政区划代码")
    _require_digits(c, 6, "行政区划代码")
    p, m, x = c[:2], c[2:4], c[4:]
    if p not in PROVINCE_PREFIXES:
        raise ValueError(f"行政区划代码前两位{p}不是有效的省级代码（GB/T 2260）：{c!r}")
    if m == "00" and x != "00":
        raise ValueError(f"行政区划代码市级位为00时县级位也应为00：{c!r}")
    level: Literal["province", "prefecture", "county"] = (
        "province" if m == "00" else "prefecture" if x == "00" else "county"
    )
    return DistrictCode(c, p, c[:4], c, level)


@dataclass(frozen=True, slots=True)
class StreetCode:
    code: str
    district: str
    number: str
    kind: str  # 街道 / 镇 / 乡 / 政企合一单位


def parse_street_code(code: str) -> StreetCode:
    """A 9-digit township-level code: district (6) + GB/T 10114 code (3) whose first digit is the
    type: 0 街道 (001–099), 1 镇 (100–199), 2/3 乡 (200–399), 4/5 政企合一 (400–599)."""
    c = _clean(code, "街道（乡镇）编码")
    _require_digits(c, 9, "街道（乡镇）编码")
    parse_district_code(c[:6])
    n = c[6:]
    if n == "000":
        raise ValueError(f"街道（乡镇）编码后3位不能为000：{c!r}")
    kind = STREET_KINDS.get(n[0])
    if kind is None:
        raise ValueError(
            f"街道（乡镇）编码第7位{n[0]}未在GB/T 10114中定义（0街道、1镇、2/3乡、4/5政企合一）：{c!r}"
        )
    return StreetCode(c, c[:6], n, kind)


@dataclass(frozen=True, slots=True)
class CommunityCode:
    code: str
    district: str
    street: str
    number: str


def parse_community_code(code: str) -> CommunityCode:
    """A 12-digit community/village code: street (9) + 3 (the last 3 digits of the NBS code)."""
    c = _clean(code, "社区（村）编码")
    _require_digits(c, 12, "社区（村）编码")
    st = parse_street_code(c[:9])
    if c[9:] == "000":
        raise ValueError(f"社区（村）编码后3位不能为000：{c!r}")
    return CommunityCode(c, st.district, st.code, c[9:])


# ---------------------------------------------------------------- unit grids

_GRID_LETTERS = re.compile(r"^[0-9]{12}[0-9A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class GridCode:
    code: str  # always the 15-character form
    district: str
    street: str  # 9 digits
    community: str  # 12 digits
    seq: str  # 3 characters
    legacy: bool  # True if it was given as a 14-digit CJ/T 213-2005 code


def normalise_grid_code(code: str, *, allow_letters: bool = False) -> str:
    """Return the 15-character unit-grid code (BGID) for ``code``.

    A 14-digit legacy code (CJ/T 213-2005: 6 + 3 + 3 + **2**-digit sequence) becomes 15 digits by
    zero-padding the sequence: ``32061410000101`` → ``320614100001001``. The grid keeps its number
    (01 → 001), so legacy grids occupy 001–099 of their community; a community that mixes legacy
    and newly numbered grids must not reuse those numbers. ``allow_letters`` accepts letters in the
    sequence part, which some systems use for special grids (``^[0-9]{12}[0-9A-Z]{3}$``)."""
    return parse_grid_code(code, allow_letters=allow_letters).code


def parse_grid_code(code: str, *, allow_letters: bool = False) -> GridCode:
    c = _clean(code, "网格编码")
    legacy = False
    if len(c) == 14:
        _require_digits(c, 14, "旧版（14位）网格编码")
        c, legacy = c[:12] + "0" + c[12:], True
    elif len(c) != 15:
        raise ValueError(f"网格编码应为15位数字（或14位旧版编码），收到{len(c)}位：{c!r}")
    elif allow_letters:
        if not _GRID_LETTERS.match(c):
            raise ValueError(f"网格编码前12位应为数字、后3位为数字或大写字母：{c!r}")
    else:
        _require_digits(c, 15, "网格编码")
    parse_community_code(c[:12])
    if c[12:] == "000":
        raise ValueError(f"网格编码的网格顺序码不能为000：{code!r}")
    return GridCode(c, c[:6], c[:9], c[:12], c[12:], legacy)


# ---------------------------------------------------------------- components and matters


@dataclass(frozen=True, slots=True)
class ComponentCode:
    code: str
    district: str
    major: str  # 大类, 2 digits
    minor: str  # 小类, 2 digits (2013) or 3 digits (2026)
    serial: str  # 流水号 / 顺序码, 6 digits
    edition: Literal[2013, 2026]

    @property
    def category(self) -> str:
        """类别代码: ``BBSS`` (2013) or ``BBSSS`` (2026)."""
        return self.major + self.minor


def parse_component_code(code: str) -> ComponentCode:
    """部件标识码: 16 digits = 6 + 2 + 2 + 6 (GB/T 30428.2-2013) or 17 digits = 6 + 2 + 3 + 6
    (GB/T 47678.5-2026). A 16-digit 6+2+3+5 layout seen in one design is not supported: it is
    indistinguishable from the 2013 form and not standard."""
    c = _clean(code, "部件标识码")
    if len(c) not in (16, 17):
        raise ValueError(f"部件标识码应为16位（2013版）或17位（2026版）数字，收到{len(c)}位：{c!r}")
    _require_digits(c, len(c), "部件标识码")
    parse_district_code(c[:6])
    edition: Literal[2013, 2026] = 2013 if len(c) == 16 else 2026
    mlen = 2 if edition == 2013 else 3
    major, minor, serial = c[6:8], c[8 : 8 + mlen], c[8 + mlen :]
    if major == "00":
        raise ValueError(f"部件标识码的大类代码不能为00：{c!r}")
    if int(minor) == 0:
        raise ValueError(f"部件标识码的小类代码不能为{minor}：{c!r}")
    if int(serial) == 0:
        raise ValueError(f"部件标识码的流水号不能为000000：{c!r}")
    return ComponentCode(c, c[:6], major, minor, serial, edition)


@dataclass(frozen=True, slots=True)
class MatterCode:
    code: str
    district: str
    major: str
    minor: str


def parse_matter_code(code: str) -> MatterCode:
    """管理事项代码 (GB/T 47678.5-2026): 11 digits = district 6 + 大类 2 + 小类 3. It names a type of
    matter in a division, not an instance, so it is not unique per case."""
    c = _clean(code, "事项代码")
    _require_digits(c, 11, "事项代码")
    parse_district_code(c[:6])
    if c[6:8] == "00":
        raise ValueError(f"事项代码的大类代码不能为00：{c!r}")
    if c[8:] == "000":
        raise ValueError(f"事项代码的小类代码不能为000：{c!r}")
    return MatterCode(c, c[:6], c[6:8], c[8:])


# ---------------------------------------------------------------- 统一社会信用代码 (GB 32100-2015)

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, Z, S, V
_USCC_VALUE = {ch: i for i, ch in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, …
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
_ORG_BODY = re.compile(r"^[0-9A-Z]{8}$")

# 登记管理部门代码 → (部门, {机构类别代码: 类别}) per GB 32100-2015 table 1.
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构", "5": "仲裁委员会", "9": "其他"},
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


def uscc_check_char(first17: str) -> str:
    """The 18th character of a USCC: C18 = 31 − (Σ value(Ci)·3^(i−1) mod 31), 31 → 0, mapped back
    through the 31-character set."""
    s = _clean(first17, "统一社会信用代码前17位")
    if len(s) != 17:
        raise ValueError(f"计算校验码需要前17位，收到{len(s)}位：{s!r}")
    total = 0
    for i, ch in enumerate(s):
        v = _USCC_VALUE.get(ch)
        if v is None:
            raise ValueError(f"统一社会信用代码第{i + 1}位{ch!r}不在允许字符集中（不含I、O、Z、S、V）：{s!r}")
        total += v * _USCC_WEIGHTS[i]
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(body8: str) -> str:
    """GB 11714 organisation-code check character for an 8-character body: C9 = 11 − (Σ v·w mod 11),
    10 → X, 11 → 0 (letters count A=10 … Z=35)."""
    if not _ORG_BODY.match(body8):
        raise ValueError(f"组织机构代码本体应为8位数字或大写字母：{body8!r}")
    total = sum((int(ch) if ch.isdigit() else ord(ch) - 55) * w for ch, w in zip(body8, _ORG_WEIGHTS, strict=True))
    c = 11 - total % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass(frozen=True, slots=True)
class USCC:
    code: str
    authority: str  # 登记管理部门代码 (1 char)
    authority_name: str | None
    org_type: str  # 机构类别代码 (1 char)
    org_type_name: str | None
    division: str  # 登记管理机关行政区划码 (6 digits)
    org_code: str  # 主体标识码 (组织机构代码, 9 chars)
    check: str
    # Whether the embedded organisation code carries a valid GB 11714 check character. Almost all
    # real codes do; we report rather than reject because the standard only mandates the C18 check.
    org_code_valid: bool


def parse_uscc(code: str) -> USCC:
    c = _clean(code, "统一社会信用代码")
    if len(c) != 18:
        raise ValueError(f"统一社会信用代码应为18位，收到{len(c)}位：{c!r}")
    for i, ch in enumerate(c):
        if ch not in _USCC_VALUE:
            raise ValueError(f"统一社会信用代码第{i + 1}位{ch!r}不在允许字符集中（不含I、O、Z、S、V）：{c!r}")
    if not c[2:8].isdigit():
        raise ValueError(f"统一社会信用代码第3–8位（登记管理机关行政区划码）应为数字：{c!r}")
    expected = uscc_check_char(c[:17])
    if c[17] != expected:
        raise ValueError(f"统一社会信用代码校验位错误：第18位应为{expected!r}，实为{c[17]!r}：{c!r}")
    auth = USCC_AUTHORITIES.get(c[0])
    org_body, org_check = c[8:16], c[16]
    org_ok = bool(_ORG_BODY.match(org_body)) and org_code_check_char(org_body) == org_check
    return USCC(
        code=c,
        authority=c[0],
        authority_name=auth[0] if auth else None,
        org_type=c[1],
        org_type_name=auth[1].get(c[1]) if auth else None,
        division=c[2:8],
        org_code=c[8:17],
        check=c[17],
        org_code_valid=org_ok,
    )


def is_valid_uscc(code: str) -> bool:
    try:
        parse_uscc(code)
    except ValueError:
        return False
    return True


def make_uscc(seed_digits: str | int, *, division: str = "320614", authority: str = "9", org_type: str = "1") -> str:
    """Build a checksum-valid USCC for demo data. ``seed_digits`` (up to 8 digits, zero-padded)
    becomes the organisation-code body; its GB 11714 check and the GB 32100 check are computed,
    so the same seed always gives the same code and different seeds give different codes."""
    seed = str(seed_digits)
    if not seed.isdigit() or len(seed) > 8:
        raise ValueError(f"种子应为不超过8位的数字：{seed_digits!r}")
    _require_digits(division, 6, "登记管理机关行政区划码")
    if authority not in USCC_AUTHORITIES:
        raise ValueError(f"未知的登记管理部门代码：{authority!r}")
    if org_type not in USCC_AUTHORITIES[authority][1]:
        raise ValueError(f"登记管理部门{authority}下没有机构类别代码{org_type!r}")
    body = seed.zfill(8)
    first17 = authority + org_type + division + body + org_code_check_char(body)
    return first17 + uscc_check_char(first17)
