"""Duty and patrol API: track batches from devices (HMAC-signed), devices, playback, rosters, leave,
on-post statistics, alerts and joint operations."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.requests import ClientDisconnect

from chengguan.core import clock
from chengguan.core.deps import CurrentUser, DbSession
from chengguan.core.errors import AppError, Invalid, PayloadTooLarge
from chengguan.duty import operations, service, tracks
from chengguan.duty.schemas import (
    CaseLinkIn,
    DeviceActive,
    DeviceIn,
    LeaveIn,
    OperationIn,
    OperationPatch,
    RepeatIn,
    ShiftIn,
    SwapIn,
    TaskIn,
    TaskPatch,
)

router = APIRouter(prefix="/api/v1", tags=["duty"])

BATCH_SCHEMA = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["batch_id", "points"],
        "properties": {
            "batch_id": {"type": "string", "minLength": 1, "maxLength": 64, "description": "每批唯一（防重放）"},
            "points": {"type": "array", "items": {"oneOf": [
                {"type": "object", "required": ["t", "lon", "lat"], "properties": {
                    "t": {"oneOf": [{"type": "number"}, {"type": "string", "format": "date-time"}]},
                    "lon": {"type": "number"}, "lat": {"type": "number"}, "acc": {"type": "number"},
                    "speed": {"type": "number"}}},
                {"type": "array", "minItems": 3, "maxItems": 5, "items": {"type": "number"}}]}}}}}}},
}


async def _raw_body(request: Request) -> bytes:
    if int(request.headers.get("content-length") or 0) > tracks.MAX_BODY:
        raise PayloadTooLarge("批次过大，请分批上传", code="batch_too_large")
    try:
        return await request.body()
    except ClientDisconnect:  # the device gave up mid-upload: nothing to answer, nothing stored
        raise AppError("客户端在上传完成前断开", code="client_disconnected") from None


@router.post("/tracks/batches", operation_id="tracks_ingest", openapi_extra=BATCH_SCHEMA)
def tracks_ingest(
    session: DbSession,
    body: Annotated[bytes, Depends(_raw_body)],
    x_device: Annotated[str | None, Header()] = None,
    x_timestamp: Annotated[str | None, Header()] = None,
    x_signature: Annotated[str | None, Header()] = None,
) -> dict[str, Any]:
    """A batch of GPS points from a registered device, signed with the device key (see docs/duty.md):
    ``X-Signature = hex(HMAC-SHA256(key, X-Timestamp + "\\n" + body))``. Bad points are listed by index and
    reason; the good ones are stored. A batch id already received → 409 ``batch_replayed``."""
    return tracks.ingest(session, code=x_device, timestamp=x_timestamp, signature=x_signature, body=body)


# ---------------------------------------------------------------- devices and playback

@router.get("/duty/devices", operation_id="duty_devices_list")
def duty_devices_list(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    return {"items": [tracks.device_dict(d) for d in tracks.list_devices(session, user)]}


@router.post("/duty/devices", status_code=201, operation_id="duty_devices_create")
def duty_devices_create(session: DbSession, user: CurrentUser, body: DeviceIn) -> dict[str, Any]:
    """Register a GPS device. The answer carries the device key (hex) once: configure it on the device."""
    if body.person_id is not None:
        from chengguan.workforce import service as workforce

        person = workforce.get_person(session, body.person_id)
        holder, force, uid = person.name, person.force, body.user_id or person.user_id
    else:
        holder, force, uid = body.holder_name, None, body.user_id
    dev, key = tracks.register_device(session, user, code=body.code, kind=body.kind, region_code=body.region_code,
                                      user_id=uid, person_id=body.person_id, holder_name=body.holder_name or holder,
                                      force=force)
    dev.equipment_id = body.equipment_id
    return {**tracks.device_dict(dev), "key": key}


@router.post("/duty/devices/{device_id}/rotate-key", operation_id="duty_devices_rotate_key")
def duty_devices_rotate_key(session: DbSession, user: CurrentUser, device_id: int) -> dict[str, Any]:
    dev, key = tracks.rotate_key(session, user, device_id)
    return {**tracks.device_dict(dev), "key": key}


@router.patch("/duty/devices/{device_id}", operation_id="duty_devices_set_active")
def duty_devices_set_active(session: DbSession, user: CurrentUser, device_id: int, body: DeviceActive) -> dict[str, Any]:
    return tracks.device_dict(tracks.set_active(session, user, device_id, body.is_active))


def _aware(v: datetime | None, name: str) -> datetime | None:
    if v is not None and v.tzinfo is None:
        raise Invalid(f"{name} 必须带时区（例如 +08:00）")
    return v


@router.get("/tracks/playback", operation_id="tracks_playback")
def tracks_playback(
    session: DbSession, user: CurrentUser,
    start: datetime, end: datetime,
    user_id: int | None = None, device_id: int | None = None, person_id: int | None = None,
    tolerance_m: Annotated[float, Query(ge=0, le=500)] = 5.0,
) -> dict[str, Any]:
    """Track of a device, an account's devices or a personnel record's devices in [start, end), simplified
    (Douglas–Peucker, ``tolerance_m``). Points are ``[t (epoch s), lon, lat]``."""
    _aware(start, "start")
    _aware(end, "end")
    return tracks.playback(session, user, device_id=device_id, user_id=user_id, person_id=person_id, start=start,
                           end=end, tolerance_m=tolerance_m)


# ---------------------------------------------------------------- rosters and leave

@router.get("/duty/shifts", operation_id="duty_shifts_list")
def duty_shifts_list(session: DbSession, user: CurrentUser, day: date | None = None,
                     active: bool = False, kind: str | None = None) -> dict[str, Any]:
    rows = service.list_shifts(session, user, day=day, active_at=clock.now() if active else None, kind=kind)
    return {"items": [service.shift_dict(s) for s in rows]}


@router.post("/duty/shifts", status_code=201, operation_id="duty_shifts_create")
def duty_shifts_create(session: DbSession, user: CurrentUser, body: ShiftIn) -> dict[str, Any]:
    """Roster a shift. Joint squads (kind ``joint``) are checked against the composition rule; a squad
    that lacks people is refused (422 ``squad_composition``) with what is missing."""
    return service.shift_dict(service.create_shift(session, user, body))


@router.get("/duty/shifts/{shift_id}", operation_id="duty_shifts_get")
def duty_shifts_get(session: DbSession, user: CurrentUser, shift_id: int) -> dict[str, Any]:
    return service.shift_dict(service.get_shift(session, user, shift_id))


@router.delete("/duty/shifts/{shift_id}", status_code=204, operation_id="duty_shifts_delete")
def duty_shifts_delete(session: DbSession, user: CurrentUser, shift_id: int) -> Response:
    service.delete_shift(session, user, shift_id)
    return Response(status_code=204)


@router.post("/duty/shifts/{shift_id}/repeat", operation_id="duty_shifts_repeat")
def duty_shifts_repeat(session: DbSession, user: CurrentUser, shift_id: int, body: RepeatIn) -> dict[str, Any]:
    """Copy the shift to the following days (e.g. ``{"days": [1, 2, 3, 4, 5, 6]}`` for a week). Days that
    fail a roster check are listed under ``refused`` with the reason; the others are created."""
    return service.repeat(session, user, shift_id, body)


@router.post("/duty/shifts/{shift_id}/swap", operation_id="duty_shifts_swap")
def duty_shifts_swap(session: DbSession, user: CurrentUser, shift_id: int, body: SwapIn) -> dict[str, Any]:
    return service.shift_dict(service.swap(session, user, shift_id, body))


@router.get("/duty/composition", operation_id="duty_composition")
def duty_composition(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    """The default joint-squad composition rule (setting ``duty.joint_squad_composition``)."""
    from chengguan.duty.models import FORCES

    return {"rule": service.composition_rule(session), "forces": FORCES}


@router.post("/duty/leaves", status_code=201, operation_id="duty_leaves_create")
def duty_leaves_create(session: DbSession, user: CurrentUser, body: LeaveIn) -> dict[str, Any]:
    lv, affected = service.create_leave(session, user, body)
    return {"id": lv.id, "person_id": lv.person_id, "name": lv.name, "kind": lv.kind, "starts_at": lv.starts_at,
            "ends_at": lv.ends_at, "affected_shifts": affected}


@router.get("/duty/leaves", operation_id="duty_leaves_list")
def duty_leaves_list(session: DbSession, user: CurrentUser) -> dict[str, Any]:
    rows = service.list_leaves(session, user, since=clock.now() - timedelta(days=30))
    return {"items": [{"id": lv.id, "person_id": lv.person_id, "name": lv.name, "kind": lv.kind,
                       "starts_at": lv.starts_at, "ends_at": lv.ends_at, "reason": lv.reason} for lv in rows]}


# ---------------------------------------------------------------- on post and alerts

@router.get("/duty/shifts/{shift_id}/onpost", operation_id="duty_shift_onpost")
def duty_shift_onpost(session: DbSession, user: CurrentUser, shift_id: int) -> dict[str, Any]:
    """在岗在位 of the shift's members, computed now from the tracks (time inside the assigned grids,
    distance, coverage of the unit grids, on-post flag)."""
    return service.onpost_for_shift(session, user, shift_id)


@router.get("/duty/onpost", operation_id="duty_onpost_day")
def duty_onpost_day(session: DbSession, user: CurrentUser, day: date | None = None) -> dict[str, Any]:
    """Stored on-post results of a day's shifts (kept current by the worker job ``duty.onpost_watch``, every 5 minutes)."""
    return {"day": day or clock.local(clock.now()).date(),
            "items": service.onpost_summary(session, user, day or clock.local(clock.now()).date())}


