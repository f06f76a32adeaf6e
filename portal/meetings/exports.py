"""The tables of a meeting's attendance and of a period's attendance rates, for `portal.exports`.

Rates are written exactly enough to recompute: the attended and expected counts, and the rate to four places.
"""
from flask import Response
from flask_babel import gettext as _

from ..exports import table_response

from ..clock import to_local
from ..periods import Period
from .models import Meeting
from .marks import attendance_cards
from .rates import DeputyRate, tally


def _rate_value(value) -> float | str:
    return round(float(value), 4) if value is not None else ""


def meeting_table(meeting: Meeting) -> tuple[list, list[list]]:
    """The header, then one row per rostered deputy, then the tally."""
    header = [_("Name"), _("Level"), _("Community"), _("Status"), _("Reason"), _("Marked by"), _("Marked at"), _("Source")]
    rows = []
    for card in attendance_cards(meeting):
        mark = card.attendance
        rows.append([
            card.deputy.name, card.profile.level.label, card.profile.community.name,
            mark.status.label if mark else _("Not signed in"), mark.reason if mark else "",
            mark.marked_by.name if mark else "", to_local(mark.marked_at).strftime("%Y-%m-%d %H:%M") if mark else "",
            mark.source.label if mark else "",
        ])
    t = tally(meeting)
    rows.append([])
    rows.append([_("Expected"), _("Present"), _("Late"), _("Left early"), _("On leave"), _("Absent"),
                 _("Not signed in"), _("Attendance rate")])
    rows.append([t.expected, t.present, t.late, t.left_early, t.excused, t.absent, t.unmarked, _rate_value(t.rate)])
    return header, rows


def rates_table(rates: list[DeputyRate], period: Period) -> tuple[list, list[list]]:
    """The header, then one row per deputy with the counts and the exact rate."""
    header = [_("Name"), _("Community"), _("From"), _("To"), _("Rostered meetings"), _("Present"), _("Late"),
             _("Left early"), _("On leave"), _("Absent"), _("Not signed in"), _("Attended"), _("Attendance rate")]
    rows = []
    for item in rates:
        t = item.tally
        rows.append([item.deputy.name, item.community, period.start.isoformat(), period.end.isoformat(), t.expected, t.present, t.late,
                     t.left_early, t.excused, t.absent, t.unmarked, t.attended, _rate_value(t.rate)])
    return header, rows


def export_meeting(meeting: Meeting, fmt: str) -> Response:
    """The meeting's attendance as a download; the rate of the tally shows as a percentage."""
    header, rows = meeting_table(meeting)
    return table_response(fmt, header, rows, f"meeting-{meeting.id}-attendance", percent_columns=(7,))


def export_rates(rates: list[DeputyRate], period: Period, fmt: str) -> Response:
    """The period's rates as a download; the rate column shows as a percentage."""
    header, rows = rates_table(rates, period)
    return table_response(fmt, header, rows, f"attendance-rates-{period.start}-{period.end}", percent_columns=(12,))


