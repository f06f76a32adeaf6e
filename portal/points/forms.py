"""The points pages' forms: the table's filter, the rules (one points and one cap field per kind), publishing."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Optional

from ..accounts.services import community_names
from ..forms import BaseForm
from ..periods import PeriodForm
from .models import DutyKind


class PointsFilterForm(PeriodForm):
    """Period and community of the live table (a GET form)."""

    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.community.choices = [SelectChoice(0, _("All communities"))] + [
            SelectChoice(community_id, name) for community_id, name in community_names()
        ]


class RulesForm(BaseForm):
    """A rule set: the day it takes effect, then each kind's points and optional cap per quarter."""

    effective_on = DateField(_l("In force from"), validators=[InputRequired(_l("Please enter the date."))])

    def weights(self):
        """(kind, points field, cap field) for each kind, in the kinds' order."""
        return [(kind, self[f"points_{kind.value}"], self[f"cap_{kind.value}"]) for kind in DutyKind]


# Numbers are read by the service (exact tenths, its own messages), so the fields are text.
for _kind in DutyKind:
    setattr(RulesForm, f"points_{_kind.value}", StringField(_l("Points"), default="0"))
    setattr(RulesForm, f"cap_{_kind.value}", StringField(_l("Cap per quarter")))


class PublishForm(BaseForm):
    """The quarter to publish (its first day), chosen among the quarters that have ended."""

    # The service says why another quarter cannot be published (not ended, already published).
    quarter = SelectField(_l("Quarter"), validate_choice=False, validators=[InputRequired(_l("Please choose a quarter."))])


class RankingForm(BaseForm):
    """Whether deputies see the whole published table."""

    show_ranking = BooleanField(_l("Show the ranking to deputies"))
