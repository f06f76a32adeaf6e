"""a tap's latest applied tap read from one index: the deputy's history at the meeting ends with it

Revision ID: 0023
Revises: 0022

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    # An index only, in place of the one it extends (its columns lead this one): nothing to backfill.
    op.create_index('ix_attendance_changes_latest', 'attendance_changes',
                    ['meeting_id', 'deputy_id', 'applied', 'tapped_at'], unique=False)
    op.drop_index('ix_attendance_changes_meeting_deputy', table_name='attendance_changes')


def downgrade():
    op.create_index('ix_attendance_changes_meeting_deputy', 'attendance_changes', ['meeting_id', 'deputy_id'],
                    unique=False)
    op.drop_index('ix_attendance_changes_latest', table_name='attendance_changes')
