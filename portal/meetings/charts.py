"""The meetings area's chart: the committee's attendance rate per month."""
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from ..charts import Chart, cached_charts, columns
from ..figures_cache import ATTENDANCE, PEOPLE
from ..figures import percent
from ..periods import Period
from .counting import Tally
from .rates import monthly_attendance


def attendance_chart(months: list[tuple[date, Tally]]) -> Chart:
    """The committee's attendance rate per month."""
    pattern = "MMM" if len({month.year for month, _tally in months}) <= 1 else "yy-MM"
    return columns("attendance", _("Attendance rate by month"),
                   [(format_date(month, pattern), tally.rate, percent(tally.rate)) for month, tally in months], _("Attendance rate"))


@cached_charts(ATTENDANCE, PEOPLE)
def attendance_charts(period: Period) -> list[Chart]:
    """The attendance rate per month of the period (both its dates set), of the deputies of its community."""
    return [attendance_chart(monthly_attendance(period))]
