"""Meeting rules: meetings and rosters, attendance marks (idempotent upserts with history), tallies, rates,
check-in tokens and the voter-meeting log. Services flush; the request commits."""
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from functools import cache

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import Select, and_, bindparam, case, delete, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..accounts.services import active_deputies, deputies_query, deputy_ids_query
from ..clock import local_day_start, local_today, to_local
from ..errors import ServiceError
from ..extensions import db
from ..figures_cache import cached_figure, keyed_on
from ..figures import rate
from ..models import Community, DeputyProfile, Role, User, utcnow
from ..opinions.models import Category, CollectionMethod, Opinion
from ..opinions.services import record_opinion
from ..periods import Period, local_day_range, this_year
from ..pinyin import spellings
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from ..upsert import upsert
from .models import (
    DEFAULT_MEETING_KINDS,
    Attendance,
    AttendanceChange,
    AttendanceStatus,
    MarkSource,
    Meeting,
    MeetingKind,
    MeetingRoster,
    Reply,
)

MAX_REASON = 200
VISIT_KIND_MARK = "走访"  # a voter-log kind whose name says 走访 files its opinions as collected on a visit


def ensure_default_meeting_kinds() -> None:
    """Create the report's meeting kinds if missing (the migration does it in production)."""
    existing = set(db.session.scalars(select(MeetingKind.name)))
    for position, (name, voter_log) in enumerate(DEFAULT_MEETING_KINDS):
        if name not in existing:
            db.session.add(MeetingKind(name=name, position=position, voter_log=voter_log))
    db.session.flush()


def meeting_kinds(active_only: bool = True) -> list[MeetingKind]:
    """The kinds in their order; by default only those in use."""
    query = select(MeetingKind).order_by(MeetingKind.position, MeetingKind.id)
    if active_only:
        query = query.where(MeetingKind.active)
    return list(db.session.scalars(query))


def save_meeting_kind(kind: MeetingKind | None, name: str, voter_log: bool, active: bool = True) -> MeetingKind:
    """Add a kind (kind=None) or rename / retire one; names are unique."""
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("Please enter the name."), "name")
    if len(name) > 32:
        raise ServiceError(_("At most %(n)d characters.", n=32), "name")
    clash = db.session.scalar(select(MeetingKind.id).where(MeetingKind.name == name))
    if clash is not None and (kind is None or clash != kind.id):
        raise ServiceError(_("This name is already in use."), "name")
    if kind is None:
        position = db.session.scalar(select(func.coalesce(func.max(MeetingKind.position), -1))) + 1
        kind = MeetingKind(position=position)
        db.session.add(kind)
    kind.name, kind.voter_log, kind.active = name, voter_log, active
    db.session.flush()
    return kind


@dataclass
class MeetingFields:
    """What staff type in for a meeting; times are aware (UTC)."""

    kind: MeetingKind | None
    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    place: str = ""
    community: Community | None = None
    notes: str = ""
    fixed_checkin_code: bool = False


def _check_fields(fields: MeetingFields, meeting: Meeting | None = None) -> None:
    if fields.kind is None or (not fields.kind.active and (meeting is None or meeting.kind_id != fields.kind.id)):
        raise ServiceError(_("Please choose the kind of meeting."), "kind")
    if not (fields.title or "").strip():
        raise ServiceError(_("Please enter the title."), "title")
    if len(fields.title.strip()) > 200:
        raise ServiceError(_("At most %(n)d characters.", n=200), "title")
    if fields.starts_at is None:
        raise ServiceError(_("Please enter the start time."), "starts_at")
    if fields.ends_at is None:
        raise ServiceError(_("Please enter the end time."), "ends_at")
    if fields.ends_at <= fields.starts_at:
        raise ServiceError(_("The meeting must end after it starts."), "ends_at")
    if fields.ends_at - fields.starts_at > timedelta(days=7):
        raise ServiceError(_("A meeting lasts at most seven days."), "ends_at")
    if len(fields.place or "") > 200:
        raise ServiceError(_("At most %(n)d characters.", n=200), "place")


