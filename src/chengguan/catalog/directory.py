"""The GB/T 47678.5-2026 category directory as data: 153 管理部件 and 250 管理事项.

Everything here is read from the CSV files in ``chengguan/catalog/data`` (see its README.md for sources
and column meanings); nothing is a constant in code except the code formats and the reserved gaps the
standard itself fixes. No database: this module is the seed and the reference for the catalog tables.

Decisions that callers rely on:

* A category is identified by ``(kind, code)``: a component and its "<component>异常" matter share the
  5-digit code (01001 供水井盖 / 01001 供水井盖异常).
* 立案条件 belong to matters. A report against a component uses the conditions of the matter with the
  same code (:func:`conditions_for` does that), so ``conditions.csv`` holds matter rows only.
* A condition's ``condition_code`` is the 5-digit category code plus its 2-digit number (``0100101``).
* ``limit_*`` is the 处置时限 when a case is handled as 一般, ``urgent_*`` when handled as 紧急;
  ``urgency`` is the default 紧急程度 proposed for that condition. Limits are for 一类区域; other region
  classes scale them by ``region_class_factors.csv`` (rounded up to whole units, ``urgent_hour`` limits
  not scaled unless the factor row says so).
* ``urgent_hour`` (紧急工作时) counts round the clock, including nights and holidays; ``work_hour`` and
  ``work_day`` count on the working calendar; ``natural_day``, ``hour`` and ``minute`` are plain elapsed
  time. Step limits (环节时限) use ``minute``/``hour`` only.
* Every limit ships with ``verified = false``: they are documented defaults, not the standard.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import NamedTuple

KINDS = ("component", "matter")
LEGACY_KINDS = ("component", "event")
URGENCIES = ("normal", "urgent")
CONFIDENCES = ("verified", "inferred")
GEOMETRIES = ("point", "line", "polygon")
ACCURACY_CLASSES = ("A", "B", "C")  # GB/T 47678.5 point accuracy: A ±0.5 m, B ±1.0 m, C ±10.0 m
DEPARTMENT_LEVELS = ("city", "district", "street", "community")
STEPS = ("accept", "verify", "register", "dispatch", "check", "close")

UNIT_LABELS: Mapping[str, str] = {
    "work_hour": "工作时",
    "work_day": "工作日",
    "urgent_hour": "紧急工作时",
    "natural_day": "自然日",
    "hour": "小时",
    "minute": "分钟",
}
CONDITION_UNITS = ("work_hour", "work_day", "urgent_hour", "natural_day")
STEP_UNITS = ("minute", "hour")

# Rough elapsed minutes per unit, used only to check that an urgent limit is not longer than the
# normal one; real deadlines come from the working-time calendar (chengguan.worktime).
_NOMINAL_MINUTES: Mapping[str, int] = {
    "minute": 1,
    "hour": 60,
    "urgent_hour": 60,
    "work_hour": 60,
    "work_day": 8 * 60,
    "natural_day": 24 * 60,
}

EXPECTED_COUNTS: Mapping[str, int] = {"component": 153, "matter": 250}
COMPONENT_MAJORS = ("01", "02", "03", "04", "05")
MATTER_MAJORS = (*COMPONENT_MAJORS, "06", "07", "08", "09", "10")
# Numbering gaps present in the standard's tables: reserved, never reused (§5.5).
RESERVED_CODES = frozenset(
    {"01016", "05001", "05004", "05005", "05006", "05007", "05008", "06031", "07005", "09007"}
)
# The 2013 event 大类 sit five places below the 2026 matter 大类 (§5.4).
LEGACY_EVENT_MAJOR_OFFSET = 5

_CODE5 = re.compile(r"^\d{5}$")
_CODE4 = re.compile(r"^\d{4}$")
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
DataSource = Traversable | Path


class DirectoryDataError(ValueError):
    """A data file is missing, lacks a column or holds a value that cannot be parsed."""


class CategoryKey(NamedTuple):
    kind: str
    code: str


@dataclass(frozen=True, slots=True)
class CategoryRow:
    kind: str  # component | matter
    code: str  # 5 digits BBSSS
    name: str
    major_code: str
    major_name: str
    legacy_code: str | None  # GB/T 30428.2-2013 BBSS (component class, or event 大类+小类 for 06-10)
    aliases: tuple[str, ...]
    keywords: tuple[str, ...]
    public_reportable: bool
    default_department: str  # a department_types.csv key
    geometry: str
    accuracy_class: str | None  # components only

    @property
    def key(self) -> CategoryKey:
        return CategoryKey(self.kind, self.code)

    @property
    def minor_code(self) -> str:
        return self.code[2:]


@dataclass(frozen=True, slots=True)
class ConditionRow:
    kind: str
    code: str
    number: int
    condition: str  # 立案条件
    closure_condition: str  # 结案条件
    urgency: str  # default 紧急程度
    limit_amount: int  # 处置时限 when handled as 一般
    limit_unit: str
    urgent_amount: int  # 处置时限 when handled as 紧急
    urgent_unit: str
    verified: bool
    note: str

    @property
    def condition_code(self) -> str:
        return f"{self.code}{self.number:02d}"

    def limit(self, urgency: str | None = None) -> tuple[int, str]:
        """The (amount, unit) limit for the given urgency, or the condition's default urgency."""
        chosen = urgency or self.urgency
        if chosen not in URGENCIES:
            raise ValueError(f"unknown urgency {chosen!r}")
        if chosen == "urgent":
            return self.urgent_amount, self.urgent_unit
        return self.limit_amount, self.limit_unit


