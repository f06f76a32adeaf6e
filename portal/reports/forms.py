"""The filter of the records and the work report: a period and, for the committee's pages, a community."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import Optional

from ..accounts.services import community_names
from ..periods import PeriodForm


class ReportFilterForm(PeriodForm):
    """Period and community of the committee's records and of the work report (a GET form)."""

    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice(0, _("All communities"))] + [
            SelectChoice(community_id, name) for community_id, name in community_names()
        ]
