"""The tallies kept for closed meetings (`meeting_tallies`), and the session hook that keeps them true.

A closed meeting's counted places are stored as one row per community (`counting.kept_tally_rows`), so a period's
attendance is a sum of a few rows per meeting instead of a walk over every roster place of its history.
One function writes them, `refresh_tallies`. Every write made through the session, an ORM flush or a Core
statement, is read here for the meetings whose rows it can change: a meeting closed, reopened, moved or deleted;
a roster place or a mark added, changed or removed; a membership written (that deputy's closed meetings from the
first day whose membership changed). Those meetings' rows are rewritten in the same transaction just before it
commits, or before a figure reads them inside it. A Core statement whose meetings cannot be read from it
refreshes every closed meeting. Rows of an open meeting are never written (a tap on it writes no aggregate).
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import delete, event, inspect, insert, select, text, union
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList

from ..clock import local_day_start
from ..extensions import db
from ..figures_cache import ATTENDANCE, bump
from ..models import Membership
from .counting import TALLY_FIELDS, kept_tally_rows
from .models import Attendance, Meeting, MeetingRoster, MeetingTally

_PENDING = "meeting_tallies_pending"

# The columns a kept tally depends on, per table; a write touching none of them changes no tally.
_COUNTED = {
    "meetings": {"id", "closed", "starts_at"},
    "meeting_roster": {"meeting_id", "deputy_id"},
    "attendance": {"meeting_id", "deputy_id", "status"},
    "memberships": {"deputy_id", "community_id", "starts_on", "ends_on", "starts_at", "ends_before"},
}


@dataclass
class _Pending:
    """What the transaction wrote that the kept tallies depend on, until they are refreshed."""

    meetings: set = field(default_factory=set)  # a meeting's own state changed: always refreshed
    places: set = field(default_factory=set)  # its roster or marks changed: refreshed unless it is known open
    new: list = field(default_factory=list)  # new rows being flushed, whose meeting id is known after it
    deputies: dict = field(default_factory=dict)  # deputy id → first day whose membership changed
    everything: bool = False


def refresh_tallies(meeting_ids=None, session: Session | None = None) -> None:
    """Rewrite the kept tallies of these meetings (of every meeting when None) from their roster, marks and the
    memberships of their day; an open meeting is left with none. Never commits."""
    if meeting_ids is not None and not meeting_ids:
        return  # a tap on an open meeting: building the statements alone would cost it a millisecond
    session = session or db.session()
    table = MeetingTally.__table__
    removed, counted = delete(table), kept_tally_rows()
    if meeting_ids is not None:
        ids = sorted(meeting_ids)
        removed = removed.where(table.c.meeting_id.in_(ids))
        counted = counted.where(MeetingRoster.meeting_id.in_(ids))
    # The rows are attendance figures: that version is replaced first, as every attendance writer does (one order
    # of locks). The statements go to the connection, not through the session's hooks, which would take an
    # INSERT … SELECT for a write to every table it reads (memberships: the people's version too).
    bump(session, {ATTENDANCE})
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Two refreshes at once would each count without the other's uncommitted writes (a membership written while
        # a meeting is reopened): the second waits for the first to commit, then counts what it wrote. Readers and
        # taps never take this lock; SQLite has one writer anyway.
        connection.execute(text("LOCK TABLE meeting_tallies IN EXCLUSIVE MODE"))
    connection.execute(removed)
    connection.execute(insert(table).from_select(["meeting_id", "community_id", "starts_at", *TALLY_FIELDS], counted))


def settle(session: Session | None = None) -> None:
    """Refresh the kept tallies this transaction's writes have changed (before a commit, or a figure reading them)."""
    session = session or db.session()
    if session.info.get(_PENDING) is None:
        return
    session.flush()  # the rows refreshed from must be in the database; the flush may note more
    pending: _Pending = session.info.pop(_PENDING)
    if pending.everything:
        refresh_tallies(session=session)
        return
    ids = set(pending.meetings)
    # A mark or roster change of a meeting this session holds as open, locked by its board's guarded UPDATE
    # (portal.meetings.marks.bump_board), cannot concern a closed meeting: no statement is spent on it.
    ids |= {meeting_id for meeting_id in pending.places if meeting_id is not None and not _known_open(session, meeting_id)}
    if pending.deputies:
        ids |= set(session.scalars(_closed_meetings_of(pending.deputies)))
    refresh_tallies(ids, session)


def _known_open(session: Session, meeting_id: int) -> bool:
    meeting = session.identity_map.get(identity_key(Meeting, meeting_id))
    return meeting is not None and inspect(meeting).dict.get("closed") is False and meeting not in session.dirty


def _closed_meetings_of(deputies: dict[int, date]):
    """The closed meetings on each deputy's roster from their day on, in one statement (bulk writes share days)."""
    by_day: dict[date, list[int]] = {}
    for deputy_id, day in deputies.items():
        by_day.setdefault(day, []).append(deputy_id)
    return union(*(
        select(MeetingRoster.meeting_id).join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .where(Meeting.closed, MeetingRoster.deputy_id.in_(sorted(ids)), Meeting.starts_at >= local_day_start(day))
        for day, ids in sorted(by_day.items())
    ))


def _pending(session: Session) -> _Pending:
    return session.info.setdefault(_PENDING, _Pending())


def _changed(obj, names) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names if name in state.attrs)


