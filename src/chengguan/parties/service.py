"""Parties and their credit records. Services flush, never commit.

Interface used by the enforcement case procedure (keep stable):
    find_or_create(session, kind=…, name=…, id_type=…, id_number=… | uscc=…) -> Party
    record_penalty(session, party_id=…, power_code=…, subject=…, decision_no=…, decided_on=…, fine=…) -> CreditRecord
    record_education(session, party_id=…, power_code=…, subject=…, decided_on=…, content=…) -> CreditRecord
    revoke(session, record_id, reason=…, at=None) -> CreditRecord
    history(session, party_id) -> list[CreditRecord]           (newest first, revoked ones included)
    violations_within(session, party_id, power_code | None, since) -> int   (revoked ones excluded)
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, exists, func, or_, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.geo import codes
from chengguan.parties.models import CREDIT_KINDS, ID_TYPES, PARTY_KINDS, SEVERITIES, CreditRecord, Party

# Records that count as a violation committed (for 3-in-a-year and 首违 checks).
VIOLATION_KINDS = ("penalty", "education", "warning")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def resident_id_check_char(first17: str) -> str:
    """GB 11643-1999 check character of an 18-digit 居民身份证号码."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_resident_id(value: str) -> str:
    """Normalise and validate an 18-digit resident ID (check digit, date of birth). Raises ValueError."""
    v = value.strip().upper()
    if not _ID_RE.match(v):
        raise ValueError(f"居民身份证号码应为18位（前17位数字，末位数字或X）：{value!r}")
    try:
        date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        raise ValueError(f"居民身份证号码中的出生日期无效：{value!r}") from None
    expected = resident_id_check_char(v[:17])
    if v[17] != expected:
        raise ValueError(f"居民身份证号码校验位错误：第18位应为{expected!r}，实为{v[17]!r}") from None
    return v


def validate_uscc(value: str) -> str:
    """Normalise and validate a 统一社会信用代码 (GB 32100-2015 check character). Raises ValueError."""
    return codes.parse_uscc(value).code


def _identity(kind: str, id_type: str | None, id_number: str | None, uscc: str | None) -> dict[str, Any]:
    if kind not in PARTY_KINDS:
        raise Invalid(f"当事人类型应为 person（自然人）或 org（单位）：{kind!r}", code="bad_party_kind")
    if kind == "org":
        if not uscc:
            raise Invalid("单位当事人须提供统一社会信用代码", code="uscc_required")
        try:
            return {"uscc": validate_uscc(uscc), "id_type": None, "id_number": None}
        except ValueError as exc:
            raise Invalid(str(exc), code="bad_uscc") from exc
    id_type = id_type or "身份证"
    if id_type not in ID_TYPES:
        raise Invalid(f"证件类型无效：{id_type!r}", code="bad_id_type", details={"allowed": list(ID_TYPES)})
    if not id_number or not id_number.strip():
        raise Invalid("自然人当事人须提供证件号码", code="id_number_required")
    number = id_number.strip().upper()
    if id_type == "身份证":
        try:
            number = validate_resident_id(number)
        except ValueError as exc:
            raise Invalid(str(exc), code="bad_id_number") from exc
    return {"id_type": id_type, "id_number": number, "uscc": None}


def find(session: Session, *, kind: str, id_type: str | None = None, id_number: str | None = None,
         uscc: str | None = None) -> Party | None:
    ident = _identity(kind, id_type, id_number, uscc)
    if kind == "org":
        return session.scalar(select(Party).where(Party.uscc == ident["uscc"]))
    return session.scalar(select(Party).where(Party.id_type == ident["id_type"], Party.id_number == ident["id_number"]))


def find_or_create(session: Session, *, kind: str, name: str, id_type: str | None = None,
                   id_number: str | None = None, uscc: str | None = None, **extra: Any) -> Party:
    """The party with this identity (ID number or USCC); created if new. Other fields given update blanks
    only (an existing record is not overwritten silently)."""
    if not name or not name.strip():
        raise Invalid("当事人名称不能为空", code="name_required")
    ident = _identity(kind, id_type, id_number, uscc)
    party = find(session, kind=kind, id_type=id_type, id_number=id_number, uscc=uscc)
    allowed = {"legal_rep", "legal_rep_id_number", "gender", "birth_date", "address", "phone", "note"}
    unknown = set(extra) - allowed
    if unknown:
        raise Invalid(f"未知的当事人字段：{sorted(unknown)}", code="bad_field")
    if party is None:
        if kind == "person" and ident["id_type"] == "身份证" and "birth_date" not in extra:
            n = ident["id_number"]
            extra["birth_date"] = date(int(n[6:10]), int(n[10:12]), int(n[12:14]))
            extra.setdefault("gender", "男" if int(n[16]) % 2 else "女")
        party = Party(kind=kind, name=name.strip(), **ident, **extra)
        session.add(party)
        session.flush()
        return party
    for k, v in extra.items():
        if v is not None and getattr(party, k) in (None, ""):
            setattr(party, k, v)
    return party


