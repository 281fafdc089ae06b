"""The enforcement case state machine.

``act()`` is the only code that assigns ``EnforcementCase.status`` (tests/test_enforcement_structure.py checks
the source tree). Every act — with or without a status change — appends an ``enf_events`` row AND an entry in
the hash-chained audit log (执法全过程记录: who, when, where, device, media hashes), and refreshes the case's
nearest deadline for the work lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.core import clock
from chengguan.core.errors import Conflict
from chengguan.enforcement import links
from chengguan.enforcement.models import EnforcementCase, EnforcementEvent, EnforcementTimer

STATUS_LABELS = {
    "lead": "线索待立案", "registered": "已立案·调查取证", "investigated": "调查终结·待审批",
    "notified": "已告知·待陈述申辩", "hearing": "听证程序", "decided": "已决定·待送达", "served": "已送达·履行期",
    "enforcing": "催告/强制执行", "transferred": "已移送", "closed": "已结案", "archived": "已归档",
    "not_registered": "不予立案", "revoked": "决定已撤销",
}

# The allowed status moves; an act whose (from, to) is not here is refused with 409.
ALLOWED: dict[str, frozenset[str]] = {
    "lead": frozenset({"registered", "not_registered", "transferred"}),
    "registered": frozenset({"investigated", "transferred"}),
    "investigated": frozenset({"notified", "decided", "transferred", "registered"}),
    "notified": frozenset({"hearing", "decided", "registered", "notified"}),
    "hearing": frozenset({"notified", "decided"}),
    "decided": frozenset({"served", "revoked", "closed"}),
    "served": frozenset({"enforcing", "closed", "revoked"}),
    "enforcing": frozenset({"closed", "revoked"}),
    "transferred": frozenset({"registered", "closed"}),
    "closed": frozenset({"archived", "revoked"}),
    "archived": frozenset({"revoked"}),
    "not_registered": frozenset(),
    "revoked": frozenset(),
}
TERMINAL = frozenset({"archived", "not_registered", "revoked"})


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    name: str | None

    @classmethod
    def of(cls, p: Principal | None) -> Actor:
        return cls(None, "系统") if p is None else cls(p.user_id, p.display_name)


SYSTEM = Actor(None, "系统")


def _location(ec: EnforcementCase, where: dict[str, Any] | None) -> dict[str, Any] | None:
    if where:
        return {k: where[k] for k in ("lon", "lat", "address") if where.get(k) is not None} or None
    if ec.lon is not None and ec.lat is not None:
        return {"lon": ec.lon, "lat": ec.lat, "address": ec.address}
    return None


def act(
    session: Session,
    ec: EnforcementCase,
    *,
    action: str,
    actor: Actor,
    to: str | None = None,
    opinion: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
    where: dict[str, Any] | None = None,
    device_id: str | None = None,
    media: list[dict[str, Any]] | None = None,
) -> EnforcementEvent:
    """Record one act on ``ec`` (moving it to ``to`` if given) — event row + audit entry. The caller has
    locked the case (``lock``) and checked every guard."""
    frm = ec.status
    if to is not None and to != frm and (frm not in ALLOWED or to not in ALLOWED[frm]):
        raise Conflict(f"案件当前状态为“{STATUS_LABELS.get(frm, frm)}”，不能执行该操作", code="illegal_transition",
                       details={"status": frm, "action": action, "to": to})
    if frm in TERMINAL and action not in ("file_review", "revoke", "withdraw_disclosure", "publish"):
        raise Conflict(f"案件{STATUS_LABELS.get(frm, frm)}，不能再办理", code="case_terminal")
    if to is not None and to != frm:
        ec.status = to
    return _record(session, ec, action=action, actor=actor, frm=frm, to=to or frm, opinion=opinion, data=data,
                   at=at, where=where, device_id=device_id, media=media)


def open_case(session: Session, ec: EnforcementCase, *, status: str, actor: Actor, data: dict[str, Any] | None = None,
              at: datetime | None = None, where: dict[str, Any] | None = None, device_id: str | None = None,
              media: list[dict[str, Any]] | None = None) -> EnforcementEvent:
    """The first event of a case (线索登记, or a 当场处罚 decided on the spot): sets its initial status."""
    if ec.id is not None or status not in ("lead", "decided"):
        raise Conflict("案件已存在或初始状态无效", code="illegal_transition")
    ec.status = status
    ec.last_seq = 0
    session.add(ec)
    session.flush()
    return _record(session, ec, action="create", actor=actor, frm=None, to=status, opinion=None, data=data, at=at,
                   where=where, device_id=device_id, media=media)


def _record(session: Session, ec: EnforcementCase, *, action: str, actor: Actor, frm: str | None, to: str,
            opinion: str | None, data: dict[str, Any] | None, at: datetime | None, where: dict[str, Any] | None,
            device_id: str | None, media: list[dict[str, Any]] | None) -> EnforcementEvent:
    at = at or clock.now()
    ec.last_seq = (ec.last_seq or 0) + 1
    loc = _location(ec, where)
    place = None
    if loc:
        place = loc.get("address") or (f"{loc['lon']:.6f},{loc['lat']:.6f}" if "lon" in loc else None)
    ev = EnforcementEvent(case_id=ec.id, seq=ec.last_seq, at=at, action=action, actor_id=actor.user_id,
                          actor_name=actor.name, from_status=frm, to_status=to, opinion=opinion,
                          location=(place or "")[:128] or None, device_id=device_id, data=dict(data or {}))
    session.add(ev)
    session.flush()
    links.audit_record(
        session, subject=f"enf_case:{ec.id}", action=f"enforcement.{action}", actor_id=actor.user_id, at=at,
        location=loc, device_id=device_id,
        payload={"case_no": ec.case_no, "seq": ev.seq, "from": frm, "to": to, "opinion": opinion,
                 "data": ev.data, "actor_name": actor.name},
        media=list(media or []),
    )
    refresh_due(session, ec)
    return ev


def refresh_due(session: Session, ec: EnforcementCase) -> None:
    """The case's nearest open deadline (for work lists and sorting)."""
    row = session.execute(
        select(EnforcementTimer.due_at, EnforcementTimer.label)
        .where(EnforcementTimer.case_id == ec.id, EnforcementTimer.done_at.is_(None))
        .order_by(EnforcementTimer.due_at).limit(1)).first()
    ec.next_due_at, ec.next_due_label = (row[0], row[1]) if row else (None, None)
    session.flush()


