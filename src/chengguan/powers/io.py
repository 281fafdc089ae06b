"""Import and export of the 权责清单 (JSON with standards; CSV and XLSX one row per legal basis).

JSON: ``{"powers": [{code, name, power_type, body, …, "legal_basis": [...], "standards": [...]}]}`` —
the full list, the format to exchange with another system. CSV / XLSX: the published table layout
(序号-free): one row per (power, legal basis); power columns repeat; responsibilities as
"步骤：内容" lines in one cell. Import is all-or-nothing: every row is checked, errors are reported
with their row numbers, and nothing is written if any row fails.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core.errors import AppError, Invalid
from chengguan.powers import service
from chengguan.powers.models import Power

COLUMNS = [
    ("code", "事项编码"), ("name", "事项名称"), ("sub_item", "子项"), ("power_type", "职权类型"), ("body", "实施主体"),
    ("handling_unit", "承办机构"), ("level", "行使层级"), ("responsibilities", "责任事项"), ("accountability", "追责情形"),
    ("accountability_basis", "追责依据"), ("contact", "监督电话"), ("note", "备注"),
    ("basis_kind", "依据类型"), ("law", "法律法规名称"), ("article", "条款"), ("basis_text", "条文内容"),
    ("effective_from", "施行日期"), ("effective_to", "废止日期"),
]
_BY_LABEL = {label: key for key, label in COLUMNS} | {key: key for key, _ in COLUMNS}
MAX_ROWS = 20000


def _resp_text(items: list[Any]) -> str:
    return "\n".join(f"{r.get('step')}：{r.get('items', '')}" for r in items or [])


def _resp_parse(text: str | None) -> list[dict[str, str]]:
    out = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        step, sep, items = line.partition("：")
        if not sep:
            step, sep, items = line.partition(":")
        out.append({"step": step.strip(), "items": items.strip()})
    return out


def rows(session: Session) -> list[dict[str, Any]]:
    out = []
    for p in session.scalars(select(Power).order_by(Power.code)):
        base = {"code": p.code, "name": p.name, "sub_item": p.sub_item, "power_type": p.power_type, "body": p.body,
                "handling_unit": p.handling_unit, "level": p.level, "responsibilities": _resp_text(p.responsibilities),
                "accountability": p.accountability, "accountability_basis": p.accountability_basis,
                "contact": p.contact, "note": p.note}
        for b in p.bases or [None]:  # type: ignore[list-item]  # a power without a basis: one row
            row = dict(base)
            if b is not None:
                row.update(basis_kind=b.kind, law=b.law, article=b.article, basis_text=b.text,
                           effective_from=b.effective_from.isoformat(),
                           effective_to=b.effective_to.isoformat() if b.effective_to else None)
            out.append(row)
    return out


def export_json(session: Session) -> dict[str, Any]:
    powers = []
    for p in session.scalars(select(Power).order_by(Power.code)):
        v = service.power_view(p, all_versions=True)
        v["standards"] = [service.standard_view(s) for s in service.standards(session, p)]
        powers.append(v)
    return {"format": "chengguan-powers", "version": 1, "powers": powers}


def export_csv(session: Session) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([label for _, label in COLUMNS])
    for r in rows(session):
        w.writerow(["" if r.get(k) is None else r.get(k) for k, _ in COLUMNS])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly


def export_xlsx(session: Session) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "权责清单"
    ws.append([label for _, label in COLUMNS])
    for r in rows(session):
        ws.append(["" if r.get(k) is None else r.get(k) for k, _ in COLUMNS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _read_table(data: bytes, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid("CSV 须为 UTF-8 编码", code="bad_encoding") from None
        try:
            table = list(csv.reader(io.StringIO(text)))
        except csv.Error as exc:
            raise Invalid(f"CSV 无法解析：{exc}", code="bad_file") from None
    else:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:
            raise Invalid(f"无法读取 XLSX 文件：{type(exc).__name__}", code="bad_file") from None
        try:
            ws = wb.worksheets[0]
            table = [["" if c is None else str(c) if not hasattr(c, "isoformat") else c.isoformat()[:10] for c in row]
                     for row in ws.iter_rows(values_only=True)]
        except Exception as exc:
            raise Invalid(f"无法读取 XLSX 文件：{type(exc).__name__}", code="bad_file") from None
    if not table:
        raise Invalid("文件为空", code="empty_file")
    header = [_BY_LABEL.get(str(h).strip()) for h in table[0]]
    if "code" not in header or "name" not in header:
        raise Invalid("表头须包含“事项编码”和“事项名称”", code="bad_header",
                      details={"expected": [label for _, label in COLUMNS]})
    if len(table) - 1 > MAX_ROWS:
        raise Invalid(f"一次最多导入 {MAX_ROWS} 行", code="too_many_rows")
    out = []
    for line in table[1:]:
        if not any(str(c).strip() for c in line):
            continue
        out.append({k: (str(v).strip() if v is not None else "") for k, v in zip(header, line, strict=False) if k})
    return out


def _group(table: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows → power specs (bases collected per code, in file order)."""
    specs: dict[str, dict[str, Any]] = {}
    for r in table:
        code = r.get("code", "")
        spec = specs.get(code)
        if spec is None:
            spec = {k: (r.get(k) or None) for k in ("code", "name", "sub_item", "power_type", "body", "handling_unit",
                                                    "level", "accountability", "accountability_basis", "contact", "note")}
            spec["code"] = code
            spec["level"] = spec["level"] or "district"
            spec["responsibilities"] = _resp_parse(r.get("responsibilities"))
            spec["legal_basis"] = []
            specs[code] = spec
        if r.get("law"):
            spec["legal_basis"].append({"kind": r.get("basis_kind") or "实施依据", "law": r["law"],
                                        "article": r.get("article"), "text": r.get("basis_text") or None,
                                        "effective_from": r.get("effective_from"), "effective_to": r.get("effective_to") or None})
    return list(specs.values())


