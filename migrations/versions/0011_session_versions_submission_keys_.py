"""session versions, imported passwords to change, submission keys, rotating check-in codes

Revision ID: 0011
Revises: 0007

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('password_must_change', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fixed_checkin_code', sa.Boolean(), server_default=sa.false(), nullable=False))

    op.create_table(
        'submission_keys',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('url', sa.String(length=255), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_submission_keys_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_submission_keys')),
    )
    with op.batch_alter_table('submission_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_keys_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('submission_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_keys_user_id'))
    op.drop_table('submission_keys')
    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_column('fixed_checkin_code')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('password_must_change')
        batch_op.drop_column('session_version')