def _old_and_new(obj, name) -> set:
    """The attribute's value now and before this flush (a deleted row's loaded if need be)."""
    history = inspect(obj).attrs[name].history
    return {getattr(obj, name), *history.deleted}


def _note_membership(pending: _Pending, membership: Membership, whole: bool) -> None:
    """A membership written changes its deputy's counted places from the first day whose coverage changed."""
    if whole or _changed(membership, ("deputy_id", "community_id")):
        days = _old_and_new(membership, "starts_on")
    else:
        days = _old_and_new(membership, "starts_on") if _changed(membership, ("starts_on",)) else set()
        if _changed(membership, ("ends_on",)):
            days |= {day + timedelta(days=1) for day in _old_and_new(membership, "ends_on") if day is not None}
    days.discard(None)
    deputies = _old_and_new(membership, "deputy_id") - {None}
    if not days or not deputies:
        pending.everything = True  # not a change of dates this hook can place: refresh everything
        return
    for deputy_id in deputies:
        pending.deputies[deputy_id] = min(days | ({pending.deputies[deputy_id]} if deputy_id in pending.deputies else set()))


def note_flush(session: Session) -> None:
    """Note the ORM changes about to be flushed that kept tallies depend on."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(obj, (Meeting, MeetingRoster, Attendance, Membership)):
            continue
        whole = obj in session.new or obj in session.deleted
        if not whole and not _changed(obj, _COUNTED[obj.__tablename__]):
            continue
        pending = _pending(session)
        if isinstance(obj, Membership):
            _note_membership(pending, obj, whole)
        elif isinstance(obj, Meeting):
            if obj not in session.new:
                pending.meetings.add(obj.id)
            elif obj.closed:  # made closed (an import, the demo): its id is known after the flush
                pending.new.append(obj)
        elif obj in session.new:
            pending.new.append(obj)
        else:
            pending.places.update(_old_and_new(obj, "meeting_id") - {None})


def _where_ids(statement, column: str, parameters) -> set | None:
    """The values a DML statement's WHERE pins `column` of its table to (= or IN, ANDed at the top); None when it
    does not pin them."""
    criteria = list(getattr(statement, "_where_criteria", ()))
    while criteria:
        criterion = criteria.pop()
        if isinstance(criterion, BooleanClauseList) and criterion.operator is operators.and_:
            criteria.extend(criterion.clauses)
            continue
        if (isinstance(criterion, BinaryExpression) and getattr(getattr(criterion.left, "table", None), "name", None) == statement.table.name
                and criterion.left.name == column and criterion.operator in (operators.eq, operators.in_op)
                and isinstance(criterion.right, BindParameter)):
            value = criterion.right.value
            if value is None and isinstance(parameters, dict):
                value = parameters.get(criterion.right.key)
            if value is None:
                return None
            return set(value) if criterion.operator is operators.in_op else {value}
    return None


def _inserted_ids(statement, parameters) -> set | None:
    """The meeting ids an INSERT writes, from its values or its parameters; None when they cannot be known."""
    if statement.select is not None:
        return None
    if statement._multi_values:
        rows = statement._multi_values[0]
    elif statement._values:
        rows = [statement._values]
    else:
        rows = [parameters] if isinstance(parameters, dict) else list(parameters or ())
    ids = set()
    for row in rows:
        value = next((value for column, value in row.items() if getattr(column, "key", column) == "meeting_id"), None)
        if isinstance(value, BindParameter):  # its value, or the parameter sent with a statement built once
            value = value.value if value.value is not None or not isinstance(parameters, dict) else parameters.get(value.key)
        if not isinstance(value, int):
            return None
        ids.add(value)
    return ids or None


def note_statement(session: Session, statement, parameters, is_insert: bool, is_delete: bool) -> None:
    """Note what a Core INSERT/UPDATE/DELETE on a table the kept tallies depend on can change."""
    name = getattr(getattr(statement, "table", None), "name", None)
    if name not in _COUNTED:
        return
    if not (is_insert or is_delete):
        columns = {getattr(column, "key", column) for column in (statement._values or {})}
        if isinstance(parameters, (dict, list)) and not columns:
            columns = set(parameters if isinstance(parameters, dict) else (parameters[0] if parameters else {}))
        if columns and not columns & _COUNTED[name]:
            return
    pending = _pending(session)
    if name == "memberships":
        pending.everything = True
        return
    if is_insert:
        ids = None if name == "meetings" else _inserted_ids(statement, parameters)
    else:
        ids = _where_ids(statement, "id" if name == "meetings" else "meeting_id", parameters)
    if ids is None:
        pending.everything = True
    else:
        (pending.meetings if name == "meetings" else pending.places).update(ids)


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    note_flush(session)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    # Ids only from here on: holding the objects would keep them in the identity map past their rows.
    pending = session.info.get(_PENDING)
    if pending is not None and pending.new:
        for obj in pending.new:
            (pending.meetings if isinstance(obj, Meeting) else pending.places).add(obj.id if isinstance(obj, Meeting) else obj.meeting_id)
        pending.new.clear()


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        note_statement(state.session, state.statement, state.parameters, state.is_insert, state.is_delete)


@event.listens_for(Session, "before_commit")
def _before_commit(session) -> None:
    settle(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session, transaction) -> None:
    # A savepoint rolled back keeps what it noted (refreshing a meeting again is harmless); the transaction's end
    # forgets it (after a commit, settle has used it up).
    if transaction.parent is None:
        session.info.pop(_PENDING, None)
