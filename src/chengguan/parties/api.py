"""当事人 and credit records for officials (officer, legal reviewer, leader, admin; auxiliaries (协管) see
nothing). Like enforcement cases, reads and writes are limited to the caller's area: a party belongs to the
areas of its enforcement cases, or to the area of the official who entered it (``service.visible_clause``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from chengguan.accounts.roles import Role
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.parties import service
from chengguan.parties.masking import mask_id_number, mask_phone
from chengguan.parties.models import Party

Id = Annotated[int, Path(ge=1, le=2**53)]
OFFICIALS = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)
router = APIRouter(prefix="/api/v1/parties", tags=["enforcement"], dependencies=[require_roles(*OFFICIALS)])


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["person", "org"]
    name: str = Field(min_length=1, max_length=200)
    id_type: str | None = Field(None, max_length=16)
    id_number: str | None = Field(None, max_length=32)
    uscc: str | None = Field(None, max_length=18)
    legal_rep: str | None = Field(None, max_length=64)
    legal_rep_id_number: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=256)
    phone: str | None = Field(None, max_length=32)


class CreditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["penalty", "warning", "education"]
    power_code: str | None = Field(None, max_length=40)
    subject: str | None = Field(None, max_length=64)
    decision_no: str | None = Field(None, max_length=64)
    decided_on: date
    violation_on: date | None = None
    fine: Decimal | None = Field(None, ge=0, le=Decimal("100000000"))
    severity: Literal["轻微", "一般", "严重"] | None = None
    content: str | None = Field(None, max_length=2000)
    disclosure_end: date | None = None


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=255)


def view(p: Party, *, full: bool = True) -> dict[str, Any]:
    """Officials see identity numbers masked in lists; the full record only on the party's own page."""
    return {
        "id": p.id, "kind": p.kind, "name": p.name, "id_type": p.id_type,
        "id_number": p.id_number if full else mask_id_number(p.id_number), "uscc": p.uscc,
        "legal_rep": p.legal_rep, "address": p.address, "phone": p.phone if full else mask_phone(p.phone),
        "gender": p.gender, "birth_date": p.birth_date.isoformat() if p.birth_date else None,
    }


@router.get("", operation_id="parties_search")
def parties_search(session: DbSession, user: CurrentUser, q: Annotated[str | None, Query(max_length=50)] = None,
                   kind: Literal["person", "org"] | None = None, page: Annotated[int, Query(ge=1, le=10000)] = 1,
                   page_size: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Find a party by name (part), USCC or ID number."""
    rows, total = service.search(session, q, kind, page, page_size, user)
    return {"items": [view(p, full=False) for p in rows], "total": total, "page": page, "page_size": page_size}


@router.post("", status_code=201, operation_id="parties_upsert")
def parties_upsert(session: DbSession, user: CurrentUser, body: PartyIn) -> dict[str, Any]:
    """The party with this ID number / USCC (validated, check digit included), created if new; with its
    record summary, so the officer sees earlier violations when a new case involves the same party."""
    extra = body.model_dump(exclude={"kind", "name", "id_type", "id_number", "uscc"}, exclude_none=True)
    p = service.upsert_visible(session, user, kind=body.kind, name=body.name, id_type=body.id_type,
                               id_number=body.id_number, uscc=body.uscc, **extra)
    return {**view(p), "record": service.summary(session, p.id)}


@router.get("/{party_id}", operation_id="parties_get")
def parties_get(session: DbSession, user: CurrentUser, party_id: Id) -> dict[str, Any]:
    p = service.get_visible(session, user, party_id)
    return {**view(p), "record": service.summary(session, p.id),
            "history": [service.record_view(r) for r in service.history(session, p.id)]}


@router.post("/{party_id}/credit", status_code=201, operation_id="parties_add_credit",
             dependencies=[require_roles(Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)])
def parties_add_credit(session: DbSession, user: CurrentUser, party_id: Id, body: CreditIn) -> dict[str, Any]:
    """Enter a record by hand (e.g. decisions made before the system). Cases write theirs themselves."""
    service.get_visible(session, user, party_id)
    fields = body.model_dump(exclude={"kind"})
    if body.kind == "education":
        rec = service.record_education(session, party_id=party_id, actor_id=user.user_id,
                                       **{k: v for k, v in fields.items()
                                          if k in ("power_code", "subject", "decision_no", "decided_on", "violation_on")},
                                       content=body.content or "")
    else:
        rec = service.record_penalty(session, party_id=party_id, actor_id=user.user_id,
                                     warning_only=body.kind == "warning", **fields)
    return service.record_view(rec)


@router.post("/credit/{record_id}/revoke", operation_id="parties_revoke_credit",
             dependencies=[require_roles(Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)])
def parties_revoke_credit(session: DbSession, user: CurrentUser, record_id: Id, body: RevokeIn) -> dict[str, Any]:
    """The decision was revoked or changed: the record stays, marked revoked (no longer counts)."""
    service.get_visible(session, user, service.record(session, record_id).party_id)
    return service.record_view(service.revoke(session, record_id, reason=body.reason))
