"""data versions per kind of data (a write replaces only the versions of what it changes); indexes for the
figures' period filters

Revision ID: 0018
Revises: 0017

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

KINDS = ('attendance', 'checklist', 'opinions', 'matters', 'evaluations', 'people')


def upgrade():
    data_versions = op.create_table(
        'data_versions',
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_data_versions')),
    )
    op.bulk_insert(data_versions, [{'kind': kind, 'token': secrets.token_hex(16)} for kind in KINDS])
    op.drop_table('data_version')
    # A tap compares its time with the deputy's latest applied tap: found by meeting and deputy.
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_changes_meeting_id')
        batch_op.create_index('ix_attendance_changes_meeting_deputy', ['meeting_id', 'deputy_id'], unique=False)
    # Every cached page counts the open meetings that are over (a key of the attendance figures).
    op.create_index('ix_meetings_closed_ends_at', 'meetings', ['closed', 'ends_at'], unique=False)


def downgrade():
    op.drop_index('ix_meetings_closed_ends_at', table_name='meetings')
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_changes_meeting_deputy')
        batch_op.create_index('ix_attendance_changes_meeting_id', ['meeting_id'], unique=False)
    data_version = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(data_version, [{'id': 1, 'token': secrets.token_hex(16)}])
    op.drop_table('data_versions')
