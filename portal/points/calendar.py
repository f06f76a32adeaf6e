"""The year at a glance: a deputy's duty days on a calendar of twelve months, laid out for inline SVG
(`reports/_record_points.html` draws it, coloured by portal.css) with the same days as a table."""
import calendar as _calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..clock import format_date

CELL = 18  # one day's square, gap included
LEFT = 48  # room for the month's name
TOP = 22  # room for the days' numbers


@dataclass
class YearCalendar:
    """The squares of a year (x, y, day, active) and, per month, its name and the active days."""

    year: int
    cells: list[tuple[int, int, date, bool]]
    months: list[tuple[int, str, list[date]]]  # (y, name, active days)
    width: int = LEFT + 31 * CELL
    height: int = TOP + 12 * CELL

    @property
    def active(self) -> int:
        return sum(1 for _x, _y, _day, active in self.cells if active)

    @property
    def squares(self) -> Markup:
        """The SVG squares of the days, a duty day naming its date on hover: written here, as the charts' shapes are
        (a template escaping a district's 365 × 600 squares one value at a time cost the committee's print seconds)."""
        return Markup("".join(
            f'<rect class="day active" x="{x + 1}" y="{y + 1}" width="15" height="15">'
            f'<title>{escape(format_date(day))}</title></rect>'
            if active else f'<rect class="day" x="{x + 1}" y="{y + 1}" width="15" height="15"/>'
            for x, y, day, active in self.cells
        ))

    @property
    def numbers(self) -> list[tuple[int, int]]:
        """The x of the day numbers over the columns (1, 5, 10 … 30)."""
        return [(LEFT + (n - 1) * CELL + CELL // 2, n) for n in (1, 5, 10, 15, 20, 25, 30)]


def year_calendar(year: int, days) -> YearCalendar:
    """The calendar of `year` with `days` (the duty days) marked."""
    days = set(days)
    cells, months = [], []
    for month in range(1, 13):
        y = TOP + (month - 1) * CELL
        active = []
        for day_number in range(1, _calendar.monthrange(year, month)[1] + 1):
            day = date(year, month, day_number)
            cells.append((LEFT + (day_number - 1) * CELL, y, day, day in days))
            if day in days:
                active.append(day)
        months.append((y, _("Month %(n)d", n=month), active))
    return YearCalendar(year, cells, months)
