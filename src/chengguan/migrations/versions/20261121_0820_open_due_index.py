"""cases: partial index on step_due_at of open cases (overdue lists at 1M cases)

Revision ID: 0820
Revises: 0810
Create Date: 2026-11-21 12:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0820'
down_revision: str | Sequence[str] | None = '0810'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_cases_open_due", "cases", ["step_due_at"], unique=False,
                    postgresql_where=sa.text("step_due_at IS NOT NULL"),
                    sqlite_where=sa.text("step_due_at IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_cases_open_due", table_name="cases")
