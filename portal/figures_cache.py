"""Figures cached per process under the versions of the kinds of data they read; a write replaces the versions of
the kinds it changes, in its own transaction.

The `data_versions` table holds one random token per kind of data (attendance, checklist, opinions and
suggestions, matters, evaluations, people and settings). Each table belongs to one kind, or to none when no
figure reads it (the audit log, the tap history, the form keys): a transaction that writes to a table through
the session (an ORM flush, an insert/update/delete statement, or a row locked for update) replaces the token
of its kind in that same transaction, so a login or a download, which writes only the audit log, changes no
version. A figure declares the kinds it reads and is cached under their tokens: it is never read again once
a write to one of them commits, a rolled-back write leaves the old tokens and figures in place, and writers of
unrelated kinds never wait on one another's row (PostgreSQL holds a row's lock until the commit). A
transaction reads the tokens once; one that has written reads past the cache. Tokens are random, so a
restored or another database never meets a figure cached for a different one. Each figure and arguments keep
one value, the latest computed: a value a write made stale is replaced, not kept beside the new one, so tablets
marking while a large figure is read again (a year's points table, 1–1.5 MB) leave one copy of it.

With `FIGURES_CACHE_CHECK` (the tests) a figure computed afresh fails when one of its statements reads a table
of a kind it did not declare: a figure that would be served stale is caught where it is defined.

A few figures also move with the clock, without a write (a meeting counts as held once it is over).
Each such input registers, with `keyed_on`, a scalar subquery that changes exactly when the figures of its
kind would; it is read with the tokens, in the same statement, and becomes part of that kind's version.
"""
import functools
import secrets
from collections import OrderedDict
from collections.abc import Callable
from contextlib import suppress

from flask import current_app, has_app_context
from sqlalchemy import ScalarSelect, Select, Table, bindparam, event, insert, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors

from .extensions import db
from .models import DataVersion

ATTENDANCE = "attendance"
CHECKLIST = "checklist"
OPINIONS = "opinions"  # opinions, suggestions and their answers
MATTERS = "matters"
EVALUATIONS = "evaluations"
PEOPLE = "people"  # accounts, deputies' profiles, communities, settings
KINDS = (ATTENDANCE, CHECKLIST, OPINIONS, MATTERS, EVALUATIONS, PEOPLE)

# Every table is either of one kind or read by no cached figure (`tests/test_figures_cache.py` checks that each
# table is named here). A write to a table named nowhere replaces every version: a new table is safe until sorted.
TABLE_KINDS = {
    "meetings": ATTENDANCE, "meeting_roster": ATTENDANCE, "attendance": ATTENDANCE, "meeting_kinds": ATTENDANCE,
    "meeting_tallies": ATTENDANCE,
    "campaigns": CHECKLIST, "checklist_items": CHECKLIST, "checklist_records": CHECKLIST,
    "opinions": OPINIONS, "categories": OPINIONS, "suggestions": OPINIONS, "suggestion_deputies": OPINIONS,
    "suggestion_events": OPINIONS, "answer_feedbacks": OPINIONS,
    "practical_matters": MATTERS, "practical_matter_deputies": MATTERS,
    "evaluations": EVALUATIONS, "evaluation_settings": EVALUATIONS,
    "users": PEOPLE, "deputy_profiles": PEOPLE, "communities": PEOPLE, "settings": PEOPLE,
    "terms": PEOPLE, "memberships": PEOPLE,
    "point_rules": PEOPLE,  # the points rules are settings
}
# record_counters only hands out record numbers (编号): no figure reads it.
READ_BY_NO_FIGURE = frozenset({"audit_events", "attendance_changes", "submission_keys", "data_versions", "record_counters"})
# attachments: evidence files; no figure counts them.
READ_BY_NO_FIGURE |= {"attachments"}
# A published quarter is stored as it was and read as stored, never through a cached figure.
READ_BY_NO_FIGURE |= {"point_publications", "point_publication_rows"}

MAX_ENTRIES = 512  # figures and arguments; each holds its latest value only
_WROTE = "data_versions_bumped"  # the kinds this transaction has replaced
_TOKENS = "data_versions_tokens"
_READING = "figures_reading"  # the kinds read by the figures being computed (FIGURES_CACHE_CHECK)
_entries: OrderedDict = OrderedDict()
_clocked: list[tuple[str, ScalarSelect]] = []


def keyed_on(kind: str, subquery: ScalarSelect) -> None:
    """Key the figures of `kind` also on `subquery`, for an input the clock moves (its own "now" a bound
    parameter computed at each execution, so the statement is built once)."""
    _clocked.append((kind, subquery))
    _tokens_statement.cache_clear()


@functools.cache
def _tokens_statement() -> Select:
    return select(DataVersion.kind, DataVersion.token, *(subquery for _kind, subquery in _clocked))


def current_tokens() -> dict[str, str] | None:
    """Each kind's version as this transaction sees it (read once); None when caching is off."""
    if not has_app_context() or not current_app.config.get("FIGURES_CACHE", True):
        return None
    info = db.session.info
    if _TOKENS not in info:
        tokens = {}
        for kind, token, *clock in db.session.execute(_tokens_statement()):
            tokens[kind] = ":".join([token, *(str(value) for (of, _q), value in zip(_clocked, clock) if of == kind)])
        info[_TOKENS] = tokens if set(KINDS) <= tokens.keys() else None
    return info[_TOKENS]


