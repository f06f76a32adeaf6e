"""Attendance marks and the tablet board: taps, their history, the board's version and its cards.

A tap is written once and the later tap wins; a tablet asks only for what it lacks. Services flush; the request commits.
"""
import uuid
from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta
from typing import NamedTuple

from flask_babel import gettext as _
from sqlalchemy import Insert, Select, Update, bindparam, func, insert, null, select, true, update
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import local_today, to_local
from ..errors import ServiceError
from ..extensions import db
from ..figures_cache import bump as replace_versions, kinds_of, tables_of
from ..models import Community, DeputyProfile, Level, Role, User, utcnow
from ..pinyin import spellings
from ..text import CONTROL_CHARACTERS_MESSAGE, has_control_characters
from .models import Attendance, AttendanceChange, AttendanceStatus, MarkSource, Meeting, MeetingRoster, Reply
from .counting import TALLY_FIELDS, Tally, marks_tally_statement
from .rates import tally

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


def bump_board(meeting: Meeting, reshaped: bool = False, seen: int | None = None, **values) -> int | None:
    """Raise the meeting's board version while it is open (a guarded UPDATE); None if it is closed, or if its
    version is no longer `seen` (another mark came first).

    The UPDATE holds the meeting row's lock (PostgreSQL) or the database's write lock (SQLite) until the
    request commits: a mark and a close are serialised, and each sees what the other wrote.
    `reshaped` tells the tablets to fetch the whole board (roster changed, meeting closed or reopened).
    """
    if values:  # the audit log re-reads the rows it changes by its WHERE clause: built with every value in place
        row = db.session.execute(_bump_statement(reshaped, meeting.id, seen, values)).first()
    else:  # a tap's: built once per process, its numbers bound at each execution
        parameters = {"meeting_id": meeting.id} if seen is None else {"meeting_id": meeting.id, "seen": seen}
        row = _run_tap_statement(_bare_bump_statement(reshaped, seen is not None), parameters).first()
    if row is None:
        return None
    for name, value in {**values, "board_version": row[0], "layout_version": row[1]}.items():
        set_committed_value(meeting, name, value)
    return row[0]


def _bump_statement(reshaped: bool, meeting_id, seen, values: dict) -> Update:
    """The guarded UPDATE of `bump_board`; `meeting_id` and `seen` are numbers or bound parameters."""
    version = Meeting.board_version + 1
    changes = {"board_version": version, **values}
    if reshaped:
        changes["layout_version"] = version
    closed_now = values.get("closed") is False  # reopening is the one change made to a closed meeting
    guard = [Meeting.id == meeting_id, Meeting.closed.is_(closed_now)]
    if seen is not None:
        guard.append(Meeting.board_version == seen)
    return (
        update(Meeting)
        .where(*guard)
        .values(**changes)
        .returning(Meeting.board_version, Meeting.layout_version)
        # a bare bump writes nothing the audit log keeps (see portal.auditing.BOOKKEEPING)
        .execution_options(synchronize_session=False, bookkeeping_only=not values)
    )


@cache
def _bare_bump_statement(reshaped: bool, guarded: bool) -> Update:
    """A bump without values (a tap's), built once per process: building and keying it cost a tap more than running it."""
    return _bump_statement(reshaped, bindparam("meeting_id"), bindparam("seen") if guarded else None, {})


def _run_tap_statement(statement, parameters: dict):
    """Run a board statement built once per process (a tap's decision, mark and board bump, a roster's bump) on the
    session's connection, not through the session.

    The ORM's handling of a statement and the session's hooks reading it cost a tap more than running it, and they
    have nothing to do here: the versions of the kinds of data a write changes are replaced first, as the figures
    cache's hook would; a board version is bookkeeping (not audited, not counted); a mark is not audited (its history
    row, added through the session, is) and is written only to a meeting its guarded bump found open, which has no
    kept tally (portal.meetings.tallies).
    """
    session = db.session()
    if not isinstance(statement, Select):
        replace_versions(session, kinds_of(tables_of(statement)))
    return session.connection().execute(statement, parameters)


@dataclass
class Tap:
    """A tap from a tablet: its id (a UUID made on the tablet) and when it was made, on the server's clock."""

    tap_id: str | None = None
    tapped_at: datetime | None = None


