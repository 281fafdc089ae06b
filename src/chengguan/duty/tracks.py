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
from typing import Any, cast

import numpy as np
from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.core import clock
from chengguan.core.config import get_settings
from chengguan.core.db import is_sqlite
from chengguan.core.errors import Conflict, Invalid, NotFound, Unauthorized
from chengguan.duty.models import FORCES, TrackBatch, TrackDevice
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


REASONS = {
    "malformed": "点应为对象或 [t, lon, lat, acc?, speed?]",
    "bad_time": "时间 t 应为 Unix 秒数或带时区的 ISO 时间",
    "bad_position": "经纬度缺失或超出范围",
    "bad_value": "精度和速度应为非负数",
    "future": "时间晚于服务器时间（设备时钟超前）",
    "too_old": "时间过早，超过补传期限",
}


@dataclass
class Points:
    """Accepted points as arrays sorted by time (NaN = no accuracy/speed)."""

    t: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    acc: np.ndarray
    spd: np.ndarray

    def __len__(self) -> int:
        return len(self.t)


def _fast_arrays(raw: list[Any]) -> np.ndarray | None:
    """All points in one numeric shape → an (n, 5) float array, else None (then the per-point path runs).
    Booleans are not numbers here (JSON true would otherwise become 1.0)."""
    if not raw:
        return None
    first = raw[0]
    try:
        if isinstance(first, list):
            width = len(first)
            if not 3 <= width <= 5 or any(type(p) is not list or len(p) != width for p in raw):
                return None
            if any(type(v) is not float and type(v) is not int for p in raw for v in p):
                return None
            arr = np.array(raw, dtype=np.float64)
        elif isinstance(first, dict):
            if any(type(p) is not dict for p in raw):
                return None
            cols = [[p["t"] for p in raw], [p["lon"] for p in raw], [p["lat"] for p in raw],
                    [p.get("acc") for p in raw], [p.get("speed") for p in raw]]
            if any(type(v) is not float and type(v) is not int for c in cols[:3] for v in c) or any(
                    v is not None and type(v) is not float and type(v) is not int for c in cols[3:] for v in c):
                return None
            arr = np.array([np.array(c, dtype=np.float64) for c in cols]).T  # None → NaN
            width = 5
        else:
            return None
    except (KeyError, TypeError, ValueError):
        return None
    if width < 5:
        arr = np.hstack([arr, np.full((len(arr), 5 - width), np.nan)])
    return arr


