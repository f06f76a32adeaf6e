"""duty points (履职积分): dated rules per kind of duty, and the published quarters (季度亮分) kept as published

Revision ID: 0020
Revises: 0019

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('point_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('show_ranking', sa.Boolean(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_point_publications_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_publications')),
    sa.UniqueConstraint('starts_on', 'ends_on', name='uq_point_publications_quarter')
    )
    op.create_table('point_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('kind', sa.Enum('checklist', 'present', 'late', 'left_early', 'excused', 'absent', 'voter_meeting', 'opinion', 'submitted', 'adopted', 'matter', 'feedback', 'competent', 'basic', 'incompetent', name='dutykind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('points', sa.Numeric(precision=6, scale=1), nullable=False),
    sa.Column('cap', sa.Numeric(precision=6, scale=1), nullable=True),
    sa.Column('set_by_id', sa.Integer(), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cap IS NULL OR cap >= 0', name=op.f('ck_point_rules_cap_not_negative')),
    sa.ForeignKeyConstraint(['set_by_id'], ['users.id'], name=op.f('fk_point_rules_set_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_rules')),
    sa.UniqueConstraint('effective_on', 'kind', name='uq_point_rules_effective_on_kind')
    )
    with op.batch_alter_table('point_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_rules_effective_on'), ['effective_on'], unique=False)

    op.create_table('point_publication_rows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('publication_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('community', sa.String(length=64), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=9, scale=1), nullable=False),
    sa.Column('kinds', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_point_publication_rows_deputy_id_users')),
    sa.ForeignKeyConstraint(['publication_id'], ['point_publications.id'], name=op.f('fk_point_publication_rows_publication_id_point_publications'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_point_publication_rows')),
    sa.UniqueConstraint('publication_id', 'deputy_id', name='uq_point_publication_rows_deputy')
    )
    with op.batch_alter_table('point_publication_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_point_publication_rows_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_point_publication_rows_publication_id'), ['publication_id'], unique=False)



def downgrade():
    with op.batch_alter_table('point_publication_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_publication_rows_publication_id'))
        batch_op.drop_index(batch_op.f('ix_point_publication_rows_deputy_id'))

    op.drop_table('point_publication_rows')
    with op.batch_alter_table('point_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_point_rules_effective_on'))

    op.drop_table('point_rules')
    op.drop_table('point_publications')
