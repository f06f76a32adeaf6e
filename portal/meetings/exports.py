"""CSV and XLSX exports of a meeting's attendance and of a period's attendance rates.

Rates are written exactly enough to recompute: the attended and expected counts, and the rate to four places.
"""
import csv
import io
from datetime import date

from flask import Response
from flask_babel import gettext as _
from openpyxl import Workbook

from ..clock import to_local
from .models import Meeting
from .services import DeputyRate, attendance_cards, tally


def _rate_value(value) -> float | str:
    return round(float(value), 4) if value is not None else ""


def meeting_table(meeting: Meeting) -> list[list]:
    """Header row, then one row per rostered deputy, then the tally."""
    rows = [[_("Name"), _("Level"), _("Community"), _("Status"), _("Reason"), _("Marked by"), _("Marked at"), _("Source")]]
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
    return rows


def rates_table(rates: list[DeputyRate], start: date, end: date) -> list[list]:
    """Header row, then one row per deputy with the counts and the exact rate."""
    rows = [[_("Name"), _("Community"), _("From"), _("To"), _("Rostered meetings"), _("Present"), _("Late"),
             _("Left early"), _("On leave"), _("Absent"), _("Not signed in"), _("Attended"), _("Attendance rate")]]
    for item in rates:
        t = item.tally
        rows.append([item.deputy.name, item.community, start.isoformat(), end.isoformat(), t.expected, t.present, t.late,
                     t.left_early, t.excused, t.absent, t.unmarked, t.attended, _rate_value(t.rate)])
    return rows


def csv_response(rows: list[list], name: str) -> Response:
    """UTF-8 with a byte-order mark, so Excel opens the Chinese text correctly."""
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})


def xlsx_response(rows: list[list], name: str) -> Response:
    """One sheet; the rate column is formatted as a percentage with one decimal."""
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    header = rows[0]
    rate_column = header.index(_("Attendance rate")) + 1 if _("Attendance rate") in header else None
    if rate_column:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=rate_column, max_col=rate_column):
            if isinstance(cell.value, float):
                cell.number_format = "0.0%"
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


EXPORTERS = {"csv": csv_response, "xlsx": xlsx_response}
