"""The GB/T 47678.5-2026 category directory data and its loader (chengguan.catalog.directory)."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from chengguan.catalog import directory as d

RESERVED = ["01016", "05001", "05004", "05005", "05006", "05007", "05008", "06031", "07005", "09007"]


@pytest.fixture(scope="module")
def categories() -> list[d.CategoryRow]:
    return d.load_categories()


@pytest.fixture(scope="module")
def by_key(categories: list[d.CategoryRow]) -> dict[tuple[str, str], d.CategoryRow]:
    return {(r.kind, r.code): r for r in categories}


# ---- the directory itself ------------------------------------------------------------------------


def test_counts(categories: list[d.CategoryRow]) -> None:
    counts = Counter(r.kind for r in categories)
    assert counts == {"component": 153, "matter": 250}
    assert len({(r.kind, r.code) for r in categories}) == 403


def test_majors(categories: list[d.CategoryRow]) -> None:
    assert {r.major_code for r in categories if r.kind == "component"} == {"01", "02", "03", "04", "05"}
    assert {r.major_code for r in categories if r.kind == "matter"} == {f"{i:02d}" for i in range(1, 11)}
    per_major = Counter(r.major_code for r in categories if r.kind == "component")
    assert per_major == {"01": 76, "02": 44, "03": 16, "04": 14, "05": 3}
    per_major = Counter(r.major_code for r in categories if r.kind == "matter" and r.major_code >= "06")
    assert per_major == {"06": 51, "07": 7, "08": 16, "09": 21, "10": 2}


def test_major_names(by_key: dict[tuple[str, str], d.CategoryRow]) -> None:
    assert by_key[("component", "01001")].major_name == "市政公用设施"
    assert by_key[("matter", "01001")].major_name == "市政公用设施类"
    assert by_key[("component", "05009")].major_name == "其他管理部件"
    assert by_key[("matter", "06010")].major_name == "市容环境类"
    assert by_key[("matter", "09006")].major_name == "街面秩序类"
    assert by_key[("matter", "10001")].major_name == "其他事项类"


def test_each_component_has_its_abnormal_matter(
    categories: list[d.CategoryRow], by_key: dict[tuple[str, str], d.CategoryRow]
) -> None:
    for row in categories:
        if row.kind == "component":
            matter = by_key[("matter", row.code)]
            assert matter.name.replace("异常", "", 1) == row.name
            assert matter.default_department == row.default_department
        elif row.major_code <= "05":
            assert ("component", row.code) in by_key, row.code
    assert by_key[("matter", "01066")].name == "紧急报警点异常SOS"


def test_code_formats(categories: list[d.CategoryRow]) -> None:
    for row in categories:
        assert re.fullmatch(r"\d{5}", row.code)
        assert row.major_code == row.code[:2]
        assert row.legacy_code is None or re.fullmatch(r"\d{4}", row.legacy_code)
        assert row.geometry in ("point", "line", "polygon")
        if row.kind == "component":
            assert row.accuracy_class in ("A", "B", "C")
            assert row.public_reportable is False
        else:
            assert row.accuracy_class is None


@pytest.mark.parametrize("code", RESERVED)
def test_reserved_gaps_are_absent(by_key: dict[tuple[str, str], d.CategoryRow], code: str) -> None:
    assert ("component", code) not in by_key
    assert ("matter", code) not in by_key
    assert d.get_category("matter", code) is None


def test_specific_rows(by_key: dict[tuple[str, str], d.CategoryRow]) -> None:
    vending = by_key[("matter", "09006")]
    assert (vending.name, vending.default_department, vending.public_reportable) == (
        "占道经营",
        "street",
        True,
    )
    assert "摆摊" in vending.aliases
    assert by_key[("matter", "06010")].name == "暴露垃圾"
    assert by_key[("matter", "06010")].default_department == "sanitation"
    cover = by_key[("component", "01001")]
    assert (cover.name, cover.default_department, cover.accuracy_class, cover.legacy_code) == (
        "供水井盖",
        "water",
        "A",
        "0101",
    )
    assert by_key[("matter", "01001")].name == "供水井盖异常"
    assert by_key[("matter", "10002")].name == "架空线缆脱落"
    assert by_key[("component", "04013")].geometry == "polygon"
    assert by_key[("component", "04013")].accuracy_class == "C"
    assert by_key[("component", "04002")].accuracy_class == "B"
    assert by_key[("component", "01037")].default_department == "street_lighting"
    assert by_key[("matter", "09009")].default_department == "traffic_police"


def test_public_reportable(categories: list[d.CategoryRow]) -> None:
    matters = [r for r in categories if r.kind == "matter"]
    assert all(r.public_reportable for r in matters if r.major_code >= "06")
    # most component matters too; only internal monitoring equipment is hidden from the public
    hidden = {r.code for r in matters if not r.public_reportable}
    assert hidden and len(hidden) < 10
    assert "03010" in hidden


# ---- 2013 mapping --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("01-07", ("matter", "06007")),
        ("04-06", ("matter", "09006")),
        ("03-11", ("matter", "08011")),
        ("01-01", ("matter", "06001")),
        ("0101", ("component", "01001")),
        ("0107", ("component", "01007")),
        ("0501", ("component", "03008")),
        ("0606", ("component", "01071")),
    ],
)
def test_legacy_examples(legacy: str, expected: tuple[str, str]) -> None:
    assert d.legacy_to_new(legacy) == expected


def test_legacy_rows() -> None:
    rows = {(r.legacy_kind, r.legacy_code): r for r in d.load_legacy()}
    assert rows[("component", "0101")].legacy_name == "上水井盖"
    assert rows[("event", "0406")].confidence == "verified"
    assert rows[("event", "0136")].confidence == "inferred"  # 乱堆物堆料 → 乱堆杂物, by meaning
    assert rows[("event", "0198")].new_code == "06042"  # S8 local extension 垃圾满溢
    assert d.legacy_to_new("0606", "event") is None  # 公共设施损坏 has no 2026 counterpart
    assert d.legacy_to_new("0602") is None  # 工地
    assert d.legacy_to_new("0199", "event") is None  # unknown
    # all §5.3 component classes are covered
    assert sum(1 for k in rows if k[0] == "component") == 38 + 17 + 11 + 10 + 3 + 6
    assert {r.confidence for r in rows.values()} == {"verified", "inferred"}


def test_legacy_rule_for_all_event_matters(categories: list[d.CategoryRow]) -> None:
    for row in categories:
        if row.kind != "matter" or row.major_code < "06":
            continue
        assert row.legacy_code is not None
        old_major, old_minor = int(row.legacy_code[:2]), int(row.legacy_code[2:])
        assert (old_major + 5) * 1000 + old_minor == int(row.code)
        assert d.legacy_to_new(row.legacy_code, "event") == ("matter", row.code)


def test_legacy_many_to_one(categories: list[d.CategoryRow]) -> None:
    from_pole = sorted(r.code for r in categories if r.kind == "component" and r.legacy_code == "0117")
    assert from_pole == ["01030", "01031", "01032", "01033", "01034"]
    assert d.legacy_to_new("0117") == ("component", "01034")


@pytest.mark.parametrize("bad", ["", "101", "01007", "1-07", "ab12"])
def test_legacy_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        d.legacy_to_new(bad)


def test_legacy_dash_form_is_an_event() -> None:
    with pytest.raises(ValueError):
        d.legacy_to_new("01-07", "component")


# ---- conditions and limits -----------------------------------------------------------------------


def test_every_category_has_conditions_with_valid_units(categories: list[d.CategoryRow]) -> None:
    for row in categories:
        conds = d.conditions_for(row.kind, row.code)
        assert 1 <= len(conds) <= 3, row.code
        assert [c.number for c in conds] == list(range(1, len(conds) + 1))
        for c in conds:
            assert c.limit_unit in d.CONDITION_UNITS and c.urgent_unit in d.CONDITION_UNITS
            assert c.limit_amount > 0 and c.urgent_amount > 0
            assert c.urgency in ("normal", "urgent")
            assert c.condition and c.closure_condition
            assert c.verified is False


def test_conditions_belong_to_matters() -> None:
    conds = d.load_conditions()
    assert {c.kind for c in conds} == {"matter"}
    assert d.conditions_for("component", "01001") == d.conditions_for("matter", "01001")
    assert d.conditions_for("component", "06010") == []  # no such component
    assert d.conditions_for("matter", "01016") == []


def test_cover_conditions() -> None:
    missing, broken, height = d.conditions_for("matter", "01001")
    assert "丢失" in missing.condition and missing.urgency == "urgent"
    assert missing.limit("urgent") == (2, "urgent_hour")
    assert broken.urgency == "normal" and broken.limit_unit == "work_day"
    assert "2厘米" in height.condition
    assert missing.condition_code == "0100101"


def test_patterns_of_limits() -> None:
    conds = d.load_conditions()
    street_order = [c for c in conds if c.code.startswith("09")]
    urgent_hours = [c for c in street_order if c.urgency == "urgent" and c.urgent_unit == "work_hour"]
    assert len(urgent_hours) > len(street_order) / 2  # 街面秩序: mostly urgent, in 工作时
    components = [c for c in conds if c.code[:2] <= "05" and c.urgency == "normal"]
    assert Counter(c.limit_unit for c in components).most_common(1)[0][0] == "work_day"
    dangers = [d.conditions_for("matter", "10001")[0], d.conditions_for("matter", "10002")[0]]
    assert all(c.urgency == "urgent" and c.urgent_unit == "urgent_hour" for c in dangers)
    # urgent is never slower than normal
    for c in conds:
        assert (
            c.urgent_amount * d._NOMINAL_MINUTES[c.urgent_unit]
            <= c.limit_amount * d._NOMINAL_MINUTES[c.limit_unit]
        )


def test_find_condition() -> None:
    first = d.find_condition("0900601")
    assert first is not None and first.code == "09006" and first.number == 1
    assert d.find_condition("09006-1") == first
    assert d.find_condition("0900699") is None
    assert d.find_condition("nonsense") is None


def test_effective_limit_by_region_class() -> None:
    broken = d.conditions_for("matter", "01001")[1]  # 2 work_day normal, 8 work_hour urgent
    assert d.effective_limit(broken, "normal") == (2, "work_day")
    assert d.effective_limit(broken, "normal", "A") == (2, "work_day")
    assert d.effective_limit(broken, "normal", "B") == (3, "work_day")
    assert d.effective_limit(broken, "urgent", "C") == (16, "work_hour")
    missing = d.conditions_for("matter", "01001")[0]
    assert d.effective_limit(missing, None, "C") == (2, "urgent_hour")  # dangers are not relaxed
    with pytest.raises(ValueError):
        d.effective_limit(broken, "normal", "Z")
    with pytest.raises(ValueError):
        broken.limit("very_urgent")


def test_step_limits() -> None:
    rows = d.load_step_limits()
    assert {(r.step, r.urgency) for r in rows} == {(s, u) for s in d.STEPS for u in ("normal", "urgent")}
    assert all(r.verified is False and r.unit in ("minute", "hour") for r in rows)
    assert (d.step_limit("accept").amount, d.step_limit("accept").unit) == (30, "minute")
    assert d.step_limit("verify").amount == 60
    assert d.step_limit("verify", "urgent").amount == 30
    assert d.step_limit("close").amount == 60
    with pytest.raises(ValueError):
        d.step_limit("approve")


def test_department_types(categories: list[d.CategoryRow]) -> None:
    types = {t.key: t for t in d.load_department_types()}
    for key in (
        "water",
        "street",
        "urban_mgmt",
        "enforcement",
        "sanitation",
        "greening",
        "traffic_police",
        "power",
        "telecom",
        "gas",
        "roads",
        "housing",
        "ecology",
        "market",
        "water_affairs",
        "public_security",
    ):
        assert key in types
    assert {r.default_department for r in categories} <= set(types)
    assert types["street"].level == "street"
    assert types["street"].render(street="城东") == "城东街道办事处"
    assert types["water"].render(city="南通市") == "南通市水务集团"
    with pytest.raises(ValueError):
        types["urban_mgmt"].render(city="南通市")
    assert d.department_type("nope") is None


# ---- names ---------------------------------------------------------------------------------------


def test_load_aliases() -> None:
    aliases = d.load_aliases()
    assert aliases["通讯"] == "通信"
    assert aliases["防洪墙"] == "防汛墙"
    assert aliases["停车咪表"] == "停车计费设备"


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("通讯井盖", "通信井盖"),
        ("上水井盖", "供水井盖"),
        (" 雨水算子 ", "雨水箅子"),
        ("街头坐椅", "街头座椅"),
        ("防洪墙", "防汛墙"),
        ("输油(气)井盖", "输油（气）井盖"),
        ("紧急报警点sos", "紧急报警点SOS"),
        ("停车咪表", "停车计费设备"),
        ("占道经营", "占道经营"),
    ],
)
def test_normalise_name(raw: str, canonical: str) -> None:
    assert d.normalise_name(raw) == canonical


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("井盖丢了", None, ("matter", "01023")),
        ("路灯不亮", None, ("matter", "01037")),
        ("路灯", None, ("matter", "01037")),
        ("路灯", "component", ("component", "01037")),
        ("摆摊", None, ("matter", "09006")),
        ("乱停车", None, ("matter", "09009")),
        ("小广告", None, ("matter", "07001")),
        ("上水井盖", "component", ("component", "01001")),
        ("通讯交接箱", "component", ("component", "01027")),
        ("垃圾桶满了", None, ("matter", "06042")),
        ("占道经营", "component", None),
        ("完全无关的话", None, None),
    ],
)
def test_lookup_name(text: str, kind: str | None, expected: tuple[str, str] | None) -> None:
    row = d.lookup_name(text, kind)
    assert (row.key if row else None) == expected


def test_every_alias_resolves_to_its_category(categories: list[d.CategoryRow]) -> None:
    seen = 0
    for row in categories:
        for alias in row.aliases:
            found = d.lookup_name(alias, row.kind)
            assert found is not None and found.key == row.key, (alias, row.code)
            seen += 1
    assert seen > 300


def test_pinyin_initials() -> None:
    assert d.pinyin_initials("占道经营") == "zdjy"
    assert d.pinyin_initials("行道树") == "xds"
    assert d.pinyin_initials("紧急报警点SOS") == "jjbjdsos"
    assert d.pinyin_initials("输油（气）井盖") == "syqjg"


def test_search_categories() -> None:
    assert d.search_categories("zdjy")[0].key == ("matter", "09006")
    assert d.search_categories("09006")[0].key == ("matter", "09006")
    assert d.search_categories("摆摊")[0].key == ("matter", "09006")
    covers = d.search_categories("井盖", kind="component")
    assert covers and all(r.kind == "component" for r in covers)
    assert len(d.search_categories("井盖", limit=3)) == 3
    assert d.search_categories("  ") == []


# ---- code parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [
        ("09006", {}, ("matter", "09006")),
        (" 09006 ", {}, ("matter", "09006")),
        ("01001", {}, ("matter", "01001")),
        ("01001", {"default_kind": "component"}, ("component", "01001")),
        ("component:01001", {}, ("component", "01001")),
        ("部件 01001", {}, ("component", "01001")),
        ("matter:01001", {"default_kind": "component"}, ("matter", "01001")),
        ("事项：０９００６", {}, ("matter", "09006")),
        ("0101", {}, ("matter", "01001")),
        ("0101", {"default_kind": "component"}, ("component", "01001")),
        ("BJ0101", {}, ("component", "01001")),
        ("04-06", {}, ("matter", "09006")),
        ("事件:0406", {}, ("matter", "09006")),
        ("event 0107", {}, ("matter", "06007")),
    ],
)
def test_parse_category_code(text: str, kwargs: dict[str, str], expected: tuple[str, str]) -> None:
    assert d.parse_category_code(text, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("01016", "reserved"),
        ("09007", "reserved"),
        ("12345", "unknown"),
        ("component:09006", "unknown"),
        ("0602", "counterpart"),
        ("abc", None),
        ("", None),
    ],
)
def test_parse_category_code_rejects(text: str, message: str | None) -> None:
    with pytest.raises(ValueError, match=message):
        d.parse_category_code(text)


# ---- validation ----------------------------------------------------------------------------------


def test_shipped_data_validates() -> None:
    assert d.validate_directory() == []


def _copy_data(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    target.mkdir()
    for entry in d.data_root().iterdir():
        if entry.is_file():
            (target / entry.name).write_bytes(entry.read_bytes())
    return target


def test_pristine_copy_validates(tmp_path: Path) -> None:
    assert d.validate_directory(_copy_data(tmp_path)) == []


def _edit_rows(path: Path, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]]) -> None:
    with path.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    new_rows = edit([dict(r) for r in rows])
    assert new_rows != rows, "the corruption must change something"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(new_rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _where(rows: list[dict[str, str]], **match: str) -> dict[str, str]:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, match
    return found[0]


def _drop(**match: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    return lambda rows: [r for r in rows if not all(r[k] == v for k, v in match.items())]


def _set(field: str, value: str, **match: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    def edit(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        _where(rows, **match)[field] = value
        return rows

    return edit


def _duplicate(**match: str) -> Callable[[list[dict[str, str]]], list[dict[str, str]]]:
    return lambda rows: [*rows, dict(_where(rows, **match))]


CORRUPTIONS = [
    ("categories.csv", _drop(kind="matter", code="09006"), "249 matter rows"),
    ("categories.csv", _drop(kind="matter", code="09006"), "conditions matter 09006/1: not a matter"),
    ("categories.csv", _set("code", "09007", kind="matter", code="09006"), "reserved"),
    ("categories.csv", _duplicate(kind="component", code="01001"), "duplicate component 01001"),
    ("categories.csv", _set("default_department", "nobody", kind="matter", code="09006"), "not a department"),
    ("categories.csv", _set("public_reportable", "true", kind="component", code="01001"), "reported through"),
    ("categories.csv", _set("name", "供水盖", kind="component", code="01001"), "no matching"),
    ("categories.csv", _set("major_name", "交通类", kind="matter", code="02005"), "major_name"),
    ("categories.csv", _set("legacy_code", "9999", kind="component", code="01002"), "not in legacy_2013"),
    (
        "categories.csv",
        _set("aliases", "出店经营|摆摊", kind="matter", code="09005"),
        "'摆摊' resolves to matter 09005",
    ),
    ("categories.csv", _set("public_reportable", "maybe", kind="matter", code="09006"), "not a boolean"),
    ("conditions.csv", _set("limit_unit", "workday", code="01001", number="2"), "unit 'workday'"),
    ("conditions.csv", _set("limit_amount", "two", code="01001", number="2"), "not an integer"),
    ("conditions.csv", _set("urgent_amount", "99", code="09006", number="1"), "urgent limit is longer"),
    ("conditions.csv", _drop(code="06010"), "matter 06010 has no 立案条件"),
    ("conditions.csv", _set("number", "5", code="06010", number="2"), "not 1..n"),
    ("legacy_2013.csv", _set("new_code", "06031", legacy_kind="event", legacy_code="0107"), "does not exist"),
    (
        "legacy_2013.csv",
        _set("confidence", "probably", legacy_kind="event", legacy_code="0107"),
        "confidence",
    ),
    ("aliases.csv", _set("canonical_name", "停车表", alias="停车咪表"), "not a category name"),
    ("aliases.csv", _set("alias", "井盖", alias="公共设施"), "name changes under normalisation"),
    ("step_limits.csv", _drop(step="close", urgency="urgent"), "no row for close/urgent"),
    ("step_limits.csv", _set("unit", "work_day", step="accept", urgency="normal"), "bad amount or unit"),
    ("department_types.csv", _set("level", "province", key="water"), "level 'province'"),
    ("region_class_factors.csv", _set("factor", "0.5", region_class="B"), "shortens limits"),
]


@pytest.mark.parametrize(("filename", "edit", "expected"), CORRUPTIONS)
def test_corrupted_copy_reports_problems(
    tmp_path: Path, filename: str, edit: Callable[[list[dict[str, str]]], list[dict[str, str]]], expected: str
) -> None:
    data = _copy_data(tmp_path)
    _edit_rows(data / filename, edit)
    problems = d.validate_directory(data)
    assert any(expected in p for p in problems), problems


def test_missing_file_is_a_problem(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    (data / "department_types.csv").unlink()
    assert d.validate_directory(data) == ["department_types.csv: file missing"]


def test_missing_column_is_a_problem(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "conditions.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text(
        "\n".join([lines[0].replace("closure_condition", "closure"), *lines[1:]]), encoding="utf-8"
    )
    assert any("missing column(s) closure_condition" in p for p in d.validate_directory(data))


def test_loaders_read_an_explicit_directory(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    _edit_rows(data / "categories.csv", _set("name", "占道经营（改）", kind="matter", code="09006"))
    changed = {(r.kind, r.code): r for r in d.load_categories(data)}
    assert changed[("matter", "09006")].name == "占道经营（改）"
    # the shipped data (cached) is untouched
    shipped = d.get_category("matter", "09006")
    assert shipped is not None and shipped.name == "占道经营"
