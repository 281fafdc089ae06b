from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from chengguan import __version__
from chengguan.accounts.roles import Role
from chengguan.core.config import get_settings
from chengguan.core.deps import CurrentUser, DbSession, require_roles
from chengguan.system import settings as cfg

router = APIRouter(prefix="/api/v1/system", tags=["system"])


class SettingIn(BaseModel):
    value: Any


@router.get("/info", operation_id="system_info")
def system_info(session: DbSession) -> dict[str, Any]:
    """Version, run mode and the map configuration the consoles need."""
    s = get_settings()
    return {"version": __version__, "environment": s.environment, "database": "sqlite" if s.is_sqlite else
            "postgresql", "tile_url": s.tile_url, "tile_crs": s.tile_crs, "tile_attribution": s.tile_attribution}


@router.get("/settings", operation_id="settings_list", dependencies=[require_roles(Role.ADMIN)])
def settings_list(session: DbSession) -> list[dict[str, Any]]:
    """Every administrator-editable setting with its default, current value and help text."""
    return cfg.all_values(session)


@router.put("/settings/{key}", operation_id="settings_put", dependencies=[require_roles(Role.ADMIN)])
def settings_put(session: DbSession, key: str, body: SettingIn, user: CurrentUser) -> dict[str, Any]:
    cfg.set_value(session, key, body.value, actor_id=user.user_id)
    return {"key": key, "value": body.value}


@router.delete("/settings/{key}", status_code=204, operation_id="settings_reset",
               dependencies=[require_roles(Role.ADMIN)])
def settings_reset(session: DbSession, key: str) -> None:
    """Back to the documented default."""
    cfg.reset(session, key)
