"""meeting tallies: each closed meeting's counted places per community, kept so that a period's attendance is a
sum of rows (filled here from the meetings already closed); the opinions counted from an index

Revision ID: 0021
Revises: 0020

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

STATUSES = ('present', 'late', 'left_early', 'excused', 'absent')

# The places of closed meetings whose deputy was a deputy on the meeting's local day, by that deputy's community
# then: what portal.meetings.rates.kept_tally_rows selects, spelled out as the code stood at this revision.
BACKFILL = """
INSERT INTO meeting_tallies (meeting_id, community_id, starts_at, expected, {statuses})
SELECT r.meeting_id, ms.community_id, m.starts_at, COUNT(r.deputy_id), {sums}
FROM meeting_roster r
LEFT OUTER JOIN attendance a ON a.meeting_id = r.meeting_id AND a.deputy_id = r.deputy_id
JOIN meetings m ON m.id = r.meeting_id AND m.closed
JOIN memberships ms ON ms.deputy_id = r.deputy_id AND ms.starts_at <= m.starts_at
    AND (ms.ends_before IS NULL OR ms.ends_before > m.starts_at)
GROUP BY r.meeting_id, ms.community_id, m.starts_at
""".format(
    statuses=', '.join(STATUSES),
    sums=', '.join(f"SUM(CASE WHEN a.status = '{status}' THEN 1 ELSE 0 END)" for status in STATUSES),
)


def upgrade():
    op.create_table('meeting_tallies',
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('present', sa.Integer(), nullable=False),
    sa.Column('late', sa.Integer(), nullable=False),
    sa.Column('left_early', sa.Integer(), nullable=False),
    sa.Column('excused', sa.Integer(), nullable=False),
    sa.Column('absent', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_meeting_tallies_community_id_communities')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_meeting_tallies_meeting_id_meetings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('meeting_id', 'community_id', name=op.f('pk_meeting_tallies'))
    )
    with op.batch_alter_table('meeting_tallies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_meeting_tallies_starts_at'), ['starts_at'], unique=False)
    op.execute(BACKFILL)
    # The overview counts a period's opinions by category, community and deputy: from the index alone.
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_opinions_collected_on')
        batch_op.create_index('ix_opinions_collected_counts', ['collected_on', 'category_id', 'community_id', 'deputy_id'], unique=False)
    # Cached attendance figures of a running process were counted without the table: count them afresh.
    op.execute(sa.text("UPDATE data_versions SET token = :token WHERE kind = 'attendance'").bindparams(token=secrets.token_hex(16)))


def downgrade():
    with op.batch_alter_table('opinions', schema=None) as batch_op:
        batch_op.drop_index('ix_opinions_collected_counts')
        batch_op.create_index('ix_opinions_collected_on', ['collected_on'], unique=False)
    op.drop_table('meeting_tallies')
