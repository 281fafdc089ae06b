"""The enforcement procedure's calls into neighbouring domains, in one place:
workforce (certified officers), audit (执法全过程记录), parties (credit records, masking),
powers (权责清单 and discretion)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from chengguan.audit import service as audit
from chengguan.core import clock
from chengguan.parties import masking
from chengguan.parties import service as parties
from chengguan.workforce import service as workforce


def require_certified(session: Session, user_id: int | None, at: datetime, scope: str | None = None) -> None:
    """403 (Chinese message) unless ``user_id`` is a certified officer whose certificate is valid at ``at``."""
    workforce.require_certified_officer(session, user_id, at=at, scope=None)  # any field (scope not modelled per case)


def is_certified(session: Session, user_id: int | None, at: datetime) -> bool:
    return bool(workforce.is_certified(session, user_id, at=at))


def audit_record(session: Session, *, subject: str, action: str, actor_id: int | None, at: datetime,
                 location: dict[str, Any] | None, device_id: str | None, payload: dict[str, Any],
                 media: list[dict[str, Any]]) -> int:
    entry = audit.record(session, subject=subject, action=action[:48], actor_id=actor_id, at=at,
                         location=location, device_id=device_id, payload=payload, media=media)
    return int(entry.id)


def register_media(session: Session, device_id: str | None, file_id: int | None, recorded_at: datetime, *,
                   required: bool) -> bool:
    """Register an evidence file with the workforce equipment media register, so the body-camera record and the
    case evidence are the same stored file (same SHA-256). ``required``: a device id that is not in the equipment
    register is refused (404 ``unknown_device``); otherwise (fixed monitoring cameras, phones) it is only noted
    on the event. Returns whether the file was registered."""
    if not device_id or file_id is None:
        return False
    if workforce.equipment_by_device(session, device_id) is None:
        if required:
            from chengguan.core.errors import NotFound

            raise NotFound(f"设备号 {device_id} 未在装备台账登记，不能作为执法记录设备", code="unknown_device")
        return False
    workforce.register_media(session, device_id, file_id, recorded_at)
    return True


def find_or_create_party(session: Session, *, kind: str, name: str, id_no: str | None,
                         address: str | None, phone: str | None, legal_rep: str | None) -> int | None:
    """The parties row for this identity (None when no identity number is known)."""
    if not id_no:
        return None
    extra = {"address": address, "phone": phone}
    if kind == "org":
        party = parties.find_or_create(session, kind="org", name=name, uscc=id_no, legal_rep=legal_rep, **extra)
    else:
        party = parties.find_or_create(session, kind="person", name=name, id_type="身份证", id_number=id_no, **extra)
    return int(party.id)


def credit_summary(session: Session, party_id: int | None) -> dict[str, Any] | None:
    if party_id is None:
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
    """The discretion standard's outcome for these facts (tier, fine range, standard id and version, no_penalty,
    reasons) as a plain dict, stored on the case and stamped on the decision."""
    from chengguan.powers.discretion import DiscretionFacts
    from chengguan.powers.service import choose_discretion as choose

    known = set(DiscretionFacts.__dataclass_fields__)
    unknown = set(facts) - known
    if unknown:
        from chengguan.core.errors import Invalid

        raise Invalid(f"未知的裁量情节字段：{sorted(unknown)}", code="bad_discretion_facts", details=sorted(known))
    kw: dict[str, Any] = {k: (frozenset(v) if k in ("flags", "aggravating", "mitigating") else v)
                          for k, v in facts.items()}
    out = choose(session, power_code, facts=DiscretionFacts(**kw), at=clock.local(at).date())
    return {k: (str(v) if isinstance(v, Decimal) else v) for k, v in out.as_dict().items()}


mask_name = masking.mask_name
mask_id_number = masking.mask_id_number
mask_address = masking.mask_address
