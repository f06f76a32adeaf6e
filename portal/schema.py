"""Which schema revision the code expects and which one the database is at."""
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@lru_cache(maxsize=1)
def _scripts():
    # Alembic (about 10 MB) is imported by the readiness check, not by every worker that serves pages.
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def code_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code."""
    return frozenset(_scripts().get_heads())


def is_known_revision(revision: str) -> bool:
    """True if this code's migrations include `revision` (an older or current schema)."""
    from alembic.util import CommandError

    try:
        return _scripts().get_revision(revision) is not None
    except CommandError:
        return False


def database_revisions() -> frozenset[str]:
    """The revisions in the database's alembic_version table; empty if it was never migrated.

    Raises the driver's error when the database cannot be reached.
    """
    with db.engine.connect() as connection:
        try:
            return frozenset(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
        except Exception:
            connection.rollback()
            connection.execute(text("SELECT 1"))  # reachable, only the table is missing
            return frozenset()


def readiness() -> tuple[bool, str]:
    """(ready, reason): the database answers and its schema is at the code's head."""
    try:
        revisions = database_revisions()
    except Exception as error:  # any driver error means "not ready", never a 500
        return False, f"database unreachable: {type(error).__name__}"
    if revisions != code_heads():
        found = ",".join(sorted(revisions)) or "none"
        return False, f"schema at {found}, code expects {','.join(sorted(code_heads()))}"
    return True, "ok"
