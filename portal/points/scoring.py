"""Duty points and duty days (履职积分 / 履职天数), defined once: which records are duties, on which day, and what each earns.

A duty is one record on its own day (the day it happened, never the day it was typed in):
  四个一 item verified — the record's date; a meeting held (closed or over) — the meeting's local day, by the mark
  (present, late, left early, on leave, absent; attending a voter meeting is its own kind); a voter opinion — the
  day it was collected; a suggestion — the day it was submitted, and the day the district adopted it (each of its
  proposing deputies); a practical matter done — the day it was done (each deputy who took part); an answer fed
  back to the voters (回访) — its day; a voter evaluation — the day voters evaluated, by the rating it earned.
Each duty earns the points of the rule set in force on its own day. A kind's cap per quarter stops what a deputy
earns of that kind in a calendar quarter once their running total (in date order) reaches the cap in force on
the duty's day; a negative weight is never capped.
Duty days (履职天数) are the distinct days with at least one duty that counts a day: every kind except leave,
absence and the voters' rating.
"""
import functools
import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import (ColumnElement, Date, Integer, Select, and_, bindparam, case, cast, distinct, extract, func,
                        literal_column, or_, select, union_all)
from sqlalchemy.util import LRUCache

from ..clock import local_today, to_local
from ..evaluations.models import Evaluation
from ..evaluations.services import rating_for, thresholds
from ..extensions import db
from ..figures import rate
from ..figures_cache import ATTENDANCE, CHECKLIST, EVALUATIONS, MATTERS, OPINIONS, PEOPLE, cached_figure
from ..campaigns.models import ChecklistItem, ChecklistRecord, RecordState
from ..matters.models import MatterState, PracticalMatter, practical_matter_deputies
from ..meetings.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from ..meetings.rates import counted_meetings
from ..models import Community, Membership, User
from ..opinions.models import Opinion
from ..periods import BoundPeriod, Period, period_statement, quarter_of
from ..suggestions.models import ADOPTED_STATES, SUBMITTED_STATES, AnswerFeedback, Suggestion, suggestion_deputies
from .calendar import YearCalendar, year_calendar
from .models import DutyKind, PointRule

ZERO = Decimal("0.0")
ALL_KINDS = (ATTENDANCE, CHECKLIST, OPINIONS, MATTERS, EVALUATIONS, PEOPLE)
MARK_KINDS = {
    AttendanceStatus.PRESENT: DutyKind.MEETING_PRESENT, AttendanceStatus.LATE: DutyKind.MEETING_LATE,
    AttendanceStatus.LEFT_EARLY: DutyKind.MEETING_LEFT_EARLY, AttendanceStatus.EXCUSED: DutyKind.MEETING_EXCUSED,
    AttendanceStatus.ABSENT: DutyKind.MEETING_ABSENT,
}
KINDS = {kind.value: kind for kind in DutyKind}  # a kind by its stored value (faster than calling the enum)
RATING_KINDS = {"competent": DutyKind.RATED_COMPETENT, "basic": DutyKind.RATED_BASIC,
                "incompetent": DutyKind.RATED_INCOMPETENT}
# A record of at most this many deputies reads their duties one by one (a deputy's page: three statements, a few
# hundred rows); a committee's print is counted by the database, in the same statements whatever its size.
ONE_BY_ONE = 10
# The statements that name each held meeting (its day or stretch, worked out here) take a new compiled form whenever
# the number of meetings differs, each a few hundred KB: they are kept in a cache of their own, as few as the
# statements themselves, instead of piling up in SQLAlchemy's (500 forms) over a worker's life.
HELD_MEETINGS_COMPILED = {"compiled_cache": LRUCache(8)}
QUARTER = 10_000  # a stretch's number: its quarter × QUARTER + its rule set × 2 + inside the period (see Stretches)


class Duty(NamedTuple):
    """`count` duties of one kind by one deputy on one day; `label` names the record when it is one."""

    deputy_id: int
    day: date
    kind: DutyKind
    count: int = 1
    label: str = ""