def create_meeting(actor: User, fields: MeetingFields, deputy_ids: list[int] | None = None) -> Meeting:
    """Create a meeting; its roster is every active deputy unless `deputy_ids` says otherwise."""
    _check_fields(fields)
    meeting = Meeting(
        kind=fields.kind,
        title=fields.title.strip(),
        starts_at=fields.starts_at,
        ends_at=fields.ends_at,
        place=(fields.place or "").strip(),
        community=fields.community,
        notes=(fields.notes or "").strip(),
        fixed_checkin_code=fields.fixed_checkin_code,
        created_by_id=actor.id,
    )
    db.session.add(meeting)
    db.session.flush()
    set_roster(meeting, [u.id for u in active_deputies()] if deputy_ids is None else deputy_ids)
    return meeting


def update_meeting(meeting: Meeting, fields: MeetingFields) -> Meeting:
    """Change a meeting's particulars and notes (also after it closed: the minutes come later)."""
    _check_fields(fields, meeting)
    meeting.kind = fields.kind
    meeting.title = fields.title.strip()
    meeting.starts_at, meeting.ends_at = fields.starts_at, fields.ends_at
    meeting.place = (fields.place or "").strip()
    meeting.community = fields.community
    meeting.notes = (fields.notes or "").strip()
    meeting.fixed_checkin_code = fields.fixed_checkin_code
    db.session.flush()
    return meeting


def roster_ids(meeting: Meeting) -> set[int]:
    """The ids of the deputies expected at the meeting."""
    return set(db.session.scalars(select(MeetingRoster.deputy_id).where(MeetingRoster.meeting_id == meeting.id)))


def set_roster(meeting: Meeting, deputy_ids: list[int]) -> Meeting:
    """Make the roster exactly these deputies (active deputies only); refused once the meeting is closed."""
    if _bump_board(meeting, reshaped=True) is None:
        raise ServiceError(_("This meeting is closed; its roster and attendance can no longer be changed."))
    wanted = set(deputy_ids)
    valid = set(db.session.scalars(deputy_ids_query().where(User.id.in_(wanted)))) if wanted else set()
    if wanted - valid:
        raise ServiceError(_("Unknown deputy: please choose from the list."), "deputies")
    current = roster_ids(meeting)
    for deputy_id in wanted - current:
        db.session.add(MeetingRoster(meeting_id=meeting.id, deputy_id=deputy_id))
    if current - wanted:
        db.session.execute(
            delete(MeetingRoster).where(MeetingRoster.meeting_id == meeting.id, MeetingRoster.deputy_id.in_(current - wanted))
            .execution_options(synchronize_session=False)
        )
    db.session.flush()
    db.session.expire(meeting, ["roster"])
    return meeting


def close_meeting(actor: User, meeting: Meeting) -> None:
    """Close the meeting for good: no mark is written after it (the same guarded update as a mark)."""
    if _bump_board(meeting, reshaped=True, closed=True, closed_by_id=actor.id) is None:
        raise ServiceError(_("This meeting is already closed."))
    meeting.closed_at = utcnow()  # read under the lock: after every mark written before the close
    db.session.flush()


def reopen_meeting(actor: User, meeting: Meeting) -> None:
    """Reopen a closed meeting (admin only); who and when is kept on the meeting."""
    if not actor.has_role(Role.ADMIN):
        raise ServiceError(_("Only an administrator may reopen a meeting."))
    if _bump_board(meeting, reshaped=True, closed=False, reopened_by_id=actor.id, reopened_at=utcnow()) is None:
        raise ServiceError(_("This meeting is not closed."))


def meeting_query(user: User, kind_id: int | None = None, community_id: int | None = None,
                  month: tuple[int, int] | None = None, period: Period = Period(), voter_log: bool = False) -> Select:
    """Meetings the user may see (a deputy: those they are rostered for), filtered, latest first.

    `period` bounds the local start dates; `voter_log` keeps the kinds that keep a voter-meeting log.
    """
    query = (
        select(Meeting)
        .options(joinedload(Meeting.kind), joinedload(Meeting.community))
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )
    if not user.has_role(Role.STAFF):
        query = query.join(MeetingRoster, MeetingRoster.meeting_id == Meeting.id).where(MeetingRoster.deputy_id == user.id)
    if kind_id:
        query = query.where(Meeting.kind_id == kind_id)
    if community_id:
        query = query.where(Meeting.community_id == community_id)
    if month:
        year, number = month
        since, until = local_day_range(date(year, number, 1), date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1))
        query = query.where(Meeting.starts_at >= since, Meeting.starts_at < until)
    if period.start:
        query = query.where(Meeting.starts_at >= local_day_start(period.start))
    if period.end:
        query = query.where(Meeting.starts_at < local_day_start(period.end + timedelta(days=1)))
    if voter_log:
        query = query.join(MeetingKind, MeetingKind.id == Meeting.kind_id).where(MeetingKind.voter_log)
    return query


