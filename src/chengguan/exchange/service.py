"""数据交换 with the 12345 hotline, the upper-level 城市运行管理服务平台 and other platforms.

* **Inbound** (``POST /api/v1/exchange/{platform}/inbound``, HMAC-signed): ``case`` messages become cases
  (channel ``exchange``) keyed by (platform, 案件编号 AJBH) — a repeated case is an idempotent upsert, a
  repeated ``message_id`` is recognised and ignored; ``event`` messages (督办, 回访 results, remarks) are recorded
  on the linked case; ``attachment`` messages add files.
* **Outbound**: the ``exchange.outbound`` job reads ``case_events`` after its cursor and writes one outbox
  message per (partner, event) — a ``case`` message when a case first goes to a partner, ``event`` messages
  afterwards — for partners that take every case (``send_all``, the upper level) or the cases linked to them
  (12345 gets the progress of its own cases). The outbox delivers them as signed webhooks with retries;
  ``GET /api/v1/exchange/{platform}/feed?cursor=…`` serves the same messages for pulling.

Field names follow GB/T 47678.5 where it defines one (SXDM, SXMC, GLBJBSM, SZDYWGBSM, SFWZ, ZGBMDM, ZGBMMC,
SZJDDM, SZSQDM); the case envelope's other abbreviations are this platform's (docs/exchange.md).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Grant, Principal
from chengguan.accounts.roles import Role
from chengguan.cases import service as cases
from chengguan.cases import workflow
from chengguan.cases.models import Case, CaseEvent, CaseReporter
from chengguan.catalog import service as catalog
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from chengguan.core.security import same, sign
from chengguan.exchange.models import ExchangeLink, ExchangePartner, ExchangeReceipt
from chengguan.org.models import Department
from chengguan.outbox import service as outbox
from chengguan.outbox.models import OutboxMessage
from chengguan.outbox.senders import http_client
from chengguan.public.participation import cursor
from chengguan.system import settings as cfg
from chengguan.system.models import StoredFile

if TYPE_CHECKING:
    import httpx

G = "数据交换"
PLATFORM = cfg.define("exchange.platform_code", "CG-DEMO", "本平台在数据交换中的平台标识（LYPT）。", G)
MAX_SKEW = cfg.define("exchange.max_clock_skew_seconds", 300, "数据交换签名时间戳允许的最大偏差（秒）。", G)
KINDS = ("hotline", "upper", "lower", "department", "other")
CHANNEL = {"hotline": "hotline", "upper": "transfer", "lower": "transfer", "department": "transfer",
           "other": "exchange"}
# Events worth telling a partner (internal bookkeeping such as urge reminders to ourselves is not).
OUT_ACTIONS = ("report", "verify", "register", "reject", "void", "dispatch", "return", "approve-extension",
               "suspend", "approve-suspend", "resume", "feedback", "check", "close", "merge", "rate", "urge",
               "citizen-update")


# ---------------------------------------------------------------- partners


def create_partner(session: Session, *, code: str, name: str, kind: str, outbound_url: str | None,
                   send_all: bool) -> ExchangePartner:
    code = code.strip()
    if kind not in KINDS:
        raise Invalid(f"kind 应为 {' / '.join(KINDS)}")
    if session.scalar(select(ExchangePartner.id).where(ExchangePartner.code == code)) is not None:
        raise Conflict(f"平台标识 {code} 已存在", code="duplicate_partner")
    p = ExchangePartner(code=code, name=name.strip(), kind=kind, secret=secrets.token_urlsafe(32),
                        outbound_url=(outbound_url or "").strip() or None, send_all=send_all, is_active=True,
                        created_at=clock.now())
    session.add(p)
    session.flush()
    cursor(session, f"exchange:{p.id}")  # starts at the newest event: history is not replayed
    return p


def partner_by_code(session: Session, code: str) -> ExchangePartner:
    p = session.scalar(select(ExchangePartner).where(ExchangePartner.code == code))
    if p is None:
        raise NotFound(f"交换平台 {code} 不存在", code="unknown_partner")
    if not p.is_active:
        raise Forbidden(f"交换平台 {code} 已停用", code="partner_inactive")
    return p


# ---------------------------------------------------------------- signatures


def signature(secret: str, ts: str, message: bytes) -> str:
    return sign(ts.encode() + b"." + message, secret)


def signature_header(secret: str, message: bytes, ts: int | None = None) -> str:
    t = str(ts if ts is not None else int(clock.now().timestamp()))
    return f"t={t},v1={signature(secret, t, message)}"


def verify(session: Session, partner: ExchangePartner, header: str | None, message: bytes) -> None:
    """``X-Chengguan-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t." + message>``; stale stamps are refused."""
    parts = dict(p.split("=", 1) for p in (header or "").split(",") if "=" in p)
    t, v1 = parts.get("t", ""), parts.get("v1", "")
    if not t.isdigit() or not v1:
        raise Unauthorized("缺少数据交换签名", code="signature_missing")
    if abs(clock.now().timestamp() - int(t)) > int(cfg.value(session, MAX_SKEW.key)):
        raise Unauthorized("数据交换签名已过期（时间戳偏差过大）", code="signature_stale")
    if not same(signature(partner.secret, t, message), v1):
        raise Unauthorized("数据交换签名无效", code="signature_invalid")


