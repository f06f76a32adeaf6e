"""Backups that restore: a consistent snapshot of the live database, and putting one back.

SQLite uses its online backup API (one step, so the copy is a single read transaction that a
busy writer neither blocks nor tears) and checks the copy with PRAGMA integrity_check.
PostgreSQL uses pg_dump's custom format (a snapshot too) and pg_restore.
"""
import glob
import os
import shutil
import sqlite3
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from .extensions import db
from .schema import code_heads, database_revisions, is_known_revision

PREFIX = "portal-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}


class BackupError(Exception):
    """A backup or restore could not be done; the message says why."""


def _backend() -> str:
    backend = db.engine.url.get_backend_name()
    if backend not in SUFFIXES:
        raise BackupError(f"backups of {backend} databases are not supported")
    return backend


def backup_dir() -> Path:
    """Where backups go when no path is given: BACKUP_DIR, else instance/backups."""
    return Path(current_app.config.get("BACKUP_DIR") or Path(current_app.instance_path) / "backups")


def _new_name(directory: Path, suffix: str) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    path, n = directory / f"{PREFIX}{stamp}{suffix}", 1
    while path.exists():
        n += 1
        path = directory / f"{PREFIX}{stamp}-{n}{suffix}"
    return path


def backup(target: Path | None = None) -> tuple[Path, list[Path]]:
    """Write a snapshot of the database, readable by its owner only (0600, in a 0700 folder); returns (where, pruned).

    No target, or a directory: a timestamped file there, keeping only the newest BACKUP_KEEP.
    A file path: exactly there, nothing pruned.
    """
    backend = _backend()
    suffix = SUFFIXES[backend]
    directory = target if target is None or target.is_dir() else None
    if target is None:
        directory = backup_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory is not None:
        directory.chmod(0o700)  # every password hash and calendar secret is in there: the portal's user only
    path = _new_name(directory, suffix) if directory is not None else target
    partial = path.with_name(path.name + ".partial")
    # Whatever the tools create (pg_dump's file, SQLite's journal) is born private, never readable for a moment.
    umask = os.umask(0o077)
    try:
        (_backup_sqlite if backend == "sqlite" else _backup_postgresql)(partial)
        partial.chmod(0o600)
        os.replace(partial, path)
    finally:
        os.umask(umask)
        partial.unlink(missing_ok=True)
    pruned = prune(directory, int(current_app.config["BACKUP_KEEP"]), suffix) if directory is not None else []
    return path, pruned


def prune(directory: Path, keep: int, suffix: str) -> list[Path]:
    """Delete all but the newest `keep` backups in `directory` (by their timestamped names)."""
    backups = sorted(Path(p) for p in glob.glob(str(directory / f"{PREFIX}*{suffix}")))
    old = backups[: max(len(backups) - keep, 0)]
    for path in old:
        path.unlink()
    return old


def _sqlite_path() -> str:
    database = db.engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return database


def _backup_sqlite(path: Path) -> None:
    source = sqlite3.connect(_sqlite_path())
    copy = sqlite3.connect(path)
    try:
        source.execute("PRAGMA busy_timeout=10000")
        source.backup(copy)  # pages=-1: the whole database in one step, one consistent snapshot
        _check_integrity(copy)
    finally:
        copy.close()
        source.close()


def _check_integrity(connection: sqlite3.Connection) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        raise BackupError("integrity check failed: " + "; ".join(row[0] for row in result[:5]))


def _pg_tool(name: str) -> str:
    """pg_dump / pg_restore from PG_BIN_DIR, else the PATH, else the newest Debian install."""
    configured = current_app.config.get("PG_BIN_DIR")
    candidates = [os.path.join(configured, name)] if configured else []
    candidates += [shutil.which(name) or ""]
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} not found; install postgresql-client or set PG_BIN_DIR")


def _libpq(url: URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and an environment carrying it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{os.path.basename(command[0])} failed: {result.stderr.strip()[:2000]}")


def _backup_postgresql(path: Path) -> None:
    dsn, env = _libpq(db.engine.url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", f"--dbname={dsn}"], env)


def is_empty() -> bool:
    """True if no table other than alembic_version holds a row."""
    with db.engine.connect() as connection:
        for table in inspect(connection).get_table_names():
            if table != "alembic_version" and connection.execute(text(f'SELECT 1 FROM "{table}" LIMIT 1')).first():
                return False
    return True


def restore(source: Path, force: bool = False) -> str:
    """Replace the database with a backup; refuse a database with data unless `force`.

    Returns a sentence about the restored schema revision; raises BackupError if the backup
    comes from a newer version of the portal.
    """
    backend = _backend()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not force and not is_empty():
        raise BackupError("the database already holds data; restore with --force to replace it")
    revisions = _sqlite_revisions(source) if backend == "sqlite" else _pg_revisions(source)
    unknown = [revision for revision in revisions if not is_known_revision(revision)]
    if unknown:
        raise BackupError(f"the backup's schema {', '.join(unknown)} is newer than this code; update the portal first")
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        _restore_sqlite(source)
    else:
        _restore_postgresql(source)
    db.engine.dispose()
    return _check_revision()


def _restore_sqlite(source: Path) -> None:
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    live = sqlite3.connect(_sqlite_path())
    try:
        _check_integrity(backup_file)
        live.execute("PRAGMA busy_timeout=10000")
        backup_file.backup(live)
        _check_integrity(live)
    finally:
        live.close()
        backup_file.close()


def _restore_postgresql(source: Path) -> None:
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()
    dsn, env = _libpq(db.engine.url)
    _run(
        [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
         f"--dbname={dsn}", str(source)],
        env,
    )


def _sqlite_revisions(source: Path) -> frozenset[str]:
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        return frozenset(row[0] for row in connection.execute("SELECT version_num FROM alembic_version"))
    except sqlite3.DatabaseError:
        return frozenset()
    finally:
        connection.close()


def _pg_revisions(source: Path) -> frozenset[str]:
    """The alembic_version rows inside a pg_dump file, read without restoring it."""
    result = subprocess.run(
        [_pg_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore cannot read {source}: {result.stderr.strip()[:2000]}")
    lines = result.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line]
    if not starts:
        return frozenset()
    rows = []
    for line in lines[starts[0] + 1:]:
        if line == "\\.":
            break
        rows.append(line.strip())
    return frozenset(rows)


def _check_revision() -> str:
    """A sentence on the restored database's schema revision compared with this code's."""
    revisions = database_revisions()
    if revisions == code_heads():
        return f"schema at {', '.join(sorted(revisions))}, as this code expects"
    if not revisions:
        return "the backup records no schema revision; run `flask db upgrade` if it was never migrated"
    return f"schema at {', '.join(sorted(revisions))}, older than this code: run `flask db upgrade`"
