"""Import and export of the discretion standards (行政处罚裁量基准) as CSV or XLSX: one row per tier (阶次).

Rows of the same power code, actor type and 施行日期 form one standard version, its tiers in row order; the
standard's columns repeat on each of its rows (they must agree). Import is all-or-nothing: every row is
checked, each error is reported with its row number (the header is row 1) and a Chinese message, and nothing
is written if any row fails. A version already present (same or later 施行日期 for that power and actor
type) is skipped, so re-importing an export changes nothing. New versions go through
``service.create_standard`` (the same rules as the API and the JSON import).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core.errors import AppError, Invalid
from chengguan.powers import service
from chengguan.powers.models import DiscretionStandard, Power

COLUMNS = [
    ("code", "事项编码"), ("actor_type", "适用对象"), ("title", "基准名称"), ("basis", "裁量依据"),
    ("statutory_min", "法定最低罚款"), ("statutory_max", "法定最高罚款"), ("effective_from", "施行日期"),
    ("effective_to", "废止日期"), ("repeat_threshold", "多次违法次数"), ("repeat_window_days", "多次违法期间（日）"),
    ("first_violation_exempt", "首违不罚"), ("first_violation_window_days", "首违期间（日）"),
    ("aggravating", "从重情节"), ("tier", "阶次"), ("conditions", "适用情形"), ("condition_keys", "情节代码"),
    ("is_default", "默认阶次"), ("fine_min", "罚款下限"), ("fine_max", "罚款上限"), ("rate_min", "比例下限（%）"),
    ("rate_max", "比例上限（%）"), ("rate_of", "比例基数"), ("other_penalty", "其他处罚"), ("note", "阶次备注"),
    ("version", "版本"),  # export only (the version number is given by the system)
]
STANDARD_KEYS = ("code", "actor_type", "title", "basis", "statutory_min", "statutory_max", "effective_from",
                 "effective_to", "repeat_threshold", "repeat_window_days", "first_violation_exempt",
                 "first_violation_window_days", "aggravating")
_BY_LABEL = {label: key for key, label in COLUMNS} | {key: key for key, _ in COLUMNS}
ACTOR_LABELS = {"any": "不区分", "person": "公民", "org": "法人或其他组织"}
_ACTOR_IN = {v: k for k, v in ACTOR_LABELS.items()} | {k: k for k in ACTOR_LABELS} | {"单位": "org", "个人": "person",
                                                                                      "": "any"}
_YES = {"是", "y", "yes", "true", "1", "√"}
_NO = {"否", "n", "no", "false", "0", ""}
MAX_ROWS = 20000


# ------------------------------------------------------------------------------------------------ export


def _money(v: Decimal | None) -> str:
    return "" if v is None else str(v)


def rows(session: Session) -> list[list[Any]]:
    out: list[list[Any]] = []
    stmt = (select(DiscretionStandard, Power.code).join(Power, Power.id == DiscretionStandard.power_id)
            .order_by(Power.code, DiscretionStandard.actor_type, DiscretionStandard.version))
    for s, code in session.execute(stmt):
        head = {"code": code, "actor_type": ACTOR_LABELS.get(s.actor_type, s.actor_type), "title": s.title,
                "basis": s.basis or "", "statutory_min": _money(s.statutory_min),
                "statutory_max": _money(s.statutory_max), "effective_from": s.effective_from.isoformat(),
                "effective_to": s.effective_to.isoformat() if s.effective_to else "",
                "repeat_threshold": s.repeat_threshold, "repeat_window_days": s.repeat_window_days,
                "first_violation_exempt": "是" if s.first_violation_exempt else "否",
                "first_violation_window_days": s.first_violation_window_days or "",
                "aggravating": "\n".join(f"{k}：{v}" for k, v in (s.aggravating or {}).items()), "version": s.version}
        for t in s.tiers:
            row = {**head, "tier": t.name, "conditions": t.conditions or "", "condition_keys": ",".join(t.condition_keys or []),
                   "is_default": "是" if t.is_default else "否", "fine_min": _money(t.fine_min),
                   "fine_max": _money(t.fine_max), "rate_min": _money(t.rate_min), "rate_max": _money(t.rate_max),
                   "rate_of": t.rate_of or "", "other_penalty": t.other_penalty or "", "note": t.note or ""}
            out.append([row.get(k, "") for k, _ in COLUMNS])
    return out


def export_csv(session: Session) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([label for _, label in COLUMNS])
    w.writerows(rows(session))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def export_xlsx(session: Session) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "裁量基准"
    ws.append([label for _, label in COLUMNS])
    for r in rows(session):
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------------ import


def _table(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        if b"\x00" in data:
            raise Invalid("文件中含有空字符（NUL），请检查文件编码", code="bad_file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("CSV 须为 UTF-8 编码", code="bad_encoding") from None
        try:
            return list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise Invalid(f"CSV 无法解析：{exc}", code="bad_file") from None
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
        return [["" if c is None else c.isoformat()[:10] if hasattr(c, "isoformat") else str(c) for c in row]
                for row in ws.iter_rows(values_only=True)]
    except Exception as exc:  # openpyxl raises many kinds for a damaged or non-XLSX file
        raise Invalid(f"无法读取 XLSX 文件：{type(exc).__name__}", code="bad_file") from None


def _dec(v: str, label: str) -> str | None:
    if not v:
        return None
    try:
        d = Decimal(v.replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(f"{label}应为数字：{v}") from None
    if not d.is_finite() or d < 0:
        raise ValueError(f"{label}应为非负数：{v}")
    if d >= 10**10:
        raise ValueError(f"{label}数值过大：{v}")
    return str(d)


def _int(v: str, label: str) -> int | None:
    if not v:
        return None
    try:
        f = float(v)
    except ValueError:
        raise ValueError(f"{label}应为整数：{v}") from None
    if f != int(f):
        raise ValueError(f"{label}应为整数：{v}")
    return int(f)


def _bool(v: str, label: str) -> bool:
    s = v.strip().lower()
    if s in _YES:
        return True
    if s in _NO:
        return False
    raise ValueError(f"{label}应填“是”或“否”：{v}")


def _date(v: str, label: str) -> str | None:
    if not v:
        return None
    try:
        return date.fromisoformat(v.strip()[:10].replace("/", "-")).isoformat()
    except ValueError:
        raise ValueError(f"{label}应为日期（如 2026-01-01）：{v}") from None


def _aggravating(v: str) -> dict[str, str]:
    out = {}
    for line in v.splitlines():
        line = line.strip()
        if not line:
            continue
        key, sep, text = line.partition("：")
        if not sep:
            key, sep, text = line.partition(":")
        if not key.strip():
            raise ValueError(f"从重情节应为每行“代码：说明”：{line}")
        out[key.strip()] = text.strip()
    return out


_PARSE: dict[str, Callable[[str, str], Any]] = {
    "statutory_min": _dec, "statutory_max": _dec, "fine_min": _dec, "fine_max": _dec, "rate_min": _dec,
    "rate_max": _dec, "effective_from": _date, "effective_to": _date, "repeat_threshold": _int,
    "repeat_window_days": _int, "first_violation_window_days": _int, "first_violation_exempt": _bool,
    "is_default": _bool,
}


# column widths of the tables: longer text is a row error, not a database error
_LENGTHS = {"code": 64, "title": 200, "tier": 16, "rate_of": 32, "other_penalty": 200, "conditions": 2000, "note": 2000,
            "basis": 4000}


def _parse_row(raw: dict[str, str]) -> dict[str, Any]:
    """One row's values, typed; ValueError with a Chinese message for the first bad cell."""
    labels = dict(COLUMNS)
    out: dict[str, Any] = {}
    for key, value in raw.items():
        fn = _PARSE.get(key)
        out[key] = fn(value, labels[key]) if fn else (value or None)
    if not raw.get("code"):
        raise ValueError("事项编码不能为空")
    if not out.get("effective_from"):
        raise ValueError("施行日期不能为空")
    if not raw.get("tier"):
        raise ValueError("阶次不能为空")
    for key, limit in _LENGTHS.items():
        if len(raw.get(key) or "") > limit:
            raise ValueError(f"{labels[key]}不能超过 {limit} 个字")
    actor = _ACTOR_IN.get(raw.get("actor_type", "").strip())
    if actor is None:
        raise ValueError(f"适用对象应为“不区分”“公民”或“法人或其他组织”：{raw.get('actor_type')}")
    out["actor_type"] = actor
    out["aggravating"] = _aggravating(raw.get("aggravating") or "")
    out["condition_keys"] = [k for k in (x.strip() for x in (raw.get("condition_keys") or "").replace("，", ",")
                                         .replace("、", ",").split(",")) if k]
    return out


