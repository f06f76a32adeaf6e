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
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import func, or_, select

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
from ..periods import Period, quarter_of
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
RATING_KINDS = {"competent": DutyKind.RATED_COMPETENT, "basic": DutyKind.RATED_BASIC,
                "incompetent": DutyKind.RATED_INCOMPETENT}


class Duty(NamedTuple):
    """`count` duties of one kind by one deputy on one day; `label` names the record when it is one (a tuple: a
    district's year holds tens of thousands)."""

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
        after = before + points * duty.count
        if cap is not None and points > 0:
            after = min(after, max(cap, before))
        running[key] = after
        awarded.append((duty, after - before))
    return awarded


def _window(period: Period) -> Period:
    """The period widened back to its first quarter's start, so the caps count from the quarter's first duty."""
    return Period(quarter_of(period.start).start if period.start else None, period.end)


def _in(period: Period, day: date) -> bool:
    return (period.start is None or day >= period.start) and (period.end is None or day <= period.end)


def collect_duties(window: Period, deputy_ids: tuple[int, ...] | None = None, detail: bool = False) -> list[Duty]:
    """The duties done in the window (every deputy's, or these deputies'): grouped by deputy, kind and day, or one
    per record with its label when `detail`."""
    duties: list[Duty] = []

    def dated(kind, deputy, day, label, query):
        query = window.filter(query.where(deputy.in_(deputy_ids)) if deputy_ids is not None else query, day)
        if detail:
            rows = db.session.execute(query.add_columns(deputy, day, label))
            duties.extend(Duty(row[-3], row[-2], kind, 1, str(row[-1])) for row in rows)
        else:
            grouped = query.add_columns(deputy, day, func.count()).group_by(deputy, day)
            duties.extend(Duty(d, on, kind, n) for d, on, n in db.session.execute(grouped))

    dated(DutyKind.CHECKLIST_VERIFIED, ChecklistRecord.deputy_id, ChecklistRecord.done_on, ChecklistItem.title,
          select().select_from(ChecklistRecord).join(ChecklistItem, ChecklistItem.id == ChecklistRecord.item_id)
          .where(ChecklistRecord.state == RecordState.VERIFIED))
    dated(DutyKind.OPINION, Opinion.deputy_id, Opinion.collected_on, Opinion.number, select().select_from(Opinion))
    proposers = select().select_from(Suggestion).join(suggestion_deputies, suggestion_deputies.c.suggestion_id == Suggestion.id)
    dated(DutyKind.SUGGESTION_SUBMITTED, suggestion_deputies.c.deputy_id, Suggestion.submitted_on, Suggestion.title,
          proposers.where(Suggestion.state.in_(SUBMITTED_STATES)))
    dated(DutyKind.SUGGESTION_ADOPTED, suggestion_deputies.c.deputy_id, Suggestion.answered_on, Suggestion.title,
          proposers.where(Suggestion.state.in_(ADOPTED_STATES)))
    dated(DutyKind.MATTER_DONE, practical_matter_deputies.c.deputy_id, PracticalMatter.done_on, PracticalMatter.title,
          select().select_from(PracticalMatter)
          .join(practical_matter_deputies, practical_matter_deputies.c.matter_id == PracticalMatter.id)
          .where(PracticalMatter.state == MatterState.DONE))
    dated(DutyKind.FEEDBACK, AnswerFeedback.deputy_id, AnswerFeedback.fed_back_on, Suggestion.title,
          select().select_from(AnswerFeedback).join(Suggestion, Suggestion.id == AnswerFeedback.suggestion_id))

    # The meetings held in the window once each (their local day), then the marks as plain triples: a year of a
    # district's marks is tens of thousands of rows.
    held = counted_meetings(select(Meeting.id, Meeting.starts_at, MeetingKind.voter_log, Meeting.title)
                            .join(MeetingKind, MeetingKind.id == Meeting.kind_id), window)
    meetings = {meeting_id: (to_local(starts_at).date(), voter_log, title)
                for meeting_id, starts_at, voter_log, title in db.session.execute(held)}
    marks = counted_meetings(select(Attendance.deputy_id, Attendance.meeting_id, Attendance.status)
                             .select_from(Meeting).join(Attendance, Attendance.meeting_id == Meeting.id), window)
    if deputy_ids is not None:
        marks = marks.where(Attendance.deputy_id.in_(deputy_ids))
    counted: Counter = Counter()
    for deputy, meeting_id, status in db.session.execute(marks):
        day, voter_log, title = meetings[meeting_id]
        kind = DutyKind.VOTER_MEETING if voter_log and status.attended else MARK_KINDS[status]
        if detail:
            duties.append(Duty(deputy, day, kind, 1, title))
        else:
            counted[deputy, day, kind] += 1
    duties.extend(Duty(deputy, day, kind, n) for (deputy, day, kind), n in counted.items())

    settings = thresholds()
    ballots = select(Evaluation.deputy_id, Evaluation.evaluated_on, Evaluation.number, Evaluation.satisfied,
                     Evaluation.basically_satisfied, Evaluation.dissatisfied)
    if deputy_ids is not None:
        ballots = ballots.where(Evaluation.deputy_id.in_(deputy_ids))
    ballots = window.filter(ballots, Evaluation.evaluated_on)
    for deputy, on, number, satisfied, basic, dissatisfied in db.session.execute(ballots):
        rating = rating_for(rate(satisfied, satisfied + basic + dissatisfied), settings)
        if rating is not None:
            duties.append(Duty(deputy, on, RATING_KINDS[rating.value], 1, number if detail else ""))
    return duties


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
    deputies = _deputies(period)
    rows = {deputy_id: PointsRow(deputy_id, name, community) for deputy_id, (name, community) in deputies.items()}
    done: dict[int, list] = defaultdict(list)
    for duty, points in award(collect_duties(_window(period)), rules()):
        row = rows.get(duty.deputy_id)
        if row is None or not _in(period, duty.day):
            continue
        count_points = row.kinds.setdefault(duty.kind, [0, ZERO])
        count_points[0] += duty.count
        count_points[1] += points
        row.points += points
        done[duty.deputy_id].append(duty)
    for deputy_id, row in rows.items():
        row.days = len(duty_days(done[deputy_id]))
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
    awarded = [(duty, points) for duty, points in award(collect_duties(_window(period), (deputy_id,), detail=True), rules())
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
    done: dict[int, list] = defaultdict(list)
    for duty, points in award(collect_duties(_window(period), ids), rules()):
        if _in(period, duty.day):
            done[duty.deputy_id].append((duty, points))
    end = period.end or local_today()
    year: dict[int, list] = defaultdict(list)
    for duty in collect_duties(Period(date(end.year, 1, 1), date(end.year, 12, 31)), ids):
        year[duty.deputy_id].append(duty)
    return {deputy_id: RecordPoints(len(duty_days(duty for duty, _p in done[deputy_id])),
                                    sum((p for _d, p in done[deputy_id]), ZERO), end.year, frozenset(duty_days(year[deputy_id])))
            for deputy_id in ids}