def check_sheet_date(meeting: Meeting, day: date | None) -> date:
    """The date of a paper 签到表 used for 补录: given, not in the future, not before the meeting began."""
    if day is None:
        raise ServiceError(_("Please enter the date."), "sheet_on")
    if day > local_today():
        raise ServiceError(_("The date cannot be in the future."), "sheet_on")
    if day < to_local(meeting.starts_at).date():
        raise ServiceError(_("The sheet cannot be dated before the meeting began."), "sheet_on")
    return day


def _bump_board(meeting: Meeting, reshaped: bool = False, **values) -> int | None:
    """Raise the meeting's board version while it is open (a guarded UPDATE); None if it is closed.

    The UPDATE holds the meeting row's lock (PostgreSQL) or the database's write lock (SQLite) until the
    request commits: a mark and a close are serialised, and each sees what the other wrote.
    `reshaped` tells the tablets to fetch the whole board (roster changed, meeting closed or reopened).
    """
    version = Meeting.board_version + 1
    changes = {"board_version": version, **values}
    if reshaped:
        changes["layout_version"] = version
    closed_now = values.get("closed") is False  # reopening is the one change made to a closed meeting
    row = db.session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.closed.is_(closed_now))
        .values(**changes)
        .returning(Meeting.board_version, Meeting.layout_version)
        # a bare bump writes nothing the audit log keeps (see portal.auditing.BOOKKEEPING)
        .execution_options(synchronize_session=False, bookkeeping_only=not values)
    ).first()
    if row is None:
        return None
    for name, value in {**values, "board_version": row[0], "layout_version": row[1]}.items():
        set_committed_value(meeting, name, value)
    return row[0]


@dataclass
class Tap:
    """A tap from a tablet: its id (a UUID made on the tablet) and when it was made, on the server's clock."""

    tap_id: str | None = None
    tapped_at: datetime | None = None


def corrected_tap_time(tapped_ms: int, sent_ms: int, received: datetime) -> datetime:
    """The tap's time on the server's clock: the tablet says how long before sending it was made.

    Only the tablet's own clock measures that age, so a tablet whose clock is off by minutes still
    orders its taps correctly against the other tablets'.
    """
    age = max(0, min(sent_ms - tapped_ms, 7 * 24 * 3600 * 1000))
    return received - timedelta(milliseconds=age)


