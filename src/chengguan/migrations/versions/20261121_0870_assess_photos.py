"""assessment: assess_photos links a stored photo to its finding / follow-up (file access for viewers)

Revision ID: 0870
Revises: 0820
Create Date: 2026-11-21 14:10:00
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = '0870'
down_revision: str | Sequence[str] | None = '0820'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assess_photos",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("finding_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("notice_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.ForeignKeyConstraint(["finding_id"], ["assess_findings.id"], name=op.f("fk_assess_photos_finding_id_assess_findings"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["notice_id"], ["assess_notices.id"], name=op.f("fk_assess_photos_notice_id_assess_notices"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assess_photos")),
    )
    op.create_index("ix_assess_photos_file", "assess_photos", ["file_id"], unique=False)
    op.create_index(op.f("ix_assess_photos_finding_id"), "assess_photos", ["finding_id"], unique=False)
    # Backfill from the JSON lists kept on findings and on notices' follow-up checks.
    conn = op.get_bind()
    rows = [{"file_id": int(f), "finding_id": fid, "notice_id": None}
            for fid, ids in conn.execute(sa.text("SELECT id, photo_ids FROM assess_findings"))
            for f in _ids(ids)]
    for nid, fid, followups in conn.execute(sa.text("SELECT id, finding_id, followups FROM assess_notices")):
        for entry in _ids(followups):
            rows += [{"file_id": int(f), "finding_id": fid, "notice_id": nid} for f in (entry or {}).get("photo_ids") or []]
    if rows:
        conn.execute(sa.text("INSERT INTO assess_photos (file_id, finding_id, notice_id) "
                             "VALUES (:file_id, :finding_id, :notice_id)"), rows)


def _ids(v: object) -> list[Any]:
    import json

    if v is None:
        return []
    return json.loads(v) if isinstance(v, str) else list(v)  # type: ignore[call-overload]


def downgrade() -> None:
    op.drop_index(op.f("ix_assess_photos_finding_id"), table_name="assess_photos")
    op.drop_index("ix_assess_photos_file", table_name="assess_photos")
    op.drop_table("assess_photos")