def start_timer(session: Session, ec: EnforcementCase, kind: str, label: str, started: datetime, due: datetime,
                ref_id: int | None = None) -> EnforcementTimer:
    t = EnforcementTimer(case_id=ec.id, kind=kind, label=label, started_at=started, due_at=due, ref_id=ref_id)
    session.add(t)
    session.flush()
    return t


def stop_timers(session: Session, ec: EnforcementCase, kinds: tuple[str, ...], at: datetime,
                ref_id: int | None = None) -> list[EnforcementTimer]:
    stmt = select(EnforcementTimer).where(EnforcementTimer.case_id == ec.id, EnforcementTimer.kind.in_(kinds),
                                          EnforcementTimer.done_at.is_(None))
    if ref_id is not None:
        stmt = stmt.where(EnforcementTimer.ref_id == ref_id)
    rows = list(session.scalars(stmt))
    for t in rows:
        t.done_at = at
    session.flush()
    return rows


def open_timer(session: Session, ec: EnforcementCase, kind: str, ref_id: int | None = None) -> EnforcementTimer | None:
    stmt = select(EnforcementTimer).where(EnforcementTimer.case_id == ec.id, EnforcementTimer.kind == kind,
                                          EnforcementTimer.done_at.is_(None))
    if ref_id is not None:
        stmt = stmt.where(EnforcementTimer.ref_id == ref_id)
    return session.scalars(stmt.order_by(EnforcementTimer.id.desc()).limit(1)).first()


def lock(session: Session, case_id: int) -> EnforcementCase | None:
    return session.scalars(select(EnforcementCase).where(EnforcementCase.id == case_id).with_for_update()).first()


def event_count(session: Session, case_id: int) -> int:
    return int(session.scalar(select(func.count()).select_from(EnforcementEvent)
                              .where(EnforcementEvent.case_id == case_id)) or 0)
