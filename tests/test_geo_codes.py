"""Administrative, grid, component, matter and USCC codes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengguan.geo.codes import (
    USCC_CHARSET,
    is_valid_uscc,
    make_uscc,
    normalise_grid_code,
    org_code_check_char,
    parse_community_code,
    parse_component_code,
    parse_district_code,
    parse_grid_code,
    parse_matter_code,
    parse_street_code,
    parse_uscc,
    uscc_check_char,
)

# Real, published codes (companies' registration pages and a public validator's sample list).
REAL_USCC = [
    "91110000802100433B",
    "914403001922038216",  # 华为技术有限公司
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "91330100799655058B",  # 阿里巴巴（中国）有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91350100M000100Y43",
    "91110105771583283D",
    "91110108740084270C",
    "112302070019030687",  # 机构编制 / 机关
    "51610700305332460K",  # 民政 / 社会团体
    "11610923MB2900168E",
    "1134082855783407XL",
    "91341000MA2N0ABGXX",
    "92510100MA61WJ3204",  # 工商 / 个体工商户
    "52610500MJU60350X1",  # 民政 / 民办非企业单位
    "913101135696449862",
    "91460600MA5RC30P9Y",
    "121526004609138637",
    "52120000MJ0529018E",
]


def test_district() -> None:
    d = parse_district_code("320614")
    assert (d.province, d.prefecture, d.level) == ("32", "3206", "county")
    assert parse_district_code("320600").level == "prefecture"
    assert parse_district_code("320000").level == "province"
    with pytest.raises(ValueError, match="应为6位数字，收到5位"):
        parse_district_code("32061")
    with pytest.raises(ValueError, match="非数字"):
        parse_district_code("32O614")
    with pytest.raises(ValueError, match="省级代码"):
        parse_district_code("990614")
    with pytest.raises(ValueError, match="县级位也应为00"):
        parse_district_code("320014")
    with pytest.raises(ValueError, match="整数会丢失前导0"):
        parse_district_code(320614)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "kind"),
    [("320614001", "街道"), ("320614099", "街道"), ("320614100", "镇"), ("320614201", "乡"),
     ("320614302", "乡"), ("320614400", "政企合一单位"), ("320614599", "政企合一单位")],
)  # fmt: skip
def test_street_kinds(code: str, kind: str) -> None:
    assert parse_street_code(code).kind == kind


def test_street_invalid() -> None:
    with pytest.raises(ValueError, match="第7位6未在GB/T 10114中定义"):
        parse_street_code("320614600")
    with pytest.raises(ValueError, match="不能为000"):
        parse_street_code("320614000")
    with pytest.raises(ValueError, match="应为9位数字，收到10位"):
        parse_street_code("3206140010")


def test_community() -> None:
    c = parse_community_code("320508019044")  # 苏州 姑苏 (domain §4.2)
    assert (c.district, c.street, c.number) == ("320508", "320508019", "044")
    with pytest.raises(ValueError, match="不能为000"):
        parse_community_code("320508019000")


def test_grid_code_and_legacy_padding() -> None:
    g = parse_grid_code("320582110152102")  # real sample (domain §4.2)
    assert (g.district, g.street, g.community, g.seq, g.legacy) == ("320582", "320582110", "320582110152", "102", False)
    legacy = parse_grid_code("32061410000101")
    assert legacy.legacy and legacy.code == "320614100001001" and legacy.seq == "001"
    assert normalise_grid_code(" 32061410000199 ") == "320614100001099"
    assert normalise_grid_code("320614100001099") == "320614100001099"
    with pytest.raises(ValueError, match="网格编码应为15位数字（或14位旧版编码），收到13位"):
        normalise_grid_code("3206141000010")
    with pytest.raises(ValueError, match="应全为数字"):
        normalise_grid_code("32061410000100A")
    assert normalise_grid_code("32061410000100A", allow_letters=True) == "32061410000100A"
    with pytest.raises(ValueError, match="顺序码不能为000"):
        normalise_grid_code("32061410000100")  # legacy 00 → 000
    with pytest.raises(ValueError, match="第7位7"):
        normalise_grid_code("320614700001001")


def test_component_codes() -> None:
    c13 = parse_component_code("3205080101000001")  # 上水井盖 (domain §5.2)
    assert (c13.edition, c13.major, c13.minor, c13.serial, c13.category) == (2013, "01", "01", "000001", "0101")
    c26 = parse_component_code("32061401001000123")
    assert (c26.edition, c26.major, c26.minor, c26.serial, c26.category) == (2026, "01", "001", "000123", "01001")
    with pytest.raises(ValueError, match="16位（2013版）或17位（2026版）"):
        parse_component_code("320508010100001")
    with pytest.raises(ValueError, match="大类代码不能为00"):
        parse_component_code("3205080001000001")
    with pytest.raises(ValueError, match="流水号不能为000000"):
        parse_component_code("3205080101000000")


def test_matter_code() -> None:
    m = parse_matter_code("32061402003")
    assert (m.district, m.major, m.minor) == ("320614", "02", "003")
    with pytest.raises(ValueError, match="应为11位数字，收到12位"):
        parse_matter_code("320614020031")
    with pytest.raises(ValueError, match="小类代码不能为000"):
        parse_matter_code("32061402000")


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_codes_are_valid(code: str) -> None:
    u = parse_uscc(code)
    assert u.check == code[-1] == uscc_check_char(code[:17])
    assert u.org_code_valid  # their GB 11714 organisation codes check out too


def test_uscc_fields() -> None:
    u = parse_uscc("92510100MA61WJ3204")
    assert (u.authority_name, u.org_type_name, u.division, u.org_code) == ("工商", "个体工商户", "510100", "MA61WJ320")
    assert parse_uscc("91341000MA2N0ABGXX").org_code == "MA2N0ABGX"


def test_uscc_invalid() -> None:
    with pytest.raises(ValueError, match="校验位错误：第18位应为'B'"):
        parse_uscc("91110000802100433C")
    with pytest.raises(ValueError, match="应为18位，收到17位"):
        parse_uscc("91110000802100433")
    with pytest.raises(ValueError, match="第9位'O'不在允许字符集中"):
        parse_uscc("91110000O02100433B")
    # The C18 check alone passes 1 in 31 random strings; the organisation-code check is reported.
    assert not parse_uscc("123456789012345678").org_code_valid


def test_org_code_check() -> None:
    assert org_code_check_char("80210043") == "3"
    assert org_code_check_char("MA2N0ABG") == "X"


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=99_999_999), st.integers(min_value=0, max_value=17),
       st.sampled_from(USCC_CHARSET))  # fmt: skip
def test_generated_uscc_valid_and_single_changes_detected(seed: int, pos: int, ch: str) -> None:
    code = make_uscc(seed)
    assert is_valid_uscc(code) and parse_uscc(code).org_code_valid
    assert make_uscc(seed) == code
    mutated = code[:pos] + ch + code[pos + 1 :]
    # 31 is prime and no weight is 0 mod 31: every single substitution changes the checksum.
    assert is_valid_uscc(mutated) == (mutated == code)


def test_make_uscc_options() -> None:
    code = make_uscc("123", division="320613", authority="5", org_type="1")
    assert code.startswith("51320613") and parse_uscc(code).org_type_name == "社会团体"
    assert make_uscc(1) != make_uscc(2)
    with pytest.raises(ValueError, match="没有机构类别代码"):
        make_uscc(1, authority="9", org_type="9")
    with pytest.raises(ValueError, match="不超过8位"):
        make_uscc("123456789")
