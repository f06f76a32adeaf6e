"""The audit log's filters: the one period form plus who, what kind of record and which record."""
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional

from ..periods import PeriodForm


class AuditFilterForm(PeriodForm):
    """Who, what kind of object, which object, from and to which day the events were entered."""

    actor = SelectField(_l("Who"), coerce=int, validators=[Optional()])
    object_type = SelectField(_l("Kind of record"), validators=[Optional()])
    object_id = StringField(_l("Record number"), validators=[Optional(), Length(max=64)])
