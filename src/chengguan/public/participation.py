"""Public participation: public reporting (web page, mini program, Open311) with abuse protection,
moderation of public text, the public map, rewards (随手拍), social supervisors (社会监督员) and 回访.

Every public report goes through :func:`submit` (the web page and the mini program call
``POST /api/v1/public/reports``; Open311 calls it too), which checks blocks and rate limits, moderates the
text, creates a real case through ``cases.service.create_report`` (channel ``public``) and records the
report's moderation state in ``public_reports``. Reporter contacts stay in the case (for staff and
notifications) and are never shown publicly.
"""

from __future__ import annotations

import hmac
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases import hooks
from chengguan.cases import service as cases
from chengguan.cases.models import Case, CaseEvent, CaseReporter
from chengguan.core import clock
from chengguan.core.config import get_settings
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound, TooMany
from chengguan.core.ratelimit import limiter
from chengguan.public.models import (
    BlockedReporter,
    EventCursor,
    FollowUp,
    PublicReport,
    RewardEntry,
    SocialSupervisor,
)
from chengguan.system import settings as cfg

G = "公众参与"
WORDS = cfg.define("participation.moderation_words", ["傻逼", "他妈的", "操你", "去死", "法轮"],
                   "公众上报文字审核词表：命中的词在公开展示时以 * 遮盖，并标记待审核。", G)
REJECT_ON_WORD = cfg.define("participation.moderation_reject", False,
                            "公众上报命中审核词表时直接拒绝提交（否则遮盖并标记待审核）。", G)
SENSITIVE = cfg.define("participation.sensitive_categories", ["10"],
                       "敏感类别（5 位类别代码或 2 位大类代码）：不在公开地图和 Open311 列表中出现。", G)
MAP_DECIMALS = cfg.define("participation.map_decimals", 3,
                          "公开地图和 Open311 公开位置保留的小数位数（3 位约 100 米，用于模糊位置）。", G)
MAP_DAYS = cfg.define("participation.map_days", 30, "公开地图显示最近多少天的上报。", G)
PHONE_PER_DAY = cfg.define("participation.reports_per_phone_per_day", 10,
                           "同一手机号每天最多公众上报次数（防刷）。", G)
IP_PER_DAY = cfg.define("participation.reports_per_ip_per_day", 50, "同一 IP 每天最多公众上报次数（防刷）。", G)
REWARDS_ON = cfg.define("participation.rewards_enabled", True, "随手拍积分奖励是否开启。", G)
REWARD_POINTS = cfg.define("participation.reward_points", 10, "一条有效（已立案）上报的积分，只奖励首个上报人。", G)
REWARD_CAP = cfg.define("participation.reward_monthly_cap", 100, "每人每月积分上限（超出部分记 0 分）。", G)
PUBLIC_CHANNELS = cfg.define("participation.public_channels", ["public", "patrol"],
                              "哪些来源渠道的案件出现在公开地图和 Open311 列表中（热线、交换来件的描述常含来电人信息，默认不公开）。", G)
SUPERVISOR_SKIP = cfg.define("participation.supervisors_skip_verify", False,
                             "社会监督员的上报是否免核实（直接进入受理）。", G)


# ---------------------------------------------------------------- helpers


def _h(kind: str, value: str) -> str:
    return hmac.new(get_settings().secret_key.encode(), f"{kind}:{value}".encode(), "sha256").hexdigest()


def mask_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    p = phone.strip()
    return p[:3] + "****" + p[-4:] if len(p) >= 7 else "****"


def moderate(session: Session, text: str | None) -> tuple[str, list[str]]:
    """The text with listed words masked, and the words found."""
    out = text or ""
    hits = []
    for w in cfg.value(session, WORDS.key) or []:
        w = str(w).strip()
        if w and w in out:
            hits.append(w)
            out = out.replace(w, "*" * len(w))
    return out, hits


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_ID_NO = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[0-9Xx])(?![0-9A-Za-z])")


