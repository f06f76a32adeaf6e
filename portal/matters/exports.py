"""The practical-matters list as a table for `portal.exports`, with the list's filters; the ledger import reads it back."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from ..extensions import db

# (field, heading): the columns of the export, which the ledger import (portal/ledger) reads by heading.
COLUMNS = [
    ("number", _l("Number")), ("done_on", _l("Date")), ("title", _l("Title")), ("location", _l("Location")),
    ("community", _l("Community")), ("state", _l("State")), ("deputies", _l("Deputies")), ("beneficiaries", _l("Beneficiaries")),
    ("description", _l("Description")), ("started_on", _l("Started on")),
]


def matters_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per practical matter of `query`, with its place, dates and deputies."""
    header = [str(label) for _field, label in COLUMNS]
    rows = []
    for m in db.session.scalars(query).unique():
        rows.append([
            m.number, m.done_on.isoformat(), m.title, m.location, m.community.name, m.state.label,
            "、".join(d.name for d in m.deputies), m.beneficiaries if m.beneficiaries is not None else "", m.description,
            m.started_on.isoformat() if m.started_on else "",
        ])
    return header, rows
