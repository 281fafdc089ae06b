"""Signed track batches: signature, replay, timestamps, duplicates, out-of-order — good points kept."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from sqlalchemy import text

from chengguan.core import clock
from chengguan.duty import tracks


@pytest.fixture
def device(client, auth):
    code = f"T-{uuid.uuid4().hex[:8]}"
    district = client.get("/api/v1/city").json()["district_code"]
    r = client.post("/api/v1/duty/devices", headers=auth("admin"),
                    json={"code": code, "kind": "phone", "region_code": district, "user_id": None,
                          "holder_name": "测试队员"})
    assert r.status_code == 201, r.text
    tracks.invalidate()
    return r.json()


def post(client, dev, doc, *, key=None, ts=None, sig=None, raw=None):
    body = raw if raw is not None else json.dumps(doc).encode()
    ts = str(int(clock.now().timestamp())) if ts is None else ts
    k = bytes.fromhex(key or dev["key"])
    sig = sig or tracks.sign(k, ts, body)
    return client.post("/api/v1/tracks/batches", content=body,
                       headers={"X-Device": dev["code"], "X-Timestamp": ts, "X-Signature": sig,
                                "Content-Type": "application/json"})


def stored(db_session, dev_id):
    return int(db_session.execute(text("select count(*) from track_points where device_id = :d"),
                                  {"d": dev_id}).scalar_one())


def test_good_batch_out_of_order_and_duplicates(client, device, db_session):
    now = clock.now().timestamp()
    pts = [{"t": now - 30, "lon": 121.18, "lat": 31.87}, [now - 50, 121.181, 31.871, 4.0, 1.2],
           {"t": now - 40, "lon": 121.182, "lat": 31.872, "acc": 5}, {"t": now - 30, "lon": 121.18, "lat": 31.87}]
    r = post(client, device, {"batch_id": "b1", "points": pts})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 3 and r.json()["duplicates"] == 1 and r.json()["rejected"] == []
    # the same points again in a new batch: all duplicates, nothing new stored
    r = post(client, device, {"batch_id": "b2", "points": pts[:3]})
    assert r.json()["accepted"] == 0 and r.json()["duplicates"] == 3
    assert stored(db_session, device["id"]) == 3
    times = db_session.execute(text("select at from track_points where device_id = :d order by at"),
                               {"d": device["id"]}).scalars().all()
    assert len(times) == 3


def test_bad_points_rejected_good_points_kept(client, device, db_session):
    now = clock.now().timestamp()
    pts = [
        {"t": now - 10, "lon": 121.18, "lat": 31.87},  # good
        {"t": now + 3600, "lon": 121.18, "lat": 31.87},  # future
        {"t": now - 30 * 86400, "lon": 121.18, "lat": 31.87},  # too old
        {"t": now - 20, "lon": 200, "lat": 31.87},  # bad position
        {"t": "yesterday", "lon": 121.18, "lat": 31.87},  # bad time
        {"t": "2026-11-21T10:00:00", "lon": 121.18, "lat": 31.87},  # naive ISO time
        "garbage",  # malformed
        {"t": now - 25, "lon": 121.18, "lat": 31.87, "acc": -1},  # bad value
        [now - 5, 121.19, 31.88],  # good
    ]
    r = post(client, device, {"batch_id": "mixed", "points": pts})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["accepted"] == 2
    assert [(x["index"], x["reason"]) for x in body["rejected"]] == [
        (1, "future"), (2, "too_old"), (3, "bad_position"), (4, "bad_time"), (5, "bad_time"), (6, "malformed"),
        (7, "bad_value")]
    assert stored(db_session, device["id"]) == 2


def test_replayed_batch_refused_and_changes_nothing(client, device, db_session):
    doc = {"batch_id": "once", "points": [{"t": clock.now().timestamp() - 5, "lon": 121.18, "lat": 31.87}]}
    assert post(client, device, doc).status_code == 200
    r = post(client, device, doc)
    assert r.status_code == 409 and r.json()["error"]["code"] == "batch_replayed"
    assert r.json()["error"]["details"]["accepted"] == 1
    assert stored(db_session, device["id"]) == 1


@pytest.mark.parametrize("case", ["bad_signature", "stale_request", "signature_missing", "device_unknown",
                                  "tampered"])
def test_refused_requests_store_nothing(client, device, db_session, case):
    doc = {"batch_id": f"x-{case}", "points": [{"t": clock.now().timestamp() - 5, "lon": 121.18, "lat": 31.87}]}
    body = json.dumps(doc).encode()
    if case == "bad_signature":
        r = post(client, device, doc, key="00" * 32)
    elif case == "stale_request":
        r = post(client, device, doc, ts=str(int(clock.now().timestamp()) - 3600))
    elif case == "signature_missing":
        r = client.post("/api/v1/tracks/batches", content=body, headers={"X-Device": device["code"]})
    elif case == "device_unknown":
        r = post(client, {**device, "code": "NOPE-1"}, doc)
    else:  # signed, then the body changed in transit
        ts = str(int(clock.now().timestamp()))
        sig = tracks.sign(bytes.fromhex(device["key"]), ts, body)
        r = post(client, device, doc, ts=ts, sig=sig, raw=body.replace(b"121.18", b"121.99"))
    expected = "bad_signature" if case == "tampered" else case
    assert r.status_code == 401, r.text
    assert r.json()["error"]["code"] == expected
    assert stored(db_session, device["id"]) == 0


@pytest.mark.parametrize("raw,code", [(b"{not json", "malformed_batch"), (b"[1, 2]", "malformed_batch"),
                                      (b'{"points": []}', "malformed_batch"),
                                      (b'{"batch_id": "a", "points": 5}', "malformed_batch")])
def test_malformed_envelope_is_422(client, device, raw, code):
    r = post(client, device, None, raw=raw)
    assert r.status_code == 422 and r.json()["error"]["code"] == code


def test_rotated_key_and_inactive_device(client, auth, device):
    doc = {"batch_id": "r1", "points": [{"t": clock.now().timestamp() - 5, "lon": 121.18, "lat": 31.87}]}
    r = client.post(f"/api/v1/duty/devices/{device['id']}/rotate-key", headers=auth("admin"))
    assert r.status_code == 200
    new_key = r.json()["key"]
    assert new_key != device["key"]
    assert post(client, device, doc).json()["error"]["code"] == "bad_signature"  # the old key is dead
    assert post(client, device, doc, key=new_key).status_code == 200
    r = client.patch(f"/api/v1/duty/devices/{device['id']}", headers=auth("admin"), json={"is_active": False})
    assert r.status_code == 200
    r = post(client, device, {**doc, "batch_id": "r2"}, key=new_key)
    assert r.status_code == 401 and r.json()["error"]["code"] == "device_inactive"


def test_device_registration_needs_a_manager(client, auth):
    r = client.post("/api/v1/duty/devices", headers=auth("collector1"),
                    json={"code": "C-1", "kind": "phone", "region_code": "320614"})
    assert r.status_code == 403


def test_playback_simplifies_and_checks_role(client, auth, device):
    base = clock.now().timestamp() - 600
    # a straight line north with one corner: the simplified track keeps the ends and the corner
    pts = [[base + i, 121.18, 31.87 + i * 0.0001] for i in range(50)] + \
          [[base + 50 + i, 121.18 + (i + 1) * 0.0001, 31.87 + 49 * 0.0001] for i in range(50)]
    assert post(client, device, {"batch_id": "pb", "points": pts}).json()["accepted"] == 100
    start = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base - 60))
    end = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(base + 3600))
    q = {"device_id": device["id"], "start": start, "end": end}
    r = client.get("/api/v1/tracks/playback", params=q, headers=auth("leader1"))
    assert r.status_code == 200, r.text
    assert r.json()["points_total"] == 100
    kept = r.json()["points"]
    assert len(kept) == 3 and kept[0][0] == pytest.approx(base) and kept[-1][0] == pytest.approx(base + 99)
    assert client.get("/api/v1/tracks/playback", params=q, headers=auth("collector1")).status_code == 403


def test_vectorised_and_point_by_point_parsing_agree():
    """The fast path (one numeric shape) and the per-point path apply the same rules."""
    import random

    rnd = random.Random(5)
    now = 1_763_700_000.0
    raw = []
    for _ in range(400):
        t = now + rnd.choice([-10, -100, 500, -4e5, -50.0005, -50.0004]) + rnd.random()
        lon = rnd.choice([121.2, 121.3, 181.0, -200.0])
        lat = rnd.choice([31.8, 95.0])
        raw.append([t, lon, lat, rnd.choice([5.0, -1.0, 0])])
    fast_pts, fast_rej, fast_dup = tracks.parse_points(raw, now, 120, 72 * 3600)
    slow_pts, slow_rej, slow_dup = tracks.parse_points(raw + ["junk"], now, 120, 72 * 3600)
    assert tracks._fast_arrays(raw) is not None and tracks._fast_arrays(raw + ["junk"]) is None
    assert slow_rej == fast_rej + [{"index": 400, "reason": "malformed", "message": tracks.REASONS["malformed"]}]
    assert fast_dup == slow_dup
    for f in ("t", "lon", "lat", "acc"):
        assert (getattr(fast_pts, f) == getattr(slow_pts, f)).all()
    dicts = [{"t": p[0], "lon": p[1], "lat": p[2], "acc": p[3]} for p in raw]
    d_pts, d_rej, _ = tracks.parse_points(dicts, now, 120, 72 * 3600)
    assert d_rej == fast_rej and (d_pts.t == fast_pts.t).all()
