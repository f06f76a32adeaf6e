"""The 四个一 matrix as a table for `portal.exports`: one row per deputy, each item's state and date."""
from flask_babel import gettext as _

from .models import Campaign
from .services import MatrixRow


def matrix_table(campaign: Campaign, rows: list[MatrixRow]) -> tuple[list, list[list]]:
    """The header (each active item: its state, date and community), then one row per deputy with their progress."""
    items = campaign.active_items
    header = [_("Name"), _("Level"), _("Community")]
    for item in items:
        header += [item.title, _("%(item)s: date", item=item.title), _("%(item)s: community", item=item.title)]
    header += [_("Items done"), _("Items")]
    table = []
    for row in rows:
        line = [row.profile.name, row.profile.level.label, row.profile.community.name]
        for item in items:
            record = row.records.get(item.id)
            line += [record.state.label, record.done_on.isoformat(), record.community.name] if record else [_("Not done"), "", ""]
        table.append([*line, row.progress.done, row.progress.total])
    return header, table