def public_text(session: Session, text: str | None) -> str:
    """Text as the public may see it: moderated words masked, mobile numbers and ID card numbers masked."""
    out, _ = moderate(session, text)
    out = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", out)
    return _ID_NO.sub(lambda m: f"{m.group(1)}********{m.group(2)}", out)


def listed_channels(session: Session) -> list[str]:
    return [str(c) for c in cfg.value(session, PUBLIC_CHANNELS.key) or []]


def is_sensitive(session: Session, category_code: str) -> bool:
    codes = [str(c) for c in cfg.value(session, SENSITIVE.key) or []]
    return any(category_code == c or (len(c) == 2 and category_code.startswith(c)) for c in codes)


def fuzz(session: Session, lon: float, lat: float) -> tuple[float, float]:
    d = int(cfg.value(session, MAP_DECIMALS.key))
    return round(lon, d), round(lat, d)


def publicly_listed(session: Session, case: Case) -> bool:
    if is_sensitive(session, case.category_code):
        return False
    meta = session.get(PublicReport, case.id)
    return not (meta is not None and meta.hidden)


# ---------------------------------------------------------------- blocks and limits


def blocked(session: Session, kind: str, value: str | None) -> BlockedReporter | None:
    if not value:
        return None
    row = session.scalar(select(BlockedReporter).where(BlockedReporter.kind == kind,
                                                       BlockedReporter.value_hash == _h(kind, value)))
    if row is not None and (row.until is None or row.until > clock.now()):
        return row
    return None


def block(session: Session, kind: str, value: str, reason: str | None, until: datetime | None,
          by: int | None) -> BlockedReporter:
    if kind not in ("ip", "phone", "user"):
        raise Invalid("kind 应为 ip / phone / user")
    value = value.strip()
    if not value:
        raise Invalid("请填写要封禁的值")
    label = mask_phone(value) if kind == "phone" else value
    row = session.scalar(select(BlockedReporter).where(BlockedReporter.kind == kind,
                                                       BlockedReporter.value_hash == _h(kind, value)))
    if row is None:
        row = BlockedReporter(kind=kind, value_hash=_h(kind, value), label=label or "", created_at=clock.now())
        session.add(row)
    row.reason, row.until, row.created_by = reason, until, by
    session.flush()
    return row


def block_reporter_of(session: Session, case_id: int, reason: str | None, by: int | None) -> list[BlockedReporter]:
    """Block whoever made this public report (its IP, phone and account), without staff seeing the IP."""
    case = session.get(Case, case_id)
    meta = session.get(PublicReport, case_id)
    if case is None or meta is None:
        raise NotFound("不是公众上报的案件", code="not_public_report")
    out = []
    now = clock.now()
    for kind, h, label in (("ip", meta.ip_hash, "（上报 IP）"), ("phone", meta.phone_hash, mask_phone(case.reporter_phone)),
                           ("user", _h("user", str(case.reporter_user_id)) if case.reporter_user_id else None,
                            f"用户 {case.reporter_user_id}")):
        if not h:
            continue
        row = session.scalar(select(BlockedReporter).where(BlockedReporter.kind == kind,
                                                           BlockedReporter.value_hash == h))
        if row is None:
            row = BlockedReporter(kind=kind, value_hash=h, label=(label or "")[:64], created_at=now)
            session.add(row)
        row.reason, row.until, row.created_by = reason or f"案件 {case.case_no}", None, by
        out.append(row)
    session.flush()
    return out


def _check_abuse(session: Session, ip: str, phone: str | None, p: Principal | None, ip_limits: bool) -> None:
    for kind, value in (("ip", ip), ("phone", phone), ("user", str(p.user_id) if p else None)):
        if blocked(session, kind, value) is not None:
            raise Forbidden("您的上报已被暂停，如有疑问请拨打 12345", code="reporter_blocked")
    since = clock.now() - timedelta(days=1)
    n_ip = session.scalar(select(func.count()).select_from(PublicReport).where(
        PublicReport.ip_hash == _h("ip", ip), PublicReport.created_at >= since)) or 0
    if ip_limits and n_ip >= int(cfg.value(session, IP_PER_DAY.key)):
        raise TooMany("今天从该网络提交的上报过多，请明天再试")
    if phone:
        n_ph = session.scalar(select(func.count()).select_from(PublicReport).where(
            PublicReport.phone_hash == _h("phone", phone), PublicReport.created_at >= since)) or 0
        if n_ph >= int(cfg.value(session, PHONE_PER_DAY.key)):
            raise TooMany("该手机号今天的上报次数已达上限，请明天再试")


