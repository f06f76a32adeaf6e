"""Forms for campaigns, their items, a deputy's record and staff review."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..forms import BaseForm, OnceForm
from .models import ITEM_KIND_LABELS, ItemKind
from .services import ACCOUNT_MAX, NOTE_MAX, REFLECTION_MAX

INVALID_DATE = _l("Please enter a valid date.")
# Dates use InputRequired: DataRequired would hide the "invalid date" message behind "please enter".


class CampaignForm(OnceForm):
    """A campaign's name, period and work plan."""

    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=200, message=_l("At most 200 characters."))])
    starts_on = DateField(_l("First day"), invalid_value_message=INVALID_DATE,
                          validators=[InputRequired(_l("Please enter the first day of the campaign."))])
    ends_on = DateField(_l("Last day"), invalid_value_message=INVALID_DATE,
                        validators=[InputRequired(_l("Please enter the last day of the campaign."))])
    plan = TextAreaField(_l("Work plan (time, content, procedure)"), validators=[Length(max=20000, message=_l("Too long."))])
    is_current = BooleanField(_l("Current campaign"))


class ItemForm(OnceForm):
    """A checklist item's title, kind and description."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter the title.")), Length(max=100, message=_l("At most 100 characters."))])
    kind = SelectField(_l("Kind"), choices=lambda: [SelectChoice(kind.value, ITEM_KIND_LABELS[kind]) for kind in ItemKind],
                       default=ItemKind.OTHER.value)
    description = TextAreaField(_l("Description"), validators=[Length(max=500, message=_l("At most 500 characters."))])


class RecordForm(BaseForm):
    """A deputy's record of an item; item 3 may link a practical matter, item 4 a suggestion."""

    done_on = DateField(_l("Date"), invalid_value_message=INVALID_DATE, validators=[InputRequired(_l("Please enter the date."))])
    # Choices are filled by the view; "0" is the empty choice so the int coercion never fails.
    community_id = SelectField(_l("Community"), coerce=int, validate_choice=False)
    account = TextAreaField(
        _l("What you did, and for whom"),
        validators=[DataRequired(_l("Please describe briefly what you did and for whom.")),
                    Length(max=ACCOUNT_MAX, message=_l("At most 500 characters."))],
    )
    reflection = TextAreaField(_l("Reflection or suggestion text"),
                               validators=[Optional(), Length(max=REFLECTION_MAX, message=_l("At most 10000 characters."))])
    # The deputy's own matters / suggestions, filled by the view; "0" is "none". The service checks the id.
    practical_matter_id = SelectField(_l("Practical matter"), coerce=int, validate_choice=False)
    suggestion_id = SelectField(_l("Suggestion"), coerce=int, validate_choice=False)


class OnBehalfForm(RecordForm):
    """Staff record an item from a paper form, naming the deputy (代为登记)."""

    deputy_id = SelectField(_l("Deputy"), coerce=int, validate_choice=False)
    item_id = SelectField(_l("Item"), coerce=int, validate_choice=False)


class ReviewForm(BaseForm):
    """Staff's note when sending a record back (the CSRF token also guards verifying)."""

    note = TextAreaField(_l("Note to the deputy"), validators=[Optional(), Length(max=NOTE_MAX, message=_l("At most 500 characters."))])


class BatchReviewForm(BaseForm):
    """Staff's one note for sending many records back (the CSRF token also guards verifying them)."""

    note = TextAreaField(_l("Note to the deputies"), validators=[Optional(), Length(max=NOTE_MAX, message=_l("At most 500 characters."))])
