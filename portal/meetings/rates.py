"""Attendance tallies and rates: a meeting's tally, each deputy's and the committee's over a period, by month."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, union_all

from ..accounts.services import deputies_query
from ..clock import to_local
from ..extensions import db
from ..figures_cache import ATTENDANCE, PEOPLE, cached_figure, keyed_on
from ..membership import covers_at, member_at
from ..models import DeputyProfile, Membership, User, utcnow
from ..periods import Period, period_statement, this_year
from . import tallies as kept
from .counting import TALLY_FIELDS, Tally, roster_with_marks, tally_columns, tally_of
from .models import Meeting, MeetingRoster, MeetingTally


@cache
def _tallies_statement() -> Select:
    """The grouped tally query for the meetings in the `ids` parameter, built once per process (a tap asks it)."""
    return (
        roster_with_marks(select(MeetingRoster.meeting_id, *tally_columns()))
        .where(MeetingRoster.meeting_id.in_(bindparam("ids", expanding=True)))
        .group_by(MeetingRoster.meeting_id)
    )


def tallies(meeting_ids: list[int]) -> dict[int, Tally]:
    """Each meeting's tally, all in one grouped query."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(_tallies_statement(), {"ids": list(meeting_ids)})
    found = {row[0]: tally_of(row[1:]) for row in rows}
    return {meeting_id: found.get(meeting_id, Tally()) for meeting_id in meeting_ids}


def tally(meeting: Meeting) -> Tally:
    """The meeting's tally in one query: expected, each status, unmarked, rate."""
    return tallies([meeting.id])[meeting.id]


@dataclass
class DeputyRate:
    """A deputy's attendance over a period: counted meetings are rostered ones that are closed or over."""

    deputy: User
    tally: Tally
    community: str = ""


# "Closed or over" moves with the clock: the cached figures are keyed also on how many open meetings are
# over, which grows exactly when one more counts as held.
keyed_on(
    ATTENDANCE,
    select(func.count()).select_from(Meeting)
    .where(~Meeting.closed, Meeting.ends_at < bindparam("now", callable_=lambda: utcnow(), type_=Meeting.ends_at.type))
    .scalar_subquery()
)


def counted_meetings(query: Select, period: Period) -> Select:
    """`query` (which joins Meeting) narrowed to the meetings that count for attendance: starting on a local
    day of the period, closed or over. Its community is that of the deputies counted, not the meeting's."""
    now = bindparam("now", callable_=utcnow, type_=Meeting.ends_at.type)  # bound: a statement may be built once
    return period.filter_times(query.where(or_(Meeting.closed, Meeting.ends_at < now)), Meeting.starts_at)


def _counted_places(query: Select, period: Period) -> Select:
    """`query` over roster places (joining Meeting) narrowed to the places that count: a meeting that counts in the
    period, a deputy who was one on its day, in the period's community then (`portal.membership`)."""
    return counted_meetings(query, period).where(member_at(MeetingRoster.deputy_id, Meeting.starts_at, period.community_id))


def _counted_in(period: Period) -> Select:
    """Roster places with their marks, of the meetings that count for attendance in the period.

    Only meetings that are closed or already over count; 请假 is counted apart and stays in the denominator.
    """
    return _counted_places(roster_with_marks(select(*tally_columns())).join(Meeting, Meeting.id == MeetingRoster.meeting_id), period)


def attendance_rates(period: Period, profiles: list[DeputyProfile] | None = None) -> list[DeputyRate]:
    """出席率 of each deputy in `profiles` (a page of `deputies_query(during=period)`; all the period's deputies when
    None), counting their places while they were deputies (of the period's community, if it has one).

    Two queries whatever the number of deputies: the profiles (when not given) and one grouped count.
    """
    if profiles is None:
        profiles = list(db.session.scalars(deputies_query(community=period.community_id, during=period)))
    found = _tallies_of(period, tuple(profile.user_id for profile in profiles))
    return [DeputyRate(p.user, found.get(p.user_id, Tally()), p.community.name) for p in profiles]


@cached_figure(ATTENDANCE, PEOPLE)
def _tallies_of(period: Period, deputy_ids: tuple[int, ...]) -> dict[int, Tally]:
    """The tallies of these deputies over the period, by deputy id, in one grouped query."""
    if not deputy_ids:
        return {}
    statement, parameters = _tallies_of_statement(period)
    return {row[-1]: tally_of(row[:-1]) for row in db.session.execute(statement, parameters | {"deputies": list(deputy_ids)})}


@period_statement
def _tallies_of_statement(period: Period) -> Select:
    deputies = MeetingRoster.deputy_id.in_(bindparam("deputies", expanding=True))
    return _counted_in(period).add_columns(MeetingRoster.deputy_id).where(deputies).group_by(MeetingRoster.deputy_id)


