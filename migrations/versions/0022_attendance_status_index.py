"""marks read with their status from one index: a period's duty points and days count a year's marks per meeting
without reading the table's rows

Revision ID: 0022
Revises: 0021

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    # An index only: built from the rows already there, nothing to backfill.
    op.create_index('ix_attendance_meeting_deputy_status', 'attendance', ['meeting_id', 'deputy_id', 'status'],
                    unique=False)


def downgrade():
    op.drop_index('ix_attendance_meeting_deputy_status', table_name='attendance')