def mark_attendance(actor: User, meeting: Meeting, deputy_id: int, status: AttendanceStatus, reason: str = "",
                    source: MarkSource = MarkSource.STAFF, tap: Tap | None = None, sheet_on: date | None = None) -> Attendance:
    """Record a tap on a rostered deputy's mark: the later tap wins, every tap is kept in the history.

    `sheet_on` marks 补录: staff entering the mark afterwards from the paper sheet of that date.

    A tap whose id was seen before changes nothing. The meeting's guarded version bump comes first:
    it refuses a closed meeting and serialises the marks of one meeting, so the current mark read
    afterwards is the one this tap is compared with. A fixed number of queries, whatever the roster.
    """
    tap = tap or Tap()
    if source is MarkSource.STAFF and not actor.has_role(Role.STAFF):
        raise ServiceError(_("Only staff may mark attendance."))
    if source is MarkSource.SELF_CHECKIN and actor.id != deputy_id:
        raise ServiceError(_("A deputy may check in only themselves."))
    if not isinstance(status, AttendanceStatus):
        raise ServiceError(_("Please choose a valid status."), "status")
    if sheet_on is not None:
        if source is not MarkSource.STAFF:
            raise ServiceError(_("Only staff may mark attendance."))
        check_sheet_date(meeting, sheet_on)
    reason = (reason or "").strip() if status is AttendanceStatus.EXCUSED else ""
    if status is AttendanceStatus.EXCUSED and not reason:
        raise ServiceError(_("Please give the reason for the leave."), "reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_REASON), "reason")
    if has_control_characters(reason):
        raise ServiceError(str(CONTROL_CHARACTERS_MESSAGE), "reason")
    if tap.tap_id is not None and db.session.scalar(
        select(AttendanceChange.id).where(AttendanceChange.tap_id == tap.tap_id)
    ) is not None:
        return _current_mark(meeting.id, deputy_id)
    version = _bump_board(meeting)
    if version is None:
        raise ServiceError(_("This meeting is closed; its roster and attendance can no longer be changed."))
    current = db.session.execute(
        select(MeetingRoster.deputy_id, Attendance.status, Attendance.reason, Attendance.tapped_at)
        .outerjoin(Attendance, (Attendance.meeting_id == MeetingRoster.meeting_id)
                   & (Attendance.deputy_id == MeetingRoster.deputy_id))
        .where(MeetingRoster.meeting_id == meeting.id, MeetingRoster.deputy_id == deputy_id)
    ).first()
    if current is None:
        raise ServiceError(_("Unknown deputy: this deputy is not on the meeting's roster."), "deputy")
    old_status, old_reason, old_tapped_at = current[1:]
    received = utcnow()
    tapped_at = min(tap.tapped_at or received, received)
    applied = old_tapped_at is None or tapped_at >= old_tapped_at
    changes = (old_status, old_reason) != (status, reason)
    written = None
    if applied and changes:
        mark = {"status": status.value, "reason": reason, "source": source.value, "marked_by_id": actor.id,
                "marked_at": received, "tapped_at": tapped_at, "version": version}
        written = db.session.scalars(
            upsert(Attendance, {"meeting_id": meeting.id, "deputy_id": deputy_id, **mark}, ["meeting_id", "deputy_id"], mark)
            .returning(Attendance),
            execution_options={"populate_existing": True},
        ).one()
    elif applied:
        # The same mark again, tapped later: it stays, and later taps are compared with this one.
        db.session.execute(update(Attendance).where(Attendance.meeting_id == meeting.id, Attendance.deputy_id == deputy_id)
                           .values(tapped_at=tapped_at).execution_options(synchronize_session=False))
    if changes or tap.tap_id is not None or not applied:
        db.session.add(AttendanceChange(
            meeting_id=meeting.id, deputy_id=deputy_id, old_status=old_status, new_status=status, reason=reason,
            source=source, changed_by_id=actor.id, changed_at=received, tapped_at=tapped_at, tap_id=tap.tap_id,
            applied=applied, sheet_on=sheet_on,
        ))
    db.session.flush()
    return written or _current_mark(meeting.id, deputy_id)


def _current_mark(meeting_id: int, deputy_id: int) -> Attendance | None:
    return db.session.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting_id, Attendance.deputy_id == deputy_id)
        .execution_options(populate_existing=True)
    ).first()


def attendance_history(meeting: Meeting, deputy_id: int | None = None) -> list[AttendanceChange]:
    """The changes of the meeting's marks, newest first."""
    query = select(AttendanceChange).where(AttendanceChange.meeting_id == meeting.id)
    if deputy_id is not None:
        query = query.where(AttendanceChange.deputy_id == deputy_id)
    return list(db.session.scalars(query.order_by(AttendanceChange.id.desc())))


@dataclass
class Card:
    """One rostered deputy on the tablet screen, with their mark (None: not signed in)."""

    deputy: User
    profile: DeputyProfile
    attendance: Attendance | None
    reply: Reply | None = None  # the deputy's answer to the meeting's notice: a request only, staff decide
    reply_reason: str | None = None

    @property
    def spellings(self) -> str:
        """The name's readings in short (夏虹 → "xia hong"): attendance.js builds the search key from them."""
        return spellings(self.deputy.name)


def attendance_cards(meeting: Meeting, deputy_id: int | None = None, since: int | None = None) -> list[Card]:
    """The roster with each deputy's current mark and answer to the notice, by community then name (one query).

    `deputy_id` picks one card; `since` only the cards whose mark changed after that board version.
    """
    query = (
        select(User, DeputyProfile, Attendance, MeetingRoster.reply, MeetingRoster.reply_reason)
        .select_from(MeetingRoster)
        .join(User, User.id == MeetingRoster.deputy_id)
        .join(DeputyProfile, DeputyProfile.user_id == User.id)
        .join(Community, Community.id == DeputyProfile.community_id)
        .outerjoin(Attendance, (Attendance.meeting_id == MeetingRoster.meeting_id) & (Attendance.deputy_id == User.id))
        .where(MeetingRoster.meeting_id == meeting.id)
        .options(contains_eager(DeputyProfile.community))
        .order_by(Community.name, User.name)
    )
    if deputy_id is not None:
        query = query.where(MeetingRoster.deputy_id == deputy_id)
    if since is not None:
        query = query.where(Attendance.version > since)
    return [Card(*row) for row in db.session.execute(query)]


