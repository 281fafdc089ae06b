"""Uploads: checked, hashed, stored (content-addressed), thumbnailed; served only to those allowed."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.core import clock
from chengguan.core.config import get_settings
from chengguan.core.errors import Forbidden, NotFound
from chengguan.core.files import FileStore, LocalFileStore, inspect_upload, make_thumbnail
from chengguan.system.models import StoredFile


@lru_cache
def store() -> FileStore:
    return LocalFileStore(get_settings().data_dir / "files")


def reset_store() -> None:
    store.cache_clear()


def save_upload(session: Session, data: bytes, filename: str, declared_type: str | None, *,
                user_id: int | None, meta: dict[str, Any] | None = None) -> StoredFile:
    info = inspect_upload(data, filename, declared_type, get_settings().upload_max_bytes)
    st = store()
    st.put(data, key=info.sha256)
    thumb_key = None
    if info.kind == "image" and info.content_type != "image/heic" and info.content_type != "image/heif":
        thumb = make_thumbnail(data)
        thumb_key = _sha(thumb)
        st.put(thumb, key=thumb_key)
    row = StoredFile(sha256=info.sha256, size=info.size, content_type=info.content_type, kind=info.kind,
                     filename=(filename or "")[:255] or None, width=info.width, height=info.height,
                     thumb_sha256=thumb_key, created_at=clock.now(), created_by=user_id, meta=dict(meta or {}))
    session.add(row)
    session.flush()
    return row


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def get_file(session: Session, file_id: int) -> StoredFile:
    row = session.get(StoredFile, file_id)
    if row is None:
        raise NotFound("文件不存在")
    return row


def check_access(session: Session, row: StoredFile, p: Principal | None) -> None:
    """The uploader, or anyone who may see a case the file is attached to."""
    if p is not None and row.created_by == p.user_id:
        return
    from chengguan.cases import service as cases
    from chengguan.cases.models import Case, CaseAttachment

    if p is not None:
        # One query over every case the file is attached to (a photo may be shared by many cases) …
        visible = cases.scope_filter(select(Case.id).join(CaseAttachment, CaseAttachment.case_id == Case.id)
                                     .where(CaseAttachment.file_id == row.id), p).limit(1)
        if session.scalar(visible) is not None:
            return
        # … then the rules scope_filter does not cover (e.g. co-reporters of a merged case).
        for case in session.scalars(select(Case).join(CaseAttachment, CaseAttachment.case_id == Case.id)
                                    .where(CaseAttachment.file_id == row.id).limit(20)):
            if cases.can_see(session, p, case):
                return
    for checker in EXTRA_ACCESS:
        if checker(session, row, p):
            return
    raise Forbidden("您无权查看该文件")


# Other domains (enforcement evidence, public report photos) add their own access rules here.
EXTRA_ACCESS: list[Any] = []