def normalize_tap_id(value: str | None) -> str | None:
    """A tap id in the canonical lowercase 36-character UUID form (braced, URN and upper-case spellings are the
    same tap); anything that is not a UUID is returned unchanged, for the form's validator to refuse."""
    if not value:
        return value
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        return value


class TapConflict(ServiceError):
    """The tap's id is already recorded for another meeting or another deputy: nothing is written."""


def corrected_tap_time(tapped_ms: int, sent_ms: int, received: datetime) -> datetime:
    """The tap's time on the server's clock: the tablet says how long before sending it was made.

    Only the tablet's own clock measures that age, so a tablet whose clock is off by minutes still
    orders its taps correctly against the other tablets'.
    """
    age = max(0, min(sent_ms - tapped_ms, 7 * 24 * 3600 * 1000))
    return received - timedelta(milliseconds=age)


@dataclass
class Marked:
    """What a tap leaves: the deputy's card as it is now and the meeting's tally."""

    card: "Card"
    tally: Tally


@dataclass
class _Seen:
    """Everything a tap is decided on, read in one statement: the card, the meeting's state and tally, the
    deputy's latest applied tap, and where the tap's id was recorded before (if it was)."""

    card: "Card"
    closed: bool
    version: int
    latest_tap: datetime | None
    tally: Tally
    tap_owner: tuple[int, int] | None


@cache
def _seen_statement(with_tap: bool) -> Select:
    """The statement `_seen` runs, built once per process (with its `meeting_id`, `deputy_id` and `tap_id`
    parameters): building and keying a statement this size cost a tap more than running it."""
    change = AttendanceChange
    meeting_id, deputy_id = bindparam("meeting_id"), bindparam("deputy_id")
    latest = (select(func.max(change.tapped_at))
              .where(change.meeting_id == meeting_id, change.deputy_id == deputy_id, change.applied).scalar_subquery())
    if with_tap:
        owner = tuple(select(column).where(change.tap_id == bindparam("tap_id")).scalar_subquery()
                      for column in (change.meeting_id, change.deputy_id))
    else:
        owner = (null(), null())
    counts = marks_tally_statement(meeting_id).subquery()
    return (
        _cards_query(meeting_id)
        .add_columns(Meeting.closed, Meeting.board_version, latest, *owner, *counts.c)
        .join(Meeting, Meeting.id == MeetingRoster.meeting_id)
        .join(counts, true())
        .where(MeetingRoster.deputy_id == deputy_id)
    )


def _seen(meeting_id: int, deputy_id: int, tap_id: str | None) -> _Seen | None:
    """The tap's view of the board (None: the deputy is not on the roster)."""
    parameters = {"meeting_id": meeting_id, "deputy_id": deputy_id}
    if tap_id is not None:
        parameters["tap_id"] = tap_id
    row = _run_tap_statement(_seen_statement(tap_id is not None), parameters).first()
    if row is None:
        return None
    closed, version, latest_tap, tap_meeting, tap_deputy, *tally = row[_CARD_WIDTH:]
    return _Seen(_card(row), closed, version, latest_tap, Tally(*(n or 0 for n in tally)),
                 None if tap_meeting is None else (tap_meeting, tap_deputy))


def mark_attendance(actor: User, meeting: Meeting, deputy_id: int, status: AttendanceStatus, reason: str = "",
                    source: MarkSource = MarkSource.STAFF, tap: Tap | None = None,
                    sheet_on: date | None = None) -> Attendance | None:
    """Record a tap on a rostered deputy's mark (see `record_tap`); returns the mark as it is now (read again: the
    door's taps answer with the card's plain row and load no mark)."""
    record_tap(actor, meeting, deputy_id, status, reason, source, tap, sheet_on)
    return current_mark(meeting.id, deputy_id)


