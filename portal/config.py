"""Configuration: defaults here, overridden by instance/config.py and the environment."""
import os
from datetime import timedelta


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults; every value can be set from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")  # None: a key is kept in instance/secret_key
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")  # None: instance/portal.db
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_DURATION = timedelta(days=14)
    # A tablet stays open through a whole meeting day: sessions and CSRF tokens outlive it.
    PERMANENT_SESSION_LIFETIME = timedelta(hours=16)
    WTF_CSRF_TIME_LIMIT = None
    WTF_I18N_ENABLED = True  # WTForms' own messages (a malformed date, a bad choice) in the user's language

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    # Where login attempts are counted: memory:// is private to one process (`make run` then runs
    # one worker with threads, see deploy/gunicorn.conf.py); redis://host:6379/0 is shared.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 5 minutes")
    LOGIN_LIMIT_PER_ADDRESS = os.environ.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 5 minutes")

    # How many reverse proxies (nginx) stand in front and set X-Forwarded-For / -Proto / -Host.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # `flask backup`: where backups go without a path (None: instance/backups), how many to keep,
    # and where pg_dump / pg_restore live when not on the PATH (PostgreSQL only).
    BACKUP_DIR = os.environ.get("BACKUP_DIR")
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR")

    PASSWORD_HASH_METHOD = "scrypt"
    PASSWORD_MIN_LENGTH = 8
    PER_PAGE = 25
    COMMITTEE_NAME = os.environ.get("COMMITTEE_NAME", "××街道人大工委")

    # Meetings: the QR self check-in opens before the start and stays open a while after the end;
    # a check-in later than LATE_AFTER_MINUTES after the start is marked late.
    CHECKIN_EARLY_MINUTES = int(os.environ.get("CHECKIN_EARLY_MINUTES", "30"))
    CHECKIN_GRACE_MINUTES = int(os.environ.get("CHECKIN_GRACE_MINUTES", "30"))
    LATE_AFTER_MINUTES = int(os.environ.get("LATE_AFTER_MINUTES", "10"))


class TestConfig(Config):
    """Fast, isolated settings for the test suite."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
