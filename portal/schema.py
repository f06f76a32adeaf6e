"""Which schema revision the code expects and which one the database is at."""
import ast
from functools import lru_cache
from pathlib import Path

from sqlalchemy import text

from .extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


@lru_cache(maxsize=1)
def _revisions() -> dict[str, frozenset[str]]:
    """Each shipped revision and the revisions it follows, from the scripts' `revision` and `down_revision`."""
    # Read as Alembic reads them (tests/test_health.py checks both agree) without importing Alembic, about 10 MB
    # that a worker answering /readyz would keep.
    revisions = {}
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        names = {}
        for node in ast.parse(script.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            elif isinstance(node, ast.AnnAssign) and node.value is not None:  # `revision: str = "0023"`
                target = node.target
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                names[target.id] = ast.literal_eval(node.value)
        if names.get("revision"):
            down = names.get("down_revision")
            revisions[names["revision"]] = frozenset(down if isinstance(down, (tuple, list)) else [down] if down else [])
    return revisions


def code_heads() -> frozenset[str]:
    """The head revisions of the migrations shipped with this code: those no other revision follows."""
    revisions = _revisions()
    followed = {parent for parents in revisions.values() for parent in parents}
    return frozenset(revisions.keys() - followed)


def is_known_revision(revision: str) -> bool:
    """True if this code's migrations include `revision` (an older or current schema)."""
    return revision in _revisions()


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