def record_tap(actor: User, meeting: Meeting, deputy_id: int, status: AttendanceStatus, reason: str = "",
               source: MarkSource = MarkSource.STAFF, tap: Tap | None = None, sheet_on: date | None = None) -> Marked:
    """Record a tap on a rostered deputy's mark: the later tap wins, every tap is kept in the history.

    `sheet_on` marks 补录: staff entering the mark afterwards from the paper sheet of that date.

    A tap whose id was seen before changes nothing; one whose id was recorded for another meeting or deputy
    is refused (`TapConflict`). A tap that repeats the current mark, or is older than the latest applied
    one, writes only its history row (a repeat without a tap id, nothing). A change raises the meeting's version only if it is still the one the
    tap was decided on (else it takes the meeting's lock and decides again): marks of one meeting are
    serialised and a closed meeting refuses them. A repeat takes no lock, so on PostgreSQL a change another
    tablet commits in the same few milliseconds is not weighed against it (SQLite's single writer is). At most
    eight statements a tap, the request's included.
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
    tap_id = normalize_tap_id(tap.tap_id)
    received = utcnow()
    tapped_at = min(tap.tapped_at or received, received)
    seen, locked_version = _seen(meeting.id, deputy_id, tap_id), None
    while True:
        if seen is None:
            raise ServiceError(_("Unknown deputy: this deputy is not on the meeting's roster."), "deputy")
        if seen.tap_owner is not None:
            if seen.tap_owner != (meeting.id, deputy_id):
                raise TapConflict(_("This tap was already recorded for another meeting or deputy; it was not recorded here."))
            return Marked(seen.card, seen.tally)  # the same tap again: it is recorded already
        if seen.closed:
            raise ServiceError(_("This meeting is closed; its roster and attendance can no longer be changed."))
        current = seen.card.mark
        old_status = current and current.status
        latest = max((t for t in (current and current.tapped_at, seen.latest_tap) if t is not None), default=None)
        # A tap the tablet did not date is dated on arrival: the server's order is its order, so it is never late.
        applied = tap.tapped_at is None or latest is None or tapped_at >= latest
        changes = current is None or (current.status, current.reason) != (status, reason)
        if applied and changes:
            version = locked_version or bump_board(meeting, seen=seen.version)
            if version is None:  # another mark came first, or a close: wait for the meeting's lock and look again
                locked_version = bump_board(meeting)
                if locked_version is None:
                    raise ServiceError(_("This meeting is closed; its roster and attendance can no longer be changed."))
                seen = _seen(meeting.id, deputy_id, tap_id)
                received = utcnow()  # it is received now, after the mark that came first
                tapped_at = min(tap.tapped_at or received, received)
                continue
            seen.card.mark = _write_mark(actor, meeting.id, deputy_id, status, reason, source, received, tapped_at,
                                         version, exists=current is not None)
            seen.tally = _moved(seen.tally, old_status, status)
        break
    if changes or tap_id is not None or not applied:  # a repeat without a tap id leaves no trace to keep
        db.session.add(AttendanceChange(
            meeting_id=meeting.id, deputy_id=deputy_id, old_status=old_status, new_status=status,
            reason=reason, source=source, changed_by_id=actor.id, changed_at=received, tapped_at=tapped_at,
            tap_id=tap_id, applied=applied, sheet_on=sheet_on,
        ))
        db.session.flush()
    return Marked(seen.card, seen.tally)


def _write_mark(actor: User, meeting_id: int, deputy_id: int, status: AttendanceStatus, reason: str, source: MarkSource,
                received: datetime, tapped_at: datetime, version: int, exists: bool) -> "CardMark":
    """Write the mark: an UPDATE of the row the tap was decided on, or the deputy's first mark's INSERT; returns the
    card's mark as written (the values are all known: nothing is read back).

    The caller holds the meeting's lock (its board version raised) since it read the row, and every mark raises it,
    so whether the row exists cannot have changed. Both statements are built once per process; an upsert could not
    be: SQLAlchemy compiles INSERT … ON CONFLICT afresh at every execution.
    """
    mark = {"meeting_id": meeting_id, "deputy_id": deputy_id, "status": status.value, "reason": reason,
            "source": source.value, "marked_by_id": actor.id, "marked_at": received, "tapped_at": tapped_at,
            "version": version}
    _run_tap_statement(_mark_statement(exists), {f"mark_{name}": value for name, value in mark.items()})
    return CardMark(status, reason, source, version, tapped_at, received, actor.name)


_MARK_COLUMNS = ("meeting_id", "deputy_id", "status", "reason", "source", "marked_by_id", "marked_at", "tapped_at", "version")


@cache
def _mark_statement(exists: bool) -> Insert | Update:
    """The mark's INSERT (`exists` false) or UPDATE, built once per process."""
    values = {name: bindparam(f"mark_{name}") for name in _MARK_COLUMNS}
    if not exists:
        return insert(Attendance).values(**values)
    return (
        update(Attendance)
        .where(Attendance.meeting_id == values.pop("meeting_id"), Attendance.deputy_id == values.pop("deputy_id"))
        .values(**values)
        # a mark loaded in the session is read again by whoever wants it (current_mark, populate_existing)
        .execution_options(synchronize_session=False)
    )


