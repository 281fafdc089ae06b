"""The enforcement procedure's calls into neighbouring domains, in one place:
workforce (certified officers), audit (执法全过程记录), parties (credit records, masking),
powers (权责清单 and discretion)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chengguan.workforce import service as workforce

try:  # TEMPORARY until the powers branch (audit, parties, powers) is merged
    from chengguan.audit import service as audit
    from chengguan.parties import masking
    from chengguan.parties import service as parties
except ImportError:  # pragma: no cover
    audit = parties = masking = None  # type: ignore[assignment]


def require_certified(session: Session, user_id: int | None, at: datetime, scope: str | None = None) -> None:
    """403 (Chinese message) unless ``user_id`` is a certified officer whose certificate is valid at ``at``."""
    workforce.require_certified_officer(session, user_id, at=at, scope=None)  # any field (scope not modelled per case)


def is_certified(session: Session, user_id: int | None, at: datetime) -> bool:
    return bool(workforce.is_certified(session, user_id, at=at))


def audit_record(session: Session, *, subject: str, action: str, actor_id: int | None, at: datetime,
                 location: dict[str, Any] | None, device_id: str | None, payload: dict[str, Any],
                 media: list[dict[str, Any]]) -> int:
    if audit is None:
        return 0
    entry = audit.record(session, subject=subject, action=action[:48], actor_id=actor_id, at=at,
                         location=location, device_id=device_id, payload=payload, media=media)
    return int(entry.id)


def find_or_create_party(session: Session, *, kind: str, name: str, id_no: str | None,
                         address: str | None, phone: str | None, legal_rep: str | None) -> int | None:
    """The parties row for this identity (None when no identity number is known)."""
    if not id_no or parties is None:
        return None
    extra = {"address": address, "phone": phone}
    if kind == "org":
        party = parties.find_or_create(session, kind="org", name=name, uscc=id_no, legal_rep=legal_rep, **extra)
    else:
        party = parties.find_or_create(session, kind="person", name=name, id_type="身份证", id_number=id_no, **extra)
    return int(party.id)


def credit_summary(session: Session, party_id: int | None) -> dict[str, Any] | None:
    if party_id is None or parties is None:
        return None
    return parties.summary(session, party_id)


def record_penalty(session: Session, **kw: Any) -> int:
    return int(parties.record_penalty(session, **kw).id)


def record_education(session: Session, **kw: Any) -> int:
    return int(parties.record_education(session, **kw).id)


def revoke_credit(session: Session, record_id: int, reason: str, at: datetime) -> None:
    parties.revoke(session, record_id, reason=reason, at=at)


def violations_within(session: Session, party_id: int, power_code: str | None, since: date) -> int:
    return parties.violations_within(session, party_id, power_code, since)


def choose_discretion(session: Session, power_code: str, facts: dict[str, Any], at: datetime) -> dict[str, Any]:
    """The discretion standard's outcome for these facts, as a plain dict (tier, fine range, standard id and
    version, no_penalty, reasons)."""
    try:
        from chengguan.powers import service as powers
    except ImportError:
        return {}

    out = powers.choose_discretion(session, power_code, facts=facts, at=at)
    d = out if isinstance(out, dict) else {k: getattr(out, k) for k in dir(out)
                                            if not k.startswith("_") and not callable(getattr(out, k))}
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in d.items()}


def mask_name(v: str | None) -> str:
    return masking.mask_name(v) if masking else (v or "")[:1] + "*"


def mask_id_number(v: str | None) -> str:
    return masking.mask_id_number(v) if masking else ("*" * len(v or ""))


def mask_address(v: str | None) -> str:
    return masking.mask_address(v) if masking else ""
