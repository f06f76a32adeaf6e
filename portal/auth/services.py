"""Passwords and authentication."""
from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..errors import ServiceError
from ..extensions import db
from ..models import User

# Checked against when the username is unknown, so both failures take the same time.
_DUMMY_HASH = generate_password_hash("not-a-password", method="pbkdf2:sha256:1000")


def hash_password(password: str) -> str:
    """Hash with the configured method (scrypt in production)."""
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


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
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    return user


def set_password(user: User, password: str, field: str = "password") -> User:
    """Give `user` a new password after checking the rules."""
    check_password_rules(password, field)
    user.password_hash = hash_password(password)
    db.session.flush()
    return user


def change_own_password(user: User, current: str, new: str) -> User:
    """Change a password, proving the current one first."""
    from flask_babel import gettext as _

    if not check_password_hash(user.password_hash, current):
        raise ServiceError(_("The current password is not correct."), "current_password")
    return set_password(user, new, "new_password")
