"""The base of every form: text fields refuse control characters; create forms submit only once."""
import functools
import re
import secrets
from datetime import timedelta
from typing import Callable, TypeVar

from babel.support import NullTranslations, Translations
from flask import current_app, flash
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from wtforms import DateTimeField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.i18n import messages_path
from wtforms.validators import StopValidation, ValidationError

from .bounds import FIELD_INT_MAX, FIELD_INT_MIN, FIRST_DAY, LAST_DAY, db_int
from .errors import commit_form
from .extensions import db
from .htmx import is_htmx
from .models import SubmissionKey, utcnow
from .text import CONTROL_CHARACTERS_MESSAGE, has_control_characters

T = TypeVar("T")

_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# A used key is kept this long: a form resent later than that is not a double tap but a new submission.
KEY_DAYS = 7


def _no_control_characters(form, field) -> None:
    if has_control_characters(field.data if isinstance(field.data, str) else None, isinstance(field, TextAreaField)):
        raise ValidationError(CONTROL_CHARACTERS_MESSAGE)


def _number_in_range(form, field) -> None:
    if isinstance(field.data, int) and not FIELD_INT_MIN <= field.data <= FIELD_INT_MAX:
        raise StopValidation(_l("The number is out of range."))


def _date_in_range(form, field) -> None:
    if field.data is not None and not FIRST_DAY.year <= field.data.year <= LAST_DAY.year:
        raise StopValidation(_l("Please enter a date between %(first)d and %(last)d.", first=FIRST_DAY.year, last=LAST_DAY.year))


@functools.cache
def _wtforms_catalog(locale: str) -> NullTranslations:
    """WTForms' own messages in one language, read from disk once per process (Flask-WTF reads them every request)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class BaseForm(FlaskForm):
    """Every form of the portal: text refuses control characters, numbers and dates stay within what the database
    and the calendar hold (portal/bounds.py)."""

    class Meta:
        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_catalog(str(get_locale()))

        def bind_field(self, form, unbound_field, options):
            field = unbound_field.bind(form=form, **options)
            if isinstance(field, StringField):
                field.validators = [_no_control_characters, *field.validators]
            elif isinstance(field, IntegerField):
                field.validators = [_number_in_range, *field.validators]
            elif isinstance(field, DateTimeField):  # dates too: DateField is one
                field.validators = [_date_in_range, *field.validators]
            if getattr(field, "coerce", None) is int:  # a choice: an id beyond the range could not be one
                field.coerce = db_int
            return field


def new_submission_key() -> str:
    """A fresh one-time key, for a create form a list renders many times without its form object."""
    return secrets.token_urlsafe(24)


class OnceForm(BaseForm):
    """A create form: a one-time key per rendered form, so a resent form creates one record."""

    submission_key = HiddenField(default=new_submission_key)

    def validate_submission_key(self, field) -> None:
        if field.data and not _KEY.match(field.data):
            raise ValidationError(_l("The form is incomplete. Please reload the page and try again."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.submission_key.errors:
            # A hidden field shows no message: say it above the form, which comes back with a fresh key.
            self.form_errors.extend(self.submission_key.errors)
            self.submission_key.errors = []
            self.submission_key.data = new_submission_key()
        return valid


def commit_once(
    form: OnceForm, action: Callable[[], T], url_of: Callable[[T], str], message: Callable[[T], str]
) -> str | None:
    """Create through `action` once per submission key, commit and flash `message`; the record's URL.

    A key seen before (a double tap, a resent form, a twin request racing this one) creates
    nothing and answers the URL of what the first submission made; None on a ServiceError.
    """
    key = form.submission_key.data
    if not key:  # a client that sends no key (never the portal's own forms) gets no protection
        return _created(commit_form(form, action), url_of, message)
    if db.session.get(SubmissionKey, key) is not None:
        return _earlier(form, key)

    def create() -> T:
        record = action()
        db.session.execute(delete(SubmissionKey).where(SubmissionKey.created_at < utcnow() - timedelta(days=KEY_DAYS)))
        db.session.add(SubmissionKey(key=key, user_id=current_user.id, url=url_of(record)))
        db.session.flush()  # a twin that committed first makes this raise
        return record

    try:
        record = commit_form(form, create)
    except IntegrityError:
        db.session.rollback()
        return _earlier(form, key)
    return _created(record, url_of, message)


def _created(record, url_of, message) -> str | None:
    if record is None:
        return None
    if not is_htmx():  # an htmx answer shows the record in place
        flash(message(record), "success")
    return url_of(record)


def _earlier(form: OnceForm, key: str) -> str | None:
    """The URL the key's first submission made; a key that is someone else's is refused."""
    used = db.session.get(SubmissionKey, key)
    if used is None or used.user_id != current_user.id:
        form.form_errors.append(_("The form is incomplete. Please reload the page and try again."))
        return None
    if not is_htmx():
        flash(_("This form had already been sent; nothing new was created."), "info")
    return used.url


def error_messages(form) -> list[str]:
    """Every message of a form, its fields' first, as plain text (WTForms keeps lazy strings, which `str.join` refuses)."""
    return [str(message) for messages in form.errors.values() for message in messages]


def first_error(form, default: str) -> str:
    """The first message of a form as plain text, or `default` when it holds none."""
    return next(iter(error_messages(form)), default)


class ConfirmForm(BaseForm):
    """An empty form: its CSRF token guards a confirmed action."""