@router.get("/duty/alerts", operation_id="duty_alerts_list")
def duty_alerts_list(session: DbSession, user: CurrentUser,
                     hours: Annotated[float, Query(gt=0, le=24 * 31)] = 24) -> dict[str, Any]:
    return {"items": service.list_alerts(session, user, since=clock.now() - timedelta(hours=hours))}


# ---------------------------------------------------------------- joint operations

@router.get("/duty/operations", operation_id="duty_operations_list")
def duty_operations_list(session: DbSession, user: CurrentUser, status: str | None = None) -> dict[str, Any]:
    return {"items": [operations.op_dict(session, o, full=False) for o in operations.list_ops(session, user,
                                                                                              status=status)]}


@router.post("/duty/operations", status_code=201, operation_id="duty_operations_create")
def duty_operations_create(session: DbSession, user: CurrentUser, body: OperationIn) -> dict[str, Any]:
    return operations.op_dict(session, operations.create(session, user, body))


@router.get("/duty/operations/{op_id}", operation_id="duty_operations_get")
def duty_operations_get(session: DbSession, user: CurrentUser, op_id: int) -> dict[str, Any]:
    return operations.op_dict(session, operations.get(session, user, op_id))


@router.patch("/duty/operations/{op_id}", operation_id="duty_operations_update")
def duty_operations_update(session: DbSession, user: CurrentUser, op_id: int, body: OperationPatch) -> dict[str, Any]:
    return operations.op_dict(session, operations.update(session, user, op_id, body))


