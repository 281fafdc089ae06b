"""Recording and reading last known positions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User, UserRole
from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import ROLE_LABELS, Role
from chengguan.core import clock
from chengguan.core.errors import Forbidden, Invalid
from chengguan.geo import service as geo
from chengguan.positions.models import UserPosition
from chengguan.system import settings as cfg

STALE_MINUTES = cfg.define("positions.show_minutes", 120,
                           "指挥地图显示最近多少分钟内上报过位置的外勤人员（监督员等）。", "地图")
MAX_SKEW = timedelta(minutes=5)
# Who may see where field staff are (the region check is per position, below).
VIEWERS = (Role.LEADER, Role.DISPATCHER, Role.SHIFT_LEADER, Role.ACCEPTOR, Role.ADMIN)
FIELD_ROLES = (Role.COLLECTOR, Role.OFFICER, Role.AUXILIARY, Role.ASSESSOR)


def record(session: Session, p: Principal, lon: float, lat: float, *, accuracy_m: float | None = None,
           at: datetime | None = None, source: str = "app", crs: str = "wgs84") -> UserPosition:
    """Store the caller's position (the newest wins; an older fix arriving late is ignored)."""
    if not p.has(*FIELD_ROLES):
        raise Forbidden("只有外勤人员（监督员、执法队员等）上报位置", code="role_required")
    now = clock.now()
    at = at or now
    if at.tzinfo is None:
        raise Invalid("定位时间必须带时区")
    if at > now + MAX_SKEW:
        raise Invalid("定位时间晚于服务器时间，请校准设备时钟")
    x, y = geo.to_wgs84(lon, lat, crs)
    found = geo.locate(session, x, y)
    row = session.get(UserPosition, p.user_id)
    if row is not None and row.at >= at:
        return row
    if row is None:
        row = UserPosition(user_id=p.user_id, lon=x, lat=y, at=at)
        session.add(row)
    row.lon, row.lat, row.at, row.accuracy_m, row.source = x, y, at, accuracy_m, source
    row.grid_code = found.grid_code if found else None
    session.flush()
    return row


def latest(session: Session, p: Principal, *, bbox: tuple[float, float, float, float] | None = None,
           role: str | None = None, within_minutes: float | None = None) -> list[dict[str, Any]]:
    """Positions the caller may see: field staff located in a region the caller watches, reported in
    the last ``within_minutes`` (default: the setting ``positions.show_minutes``)."""
    p.require(VIEWERS, what="查看外勤人员位置")
    minutes = within_minutes if within_minutes is not None else float(cfg.value(session, STALE_MINUTES.key))
    since = clock.now() - timedelta(minutes=minutes)
    stmt = select(UserPosition, User).join(User, User.id == UserPosition.user_id).where(
        UserPosition.at >= since, User.is_active.is_(True))
    if bbox:
        stmt = stmt.where(UserPosition.lon.between(bbox[0], bbox[2]), UserPosition.lat.between(bbox[1], bbox[3]))
    if role:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    out = []
    for pos, user in session.execute(stmt.order_by(UserPosition.at.desc()).limit(5000)):
        if not any(p.covers(r, pos.grid_code) for r in VIEWERS):
            continue
        roles = sorted({r.role for r in user.roles})
        out.append({"user_id": user.id, "display_name": user.display_name, "username": user.username,
                    "roles": roles, "role_labels": [ROLE_LABELS.get(Role(r), r) for r in roles
                                                    if r in Role._value2member_map_],
                    "lon": pos.lon, "lat": pos.lat, "accuracy_m": pos.accuracy_m, "grid_code": pos.grid_code,
                    "at": pos.at, "source": pos.source})
    return out
