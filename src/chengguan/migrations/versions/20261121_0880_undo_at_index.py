"""cases: partial index of the undoing events by time, for the evaluation's 准确立案/准确派遣 of one period

Revision ID: 0880
Revises: 0860
Create Date: 2026-11-21 17:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0880'
down_revision: str | Sequence[str] | None = '0860'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDO = ("(from_status = 'registered' AND to_status IN ('voided', 'reported')) "
        "OR (from_status = 'dispatched' AND to_status = 'registered')")


def upgrade() -> None:
    op.create_index("ix_case_events_undo_at", "case_events", ["at"], unique=False,
                    postgresql_where=sa.text(UNDO), sqlite_where=sa.text(UNDO))


def downgrade() -> None:
    op.drop_index("ix_case_events_undo_at", table_name="case_events")