# ---------------------------------------------------------------- outbound: records


def iso(dt: Any) -> str | None:
    return clock.local(dt).replace(microsecond=0).isoformat() if dt is not None else None


def _file_entries(session: Session, ids: list[int], platform: str) -> list[dict[str, Any]]:
    if not ids:
        return []
    return [{"WJID": f.id, "WJMC": f.filename or f"{f.id}", "WJLX": f.content_type, "SHA256": f.sha256,
             "DX": f.size, "URL": f"/api/v1/exchange/{platform}/files/{f.id}"}
            for f in session.scalars(select(StoredFile).where(StoredFile.id.in_(ids)))]


def case_record(session: Session, case: Case, partner: ExchangePartner) -> dict[str, Any]:
    cat_name = catalog.category_name(session, case.kind, case.category_code)
    link = session.scalar(select(ExchangeLink).where(ExchangeLink.partner_id == partner.id,
                                                     ExchangeLink.case_id == case.id))
    depts = [a.department_id for a in case.assignments if a.state != "cancelled"]
    dept = session.get(Department, depts[0]) if depts else None
    files = [a.file_id for a, _f in cases.attachments_of(session, case) if a.stage in ("report",)]
    rec = {
        "AJBH": link.external_no if link else case.case_no, "BPTAJBH": case.case_no,
        "LYPT": str(cfg.value(session, PLATFORM.key)), "XZQHDM": case.district_code,
        "AJLX": "BJ" if case.kind == "component" else "SJ", "LBDM": case.category_code, "LBMC": cat_name,
        "DLDM": case.major_code, "LADTJ": case.condition_number, "JJCD": case.urgency,
        "WTMS": case.description, "SFWZ": case.address, "JD": case.lon, "WD": case.lat,
        "SZDYWGBSM": case.grid_code, "SZSQDM": case.community_code, "SZJDDM": case.street_code,
        "SBSJ": iso(case.reported_at), "AJZT": case.status, "JASJ": iso(case.closed_at),
        "CLSX": iso(case.dispose_due_at), "ZGBMMC": dept.name if dept else None,
        "FJ": _file_entries(session, files, partner.code),
    }
    if case.kind == "component":
        rec["GLBJBSM"] = case.component_code
    else:
        rec["SXDM"], rec["SXMC"] = case.category_code, cat_name
    return rec