def _live_tallies(period: Period) -> Select:
    """Each meeting of the period that counts with its counted places, counted from the roster and marks."""
    return _counted_places(
        roster_with_marks(select(Meeting.id, Meeting.starts_at, *tally_columns())).join(Meeting, Meeting.id == MeetingRoster.meeting_id),
        period,
    ).group_by(Meeting.id, Meeting.starts_at)


@cache
def _tallies_in_statement(since: bool, before: bool, community: bool) -> Select:
    """Each meeting that counts between the bound times `since`/`before` (where given), of the bound `community`'s
    deputies (if given): the sums of the kept rows of the closed ones, a live count of the others (`_counted_places`
    for those). Built once per shape of period, with bound parameters: building it cost more than running it."""
    times = Meeting.starts_at.type

    def dated(query: Select, starts_at) -> Select:
        if since:
            query = query.where(starts_at >= bindparam("since", type_=times))
        if before:
            query = query.where(starts_at < bindparam("before", type_=times))
        return query

    sums = (func.sum(getattr(MeetingTally, name)) for name in TALLY_FIELDS)
    closed = dated(select(MeetingTally.meeting_id, MeetingTally.starts_at, *sums), MeetingTally.starts_at)
    deputy = covers_at(MeetingRoster.deputy_id, Meeting.starts_at)
    if community:
        closed = closed.where(MeetingTally.community_id == bindparam("community"))
        deputy = deputy & (Membership.community_id == bindparam("community"))
    over = dated(
        roster_with_marks(select(Meeting.id, Meeting.starts_at, *tally_columns()))
        .join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .where(~Meeting.closed, Meeting.ends_at < bindparam("now", type_=times), select(Membership.id).where(deputy).exists()),
        Meeting.starts_at,
    )
    return union_all(closed.group_by(MeetingTally.meeting_id, MeetingTally.starts_at), over.group_by(Meeting.id, Meeting.starts_at))


@cached_figure(ATTENDANCE, PEOPLE)
def meeting_tallies(period: Period) -> tuple[tuple[datetime, Tally], ...]:
    """Each meeting that counts in the period (of its community's deputies, or all), by start, with its tally:
    the kept rows of the closed meetings and a live count of the few that are over but not closed.

    With FIGURES_CACHE_CHECK (the tests) every meeting is counted live too, and a difference raises.
    """
    kept.settle()
    since, before = period.time_bounds()
    statement = _tallies_in_statement(since is not None, before is not None, bool(period.community_id))
    parameters = {"since": since, "before": before, "community": period.community_id, "now": utcnow()}
    rows = db.session.execute(statement, {name: value for name, value in parameters.items() if value is not None})
    found = {meeting_id: (starts_at, tally_of(counts)) for meeting_id, starts_at, *counts in rows}
    if current_app.config.get("FIGURES_CACHE_CHECK"):
        live = {meeting_id: (starts_at, tally_of(counts)) for meeting_id, starts_at, *counts in db.session.execute(_live_tallies(period))}
        if found != live:
            differ = sorted(key for key in found.keys() | live.keys() if found.get(key) != live.get(key))
            raise AssertionError(f"kept meeting tallies differ from the live count for meetings {differ} in {period}")
    return tuple(sorted(found.values(), key=lambda row: row[0]))


@cached_figure(ATTENDANCE, PEOPLE)
def period_tally(period: Period, deputy_id: int | None = None) -> Tally:
    """The sum over the period's deputies (of its community, or one deputy) of their tallies."""
    if deputy_id is None:
        return Tally.total([found for _starts_at, found in meeting_tallies(period)])
    statement, parameters = _deputy_tally_statement(period)
    return tally_of(db.session.execute(statement, parameters | {"deputy": deputy_id}).one())


@period_statement
def _deputy_tally_statement(period: Period) -> Select:
    return _counted_in(period).where(MeetingRoster.deputy_id == bindparam("deputy"))


@cached_figure(ATTENDANCE, PEOPLE)
def monthly_attendance(period: Period) -> list[tuple[date, Tally]]:
    """The committee's attendance per local month of the period (both its dates set): what `attendance_rates`
    sums, split by month.

    The same places are counted (deputies on the meeting's day, of the period's community if it has one), so the
    months add up to the period's figure; every month of the period is listed, with an empty tally where nothing was held.
    """
    months: dict[date, list[Tally]] = {}
    month = period.start.replace(day=1)
    while month <= period.end:
        months[month] = []
        month = (month + timedelta(days=32)).replace(day=1)
    for starts_at, found in meeting_tallies(period):
        months.setdefault(to_local(starts_at).date().replace(day=1), []).append(found)
    return sorted((month, Tally.total(found)) for month, found in months.items())


def year_to_date_attendance(deputy_id: int) -> DeputyRate | None:
    """A deputy's attendance from 1 January (local) to today, for their profile and home page."""
    user = db.session.get(User, deputy_id)
    if user is None:
        return None
    return DeputyRate(user, period_tally(this_year(), deputy_id=deputy_id))
