from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from chengguan.core.deps import CurrentUser, DbSession
from chengguan.notify import service

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class ReadIn(BaseModel):
    ids: list[int] | None = None


@router.get("", operation_id="notifications_list")
def notifications_list(session: DbSession, user: CurrentUser, unread_only: bool = False) -> dict[str, Any]:
    """My notifications (to me, my department, or my role in my region), newest first."""
    return {"items": service.list_for(session, user, unread_only=unread_only),
            "unread": service.unread_count(session, user)}


@router.post("/read", operation_id="notifications_read")
def notifications_read(session: DbSession, user: CurrentUser, body: ReadIn) -> dict[str, int]:
    """Mark notifications read (all of mine when ``ids`` is omitted)."""
    return {"marked": service.mark_read(session, user, body.ids)}
