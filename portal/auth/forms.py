"""Forms for logging in and for the user's own account."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from ..forms import BaseForm


class LoginForm(BaseForm):
    """Username, password and an optional 'remember me'."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter your username.")), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ChangePasswordForm(BaseForm):
    """The current password, then the new one twice."""

    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Please enter your current password."))])
    new_password = PasswordField(_l("New password"), validators=[DataRequired(_l("Please enter a new password."))])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Please repeat the new password.")), EqualTo("new_password", _l("The two passwords differ."))],
    )


class TextSizeForm(BaseForm):
    """Standard or large text, kept on the account."""

    size = SelectField(_l("Text size"), choices=[SelectChoice("standard", _l("Standard")), SelectChoice("large", _l("Large"))])


class LocaleForm(BaseForm):
    """The language of the interface."""

    locale = SelectField(_l("Language"), choices=[SelectChoice("zh_Hans_CN", "中文"), SelectChoice("en", "English")])