def event_record(session: Session, ev: CaseEvent, case: Case, partner: ExchangePartner) -> dict[str, Any]:
    link = session.scalar(select(ExchangeLink).where(ExchangeLink.partner_id == partner.id,
                                                     ExchangeLink.case_id == case.id))
    dept = session.get(Department, ev.department_id) if ev.department_id else None
    return {"AJBH": link.external_no if link else case.case_no, "BPTAJBH": case.case_no, "LSH": ev.id,
            "HJ": ev.action, "QZT": ev.from_status, "ZT": ev.to_status, "CLYJ": ev.opinion,
            "CZSJ": iso(ev.at), "CZR": ev.actor_name, "CZDW": dept.name if dept else None,
            "CLSX": iso(case.step_due_at), "SJ": {k: v for k, v in (ev.data or {}).items()
                                                  if k in ("passed", "rating", "department_names", "into_case_no")},
            "FJ": _file_entries(session, [int(x) for x in ev.attachments or []], partner.code)}


def _message(session: Session, partner: ExchangePartner, kind: str, key: str, data: dict[str, Any]) -> None:
    platform = str(cfg.value(session, PLATFORM.key))
    outbox.enqueue(session, topic=f"exchange.{kind}", channel="exchange", recipient=f"partner:{partner.id}",
                   payload={"message_id": f"{platform}-{key}", "type": kind, "platform": platform,
                            "sent_at": iso(clock.now()), "data": data},
                   dedup_key=f"exchange:{partner.id}:{key}", max_attempts=12)


def outbound(session: Session, batch: int = 500) -> int:
    """Queue the new case events for every active partner that should get them (see module docstring)."""
    n = 0
    for partner in session.scalars(select(ExchangePartner).where(ExchangePartner.is_active.is_(True))):
        cur = cursor(session, f"exchange:{partner.id}")
        rows = session.execute(select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id).where(
            CaseEvent.id > cur.last_event_id, CaseEvent.action.in_(OUT_ACTIONS)).order_by(CaseEvent.id)
            .limit(batch)).all()
        for ev, case in rows:
            cur.last_event_id = ev.id
            if (ev.data or {}).get("platform") == partner.code or (
                    ev.action == "report" and (case.source or {}).get("platform") == partner.code):
                continue  # it came from this partner: no echo
            link = session.scalar(select(ExchangeLink).where(ExchangeLink.partner_id == partner.id,
                                                             ExchangeLink.case_id == case.id))
            if link is None:
                if not partner.send_all:
                    continue
                now = clock.now()
                link = ExchangeLink(partner_id=partner.id, external_no=case.case_no, case_id=case.id, direction="out",
                                    created_at=now, updated_at=now)
                session.add(link)
                session.flush()
                _message(session, partner, "case", f"case-{case.id}", case_record(session, case, partner))
                n += 1
                if ev.action == "report":
                    continue
            _message(session, partner, "event", f"event-{ev.id}", event_record(session, ev, case, partner))
            n += 1
        cur.updated_at = clock.now()
    session.flush()
    return n


class ExchangeSender:
    """Delivers ``exchange`` outbox messages: a signed JSON POST to the partner's URL. A partner without a
    URL pulls (``/feed``), so its messages count as delivered."""

    def __init__(self, session: Session, client: httpx.Client | None = None) -> None:
        self.session = session
        self.client = client or http_client()

    def send(self, message: OutboxMessage) -> None:
        partner = self.session.get(ExchangePartner, int(message.recipient.split(":", 1)[1]))
        if partner is None or not partner.is_active:
            raise RuntimeError(f"exchange partner {message.recipient} is gone or inactive")
        if not partner.outbound_url:
            return
        body = json.dumps(message.payload, ensure_ascii=False, default=str).encode()
        resp = self.client.post(partner.outbound_url, content=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "X-Chengguan-Signature": signature_header(partner.secret, body),
            "X-Chengguan-Message": str(message.payload.get("message_id"))})
        if resp.status_code >= 300:
            raise RuntimeError(f"HTTP {resp.status_code} from {partner.code}")


