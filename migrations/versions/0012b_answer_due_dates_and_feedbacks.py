"""answer due dates of submitted suggestions, and the deputies' 回访 (answers carried back to the voters)

Revision ID: 0012b
Revises: 0009

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012b'
down_revision = '0009'
branch_labels = None
depends_on = None

# The default of ANSWER_DUE_DAYS when this revision was written; existing suggestions get it.
BACKFILL_DAYS = 30


def upgrade():
    op.create_table('answer_feedbacks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('fed_back_on', sa.Date(), nullable=False),
    sa.Column('method', sa.Enum('visit', 'phone', 'meeting', 'notice', 'other', name='feedbackmethod', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_answer_feedbacks_deputy_id_users')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_answer_feedbacks_recorded_by_id_users')),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_answer_feedbacks_suggestion_id_suggestions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_feedbacks')),
    sa.UniqueConstraint('suggestion_id', 'deputy_id', name=op.f('uq_answer_feedbacks_suggestion_id'))
    )
    with op.batch_alter_table('answer_feedbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_feedbacks_deputy_id'), ['deputy_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_answer_feedbacks_suggestion_id'), ['suggestion_id'], unique=False)

    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_due_on', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_suggestions_answer_due_on'), ['answer_due_on'], unique=False)

    # Backfill: every suggestion past the draft is due BACKFILL_DAYS after its submission (or its creation).
    suggestions = sa.table('suggestions', sa.column('id', sa.Integer), sa.column('state', sa.String),
                           sa.column('submitted_on', sa.Date), sa.column('created_at', sa.DateTime),
                           sa.column('answer_due_on', sa.Date))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(suggestions.c.id, suggestions.c.submitted_on, suggestions.c.created_at).where(suggestions.c.state != 'draft')
    ).all()
    for suggestion_id, submitted_on, created_at in rows:
        start = submitted_on or created_at.date()
        connection.execute(
            suggestions.update().where(suggestions.c.id == suggestion_id).values(answer_due_on=start + timedelta(days=BACKFILL_DAYS))
        )

    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.create_check_constraint('answer_due_once_submitted', "state = 'draft' OR answer_due_on IS NOT NULL")


def downgrade():
    with op.batch_alter_table('suggestions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_suggestions_answer_due_once_submitted'), type_='check')
        batch_op.drop_index(batch_op.f('ix_suggestions_answer_due_on'))
        batch_op.drop_column('answer_due_on')

    with op.batch_alter_table('answer_feedbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_feedbacks_suggestion_id'))
        batch_op.drop_index(batch_op.f('ix_answer_feedbacks_deputy_id'))

    op.drop_table('answer_feedbacks')