def import_powers(session: Session, data: bytes, fmt: str, *, replace: bool = False) -> dict[str, Any]:
    """Create new powers and (with ``replace``) update existing ones. For existing powers, bases not yet
    cited are added as new versions; standards (JSON only) are added as new versions when their
    effective date is later than the current one. All-or-nothing."""
    if fmt not in ("json", "csv", "xlsx"):
        raise Invalid("格式应为 json、csv 或 xlsx", code="bad_format")
    if fmt != "xlsx" and (b"\x00" in data or b"\\u0000" in data):
        # PostgreSQL text cannot hold NUL characters: refuse the file instead of failing on insert.
        raise Invalid("文件中含有空字符（NUL），请检查文件编码", code="bad_file")
    if fmt == "json":
        try:
            doc = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid(f"JSON 无法解析：{exc}", code="bad_json") from None
        specs = doc.get("powers") if isinstance(doc, dict) else doc
        if not isinstance(specs, list):
            raise Invalid("JSON 应为 {\"powers\": [...]} 或列表", code="bad_json")
    else:
        specs = _group(_read_table(data, fmt))
    created: list[Any] = []
    updated: list[Any] = []
    skipped: list[Any] = []
    errors: list[Any] = []
    for i, spec in enumerate(specs, 1):
        if not isinstance(spec, dict):
            errors.append({"item": i, "message": "应为对象"})
            continue
        code = str(spec.get("code") or "").strip()
        try:
            with session.begin_nested():
                _import_one(session, spec, replace, created, updated, skipped)
        except AppError as exc:
            errors.append({"item": i, "code": code, "message": exc.message})
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            # A malformed item (wrong JSON types): reported with the others, never a 500.
            errors.append({"item": i, "code": code, "message": f"格式错误：{type(exc).__name__}"})
    if errors:
        raise Invalid(f"导入失败：{len(errors)} 项有错误，未导入任何数据", code="import_failed", details=errors[:200])
    return {"created": created, "updated": updated, "skipped": skipped}


def _import_one(session: Session, spec: dict[str, Any], replace: bool, created: list[str], updated: list[str],
                skipped: list[str]) -> None:
    code = str(spec.get("code") or "").strip()
    values = {k: spec.get(k) for k in service.POWER_FIELDS if k in spec and k not in ("is_active",)}
    values = {k: v for k, v in values.items() if v is not None}
    bases = spec.get("legal_basis") or []
    existing = session.scalar(select(Power).where(Power.code == code))
    if existing is None:
        p = service.create_power(session, {"code": code, **values}, bases)
        created.append(p.code)
    elif not replace:
        skipped.append(code)
        return
    else:
        p = service.update_power(session, code, values)
        have = {(b.kind, b.law, b.article, b.effective_from.isoformat()) for b in p.bases}
        for b in bases:
            key = (b.get("kind") or "实施依据", b.get("law"), b.get("article"), str(b.get("effective_from"))[:10])
            if key not in have:
                service.add_basis(session, p, b)
        updated.append(code)
    for s in spec.get("standards") or []:
        current = [x for x in service.standards(session, p) if x.actor_type == (s.get("actor_type") or "any")]
        if any(x.effective_from.isoformat() >= str(s.get("effective_from"))[:10] for x in current):
            continue  # this version (or a later one) is already there
        service.create_standard(session, code, {k: v for k, v in s.items() if k not in ("id", "version", "ref")})
