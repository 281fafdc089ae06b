"""workforce: personnel, enforcement certificates, training and exams, performance records, equipment

Revision ID: 0500
Revises: 0400
Create Date: 2026-11-21 10:41:53.744386
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy import Text  # noqa: F401  (autogenerate renders JSONB(astext_type=Text()))
from alembic import op

import chengguan.core.types
from sqlalchemy.dialects import postgresql

revision: str = '0500'
down_revision: str | Sequence[str] | None = '0400'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('training_courses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('has_exam', sa.Boolean(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('legal', 'drill', 'pre_post', 'skill', 'other')", name=op.f('ck_training_courses_kind')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_courses')),
    sa.UniqueConstraint('code', name=op.f('uq_training_courses_code'))
    )
    op.create_table('training_sessions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('starts_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('location', sa.String(length=100), nullable=True),
    sa.Column('trainer', sa.String(length=64), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_training_sessions_course_id_training_courses')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_training_sessions_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_sessions'))
    )
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_sessions_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_training_sessions_starts_at'), ['starts_at'], unique=False)

    op.create_table('personnel',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('employee_no', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('gender', sa.String(length=2), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('force', sa.String(length=16), nullable=False),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('street_code', sa.String(length=9), nullable=True),
    sa.Column('post', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('photo_file_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('phone', sa.String(length=32), nullable=True),
    sa.Column('joined_on', sa.Date(), nullable=True),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("force in ('chengguan', 'xieguan', 'police', 'aux_police')", name=op.f('ck_personnel_force')),
    sa.CheckConstraint("kind in ('civil_servant', 'managed', 'institution', 'auxiliary')", name=op.f('ck_personnel_kind')),
    sa.CheckConstraint("status in ('in_post', 'training', 'suspended', 'left')", name=op.f('ck_personnel_status')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_personnel_department_id_departments')),
    sa.ForeignKeyConstraint(['photo_file_id'], ['stored_files.id'], name=op.f('fk_personnel_photo_file_id_stored_files')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_personnel_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personnel')),
    sa.UniqueConstraint('employee_no', name=op.f('uq_personnel_employee_no')),
    sa.UniqueConstraint('user_id', name=op.f('uq_personnel_user_id'))
    )
    with op.batch_alter_table('personnel', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personnel_department_id'), ['department_id'], unique=False)
        batch_op.create_index('ix_personnel_dept_status', ['department_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_personnel_street_code'), ['street_code'], unique=False)

    op.create_table('certificates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('issuing_body', sa.String(length=100), nullable=False),
    sa.Column('scope', sa.String(length=200), nullable=False),
    sa.Column('scopes', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('valid_from', sa.Date(), nullable=False),
    sa.Column('valid_to', sa.Date(), nullable=False),
    sa.Column('revoked_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('valid_to >= valid_from', name=op.f('ck_certificates_valid_range')),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_certificates_person_id_personnel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('number', name=op.f('uq_certificates_number'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_person_id'), ['person_id'], unique=False)
        batch_op.create_index('ix_certificates_valid_to', ['valid_to'], unique=False)

    op.create_table('equipment',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('model', sa.String(length=64), nullable=True),
    sa.Column('device_id', sa.String(length=64), nullable=True),
    sa.Column('plate_no', sa.String(length=16), nullable=True),
    sa.Column('department_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('holder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('acquired_on', sa.Date(), nullable=True),
    sa.Column('last_check_on', sa.Date(), nullable=True),
    sa.Column('next_check_due', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('in_service', 'idle', 'in_repair', 'lost', 'scrapped')", name=op.f('ck_equipment_status')),
    sa.CheckConstraint("type in ('vehicle', 'motorcycle', 'ebike', 'radio', 'body_camera', 'dash_camera', 'camera', 'drone', 'other')", name=op.f('ck_equipment_type')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_equipment_department_id_departments')),
    sa.ForeignKeyConstraint(['holder_id'], ['personnel.id'], name=op.f('fk_equipment_holder_id_personnel'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment')),
    sa.UniqueConstraint('code', name=op.f('uq_equipment_code')),
    sa.UniqueConstraint('device_id', name=op.f('uq_equipment_device_id'))
    )
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_holder_id'), ['holder_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_next_check_due'), ['next_check_due'], unique=False)
        batch_op.create_index('ix_equipment_type_status', ['type', 'status'], unique=False)

    op.create_table('exam_results',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('course_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('post', sa.String(length=32), nullable=True),
    sa.Column('taken_on', sa.Date(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('passed', sa.Boolean(), nullable=False),
    sa.Column('recorded_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['course_id'], ['training_courses.id'], name=op.f('fk_exam_results_course_id_training_courses')),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_exam_results_person_id_personnel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_exam_results_session_id_training_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_results'))
    )
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.create_index('ix_exam_results_person_taken', ['person_id', 'taken_on'], unique=False)

    op.create_table('performance_records',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('metric', sa.String(length=32), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('recorded_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_performance_records_person_id_personnel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_performance_records')),
    sa.UniqueConstraint('person_id', 'period', 'metric', name=op.f('uq_performance_records_person_id_period_metric'))
    )
    with op.batch_alter_table('performance_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_performance_records_period'), ['period'], unique=False)
        batch_op.create_index(batch_op.f('ix_performance_records_person_id'), ['person_id'], unique=False)

    op.create_table('personnel_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_personnel_events_person_id_personnel'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_personnel_events'))
    )
    with op.batch_alter_table('personnel_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_personnel_events_person_id'), ['person_id'], unique=False)

    op.create_table('training_attendance',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('session_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('person_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('recorded_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('present', 'late', 'absent', 'excused')", name=op.f('ck_training_attendance_status')),
    sa.ForeignKeyConstraint(['person_id'], ['personnel.id'], name=op.f('fk_training_attendance_person_id_personnel'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['training_sessions.id'], name=op.f('fk_training_attendance_session_id_training_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_attendance')),
    sa.UniqueConstraint('session_id', 'person_id', name=op.f('uq_training_attendance_session_id_person_id'))
    )
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_training_attendance_person_id'), ['person_id'], unique=False)

    op.create_table('equipment_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('equipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('result', sa.String(length=12), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('holder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('cost', sa.Float(), nullable=True),
    sa.Column('actor_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("kind in ('check', 'maintenance', 'repair', 'assign', 'return', 'status')", name=op.f('ck_equipment_events_kind')),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_equipment_events_equipment_id_equipment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_events'))
    )
    with op.batch_alter_table('equipment_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_equipment_events_equipment_id'), ['equipment_id'], unique=False)

    op.create_table('equipment_media',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('equipment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('file_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('recorded_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('holder_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('registered_at', chengguan.core.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['equipment_id'], ['equipment.id'], name=op.f('fk_equipment_media_equipment_id_equipment')),
    sa.ForeignKeyConstraint(['file_id'], ['stored_files.id'], name=op.f('fk_equipment_media_file_id_stored_files'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equipment_media')),
    sa.UniqueConstraint('file_id', name=op.f('uq_equipment_media_file_id'))
    )
    with op.batch_alter_table('equipment_media', schema=None) as batch_op:
        batch_op.create_index('ix_equipment_media_device_at', ['device_id', 'recorded_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_equipment_media_equipment_id'), ['equipment_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('equipment_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_media_equipment_id'))
        batch_op.drop_index('ix_equipment_media_device_at')

    op.drop_table('equipment_media')
    with op.batch_alter_table('equipment_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_equipment_events_equipment_id'))

    op.drop_table('equipment_events')
    with op.batch_alter_table('training_attendance', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_attendance_person_id'))

    op.drop_table('training_attendance')
    with op.batch_alter_table('personnel_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personnel_events_person_id'))

    op.drop_table('personnel_events')
    with op.batch_alter_table('performance_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_performance_records_person_id'))
        batch_op.drop_index(batch_op.f('ix_performance_records_period'))

    op.drop_table('performance_records')
    with op.batch_alter_table('exam_results', schema=None) as batch_op:
        batch_op.drop_index('ix_exam_results_person_taken')

    op.drop_table('exam_results')
    with op.batch_alter_table('equipment', schema=None) as batch_op:
        batch_op.drop_index('ix_equipment_type_status')
        batch_op.drop_index(batch_op.f('ix_equipment_next_check_due'))
        batch_op.drop_index(batch_op.f('ix_equipment_holder_id'))
        batch_op.drop_index(batch_op.f('ix_equipment_department_id'))

    op.drop_table('equipment')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('ix_certificates_valid_to')
        batch_op.drop_index(batch_op.f('ix_certificates_person_id'))

    op.drop_table('certificates')
    with op.batch_alter_table('personnel', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_personnel_street_code'))
        batch_op.drop_index(batch_op.f('ix_personnel_status'))
        batch_op.drop_index('ix_personnel_dept_status')
        batch_op.drop_index(batch_op.f('ix_personnel_department_id'))

    op.drop_table('personnel')
    with op.batch_alter_table('training_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_training_sessions_starts_at'))
        batch_op.drop_index(batch_op.f('ix_training_sessions_course_id'))

    op.drop_table('training_sessions')
    op.drop_table('training_courses')