def feed(session: Session, partner: ExchangePartner, after: int, limit: int) -> dict[str, Any]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == f"partner:{partner.id}",
                                                       OutboxMessage.channel == "exchange",
                                                       OutboxMessage.id > after)
                           .order_by(OutboxMessage.id).limit(limit)).all()
    items = [{"cursor": m.id, **m.payload} for m in rows]
    return {"items": items, "next_cursor": rows[-1].id if rows else after, "more": len(rows) == limit}


# ---------------------------------------------------------------- inbound


def _actor_principal(partner: ExchangePartner) -> Principal:
    # The intake needs a caller for the exchange channels; this one stands for the partner platform.
    return Principal(user_id=0, username=f"exchange:{partner.code}", display_name=partner.name, department_id=None,
                     grants=(Grant(Role.ADMIN, None, None),), via="exchange")


def _hash(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def receive(session: Session, partner: ExchangePartner, msg: dict[str, Any]) -> dict[str, Any]:
    mid = str(msg.get("message_id") or "").strip()
    kind = msg.get("type")
    data = msg.get("data")
    if not mid or len(mid) > 64 or kind not in ("case", "event", "attachment") or not isinstance(data, dict):
        raise Invalid("交换报文应含 message_id（≤64）、type（case/event/attachment）和 data 对象", code="bad_message")
    seen = session.scalar(select(ExchangeReceipt).where(ExchangeReceipt.partner_id == partner.id,
                                                        ExchangeReceipt.message_id == mid))
    if seen is not None:
        case = session.get(Case, seen.case_id) if seen.case_id else None
        return {"message_id": mid, "duplicate": True, "case_no": case.case_no if case else None}
    handler = {"case": _receive_case, "event": _receive_event, "attachment": _receive_attachment}[kind]
    case, result = handler(session, partner, data)
    session.add(ExchangeReceipt(partner_id=partner.id, message_id=mid, kind=kind, case_id=case.id,
                                received_at=clock.now()))
    session.flush()
    return {"message_id": mid, "duplicate": False, "case_no": case.case_no, "result": result}


def _link(session: Session, partner: ExchangePartner, ajbh: Any) -> ExchangeLink | None:
    no = str(ajbh or "").strip()
    if not no or len(no) > 64:
        raise Invalid("缺少案件编号 AJBH（≤64 字符）", code="bad_message")
    return session.scalar(select(ExchangeLink).where(ExchangeLink.partner_id == partner.id,
                                                     ExchangeLink.external_no == no))


def _linked_case(session: Session, partner: ExchangePartner, data: dict[str, Any]) -> Case:
    link = _link(session, partner, data.get("AJBH"))
    if link is None:  # a partner may also address our own case number
        case = session.scalar(select(Case).where(Case.case_no == str(data.get("BPTAJBH") or data.get("AJBH"))))
        if case is None:
            raise NotFound(f"案件 {data.get('AJBH')} 未交换过", code="unknown_case")
        return case
    case = session.get(Case, link.case_id)
    assert case is not None
    return case


def _receive_case(session: Session, partner: ExchangePartner, data: dict[str, Any]) -> tuple[Case, str]:
    link = _link(session, partner, data.get("AJBH"))
    digest = _hash(data)
    now = clock.now()
    if link is not None:  # upsert: the same case again
        case = session.get(Case, link.case_id)
        assert case is not None
        if link.payload_hash == digest:
            return case, "unchanged"
        locked = workflow.lock_case(session, case.id)
        assert locked is not None
        workflow.transition(session, locked, action="exchange-update", to=locked.status,
                            actor=workflow.Actor(None, partner.name, "exchange"),
                            opinion=str(data.get("WTMS") or "")[:2000] or None,
                            data={"platform": partner.code, "AJBH": link.external_no, "changes": data})
        link.payload_hash, link.updated_at = digest, now
        return locked, "updated"
    code = str(data.get("SXDM") or data.get("LBDM") or "").strip()
    if not code and data.get("GLBJBSM"):
        code = str(data["GLBJBSM"])[6:11]  # 17-digit component id: district(6) + category(5) + serial(6)
    jd, wd = data.get("JD"), data.get("WD")
    p = _actor_principal(partner)
    case, _ = cases.create_report(session, cases.ReportInput(
        category_code=code, description=str(data.get("WTMS") or "")[:2000], lon=jd, lat=wd,
        address=data.get("SFWZ"), channel="exchange", condition_code=data.get("LADTJ"),
        urgency=data.get("JJCD") if data.get("JJCD") in ("normal", "urgent", "very_urgent") else None,
        component_code=data.get("GLBJBSM"), reporter_name=data.get("FYR"), reporter_phone=data.get("LXDH"),
        source={"platform": partner.code, "external_no": str(data["AJBH"]), "kind": partner.kind}), p)
    # the partner is not a user of ours
    case.reporter_user_id = None
    for r in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case.id)):
        r.user_id = None
        r.channel = CHANNEL.get(partner.kind, "exchange")
    session.add(ExchangeLink(partner_id=partner.id, external_no=str(data["AJBH"]), case_id=case.id, direction="in",
                             payload_hash=digest, created_at=now, updated_at=now))
    session.flush()
    return case, "created"


