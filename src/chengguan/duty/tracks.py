"""GPS devices, signed track batches, and playback.

A device signs each batch with HMAC-SHA256 under its own key::

    X-Device: <device code>
    X-Timestamp: <unix seconds when sent>
    X-Signature: hex(HMAC-SHA256(key, "<X-Timestamp>\\n" + raw body))

The key is never stored: it is HMAC(server secret, "track-device:<code>:<key_version>"), shown once when
the device is registered or its key rotated. Replay protection: the request timestamp must be within
``duty.track_request_window_seconds`` of the server clock, and a batch id is accepted once per device (the
receipts in ``track_batches`` are the nonces; they outlive the window). Body::

    {"batch_id": "…", "points": [{"t": 1763700000.0 | "2026-11-21T10:00:00+08:00", "lon": …, "lat": …,
                                  "acc": 5.0, "speed": 1.2}, … or [t, lon, lat, acc?, speed?]]}

Each point is checked on its own (numbers, ranges, not in the future beyond the skew, not older than the
maximum age); bad points are listed in the answer by index and reason and the good ones are stored.
Duplicates (in the batch, or already stored: same device and time) are counted and skipped; order does
not matter (the key is (device, time)).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.config import get_settings
from chengguan.core.db import is_sqlite
from chengguan.core.errors import Conflict, Invalid, NotFound, Unauthorized
from chengguan.duty.models import FORCES, TrackBatch, TrackDevice, TrackPoint
from chengguan.system import settings as cfg

WINDOW = cfg.define("duty.track_request_window_seconds", 300,
                    "轨迹批次请求时间戳（X-Timestamp）与服务器时间允许相差的秒数（防重放窗口）。", "勤务")
SKEW = cfg.define("duty.track_future_skew_seconds", 120,
                  "轨迹点时间允许超前服务器时间的秒数（设备时钟误差）；更晚的点被拒收。", "勤务")
MAX_AGE = cfg.define("duty.track_max_age_hours", 72,
                     "轨迹点最长可补传多少小时前的数据（设备离线缓存）；更早的点被拒收。", "勤务")
MAX_POINTS = cfg.define("duty.track_max_points_per_batch", 2000, "每个轨迹批次最多包含的点数。", "勤务")

MANAGERS = (Role.ADMIN, Role.LEADER, Role.SHIFT_LEADER)
VIEWERS = (Role.ADMIN, Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER)
DEVICE_KINDS = {"phone": "城管通手机", "radio": "对讲机", "bodycam": "执法记录仪", "vehicle": "车载终端"}
MAX_BODY = 1_000_000


# ---------------------------------------------------------------- keys and devices

def device_key(code: str, version: int) -> bytes:
    secret = get_settings().secret_key.encode()
    return hmac.new(secret, f"track-device:{code}:{version}".encode(), hashlib.sha256).digest()


def key_hint(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def sign(key: bytes, timestamp: str, body: bytes) -> str:
    return hmac.new(key, timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


def _check_region(p: Principal, region_code: str | None, what: str) -> None:
    p.require(MANAGERS, region_code=region_code, what=what)


def register_device(session: Session, p: Principal, *, code: str, kind: str, region_code: str,
                    user_id: int | None = None, person_id: int | None = None, holder_name: str = "",
                    force: str | None = None) -> tuple[TrackDevice, str]:
    _check_region(p, region_code, "登记定位设备")
    if kind not in DEVICE_KINDS:
        raise Invalid(f"设备类型应为：{'、'.join(DEVICE_KINDS)}")
    if force is not None and force not in FORCES:
        raise Invalid(f"队伍类别应为：{'、'.join(FORCES)}")
    if session.scalar(select(TrackDevice.id).where(TrackDevice.code == code)) is not None:
        raise Conflict(f"设备编号 {code} 已登记", code="device_exists")
    key = device_key(code, 1)
    dev = TrackDevice(code=code, kind=kind, region_code=region_code, user_id=user_id, person_id=person_id,
                      holder_name=holder_name, force=force, key_version=1, key_hint=key_hint(key), is_active=True)
    session.add(dev)
    session.flush()
    return dev, key.hex()


def rotate_key(session: Session, p: Principal, device_id: int) -> tuple[TrackDevice, str]:
    dev = get_device(session, p, device_id, manage=True)
    dev.key_version += 1
    key = device_key(dev.code, dev.key_version)
    dev.key_hint = key_hint(key)
    session.flush()
    _DEVICES.pop(dev.code, None)
    return dev, key.hex()


def set_active(session: Session, p: Principal, device_id: int, active: bool) -> TrackDevice:
    dev = get_device(session, p, device_id, manage=True)
    dev.is_active = active
    session.flush()
    _DEVICES.pop(dev.code, None)
    return dev


def get_device(session: Session, p: Principal, device_id: int, *, manage: bool = False) -> TrackDevice:
    dev = session.get(TrackDevice, device_id)
    if dev is None:
        raise NotFound("没有这个定位设备")
    p.require(MANAGERS if manage else VIEWERS, region_code=dev.region_code, what="查看定位设备")
    return dev


def list_devices(session: Session, p: Principal) -> list[TrackDevice]:
    p.require(VIEWERS, what="查看定位设备")
    rows = session.scalars(select(TrackDevice).order_by(TrackDevice.code)).all()
    return [d for d in rows if any(p.covers(r, d.region_code) for r in VIEWERS)]


def device_dict(d: TrackDevice) -> dict[str, Any]:
    return {"id": d.id, "code": d.code, "kind": d.kind, "kind_label": DEVICE_KINDS.get(d.kind, d.kind),
            "user_id": d.user_id, "person_id": d.person_id, "holder_name": d.holder_name, "force": d.force,
            "region_code": d.region_code, "key_version": d.key_version, "key_hint": d.key_hint,
            "is_active": d.is_active, "last_point_at": d.last_point_at}


# ---------------------------------------------------------------- ingestion

@dataclass(frozen=True)
class _Dev:
    id: int
    user_id: int | None
    key: bytes
    active: bool
    fetched: float


_DEVICES: dict[str, _Dev] = {}
DEVICE_CACHE_SECONDS = 30.0


def _device(session: Session, code: str) -> _Dev | None:
    hit = _DEVICES.get(code)
    now = time.monotonic()
    if hit is not None and now - hit.fetched < DEVICE_CACHE_SECONDS:
        return hit
    row = session.execute(select(TrackDevice.id, TrackDevice.user_id, TrackDevice.key_version, TrackDevice.is_active)
                          .where(TrackDevice.code == code)).first()
    if row is None:
        _DEVICES.pop(code, None)
        return None
    dev = _Dev(row[0], row[1], device_key(code, row[2]), bool(row[3]), now)
    _DEVICES[code] = dev
    return dev


def invalidate() -> None:
    _DEVICES.clear()


def authenticate(session: Session, code: str | None, timestamp: str | None, signature: str | None,
                 body: bytes) -> _Dev:
    """Check the device headers; raises 401 with a reason the device's developer can act on."""
    if not code or not timestamp or not signature:
        raise Unauthorized("缺少设备签名头（X-Device、X-Timestamp、X-Signature）", code="signature_missing")
    dev = _device(session, code)
    if dev is None:
        raise Unauthorized("未登记的定位设备", code="device_unknown")
    if not dev.active:
        raise Unauthorized("定位设备已停用", code="device_inactive")
    if not hmac.compare_digest(sign(dev.key, timestamp, body), signature.strip().lower()):
        raise Unauthorized("签名错误（密钥或报文不符）", code="bad_signature")
    try:
        ts = float(timestamp)
    except ValueError:
        raise Unauthorized("X-Timestamp 应为 Unix 秒数", code="bad_timestamp") from None
    window = float(cfg.value(session, WINDOW.key))
    if not math.isfinite(ts) or abs(clock.now().timestamp() - ts) > window:
        raise Unauthorized(f"请求时间戳与服务器时间相差超过 {window:.0f} 秒（重放或设备时钟错误）",
                           code="stale_request")
    return dev


