"""The evaluations overview as a table for `portal.exports`: ballots, satisfaction rate and rating per deputy."""
from datetime import date

from flask_babel import gettext as _

from .services import EvaluationRow


def evaluations_table(rows: list[EvaluationRow], starts_on: date, ends_on: date) -> tuple[list, list[list]]:
    """The header, then one row per deputy; a deputy not yet evaluated has empty counts."""
    header = [_("Name"), _("Community"), _("From"), _("To"), _("Satisfied"), _("Basically satisfied"), _("Dissatisfied"),
              _("Ballots"), _("Satisfaction rate"), _("Rating")]
    table = []
    for row in rows:
        e = row.evaluation
        community = row.deputy.deputy.community.name if row.deputy.deputy else ""
        counts = [e.satisfied, e.basically_satisfied, e.dissatisfied, e.ballots,
                  round(float(e.satisfaction), 4) if e.satisfaction is not None else ""] if e else ["", "", "", "", ""]
        table.append([row.deputy.name, community, starts_on.isoformat(), ends_on.isoformat(), *counts,
                      row.rating.label if row.rating else ""])
    return header, table
