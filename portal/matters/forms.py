"""The practical matter form."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ..forms import OnceForm
from .models import MATTER_STATE_LABELS, MatterState


def _state_choices():
    return [SelectChoice(s.value, MATTER_STATE_LABELS[s]) for s in MatterState]


class MatterForm(OnceForm):
    """A practical matter: what, where, who, when, how far, for how many."""

    title = StringField(_l("The practical matter"), validators=[DataRequired(_l("Please enter a title.")), Length(max=200, message=_l("Too long."))])
    location = StringField(_l("Address / location"), validators=[Length(max=200, message=_l("Too long."))])
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])
    deputies = SelectMultipleField(_l("Deputies involved"), coerce=int, validators=[Optional()])
    done_on = DateField(_l("Completed on (planned: the date it is planned for)"), validators=[InputRequired(_l("Please enter the date."))])
    started_on = DateField(_l("Started on"), validators=[Optional()])
    state = SelectField(_l("State"), choices=_state_choices, default=MatterState.PLANNED.value)
    beneficiaries = IntegerField(
        _l("Residents benefiting"),
        validators=[Optional(), NumberRange(min=1, max=1_000_000, message=_l("The number of residents must be between 1 and 1000000."))],
    )
    description = TextAreaField(_l("Description"), validators=[Length(max=5000, message=_l("Too long."))])
    opinion = SelectField(_l("Opinion it answers"), coerce=int, validators=[Optional()])
    suggestion = SelectField(_l("Suggestion it answers"), coerce=int, validators=[Optional()])