def own_marks(meeting_ids: list[int], deputy_id: int) -> dict[int, Attendance]:
    """The deputy's current mark at each of these meetings, in one query (meetings without one are absent)."""
    if not meeting_ids:
        return {}
    marks = db.session.scalars(
        select(Attendance).where(Attendance.meeting_id.in_(meeting_ids), Attendance.deputy_id == deputy_id)
    )
    return {mark.meeting_id: mark for mark in marks}


@dataclass
class BoardChanges:
    """What a tablet at board version `since` lacks: nothing, the changed cards, or (`whole`) every card."""

    version: int
    cards: list[Card]
    whole: bool
    tally: "Tally | None"


def board_changes(meeting: Meeting, since: int) -> BoardChanges | None:
    """None when the tablet is up to date (no query beyond the loaded meeting); else the cards and tally."""
    if since == meeting.board_version:
        return None
    whole = not 0 <= since <= meeting.board_version or since < meeting.layout_version
    cards = attendance_cards(meeting, since=None if whole else since)
    return BoardChanges(meeting.board_version, cards, whole, tally(meeting))


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


TALLY_FIELDS = ("expected", "present", "late", "left_early", "excused", "absent")


def _count(status: AttendanceStatus):
    return func.sum(case((Attendance.status == status, 1), else_=0))


def _tally_columns():
    return (
        func.count(MeetingRoster.deputy_id),
        *(_count(status) for status in AttendanceStatus),
    )


def _roster_with_marks(query: Select) -> Select:
    return query.select_from(MeetingRoster).outerjoin(
        Attendance,
        (Attendance.meeting_id == MeetingRoster.meeting_id) & (Attendance.deputy_id == MeetingRoster.deputy_id),
    )


def _tally(row) -> Tally:
    expected, *counts = (value or 0 for value in row)
    return Tally(expected, *counts)


@cache
def _tallies_statement() -> Select:
    """The grouped tally query for the meetings in the `ids` parameter, built once per process (a tap asks it)."""
    return (
        _roster_with_marks(select(MeetingRoster.meeting_id, *_tally_columns()))
        .where(MeetingRoster.meeting_id.in_(bindparam("ids", expanding=True)))
        .group_by(MeetingRoster.meeting_id)
    )


def tallies(meeting_ids: list[int]) -> dict[int, Tally]:
    """Each meeting's tally, all in one grouped query."""
    if not meeting_ids:
        return {}
    rows = db.session.execute(_tallies_statement(), {"ids": list(meeting_ids)})
    found = {row[0]: _tally(row[1:]) for row in rows}
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
    select(func.count()).select_from(Meeting)
    .where(~Meeting.closed, Meeting.ends_at < bindparam("now", callable_=lambda: utcnow(), type_=Meeting.ends_at.type))
    .scalar_subquery()
)


def counted_meetings(start: date, end: date):
    """The meetings that count for attendance: starting from `start` to `end` (local dates), closed or over."""
    since, until = local_day_range(start, end)
    return and_(or_(Meeting.closed, Meeting.ends_at < utcnow()), Meeting.starts_at >= since, Meeting.starts_at < until)


def _counted_in(start: date, end: date) -> Select:
    """Roster places with their marks, of the meetings that count for attendance in the period.

    Only meetings that are closed or already over count; 请假 is counted apart and stays in the denominator.
    """
    return (
        _roster_with_marks(select(*_tally_columns()))
        .join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .where(counted_meetings(start, end))
    )


def attendance_rates(start: date, end: date, profiles: list[DeputyProfile] | None = None) -> list[DeputyRate]:
    """出席率 of each deputy in `profiles` (a page of `deputies_query`; all active deputies when None).

    Two queries whatever the number of deputies: the profiles (when not given) and one grouped count.
    """
    if profiles is None:
        profiles = list(db.session.scalars(deputies_query()))
    found = _tallies_of(start, end, tuple(profile.user_id for profile in profiles))
    return [DeputyRate(p.user, found.get(p.user_id, Tally()), p.community.name) for p in profiles]


