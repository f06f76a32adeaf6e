"""The audit log's filters (a GET form: no CSRF token, values in the URL)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    """Who, what kind of object, which object, from and to which day."""

    class Meta:
        csrf = False

    actor = SelectField(_l("Who"), coerce=int, validators=[Optional()])
    object_type = SelectField(_l("Kind of record"), validators=[Optional()])
    object_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field) -> None:
        """The period cannot end before it starts."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end cannot be before the start."))
