"""Figures cached per process under the data's version, which every write changes in its own transaction.

The `data_version` table holds one random token. Any transaction that writes through the session
(an ORM flush, an insert/update/delete statement, or a row locked for update) first replaces the
token, in that same transaction: a figure cached under the old token is never read again once the
write commits, and a rolled-back write leaves the old token and the old figures in place. A
transaction reads the token once; one that has written reads past the cache. Tokens are random, so a
restored or another database never meets a figure cached for a different one.

A few figures also move with the clock, without a write (a meeting counts as held once it is over).
Each such input registers, with `keyed_on`, a scalar subquery that changes exactly when the figures
would; it is read with the token, in the same statement, and becomes part of the key.
"""
import functools
import secrets
from collections import OrderedDict
from collections.abc import Callable

from flask import current_app, has_app_context
from sqlalchemy import ScalarSelect, Select, event, insert, select, update
from sqlalchemy.orm import Session

from .extensions import db
from .models import DataVersion

MAX_ENTRIES = 512
_WROTE = "data_version_bumped"
_TOKEN = "data_version_token"
_entries: OrderedDict = OrderedDict()
_clocked: list[ScalarSelect] = []


def keyed_on(subquery: ScalarSelect) -> None:
    """Key every cached figure also on `subquery`, for an input the clock moves (its own "now" a bound
    parameter computed at each execution, so the statement is built once)."""
    _clocked.append(subquery)
    _token_statement.cache_clear()


@functools.cache
def _token_statement() -> Select:
    return select(DataVersion.token, *_clocked).where(DataVersion.id == 1)


def current_token() -> str | None:
    """The data's version as this transaction sees it (read once); None when caching is off or it wrote."""
    if not has_app_context() or not current_app.config.get("FIGURES_CACHE", True):
        return None
    info = db.session.info
    if info.get(_WROTE):
        return None
    if _TOKEN not in info:
        row = db.session.execute(_token_statement()).one_or_none()
        info[_TOKEN] = None if row is None else ":".join(str(part) for part in row)
    return info[_TOKEN]


def cached_figure(function: Callable) -> Callable:
    """Cache a function of hashable arguments whose answer is plain data (no ORM objects) by data version."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        token = current_token()
        if token is None:
            return function(*args, **kwargs)
        key = (token, function.__qualname__, args, tuple(sorted(kwargs.items())))
        try:
            _entries.move_to_end(key)
            return _entries[key]
        except KeyError:
            value = _entries[key] = function(*args, **kwargs)
            if len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
            return value

    return wrapper


def bump(session: Session) -> None:
    """Give the data a new version inside the session's transaction (once per transaction)."""
    if session.info.get(_WROTE):
        return
    session.info[_WROTE] = True
    connection = session.connection()
    token = secrets.token_hex(16)
    table = DataVersion.__table__
    if connection.execute(update(table).where(table.c.id == 1).values(token=token)).rowcount == 0:
        connection.execute(insert(table).values(id=1, token=token))


@event.listens_for(Session, "before_flush")
def _before_flush(session, _context, _instances) -> None:
    if session.new or session.dirty or session.deleted:
        bump(session)


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state) -> None:
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete or getattr(statement, "_for_update_arg", None) is not None:
        bump(state.session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session, _transaction) -> None:
    # Also after a savepoint: one rolled back took its new token with it, so the next write bumps again.
    session.info.pop(_WROTE, None)
    session.info.pop(_TOKEN, None)
