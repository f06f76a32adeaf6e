"""Forms for recording ballots and for the rating thresholds."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange, Optional

from ..forms import BaseForm, OnceForm
from .services import MAX_BALLOTS


def _count(label):
    return IntegerField(
        label,
        validators=[InputRequired(_l("Please enter a number.")),
                    NumberRange(min=0, max=MAX_BALLOTS, message=_l("Enter a number between 0 and %(n)d.", n=MAX_BALLOTS))],
    )


class EvaluationForm(OnceForm):
    """The ballots for one deputy and period."""

    deputy = SelectField(_l("Deputy"), coerce=int, validators=[Optional()])
    starts_on = DateField(_l("Period from"), validators=[InputRequired(_l("Please enter the date."))])
    ends_on = DateField(_l("Period to"), validators=[InputRequired(_l("Please enter the date."))])
    satisfied = _count(_l("Satisfied"))
    basically_satisfied = _count(_l("Basically satisfied"))
    dissatisfied = _count(_l("Dissatisfied"))
    # Empty until staff choose it: a paper evaluation typed in later must not land silently on today.
    evaluated_on = DateField(_l("Date of the evaluation"), validators=[InputRequired(_l("Please enter the date of the evaluation."))])


class ThresholdsForm(BaseForm):
    """The satisfaction rates (whole percent) a rating needs."""

    competent_min = IntegerField(
        _l("Competent from (%)"),
        validators=[InputRequired(_l("Please enter a number.")), NumberRange(min=1, max=100, message=_l("Enter a whole percentage between 1 and 100."))],
    )
    basic_min = IntegerField(
        _l("Basically competent from (%)"),
        validators=[InputRequired(_l("Please enter a number.")), NumberRange(min=0, max=99, message=_l("Enter a whole percentage between 0 and 99."))],
    )
