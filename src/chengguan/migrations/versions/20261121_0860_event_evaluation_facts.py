"""case_events: the evaluation's facts of an event recorded when it is written (case_department_id,
feedback_met), backfilled from the log; partial index of the events that undo a 立案/派遣

Revision ID: 0860
Revises: 0830
Create Date: 2026-11-21 13:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0860'
down_revision: str | Sequence[str] | None = '0830'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDO = sa.text("(from_status = 'registered' AND to_status IN ('voided', 'reported')) "
               "OR (from_status = 'dispatched' AND to_status = 'registered')")


# Backfill from the log, as workflow.transition now records them: the rows concerned are only the
# 结案/核查/自行处置 events, each one index probe on (case_id, seq). (Also run by the tests against the writer.)
BACKFILL = (
    """UPDATE case_events SET case_department_id = (
        SELECT f.department_id FROM case_events f
        WHERE f.case_id = case_events.case_id AND f.seq < case_events.seq AND f.department_id IS NOT NULL
        ORDER BY f.seq DESC LIMIT 1)
    WHERE department_id IS NULL AND action IN ('close', 'check', 'self-dispose')""",
    """UPDATE case_events SET feedback_met = (
        SELECT f.met_deadline FROM case_events f
        WHERE f.case_id = case_events.case_id AND f.seq < case_events.seq AND f.action = 'feedback'
        ORDER BY f.seq DESC LIMIT 1)
    WHERE action = 'close'""",
)


def upgrade() -> None:
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.add_column(sa.Column('feedback_met', sa.Boolean(), nullable=True))
    for stmt in BACKFILL:
        op.execute(stmt)
    op.create_index('ix_case_events_undo', 'case_events', ['case_id', 'seq'], unique=False,
                    postgresql_where=UNDO, sqlite_where=UNDO)


def downgrade() -> None:
    op.drop_index('ix_case_events_undo', table_name='case_events')
    with op.batch_alter_table('case_events', schema=None) as batch_op:
        batch_op.drop_column('feedback_met')
        batch_op.drop_column('case_department_id')
