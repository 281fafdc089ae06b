"""positions: last known positions of field staff

Revision ID: 0400
Revises: 0003
Create Date: 2026-11-21 09:00:40.489950
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from alembic import op

import chengguan.core.types


revision: str = '0400'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_positions',
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lon', sa.Float(), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('accuracy_m', sa.Float(), nullable=True),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_positions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_positions'))
    )
    with op.batch_alter_table('user_positions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_positions_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_user_positions_grid_code'), ['grid_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('user_positions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_positions_grid_code'))
        batch_op.drop_index(batch_op.f('ix_user_positions_at'))

    op.drop_table('user_positions')