@router.post("/duty/operations/{op_id}/tasks", status_code=201, operation_id="duty_operations_add_task")
def duty_operations_add_task(session: DbSession, user: CurrentUser, op_id: int, body: TaskIn) -> dict[str, Any]:
    t = operations.add_task(session, user, op_id, body)
    return {"id": t.id, "title": t.title, "team": t.team, "place": t.place, "status": t.status}


@router.patch("/duty/operations/{op_id}/tasks/{task_id}", operation_id="duty_operations_update_task")
def duty_operations_update_task(session: DbSession, user: CurrentUser, op_id: int, task_id: int,
                                body: TaskPatch) -> dict[str, Any]:
    t = operations.update_task(session, user, op_id, task_id, body)
    return {"id": t.id, "title": t.title, "status": t.status, "result": t.result}


@router.post("/duty/operations/{op_id}/cases", operation_id="duty_operations_link_cases")
def duty_operations_link_cases(session: DbSession, user: CurrentUser, op_id: int, body: CaseLinkIn) -> dict[str, Any]:
    """Link cases found or handled during the operation (they must lie in its region)."""
    return {"linked": operations.link_cases(session, user, op_id, body)}


@router.get("/duty/operations/{op_id}/report", operation_id="duty_operations_report",
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def duty_operations_report(session: DbSession, user: CurrentUser, op_id: int,
                           format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html") -> Response:
    """The operation report (行动报告): overview, agencies and teams, results, tasks, linked cases."""
    if format == "pdf":
        pdf = operations.report_pdf(session, user, op_id)
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="operation-{op_id}.pdf"'})
    return HTMLResponse(operations.report_html(session, user, op_id))
