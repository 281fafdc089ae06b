"""CSV import of the roster (人员花名册): create or update personnel records by 工号 and register their
certificates. All-or-nothing: any bad row → ``Invalid`` (422) listing every error with its line number,
and nothing is written. Headers are the Chinese column names of ``COLUMNS`` (UTF-8, with or without BOM)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.core.errors import Invalid
from chengguan.workforce import service as wf
from chengguan.workforce.models import FORCE_LABELS, KIND_LABELS, STATUS_LABELS, Certificate, Person

COLUMNS = {
    "工号": "employee_no", "姓名": "name", "性别": "gender", "类别": "kind", "队伍": "force", "单位": "department",
    "街道代码": "street_code", "岗位": "post", "状态": "status", "电话": "phone", "入职日期": "joined_on",
    "账号": "username", "执法证号": "cert_number", "发证机关": "cert_issuing_body", "执法范围": "cert_scope",
    "有效期自": "cert_valid_from", "有效期至": "cert_valid_to",
}
REQUIRED = {"employee_no": "工号", "name": "姓名", "kind": "类别", "post": "岗位"}
CODES = {
    "kind": ("类别", KIND_LABELS, {v: k for k, v in KIND_LABELS.items()}
             | {"参照公务员管理": "managed", "事业": "institution", "协管": "auxiliary", "辅助人员": "auxiliary"}),
    "force": ("队伍", FORCE_LABELS, {v: k for k, v in FORCE_LABELS.items()}
              | {"公安民警": "police", "民警": "police", "协管员": "xieguan"}),
    "status": ("状态", STATUS_LABELS, {v: k for k, v in STATUS_LABELS.items()}),
}
MAX_ROWS = 20_000
MAX_BYTES = 5 * 1024 * 1024


def read_csv(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # spreadsheets saved as CSV on Chinese Windows
        except UnicodeDecodeError:
            raise Invalid("无法识别文件编码，请保存为 UTF-8 CSV", code="bad_encoding") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c, f in COLUMNS.items() if f in REQUIRED and c not in headers]
    if missing:
        raise Invalid(f"缺少必需的列：{'、'.join(missing)}", code="missing_columns",
                      details={"columns": list(COLUMNS)})
    return [dict(r) for r in reader]


def _date(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text.replace("/", "-").strip())
    except ValueError:
        raise ValueError(f"{what}应为 YYYY-MM-DD 日期：{text}") from None


def _codes(r: dict[str, str], data: dict[str, Any]) -> None:
    for key, (label, allowed, lookup) in CODES.items():
        v = r.get(key)
        if v:
            code = lookup.get(v, v)
            if code not in allowed:
                raise ValueError(f"无法识别的{label}：{v}")
            data[key] = code
    data.setdefault("force", "xieguan" if data["kind"] == "auxiliary" else "chengguan")
    data.setdefault("status", "in_post")
    if data["kind"] == "auxiliary" and data["force"] in ("chengguan", "police"):
        raise ValueError("协管员的队伍应为 协管 或 辅警")
    if data["kind"] != "auxiliary" and data["force"] in wf.NON_ENFORCEMENT_FORCES:
        raise ValueError("在编人员的队伍不能是协管或辅警")


def _optional(session: Session, r: dict[str, str], data: dict[str, Any], by_dept: dict[str, int]) -> None:
    from chengguan.accounts.models import User

    if r.get("gender"):
        if r["gender"] not in ("男", "女"):
            raise ValueError(f"性别应为 男 或 女：{r['gender']}")
        data["gender"] = r["gender"]
    if r.get("department"):
        if r["department"] not in by_dept:
            raise ValueError(f"单位不存在：{r['department']}")
        data["department_id"] = by_dept[r["department"]]
    if r.get("street_code"):
        if not (r["street_code"].isdigit() and len(r["street_code"]) == 9):
            raise ValueError(f"街道代码应为 9 位数字：{r['street_code']}")
        data["street_code"] = r["street_code"]
    if r.get("phone"):
        data["phone"] = r["phone"][:32]
    if r.get("joined_on"):
        data["joined_on"] = _date(r["joined_on"], "入职日期")
    if r.get("username"):
        user_id = session.scalar(select(User.id).where(User.username == r["username"]))
        if user_id is None:
            raise ValueError(f"账号不存在：{r['username']}")
        data["user_id"] = user_id


def _cert(r: dict[str, str], data: dict[str, Any]) -> dict[str, Any] | None:
    if not r.get("cert_number"):
        return None
    if data["kind"] == "auxiliary":
        raise ValueError("协管/辅助人员不能登记行政执法证")
    if not (r.get("cert_valid_from") and r.get("cert_valid_to") and r.get("cert_issuing_body")):
        raise ValueError("登记执法证须同时填写发证机关、有效期自、有效期至")
    cert: dict[str, Any] = {"number": r["cert_number"][:32], "issuing_body": r["cert_issuing_body"][:100],
            "scope": (r.get("cert_scope") or "城市管理综合行政执法")[:200],
            "valid_from": _date(r["cert_valid_from"], "有效期自"), "valid_to": _date(r["cert_valid_to"], "有效期至")}
    if cert["valid_to"] < cert["valid_from"]:
        raise ValueError("有效期至不能早于有效期自")
    return cert


def parse_row(session: Session, raw: dict[str, str], by_dept: dict[str, int]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    r = {COLUMNS.get(k.strip(), k.strip()): (v or "").strip() for k, v in raw.items() if k}
    for key, label in REQUIRED.items():
        if not r.get(key):
            raise ValueError(f"缺少{label}")
    data: dict[str, Any] = {"employee_no": r["employee_no"][:32], "name": r["name"][:64], "post": r["post"][:32],
                            "kind": r["kind"]}
    _codes(r, data)
    _optional(session, r, data, by_dept)
    return data, _cert(r, data)


Parsed = list[tuple[int, dict[str, Any], dict[str, Any] | None]]


def _parse_all(session: Session, rows: list[dict[str, str]], may_manage: Callable[[str], bool] | None
               ) -> tuple[Parsed, list[dict[str, Any]]]:
    from chengguan.org.models import Department

    by_dept: dict[str, int] = {}
    for d in session.scalars(select(Department)):
        for k in (d.key, d.name, d.short_name):
            if k:
                by_dept.setdefault(k, d.id)
    errors: list[dict[str, Any]] = []
    parsed: Parsed = []
    seen_no: set[str] = set()
    seen_cert: set[str] = set()
    for line, raw in enumerate(rows, start=2):  # line 1 is the header
        try:
            data, cert = parse_row(session, raw, by_dept)
            if data["employee_no"] in seen_no:
                raise ValueError(f"工号重复：{data['employee_no']}")
            seen_no.add(data["employee_no"])
            if cert is not None:
                if cert["number"] in seen_cert:
                    raise ValueError(f"执法证号重复：{cert['number']}")
                seen_cert.add(cert["number"])
            region = data.get("street_code") or wf.department_region(session, data.get("department_id"))
            if may_manage is not None and not may_manage(region):
                raise ValueError("超出您的管辖区域")
            parsed.append((line, data, cert))
        except ValueError as exc:
            errors.append({"line": line, "message": str(exc)})
    return parsed, errors


def _conflicts(parsed: Parsed, existing: dict[str, Person], users: dict[int, str], certs: dict[str, int]
               ) -> list[dict[str, Any]]:
    errors = []
    for line, data, cert in parsed:
        uid = data.get("user_id")
        if uid is not None and users.get(uid) not in (None, data["employee_no"]):
            errors.append({"line": line, "message": f"账号已关联其他人员档案（工号 {users[uid]}）"})
        if cert is not None and cert["number"] in certs:
            owner = existing.get(data["employee_no"])
            if owner is None or certs[cert["number"]] != owner.id:
                errors.append({"line": line, "message": f"执法证号已登记给其他人员：{cert['number']}"})
    return errors


def import_people(session: Session, rows: list[dict[str, str]], *, actor_id: int | None = None,
                  dry_run: bool = False, may_manage: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Create or update personnel records (by 工号) and register new certificates. ``may_manage(region)``
    restricts rows to the caller's region. ``dry_run`` validates and counts without writing."""
    if not rows:
        raise Invalid("导入文件没有数据行", code="empty_import")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"一次最多导入 {MAX_ROWS:,} 行", code="too_many_rows")
    parsed, errors = _parse_all(session, rows, may_manage)
    numbers = [d["employee_no"] for _, d, _ in parsed]
    cert_numbers = [c["number"] for _, _, c in parsed if c is not None]
    existing = {p.employee_no: p for p in session.scalars(select(Person).where(Person.employee_no.in_(numbers)))}
    users = {p.user_id: p.employee_no for p in session.scalars(select(Person).where(Person.user_id.is_not(None)))
             if p.user_id is not None}
    certs = {c.number: c.person_id for c in session.scalars(select(Certificate).where(Certificate.number.in_(cert_numbers)))}
    errors += _conflicts(parsed, existing, users, certs)
    if errors:
        errors.sort(key=lambda e: e["line"])
        raise Invalid(f"导入失败：{len(errors)} 行有错误，未导入任何数据（第 {errors[0]['line']} 行：{errors[0]['message']}）",
                      code="import_errors", details=errors[:500])
    new_certs = [c for _, _, c in parsed if c is not None and c["number"] not in certs]
    out = {"rows": len(parsed), "created": sum(1 for n in numbers if n not in existing), "dry_run": dry_run,
           "certificates": len(new_certs)}
    out["updated"] = len(parsed) - out["created"]
    if not dry_run:
        _apply(session, parsed, existing, certs, actor_id)
    return out


def _apply(session: Session, parsed: Parsed, existing: dict[str, Person], certs: dict[str, int],
           actor_id: int | None) -> None:
    for _, data, cert in parsed:
        person = existing.get(data["employee_no"])
        if person is None:
            if data.get("street_code") is None and data.get("department_id") is not None:
                data["street_code"] = wf._dept_street(session, data["department_id"])
            person = Person(**data)
            session.add(person)
            session.flush()
            wf._event(session, person, "created", f"导入人员档案（{KIND_LABELS[person.kind]}，{person.post}）", actor_id)
        else:
            changed = sorted(k for k, v in data.items() if getattr(person, k) != v)
            for k in changed:
                setattr(person, k, data[k])
            if changed:
                wf._event(session, person, "updated", "导入更新：" + "、".join(changed), actor_id)
        if cert is not None and cert["number"] not in certs:
            session.add(Certificate(person_id=person.id, scopes=[], **cert))
            wf._event(session, person, "certificate", f"导入执法证 {cert['number']}（有效期至{wf._fmt_day(cert['valid_to'])}）",
                      actor_id)
    session.flush()