@dataclass
class PointsRow:
    """A deputy's line of the table: days, points, each kind's count and points, and rank (ties share one)."""

    deputy_id: int
    name: str
    community: str
    days: int = 0
    points: Decimal = ZERO
    kinds: dict = field(default_factory=dict)  # DutyKind → [count, points]
    rank: int = 0


def duty_days(duties) -> set[date]:
    """履职天数: the distinct days with at least one duty of a kind that counts a day."""
    return {duty.day for duty in duties if duty.kind.counts_a_day}


@cached_figure(PEOPLE)
def rules() -> tuple[tuple[date, DutyKind, Decimal, Decimal | None], ...]:
    """Every rule (effective date, kind, points, cap), earliest first."""
    query = select(PointRule.effective_on, PointRule.kind, PointRule.points, PointRule.cap).order_by(PointRule.effective_on)
    return tuple(tuple(row) for row in db.session.execute(query))


def rule_on(all_rules, kind: DutyKind, day: date) -> tuple[Decimal, Decimal | None]:
    """The points and cap of `kind` in the rule set in force on `day` (0, no cap before the first set)."""
    found = (ZERO, None)
    for effective_on, rule_kind, points, cap in all_rules:
        if effective_on > day:
            break
        if rule_kind == kind:
            found = (points, cap)
    return found


def earn(before: Decimal, points: Decimal, count: int, cap: Decimal | None) -> Decimal:
    """A deputy's running total of one kind in a quarter after `count` more duties of `points` each: it stops at the
    cap (or stays where it stood above it); a negative weight is never capped."""
    after = before + points * count
    if cap is not None and points > 0:
        after = min(after, max(cap, before))
    return after


