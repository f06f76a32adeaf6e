"""Configuration: defaults here, overridden by instance/config.py and the environment."""
import os
import tempfile
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
    # The session cookie's lifetime moves on at most every SESSION_REFRESH_SECONDS, not on every request:
    # a tablet's poll that finds nothing new answers with no cookie (portal/__init__.py, _refresh_session).
    SESSION_REFRESH_EACH_REQUEST = False
    SESSION_REFRESH_SECONDS = 300
    WTF_CSRF_TIME_LIMIT = None
    WTF_I18N_ENABLED = True  # WTForms' own messages (a malformed date, a bad choice) in the user's language

    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = {"zh_Hans_CN": "中文", "en": "English"}

    # Where login attempts are counted: memory:// is private to one process (`make run` then runs
    # one worker with threads, see deploy/gunicorn.conf.py); redis://host:6379/0 is shared.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)  # off: logins are never counted nor refused
    # Failed logins counted per account and address together, per address, per account; an
    # attempt is refused only from a pair that has failed itself (see portal/auth/throttle.py).
    LOGIN_FAILURES_PER_PAIR = os.environ.get("LOGIN_FAILURES_PER_PAIR", "5 per 15 minutes")
    LOGIN_FAILURES_PER_ADDRESS = os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "30 per 15 minutes")
    LOGIN_FAILURES_PER_ACCOUNT = os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10 per 15 minutes")

    # How many reverse proxies (nginx) stand in front and set X-Forwarded-For / -Proto / -Host.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))

    # `flask backup`: where backups go without a path (None: instance/backups), how many to keep,
    # and where pg_dump / pg_restore live when not on the PATH (PostgreSQL only).
    BACKUP_DIR = os.environ.get("BACKUP_DIR")
    BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR")

    # Flask-Compress: gzip only. Brotli at its default quality and zstd both came out larger than gzip -6
    # on these pages and on Pico and htmx, and every client the committee uses accepts gzip. Static
    # files are streamed by Flask, so gzip is allowed for streams too.
    COMPRESS_ALGORITHM = ["gzip"]
    COMPRESS_ALGORITHM_STREAMING = ["gzip"]
    COMPRESS_LEVEL = 6

    # Figures (overview, tallies, rates, adoption) cached per process under the data's version; see
    # portal/figures_cache.py. Off only to count the queries a page costs uncached.
    FIGURES_CACHE = _env_bool("FIGURES_CACHE", True)

    # scrypt with N=2^13, r=8, p=10 (one of OWASP's equivalent settings, the same work as N=2^14, p=5): a
    # check holds 8 MiB, the largest allocation a worker makes, on top of whatever the worker already holds
    # (Werkzeug's default, N=2^15, p=1, holds 32 MiB). A hash carries its own parameters: older ones keep
    # working, at their own cost, until their password is changed.
    PASSWORD_HASH_METHOD = "scrypt:8192:8:10"
    # Imported initial passwords: salted scrypt at 1/20 of the cost, so a 1,000-row import takes
    # seconds; the account must choose its own password (full cost) before anything else.
    IMPORT_PASSWORD_HASH_METHOD = "scrypt:4096:8:1"
    PASSWORD_MIN_LENGTH = 8
    PER_PAGE = 25
    SEND_FILE_MAX_AGE_DEFAULT = timedelta(days=365)  # static URLs carry ?v=<mtime> (portal/__init__.py)
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024  # the largest request (the deputy import's file): 413 above it
    # Evidence (附件): photos and PDFs on records. Per file, per upload (several at once) and per record; an upload's
    # request may carry EVIDENCE_MAX_FILES_PER_UPLOAD files of EVIDENCE_MAX_FILE_BYTES (its own MAX_CONTENT_LENGTH).
    EVIDENCE_MAX_FILE_BYTES = int(os.environ.get("EVIDENCE_MAX_FILE_BYTES", str(10 * 1024 * 1024)))
    EVIDENCE_MAX_FILES_PER_UPLOAD = int(os.environ.get("EVIDENCE_MAX_FILES_PER_UPLOAD", "6"))
    EVIDENCE_MAX_FILES_PER_RECORD = int(os.environ.get("EVIDENCE_MAX_FILES_PER_RECORD", "20"))
    # Files on disk under EVIDENCE_DIR (None: instance/evidence), or in an S3-compatible bucket when
    # EVIDENCE_S3_BUCKET is set (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; needs boto3).
    EVIDENCE_DIR = os.environ.get("EVIDENCE_DIR")
    EVIDENCE_S3_BUCKET = os.environ.get("EVIDENCE_S3_BUCKET")
    EVIDENCE_S3_PREFIX = os.environ.get("EVIDENCE_S3_PREFIX", "")
    EVIDENCE_S3_ENDPOINT = os.environ.get("EVIDENCE_S3_ENDPOINT")
    EVIDENCE_S3_REGION = os.environ.get("EVIDENCE_S3_REGION")
    IMPORT_MAX_ROWS = 2000
    IMPORT_ERRORS_SHOWN = 50
    # The district's answer to a submitted suggestion is due this many days after submission (staff may move it).
    ANSWER_DUE_DAYS = int(os.environ.get("ANSWER_DUE_DAYS", "30"))
    COMMITTEE_NAME = os.environ.get("COMMITTEE_NAME", "××街道人大工委")
    # The CJK font the Word report's chart pictures are drawn with (a .ttf/.ttc path); unset: the first of
    # portal/charts.py's CJK_FONTS found (Debian: apt-get install fonts-wqy-microhei). Without one the report has no charts.
    CHART_FONT = os.environ.get("CHART_FONT")
    # Templates compiled once and kept here (None: instance/template-cache), so a new worker or a restart reads
    # them instead of compiling each again; an entry whose template has changed is compiled anew.
    TEMPLATE_CACHE_DIR = os.environ.get("TEMPLATE_CACHE_DIR")

    # Meetings: the QR self check-in opens before the start and stays open a while after the end;
    # a check-in later than LATE_AFTER_MINUTES after the start is marked late.
    CHECKIN_EARLY_MINUTES = int(os.environ.get("CHECKIN_EARLY_MINUTES", "30"))
    CHECKIN_GRACE_MINUTES = int(os.environ.get("CHECKIN_GRACE_MINUTES", "30"))
    LATE_AFTER_MINUTES = int(os.environ.get("LATE_AFTER_MINUTES", "10"))
    # A rotating check-in code changes every CHECKIN_CODE_SECONDS and is accepted in its own period
    # and the next; a deputy who scanned in time has CHECKIN_CONFIRM_SECONDS to press confirm.
    CHECKIN_CODE_SECONDS = int(os.environ.get("CHECKIN_CODE_SECONDS", "30"))
    CHECKIN_CONFIRM_SECONDS = 600


class TestConfig(Config):
    """Fast, isolated settings for the test suite."""

    TESTING = True
    SECRET_KEY = "test-secret-key"
    WTF_CSRF_ENABLED = False
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    # A cached figure that reads a kind of data it does not declare fails where it is computed.
    FIGURES_CACHE_CHECK = True
    IMPORT_PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    RATELIMIT_STORAGE_URI = "memory://"
    # Evidence files are named by their content, so every test may share one folder, outside the work tree.
    EVIDENCE_DIR = os.path.join(tempfile.gettempdir(), "portal-test-evidence")
    # Every app the suite builds, in every worker, reads the templates compiled once (entries are keyed by the
    # template's path and checked against its source, so work trees and edits never mix).
    TEMPLATE_CACHE_DIR = os.path.join(tempfile.gettempdir(), "portal-test-template-cache")