OFFICIALS = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)


def scope(p: Principal) -> list[str] | None:
    """The caller's areas for party records (None: district-wide), from the official roles it holds."""
    regions = [r for role in OFFICIALS for r in p.regions(role)]
    if None in regions:
        return None
    return sorted({r for r in regions if r})


def visible_clause(p: Principal) -> ColumnElement[bool] | None:
    """Parties the caller may see, the way enforcement cases are scoped: a party belongs to the areas of its
    enforcement cases (and to the cases the caller handles or created), or to the area of the official who
    entered it by hand. None: no restriction (a district-wide official)."""
    from chengguan.enforcement.models import EnforcementCase as E

    areas = scope(p)
    if areas is None:
        return None
    in_case = or_(*[E.street_code.like(f"{r}%") for r in areas], E.lead_officer_id == p.user_id,
                  E.assist_officer_id == p.user_id, E.created_by == p.user_id)
    own = [Party.region_code.like(f"{r}%") for r in areas]
    return or_(*own, exists().where(E.party_ref_id == Party.id, in_case))


def get_visible(session: Session, p: Principal, party_id: int) -> Party:
    party = get(session, party_id)
    clause = visible_clause(p)
    if clause is not None and session.scalar(select(Party.id).where(Party.id == party.id, clause)) is None:
        raise Forbidden("该当事人的记录不在您的管辖区域内", code="out_of_region")
    return party


def upsert_visible(session: Session, p: Principal, *, kind: str, name: str, id_type: str | None = None,
                   id_number: str | None = None, uscc: str | None = None, **extra: Any) -> Party:
    """``find_or_create`` for an official: an existing party must be visible to the caller (its record is
    not shown across areas); a new one belongs to the caller's area."""
    existing = find(session, kind=kind, id_type=id_type, id_number=id_number, uscc=uscc)
    if existing is not None:
        get_visible(session, p, existing.id)
    areas = scope(p)
    party = find_or_create(session, kind=kind, name=name, id_type=id_type, id_number=id_number, uscc=uscc, **extra)
    if existing is None and areas:
        party.region_code = areas[0]
    return party


def get(session: Session, party_id: int) -> Party:
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"当事人 {party_id} 不存在", code="party_not_found")
    return party


def search(session: Session, q: str | None, kind: str | None, page: int, page_size: int,
           p: Principal | None = None) -> tuple[list[Party], int]:
    stmt = select(Party)
    clause = visible_clause(p) if p is not None else None
    if clause is not None:
        stmt = stmt.where(clause)
    if kind:
        if kind not in PARTY_KINDS:
            raise Invalid(f"当事人类型应为 person 或 org：{kind!r}", code="bad_party_kind")
        stmt = stmt.where(Party.kind == kind)
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Party.name.like(like), Party.uscc == q.strip().upper(),
                              Party.id_number == q.strip().upper()))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = list(session.scalars(stmt.order_by(Party.id.desc()).limit(page_size).offset((page - 1) * page_size)))
    return rows, total


def _add(session: Session, *, party_id: int, kind: str, decided_on: date, **fields: Any) -> CreditRecord:
    get(session, party_id)
    if kind not in CREDIT_KINDS:
        raise Invalid(f"信用记录类型无效：{kind!r}", code="bad_credit_kind")
    sev = fields.get("severity")
    if sev is not None and sev not in SEVERITIES:
        raise Invalid(f"严重程度应为 {'/'.join(SEVERITIES)}：{sev!r}", code="bad_severity")
    fine = fields.get("fine")
    if fine is not None:
        fine = Decimal(str(fine))
        if fine < 0:
            raise Invalid("罚款金额不能为负", code="bad_fine")
        fields["fine"] = fine
    if not isinstance(decided_on, date) or isinstance(decided_on, datetime):
        raise Invalid("decided_on 应为日期", code="bad_date")
    rec = CreditRecord(party_id=party_id, kind=kind, decided_on=decided_on, created_at=clock.now(), **fields)
    session.add(rec)
    session.flush()
    return rec


