"""Meetings and their rosters: the kinds, a meeting's particulars, its roster, closing and reopening, the list.

Services flush; the request commits.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import joinedload

from ..accounts.services import deputy_ids_query
from ..errors import ServiceError
from ..extensions import db
from ..membership import NOT_DEPUTY_ON_DAY, member_at
from ..models import Community, Role, User, utcnow
from ..periods import Period
from .marks import bump_board
from .models import DEFAULT_MEETING_KINDS, Meeting, MeetingKind, MeetingRoster


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


def create_meeting(actor: User, fields: MeetingFields, deputy_ids: list[int] | None = None, number: str | None = None) -> Meeting:
    """Create a meeting; its roster is every active deputy who is one on its day, unless `deputy_ids` says otherwise.

    `number` is an imported record's own number (编号); a new record takes the next one.
    """
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
    if number:
        meeting.number = number
    db.session.add(meeting)
    db.session.flush()
    if deputy_ids is None:
        deputy_ids = list(db.session.scalars(deputy_ids_query().where(member_at(User.id, meeting.starts_at))))
    set_roster(meeting, deputy_ids)
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
    """Make the roster exactly these deputies (deputies on the meeting's day); refused once the meeting is closed."""
    if bump_board(meeting, reshaped=True) is None:
        raise ServiceError(_("This meeting is closed; its roster and attendance can no longer be changed."))
    wanted = set(deputy_ids)
    serving = dict(db.session.execute(
        deputy_ids_query(active=None).add_columns(member_at(User.id, meeting.starts_at)).where(User.id.in_(wanted))
    ).tuples().all()) if wanted else {}
    if wanted - serving.keys():
        raise ServiceError(_("Unknown deputy: please choose from the list."), "deputies")
    if not all(serving.values()):
        raise ServiceError(str(NOT_DEPUTY_ON_DAY), "deputies")
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
    if bump_board(meeting, reshaped=True, closed=True, closed_by_id=actor.id) is None:
        raise ServiceError(_("This meeting is already closed."))
    meeting.closed_at = utcnow()  # read under the lock: after every mark written before the close
    db.session.flush()


def reopen_meeting(actor: User, meeting: Meeting) -> None:
    """Reopen a closed meeting (admin only); who and when is kept on the meeting."""
    if not actor.has_role(Role.ADMIN):
        raise ServiceError(_("Only an administrator may reopen a meeting."))
    if bump_board(meeting, reshaped=True, closed=False, reopened_by_id=actor.id, reopened_at=utcnow()) is None:
        raise ServiceError(_("This meeting is not closed."))


def meeting_query(user: User, kind_id: int | None = None, month: tuple[int, int] | None = None,
                  period: Period = Period(), voter_log: bool = False) -> Select:
    """Meetings the user may see (a deputy: those they are rostered for), filtered, latest first.

    `month` and `period` bound the local start dates, the period's community the meeting's;
    `voter_log` keeps the kinds that keep a voter-meeting log.
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
    if month:
        year, number = month
        first = date(year, number, 1)
        query = Period(first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)).filter_times(query, Meeting.starts_at)
    query = period.filter_times(query, Meeting.starts_at, Meeting.community_id)
    if voter_log:
        query = query.join(MeetingKind, MeetingKind.id == Meeting.kind_id).where(MeetingKind.voter_log)
    return query
