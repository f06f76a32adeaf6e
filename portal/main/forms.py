"""The filter of the committee's figures."""
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from ..forms import BaseForm


class FiguresFilterForm(BaseForm):
    """Period and community of the overview (a GET form: no CSRF token, values in the URL)."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])

    def validate_end(self, field) -> None:
        """The period cannot end before it starts."""
        from wtforms import ValidationError

        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))
