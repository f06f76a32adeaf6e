"""The suggestions list as a table for `portal.exports`: every step's date and note (the district's answer);
the ledger import reads it back."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload

from ..extensions import db
from .models import ANSWER_STATES, Suggestion, SuggestionState

# The steps after the draft, in the order a suggestion goes through them; each gets a date and a note column.
STEPS = [SuggestionState.SUBMITTED, SuggestionState.ADOPTED, SuggestionState.NOT_ADOPTED, SuggestionState.IMPLEMENTING,
         SuggestionState.DONE]


def step_date(suggestion: Suggestion, event) -> str:
    """The day a step happened (never the day it was entered): the suggestion's own date for 已上报 and the answer."""
    if event.to_state is SuggestionState.SUBMITTED and suggestion.submitted_on:
        return suggestion.submitted_on.isoformat()
    if event.to_state in ANSWER_STATES and suggestion.answered_on:
        return suggestion.answered_on.isoformat()
    return event.happened_on.isoformat()


# (field, heading) of the columns before the steps; the ledger import (portal/ledger) reads them by heading.
COLUMNS = [
    ("number", _l("Number")), ("title", _l("Title")), ("category", _l("Category")), ("community", _l("Community")),
    ("deputies", _l("Deputies")), ("state", _l("State")), ("submitted_on", _l("Submitted on")), ("voters", _l("Voters")),
    ("opinion_count", _l("Opinions")), ("opinions", _l("Opinion numbers")), ("content", _l("Content")),
]


def step_columns() -> list[tuple[str, str, SuggestionState]]:
    """(date heading, note heading, state) of each step after the draft, in the current language."""
    return [(_("%(step)s: date", step=state.label), _("%(step)s: note", step=state.label), state) for state in STEPS]


def suggestions_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per suggestion of `query`, with the latest date and note of each step."""
    header = [str(label) for _field, label in COLUMNS]
    for date_heading, note_heading, _state in step_columns():
        header += [date_heading, note_heading]
    query = query.options(
        joinedload(Suggestion.category), joinedload(Suggestion.community), selectinload(Suggestion.deputies),
        selectinload(Suggestion.opinions), selectinload(Suggestion.events),
    )
    rows = []
    for s in db.session.scalars(query).unique():
        latest = {}
        for event in s.events:  # in order of time: the last one of a state is the one in force
            latest[event.to_state] = event
        row = [
            s.number, s.title, s.category.name, s.community.name if s.community else "", "、".join(d.name for d in s.deputies),
            s.state.label, s.submitted_on.isoformat() if s.submitted_on else "", s.voters, len(s.opinions),
            "、".join(o.number for o in s.opinions), s.content,
        ]
        for state in STEPS:
            event = latest.get(state)
            row += [step_date(s, event), event.note] if event else ["", ""]
        rows.append(row)
    return header, rows
