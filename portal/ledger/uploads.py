"""The file a dry run checked, kept on the server until staff confirm its import (or a day has passed).

It is stored in the instance folder under a random name, with its SHA-256; the confirmation reads exactly
that file back, and refuses one whose bytes changed. The session says which upload is the user's.
"""
import hashlib
import secrets
import time
from pathlib import Path

from flask import current_app, session

KEEP_SECONDS = 24 * 3600
SESSION_KEY = "ledger_upload"


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "ledger-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep(filename: str, data: bytes) -> str:
    """Store the upload under a new random name, remember it in the session, and return the name."""
    folder = _folder()
    for old in folder.iterdir():  # uploads never confirmed
        if old.stat().st_mtime < time.time() - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    (folder / token).write_bytes(data)
    session[SESSION_KEY] = {"token": token, "filename": filename, "sha256": hashlib.sha256(data).hexdigest()}
    return token


def kept(token: str) -> tuple[str, bytes] | None:
    """(file name, bytes) of the user's kept upload named `token`, if it is theirs and unchanged."""
    upload = session.get(SESSION_KEY) or {}
    if not token or upload.get("token") != token:
        return None
    path = _folder() / token
    if not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != upload.get("sha256"):
        return None
    return upload["filename"], data


def forget(token: str) -> None:
    """Remove the kept upload (imported, or replaced by another)."""
    if session.get(SESSION_KEY, {}).get("token") == token:
        session.pop(SESSION_KEY)
    (_folder() / token).unlink(missing_ok=True)
