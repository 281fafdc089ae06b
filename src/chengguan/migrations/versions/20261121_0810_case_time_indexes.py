"""cases: indexes on registered_at and closed_at (the dashboards' today/month counts and trends)

Revision ID: 0810
Revises: 0800
Create Date: 2026-11-21 11:50:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0810'
down_revision: str | Sequence[str] | None = '0800'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_registered_at', ['registered_at'], unique=False)
        batch_op.create_index('ix_cases_closed_at', ['closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_closed_at')
        batch_op.drop_index('ix_cases_registered_at')
