"""The opinions list as a table for `portal.exports`, with the list's filters; the ledger import reads it back."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import Opinion

# (field, heading): the columns of the export, which the ledger import (portal/ledger) reads by heading.
COLUMNS = [
    ("number", _l("Number")), ("collected_on", _l("Date collected")), ("deputy", _l("Deputy")), ("community", _l("Community")),
    ("category", _l("Category")), ("content", _l("Opinion")), ("voter_names", _l("Voter names")),
    ("voter_count", _l("Number of voters")), ("method", _l("How collected")), ("meeting", _l("Meeting number")),
    ("suggestion", _l("Suggestion")), ("suggestion_state", _l("Suggestion state")),
]


def opinions_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per opinion of `query` (loaded in one query with what the rows show)."""
    header = [str(label) for _field, label in COLUMNS]
    query = query.options(
        joinedload(Opinion.deputy), joinedload(Opinion.community), joinedload(Opinion.category), joinedload(Opinion.suggestion),
        joinedload(Opinion.meeting),
    )
    rows = []
    for o in db.session.scalars(query).unique():
        rows.append([
            o.number, o.collected_on.isoformat(), o.deputy.name, o.community.name, o.category.name, o.content, o.voter_names,
            o.voters, o.method.label, o.meeting.number if o.meeting else "", o.suggestion.title if o.suggestion else "",
            o.suggestion.state.label if o.suggestion else "",
        ])
    return header, rows