@dataclass(frozen=True, slots=True)
class LegacyRow:
    legacy_code: str  # 4 digits; events written 0XYY for 0X-YY
    legacy_name: str
    legacy_kind: str  # component | event
    new_kind: str | None
    new_code: str | None  # None: no 2026 counterpart
    confidence: str  # verified | inferred
    source: str
    note: str


@dataclass(frozen=True, slots=True)
class StepLimitRow:
    step: str
    step_name: str
    urgency: str
    amount: int
    unit: str
    verified: bool
    note: str


@dataclass(frozen=True, slots=True)
class DepartmentType:
    key: str
    name: str
    name_template: str  # placeholders {city} {district} {street} {community}
    level: str
    kind: str

    def render(self, **names: str) -> str:
        """The department's display name for a place, e.g. render(district="崇川区")."""
        missing = [p for p in _PLACEHOLDER.findall(self.name_template) if not names.get(p)]
        if missing:
            raise ValueError(f"department type {self.key!r} needs {', '.join(missing)}")
        return self.name_template.format(**names)


@dataclass(frozen=True, slots=True)
class RegionClassFactor:
    region_class: str
    name: str
    description: str
    factor: Decimal
    scale_urgent_hour: bool
    verified: bool
    note: str


# ---------------------------------------------------------------------------------------------------
# Reading the files


def data_root() -> Traversable:
    return files("chengguan.catalog").joinpath("data")


def _root(data_dir: DataSource | None) -> DataSource:
    return data_root() if data_dir is None else data_dir


