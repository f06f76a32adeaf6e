"""data version: one token every writing transaction replaces, the key of the cached figures

Revision ID: 0014
Revises: 0011

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    data_version = op.create_table(
        'data_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version')),
    )
    op.bulk_insert(data_version, [{'id': 1, 'token': secrets.token_hex(16)}])


def downgrade():
    op.drop_table('data_version')
