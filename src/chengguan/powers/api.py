"""权责清单 HTTP API: public list (contract), officers' discretion calculator, administrators' editing,
import and export."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, UploadFile
from fastapi.responses import Response

from chengguan.accounts.roles import Role
from chengguan.core.deps import DbSession, require_roles
from chengguan.core.errors import Invalid, NotFound, PayloadTooLarge
from chengguan.powers import io as powers_io
from chengguan.powers import service, standards_io
from chengguan.powers.schemas import (
    BasisIn,
    FactsIn,
    PowerDetail,
    PowerIn,
    PowerOut,
    PowerPage,
    PowerPatch,
    StandardIn,
)

public = APIRouter(prefix="/api/v1/public/powers", tags=["public"])
router = APIRouter(prefix="/api/v1/powers", tags=["enforcement"])
admin = APIRouter(prefix="/api/v1/admin/powers", tags=["configuration"], dependencies=[require_roles(Role.ADMIN)])

OFFICIALS = (Role.OFFICER, Role.LEGAL_REVIEWER, Role.LEADER, Role.ADMIN)
IMPORT_MAX_BYTES = 10 * 1024 * 1024

PowerTypeQ = Annotated[str | None, Query(alias="type", max_length=4, description="职权类型：处罚/强制/检查/征收/许可/…")]
Q = Annotated[str | None, Query(max_length=50, description="名称、编码或子项")]


def _detail(session: DbSession, p: Any, standards_at: Any = None) -> PowerDetail:
    stds = service.standards(session, p, current_at=standards_at or service.today())
    return PowerDetail(**service.power_view(p), standards=[service.standard_view(s) for s in stds])


@public.get("", response_model=PowerPage, operation_id="public_powers_list")
def public_powers_list(
    session: DbSession, power_type: PowerTypeQ = None, q: Q = None,
    page: Annotated[int, Query(ge=1, le=10000)] = 1, page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PowerPage:
    """权责清单 (no login): each power with its legal basis in force today, implementing body, level,
    responsibility items and accountability. Filter by ``type`` and ``q``; paginated."""
    rows, total = service.list_powers(session, power_type=power_type, q=q, page=page, page_size=page_size)
    return PowerPage(items=[PowerOut(**service.power_view(p)) for p in rows], total=total, page=page,
                     page_size=page_size)


@public.get("/{code}", response_model=PowerDetail, operation_id="public_powers_get")
def public_powers_get(session: DbSession, code: str) -> PowerDetail:
    """One power with its published 裁量基准 in force today ([APL] art 34: standards are public)."""
    p = service.power_by_code(session, code)
    if not p.is_active:
        raise NotFound(f"权责清单中没有事项 {code}", code="power_not_found")
    return _detail(session, p)


@router.post("/{code}/discretion", operation_id="powers_discretion", dependencies=[require_roles(*OFFICIALS)])
def powers_discretion(session: DbSession, code: str, body: FactsIn) -> dict[str, Any]:
    """裁量 calculator: the tier, fine range, applied circumstances and reasons for these facts, and the
    standard id + version the decision must record. Changes nothing."""
    facts = service.DiscretionFacts(
        party_type=body.party_type, party_id=body.party_id, flags=frozenset(body.flags), base_tier=body.base_tier,
        aggravating=frozenset(body.aggravating), mitigating=frozenset(body.mitigating), age=body.age,
        capacity=body.capacity, minor_violation=body.minor_violation, corrected_in_time=body.corrected_in_time,
        harm=body.harm, no_fault=body.no_fault, prior_violations=body.prior_violations,
        first_violation=body.first_violation)
    if body.party_id is not None:
        from chengguan.parties import service as parties

        parties.get(session, body.party_id)
    return service.choose_discretion(session, code, facts=facts, at=body.at or service.today()).as_dict()


@router.get("/circumstances", operation_id="powers_circumstances", dependencies=[require_roles(*OFFICIALS)])
def powers_circumstances() -> dict[str, Any]:
    """The built-in aggravating and mitigating circumstance keys (a standard may add aggravating ones)."""
    return {"aggravating": service.AGGRAVATING,
            "mitigating": {k: {"label": v[0], "article": v[1]} for k, v in service.MITIGATING.items()}}


@router.get("/{code}", response_model=PowerDetail, operation_id="powers_get", dependencies=[require_roles(*OFFICIALS)])
def powers_get(session: DbSession, code: str, all_versions: bool = False) -> PowerDetail:
    """One power for officials: with every basis version and every standard version if ``all_versions``."""
    p = service.power_by_code(session, code)
    if not all_versions:
        return _detail(session, p)
    return PowerDetail(**service.power_view(p, all_versions=True),
                       standards=[service.standard_view(s) for s in service.standards(session, p)])


# ---------------------------------------------------------------- administration


@admin.post("", response_model=PowerDetail, status_code=201, operation_id="admin_powers_create")
def admin_powers_create(session: DbSession, body: PowerIn) -> PowerDetail:
    values = body.model_dump(exclude={"legal_basis"})
    values["responsibilities"] = [r.model_dump() for r in body.responsibilities]
    p = service.create_power(session, values, [b.model_dump() for b in body.legal_basis])
    return _detail(session, p)


@admin.patch("/{code}", response_model=PowerDetail, operation_id="admin_powers_update")
def admin_powers_update(session: DbSession, code: str, body: PowerPatch) -> PowerDetail:
    values = body.model_dump(exclude_unset=True)
    for k in ("name", "power_type", "body", "level", "is_demo", "is_active", "responsibilities"):
        if k in values and values[k] is None:
            raise Invalid(f"{k} 不能为空", code="required")
    p = service.update_power(session, code, values)
    return _detail(session, p)


@admin.post("/{code}/bases", response_model=PowerDetail, status_code=201, operation_id="admin_powers_add_basis")
def admin_powers_add_basis(session: DbSession, code: str, body: BasisIn) -> PowerDetail:
    """Add a provision, or a new version of one already cited (same kind, law and article): the old
    version ends the day before the new one starts."""
    p = service.power_by_code(session, code)
    service.add_basis(session, p, body.model_dump())
    return PowerDetail(**service.power_view(p, all_versions=True))


@admin.post("/{code}/standards", status_code=201, operation_id="admin_powers_add_standard")
def admin_powers_add_standard(request: Request, session: DbSession, code: str, body: StandardIn) -> dict[str, Any]:
    """A new version of the power's 裁量基准 (never edited in place: decisions cite id + version)."""
    p = getattr(request.state, "principal", None)
    std = service.create_standard(session, code, body.model_dump(), actor_id=p.user_id if p else None)
    return service.standard_view(std)