def award(duties, all_rules) -> list[tuple[Duty, Decimal]]:
    """Each duty with the points it earns, by the rules of its day and the caps of its quarter (in date order)."""
    running: dict[tuple, Decimal] = {}
    weights: dict[tuple, tuple] = {}  # (kind, day) → (points, cap), looked up once
    awarded = []
    for duty in sorted(duties, key=lambda d: (d.day, d.kind.value, d.deputy_id, d.label)):
        if (duty.kind, duty.day) not in weights:
            weights[duty.kind, duty.day] = rule_on(all_rules, duty.kind, duty.day)
        points, cap = weights[duty.kind, duty.day]
        key = (duty.deputy_id, duty.kind, duty.day.year, (duty.day.month - 1) // 3)
        before = running.get(key, ZERO)
        running[key] = earn(before, points, duty.count, cap)
        awarded.append((duty, running[key] - before))
    return awarded


class Stretches:
    """The stretches of days over which one deputy's duties of one kind all earn alike, so that they are counted
    together rather than one by one: the same calendar quarter (caps count per quarter), the same rule set in force,
    and the same side of the period's first day (a duty before it only fills its quarter's caps).

    A stretch is one number that sorts as its days do (quarter × QUARTER + rule set × 2 + inside the period),
    computed here from a day (`of`) or by the database from a date column (`column`), to the same value.
    """

    def __init__(self, all_rules, period: Period):
        self.rules = all_rules
        self.dates = sorted({effective_on for effective_on, _kind, _points, _cap in all_rules})
        self.start = period.start

    def of(self, day: date) -> int:
        """The stretch of a day."""
        quarter = day.year * 4 + (day.month - 1) // 3
        return quarter * QUARTER + bisect_right(self.dates, day) * 2 + int(self.start is None or day >= self.start)

    def column(self, day) -> ColumnElement[int]:
        """The stretch of a date column's day, in SQL."""
        quarter = cast(extract("year", day), Integer) * 4 + (cast(extract("month", day), Integer) - 1) // 3
        stretch = quarter * QUARTER + (case((day >= self.start, 1), else_=0) if self.start is not None else 1)
        if self.dates:  # the number of rule sets in force by then, the latest first
            stretch += case(*((day >= on, 2 * n) for n, on in reversed(list(enumerate(self.dates, start=1)))), else_=0)
        return stretch

    def award(self, counted: Counter) -> dict[tuple[int, DutyKind], list]:
        """Each deputy's count and points of each kind inside the period, from their duties counted by (deputy, kind,
        stretch): a stretch's duties earn together what `award` gives them one by one."""
        runs: dict[tuple, list] = defaultdict(list)
        for (deputy, kind, stretch), count in counted.items():
            runs[deputy, kind].append((stretch, count))
        weights: dict[tuple, tuple] = {}  # (kind, rule set) → (points, cap), looked up once
        earned: dict[tuple[int, DutyKind], list] = {}
        for (deputy, kind), stretches in runs.items():
            total, quarter = ZERO, None
            for stretch, count in sorted(stretches):
                if stretch // QUARTER != quarter:
                    total, quarter = ZERO, stretch // QUARTER
                rule = stretch % QUARTER // 2
                if (kind, rule) not in weights:
                    weights[kind, rule] = rule_on(self.rules, kind, self.dates[rule - 1]) if rule else (ZERO, None)
                points, cap = weights[kind, rule]
                after = earn(total, points, count, cap)
                if stretch % 2:
                    count_points = earned.setdefault((deputy, kind), [0, ZERO])
                    count_points[0] += count
                    count_points[1] += after - total
                total = after
        return earned


def mark_kind(status: AttendanceStatus, voter_log: bool) -> DutyKind:
    """The kind of duty a mark is: attending a meeting with a voter log is its own kind."""
    return DutyKind.VOTER_MEETING if voter_log and status.attended else MARK_KINDS[status]


def _mark_kinds(held) -> ColumnElement[str]:
    """`mark_kind` of each mark at the meetings of `held`, in SQL."""
    return case(*((and_(Attendance.status == status, held.c.voter_log == voter_log), mark_kind(status, voter_log).value)
                  for status in AttendanceStatus for voter_log in (False, True)))


class _Source(NamedTuple):
    """Where the duties of one kind are read: their records, and the deputy, day and label of each."""

    kind: DutyKind
    deputy: ColumnElement
    day: ColumnElement
    label: ColumnElement
    records: Select


@functools.cache
def _sources() -> tuple[_Source, ...]:
    """The duties read from dated records: every kind but the marks and the voters' ratings."""
    proposers = select().select_from(Suggestion).join(suggestion_deputies, suggestion_deputies.c.suggestion_id == Suggestion.id)
    return (
        _Source(DutyKind.CHECKLIST_VERIFIED, ChecklistRecord.deputy_id, ChecklistRecord.done_on, ChecklistItem.title,
                select().select_from(ChecklistRecord).join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
                .where(ChecklistRecord.state == RecordState.VERIFIED)),
        _Source(DutyKind.OPINION, Opinion.deputy_id, Opinion.collected_on, Opinion.number, select().select_from(Opinion)),
        _Source(DutyKind.SUGGESTION_SUBMITTED, suggestion_deputies.c.deputy_id, Suggestion.submitted_on, Suggestion.title,
                proposers.where(Suggestion.state.in_(SUBMITTED_STATES))),
        _Source(DutyKind.SUGGESTION_ADOPTED, suggestion_deputies.c.deputy_id, Suggestion.answered_on, Suggestion.title,
                proposers.where(Suggestion.state.in_(ADOPTED_STATES))),
        _Source(DutyKind.MATTER_DONE, practical_matter_deputies.c.deputy_id, PracticalMatter.done_on, PracticalMatter.title,
                select().select_from(PracticalMatter)
                .join(practical_matter_deputies, practical_matter_deputies.c.matter_id == PracticalMatter.id)
                .where(PracticalMatter.state == MatterState.DONE)),
        _Source(DutyKind.FEEDBACK, AnswerFeedback.deputy_id, AnswerFeedback.fed_back_on, Suggestion.title,
                select().select_from(AnswerFeedback).join(Suggestion, Suggestion.id == AnswerFeedback.suggestion_id)),
    )


def _records(source: _Source, period: Period, deputy_ids) -> Select:
    """A source's records dated in the period (of these deputies, unless None)."""
    query = source.records if deputy_ids is None else source.records.where(source.deputy.in_(deputy_ids))
    return period.filter(query, source.day)


@period_statement
def _held_meetings(period: Period) -> Select:
    return counted_meetings(select(Meeting.id, Meeting.starts_at), period)


def _held_days(period: Period) -> tuple[tuple[int, date], ...]:
    """The meetings held in the period with their local days, computed here once a meeting (a district's year of
    marks is tens of thousands of rows, its meetings a hundred)."""
    return tuple((meeting_id, to_local(starts_at).date()) for meeting_id, starts_at in db.session.execute(*_held_meetings(period)))


def _held(values: tuple[tuple[int, object], ...]):
    """The held meetings as a table of the statement (id, value, voter_log): each meeting's day or stretch, `values`."""
    return (select(Meeting.id, case(dict(values), value=Meeting.id).label("value"), MeetingKind.voter_log)
            .join(MeetingKind, MeetingKind.id == Meeting.kind_id)
            .where(Meeting.id.in_([meeting for meeting, _value in values])).cte("held").prefix_with("MATERIALIZED"))


def _marks(held, deputy_ids) -> Select:
    """The marks at the meetings of `held` (of these deputies, unless None), reached from the meetings."""
    query = select().select_from(held).join(Attendance, Attendance.meeting_id == held.c.id)
    return query if deputy_ids is None else query.where(Attendance.deputy_id.in_(deputy_ids))


@period_statement
def _ballots(period: Period, chosen: bool) -> Select:
    """The voters' evaluations dated in the period (of the deputies `deputies` when `chosen`)."""
    ballots = select(Evaluation.deputy_id, Evaluation.evaluated_on, Evaluation.number, Evaluation.satisfied,
                     Evaluation.basically_satisfied, Evaluation.dissatisfied)
    if chosen:
        ballots = ballots.where(Evaluation.deputy_id.in_(bindparam("deputies", expanding=True)))
    return period.filter(ballots, Evaluation.evaluated_on)


def _ratings(period: Period, deputy_ids, detail: bool = False) -> list[Duty]:
    """The voters' evaluations dated in the period, each a duty of the rating it earns under today's thresholds."""
    settings = thresholds()
    statement, parameters = _ballots(period, deputy_ids is not None)
    if deputy_ids is not None:
        parameters["deputies"] = list(deputy_ids)
    duties = []
    for deputy, on, number, satisfied, basic, dissatisfied in db.session.execute(statement, parameters):
        rating = rating_for(rate(satisfied, satisfied + basic + dissatisfied), settings)
        if rating is not None:
            duties.append(Duty(deputy, on, RATING_KINDS[rating.value], 1, number if detail else ""))
    return duties


@period_statement
def _dated_duties(period: Period) -> Select:
    """The records of every dated source in the period of the deputies `deputies`: (source's place, deputy, day, label)."""
    deputies = bindparam("deputies", expanding=True)
    return union_all(*(
        _records(source, period, deputies).add_columns(literal_column(str(place), Integer).label("source"),
                                                       source.deputy.label("deputy"), source.day.label("day"),
                                                       source.label.label("label"))
        for place, source in enumerate(_sources())
    ))


@period_statement
def _marked_duties(period: Period) -> Select:
    """The marks of the deputies `deputies` at the meetings held in the period: deputy, start, title, status, voter log."""
    query = (select(Attendance.deputy_id, Meeting.starts_at, Meeting.title, Attendance.status, MeetingKind.voter_log)
             .join(Meeting, Meeting.id == Attendance.meeting_id).join(MeetingKind, MeetingKind.id == Meeting.kind_id)
             .where(Attendance.deputy_id.in_(bindparam("deputies", expanding=True))))
    return counted_meetings(query, period)


def collect_duties(window: Period, deputy_ids: tuple[int, ...]) -> list[Duty]:
    """These deputies' duties done in the window, one per record with its label (a deputy's breakdown): three
    statements, each built once per shape of period."""
    chosen = {"deputies": list(deputy_ids)}
    kinds = [source.kind for source in _sources()]
    statement, parameters = _dated_duties(window)
    duties = [Duty(deputy, day, kinds[place], 1, str(label))
              for place, deputy, day, label in db.session.execute(statement, parameters | chosen)]
    statement, parameters = _marked_duties(window)
    days: dict = {}  # a meeting's local day, worked out once a meeting
    for deputy, starts_at, title, status, voter_log in db.session.execute(statement, parameters | chosen):
        if (day := days.get(starts_at)) is None:
            day = days[starts_at] = to_local(starts_at).date()
        duties.append(Duty(deputy, day, mark_kind(status, voter_log), 1, title))
    return duties + _ratings(window, deputy_ids, detail=True)


def count_duties(window: Period, stretches: Stretches, deputy_ids=None) -> Counter:
    """The duties done in the window (every deputy's, or these deputies'), counted by the database per deputy, kind
    and stretch: a few hundred numbers for a district's tens of thousands of records."""
    counted: Counter = Counter()
    chosen = {} if deputy_ids is None else {"deputies": list(deputy_ids)}
    kinds = [source.kind for source in _sources()]
    statement, parameters = _dated_counts(window, stretches.rules, stretches.start is not None, bool(chosen))
    for place, deputy, stretch, count in db.session.execute(statement, parameters | chosen | {"first": stretches.start}):
        counted[deputy, kinds[place], stretch] += count
    if held := _held_days(window):
        statement = _mark_counts(tuple((meeting, stretches.of(day)) for meeting, day in held), bool(chosen))
        for deputy, stretch, kind, count in db.session.execute(statement, chosen, execution_options=HELD_MEETINGS_COMPILED):
            counted[deputy, KINDS[kind], stretch] += count
    for duty in _ratings(window, deputy_ids):
        counted[duty.deputy_id, duty.kind, stretches.of(duty.day)] += 1
    return counted


def _grouped(columns: Select, *keys: str) -> Select:
    """`columns` counted per the values of its columns `keys`, grouped by their names: PostgreSQL matches a parameter
    only to itself."""
    inner = columns.subquery()
    return select(*(inner.c[key] for key in keys), func.count()).group_by(*(inner.c[key] for key in keys))


@period_statement
def _dated_counts(window: Period, all_rules: tuple, first: bool, chosen: bool) -> Select:
    """The dated sources' records in the window (of the deputies `deputies` when `chosen`) counted per source's place,
    deputy and stretch, the period's first day the parameter `first` (when it has one)."""
    stretches = Stretches(all_rules, Period(bindparam("first", type_=Date()) if first else None))
    deputies = bindparam("deputies", expanding=True) if chosen else None
    return union_all(*(
        _grouped(_records(source, window, deputies).add_columns(literal_column(str(place), Integer).label("source"),
                                                               source.deputy.label("deputy"),
                                                               stretches.column(source.day).label("stretch")),
                 "source", "deputy", "stretch")
        for place, source in enumerate(_sources())
    ))


@functools.lru_cache(maxsize=8)
def _mark_counts(stretches: tuple[tuple[int, int], ...], chosen: bool) -> Select:
    """The marks at the held meetings (of the deputies `deputies` when `chosen`) counted per deputy, stretch and kind,
    each meeting's stretch given: built once for as long as the same meetings are held (a statement that names a
    hundred meetings costs more to build than to run)."""
    held = _held(stretches)
    columns = _marks(held, bindparam("deputies", expanding=True) if chosen else None).add_columns(
        Attendance.deputy_id.label("deputy"), held.c.value.label("stretch"), _mark_kinds(held).label("kind"))
    return _grouped(columns, "deputy", "stretch", "kind")


def _day_pairs(period: Period, deputy_ids=None, listed: bool = False) -> tuple[Select, dict]:
    """The statement of each deputy's number of duty days in the period (or, `listed`, their distinct (deputy, day)
    pairs), of these deputies unless None, and its parameters."""
    chosen = {} if deputy_ids is None else {"deputies": list(deputy_ids)}
    return _days_statement(period.shape, _held_days(period), bool(chosen), listed), period.parameters() | chosen


@functools.lru_cache(maxsize=8)
def _days_statement(shape: tuple[bool, bool, bool], held: tuple[tuple[int, date], ...], chosen: bool, listed: bool) -> Select:
    """(deputy, day) of every duty that counts a day (a day once per duty), counted or listed: built once for as long
    as the same meetings are held, the period's values and the deputies bound."""
    period = BoundPeriod.of(shape)
    deputies = bindparam("deputies", expanding=True) if chosen else None
    pairs = [_records(source, period, deputies).add_columns(source.deputy.label("deputy"), source.day.label("day"))
             for source in _sources() if source.kind.counts_a_day]
    if held:
        meetings = _held(held)
        pairs.append(_marks(meetings, deputies).add_columns(Attendance.deputy_id.label("deputy"), meetings.c.value.label("day"))
                     .where(_mark_kinds(meetings).in_([kind.value for kind in DutyKind if kind.counts_a_day])))
    pairs = union_all(*pairs).subquery()
    if listed:
        return select(pairs.c.deputy, pairs.c.day).distinct()
    return select(pairs.c.deputy, func.count(distinct(pairs.c.day))).group_by(pairs.c.deputy)


def count_duty_days(period: Period, deputy_ids=None) -> dict[int, int]:
    """履职天数 of every deputy with a duty in the period (or of these deputies), counted by the database."""
    return dict(db.session.execute(*_day_pairs(period, deputy_ids), execution_options=HELD_MEETINGS_COMPILED).all())


def _window(period: Period) -> Period:
    """The period widened back to its first quarter's start, so the caps count from the quarter's first duty."""
    return Period(quarter_of(period.start).start if period.start else None, period.end)


def _in(period: Period, day: date) -> bool:
    return (period.start is None or day >= period.start) and (period.end is None or day <= period.end)


def _deputies(period: Period) -> dict[int, tuple[str, str]]:
    """The deputies of the period (a membership meets it, in its community if given): name and community (their
    latest membership's in the period)."""
    query = (select(Membership.deputy_id, User.name, Community.name, Membership.starts_on)
             .join(User, User.id == Membership.deputy_id).join(Community, Community.id == Membership.community_id))
    if period.end:
        query = query.where(Membership.starts_on <= period.end)
    if period.start:
        query = query.where(or_(Membership.ends_on.is_(None), Membership.ends_on >= period.start))
    if period.community_id:
        query = query.where(Membership.community_id == period.community_id)
    found = {}
    for deputy_id, name, community, _starts_on in db.session.execute(query.order_by(Membership.starts_on, Membership.id)):
        found[deputy_id] = (name, community)
    return found


@cached_figure(*ALL_KINDS)
def points_table(period: Period) -> tuple[PointsRow, ...]:
    """The live table of the period: every deputy of the period with their days and points, best first, ranked."""
    rows = {deputy_id: PointsRow(deputy_id, name, community) for deputy_id, (name, community) in _deputies(period).items()}
    stretches = Stretches(rules(), period)
    for (deputy_id, kind), (count, points) in stretches.award(count_duties(_window(period), stretches)).items():
        if (row := rows.get(deputy_id)) is not None:
            row.kinds[kind] = [count, points]
            row.points += points
    for deputy_id, days in count_duty_days(period).items():
        if (row := rows.get(deputy_id)) is not None:
            row.days = days
    ordered = sorted(rows.values(), key=lambda r: (-r.points, -r.days, r.name, r.deputy_id))
    for position, row in enumerate(ordered):
        row.rank = ordered[position - 1].rank if position and row.points == ordered[position - 1].points else position + 1
    return tuple(ordered)


def median_points(table) -> Decimal | None:
    """The committee's median points over the table's deputies (None for an empty table)."""
    return Decimal(statistics.median(row.points for row in table)) if table else None


@dataclass
class DeputyPoints:
    """One deputy's days and points in a period, with what each record earned, and the committee's median."""

    period: Period
    days: set
    points: Decimal
    duties: list  # (Duty, points), in date order
    median: Decimal | None

    @property
    def day_count(self) -> int:
        return len(self.days)


def deputy_points(deputy_id: int, period: Period) -> DeputyPoints:
    """A deputy's breakdown for the period: every record that earned (or cost) points, by the table's rules."""
    awarded = [(duty, points) for duty, points in award(collect_duties(_window(period), (deputy_id,)), rules())
               if _in(period, duty.day)]
    committee = points_table(Period(period.start, period.end))
    return DeputyPoints(period, duty_days(duty for duty, _p in awarded), sum((p for _d, p in awarded), ZERO), awarded,
                        median_points(committee))


@dataclass
class RecordPoints:
    """The points part of a deputy's record: the period's duty days and points, and the year's calendar."""

    days: int
    points: Decimal
    year: int
    year_days: frozenset

    @property
    def calendar(self) -> YearCalendar:
        return year_calendar(self.year, self.year_days)


def record_points(deputy_ids, period: Period) -> dict[int, RecordPoints]:
    """The points part of these deputies' records, from their own duties only (a deputy's caps are their own, so
    the figures are the table's): a fixed number of queries however many deputies."""
    ids = tuple(deputy_ids)
    end = period.end or local_today()
    year = Period(date(end.year, 1, 1), date(end.year, 12, 31))
    if len(ids) <= ONE_BY_ONE:
        return _records_one_by_one(ids, period, year)
    stretches = Stretches(rules(), period)
    points: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for (deputy_id, _kind), (_count, earned) in stretches.award(count_duties(_window(period), stretches, ids)).items():
        points[deputy_id] += earned
    days = count_duty_days(period, ids)
    year_days: dict[int, set] = defaultdict(set)
    for deputy_id, day in db.session.execute(*_day_pairs(year, ids, listed=True), execution_options=HELD_MEETINGS_COMPILED):
        year_days[deputy_id].add(day)
    return {deputy_id: RecordPoints(days.get(deputy_id, 0), points[deputy_id], end.year, frozenset(year_days[deputy_id]))
            for deputy_id in ids}


def _records_one_by_one(ids: tuple[int, ...], period: Period, year: Period) -> dict[int, RecordPoints]:
    """`record_points` of a few deputies from their records read one by one over the window and the calendar's year
    (a few hundred rows a deputy), each earning what `award` gives it: the breakdown's rules, so the table's figures."""
    window = _window(period)
    earning = Period(window.start, period.end)
    span = Period(min(window.start, year.start) if window.start else None, year.end if period.end else None)
    duties = collect_duties(span, ids)
    points: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for duty, earned in award([duty for duty in duties if _in(earning, duty.day)], rules()):
        if _in(period, duty.day):
            points[duty.deputy_id] += earned
    mine: dict[int, list[Duty]] = defaultdict(list)
    for duty in duties:
        mine[duty.deputy_id].append(duty)
    return {deputy_id: RecordPoints(len(duty_days(duty for duty in mine[deputy_id] if _in(period, duty.day))),
                                    points[deputy_id], year.start.year,
                                    frozenset(duty_days(duty for duty in mine[deputy_id] if _in(year, duty.day))))
            for deputy_id in ids}
