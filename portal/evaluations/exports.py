"""The evaluations overview as a table for `portal.exports`: ballots, satisfaction rate and rating per deputy;
the ledger import reads it back (a deputy without ballots is a row it passes over)."""
from datetime import date

from flask_babel import lazy_gettext as _l

from .services import EvaluationRow

# (field, heading): the columns of the export, which the ledger import (portal/ledger) reads by heading.
COLUMNS = [
    ("number", _l("Number")), ("deputy", _l("Name")), ("community", _l("Community")), ("starts_on", _l("From")),
    ("ends_on", _l("To")), ("satisfied", _l("Satisfied")), ("basically_satisfied", _l("Basically satisfied")),
    ("dissatisfied", _l("Dissatisfied")), ("ballots", _l("Ballots")), ("satisfaction", _l("Satisfaction rate")),
    ("rating", _l("Rating")), ("evaluated_on", _l("Date of the evaluation")),
]
RATE_COLUMN = 9


def evaluations_table(rows: list[EvaluationRow], starts_on: date, ends_on: date) -> tuple[list, list[list]]:
    """The header, then one row per deputy; a deputy not yet evaluated has empty counts."""
    header = [str(label) for _field, label in COLUMNS]
    table = []
    for row in rows:
        e = row.evaluation
        community = row.deputy.deputy.community.name if row.deputy.deputy else ""
        counts = [e.satisfied, e.basically_satisfied, e.dissatisfied, e.ballots,
                  round(float(e.satisfaction), 4) if e.satisfaction is not None else ""] if e else ["", "", "", "", ""]
        table.append([e.number if e else "", row.deputy.name, community, starts_on.isoformat(), ends_on.isoformat(), *counts,
                      row.rating.label if row.rating else "", e.evaluated_on.isoformat() if e else ""])
    return header, table