# ---------------------------------------------------------------- reporting


def submit(session: Session, data: cases.ReportInput, p: Principal | None, *, ip: str, via: str,
           ip_limits: bool = True) -> Case:
    """A public report (web, mini program, Open311): abuse checks, moderation, the case, its public state.
    Open311 passes ``ip_limits=False``: its clients relay many citizens and are limited per API key."""
    if ip_limits:
        limiter.hit(f"public:{ip}", get_settings().public_rate_limit_per_minute)
    phone = (data.reporter_phone or "").strip() or None
    if phone and not (phone.replace("-", "").replace("+", "").isdigit() and 7 <= len(phone) <= 20):
        raise Invalid("手机号格式不正确", code="bad_phone")
    _check_abuse(session, ip, phone, p, ip_limits)
    _, hits = moderate(session, data.description)
    if hits and cfg.value(session, REJECT_ON_WORD.key):
        raise Invalid("描述中含有不文明用语，请修改后再提交", code="moderation_rejected")
    data.channel = "public"
    if p is not None and not p.has(Role.CITIZEN, *cases.CHANNEL_ROLES["public"]):
        p = None
    case, _dups = cases.create_report(session, data, p)
    session.add(PublicReport(case_id=case.id, via=via, ip_hash=_h("ip", ip), phone_hash=_h("phone", phone)
                             if phone else None, flags=hits, hidden=bool(hits), created_at=clock.now()))
    session.flush()
    return case


def moderation_queue(session: Session, flagged_only: bool, page: int, page_size: int) -> tuple[list[Any], int]:
    stmt = select(PublicReport, Case).join(Case, Case.id == PublicReport.case_id)
    if flagged_only:
        stmt = stmt.where(PublicReport.hidden.is_(True), PublicReport.reviewed_by.is_(None))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.order_by(PublicReport.created_at.desc()).offset((page - 1) * page_size)
                           .limit(page_size)).all()
    return [(m, c) for m, c in rows], total


def review(session: Session, case_id: int, hidden: bool, by: int) -> PublicReport:
    meta = session.get(PublicReport, case_id)
    if meta is None:
        raise NotFound("不是公众上报的案件", code="not_public_report")
    meta.hidden, meta.reviewed_by = hidden, by
    session.flush()
    return meta


# ---------------------------------------------------------------- public map


def public_map(session: Session, bbox: tuple[float, float, float, float], limit: int = 1000) -> list[dict[str, Any]]:
    """Recent reports in a viewport, non-sensitive and not hidden, at an approximate position, with
    moderated text and no reporter data."""
    from chengguan.public.service import PUBLIC_STATUS

    since = clock.now() - timedelta(days=int(cfg.value(session, MAP_DAYS.key)))
    minx, miny, maxx, maxy = bbox
    rows = session.execute(
        select(Case.case_no, Case.status, Case.category_code, Case.kind, Case.description, Case.lon, Case.lat,
               Case.reported_at, PublicReport.hidden)
        .outerjoin(PublicReport, PublicReport.case_id == Case.id)
        .where(Case.reported_at >= since, Case.lon.between(minx, maxx), Case.lat.between(miny, maxy),
               Case.status.not_in(("voided", "merged")), Case.channel.in_(listed_channels(session)))
        .order_by(Case.reported_at.desc()).limit(limit * 2)).all()
    from chengguan.catalog import service as catalog

    out = []
    for no, status, code, kind, desc, lon, lat, at, hidden in rows:
        if hidden or is_sensitive(session, code):
            continue
        flon, flat = fuzz(session, lon, lat)
        text = public_text(session, desc)
        out.append({"case_no": no, "status": status, "status_label": PUBLIC_STATUS.get(status, status),
                    "category_name": catalog.category_name(session, kind, code), "category_code": code,
                    "description": text[:60], "lon": flon, "lat": flat, "reported_at": at})
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------- 回访