def import_standards(session: Session, data: bytes, fmt: str) -> dict[str, Any]:
    """New standard versions from a CSV/XLSX table. Returns {created: [{code, actor_type, version}], skipped}.
    Refuses the whole file (422 ``import_failed``, details = [{row, message}]) if any row is wrong."""
    if fmt not in ("csv", "xlsx"):
        raise Invalid("格式应为 csv 或 xlsx", code="bad_format")
    table = _table(data, fmt)
    if not table:
        raise Invalid("文件为空", code="empty_file")
    header = [_BY_LABEL.get(str(h).strip()) for h in table[0]]
    missing = [label for key, label in COLUMNS if key in ("code", "effective_from", "title", "tier") and key not in header]
    if missing:
        raise Invalid(f"表头缺少：{'、'.join(missing)}", code="bad_header",
                      details={"expected": [label for _, label in COLUMNS]})
    if len(table) - 1 > MAX_ROWS:
        raise Invalid(f"一次最多导入 {MAX_ROWS} 行", code="too_many_rows")
    errors: list[dict[str, Any]] = []
    groups: dict[tuple[str, str, str], list[tuple[int, dict[str, Any]]]] = {}
    for n, line in enumerate(table[1:], 2):
        if not any(str(c).strip() for c in line):
            continue
        raw = {k: str(v).strip() for k, v in zip(header, line, strict=False) if k and k != "version"}
        try:
            row = _parse_row(raw)
        except ValueError as exc:
            errors.append({"row": n, "message": str(exc)})
            continue
        groups.setdefault((row["code"], row["actor_type"], row["effective_from"]), []).append((n, row))
    created: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    # all-or-nothing even for a caller that does not roll back on the error: raising inside the savepoint
    # undoes every version created above
    with session.begin_nested():
        for (code, actor, start), members in groups.items():
            first_n, first = members[0]
            bad = [n for n, r in members[1:] if any(r.get(k) != first.get(k) for k in STANDARD_KEYS)]
            for n in bad:
                errors.append({"row": n, "message": f"基准信息（名称、依据、法定幅度、日期等）与第 {first_n} 行不一致"})
            if bad:
                continue
            try:
                with session.begin_nested():
                    power = service.power_by_code(session, code)
                    current = [s for s in service.standards(session, power) if s.actor_type == actor]
                    if any(s.effective_from.isoformat() >= start for s in current):
                        skipped.append({"code": code, "actor_type": actor, "effective_from": start})
                        continue
                    values = {k: first.get(k) for k in STANDARD_KEYS if k != "code"}
                    values["tiers"] = [{"name": r["tier"], "conditions": r.get("conditions") or "",
                                        "condition_keys": r["condition_keys"], "is_default": r.get("is_default", False),
                                        **{k: r.get(k) for k in ("fine_min", "fine_max", "rate_min", "rate_max", "rate_of",
                                                                 "other_penalty", "note")}} for _, r in members]
                    std = service.create_standard(session, code, values)
                    created.append({"code": code, "actor_type": actor, "version": std.version, "ref": f"{std.id}@{std.version}"})
            except AppError as exc:
                rows_text = f"第 {first_n}–{members[-1][0]} 行" if len(members) > 1 else f"第 {first_n} 行"
                errors.append({"row": first_n, "message": f"{rows_text}（{code}）：{exc.message}"})
        if errors:
            errors.sort(key=lambda e: e["row"])
            raise Invalid(f"导入失败：{len(errors)} 处错误，未导入任何数据", code="import_failed", details=errors[:200])
    return {"created": created, "skipped": skipped}
