"""What a tally counts: a meeting's roster places with their marks, by status (the one definition `rates` reads
live and `tallies` keeps for closed meetings)."""
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import Select, case, func, select

from ..figures import rate
from ..membership import covers_at
from ..models import Membership
from .models import Attendance, AttendanceStatus, Meeting, MeetingRoster


@dataclass
class Tally:
    """A meeting's (or a deputy's) counts; the rate is exact: attended ÷ expected."""

    expected: int = 0
    present: int = 0
    late: int = 0
    left_early: int = 0
    excused: int = 0
    absent: int = 0

    @property
    def unmarked(self) -> int:
        return self.expected - self.present - self.late - self.left_early - self.excused - self.absent

    @property
    def attended(self) -> int:
        return self.present + self.late + self.left_early

    @property
    def rate(self) -> Fraction | None:
        return rate(self.attended, self.expected)

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(*(getattr(self, name) + getattr(other, name) for name in TALLY_FIELDS))

    @staticmethod
    def total(tallies) -> "Tally":
        """The sum of many tallies (a period's meetings), column by column."""
        return Tally(*(sum(column) for column in zip(*((t.expected, t.present, t.late, t.left_early, t.excused, t.absent)
                                                        for t in tallies)))) if tallies else Tally()


TALLY_FIELDS = ("expected", "present", "late", "left_early", "excused", "absent")


def _count(status: AttendanceStatus):
    return func.sum(case((Attendance.status == status, 1), else_=0))


def tally_columns():
    """The places counted (expected) and the marks of each status, as aggregate columns."""
    return (
        func.count(MeetingRoster.deputy_id),
        *(_count(status) for status in AttendanceStatus),
    )


def roster_with_marks(query: Select) -> Select:
    """`query` over roster places, each with its mark if it has one."""
    return query.select_from(MeetingRoster).outerjoin(
        Attendance,
        (Attendance.meeting_id == MeetingRoster.meeting_id) & (Attendance.deputy_id == MeetingRoster.deputy_id),
    )


def marks_tally_statement(meeting_id) -> Select:
    """One meeting's tally as a one-row statement read from its marks (a running meeting's, on every tap): the same
    counts as `tally_columns` over `roster_with_marks`, the places counted on the roster's key and each status summed
    over the marks of deputies on the roster, without a lookup per unmarked place (`meeting_id` a number, or a bound
    parameter; an empty sum is null)."""
    places = select(func.count()).select_from(MeetingRoster).where(MeetingRoster.meeting_id == meeting_id)
    on_roster = select(MeetingRoster.deputy_id).where(
        MeetingRoster.meeting_id == Attendance.meeting_id, MeetingRoster.deputy_id == Attendance.deputy_id).exists()
    return select(places.scalar_subquery(), *(_count(status) for status in AttendanceStatus)).where(
        Attendance.meeting_id == meeting_id, on_roster)


def tally_of(row) -> Tally:
    """A tally from a row of `tally_columns()` (an empty sum counts 0)."""
    expected, *counts = (value or 0 for value in row)
    return Tally(expected, *counts)


def kept_tally_rows() -> Select:
    """What `meeting_tallies` keeps (`portal.meetings.tallies`): the places of closed meetings that `rates._counted_places`
    counts, a deputy who was one on the meeting's day, grouped by meeting and by that deputy's community then."""
    return (
        roster_with_marks(select(MeetingRoster.meeting_id, Membership.community_id, Meeting.starts_at, *tally_columns()))
        .join(Meeting, (Meeting.id == MeetingRoster.meeting_id) & Meeting.closed)
        .join(Membership, covers_at(MeetingRoster.deputy_id, Meeting.starts_at))
        .group_by(MeetingRoster.meeting_id, Membership.community_id, Meeting.starts_at)
    )