def _read_csv(root: DataSource, name: str, columns: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    entry = root.joinpath(name)
    if not entry.is_file():
        raise DirectoryDataError(f"{name}: file missing")
    text = entry.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DirectoryDataError(f"{name}: missing column(s) {', '.join(missing)}")
    # line numbers as an editor shows them (header is line 1)
    return [(i, {k: (v or "").strip() for k, v in row.items() if k}) for i, row in enumerate(reader, start=2)]


def _bool(name: str, line: int, value: str) -> bool:
    if value.lower() in ("true", "1", "yes"):
        return True
    if value.lower() in ("false", "0", "no"):
        return False
    raise DirectoryDataError(f"{name}:{line}: {value!r} is not a boolean")


def _int(name: str, line: int, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise DirectoryDataError(f"{name}:{line}: {value!r} is not an integer") from None


def _split(value: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in value.split("|") if p.strip())


_CATEGORY_COLUMNS = (
    "kind", "code", "name", "major_code", "major_name", "legacy_code", "aliases", "keywords",
    "public_reportable", "default_department", "geometry", "accuracy_class",
)  # fmt: skip
_CONDITION_COLUMNS = (
    "kind", "code", "number", "condition", "closure_condition", "urgency", "limit_amount", "limit_unit",
    "urgent_amount", "urgent_unit", "verified",
)  # fmt: skip


def _parse_categories(root: DataSource) -> tuple[CategoryRow, ...]:
    name = "categories.csv"
    return tuple(
        CategoryRow(
            kind=r["kind"],
            code=r["code"],
            name=r["name"],
            major_code=r["major_code"],
            major_name=r["major_name"],
            legacy_code=r["legacy_code"] or None,
            aliases=_split(r["aliases"]),
            keywords=_split(r["keywords"]),
            public_reportable=_bool(name, line, r["public_reportable"]),
            default_department=r["default_department"],
            geometry=r["geometry"],
            accuracy_class=r["accuracy_class"] or None,
        )
        for line, r in _read_csv(root, name, _CATEGORY_COLUMNS)
    )


def _parse_conditions(root: DataSource) -> tuple[ConditionRow, ...]:
    name = "conditions.csv"
    return tuple(
        ConditionRow(
            kind=r["kind"],
            code=r["code"],
            number=_int(name, line, r["number"]),
            condition=r["condition"],
            closure_condition=r["closure_condition"],
            urgency=r["urgency"],
            limit_amount=_int(name, line, r["limit_amount"]),
            limit_unit=r["limit_unit"],
            urgent_amount=_int(name, line, r["urgent_amount"]),
            urgent_unit=r["urgent_unit"],
            verified=_bool(name, line, r["verified"]),
            note=r.get("note", ""),
        )
        for line, r in _read_csv(root, name, _CONDITION_COLUMNS)
    )


def _parse_legacy(root: DataSource) -> tuple[LegacyRow, ...]:
    cols = ("legacy_code", "legacy_name", "legacy_kind", "new_kind", "new_code", "confidence")
    return tuple(
        LegacyRow(
            legacy_code=r["legacy_code"],
            legacy_name=r["legacy_name"],
            legacy_kind=r["legacy_kind"],
            new_kind=r["new_kind"] or None,
            new_code=r["new_code"] or None,
            confidence=r["confidence"],
            source=r.get("source", ""),
            note=r.get("note", ""),
        )
        for _, r in _read_csv(root, "legacy_2013.csv", cols)
    )


def _parse_aliases(root: DataSource) -> tuple[tuple[str, str, str], ...]:
    rows = _read_csv(root, "aliases.csv", ("alias", "canonical_name", "scope"))
    return tuple((r["alias"], r["canonical_name"], r["scope"]) for _, r in rows)


def _parse_step_limits(root: DataSource) -> tuple[StepLimitRow, ...]:
    name = "step_limits.csv"
    cols = ("step", "step_name", "urgency", "amount", "unit", "verified")
    return tuple(
        StepLimitRow(
            step=r["step"],
            step_name=r["step_name"],
            urgency=r["urgency"],
            amount=_int(name, line, r["amount"]),
            unit=r["unit"],
            verified=_bool(name, line, r["verified"]),
            note=r.get("note", ""),
        )
        for line, r in _read_csv(root, name, cols)
    )


def _parse_department_types(root: DataSource) -> tuple[DepartmentType, ...]:
    rows = _read_csv(root, "department_types.csv", ("key", "name", "name_template", "level", "kind"))
    return tuple(
        DepartmentType(
            key=r["key"], name=r["name"], name_template=r["name_template"], level=r["level"], kind=r["kind"]
        )
        for _, r in rows
    )


def _parse_region_factors(root: DataSource) -> tuple[RegionClassFactor, ...]:
    name = "region_class_factors.csv"
    cols = ("region_class", "name", "factor", "scale_urgent_hour", "verified")
    out = []
    for line, r in _read_csv(root, name, cols):
        try:
            factor = Decimal(r["factor"])
        except InvalidOperation:
            raise DirectoryDataError(f"{name}:{line}: {r['factor']!r} is not a number") from None
        out.append(
            RegionClassFactor(
                region_class=r["region_class"],
                name=r["name"],
                description=r.get("description", ""),
                factor=factor,
                scale_urgent_hour=_bool(name, line, r["scale_urgent_hour"]),
                verified=_bool(name, line, r["verified"]),
                note=r.get("note", ""),
            )
        )
    return tuple(out)


# The shipped files are read once; an explicit data_dir (imports, tests) is always read fresh.
@cache
def _cached_categories() -> tuple[CategoryRow, ...]:
    return _parse_categories(data_root())


@cache
def _cached_conditions() -> tuple[ConditionRow, ...]:
    return _parse_conditions(data_root())


@cache
def _cached_legacy() -> tuple[LegacyRow, ...]:
    return _parse_legacy(data_root())


@cache
def _cached_aliases() -> tuple[tuple[str, str, str], ...]:
    return _parse_aliases(data_root())


@cache
def _cached_step_limits() -> tuple[StepLimitRow, ...]:
    return _parse_step_limits(data_root())


@cache
def _cached_department_types() -> tuple[DepartmentType, ...]:
    return _parse_department_types(data_root())


@cache
def _cached_region_factors() -> tuple[RegionClassFactor, ...]:
    return _parse_region_factors(data_root())


def load_categories(data_dir: DataSource | None = None) -> list[CategoryRow]:
    return list(_cached_categories() if data_dir is None else _parse_categories(data_dir))


def load_conditions(data_dir: DataSource | None = None) -> list[ConditionRow]:
    return list(_cached_conditions() if data_dir is None else _parse_conditions(data_dir))


def load_legacy(data_dir: DataSource | None = None) -> list[LegacyRow]:
    return list(_cached_legacy() if data_dir is None else _parse_legacy(data_dir))


def load_aliases(data_dir: DataSource | None = None) -> dict[str, str]:
    """Global name normalisations, alias → canonical (both spelling terms and whole names)."""
    rows = _cached_aliases() if data_dir is None else _parse_aliases(data_dir)
    return {alias: canonical for alias, canonical, _ in rows}


def load_step_limits(data_dir: DataSource | None = None) -> list[StepLimitRow]:
    return list(_cached_step_limits() if data_dir is None else _parse_step_limits(data_dir))


def load_department_types(data_dir: DataSource | None = None) -> list[DepartmentType]:
    return list(_cached_department_types() if data_dir is None else _parse_department_types(data_dir))


def load_region_class_factors(data_dir: DataSource | None = None) -> list[RegionClassFactor]:
    return list(_cached_region_factors() if data_dir is None else _parse_region_factors(data_dir))


# ---------------------------------------------------------------------------------------------------
# Names


class _Normaliser:
    def __init__(self, aliases: Iterable[tuple[str, str, str]]) -> None:
        rows = list(aliases)
        # longest term first so that 雨水算子 wins over any shorter overlapping term
        self.terms = sorted(((a, c) for a, c, s in rows if s == "term"), key=lambda t: -len(t[0]))
        self.names = {_basic(a): c for a, c, s in rows if s == "name"}

    def __call__(self, text: str) -> str:
        s = _basic(text)
        for alias, canonical in self.terms:
            s = s.replace(alias, canonical)
        return self.names.get(s, s)


def _basic(text: str) -> str:
    # NFKC folds full-width letters/digits; the standard writes brackets full-width, so put them back.
    s = unicodedata.normalize("NFKC", text)
    s = "".join(ch for ch in s if not ch.isspace())
    s = s.replace("(", "（").replace(")", "）")
    return "".join(ch.upper() if ch.isascii() else ch for ch in s)


@cache
def _default_normaliser() -> _Normaliser:
    return _Normaliser(_cached_aliases())


def normalise_name(s: str) -> str:
    """Canonical spelling of a category name: width, brackets and spaces folded, then the spelling
    variants and the whole-name aliases of aliases.csv applied (上水井盖 → 供水井盖, 通讯 → 通信)."""
    return _default_normaliser()(s)


def pinyin_initials(name: str) -> str:
    """Lower-case pinyin initials for quick search: 占道经营 → "zdjy"; Latin letters and digits kept."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries take ~0.5 s to load: not at server start

    out = []
    for part in lazy_pinyin(name, style=Style.FIRST_LETTER):
        out.append("".join(ch for ch in part.lower() if ch.isascii() and ch.isalnum()))
    return "".join(out)


class _NameIndex:
    def __init__(self, categories: Iterable[CategoryRow], normaliser: _Normaliser) -> None:
        self.normalise = normaliser
        self.by_key: dict[CategoryKey, CategoryRow] = {}
        self.names: dict[str, dict[str, CategoryKey]] = {k: {} for k in KINDS}
        self.aliases: dict[str, dict[str, CategoryKey]] = {k: {} for k in KINDS}
        for row in categories:
            if row.kind not in KINDS:
                continue
            self.by_key[row.key] = row
            self.names[row.kind].setdefault(normaliser(row.name), row.key)
            for alias in row.aliases:
                self.aliases[row.kind].setdefault(normaliser(alias), row.key)

    def resolve(self, text: str, kind: str | None = None) -> CategoryRow | None:
        key = self.normalise(text)
        kinds = [kind] if kind else ["matter", "component"]  # citizens report matters
        for k in kinds:
            other = "component" if k == "matter" else "matter"
            for table in (self.names[k], self.aliases[k], self.names[other], self.aliases[other]):
                found = table.get(key)
                if found is None:
                    continue
                # a component name asked as a matter means its 异常 matter, and vice versa
                row = self.by_key.get(CategoryKey(k, found.code))
                if row is not None:
                    return row
        return None


@cache
def _default_index() -> _NameIndex:
    return _NameIndex(_cached_categories(), _default_normaliser())


def get_category(kind: str, code: str) -> CategoryRow | None:
    return _default_index().by_key.get(CategoryKey(kind, code))


def lookup_name(text: str, kind: str | None = None) -> CategoryRow | None:
    """The category a name or alias means (路灯不亮 → 01037 路灯异常). With no kind, matters first."""
    return _default_index().resolve(text, kind)


def search_categories(q: str, kind: str | None = None, limit: int | None = None) -> list[CategoryRow]:
    """Categories matching a code prefix, name, alias, keyword or pinyin initials, best first."""
    index = _default_index()
    raw = q.strip()
    if not raw:
        return []
    norm = index.normalise(raw)
    initials = raw.lower()
    scored: list[tuple[int, CategoryRow]] = []
    for row in index.by_key.values():
        if kind and row.kind != kind:
            continue
        names = [index.normalise(row.name)]
        aliases = [index.normalise(a) for a in row.aliases]
        if row.code.startswith(raw):
            score = 0
        elif norm in names:
            score = 1
        elif norm in aliases:
            score = 2
        elif any(norm in n for n in names):
            score = 3
        elif any(norm in a for a in aliases) or any(norm in k for k in row.keywords):
            score = 4
        elif initials.isascii() and initials.isalpha() and pinyin_initials(row.name).startswith(initials):
            score = 5
        else:
            continue
        scored.append((score, row))
    scored.sort(key=lambda t: (t[0], t[1].kind != "matter", t[1].code))
    rows = [row for _, row in scored]
    return rows[:limit] if limit is not None else rows


# ---------------------------------------------------------------------------------------------------
# Codes


@cache
def _legacy_index() -> dict[tuple[str, str], LegacyRow]:
    return {(r.legacy_kind, r.legacy_code): r for r in _cached_legacy()}


def legacy_to_new(code4: str, legacy_kind: str | None = None) -> tuple[str, str] | None:
    """The 2026 (kind, code) for a GB/T 30428.2-2013 code, or None when it has no counterpart.

    ``"0101"`` is a component class (上水井盖 → ("component", "01001")); events are written ``"01-07"``
    or passed with ``legacy_kind="event"`` (沿街晾挂 → ("matter", "06007")). Malformed input raises.
    """
    text = unicodedata.normalize("NFKC", code4).strip()
    if re.fullmatch(r"\d{2}-\d{2}", text):
        if legacy_kind not in (None, "event"):
            raise ValueError(f"{code4!r} is written as an event code")
        legacy_kind, text = "event", text.replace("-", "")
    if not _CODE4.match(text):
        raise ValueError(f"{code4!r} is not a 4-digit GB/T 30428.2-2013 code")
    legacy_kind = legacy_kind or "component"
    if legacy_kind not in LEGACY_KINDS:
        raise ValueError(f"unknown legacy kind {legacy_kind!r}")
    row = _legacy_index().get((legacy_kind, text))
    if row is None or row.new_kind is None or row.new_code is None:
        return None
    return row.new_kind, row.new_code


_PREFIXES: Mapping[str, str] = {
    "component": "component", "part": "component", "部件": "component", "bj": "component",
    "matter": "matter", "事项": "matter", "event": "event", "事件": "event",
}  # fmt: skip
_PREFIX_RE = re.compile(
    r"^(component|part|matter|event|部件|事项|事件|bj)\s*[:：/_\-\s]?\s*(.+)$", re.IGNORECASE
)


def parse_category_code(s: str, default_kind: str = "matter") -> CategoryKey:
    """Read a category code as users and old systems write it.

    Accepts a 5-digit 2026 code (``"09006"``), a 4-digit 2013 code (``"0101"`` component class,
    ``"04-06"`` event) mapped to 2026, and an optional kind prefix (``"component:01001"``,
    ``"部件 01001"``, ``"事件:0406"``, ``"BJ0101"``). Without a prefix, majors 06–10 are matters and
    01–05 take ``default_kind`` (reports are about matters). Unknown or reserved codes raise ValueError.
    """
    if default_kind not in KINDS:
        raise ValueError(f"unknown kind {default_kind!r}")
    text = unicodedata.normalize("NFKC", s).strip()
    prefix: str | None = None
    m = _PREFIX_RE.match(text)
    if m:
        prefix, text = _PREFIXES[m.group(1).lower()], m.group(2).strip()

    if _CODE5.match(text):
        code = text
        kind = "component" if prefix == "component" else "matter" if prefix else None
    else:
        event = prefix in ("event", "matter") or bool(re.fullmatch(r"\d{2}-\d{2}", text))
        mapped = legacy_to_new(text, "event" if event else "component")
        if mapped is None:
            raise ValueError(f"{s!r}: no GB/T 47678.5-2026 counterpart for this 2013 code")
        code = mapped[1]
        kind = "component" if prefix == "component" else "matter" if event else None

    if kind is None:
        kind = "matter" if code[:2] not in COMPONENT_MAJORS else default_kind
    if get_category(kind, code) is None:
        reason = "reserved (a gap in the standard's numbering)" if code in RESERVED_CODES else "unknown"
        raise ValueError(f"{s!r}: {kind} {code} is {reason}")
    return CategoryKey(kind, code)


# ---------------------------------------------------------------------------------------------------
# Conditions and limits


@cache
def _conditions_index() -> dict[str, tuple[ConditionRow, ...]]:
    out: dict[str, list[ConditionRow]] = {}
    for row in _cached_conditions():
        out.setdefault(row.code, []).append(row)
    return {code: tuple(sorted(rows, key=lambda r: r.number)) for code, rows in out.items()}


def conditions_for(kind: str, code: str) -> list[ConditionRow]:
    """The 立案条件 of a category; a component uses those of its "<component>异常" matter."""
    if get_category(kind, code) is None:
        return []
    return list(_conditions_index().get(code, ()))


def find_condition(condition_code: str) -> ConditionRow | None:
    """A condition by its code: 7 digits (``"0100101"``) or ``"01001-1"``."""
    m = re.fullmatch(r"(\d{5})(?:-(\d{1,2})|(\d{2}))", condition_code.strip())
    if not m:
        return None
    number = int(m.group(2) or m.group(3))
    return next((c for c in _conditions_index().get(m.group(1), ()) if c.number == number), None)


def effective_limit(
    condition: ConditionRow,
    urgency: str | None = None,
    region_class: str | None = None,
    factors: Iterable[RegionClassFactor] | None = None,
) -> tuple[int, str]:
    """The disposal limit for a condition at an urgency in a region class (一类/二类/三类 = A/B/C).

    Scaled limits are rounded up to whole units so that a deadline never gets shorter by rounding.
    """
    amount, unit = condition.limit(urgency)
    if region_class is None:
        return amount, unit
    table = {f.region_class: f for f in (factors if factors is not None else _cached_region_factors())}
    factor = table.get(region_class)
    if factor is None:
        raise ValueError(f"unknown region class {region_class!r}")
    if unit == "urgent_hour" and not factor.scale_urgent_hour:
        return amount, unit
    return math.ceil(Decimal(amount) * factor.factor), unit


def step_limit(step: str, urgency: str = "normal") -> StepLimitRow:
    for row in _cached_step_limits():
        if row.step == step and row.urgency == urgency:
            return row
    raise ValueError(f"no step limit for {step!r} at urgency {urgency!r}")


def department_type(key: str) -> DepartmentType | None:
    return next((d for d in _cached_department_types() if d.key == key), None)


# ---------------------------------------------------------------------------------------------------
# Validation


def validate_directory(data_dir: DataSource | None = None) -> list[str]:
    """Every problem found in the data files (empty when they are consistent)."""
    root = _root(data_dir)
    try:
        categories = _parse_categories(root)
        conditions = _parse_conditions(root)
        legacy = _parse_legacy(root)
        aliases = _parse_aliases(root)
        steps = _parse_step_limits(root)
        departments = _parse_department_types(root)
        factors = _parse_region_factors(root)
    except DirectoryDataError as exc:
        return [str(exc)]
    normaliser = _Normaliser(aliases)
    problems: list[str] = []
    problems += _check_departments(departments)
    problems += _check_categories(categories, {d.key for d in departments})
    problems += _check_names(categories, aliases, normaliser)
    problems += _check_conditions(categories, conditions)
    problems += _check_legacy(categories, legacy)
    problems += _check_steps(steps)
    problems += _check_factors(factors)
    return problems


def _check_departments(departments: Iterable[DepartmentType]) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for d in departments:
        if d.key in seen:
            problems.append(f"department_types: duplicate key {d.key}")
        seen.add(d.key)
        if d.level not in DEPARTMENT_LEVELS:
            problems.append(f"department_types {d.key}: level {d.level!r} not in {DEPARTMENT_LEVELS}")
        bad = set(_PLACEHOLDER.findall(d.name_template)) - set(DEPARTMENT_LEVELS)
        if bad:
            problems.append(f"department_types {d.key}: unknown placeholder(s) {sorted(bad)}")
    return problems


def _check_category_row(row: CategoryRow, departments: set[str]) -> list[str]:
    where = f"categories {row.kind} {row.code}"
    problems: list[str] = []
    if row.kind not in KINDS:
        return [f"{where}: unknown kind {row.kind!r}"]
    if not _CODE5.match(row.code):
        return [f"{where}: code is not 5 digits"]
    majors = COMPONENT_MAJORS if row.kind == "component" else MATTER_MAJORS
    if row.major_code != row.code[:2] or row.major_code not in majors:
        problems.append(f"{where}: major_code {row.major_code!r} does not fit")
    if row.code in RESERVED_CODES:
        problems.append(f"{where}: code is reserved (gap in the standard)")
    if not row.name:
        problems.append(f"{where}: empty name")
    if row.default_department not in departments:
        problems.append(f"{where}: default_department {row.default_department!r} is not a department type")
    if row.geometry not in GEOMETRIES:
        problems.append(f"{where}: geometry {row.geometry!r}")
    if row.kind == "component":
        if row.accuracy_class not in ACCURACY_CLASSES:
            problems.append(f"{where}: accuracy_class {row.accuracy_class!r}")
        if row.public_reportable:
            problems.append(f"{where}: components are reported through their 异常 matter")
    if row.legacy_code is not None and not _CODE4.match(row.legacy_code):
        problems.append(f"{where}: legacy_code {row.legacy_code!r} is not 4 digits")
    return problems


def _check_categories(categories: tuple[CategoryRow, ...], departments: set[str]) -> list[str]:
    problems: list[str] = []
    seen: set[CategoryKey] = set()
    major_names: dict[tuple[str, str], str] = {}
    for row in categories:
        problems += _check_category_row(row, departments)
        if row.key in seen:
            problems.append(f"categories: duplicate {row.kind} {row.code}")
        seen.add(row.key)
        known = major_names.setdefault((row.kind, row.major_code), row.major_name)
        if known != row.major_name:
            problems.append(f"categories {row.kind} {row.code}: major_name {row.major_name!r} ≠ {known!r}")
    for kind, expected in EXPECTED_COUNTS.items():
        count = sum(1 for r in categories if r.kind == kind)
        if count != expected:
            problems.append(f"categories: {count} {kind} rows, expected {expected}")
    by_key = {r.key: r for r in categories}
    for row in categories:
        twin = by_key.get(CategoryKey("matter" if row.kind == "component" else "component", row.code))
        if row.kind == "component" and (twin is None or twin.name.replace("异常", "", 1) != row.name):
            problems.append(f"categories component {row.code}: no matching '{row.name}异常' matter")
        if row.kind == "matter" and row.major_code in COMPONENT_MAJORS and twin is None:
            problems.append(f"categories matter {row.code}: no component with the same code")
    return problems


def _check_names(
    categories: tuple[CategoryRow, ...], aliases: tuple[tuple[str, str, str], ...], normaliser: _Normaliser
) -> list[str]:
    problems: list[str] = []
    names = {r.name for r in categories}
    for alias, canonical, scope in aliases:
        if scope not in ("term", "name"):
            problems.append(f"aliases {alias}: scope {scope!r} is neither term nor name")
        elif scope == "name" and canonical not in names:
            problems.append(f"aliases {alias}: canonical name {canonical!r} is not a category name")
        if not alias or alias == canonical:
            problems.append(f"aliases {alias!r}: empty or maps to itself")
    for row in categories:
        if normaliser(row.name) != row.name:
            problems.append(f"categories {row.kind} {row.code}: name changes under normalisation")
    index = _NameIndex(categories, normaliser)
    for row in categories:
        for alias in row.aliases:
            found = index.resolve(alias, row.kind)
            if found is None or found.key != row.key:
                other = f"{found.kind} {found.code}" if found else "nothing"
                problems.append(f"categories {row.kind} {row.code}: alias {alias!r} resolves to {other}")
    return problems


def _check_condition_row(c: ConditionRow, matters: set[str]) -> list[str]:
    where = f"conditions {c.kind} {c.code}/{c.number}"
    problems: list[str] = []
    if c.kind != "matter" or c.code not in matters:
        problems.append(f"{where}: not a matter in categories.csv")
    if not c.condition or not c.closure_condition:
        problems.append(f"{where}: empty 立案条件 or 结案条件")
    if c.urgency not in URGENCIES:
        problems.append(f"{where}: urgency {c.urgency!r}")
    for amount, unit in ((c.limit_amount, c.limit_unit), (c.urgent_amount, c.urgent_unit)):
        if unit not in CONDITION_UNITS:
            problems.append(f"{where}: unit {unit!r} not in {CONDITION_UNITS}")
        if amount <= 0:
            problems.append(f"{where}: limit {amount} is not positive")
    if c.urgent_unit in _NOMINAL_MINUTES and c.limit_unit in _NOMINAL_MINUTES:
        urgent = c.urgent_amount * _NOMINAL_MINUTES[c.urgent_unit]
        if urgent > c.limit_amount * _NOMINAL_MINUTES[c.limit_unit]:
            problems.append(f"{where}: urgent limit is longer than the normal limit")
    return problems


def _check_conditions(categories: tuple[CategoryRow, ...], conditions: tuple[ConditionRow, ...]) -> list[str]:
    matters = {r.code for r in categories if r.kind == "matter"}
    problems: list[str] = []
    numbers: dict[str, list[int]] = {}
    for c in conditions:
        problems += _check_condition_row(c, matters)
        numbers.setdefault(c.code, []).append(c.number)
    for code in sorted(matters):
        got = sorted(numbers.get(code, []))
        if not got:
            problems.append(f"conditions: matter {code} has no 立案条件")
        elif got != list(range(1, len(got) + 1)):
            problems.append(f"conditions: matter {code} numbers {got} are not 1..n")
    return problems


def _check_legacy(categories: tuple[CategoryRow, ...], legacy: tuple[LegacyRow, ...]) -> list[str]:
    keys = {r.key for r in categories}
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for r in legacy:
        where = f"legacy_2013 {r.legacy_kind} {r.legacy_code}"
        if (r.legacy_kind, r.legacy_code) in seen:
            problems.append(f"{where}: duplicate")
        seen.add((r.legacy_kind, r.legacy_code))
        if r.legacy_kind not in LEGACY_KINDS or not _CODE4.match(r.legacy_code):
            problems.append(f"{where}: bad legacy kind or code")
        if r.confidence not in CONFIDENCES:
            problems.append(f"{where}: confidence {r.confidence!r}")
        if (r.new_kind is None) != (r.new_code is None):
            problems.append(f"{where}: new_kind and new_code must be both set or both empty")
        elif r.new_kind is not None and r.new_code is not None:
            expected = "component" if r.legacy_kind == "component" else "matter"
            if r.new_kind != expected or CategoryKey(r.new_kind, r.new_code) not in keys:
                problems.append(
                    f"{where}: target {r.new_kind} {r.new_code} does not exist or has the wrong kind"
                )
    for row in categories:
        if row.legacy_code is None:
            continue
        legacy_kind = "event" if row.major_code not in COMPONENT_MAJORS else "component"
        if (legacy_kind, row.legacy_code) not in seen:
            problems.append(
                f"categories {row.kind} {row.code}: legacy_code {row.legacy_code} not in legacy_2013"
            )
    return problems


def _check_steps(steps: tuple[StepLimitRow, ...]) -> list[str]:
    problems: list[str] = []
    have = {(s.step, s.urgency) for s in steps}
    for step in STEPS:
        for urgency in URGENCIES:
            if (step, urgency) not in have:
                problems.append(f"step_limits: no row for {step}/{urgency}")
    for s in steps:
        if s.unit not in STEP_UNITS or s.amount <= 0:
            problems.append(f"step_limits {s.step}/{s.urgency}: bad amount or unit {s.amount} {s.unit!r}")
        if s.step not in STEPS or s.urgency not in URGENCIES:
            problems.append(f"step_limits {s.step}/{s.urgency}: unknown step or urgency")
    return problems


def _check_factors(factors: tuple[RegionClassFactor, ...]) -> list[str]:
    problems: list[str] = []
    classes = [f.region_class for f in factors]
    if len(classes) != len(set(classes)):
        problems.append("region_class_factors: duplicate region class")
    for f in factors:
        if f.factor < 1:
            problems.append(f"region_class_factors {f.region_class}: factor {f.factor} shortens limits")
    return problems