def record_follow_up(session: Session, case_id: int, p: Principal, *, method: str, reached: bool,
                     satisfied: bool | None, rating: int | None, note: str | None) -> FollowUp:
    case = session.get(Case, case_id)
    if case is None:
        raise NotFound(f"案件 {case_id} 不存在", code="unknown_case")
    if not any(p.covers(r, case.grid_code) for r in (Role.ACCEPTOR, Role.SHIFT_LEADER, Role.ADMIN)):
        raise Forbidden("只有受理员、值班长可以记录回访", code="role_required")
    if case.status not in ("closed", "rejected"):
        raise Conflict("案件办结（或不予立案）后才能回访", code="not_finished")
    if method not in ("call", "visit", "sms", "other"):
        raise Invalid("回访方式应为 call / visit / sms / other")
    if rating is not None and not 1 <= rating <= 5:
        raise Invalid("满意度评分应为 1–5")
    row = FollowUp(case_id=case.id, method=method, reached=reached, satisfied=satisfied, rating=rating,
                   note=(note or "").strip() or None, by_user_id=p.user_id, by_name=p.display_name, at=clock.now())
    session.add(row)
    session.flush()
    return row


def follow_ups(session: Session, case_id: int) -> list[FollowUp]:
    return list(session.scalars(select(FollowUp).where(FollowUp.case_id == case_id).order_by(FollowUp.id)))


# ---------------------------------------------------------------- rewards (随手拍)


def cursor(session: Session, name: str) -> EventCursor:
    """The job's read position; created at the newest event (a new installation does not replay history)."""
    row = session.get(EventCursor, name)
    if row is None:
        start = session.scalar(select(func.max(CaseEvent.id))) or 0
        row = EventCursor(name=name, last_event_id=start, updated_at=clock.now())
        session.add(row)
        session.flush()
    return row


def award_rewards(session: Session, batch: int = 1000) -> int:
    """Points for valid reports: read 立案 events after the cursor; the first registered-account reporter of
    the case (merged duplicates included) earns the configured points, up to the monthly cap. Idempotent:
    the ledger's unique key and the cursor make a re-run award nothing twice."""
    cur = cursor(session, "rewards")
    events = session.execute(select(CaseEvent.id, CaseEvent.case_id, CaseEvent.at).where(
        CaseEvent.id > cur.last_event_id, CaseEvent.action == "register").order_by(CaseEvent.id).limit(batch)).all()
    n = 0
    on = bool(cfg.value(session, REWARDS_ON.key))
    for ev_id, case_id, at in events:
        cur.last_event_id = ev_id
        if not on:
            continue
        first = session.scalar(select(CaseReporter).where(CaseReporter.case_id == case_id,
                                                          CaseReporter.channel == "public")
                               .order_by(CaseReporter.reported_at, CaseReporter.id).limit(1))
        if first is None or first.user_id is None:
            continue
        if session.scalar(select(RewardEntry.id).where(RewardEntry.user_id == first.user_id,
                                                       RewardEntry.case_id == case_id)) is not None:
            continue
        period = clock.local(at).strftime("%Y-%m")
        got = session.scalar(select(func.coalesce(func.sum(RewardEntry.points), 0)).where(
            RewardEntry.user_id == first.user_id, RewardEntry.period == period, RewardEntry.points > 0,
            RewardEntry.reason == "valid_report")) or 0
        points = max(0, min(int(cfg.value(session, REWARD_POINTS.key)), int(cfg.value(session, REWARD_CAP.key)) - got))
        session.add(RewardEntry(user_id=first.user_id, case_id=case_id, points=points, period=period,
                                reason="valid_report", note=None if points else "已达本月积分上限",
                                created_at=clock.now()))
        n += 1
    cur.updated_at = clock.now()
    session.flush()
    return n


