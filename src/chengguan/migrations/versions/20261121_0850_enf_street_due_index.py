"""enforcement: (street_code, next_due_at) index for the street-wide work list

Revision ID: 0850
Revises: 0870
Create Date: 2026-11-21 14:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0850'
down_revision: str | Sequence[str] | None = '0870'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_enf_cases_street_due", "enf_cases", ["street_code", "next_due_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enf_cases_street_due", table_name="enf_cases")
