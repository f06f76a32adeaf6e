"""Periods: the `Period` every figure takes and filters through, the one period form of the filters, and reading it."""
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Executable, bindparam, select
from wtforms import DateField, StringField, ValidationError
from wtforms.validators import Optional

from .clock import local_day_start, local_today
from .errors import ServiceError
from .extensions import db
from .figures_cache import PEOPLE, cached_figure
from .forms import BaseForm
from .models import Term, utcnow


@dataclass(frozen=True)
class Period:
    """The filters every figure takes: dated between `start` and `end` (inclusive), in a community.

    It travels unchanged from the form to the query; an empty date leaves that side open.
    """

    start: date | None = None
    end: date | None = None
    community_id: int | None = None

    def __post_init__(self):
        if self.community_id == 0:  # "all communities" (a form's choice 0) is no community
            object.__setattr__(self, "community_id", None)

    def filter(self, query, on, community=None):
        """`query` narrowed to rows whose date column `on` falls in the period (inclusive) and, when the
        period names a community, whose `community` column is it."""
        if self.start is not None:
            query = query.where(on >= self.start)
        if self.end is not None:
            query = query.where(on <= self.end)
        return self._in_community(query, community)

    def filter_times(self, query, on, community=None):
        """As `filter`, for a stored time `on`: it falls on one of the period's local days (the committee's
        clock, not UTC's), from the start of the first to the start of the day after the last."""
        since, before = self.time_bounds()
        if since is not None:
            query = query.where(on >= since)
        if before is not None:
            query = query.where(on < before)
        return self._in_community(query, community)

    def time_bounds(self) -> tuple[datetime | None, datetime | None]:
        """The stored times `filter_times` keeps: from the start of the first local day (None: open) to the start of
        the day after the last (None: open)."""
        return (self.start and local_day_start(self.start), self.end and local_day_start(self.end + timedelta(days=1)))

    def filter_overlapping(self, query, first, last):
        """`query` narrowed to rows whose own window, dates `first` to `last` (inclusive), meets the period."""
        if self.end is not None:
            query = query.where(first <= self.end)
        if self.start is not None:
            query = query.where(last >= self.start)
        return query

    def _in_community(self, query, community):
        if self.community_id is not None and community is not None:
            query = query.where(community == self.community_id)
        return query

    @property
    def shape(self) -> tuple[bool, bool, bool]:
        """Which of its dates and its community the period sets: what a statement built from it depends on."""
        return self.start is not None, self.end is not None, self.community_id is not None

    def parameters(self) -> dict:
        """The values of the bound parameters of a statement built from this period's `BoundPeriod`, and `now`."""
        since, before = self.time_bounds()
        values = {"start": self.start, "end": self.end, "since": since, "before": before, "community": self.community_id}
        return {name: value for name, value in values.items() if value is not None} | {"now": utcnow()}

    def args(self, **more) -> dict:
        """The period, its community and any other filters as query-string arguments, leaving out the empty ones."""
        args = {"start": self.start and self.start.isoformat(), "end": self.end and self.end.isoformat(),
                **more, "community": self.community_id}
        return {name: value for name, value in args.items() if value}


@dataclass(frozen=True)
class BoundPeriod(Period):
    """A shape of period whose dates and community are the bound parameters `start`, `end` and `community` (`since`
    and `before` for stored times): a statement built from it serves every period of that shape."""

    def __post_init__(self):
        pass  # its community is a bound parameter, not a form's choice to read

    @classmethod
    def of(cls, shape: tuple[bool, bool, bool]) -> "BoundPeriod":
        return cls(*(bindparam(name) if given else None for name, given in zip(("start", "end", "community"), shape)))

    def time_bounds(self):
        return (bindparam("since") if self.start is not None else None, bindparam("before") if self.end is not None else None)


def period_statement(build: Callable[..., Executable]) -> Callable[..., tuple[Executable, dict]]:
    """Build a figure's statement once per shape of period (and other arguments) with the period's values as bound
    parameters: building a statement costs more CPU than running it. `build(period, *args)` receives a
    `BoundPeriod` (and a bound `now` for the clock); the result, called with a real period, gives the statement
    and its parameters."""
    shaped = functools.cache(lambda shape, *args: build(BoundPeriod.of(shape), *args))

    @functools.wraps(build)
    def statement(period: Period, *args) -> tuple[Executable, dict]:
        return shaped(period.shape, *args), period.parameters()

    return statement


