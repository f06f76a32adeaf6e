"""The opinions list as a table for `portal.exports`, with the list's filters."""
from flask_babel import gettext as _
from sqlalchemy import Select
from sqlalchemy.orm import joinedload

from ..extensions import db
from .models import Opinion


def opinions_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per opinion of `query` (loaded in one query with what the rows show)."""
    header = [_("Date collected"), _("Deputy"), _("Community"), _("Category"), _("Opinion"), _("Voter names"),
              _("Number of voters"), _("How collected"), _("Suggestion"), _("Suggestion state")]
    query = query.options(
        joinedload(Opinion.deputy), joinedload(Opinion.community), joinedload(Opinion.category), joinedload(Opinion.suggestion)
    )
    rows = []
    for o in db.session.scalars(query).unique():
        rows.append([
            o.collected_on.isoformat(), o.deputy.name, o.community.name, o.category.name, o.content, o.voter_names,
            o.voters, o.method.label, o.suggestion.title if o.suggestion else "", o.suggestion.state.label if o.suggestion else "",
        ])
    return header, rows
