"""The deputy roster as a table for `portal.exports`, with the roster's filters."""
from flask_babel import gettext as _
from sqlalchemy import Select

from ..extensions import db


def roster_table(query: Select) -> tuple[list, list[list]]:
    """The header, then one row per deputy profile of `query` (`deputies_query` loads user and community)."""
    header = [_("Name"), _("Level"), _("Community"), _("Profession / expertise"), _("Phone")]
    rows = [[d.name, d.level.label, d.community.name, d.expertise, d.phone] for d in db.session.scalars(query)]
    return header, rows
