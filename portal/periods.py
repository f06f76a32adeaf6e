"""Periods: the `Period` every figure takes, the one period form of the filters, and the local-day helpers."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from wtforms import DateField, ValidationError
from wtforms.validators import Optional

from .clock import local_day_start, local_today
from .forms import BaseForm


@dataclass(frozen=True)
class Period:
    """The filters every figure takes: dated between `start` and `end` (inclusive), in a community."""

    start: date | None = None
    end: date | None = None
    community_id: int | None = None

    def filter(self, query, on, community=None):
        """`query` narrowed to rows whose date column `on` falls in the period (inclusive) and, when the
        period names a community, whose `community` column is it."""
        if self.start:
            query = query.where(on >= self.start)
        if self.end:
            query = query.where(on <= self.end)
        if self.community_id and community is not None:
            query = query.where(community == self.community_id)
        return query


class PeriodForm(BaseForm):
    """From and to dates of a list or a figure page (a GET form: no CSRF token, values in the URL); both optional."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])

    def validate_end(self, field) -> None:
        """The period cannot end before it starts."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


def this_year() -> tuple[date, date]:
    """From 1 January to today, on the committee's clock."""
    today = local_today()
    return date(today.year, 1, 1), today


def local_day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """UTC bounds [from, until) of the local days `start` to `end` inclusive, for comparing stored times."""
    return local_day_start(start), local_day_start(end + timedelta(days=1))


def read_period(form: PeriodForm, default: tuple[date | None, date | None] = (None, None)) -> tuple[date | None, date | None]:
    """The period a validated form asks for; a bad period (shown at its field) or an empty date takes the default.

    An empty field is filled with the date in force, so the form shows the period the page reports on.
    """
    start, end = default
    if form.validate():
        start, end = form.start.data or start, form.end.data or end
    for field, value in ((form.start, start), (form.end, end)):
        if not field.raw_data or not field.raw_data[0]:
            field.raw_data, field.data = None, value
    return start, end


def period_args(start: date | None, end: date | None, **more) -> dict:
    """The query-string arguments of a period (and any other filters), leaving out the empty ones."""
    args = {"start": start and start.isoformat(), "end": end and end.isoformat(), **more}
    return {name: value for name, value in args.items() if value}
