"""The filter of the committee's figures."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from ..periods import PeriodForm


class FiguresFilterForm(PeriodForm):
    """Period and community of the overview (a GET form: no CSRF token, values in the URL)."""

    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])