def _receive_event(session: Session, partner: ExchangePartner, data: dict[str, Any]) -> tuple[Case, str]:
    case = _linked_case(session, partner, data)
    locked = workflow.lock_case(session, case.id)
    assert locked is not None
    action = str(data.get("HJ") or "remark")[:16]
    workflow.transition(session, locked, action="exchange-event", to=locked.status,
                        actor=workflow.Actor(None, str(data.get("CZDW") or partner.name)[:64], "exchange"),
                        opinion=str(data.get("CLYJ") or "")[:2000] or None,
                        data={"platform": partner.code, "HJ": action, "LSH": data.get("LSH"),
                              "CZSJ": data.get("CZSJ")})
    outbox.enqueue(session, topic="exchange.event", channel="inbox", recipient="role:shift_leader",
                   payload={"case_no": case.case_no, "case_id": case.id,
                            "text": f"{partner.name}对案件 {case.case_no} 的{action}：{data.get('CLYJ') or ''}"[:300]})
    return locked, "recorded"


def _receive_attachment(session: Session, partner: ExchangePartner, data: dict[str, Any]) -> tuple[Case, str]:
    from chengguan.system import files

    case = _linked_case(session, partner, data)
    ids = []
    for f in (data.get("FJ") or [])[:9]:
        try:
            raw = base64.b64decode(str(f.get("NR") or ""), validate=True)
        except ValueError:
            raise Invalid("附件内容 NR 应为 base64", code="bad_attachment") from None
        row = files.save_upload(session, raw, str(f.get("WJMC") or "attachment"), f.get("WJLX"), user_id=None,
                                meta={"platform": partner.code})
        ids.append(row.id)
    if not ids:
        raise Invalid("附件报文没有文件（FJ[].NR）", code="bad_attachment")
    locked = workflow.lock_case(session, case.id)
    assert locked is not None
    ev = workflow.transition(session, locked, action="exchange-event", to=locked.status,
                             actor=workflow.Actor(None, partner.name, "exchange"), attachments=ids,
                             data={"platform": partner.code, "HJ": "attachment"})
    cases.attach(session, locked, ids, "exchange", ev.id)
    return locked, f"{len(ids)} files"


def partner_file(session: Session, partner: ExchangePartner, file_id: int) -> StoredFile:
    """A file of a case exchanged with this partner."""
    from chengguan.cases.models import CaseAttachment

    ok = session.scalar(select(func.count()).select_from(CaseAttachment).join(
        ExchangeLink, ExchangeLink.case_id == CaseAttachment.case_id).where(
        CaseAttachment.file_id == file_id, ExchangeLink.partner_id == partner.id))
    row = session.get(StoredFile, file_id)
    if not ok or row is None:
        raise NotFound("文件不存在或不属于交换的案件", code="unknown_file")
    return row