@cached_figure
def _tallies_of(start: date, end: date, deputy_ids: tuple[int, ...]) -> dict[int, Tally]:
    """The tallies of these deputies over the period, by deputy id, in one grouped query."""
    if not deputy_ids:
        return {}
    query = _counted_in(start, end).add_columns(MeetingRoster.deputy_id).where(MeetingRoster.deputy_id.in_(deputy_ids))
    return {row[-1]: _tally(row[:-1]) for row in db.session.execute(query.group_by(MeetingRoster.deputy_id))}


@cached_figure
def period_tally(start: date, end: date, community: Community | int | None = None, deputy_id: int | None = None) -> Tally:
    """The sum over the active deputies (of one community, or one deputy) of their tallies, in one query."""
    query = _counted_in(start, end)
    if deputy_id is not None:
        query = query.where(MeetingRoster.deputy_id == deputy_id)
    else:
        query = query.where(MeetingRoster.deputy_id.in_(deputy_ids_query(community=community)))
    return _tally(db.session.execute(query).one())


@cached_figure
def monthly_attendance(start: date, end: date, community_id: int | None = None) -> list[tuple[date, Tally]]:
    """The committee's attendance per local month of the period: what `attendance_rates` sums, split by month.

    The same places are counted (active deputies, of the community if one is given), so the months add up
    to the period's figure; every month of the period is listed, with an empty tally where nothing was held.
    """
    query = (
        _roster_with_marks(select(Meeting.starts_at, *_tally_columns()))
        .join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .where(counted_meetings(start, end), MeetingRoster.deputy_id.in_(deputy_ids_query(community=community_id)))
        .group_by(Meeting.id, Meeting.starts_at)
    )
    months: dict[date, Tally] = {}
    month = start.replace(day=1)
    while month <= end:
        months[month] = Tally()
        month = (month + timedelta(days=32)).replace(day=1)
    for starts_at, *counts in db.session.execute(query):
        month = to_local(starts_at).date().replace(day=1)
        months[month] = months.get(month, Tally()) + _tally(counts)
    return sorted(months.items())


def year_to_date_attendance(deputy_id: int) -> DeputyRate | None:
    """A deputy's attendance from 1 January (local) to today, for their profile and home page."""
    user = db.session.get(User, deputy_id)
    if user is None:
        return None
    return DeputyRate(user, period_tally(*this_year(), deputy_id=deputy_id))


class CheckinRefused(ServiceError):
    """A self check-in was refused; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="checkin")


def checkin_step(now: datetime | None = None) -> int:
    """The number of the current period of CHECKIN_CODE_SECONDS: a rotating code changes with it."""
    return int((now or utcnow()).timestamp()) // current_app.config["CHECKIN_CODE_SECONDS"]


def checkin_token(meeting: Meeting, now: datetime | None = None) -> str:
    """The signed token of the meeting's check-in URL: with the current step, unless the code is fixed.

    A fixed code (for a printed notice) is valid through the meeting's check-in window; a rotating
    one (on the screen at the door) only in its own step and the next.
    """
    if meeting.fixed_checkin_code:
        return _serializer().dumps(meeting.id)
    return _serializer().dumps([meeting.id, checkin_step(now)])


def _confirmations() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="checkin-confirm")


def checkin_confirmation(user: User, meeting: Meeting) -> str:
    """Proof that `user` scanned a valid code of `meeting`, carried by the confirm button."""
    return _confirmations().dumps([meeting.id, user.id])


def _confirmed(confirmation: str | None, user: User, meeting: Meeting) -> bool:
    if not confirmation:
        return False
    try:
        scanned = _confirmations().loads(confirmation, max_age=current_app.config["CHECKIN_CONFIRM_SECONDS"])
    except BadSignature:
        return False
    return scanned == [meeting.id, user.id]


def checkin_window(meeting: Meeting) -> tuple[datetime, datetime]:
    """From CHECKIN_EARLY_MINUTES before the start to the end plus CHECKIN_GRACE_MINUTES."""
    config = current_app.config
    return (meeting.starts_at - timedelta(minutes=config["CHECKIN_EARLY_MINUTES"]),
            meeting.ends_at + timedelta(minutes=config["CHECKIN_GRACE_MINUTES"]))


def verify_checkin(user: User, meeting: Meeting | None, token: str, now: datetime | None = None,
                   confirmation: str | None = None) -> Meeting:
    """The meeting if `user` may check in to it now with `token`, else CheckinRefused with the reason.

    A rotating code must be of the current or the previous step, unless `confirmation` shows that
    this user scanned it in time (the confirm button may be pressed a little later).
    """
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        raise CheckinRefused(_("This check-in code is not valid. Please scan the code shown at the meeting.")) from None
    meeting_id, step = payload if isinstance(payload, list) and len(payload) == 2 else (payload, None)
    if meeting is None or meeting_id != meeting.id:
        raise CheckinRefused(_("This check-in code belongs to another meeting."))
    now = now or utcnow()
    if step is None and not meeting.fixed_checkin_code:
        raise CheckinRefused(_("This code is no longer in use. Please scan the code on the screen at the meeting."))
    if step is not None and step not in (checkin_step(now), checkin_step(now) - 1) and not _confirmed(confirmation, user, meeting):
        raise CheckinRefused(_("This code has expired. Please scan the code on the screen at the meeting again."))
    opens, closes = checkin_window(meeting)
    if meeting.closed or now > closes:
        raise CheckinRefused(_("Check-in for this meeting has ended."))
    if now < opens:
        raise CheckinRefused(_("Check-in opens %(n)d minutes before the meeting starts.", n=current_app.config["CHECKIN_EARLY_MINUTES"]))
    if not MeetingRoster.includes(meeting.id, user.id):
        raise CheckinRefused(_("You are not on the roster of this meeting; please tell the staff at the door."), 403)
    return meeting


def checked_in(meeting: Meeting, user: User) -> Attendance | None:
    """The deputy's mark if it already says they came (出席, 迟到, 早退), else None."""
    mark = _current_mark(meeting.id, user.id)
    return mark if mark is not None and mark.status.attended else None