def record_penalty(session: Session, *, party_id: int, power_code: str | None, decided_on: date,
                   subject: str | None = None, decision_no: str | None = None, fine: Decimal | int | str | None = None,
                   severity: str | None = None, content: str | None = None, violation_on: date | None = None,
                   disclosure_end: date | None = None, standard_ref: str | None = None,
                   actor_id: int | None = None, data: dict[str, Any] | None = None,
                   warning_only: bool = False) -> CreditRecord:
    """A penalty decided against the party (called by the case procedure when the decision is made)."""
    return _add(session, party_id=party_id, kind="warning" if warning_only else "penalty", decided_on=decided_on,
                power_code=power_code, subject=subject, decision_no=decision_no, fine=fine, severity=severity,
                content=content, violation_on=violation_on, disclosure_end=disclosure_end,
                standard_ref=standard_ref, created_by=actor_id, data=data or {})


def record_education(session: Session, *, party_id: int, power_code: str | None, decided_on: date,
                     content: str, subject: str | None = None, decision_no: str | None = None,
                     violation_on: date | None = None, standard_ref: str | None = None,
                     actor_id: int | None = None, data: dict[str, Any] | None = None) -> CreditRecord:
    """No penalty ([APL] art 33: 首违不罚 / minor, corrected, no harm) — the education given is recorded
    (art 33 para 3) and the violation still counts for later repetition checks."""
    if not content or not content.strip():
        raise Invalid("不予处罚须记录教育内容（行政处罚法第三十三条第三款）", code="education_required")
    return _add(session, party_id=party_id, kind="education", decided_on=decided_on, power_code=power_code,
                subject=subject, decision_no=decision_no, content=content.strip(), violation_on=violation_on,
                standard_ref=standard_ref, created_by=actor_id, data=data or {})


def record(session: Session, record_id: int) -> CreditRecord:
    rec = session.get(CreditRecord, record_id)
    if rec is None:
        raise NotFound(f"信用记录 {record_id} 不存在", code="credit_record_not_found")
    return rec


def revoke(session: Session, record_id: int, *, reason: str, at: datetime | None = None) -> CreditRecord:
    rec = session.get(CreditRecord, record_id)
    if rec is None:
        raise NotFound(f"信用记录 {record_id} 不存在", code="credit_record_not_found")
    if rec.revoked_at is not None:
        raise Conflict("该记录已撤销", code="already_revoked")
    if not reason or not reason.strip():
        raise Invalid("撤销须说明理由", code="reason_required")
    rec.revoked_at = at or clock.now()
    rec.revoke_reason = reason.strip()[:255]
    session.flush()
    return rec


def history(session: Session, party_id: int) -> list[CreditRecord]:
    get(session, party_id)
    return list(session.scalars(select(CreditRecord).where(CreditRecord.party_id == party_id)
                                .order_by(CreditRecord.decided_on.desc(), CreditRecord.id.desc())))


def violations_within(session: Session, party_id: int, power_code: str | None, since: date,
                      until: date | None = None) -> int:
    """Violations (penalty, warning or education records, not revoked) decided on or after ``since``
    (and on or before ``until`` if given), for one power or all (``power_code=None``)."""
    stmt = select(func.count()).select_from(CreditRecord).where(
        CreditRecord.party_id == party_id, CreditRecord.kind.in_(VIOLATION_KINDS),
        CreditRecord.revoked_at.is_(None), CreditRecord.decided_on >= since)
    if until is not None:
        stmt = stmt.where(CreditRecord.decided_on <= until)
    if power_code is not None:
        stmt = stmt.where(CreditRecord.power_code == power_code)
    return int(session.scalar(stmt) or 0)


def summary(session: Session, party_id: int, *, today: date | None = None) -> dict[str, Any]:
    """What an officer sees when a new case involves this party: counts and the latest records."""
    today = today or clock.local(clock.now()).date()
    recs = history(session, party_id)
    live = [r for r in recs if r.revoked_at is None]
    year_ago = today - timedelta(days=365)
    return {
        "total": len(live),
        "penalties": sum(1 for r in live if r.kind in ("penalty", "warning")),
        "educations": sum(1 for r in live if r.kind == "education"),
        "last_year": sum(1 for r in live if r.decided_on >= year_ago),
        "fines_total": str(sum((r.fine or Decimal(0) for r in live), Decimal(0))),
        "latest": [record_view(r) for r in recs[:10]],
    }


def record_view(r: CreditRecord) -> dict[str, Any]:
    return {
        "id": r.id, "kind": r.kind, "power_code": r.power_code, "subject": r.subject, "decision_no": r.decision_no,
        "decided_on": r.decided_on.isoformat(), "violation_on": r.violation_on.isoformat() if r.violation_on else None,
        "fine": str(r.fine) if r.fine is not None else None, "severity": r.severity, "content": r.content,
        "standard_ref": r.standard_ref, "revoked": r.revoked_at is not None, "revoke_reason": r.revoke_reason,
        "disclosure_end": r.disclosure_end.isoformat() if r.disclosure_end else None,
    }
