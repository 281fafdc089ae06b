"""Evidence files from a recording device (body camera …) are registered with the workforce equipment media
register: the body-camera record and the case evidence are the same stored file with the same SHA-256."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from casehelpers import jpeg
from chengguan.system.models import StoredFile
from chengguan.workforce import service as wf
from chengguan.workforce.models import Equipment, EquipmentMedia, Person
from enfhelpers import EFlow, setup_people, uid


@pytest.fixture
def ef(client, auth, db_session):  # type: ignore[no-untyped-def]
    return EFlow(client, auth, setup_people(db_session))


def _upload(client, auth, name: str = "clip.jpg", color=(10, 20, 30)) -> int:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/files", headers=auth("officer1"), files={"file": (name, jpeg(color), "image/jpeg")})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _cameras(session) -> list[Equipment]:  # type: ignore[no-untyped-def]
    return list(session.scalars(select(Equipment).where(Equipment.type == "body_camera").order_by(Equipment.id)))


def _media_count(session, file_id: int) -> int:  # type: ignore[no-untyped-def]
    return int(session.scalar(select(func.count()).select_from(EquipmentMedia).where(EquipmentMedia.file_id == file_id)))


def test_body_camera_evidence_is_the_registered_media_file(ef, client, auth, db_session):
    person = db_session.scalar(select(Person).where(Person.user_id == uid(db_session, "officer1")))
    cam = next((c for c in _cameras(db_session) if c.holder_id == person.id), None) or _cameras(db_session)[0]
    cid = ef.registered()
    two = [ef.ids["officer1"], ef.ids["officer2"]]
    fid = _upload(client, auth)
    out = ef.act(cid, "evidence", "officer1", kind="audiovisual", title="执法记录仪录像", file_id=fid,
                 officer_ids=two, device_id=cam.device_id)
    ev = out["evidence"][-1]
    stored = db_session.get(StoredFile, fid)
    media = db_session.scalar(select(EquipmentMedia).where(EquipmentMedia.file_id == fid))
    assert media is not None and media.device_id == cam.device_id and media.equipment_id == cam.id
    assert ev["file_id"] == media.file_id == fid and ev["sha256"] == stored.sha256 and len(ev["sha256"]) == 64
    info = wf.media_device(db_session, fid)
    assert info is not None and info["device_id"] == cam.device_id
    # the audit entry of the act carries the same digest as the register's file
    event = next(e for e in out["events"] if e["action"] == "evidence")
    assert event["device_id"] == cam.device_id and event["data"]["sha256"] == stored.sha256
    # the same file again (e.g. a second piece of evidence from the same clip): one register row, no conflict
    ef.act(cid, "evidence", "officer1", kind="audiovisual", title="同一录像截取", file_id=fid, officer_ids=two,
           device_id=cam.device_id)
    assert _media_count(db_session, fid) == 1


def test_evidence_media_refusals(ef, client, auth, db_session):
    cams = _cameras(db_session)
    assert len(cams) >= 2
    cid = ef.registered()
    two = [ef.ids["officer1"], ef.ids["officer2"]]
    fid = _upload(client, auth, color=(200, 10, 10))
    before = len(ef.get(cid)["evidence"])
    err = ef.refuse(cid, "evidence", "officer1", "unknown_device", 404, kind="audiovisual", title="录像", file_id=fid,
                    officer_ids=two, device_id="NO-SUCH-CAMERA")
    assert "NO-SUCH-CAMERA" in err["message"]
    ef.act(cid, "evidence", "officer1", kind="audiovisual", title="录像", file_id=fid, officer_ids=two,
           device_id=cams[0].device_id)
    # the file is already another camera's recording
    ef.refuse(cid, "evidence", "officer1", "media_conflict", 409, kind="audiovisual", title="录像", file_id=fid,
              officer_ids=two, device_id=cams[1].device_id)
    radio = db_session.scalar(select(Equipment).where(Equipment.type == "radio"))
    assert radio is not None
    radio.device_id = radio.device_id or "RADIO-T1"
    db_session.commit()
    ef.refuse(cid, "evidence", "officer1", "not_a_recorder", 422, kind="audiovisual", title="录音",
              file_id=_upload(client, auth, color=(1, 200, 1)), officer_ids=two, device_id=radio.device_id)
    assert len(ef.get(cid)["evidence"]) == before + 1


def test_monitoring_device_outside_the_register_is_only_noted(ef, client, auth, db_session):
    cid = ef.registered()
    fid = _upload(client, auth, color=(5, 5, 250))
    out = ef.act(cid, "evidence", "officer1", kind="electronic", title="电子监控抓拍", file_id=fid,
                 officer_ids=[ef.ids["officer1"], ef.ids["officer2"]], from_monitoring=True, device_id="ROAD-CAM-9")
    assert out["evidence"][-1]["device_id"] == "ROAD-CAM-9"
    assert _media_count(db_session, fid) == 0


def test_summary_photos_from_a_body_camera_are_registered(ef, client, auth, db_session):
    cam = _cameras(db_session)[-1]
    fid = _upload(client, auth, color=(90, 90, 9))
    body = {"cause": "占道经营", "party_name": "李四", "party_type": "person", "penalty_types": ["warning"],
            "legal_basis": "《城市市容和环境卫生管理条例》第三十六条", "facts": "占用人行道摆摊",
            "officer_ids": [ef.ids["officer1"], ef.ids["officer2"]], "lon": ef.lon, "lat": ef.lat,
            "party_signed": True, "device_id": cam.device_id, "photo_file_ids": [fid]}
    ef.post("/api/v1/enforcement/summary", "officer1", body, 201)
    media = db_session.scalar(select(EquipmentMedia).where(EquipmentMedia.file_id == fid))
    assert media is not None and media.device_id == cam.device_id