def _slow_arrays(raw: list[Any], rejected: list[tuple[int, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Point by point (mixed shapes, ISO times, junk): rows of the good-looking ones and their indices."""
    rows, idx = [], []
    for i, p in enumerate(raw):
        if isinstance(p, dict):
            t, lon, lat, acc, spd = p.get("t"), p.get("lon"), p.get("lat"), p.get("acc"), p.get("speed")
        elif isinstance(p, list) and 3 <= len(p) <= 5:
            t, lon, lat = p[0], p[1], p[2]
            acc = p[3] if len(p) > 3 else None
            spd = p[4] if len(p) > 4 else None
        else:
            rejected.append((i, "malformed"))
            continue
        ts = _time(t)
        if ts is None:
            rejected.append((i, "bad_time"))
            continue
        x, y = _num(lon), _num(lat)
        if x is None or y is None:
            rejected.append((i, "bad_position"))
            continue
        a = _num(acc) if acc is not None else math.nan
        v = _num(spd) if spd is not None else math.nan
        if a is None or v is None:
            rejected.append((i, "bad_value"))
            continue
        rows.append((ts, x, y, a, v))
        idx.append(i)
    arr = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return arr, np.array(idx, dtype=np.int64)


def parse_points(raw: list[Any], now: float, skew: float, max_age: float) -> tuple[Points, list[dict[str, Any]], int]:
    """(good points sorted by time, rejections by index, duplicates within the batch). Vectorised when the
    batch has one numeric shape (the normal case), point by point otherwise; the same rules either way."""
    rejected: list[tuple[int, str]] = []
    arr = _fast_arrays(raw)
    if arr is not None:
        idx = np.arange(len(arr))
    else:
        arr, idx = _slow_arrays(raw, rejected)
    t, x, y, a, v = arr.T if len(arr) else (np.zeros(0),) * 5
    reason = np.full(len(arr), "", dtype=object)
    finite = np.isfinite(t)
    reason[~finite] = "bad_time"
    badpos = ~(np.isfinite(x) & np.isfinite(y)) | (np.abs(x) > 180) | (np.abs(y) > 90)
    reason[(reason == "") & badpos] = "bad_position"
    badval = (a < 0) | (v < 0) | np.isinf(a) | np.isinf(v)
    reason[(reason == "") & badval] = "bad_value"
    reason[(reason == "") & (t > now + skew)] = "future"
    reason[(reason == "") & (t < now - max_age)] = "too_old"
    bad = reason != ""
    rejected += [(int(i), str(r)) for i, r in zip(idx[bad], reason[bad], strict=True)]
    rejected.sort()
    ok = ~bad
    t = np.round(t[ok], 3)  # millisecond resolution: the stored key
    order = np.argsort(t, kind="stable")
    t, x, y, a, v = t[order], x[ok][order], y[ok][order], a[ok][order], v[ok][order]
    first = np.ones(len(t), dtype=bool)
    first[1:] = t[1:] != t[:-1]
    dup = int((~first).sum())
    pts = Points(t[first], x[first], y[first], a[first], v[first])
    return pts, [{"index": i, "reason": r, "message": REASONS[r]} for i, r in rejected], dup


def _nullable(arr: np.ndarray) -> list[float | None]:
    return [None if math.isnan(z) else z for z in arr.tolist()] if np.isnan(arr).any() else arr.tolist()


def _insert(session: Session, dev: _Dev, pts: Points) -> int:
    if not len(pts):
        return 0
    if is_sqlite(session):
        # Straight to the driver (the per-row bind processing of the ORM costs more than the insert).
        # Timestamps in SQLAlchemy's SQLite DateTime format, UTC, naive — what UTCDateTime stores.
        us = np.round(pts.t * 1e6).astype("datetime64[us]")
        ats = np.char.replace(np.datetime_as_string(us, unit="us").astype(str), "T", " ").tolist()
        rows = list(zip([dev.id] * len(pts), ats, [dev.user_id] * len(pts), pts.lon.tolist(), pts.lat.tolist(),
                        _nullable(pts.acc), _nullable(pts.spd), strict=True))
        cur = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            before = cur.connection.total_changes
            cur.executemany("INSERT OR IGNORE INTO track_points (device_id, at, user_id, lon, lat, accuracy_m, "
                            "speed_mps) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            return int(cur.connection.total_changes - before)
        finally:
            cur.close()
    res = session.execute(text(
        "INSERT INTO track_points (device_id, at, user_id, lon, lat, accuracy_m, speed_mps) "
        "SELECT :dev, to_timestamp(u.t), :uid, u.x, u.y, u.acc, u.spd FROM unnest("
        "CAST(:t AS float8[]), CAST(:x AS float8[]), CAST(:y AS float8[]), CAST(:acc AS float8[]), "
        "CAST(:spd AS float8[])) AS u(t, x, y, acc, spd) ON CONFLICT DO NOTHING"),
        {"dev": dev.id, "uid": dev.user_id, "t": pts.t.tolist(), "x": pts.lon.tolist(), "y": pts.lat.tolist(),
         "acc": _nullable(pts.acc), "spd": _nullable(pts.spd)})
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
    if len(pts):
        _touch(session, dev, (float(pts.t[-1]), float(pts.lon[-1]), float(pts.lat[-1]),
                              None if math.isnan(pts.acc[-1]) else float(pts.acc[-1]), None))
    return {"batch_id": batch_id, "received_at": now_dt, "accepted": stored, "duplicates": dup,
            "rejected": rejected}


def _touch(session: Session, dev: _Dev, last: tuple[float, float, float, float | None, float | None]) -> None:
    """Newest fix → the device's last_point_at and the holder's last known position (command map)."""
    at = datetime.fromtimestamp(last[0], UTC)
    # Core UPDATE (no ORM synchronisation); the declarative __table__ is typed FromClause.
    session.execute(cast(Table, TrackDevice.__table__).update().where(
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
    """Points of the devices in [start, end), sorted by (device, time), as arrays (t in epoch seconds).
    Times come back as epoch numbers from the database (no datetime object per row)."""
    empty = {"device": np.zeros(0, np.int64), "t": np.zeros(0), "lon": np.zeros(0), "lat": np.zeros(0)}
    if not device_ids:
        return empty
    if is_sqlite(session):
        epoch = "(julianday(at) - 2440587.5) * 86400.0"
        lo, hi = (d.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") for d in (start, end))  # as stored
    else:
        epoch = "extract(epoch from at)"
        lo, hi = start.isoformat(), end.isoformat()
    ids = ",".join(str(int(i)) for i in device_ids)
    rows = session.execute(text(
        f"SELECT device_id, {epoch}, lon, lat FROM track_points WHERE device_id IN ({ids}) "
        "AND at >= :lo AND at < :hi ORDER BY device_id, at"), {"lo": lo, "hi": hi}).all()
    if not rows:
        return empty
    arr = np.array(rows, dtype=np.float64)
    return {"device": arr[:, 0].astype(np.int64), "t": np.round(arr[:, 1], 3), "lon": arr[:, 2], "lat": arr[:, 3]}


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
             start: datetime, end: datetime, tolerance_m: float = 5.0, person_id: int | None = None) -> dict[str, Any]:
    """A track for the map: the person's (or device's) points in [start, end), simplified."""
    if end <= start:
        raise Invalid("结束时间应晚于开始时间")
    if end - start > timedelta(days=2):
        raise Invalid("一次最多回放 48 小时的轨迹")
    if device_id is not None:
        devs = [get_device(session, p, device_id)]
    elif user_id is not None or person_id is not None:
        col, val = (TrackDevice.user_id, user_id) if user_id is not None else (TrackDevice.person_id, person_id)
        devs = list(session.scalars(select(TrackDevice).where(col == val)).all())
        if not devs:
            raise NotFound("此人没有登记定位设备")
        for d in devs:
            p.require(VIEWERS, region_code=d.region_code, what="回放轨迹")
    else:
        raise Invalid("请指定 device_id、user_id 或 person_id")
    pts = load_points(session, [d.id for d in devs], start, end)
    order = np.argsort(pts["t"], kind="stable")
    t, lon, lat = pts["t"][order], pts["lon"][order], pts["lat"][order]
    keep = simplify(lon, lat, tolerance_m)
    return {"devices": [device_dict(d) for d in devs], "start": start, "end": end, "points_total": int(len(t)),
            "points": [[float(t[i]), round(float(lon[i]), 7), round(float(lat[i]), 7)] for i in keep]}


def new_batch_id() -> str:
    return secrets.token_hex(8)


