"""Forms for meetings, rosters, marks, the voter log, meeting kinds and the rate period."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    UUID,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ..forms import BaseForm, OnceForm
from .models import REPLY_LABELS, AttendanceStatus, Reply
from .marks import normalize_tap_id

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


class MarkForm(BaseForm):
    """One tap on a tablet card: the status, the leave reason, and what the tablet says of the tap.

    `tap_id` is the tap's own id (a UUID made on the tablet); `tapped_at` and `sent_at` are the
    tablet's clock (ms since the epoch) when the tap was made and when it was sent.
    """

    status = SelectField(coerce=AttendanceStatus, choices=[SelectChoice(s, s.label) for s in AttendanceStatus],
                         validators=[InputRequired(_l("Please choose a valid status."))])
    reason = StringField(_l("Reason for the leave"), validators=[Length(max=200, message=_l("At most 200 characters."))])
    tap_id = StringField(filters=[normalize_tap_id], validators=[Optional(), UUID()])
    tapped_at = IntegerField(validators=[Optional(), NumberRange(min=0)])
    sent_at = IntegerField(validators=[Optional(), NumberRange(min=0)])


class MeetingForm(OnceForm):
    """A meeting's particulars; times are typed in the portal's local time."""

    kind = SelectField(_l("Kind of meeting"), coerce=int, validators=[DataRequired(_l("Please choose the kind of meeting."))])
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter the title.")), Length(max=200, message=_l("At most 200 characters."))])
    starts_at = DateTimeLocalField(_l("Starts at"), format=DATETIME_FORMAT,
                                   validators=[InputRequired(_l("Please enter the start time."))])
    ends_at = DateTimeLocalField(_l("Ends at"), format=DATETIME_FORMAT,
                                 validators=[InputRequired(_l("Please enter the end time."))])
    place = StringField(_l("Place"), validators=[Length(max=200, message=_l("At most 200 characters."))])
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])
    notes = TextAreaField(_l("Notes / minutes"), validators=[Length(max=20000, message=_l("The text is too long."))])
    fixed_checkin_code = BooleanField(_l("Fixed check-in code (for a printed notice; otherwise the code on the screen changes every 30 seconds)"))


class RosterForm(BaseForm):
    """The deputies expected at a meeting."""

    deputies = SelectMultipleField(_l("Expected deputies"), coerce=int, validate_choice=False)


class VoterLogForm(BaseForm):
    """The voters present at a voter meeting or visit and the answers fed back to them."""

    voter_count = IntegerField(_l("Voters present"), validators=[
        Optional(), NumberRange(min=0, max=10000, message=_l("The number of voters must be between 0 and 10000."))])
    answers = TextAreaField(_l("Answers fed back to the voters"),
                            validators=[Length(max=5000, message=_l("At most 5000 characters."))])


class MeetingOpinionForm(OnceForm):
    """An opinion raised at the meeting, added inline."""

    content = TextAreaField(_l("Opinion"), validators=[DataRequired(_l("Please write down the opinion.")),
                                                     Length(max=1000, message=_l("At most 1000 characters."))])
    category = SelectField(_l("Category"), coerce=int, validators=[DataRequired(_l("Please choose the category."))])
    deputy = SelectField(_l("Taken by deputy"), coerce=int, validators=[DataRequired(_l("Please choose the deputy."))])
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])


class MeetingKindForm(OnceForm):
    """A kind of meeting: its name, whether it keeps a voter log, whether it is in use."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=32, message=_l("At most 32 characters."))])
    voter_log = BooleanField(_l("Keeps a voter-meeting log"))
    active = BooleanField(_l("In use"), default=True)


class ReplyForm(BaseForm):
    """A deputy's answer to a meeting notice: attend, or leave with a reason."""

    reply = SelectField(choices=[SelectChoice(r.value, REPLY_LABELS[r]) for r in Reply],
                        validators=[DataRequired(_l("Please choose an answer."))])
    reason = StringField(_l("Reason for the leave"), validators=[Length(max=200, message=_l("At most 200 characters."))])
