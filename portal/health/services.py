"""Is the database reachable and its schema at the newest migration?"""
from functools import lru_cache
from pathlib import Path

from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from sqlalchemy import text

from ..extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache(maxsize=1)
def code_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code (read once per process)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def database_revisions() -> frozenset[str]:
    """The revisions recorded in the database's alembic_version table (empty if it has none)."""
    with db.engine.connect() as connection:
        try:
            rows = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return frozenset(rows)
        except Exception:
            connection.rollback()
            # Reachable but never migrated; a failure to connect is raised by connect() above.
            connection.execute(text("SELECT 1"))
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
