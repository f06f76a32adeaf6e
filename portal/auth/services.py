"""Passwords and authentication."""
import secrets

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import ServiceError
from ..extensions import db
from ..models import User

# Per hash method, a hash checked when the username is unknown, so both failures cost the same.
_dummy_hashes: dict[str, str] = {}


def hash_password(password: str, initial: bool = False) -> str:
    """Hash with the configured method (scrypt); an imported initial password at the import cost."""
    setting = "IMPORT_PASSWORD_HASH_METHOD" if initial else "PASSWORD_HASH_METHOD"
    return generate_password_hash(password, method=current_app.config[setting])


def _dummy_hash() -> str:
    """A hash of the configured method and parameters, made once per process."""
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash(secrets.token_hex(16), method=method)
    return _dummy_hashes[method]


def check_password_rules(password: str, field: str = "password") -> None:
    """Refuse a password that is too short."""
    from flask_babel import gettext as _

    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise ServiceError(_("The password must be at least %(n)d characters.", n=minimum), field)


def normalize_username(username: str) -> str:
    """Usernames are compared without case or surrounding spaces."""
    return username.strip().lower()


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None (never saying which part was wrong)."""
    user = db.session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def end_sessions(user: User) -> User:
    """Log `user` out everywhere: every session and remember-me cookie carries the old version."""
    user.session_version = (user.session_version or 0) + 1
    db.session.flush()
    return user


def set_password(user: User, password: str, field: str = "password") -> User:
    """Give `user` a new password after checking the rules; their other sessions end."""
    check_password_rules(password, field)
    user.password_hash = hash_password(password)
    user.password_must_change = False
    return end_sessions(user)


def change_own_password(user: User, current: str, new: str) -> User:
    """Change a password, proving the current one first."""
    from flask_babel import gettext as _

    if not check_password_hash(user.password_hash, current):
        raise ServiceError(_("The current password is not correct."), "current_password")
    return set_password(user, new, "new_password")