def self_check_in(user: User, meeting: Meeting | None, token: str, now: datetime | None = None,
                  confirmation: str | None = None) -> Attendance:
    """Mark the deputy present (late after start + LATE_AFTER_MINUTES) through the meeting's QR code.

    A second scan changes nothing: the deputy already marked as come keeps that mark and its time.
    """
    meeting = verify_checkin(user, meeting, token, now, confirmation)
    already = checked_in(meeting, user)
    if already is not None:
        return already
    now = now or utcnow()
    late_after = meeting.starts_at + timedelta(minutes=current_app.config["LATE_AFTER_MINUTES"])
    status = AttendanceStatus.LATE if now > late_after else AttendanceStatus.PRESENT
    return mark_attendance(user, meeting, user.id, status, source=MarkSource.SELF_CHECKIN, tap=Tap(tapped_at=now))


def save_voter_log(meeting: Meeting, voter_count: int | None, answers: str) -> Meeting:
    """The voters present and the answers fed back to them (voter meetings and visits only)."""
    if not meeting.kind.voter_log:
        raise ServiceError(_("This kind of meeting keeps no voter log."))
    if voter_count is not None and not 0 <= voter_count <= 10000:
        raise ServiceError(_("The number of voters must be between 0 and 10000."), "voter_count")
    answers = (answers or "").strip()
    if len(answers) > 5000:
        raise ServiceError(_("At most %(n)d characters.", n=5000), "answers")
    meeting.voter_count, meeting.answers = voter_count, answers
    db.session.flush()
    return meeting


def add_meeting_opinion(actor: User, meeting: Meeting, deputy: User | None, content: str,
                        category: Category | None, community: Community | None = None) -> Opinion:
    """An opinion voters raised at the meeting, taken by a rostered deputy, linked to the meeting."""
    if not meeting.kind.voter_log:
        raise ServiceError(_("This kind of meeting keeps no voter log."))
    if deputy is None or not MeetingRoster.includes(meeting.id, deputy.id):
        raise ServiceError(_("Please choose a deputy on the meeting's roster."), "deputy")
    method = CollectionMethod.VISIT if VISIT_KIND_MARK in meeting.kind.name else CollectionMethod.MEETING
    community = community or meeting.community or (deputy.deputy.community if deputy.deputy else None)
    collected_on = to_local(meeting.starts_at).date()
    opinion = record_opinion(actor, deputy, content, community, category, collected_on, method)
    opinion.meeting_id = meeting.id
    db.session.flush()
    return opinion


def meeting_opinions(meeting: Meeting) -> list[Opinion]:
    """The opinions raised at the meeting, in the order they were recorded."""
    return list(db.session.scalars(select(Opinion).where(Opinion.meeting_id == meeting.id).order_by(Opinion.id)))
