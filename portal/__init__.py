"""The committee portal: the application factory."""
import functools
import hashlib
import os
import secrets
import sqlite3
import time
from importlib import import_module
from pathlib import Path

from flask import Flask, abort, current_app, g, has_request_context, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from jinja2 import FileSystemBytecodeCache
from markupsafe import escape
from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import joinedload
from werkzeug.middleware.proxy_fix import ProxyFix

from .bounds import IdConverter, PortalRequest
from .config import Config
from . import figures_cache  # noqa: F401 (figures_cache: its session hooks version every write)
from .extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from .htmx import is_htmx

# The areas with pages, each a package holding a blueprint `bp` and its `views` module.
SQLITE_OPTIMIZE_SECONDS = 600  # how often a pooled SQLite connection lets the statistics follow the data
AREAS = (
    "health", "auth", "main", "deputies", "admin", "campaigns", "meetings", "opinions", "suggestions", "matters",
    "evaluations", "reports", "audit", "ledger", "evidence", "points",
)


def create_app(config: object | dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, CLI, error pages."""
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH") or None,
    )
    app.request_class = PortalRequest  # numbers beyond the database's range read as no number (portal/bounds.py)
    app.url_map.converters["int"] = IdConverter
    app.config.from_object(Config)
    app.config.from_pyfile("config.py", silent=True)
    if isinstance(config, dict):
        app.config.from_mapping(config)
    elif config is not None:
        app.config.from_object(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "portal.db")
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret_key(app.instance_path)

    compress.init_app(app)  # first registered, so it runs last: it compresses the finished answer
    if app.config["TRUSTED_PROXIES"]:
        # Behind nginx: the client's address comes from X-Forwarded-For (login limits, audit log).
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    db.init_app(app)
    import_module(f"{__name__}.auditing")  # the audit table and the flush hook that fills it
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True)
    from .evidence.views import upload_request_limit

    app.before_request(upload_request_limit)  # before CSRF protection reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    from .auth.throttle import refuse_private_counts_in_several_workers

    refuse_private_counts_in_several_workers(app)
    babel.init_app(app, locale_selector=select_locale)
    _init_login(app)

    for area in AREAS:
        # Importing the views registers their routes on the area's blueprint (and loads its models).
        import_module(f"{__name__}.{area}.views")
        app.register_blueprint(import_module(f"{__name__}.{area}").bp)

    from .cli import register_cli

    register_cli(app)
    _init_templates(app)
    _init_static(app)
    _init_errors(app)
    app.before_request(_refuse_control_characters)
    app.after_request(_security_headers)
    app.after_request(_refresh_session)
    return app


def _refresh_session(response):
    """Send the session cookie again (its lifetime starting anew) once every few minutes, not with every answer."""
    if session and session.permanent:
        period = int(time.time()) // current_app.config["SESSION_REFRESH_SECONDS"]
        if session.get("_refreshed") != period:
            session["_refreshed"] = period
    return response


def select_locale() -> str:
    """The user's chosen language, else the session's, else Simplified Chinese."""
    languages = Config.LANGUAGES
    if not has_request_context():  # CLI and services outside a request speak Chinese
        return "zh_Hans_CN"
    if current_user and getattr(current_user, "locale", None) in languages:
        return current_user.locale
    if session.get("locale") in languages:
        return session["locale"]
    return "zh_Hans_CN"


def _instance_secret_key(instance_path: str) -> str:
    """Read, or create once, a random key kept in the instance folder."""
    path = Path(instance_path) / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite: enforce foreign keys, write-ahead log, and wait instead of failing when busy."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        # The planner needs statistics to start a figure from the period's meetings rather than from every
        # deputy's whole history; a sampled ANALYZE costs milliseconds even at ten years of rosters.
        cursor.execute("PRAGMA analysis_limit=1000")
        try:
            analyzed = cursor.execute("SELECT 1 FROM sqlite_stat1 LIMIT 1").fetchone() is not None
        except sqlite3.OperationalError:  # never analyzed
            analyzed = False
        if not analyzed:
            try:
                cursor.execute("ANALYZE")
            except sqlite3.OperationalError:  # another process is writing: the periodic optimize will do it
                pass
        cursor.close()


@event.listens_for(Engine, "checkin")
def _sqlite_optimize(dbapi_connection, record) -> None:
    """SQLite: every few minutes, let the statistics follow the data (PRAGMA optimize re-analyzes the tables this
    connection used that have grown much since); skipped, not waited for, while another process writes."""
    if not isinstance(dbapi_connection, sqlite3.Connection) or time.monotonic() < record.info.get("optimize_after", 0):
        return
    record.info["optimize_after"] = time.monotonic() + SQLITE_OPTIMIZE_SECONDS
    try:
        dbapi_connection.execute("PRAGMA busy_timeout=0")
        dbapi_connection.execute("PRAGMA optimize")
        dbapi_connection.commit()
    except sqlite3.OperationalError:
        dbapi_connection.rollback()
    finally:
        dbapi_connection.execute("PRAGMA busy_timeout=10000")


def _init_login(app: Flask) -> None:
    from .models import AnonymousUser

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.anonymous_user = AnonymousUser
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str):
        """The user of an "id:version" session id, unless their version has moved on since."""
        user_id, _sep, version = session_id.partition(":")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        user = db.session.execute(_user_statement(), {"id": int(user_id)}).unique().scalar_one_or_none()
        return user if user is not None and user.session_version == int(version) else None


@functools.cache
def _user_statement() -> Select:
    """The request's user by id, built once per process: building and keying it cost more than running it.

    A deputy's pages show their profile and community: loaded with the user, in one statement.
    """
    from .models import DeputyProfile, User

    return (select(User).options(joinedload(User.deputy).joinedload(DeputyProfile.community))
            .where(User.id == bindparam("id")))


def _template_cache(app: Flask) -> FileSystemBytecodeCache:
    """Compiled templates kept on disk, shared by the workers. Jinja checks each entry against its template's
    source; the file names carry what else the compiled code depends on (Jinja's syntax options, its extensions)."""
    directory = Path(app.config["TEMPLATE_CACHE_DIR"] or Path(app.instance_path) / "template-cache")
    directory.mkdir(parents=True, exist_ok=True)
    env = app.jinja_env
    options = (env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, env.block_start_string,
               env.variable_start_string, env.comment_start_string, env.line_statement_prefix, sorted(env.extensions),
               getattr(env, "newstyle_gettext", False))
    fingerprint = hashlib.sha1(repr(options).encode()).hexdigest()[:12]
    return FileSystemBytecodeCache(str(directory), f"{fingerprint}-%s.cache")


def _init_templates(app: Flask) -> None:
    from flask_babel import format_datetime

    from .audit.services import action_label, field_label, object_label
    from .campaigns.services import linked_records
    from .charts import chart_markup
    from .clock import format_date
    from .evidence.services import record_files_of
    from .evidence.views import gallery as evidence_gallery
    from .figures import percent, points_text
    from .forms import new_submission_key
    from .models import Role
    from .permissions import TEMPLATE_HELPERS
    from .pinyin import search_key
    from .settings import committee_name
    from .suggestions.models import SuggestionState

    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(TEMPLATE_HELPERS)
    # Every template global is registered here, so a fragment works on any page whichever blueprints it uses.
    app.jinja_env.globals.update(Role=Role, LANGUAGES=Config.LANGUAGES, search_key=search_key,
                                 new_submission_key=new_submission_key, chart_markup=chart_markup,
                                 SuggestionState=SuggestionState, audit_action_label=action_label,
                                 audit_object_label=object_label, audit_field_label=field_label,
                                 linked_records=linked_records, evidence_gallery=evidence_gallery,
                                 record_files_of=record_files_of)
    app.jinja_env.filters.update(percent=percent, points=points_text, date=format_date, datetime=format_datetime)
    # Flask-Babel's callables look the catalog up through four context lookups on every `_()`; a page
    # has dozens, so templates take the request's catalog once (the locale is fixed for the request).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _request_translations().ugettext(s),
        ngettext=lambda s, p, n: _request_translations().ungettext(s, p, n),
        pgettext=lambda c, s: _request_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _request_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.bytecode_cache = _template_cache(app)  # last: its file names carry the options set above

    @app.context_processor
    def inject_common():
        from flask_babel import get_locale

        # Lazy: read only by the templates that show it (a page's header), not by every fragment.
        return {"current_locale": str(get_locale()), "committee_name": LazyText(committee_name)}


class LazyText:
    """Text worked out when a template first shows it, escaped like any other text (Flask-Babel's LazyString
    would pass for markup: the admin's committee name would reach every page unescaped)."""

    def __init__(self, function):
        self._function = function

    def __str__(self) -> str:
        return self._function()

    def __html__(self) -> str:
        return str(escape(self._function()))


def _request_translations():
    """The catalog of the request's locale, looked up once per request (per app context outside one)."""
    from flask_babel import get_translations

    translations = g.get("_portal_translations")
    if translations is None:
        translations = g._portal_translations = get_translations()
    return translations


def _init_static(app: Flask) -> None:
    """Static files are cached for a year; their URLs carry the file's mtime, so a change is fetched."""
    versions: dict[str, str] = {}

    @app.url_defaults
    def static_version(endpoint: str, values: dict) -> None:
        filename = values.get("filename")
        if endpoint != "static" or not filename or "v" in values:
            return
        if filename not in versions:
            try:
                versions[filename] = str(int(os.path.getmtime(os.path.join(app.static_folder, filename))))
            except OSError:
                versions[filename] = "0"
        values["v"] = versions[filename]


def _init_errors(app: Flask) -> None:
    messages = {
        400: lambda: _("The request holds characters that are not allowed. Please go back and try again."),
        403: lambda: _("You do not have permission to see this page."),
        404: lambda: _("The page was not found."),
        405: lambda: _("This action is not allowed here."),
        413: lambda: _("The upload is too large (at most %(mb)d MB).", mb=current_app.config["MAX_CONTENT_LENGTH"] // 2**20),
        429: lambda: _("Too many attempts. Please wait a few minutes and try again."),
        500: lambda: _("Something went wrong on our side. Please try again."),
    }

    def render_error(code: int, message: str):
        template = "errors/_error.html" if is_htmx() else "errors/error.html"
        return render_template(template, code=code, message=message), code

    for code, message in messages.items():
        app.register_error_handler(code, lambda e, code=code, message=message: render_error(code, message()))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form has expired or is invalid. Please reload the page and try again."))


def _refuse_control_characters():
    """A search or filter parameter with a control character (NUL ...) is refused before any view (400), and a
    path holding one names nothing (404): neither reaches a query, which PostgreSQL would refuse with an error."""
    from .text import has_control_characters

    if any(has_control_characters(value) for value in (request.view_args or {}).values() if isinstance(value, str)):
        abort(404)
    if any(has_control_characters(value) for value in request.args.values()):
        abort(400)


def _security_headers(response):
    """A strict CSP (no inline script), no framing, no sniffing, a quiet referrer; only static files cached."""
    if request.endpoint != "static" and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"  # an evidence file says "private, no-store" itself
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
        "form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