@admin.get("/export", operation_id="admin_powers_export")
def admin_powers_export(session: DbSession, format: Literal["json", "csv", "xlsx"] = "json") -> Response:
    """The whole list: JSON (with every basis and standard version), or the CSV / XLSX table."""
    if format == "json":
        import json

        body = json.dumps(powers_io.export_json(session), ensure_ascii=False, indent=1).encode("utf-8")
        return Response(body, media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="powers.json"'})
    if format == "csv":
        return Response(powers_io.export_csv(session), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="powers.csv"'})
    return Response(powers_io.export_xlsx(session),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="powers.xlsx"'})


@admin.post("/import", operation_id="admin_powers_import")
async def admin_powers_import(session: DbSession, file: UploadFile, format: Literal["json", "csv", "xlsx"] | None = None,
                              replace: bool = False) -> dict[str, Any]:
    """Import the official list (all-or-nothing; errors listed with their item numbers). Existing codes are
    skipped unless ``replace``; then new basis and standard versions are added, nothing is deleted."""
    data = await file.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise PayloadTooLarge("导入文件过大（最大 10 MB）")
    fmt = format or (file.filename or "").rsplit(".", 1)[-1].lower()
    if fmt not in ("json", "csv", "xlsx"):
        raise Invalid("无法判断文件格式，请指定 format=json|csv|xlsx", code="bad_format")
    return powers_io.import_powers(session, data, fmt, replace=replace)


@admin.get("/standards/export", operation_id="admin_discretion_standards_export")
def admin_standards_export(session: DbSession, format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    """Every discretion standard version, one row per tier (the table the import reads)."""
    if format == "csv":
        return Response(standards_io.export_csv(session), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": 'attachment; filename="discretion-standards.csv"'})
    return Response(standards_io.export_xlsx(session),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="discretion-standards.xlsx"'})


@admin.post("/standards/import", operation_id="admin_discretion_standards_import")
async def admin_standards_import(session: DbSession, file: UploadFile,
                                 format: Literal["csv", "xlsx"] | None = None) -> dict[str, Any]:
    """New discretion standard versions from CSV / XLSX (one row per tier). All-or-nothing: any error →
    422 ``import_failed`` with ``details`` = [{row, message}] and nothing imported. (JSON: ``/import``.)"""
    data = await file.read(IMPORT_MAX_BYTES + 1)
    if len(data) > IMPORT_MAX_BYTES:
        raise PayloadTooLarge("导入文件过大（最大 10 MB）")
    fmt = format or (file.filename or "").rsplit(".", 1)[-1].lower()
    if fmt not in ("csv", "xlsx"):
        raise Invalid("无法判断文件格式，请指定 format=csv|xlsx（JSON 请用 /api/v1/admin/powers/import）",
                      code="bad_format")
    return standards_io.import_standards(session, data, fmt)
