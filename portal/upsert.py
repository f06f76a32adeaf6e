"""The one INSERT … ON CONFLICT DO UPDATE of the portal, written in the dialect of the bound database."""
from sqlalchemy.dialects import postgresql, sqlite

from .extensions import db

# SQLite and PostgreSQL spell ON CONFLICT alike, but each dialect builds its own statement.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def upsert(target, values: dict, keys: list, changes: dict, where=None):
    """Insert `values` into `target` (a model or a table), or, where a row with the same `keys` stands,
    update it with `changes` (only if `where` holds); add `.returning(...)` to read the row back."""
    statement = _INSERTS[db.session.get_bind().dialect.name](target).values(**values)
    return statement.on_conflict_do_update(index_elements=keys, set_=changes, where=where)