def cached_figure(*kinds: str) -> Callable[[Callable], Callable]:
    """Cache a function of hashable arguments whose answer is plain data (no ORM objects) under the versions of
    the kinds of data it reads."""
    unknown = set(kinds) - set(KINDS)
    if unknown or not kinds:
        raise ValueError(f"a cached figure names the kinds of data it reads, from {KINDS}: {sorted(unknown)}")

    def decorator(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            tokens = current_tokens()
            if tokens is None or db.session.info.get(_WROTE, set()) & set(kinds):
                return function(*args, **kwargs)  # a transaction that changed what it reads reads past the cache
            for frame in db.session.info.get(_READING, ()):
                frame.update(kinds)  # a figure read inside another one is read by it too, cached or not
            # One entry per figure and arguments, stamped with the versions it was computed under: a figure computed
            # after a write replaces its old value (never read again) rather than keeping it beside the new one.
            key = (function, args, tuple(sorted(kwargs.items())))
            stamp = tuple(tokens[kind] for kind in kinds)
            # Threads of one worker share the entries: one may drop a key another is about to touch.
            entry = _entries.get(key)
            if entry is not None and entry[0] == stamp:
                with suppress(KeyError):
                    _entries.move_to_end(key)
                return entry[1]
            value = _compute(function, kinds, args, kwargs)
            _entries.pop(key, None)
            _entries[key] = (stamp, value)  # the newest last
            with suppress(KeyError):
                while len(_entries) > MAX_ENTRIES:
                    _entries.popitem(last=False)
            return value

        wrapper.kinds = kinds
        return wrapper

    return decorator


def _compute(function: Callable, kinds: tuple[str, ...], args, kwargs):
    if not current_app.config.get("FIGURES_CACHE_CHECK"):
        return function(*args, **kwargs)
    frames = db.session.info.setdefault(_READING, [])
    frames.append(read := set())
    try:
        value = function(*args, **kwargs)
    finally:
        frames.pop()
    if undeclared := read - set(kinds):
        raise AssertionError(f"{function.__qualname__} reads {sorted(undeclared)} but is cached under {list(kinds)} only")
    return value


def tables_of(statement) -> frozenset[str]:
    """The names of the tables a statement reads or writes, subqueries included."""
    shape = statement._generate_cache_key()  # kept on the statement, which SQLAlchemy reads next to compile it
    if shape is None:
        return _walk_tables(statement)
    try:
        return _tables_by_shape[shape.key]
    except KeyError:
        if len(_tables_by_shape) >= MAX_ENTRIES:  # the code's statements are few; literals could make more
            _tables_by_shape.clear()
        tables = _tables_by_shape[shape.key] = _walk_tables(statement)
        return tables


def _walk_tables(statement) -> frozenset[str]:
    return frozenset(element.name for element in visitors.iterate(statement) if isinstance(element, Table))


_tables_by_shape: dict[tuple, frozenset[str]] = {}


def kinds_of(tables) -> set[str]:
    """The kinds a write to these tables changes (every kind for a table not sorted yet)."""
    kinds = set()
    for table in tables:
        if table in TABLE_KINDS:
            kinds.add(TABLE_KINDS[table])
        elif table not in READ_BY_NO_FIGURE:
            kinds.update(KINDS)
    return kinds


def bump(session: Session, kinds: set[str]) -> None:
    """Give these kinds of data new versions inside the session's transaction (once per kind and transaction)."""
    done = session.info.setdefault(_WROTE, set())
    new = sorted(set(kinds) - done)
    done.update(kinds)
    if not new:
        return
    connection = session.connection()
    table = DataVersion.__table__
    token = secrets.token_hex(16)
    if connection.execute(_bump_statement(), {"kinds": new, "token": token}).rowcount < len(new):
        present = set(connection.scalars(select(table.c.kind).where(table.c.kind.in_(new))))
        connection.execute(insert(table), [{"kind": kind, "token": token} for kind in new if kind not in present])


@functools.cache
def _bump_statement():
    """The versions' update, built once per process (every writing transaction runs it; a tap is a few ms)."""
    table = DataVersion.__table__
    return update(table).where(table.c.kind.in_(bindparam("kinds", expanding=True))).values(token=bindparam("token"))


def _flushed_tables(session: Session) -> set[str]:
    tables = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        state = inspect(obj)
        tables.update(table.name for table in state.mapper.tables)
        for relationship in state.mapper.relationships:  # a many-to-many list changed writes its link table
            if relationship.secondary is not None and state.attrs[relationship.key].history.has_changes():
                tables.add(relationship.secondary.name)
    return tables


@event.listens_for(DataVersion.__table__, "after_create")
def _first_versions(table, connection, **_kw) -> None:
    # A schema made by create_all() (the tests) starts with every version, as the migration leaves it.
    connection.execute(insert(table), [{"kind": kind, "token": secrets.token_hex(16)} for kind in KINDS])


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        bump(session, kinds_of(_flushed_tables(session)))


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete or getattr(statement, "_for_update_arg", None) is not None:
        bump(state.session, kinds_of(tables_of(statement)))
    elif frames := state.session.info.get(_READING):
        read = kinds_of(tables_of(statement))
        for frame in frames:
            frame.update(read)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session, _transaction) -> None:
    # Also after a savepoint: one rolled back took its new tokens with it, so the next write bumps again.
    session.info.pop(_WROTE, None)
    session.info.pop(_TOKENS, None)
