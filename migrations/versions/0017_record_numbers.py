"""record numbers (编号) of opinions, suggestions, meetings, practical matters and evaluations, and their counters

Revision ID: 0017
Revises: 0016

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# (table, prefix) as in the models' __number_prefix__ when this revision was written.
NUMBERED = [('opinions', 'YJ'), ('suggestions', 'JY'), ('meetings', 'HY'), ('practical_matters', 'SS'), ('evaluations', 'PY')]


def upgrade():
    counters = op.create_table(
        'record_counters',
        sa.Column('kind', sa.String(length=8), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('kind', name=op.f('pk_record_counters')),
    )
    connection = op.get_bind()
    rows = []
    for table, prefix in NUMBERED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('number', sa.String(length=32), nullable=True))
        # An existing record's number is its id, so the numbers keep the order the records were made in.
        ids = connection.execute(sa.text(f'SELECT id FROM {table} ORDER BY id')).scalars().all()
        if ids:
            connection.execute(sa.text(f'UPDATE {table} SET number = :number WHERE id = :id'),
                               [{'number': f'{prefix}-{i:06d}', 'id': i} for i in ids])
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('number', existing_type=sa.String(length=32), nullable=False)
            batch_op.create_unique_constraint(batch_op.f(f'uq_{table}_number'), ['number'])
        rows.append({'kind': prefix, 'last': max(ids, default=0)})
    op.bulk_insert(counters, rows)


def downgrade():
    for table, _prefix in reversed(NUMBERED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'uq_{table}_number'), type_='unique')
            batch_op.drop_column('number')
    op.drop_table('record_counters')