def _moved(before: Tally, old: AttendanceStatus | None, new: AttendanceStatus) -> Tally:
    """The tally once a mark went from `old` (None: unmarked) to `new`."""
    counts = {name: getattr(before, name) for name in TALLY_FIELDS}
    if old is not None:
        counts[old.value] -= 1
    counts[new.value] += 1
    return Tally(**counts)


def current_mark(meeting_id: int, deputy_id: int) -> Attendance | None:
    """The deputy's mark at the meeting as the database holds it now (None: never marked)."""
    return db.session.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting_id, Attendance.deputy_id == deputy_id)
        .execution_options(populate_existing=True)
    ).first()


def attendance_history(meeting: Meeting, deputy_id: int | None = None) -> list[AttendanceChange]:
    """The changes of the meeting's marks, newest first, with who was marked and who marked (in the same query)."""
    query = (select(AttendanceChange).where(AttendanceChange.meeting_id == meeting.id)
             .options(joinedload(AttendanceChange.deputy), joinedload(AttendanceChange.changed_by)))
    if deputy_id is not None:
        query = query.where(AttendanceChange.deputy_id == deputy_id)
    return list(db.session.scalars(query.order_by(AttendanceChange.id.desc())))


class CardMark(NamedTuple):
    """A card's mark as plain values (what the card, the sheet and the export show)."""

    status: AttendanceStatus
    reason: str
    source: MarkSource
    version: int  # the board version when it last changed
    tapped_at: datetime
    marked_at: datetime
    marked_by: str  # the name of who marked it


@dataclass(slots=True)
class Card:
    """One rostered deputy on the tablet screen (and the sheet and the export), read as a plain row: name, level and
    community, the mark (None: not signed in) and the answer to the meeting's notice."""

    deputy_id: int
    name: str
    level: Level
    community: str
    mark: CardMark | None
    reply: Reply | None = None  # the deputy's answer to the meeting's notice: a request only, staff decide
    reply_reason: str | None = None

    @property
    def spellings(self) -> str:
        """The name's readings in short (夏虹 → "xia hong"): attendance.js builds the search key from them."""
        return spellings(self.name)


_MARKER = aliased(User, name="marker")
_CARD_WIDTH = 13  # the columns of a card in a row of `_cards_query`


def _cards_query(meeting_id) -> Select:
    """The meeting's rostered deputies with their marks and answers to the notice, by community then name, as plain
    columns (`meeting_id` a number, or a bound parameter): loading them as mapped objects cost a tap more than
    reading them."""
    return (
        select(User.id, User.name, DeputyProfile.level, Community.name,
               Attendance.status, Attendance.reason, Attendance.source, Attendance.version, Attendance.tapped_at,
               Attendance.marked_at, _MARKER.name, MeetingRoster.reply, MeetingRoster.reply_reason)
        .select_from(MeetingRoster)
        .join(User, User.id == MeetingRoster.deputy_id)
        .join(DeputyProfile, DeputyProfile.user_id == User.id)
        .join(Community, Community.id == DeputyProfile.community_id)
        .outerjoin(Attendance, (Attendance.meeting_id == MeetingRoster.meeting_id) & (Attendance.deputy_id == User.id))
        .outerjoin(_MARKER, _MARKER.id == Attendance.marked_by_id)
        .where(MeetingRoster.meeting_id == meeting_id)
        .order_by(Community.name, User.name)
    )


def _card(row) -> Card:
    """A card from a row of `_cards_query` (a mark's status is never null: none means no mark)."""
    mark = CardMark(*row[4:11]) if row[4] is not None else None
    return Card(row[0], row[1], row[2], row[3], mark, row[11], row[12])


def attendance_cards(meeting: Meeting, deputy_id: int | None = None, since: int | None = None) -> list[Card]:
    """The roster with each deputy's current mark and answer to the notice, by community then name (one query).

    `deputy_id` picks one card; `since` only the cards whose mark changed after that board version.
    """
    query = _cards_query(meeting.id)
    if deputy_id is not None:
        query = query.where(MeetingRoster.deputy_id == deputy_id)
    if since is not None:
        query = query.where(Attendance.version > since)
    return [_card(row) for row in db.session.execute(query)]


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
