"""terms, memberships over time, checklist items' retirement day

Revision ID: 0016
Revises: 0012b

Every deputy gets one membership, in their community of today, from their account's creation or their earliest
record if that is earlier; a deactivated deputy's ends on the day of the deactivation in the audit log, else today.
A retired checklist item gets the day of its retirement in the audit log, else its campaign's first day (so the
figures read today stay as they are).
"""
import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from alembic import op
from flask import current_app, has_app_context
import sqlalchemy as sa


def _zone():
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Asia/Shanghai")


def _moment(value):
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _local_date(value):
    return _moment(value).astimezone(_zone()).date()


def _day(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _midnight(day):
    return datetime.combine(day, time(), tzinfo=_zone()).astimezone(timezone.utc)


def _audit_days(object_type, field, value):
    """{object id: local day of the latest audited change of `field` to `value`}."""
    found = {}
    rows = op.get_bind().execute(sa.text(
        "SELECT object_id, at, changes FROM audit_events WHERE object_type = :type AND action = 'update' ORDER BY at, id"
    ), {"type": object_type})
    for object_id, at, changes in rows:
        changes = json.loads(changes) if isinstance(changes, str) else (changes or {})
        if field in changes and changes[field][1] == value and object_id and object_id.isdigit():
            found[int(object_id)] = _local_date(at)
    return found


# Each deputy's earliest record, per kind: (SQL giving deputy id and a date or a time, whether it is a time).
EARLIEST = (
    ("SELECT r.deputy_id, MIN(m.starts_at) FROM meeting_roster r JOIN meetings m ON m.id = r.meeting_id GROUP BY r.deputy_id", True),
    ("SELECT deputy_id, MIN(collected_on) FROM opinions GROUP BY deputy_id", False),
    ("SELECT deputy_id, MIN(done_on) FROM checklist_records GROUP BY deputy_id", False),
    ("SELECT deputy_id, MIN(evaluated_on) FROM evaluations GROUP BY deputy_id", False),
    ("SELECT d.deputy_id, MIN(s.submitted_on) FROM suggestion_deputies d JOIN suggestions s ON s.id = d.suggestion_id"
     " GROUP BY d.deputy_id", False),
)


def _backfill():
    bind = op.get_bind()
    today = datetime.now(_zone()).date()
    deputies = bind.execute(sa.text(
        "SELECT u.id, u.created_at, u.active, p.community_id FROM users u JOIN deputy_profiles p ON p.user_id = u.id"
        " WHERE u.role = 'deputy'"
    )).all()
    if not deputies:
        return
    earliest = {}
    for statement, is_time in EARLIEST:
        for deputy_id, value in bind.execute(sa.text(statement)):
            if value is not None:
                day = _local_date(value) if is_time else _day(value)
                earliest[deputy_id] = min(day, earliest.get(deputy_id, day))
    deactivated = _audit_days("User", "active", False)
    memberships = sa.table(
        "memberships", sa.column("deputy_id"), sa.column("community_id"), sa.column("starts_on"), sa.column("ends_on"),
        sa.column("starts_at"), sa.column("ends_before"),
    )
    rows = []
    for deputy_id, created_at, active, community_id in deputies:
        starts_on = min(_local_date(created_at) if created_at else today, earliest.get(deputy_id, today))
        ends_on = None if active else max(starts_on, deactivated.get(deputy_id, today))
        rows.append({"deputy_id": deputy_id, "community_id": community_id, "starts_on": starts_on, "ends_on": ends_on,
                     "starts_at": _midnight(starts_on), "ends_before": ends_on and _midnight(ends_on + timedelta(days=1))})
    op.bulk_insert(memberships, rows)
    retired = _audit_days("ChecklistItem", "retired", True)
    items = bind.execute(sa.text(
        "SELECT i.id, c.starts_on FROM checklist_items i JOIN campaigns c ON c.id = i.campaign_id WHERE i.retired"
    )).all()
    for item_id, starts_on in items:
        bind.execute(sa.text("UPDATE checklist_items SET retired_on = :day WHERE id = :id"),
                     {"day": retired.get(item_id, _day(starts_on)), "id": item_id})


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0012b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.CheckConstraint('ends_on >= starts_on', name=op.f('ck_terms_term_dates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_terms')),
    sa.UniqueConstraint('name', name=op.f('uq_terms_name'))
    )
    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deputy_id', sa.Integer(), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('term_id', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_before', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_memberships_membership_dates')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_memberships_community_id_communities')),
    sa.ForeignKeyConstraint(['deputy_id'], ['users.id'], name=op.f('fk_memberships_deputy_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['term_id'], ['terms.id'], name=op.f('fk_memberships_term_id_terms')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_community_id'), ['community_id'], unique=False)
        batch_op.create_index('ix_memberships_deputy_days', ['deputy_id', 'starts_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_term_id'), ['term_id'], unique=False)

    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_on', sa.Date(), nullable=True))

    _backfill()


def downgrade():
    with op.batch_alter_table('checklist_items', schema=None) as batch_op:
        batch_op.drop_column('retired_on')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_term_id'))
        batch_op.drop_index('ix_memberships_deputy_days')
        batch_op.drop_index(batch_op.f('ix_memberships_community_id'))

    op.drop_table('memberships')
    op.drop_table('terms')