def adjust_points(session: Session, user_id: int, points: int, note: str, by: int) -> RewardEntry:
    if not note.strip():
        raise Invalid("请填写调整原因")
    row = RewardEntry(user_id=user_id, case_id=None, points=points, period=clock.local(clock.now()).strftime("%Y-%m"),
                      reason="adjust" if points >= 0 else "redeem", note=note.strip(), created_at=clock.now(),
                      created_by=by)
    session.add(row)
    session.flush()
    return row


def balance(session: Session, user_id: int) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(RewardEntry.points), 0))
                              .where(RewardEntry.user_id == user_id)) or 0)


def ledger(session: Session, user_id: int | None, page: int, page_size: int) -> tuple[list[RewardEntry], int]:
    stmt = select(RewardEntry)
    if user_id is not None:
        stmt = stmt.where(RewardEntry.user_id == user_id)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(RewardEntry.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


# ---------------------------------------------------------------- social supervisors (社会监督员)


def set_supervisor(session: Session, user_id: int, active: bool, note: str | None) -> SocialSupervisor:
    from chengguan.accounts.models import User

    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户 {user_id} 不存在")
    if not any(r.role == Role.CITIZEN for r in user.roles):
        raise Invalid("社会监督员须是已注册的公众用户（citizen 角色）", code="not_citizen")
    row = session.get(SocialSupervisor, user_id)
    if row is None:
        row = SocialSupervisor(user_id=user_id, since=clock.local(clock.now()).date(), created_at=clock.now())
        session.add(row)
    row.is_active, row.note = active, note
    session.flush()
    return row


def supervisors(session: Session) -> list[SocialSupervisor]:
    return list(session.scalars(select(SocialSupervisor).order_by(SocialSupervisor.user_id)))


def _supervisor_skips_verify(session: Session, p: Principal) -> bool:
    if not cfg.value(session, SUPERVISOR_SKIP.key) or not p.has(Role.CITIZEN):
        return False
    row = session.get(SocialSupervisor, p.user_id)
    return row is not None and row.is_active


if _supervisor_skips_verify not in hooks.SKIP_VERIFY_CHECKS:
    hooks.SKIP_VERIFY_CHECKS.append(_supervisor_skips_verify)


# ---------------------------------------------------------------- progress notifications

PROGRESS_TEXT = {"register": "已立案，将派遣处置单位办理", "dispatch": "已派遣处置单位办理",
                 "feedback": "处置单位已反馈处理结果，等待现场核查"}


def notify_progress(session: Session, batch: int = 1000) -> int:
    """Tell public reporters (SMS to their phone, inbox to their account) when their report is registered,
    dispatched and fed back; closure and rejection are told by the workflow itself. One message per
    (event, reporter) through the outbox (dedup key), so a re-run sends nothing twice."""
    from chengguan.outbox import service as outbox

    cur = cursor(session, "progress")
    rows = session.execute(select(CaseEvent.id, CaseEvent.action, Case.id, Case.case_no).join(
        Case, Case.id == CaseEvent.case_id).where(CaseEvent.id > cur.last_event_id,
                                                  CaseEvent.action.in_(tuple(PROGRESS_TEXT)))
        .order_by(CaseEvent.id).limit(batch)).all()
    n = 0
    for ev_id, action, case_id, case_no in rows:
        cur.last_event_id = ev_id
        text = f"您反映的问题（{case_no}）{PROGRESS_TEXT[action]}。"
        for r in session.scalars(select(CaseReporter).where(CaseReporter.case_id == case_id,
                                                            CaseReporter.channel == "public")):
            if r.phone:
                n += outbox.enqueue(session, topic="case.progress", channel="sms", recipient=r.phone,
                                    payload={"case_no": case_no, "text": text},
                                    dedup_key=f"progress:{ev_id}:{r.id}:sms") is not None
            if r.user_id:
                n += outbox.enqueue(session, topic="case.progress", channel="inbox", recipient=f"user:{r.user_id}",
                                    payload={"case_no": case_no, "case_id": case_id, "text": text},
                                    dedup_key=f"progress:{ev_id}:{r.id}:inbox") is not None
    cur.updated_at = clock.now()
    session.flush()
    return n
