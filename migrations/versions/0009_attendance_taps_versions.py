"""attendance taps: tap ids, tap times, applied flag; board versions on meetings

Revision ID: 0009
Revises: 0013

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('board_version', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('layout_version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tapped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tapped_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('tap_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('applied', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.create_unique_constraint(batch_op.f('uq_attendance_changes_tap_id'), ['tap_id'])

    # Marks made before tap times existed were tapped when they were received.
    op.execute("UPDATE attendance SET tapped_at = marked_at")
    op.execute("UPDATE attendance_changes SET tapped_at = changed_at")
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.alter_column('tapped_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('version', server_default=None)
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.alter_column('tapped_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column('applied', server_default=None)
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.alter_column('board_version', server_default=None)
        batch_op.alter_column('layout_version', server_default=None)


def downgrade():
    with op.batch_alter_table('attendance_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_attendance_changes_tap_id'), type_='unique')
        batch_op.drop_column('applied')
        batch_op.drop_column('tap_id')
        batch_op.drop_column('tapped_at')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('version')
        batch_op.drop_column('tapped_at')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('layout_version')
        batch_op.drop_column('board_version')
