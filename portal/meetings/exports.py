"""The tables of a meeting's attendance, of the meetings list (the ledger import reads it back) and of a period's
attendance rates, for `portal.exports`.

Rates are written exactly enough to recompute: the attended and expected counts, and the rate to four places.
"""
from flask import Response
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from ..clock import to_local
from ..extensions import db
from ..exports import table_response
from ..periods import Period
from .models import Attendance, Meeting, MeetingRoster
from .marks import attendance_cards
from .rates import DeputyRate, tally


def _rate_value(value) -> float | str:
    return round(float(value), 4) if value is not None else ""


def meeting_table(meeting: Meeting) -> tuple[list, list[list]]:
    """The header, then one row per rostered deputy, then the tally."""
    header = [_("Name"), _("Level"), _("Community"), _("Status"), _("Reason"), _("Marked by"), _("Marked at"), _("Source")]
    rows = []
    for card in attendance_cards(meeting):
        mark = card.mark
        rows.append([
            card.name, card.level.label, card.community,
            mark.status.label if mark else _("Not signed in"), mark.reason if mark else "",
            mark.marked_by if mark else "", to_local(mark.marked_at).strftime("%Y-%m-%d %H:%M") if mark else "",
            mark.source.label if mark else "",
        ])
    t = tally(meeting)
    rows.append([])
    rows.append([_("Expected"), _("Present"), _("Late"), _("Left early"), _("On leave"), _("Absent"),
                 _("Not signed in"), _("Attendance rate")])
    rows.append([t.expected, t.present, t.late, t.left_early, t.excused, t.absent, t.unmarked, _rate_value(t.rate)])
    return header, rows


# (field, heading): one row per meeting and rostered deputy (a meeting without a roster has one row without a
# deputy); the meeting's own cells repeat on each of its rows. The ledger import (portal/ledger) reads them by heading.
MEETING_COLUMNS = [
    ("number", _l("Number")), ("kind", _l("Kind")), ("title", _l("Title")), ("starts_at", _l("Starts")), ("ends_at", _l("Ends")),
    ("place", _l("Place")), ("community", _l("Community")), ("voter_count", _l("Voters present")),
    ("answers", _l("Answers given to the voters")), ("notes", _l("Notes")), ("deputy", _l("Deputy")), ("status", _l("Status")),
    ("reason", _l("Reason")),
]
TIME_FORMAT = "%Y-%m-%d %H:%M"


def meetings_table(query: Select) -> tuple[list, list[list]]:
    """The header, then each meeting of `query` with its roster and marks, in three queries whatever the count."""
    header = [str(label) for _field, label in MEETING_COLUMNS]
    meetings = list(db.session.scalars(query.options(joinedload(Meeting.kind), joinedload(Meeting.community))).unique())
    ids = [m.id for m in meetings]
    roster: dict[int, list] = {}
    marks = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for entry in db.session.scalars(select(MeetingRoster).options(joinedload(MeetingRoster.deputy))
                                        .where(MeetingRoster.meeting_id.in_(chunk))):
            roster.setdefault(entry.meeting_id, []).append(entry.deputy)
        for mark in db.session.scalars(select(Attendance).where(Attendance.meeting_id.in_(chunk))):
            marks[mark.meeting_id, mark.deputy_id] = mark
    unmarked = _("Not signed in")
    rows = []
    for m in meetings:
        own = [m.number, m.kind.name, m.title, to_local(m.starts_at).strftime(TIME_FORMAT),
               to_local(m.ends_at).strftime(TIME_FORMAT), m.place, m.community.name if m.community else "",
               m.voter_count if m.voter_count is not None else "", m.answers, m.notes]
        deputies = sorted(roster.get(m.id, []), key=lambda d: (d.name, d.id))
        for deputy in deputies or [None]:
            mark = marks.get((m.id, deputy.id)) if deputy else None
            rows.append([*own, deputy.name if deputy else "", mark.status.label if mark else (unmarked if deputy else ""),
                         mark.reason if mark else ""])
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


