"""Forms for recording an opinion and for the admin's category list."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
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
from .models import METHOD_LABELS, CollectionMethod
from .services import MAX_CONTENT


def _method_choices():
    return [SelectChoice(m.value, METHOD_LABELS[m]) for m in CollectionMethod]


class OpinionForm(OnceForm):
    """An opinion collected from voters; staff also choose whose it is."""

    deputy = SelectField(_l("Deputy who collected it"), coerce=int, validators=[Optional()])
    content = TextAreaField(
        _l("Opinion"),
        validators=[DataRequired(_l("Please write down the opinion.")), Length(max=MAX_CONTENT, message=_l("Too long."))],
    )
    community = SelectField(_l("Community"), coerce=int, validators=[Optional()])
    category = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    collected_on = DateField(_l("Date collected"), validators=[InputRequired(_l("Please enter the date."))])
    method = SelectField(_l("How it was collected"), choices=_method_choices, default=CollectionMethod.VISIT.value)
    voter_names = StringField(_l("Voters' names (optional)"), validators=[Length(max=500, message=_l("Too long."))])
    voter_count = IntegerField(
        _l("Number of voters (optional)"),
        validators=[Optional(), NumberRange(min=1, max=10000, message=_l("The number of voters must be between 1 and 10000."))],
    )


class CategoryForm(OnceForm):
    """A new category's name."""

    name = StringField(_l("Category name"), validators=[DataRequired(_l("Please enter the name.")), Length(max=32, message=_l("Too long."))])


class CategoryEditForm(CategoryForm):
    """Rename, reorder or retire a category."""

    position = IntegerField(
        _l("Position in lists"),
        validators=[InputRequired(_l("Please enter a number.")), NumberRange(min=0, max=999, message=_l("The position must be between 0 and 999."))],
    )
    active = BooleanField(_l("In use"), default=True)
