"""Forms for users, communities and the deputy import."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, Optional

from ..forms import BaseForm, ConfirmForm, OnceForm
from ..models import LEVEL_LABELS, ROLE_LABELS, Level, Role


def _role_choices():
    return [SelectChoice(role.value, ROLE_LABELS[role]) for role in Role]


def _level_choices():
    return [SelectChoice("", _l("— choose —"))] + [SelectChoice(level.value, LEVEL_LABELS[level]) for level in Level]


class UserForm(BaseForm):
    """A user's particulars; the deputy fields matter when the role is deputy."""

    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter a username.")), Length(max=64)])
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=64)])
    role = SelectField(_l("Role"), choices=_role_choices, default=Role.DEPUTY.value)
    level = SelectField(_l("Level"), choices=_level_choices, validators=[Optional()])
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])
    expertise = StringField(_l("Profession / expertise"), validators=[Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Length(max=32)])
    # The day a new deputy, a move to another community or a change of role takes effect (shown as today,
    # for the admin to confirm or change): the figures before it keep what held then.
    effective_on = DateField(_l("Effective from"), validators=[Optional()])


class NewUserForm(OnceForm, UserForm):
    """A new user also gets an initial password."""

    password = PasswordField(_l("Initial password"), validators=[DataRequired(_l("Please enter an initial password."))])


class ResetPasswordForm(BaseForm):
    """A new password set by the admin."""

    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Please enter a new password."))])
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Please repeat the new password.")), EqualTo("password", _l("The two passwords differ."))],
    )


class CommunityForm(OnceForm):
    """A community's name, and whether it is offered in lists."""

    name = StringField(_l("Community name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=64)])
    active = BooleanField(_l("In use"), default=True)


class ImportForm(BaseForm):
    """The CSV or XLSX file of deputies, and the day they are deputies from."""

    file = FileField(_l("File (.csv or .xlsx)"), validators=[FileRequired(_l("Please choose a file."))])
    member_from = DateField(_l("Deputies from"), validators=[Optional()])  # today when left empty


class ActiveForm(ConfirmForm):
    """Deactivate or reactivate an account; for a deputy, the day it takes effect."""

    effective_on = DateField(_l("Effective from"), validators=[Optional()])


class CommitteeForm(BaseForm):
    """The committee's name, shown in every page's header."""

    name = StringField(_l("Committee name"), validators=[DataRequired(_l("Please enter the committee's real name."))])


class TermForm(BaseForm):
    """A new term: its name, first and last day, and its roster (the deputy import's file); a second submission finds the name taken."""

    name = StringField(_l("Name of the term"), validators=[DataRequired(_l("Please enter the name.")), Length(max=64)])
    starts_on = DateField(_l("First day"), validators=[InputRequired(_l("Please enter the date."))])
    ends_on = DateField(_l("Last day"), validators=[InputRequired(_l("Please enter the date."))])
    file = FileField(_l("Roster (.csv or .xlsx)"), validators=[FileRequired(_l("Please choose a file."))])
