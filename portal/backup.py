"""Backups that restore: a consistent snapshot of the live database and the evidence files, and putting them back.

SQLite uses its online backup API (one step, so the copy is a single read transaction that a
busy writer neither blocks nor tears) and checks the copy with PRAGMA integrity_check.
PostgreSQL uses pg_dump's custom format (a snapshot too) and pg_restore.

A backup is one tar archive: `database.sqlite3` or `database.dump`, every evidence file the database names under
`files/<key>`, and `manifest.json` with the SHA-256 of each. A file's row is written only after the file is
stored, so the files listed after the snapshot cover every row in it. Restore checks every hash before it
touches the database and refuses the whole archive on one mismatch. A bare database file from an older
backup still restores.
"""
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text
from sqlalchemy.engine import URL

from .extensions import db
from .schema import code_heads, database_revisions, is_known_revision

PREFIX = "portal-"
SUFFIXES = {"sqlite": ".sqlite3", "postgresql": ".dump"}  # of the database inside the archive (and of older backups)
ARCHIVE = ".tar"
MANIFEST = "manifest.json"
FILE_MEMBER = re.compile(r"^files/([0-9a-f]{2}/([0-9a-f]{64})\.(?:jpg|png|pdf))$")


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
    """Archive the database and the evidence files, readable by their owner only (0600, in a 0700 folder);
    returns (where, pruned).

    No target, or a directory: a timestamped archive there, keeping only the newest BACKUP_KEEP.
    A file path: exactly there, nothing pruned.
    """
    backend = _backend()
    directory = target if target is None or target.is_dir() else None
    if target is None:
        directory = backup_dir()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory is not None:
        directory.chmod(0o700)  # every password hash and calendar secret is in there: the portal's user only
    path = _new_name(directory, ARCHIVE) if directory is not None else target
    partial = path.with_name(path.name + ".partial")
    # Whatever the tools create (pg_dump's file, SQLite's journal) is born private, never readable for a moment.
    umask = os.umask(0o077)
    try:
        with tempfile.TemporaryDirectory() as work:
            snapshot = Path(work) / f"database{SUFFIXES[backend]}"
            (_backup_sqlite if backend == "sqlite" else _backup_postgresql)(snapshot)
            _write_archive(partial, snapshot)
        partial.chmod(0o600)
        os.replace(partial, path)
    finally:
        os.umask(umask)
        partial.unlink(missing_ok=True)
    pruned = prune(directory, int(current_app.config["BACKUP_KEEP"]), ARCHIVE) if directory is not None else []
    return path, pruned


def _evidence_keys() -> list[str]:
    """Every stored file a row names (removed ones too: their rows are kept)."""
    from .evidence.models import Attachment

    keys = set()
    for attachment in db.session.scalars(db.select(Attachment)):
        keys.update(key for key in (attachment.key, attachment.thumb_key) if key)
    db.session.remove()
    return sorted(keys)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_archive(path: Path, snapshot: Path) -> None:
    from .storage import storage

    store = storage()
    manifest = {"format": 1, "database": {"name": snapshot.name, "sha256": _sha256_file(snapshot)}, "files": {}}
    with tarfile.open(path, "w") as archive:
        archive.add(snapshot, arcname=snapshot.name)
        for key in _evidence_keys():
            data = store.get(key)
            digest = hashlib.sha256(data).hexdigest()
            if not key.split("/")[1].startswith(digest):  # named by its content: a changed file is a damaged one
                raise BackupError(f"the evidence file {key} does not match its name (damaged storage)")
            manifest["files"][key] = digest
            _add_bytes(archive, f"files/{key}", data)
        _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(datetime.now(timezone.utc).timestamp())
    archive.addfile(info, io.BytesIO(data))


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
    """Replace the database and put back the evidence files from a backup; refuse a database with data unless
    `force`, and an archive whose files do not match their manifest's hashes.

    Returns a sentence about the restored schema revision; raises BackupError if the backup
    comes from a newer version of the portal.
    """
    from .storage import storage

    backend = _backend()
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    if not force and not is_empty():
        raise BackupError("the database already holds data; restore with --force to replace it")
    with tempfile.TemporaryDirectory() as work:
        database, files = _unpack(source, Path(work), backend) if tarfile.is_tarfile(source) else (source, {})
        revisions = _sqlite_revisions(database) if backend == "sqlite" else _pg_revisions(database)
        unknown = [revision for revision in revisions if not is_known_revision(revision)]
        if unknown:
            raise BackupError(f"the backup's schema {', '.join(unknown)} is newer than this code; update the portal first")
        store = storage()
        for key, path in files.items():  # the files first: a row never names a file that is not there
            store.put(key, path.read_bytes(), _content_type(key))
        db.session.remove()
        db.engine.dispose()
        if backend == "sqlite":
            _restore_sqlite(database)
        else:
            _restore_postgresql(database)
        db.engine.dispose()
    return _check_revision()


def _content_type(key: str) -> str:
    return {"jpg": "image/jpeg", "png": "image/png", "pdf": "application/pdf"}[key.rsplit(".", 1)[1]]


def _unpack(source: Path, work: Path, backend: str) -> tuple[Path, dict[str, Path]]:
    """The archive's database and files, written to `work` after every hash was checked against the manifest."""
    expected_database = f"database{SUFFIXES[backend]}"
    with tarfile.open(source, "r") as archive:
        members = {member.name: member for member in archive.getmembers()}
        if MANIFEST not in members:
            raise BackupError(f"{source} is not a backup of this portal (no {MANIFEST})")
        manifest = json.loads(archive.extractfile(members[MANIFEST]).read())
        if manifest.get("database", {}).get("name") != expected_database or expected_database not in members:
            raise BackupError(f"{source} is not a backup of a {backend} database")
        listed = {f"files/{key}" for key in manifest.get("files", {})}
        present = {name for name in members if name.startswith("files/")}
        if listed != present:
            raise BackupError(f"{source}: the files differ from its manifest: {sorted(listed ^ present)[:5]}")
        database = work / expected_database
        _extract(archive, members[expected_database], database, manifest["database"]["sha256"])
        files = {}
        for name in sorted(present):
            match = FILE_MEMBER.match(name)
            key = match and match.group(1)
            if not match or not members[name].isfile() or manifest["files"][key] != match.group(2):
                raise BackupError(f"{source}: {name} is not a file this portal makes")
            files[key] = work / "files" / key.replace("/", "-")
            files[key].parent.mkdir(exist_ok=True)
            _extract(archive, members[name], files[key], manifest["files"][key])
    return database, files


def _extract(archive: tarfile.TarFile, member: tarfile.TarInfo, path: Path, sha256: str) -> None:
    """Copy one member out, refusing it when its bytes do not have the manifest's hash."""
    if not member.isfile():
        raise BackupError(f"{member.name} is not a plain file")
    digest = hashlib.sha256()
    with archive.extractfile(member) as data, open(path, "wb") as out:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
            out.write(block)
    if digest.hexdigest() != sha256:
        raise BackupError(f"{member.name} does not match its SHA-256 in the manifest: the backup is damaged")


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