def _num(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    f = float(v)
    return f if math.isfinite(f) else None


def _time(v: Any) -> float | None:
    if isinstance(v, str):
        try:
            dt = datetime.fromisoformat(v)
        except ValueError:
            return None
        if dt.tzinfo is None:
            return None
        return dt.timestamp()
    return _num(v)


def parse_points(raw: list[Any], now: float, skew: float, max_age: float) -> tuple[
        list[tuple[float, float, float, float | None, float | None]], list[dict[str, Any]], int]:
    """(good points sorted by time, rejections, duplicates within the batch)."""
    good: dict[float, tuple[float, float, float, float | None, float | None]] = {}
    rejected: list[dict[str, Any]] = []
    dup = 0
    for i, p in enumerate(raw):
        if isinstance(p, dict):
            t, lon, lat, acc, spd = p.get("t"), p.get("lon"), p.get("lat"), p.get("acc"), p.get("speed")
        elif isinstance(p, list) and 3 <= len(p) <= 5:
            t, lon, lat = p[0], p[1], p[2]
            acc = p[3] if len(p) > 3 else None
            spd = p[4] if len(p) > 4 else None
        else:
            rejected.append({"index": i, "reason": "malformed", "message": "点应为对象或 [t, lon, lat, acc?, speed?]"})
            continue
        ts = _time(t)
        x, y = _num(lon), _num(lat)
        if ts is None:
            rejected.append({"index": i, "reason": "bad_time", "message": "时间 t 应为 Unix 秒数或带时区的 ISO 时间"})
            continue
        if x is None or y is None or not (-180 <= x <= 180 and -90 <= y <= 90):
            rejected.append({"index": i, "reason": "bad_position", "message": "经纬度缺失或超出范围"})
            continue
        a = _num(acc) if acc is not None else None
        s = _num(spd) if spd is not None else None
        if (acc is not None and (a is None or a < 0)) or (spd is not None and (s is None or s < 0)):
            rejected.append({"index": i, "reason": "bad_value", "message": "精度和速度应为非负数"})
            continue
        if ts > now + skew:
            rejected.append({"index": i, "reason": "future", "message": "时间晚于服务器时间（设备时钟超前）"})
            continue
        if ts < now - max_age:
            rejected.append({"index": i, "reason": "too_old", "message": "时间过早，超过补传期限"})
            continue
        ts = round(ts, 3)  # millisecond resolution: the stored key
        if ts in good:
            dup += 1
            continue
        good[ts] = (ts, x, y, a, s)
    return [good[k] for k in sorted(good)], rejected, dup


def _insert(session: Session, dev: _Dev, pts: list[tuple[float, float, float, float | None, float | None]]) -> int:
    if not pts:
        return 0
    ats = [datetime.fromtimestamp(p[0], UTC) for p in pts]
    if is_sqlite(session):
        rows = [{"device_id": dev.id, "at": at, "user_id": dev.user_id, "lon": p[1], "lat": p[2],
                 "accuracy_m": p[3], "speed_mps": p[4]} for at, p in zip(ats, pts, strict=True)]
        res = session.execute(insert(TrackPoint.__table__).prefix_with("OR IGNORE"), rows)
        return int(res.rowcount)  # type: ignore[attr-defined]
    res = session.execute(text(
        "INSERT INTO track_points (device_id, at, user_id, lon, lat, accuracy_m, speed_mps) "
        "SELECT :dev, u.a, :uid, u.x, u.y, u.acc, u.spd FROM unnest("
        "CAST(:at AS timestamptz[]), CAST(:x AS float8[]), CAST(:y AS float8[]), CAST(:acc AS float8[]), "
        "CAST(:spd AS float8[])) AS u(a, x, y, acc, spd) ON CONFLICT DO NOTHING"),
        {"dev": dev.id, "uid": dev.user_id, "at": ats, "x": [p[1] for p in pts], "y": [p[2] for p in pts],
         "acc": [p[3] for p in pts], "spd": [p[4] for p in pts]})
    return int(res.rowcount)  # type: ignore[attr-defined]


def ingest(session: Session, *, code: str | None, timestamp: str | None, signature: str | None,
           body: bytes) -> dict[str, Any]:
    """Authenticate, validate and store one batch. Returns the receipt with the per-point report."""
    if len(body) > MAX_BODY:
        raise Invalid(f"批次过大（超过 {MAX_BODY // 1000} KB），请分批上传", code="batch_too_large")
    dev = authenticate(session, code, timestamp, signature, body)
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Invalid("批次不是合法的 JSON", code="malformed_batch") from None
    if not isinstance(doc, dict):
        raise Invalid("批次应为 JSON 对象 {batch_id, points}", code="malformed_batch")
    batch_id, raw = doc.get("batch_id"), doc.get("points")
    if not isinstance(batch_id, str) or not (1 <= len(batch_id) <= 64):
        raise Invalid("batch_id 应为 1–64 个字符的字符串（每批唯一）", code="malformed_batch")
    if not isinstance(raw, list):
        raise Invalid("points 应为数组", code="malformed_batch")
    limit = int(cfg.value(session, MAX_POINTS.key))
    if len(raw) > limit:
        raise Invalid(f"每批最多 {limit} 个点，本批 {len(raw)} 个", code="batch_too_large")
    prior = session.scalar(select(TrackBatch).where(TrackBatch.device_id == dev.id, TrackBatch.batch_id == batch_id))
    if prior is not None:
        raise Conflict("该批次已接收过（重放）；其中的点已保存", code="batch_replayed",
                       details={"batch_id": batch_id, "received_at": prior.received_at, "accepted": prior.accepted,
                                "duplicates": prior.duplicates, "rejected": prior.rejected})
    now_dt = clock.now()
    now = now_dt.timestamp()
    pts, rejected, dup = parse_points(raw, now, float(cfg.value(session, SKEW.key)),
                                      float(cfg.value(session, MAX_AGE.key)) * 3600)
    stored = _insert(session, dev, pts)
    dup += len(pts) - stored
    session.add(TrackBatch(device_id=dev.id, batch_id=batch_id, received_at=now_dt,
                           sent_at=datetime.fromtimestamp(float(timestamp or now), UTC),
                           accepted=stored, duplicates=dup, rejected=len(rejected)))
    if pts:
        _touch(session, dev, pts[-1])
    return {"batch_id": batch_id, "received_at": now_dt, "accepted": stored, "duplicates": dup,
            "rejected": rejected}


def _touch(session: Session, dev: _Dev, last: tuple[float, float, float, float | None, float | None]) -> None:
    """Newest fix → the device's last_point_at and the holder's last known position (command map)."""
    at = datetime.fromtimestamp(last[0], UTC)
    session.execute(TrackDevice.__table__.update().where(
        TrackDevice.id == dev.id, (TrackDevice.last_point_at.is_(None)) | (TrackDevice.last_point_at < at))
        .values(last_point_at=at))
    if dev.user_id is None:
        return
    from chengguan.geo import service as geo
    from chengguan.positions.models import UserPosition

    pos = session.get(UserPosition, dev.user_id)
    if pos is not None and pos.at >= at:
        return
    found = geo.locate(session, last[1], last[2])
    if pos is None:
        pos = UserPosition(user_id=dev.user_id, lon=last[1], lat=last[2], at=at)
        session.add(pos)
    pos.lon, pos.lat, pos.at, pos.accuracy_m, pos.source = last[1], last[2], at, last[3], "track"
    pos.grid_code = found.grid_code if found else None


# ---------------------------------------------------------------- reading

def load_points(session: Session, device_ids: list[int], start: datetime, end: datetime) -> dict[str, np.ndarray]:
    """Points of the devices in [start, end), sorted by (device, time), as arrays (t in epoch seconds)."""
    if not device_ids:
        return {"device": np.zeros(0, np.int64), "t": np.zeros(0), "lon": np.zeros(0), "lat": np.zeros(0)}
    rows = session.execute(select(TrackPoint.device_id, TrackPoint.at, TrackPoint.lon, TrackPoint.lat)
                           .where(TrackPoint.device_id.in_(device_ids), TrackPoint.at >= start, TrackPoint.at < end)
                           .order_by(TrackPoint.device_id, TrackPoint.at)).all()
    return {"device": np.fromiter((r[0] for r in rows), np.int64, len(rows)),
            "t": np.fromiter((r[1].timestamp() for r in rows), np.float64, len(rows)),
            "lon": np.fromiter((r[2] for r in rows), np.float64, len(rows)),
            "lat": np.fromiter((r[3] for r in rows), np.float64, len(rows))}


def simplify(lon: np.ndarray, lat: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Indices kept by Douglas–Peucker (iterative, metres on a local plane)."""
    n = len(lon)
    if n <= 2 or tolerance_m <= 0:
        return np.arange(n)
    lat0 = float(np.mean(lat))
    x = (lon - lon[0]) * 111_320.0 * math.cos(math.radians(lat0))
    y = (lat - lat[0]) * 110_540.0
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        dx, dy = x[b] - x[a], y[b] - y[a]
        seg = math.hypot(dx, dy)
        xs, ys = x[a + 1:b] - x[a], y[a + 1:b] - y[a]
        d = np.abs(dx * ys - dy * xs) / seg if seg > 0 else np.hypot(xs, ys)
        k = int(np.argmax(d))
        if d[k] > tolerance_m:
            m = a + 1 + k
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return np.flatnonzero(keep)


def playback(session: Session, p: Principal, *, device_id: int | None = None, user_id: int | None = None,
             start: datetime, end: datetime, tolerance_m: float = 5.0) -> dict[str, Any]:
    """A track for the map: the person's (or device's) points in [start, end), simplified."""
    if end <= start:
        raise Invalid("结束时间应晚于开始时间")
    if end - start > timedelta(days=2):
        raise Invalid("一次最多回放 48 小时的轨迹")
    if device_id is not None:
        devs = [get_device(session, p, device_id)]
    elif user_id is not None:
        devs = list(session.scalars(select(TrackDevice).where(TrackDevice.user_id == user_id)).all())
        if not devs:
            raise NotFound("此人没有登记定位设备")
        for d in devs:
            p.require(VIEWERS, region_code=d.region_code, what="回放轨迹")
    else:
        raise Invalid("请指定 device_id 或 user_id")
    pts = load_points(session, [d.id for d in devs], start, end)
    order = np.argsort(pts["t"], kind="stable")
    t, lon, lat = pts["t"][order], pts["lon"][order], pts["lat"][order]
    keep = simplify(lon, lat, tolerance_m)
    return {"devices": [device_dict(d) for d in devs], "start": start, "end": end, "points_total": int(len(t)),
            "points": [[float(t[i]), round(float(lon[i]), 7), round(float(lat[i]), 7)] for i in keep]}


def new_batch_id() -> str:
    return secrets.token_hex(8)


