"""The practical-matters list as a table for `portal.exports`, with the list's filters."""
from flask_babel import gettext as _
from sqlalchemy import Select

from ..extensions import db


def matters_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per practical matter of `query`, with its place, date and deputies."""
    header = [_("Date"), _("Title"), _("Location"), _("Community"), _("State"), _("Deputies"), _("Beneficiaries"),
              _("Description")]
    rows = []
    for m in db.session.scalars(query).unique():
        rows.append([
            m.done_on.isoformat(), m.title, m.location, m.community.name, m.state.label, "、".join(d.name for d in m.deputies),
            m.beneficiaries if m.beneficiaries is not None else "", m.description,
        ])
    return header, rows
