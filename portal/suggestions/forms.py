"""Forms for a suggestion, a workflow step, and the figures' filters."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ..forms import BaseForm, OnceForm
from .answers import NOTE_MAX
from .models import FEEDBACK_METHOD_LABELS, FeedbackMethod
from .services import MAX_CONTENT, MAX_NOTE, MAX_TITLE


class SuggestionForm(OnceForm):
    """A suggestion's text, category, community and proposing deputies."""

    title = StringField(_l("Title"), validators=[DataRequired(_l("Please enter a title.")), Length(max=MAX_TITLE, message=_l("Too long."))])
    content = TextAreaField(
        _l("Suggestion"), validators=[DataRequired(_l("Please write the suggestion.")), Length(max=MAX_CONTENT, message=_l("Too long."))]
    )
    category = SelectField(_l("Category"), coerce=int, validators=[Optional()])
    community = SelectField(_l("Community it concerns"), coerce=int, validators=[Optional()])
    deputies = SelectMultipleField(_l("Proposing deputies"), coerce=int, validators=[Optional()])


class TransitionForm(BaseForm):
    """One step of the workflow: where to, from which state the page showed, and the note."""

    to_state = HiddenField(validators=[DataRequired(_l("Please choose a step."))])
    expected = HiddenField(validators=[DataRequired(_l("Please choose a step."))])
    note = TextAreaField(_l("Note"), validators=[Length(max=MAX_NOTE, message=_l("Too long."))])
    on = DateField(_l("Date it happened"), validators=[Optional()])


class DueDateForm(BaseForm):
    """Staff move the date the district's answer is due."""

    answer_due_on = DateField(_l("Answer due"), validators=[Optional()])


class FeedbackForm(OnceForm):
    """A 回访: when and how the deputy carried the answer back to the voters, and a note."""

    fed_back_on = DateField(_l("Date of the feedback"), validators=[Optional()])
    method = SelectField(_l("How"), choices=[SelectChoice(m.value, FEEDBACK_METHOD_LABELS[m]) for m in FeedbackMethod], validators=[Optional()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX, message=_l("Too long."))])