def check_dates(starts_on: date | None, ends_on: date | None) -> None:
    """A service's first and last day (fields `starts_on`, `ends_on`): both given, the end not before the start."""
    if starts_on is None:
        raise ServiceError(_("Please enter the date."), "starts_on")
    if ends_on is None:
        raise ServiceError(_("Please enter the date."), "ends_on")
    if ends_on < starts_on:
        raise ServiceError(_("The end cannot be before the start."), "ends_on")


class PeriodForm(BaseForm):
    """From and to dates of a list or a figure page (a GET form: no CSRF token, values in the URL); both optional."""

    class Meta:
        csrf = False

    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    # A button beside the dates: "quarter" (本季度), "last-quarter" (上季度), "year" (本年), "term" (本届, the term
    # so far) or "term-<id>" (a whole term).
    span = StringField(validators=[Optional()])

    def validate_end(self, field) -> None:
        """The period cannot end before it starts."""
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("The end date cannot be before the start date."))


def this_year() -> Period:
    """From 1 January to today, on the committee's clock."""
    today = local_today()
    return Period(date(today.year, 1, 1), today)


def quarter_of(day: date) -> Period:
    """The calendar quarter (季度) holding `day`, whole: 1 January–31 March, 1 April–30 June, and so on."""
    first_month = (day.month - 1) // 3 * 3 + 1
    start = date(day.year, first_month, 1)
    next_start = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return Period(start, next_start - timedelta(days=1))


def this_quarter() -> Period:
    """From the first day of this quarter to today, on the committee's clock."""
    today = local_today()
    return Period(quarter_of(today).start, today)


def last_quarter() -> Period:
    """The whole quarter before this one."""
    return quarter_of(quarter_of(local_today()).start - timedelta(days=1))


@cached_figure(PEOPLE)
def _terms() -> tuple[tuple[int, str, date, date], ...]:
    """The terms (id, name, first and last day), latest first."""
    query = select(Term.id, Term.name, Term.starts_on, Term.ends_on).order_by(Term.starts_on.desc())
    return tuple(tuple(row) for row in db.session.execute(query))


def this_term() -> Period | None:
    """The current term (届) from its first day to today, on the committee's clock; None when no term holds today."""
    today = local_today()
    for _id, _name, starts_on, ends_on in _terms():
        if starts_on <= today <= ends_on:
            return Period(starts_on, today)
    return None


def spans() -> list[tuple[str, str]]:
    """The periods offered beside the dates: this year, this term, and each earlier term whole."""
    offered = [("quarter", _("This quarter")), ("last-quarter", _("Last quarter")), ("year", _("This year"))]
    if this_term() is not None:
        offered.append(("term", _("This term")))
    today = local_today()
    offered += [(f"term-{term_id}", name) for term_id, name, starts_on, _ends_on in _terms() if starts_on <= today
                and not (this_term() and starts_on == this_term().start)]
    return offered


def span_period(span: str | None) -> Period | None:
    """The period a span button names (see `PeriodForm.span`), or None for an unknown one."""
    if span == "quarter":
        return this_quarter()
    if span == "last-quarter":
        return last_quarter()
    if span == "year":
        return this_year()
    if span == "term":
        return this_term()
    if span and span.startswith("term-") and span[5:].isdigit():
        for term_id, _name, starts_on, ends_on in _terms():
            if term_id == int(span[5:]):
                return Period(starts_on, ends_on)
    return None


def read_period(form: PeriodForm, default: Period = Period(), community_id: int | None = None) -> Period:
    """The period a validated form asks for, in `community_id` (all communities when None); a bad period
    (shown at its field) or an empty date takes the default's. A span button (本年, 本届, a term) sets both dates.

    An empty field is filled with the date in force, so the form shows the period the page reports on.
    """
    start, end = default.start, default.end
    span = span_period(form.span.data)
    if span is not None:
        start, end = span.start, span.end
        form.start.raw_data = form.end.raw_data = None
    elif form.validate():
        start, end = form.start.data or start, form.end.data or end
    for field, value in ((form.start, start), (form.end, end)):
        if not field.raw_data or not field.raw_data[0]:
            field.raw_data, field.data = None, value
    form.spans = spans()
    return Period(start, end, community_id or None)
