"""The portal's clock: one timezone (config BABEL_DEFAULT_TIMEZONE, Asia/Shanghai) for every "today"."""
import functools
from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import flask_babel
from flask import current_app, has_app_context

from .config import Config


def local_zone() -> ZoneInfo:
    """The portal's timezone (Asia/Shanghai unless configured otherwise); the default outside an app."""
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else Config.BABEL_DEFAULT_TIMEZONE
    return ZoneInfo(name)


def local_today() -> date:
    """Today on the committee's wall clock (a server on UTC is eight hours behind it)."""
    return datetime.now(local_zone()).date()


def to_utc(local: datetime) -> datetime:
    """A wall-clock time typed into a form (naive, local) as an aware UTC datetime."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=local_zone())
    return local.astimezone(timezone.utc)


def to_local(moment: datetime) -> datetime:
    """An aware datetime on the portal's wall clock."""
    return moment.astimezone(local_zone())


def local_day_start(day: date) -> datetime:
    """Local midnight of `day`, in UTC."""
    return to_utc(datetime.combine(day, time()))


def format_date(value=None, format=None) -> str:
    """Flask-Babel's `format_date` (a stored time shown on the user's clock), each day's text kept per language: a
    record formats hundreds of dates, and formatting one looks the locale and its pattern up again."""
    if format is not None or not isinstance(value, date):
        return flask_babel.format_date(value, format)
    if isinstance(value, datetime):
        value = flask_babel.to_user_timezone(value).date()
    return _day_text(value, str(flask_babel.get_locale()))


@functools.lru_cache(maxsize=2048)
def _day_text(day: date, locale: str) -> str:
    """A day as `flask_babel.format_date` writes it in the request's language, `locale` (the cache's key)."""
    return flask_babel.format_date(day)
