"""Attendance marks and the tablet board: taps, their history, the board's version and its cards.

A tap is written once and the later tap wins; a tablet asks only for what it lacks. Services flush; the request commits.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import local_today, to_local
from ..errors import ServiceError
from ..extensions import db
from ..models import Community, DeputyProfile, Role, User, utcnow
from ..pinyin import spellings
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from ..upsert import upsert
from .models import Attendance, AttendanceChange, AttendanceStatus, MarkSource, Meeting, MeetingRoster, Reply
from .rates import Tally, tally

MAX_REASON = 200


def check_sheet_date(meeting: Meeting, day: date | None) -> date:
    """The date of a paper 签到表 used for 补录: given, not in the future, not before the meeting began."""
    if day is None:
        raise ServiceError(_("Please enter the date."), "sheet_on")
    if day > local_today():
        raise ServiceError(_("The date cannot be in the future."), "sheet_on")
    if day < to_local(meeting.starts_at).date():
        raise ServiceError(_("The sheet cannot be dated before the meeting began."), "sheet_on")
    return day


def bump_board(meeting: Meeting, reshaped: bool = False, **values) -> int | None:
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
        return current_mark(meeting.id, deputy_id)
    version = bump_board(meeting)
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
    return written or current_mark(meeting.id, deputy_id)


def current_mark(meeting_id: int, deputy_id: int) -> Attendance | None:
    """The deputy's mark at the meeting as the database holds it now (None: never marked)."""
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
    tally: Tally | None


def board_changes(meeting: Meeting, since: int) -> BoardChanges | None:
    """None when the tablet is up to date (no query beyond the loaded meeting); else the cards and tally."""
    if since == meeting.board_version:
        return None
    whole = not 0 <= since <= meeting.board_version or since < meeting.layout_version
    cards = attendance_cards(meeting, since=None if whole else since)
    return BoardChanges(meeting.board_version, cards, whole, tally(meeting))
