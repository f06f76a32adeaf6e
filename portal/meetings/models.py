"""Meeting kinds, meetings, their rosters, attendance marks and the history of every change."""
import enum
from datetime import date, datetime, timezone
from typing import Optional

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import local_day_start, local_today, to_local
from ..extensions import db
from ..models import Community, User, enum_column, utcnow
from ..numbers import Numbered

# The kinds of the report, inserted by the migration; admin may rename, add or retire them.
# (name, voter_log): voter_log kinds keep a deputy–voter meeting log.
DEFAULT_MEETING_KINDS = [
    ("工委工作会议", False),
    ("代表与选民见面会", True),
    ("走访", True),
    ("培训学习", False),
    ("集中活动", False),
]


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC; SQLite hands back naive values, read here as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: convert local input with to_utc() first")
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None


class AttendanceStatus(str, enum.Enum):
    """A deputy's mark at a meeting; no mark at all means not yet signed in (未签到)."""

    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left_early"
    EXCUSED = "excused"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self])

    @property
    def attended(self) -> bool:
        """Present, late and left early all count as attending."""
        return self in ATTENDED


ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.LEFT_EARLY)

STATUS_LABELS = {
    AttendanceStatus.PRESENT: _l("Present"),
    AttendanceStatus.LATE: _l("Late"),
    AttendanceStatus.LEFT_EARLY: _l("Left early"),
    AttendanceStatus.EXCUSED: _l("On leave"),
    AttendanceStatus.ABSENT: _l("Absent"),
}


class MarkSource(str, enum.Enum):
    """Who set a mark: staff on the tablet, or the deputy scanning the QR code."""

    STAFF = "staff"
    SELF_CHECKIN = "self_checkin"

    @property
    def label(self) -> str:
        return str(SOURCE_LABELS[self])


SOURCE_LABELS = {MarkSource.STAFF: _l("Staff"), MarkSource.SELF_CHECKIN: _l("Self check-in")}


class Reply(str, enum.Enum):
    """A deputy's answer to a meeting notice."""

    ATTEND = "attend"
    LEAVE = "leave"

    @property
    def label(self) -> str:
        return str(REPLY_LABELS[self])


REPLY_LABELS = {Reply.ATTEND: _l("Will attend"), Reply.LEAVE: _l("Asks for leave")}


class MeetingStatus(str, enum.Enum):
    """Where a meeting stands on the portal's clock: before its start, while it runs, after its end, or closed."""

    UPCOMING = "upcoming"
    RUNNING = "running"
    ENDED = "ended"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return str(MEETING_STATUS_LABELS[self])


MEETING_STATUS_LABELS = {
    MeetingStatus.UPCOMING: _l("Not started"),
    MeetingStatus.RUNNING: _l("Under way"),
    MeetingStatus.ENDED: _l("Ended"),
    MeetingStatus.CLOSED: _l("Closed"),
}


class MeetingKind(db.Model):
    """A kind of meeting (工委工作会议, 代表与选民见面会 …); voter_log kinds keep a voter-meeting log."""

    __tablename__ = "meeting_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    voter_log: Mapped[bool] = mapped_column(default=False)


class Meeting(Numbered, db.Model):
    """A meeting deputies are expected at; closed once it is over, which freezes its attendance."""

    __tablename__ = "meetings"
    __number_prefix__ = "HY"  # 编号, see portal/numbers.py

    id: Mapped[int] = mapped_column(primary_key=True)
    kind_id: Mapped[int] = mapped_column(ForeignKey("meeting_kinds.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    community_id: Mapped[Optional[int]] = mapped_column(ForeignKey("communities.id"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    voter_count: Mapped[Optional[int]]
    answers: Mapped[str] = mapped_column(Text, default="")
    closed: Mapped[bool] = mapped_column(default=False)
    # Raised by every mark, roster change and close: a tablet's poll asks "anything after version N?".
    board_version: Mapped[int] = mapped_column(default=0)
    # The version at which the board last changed shape (roster, close, reopen): tablets reload all cards.
    layout_version: Mapped[int] = mapped_column(default=0)
    # False: the QR code at the door changes every CHECKIN_CODE_SECONDS (a photo of it soon expires);
    # True: one code for the whole check-in window, for a printed notice.
    fixed_checkin_code: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reopened_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reopened_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    kind: Mapped[MeetingKind] = relationship()
    community: Mapped[Optional[Community]] = relationship()
    closed_by: Mapped[Optional[User]] = relationship(foreign_keys=[closed_by_id])
    reopened_by: Mapped[Optional[User]] = relationship(foreign_keys=[reopened_by_id])
    roster: Mapped[list["MeetingRoster"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")

    # The figures' cache key counts the open meetings that are over (portal/meetings/rates.py) on every request.
    __table_args__ = (Index("ix_meetings_closed_ends_at", "closed", "ends_at"),)

    def status_at(self, now: datetime) -> MeetingStatus:
        """The meeting's status at `now`: the one rule every page that shows it uses."""
        if self.closed:
            return MeetingStatus.CLOSED
        if now < self.starts_at:
            return MeetingStatus.UPCOMING
        return MeetingStatus.RUNNING if now <= self.ends_at else MeetingStatus.ENDED

    @property
    def status(self) -> MeetingStatus:
        """The meeting's status now."""
        return self.status_at(utcnow())

    @property
    def day(self) -> date:
        """The meeting's day on the portal's wall clock."""
        return to_local(self.starts_at).date()

    @property
    def day_starts_at(self) -> datetime:
        """Local midnight of the meeting's day, in UTC: marks made before it are made before the day."""
        return local_day_start(self.day)

    @property
    def before_its_day(self) -> bool:
        """True while the portal's today is before the meeting's day."""
        return local_today() < self.day


class MeetingRoster(db.Model):
    """A deputy expected at a meeting."""

    __tablename__ = "meeting_roster"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    # The deputy's answer before the meeting (参加 / 请假 with a reason); staff's mark still decides.
    reply: Mapped[Optional[Reply]] = mapped_column(enum_column(Reply, length=8))
    reply_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")
    replied_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="roster")
    deputy: Mapped[User] = relationship()

    __audit_parent__ = ("Meeting", "meeting_id")

    @classmethod
    def includes(cls, meeting_id: int, deputy_id: int) -> bool:
        """True if the deputy is on the meeting's roster."""
        return db.session.get(cls, (meeting_id, deputy_id)) is not None


class Attendance(db.Model):
    """The current mark of one deputy at one meeting: one row at most, written by upsert."""

    __tablename__ = "attendance"
    # The duty points count a period's marks per meeting with their status from the second index alone.
    __table_args__ = (UniqueConstraint("meeting_id", "deputy_id"),
                      Index("ix_attendance_meeting_deputy_status", "meeting_id", "deputy_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[MarkSource] = mapped_column(enum_column(MarkSource))
    marked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When the winning tap was made (the tablet's clock corrected to the server's): a later tap wins.
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The meeting's board version when this mark last changed; the poll sends cards newer than the tablet's.
    version: Mapped[int] = mapped_column(default=0)

    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    marked_by: Mapped[User] = relationship(foreign_keys=[marked_by_id])

    # Its history is AttendanceChange (one row per real change, audited itself); a repeated tap
    # rewrites marked_at here and would only add noise to the log.
    __audit__ = False


def _old_status_column() -> Enum:
    """The same enum under its own CHECK name (two CHECKs of one name in one table clash on PostgreSQL)."""
    column = enum_column(AttendanceStatus)
    column.name = "old_attendancestatus"
    return column


class AttendanceChange(db.Model):
    """One tap on a mark: who, old → new status, when tapped and when received, and whether it won.

    A tap from a tablet carries its own id (`tap_id`, a UUID made on the tablet): a replayed tap finds
    its row and changes nothing. A tap older than the current mark is kept here with `applied` false.
    """

    __tablename__ = "attendance_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    deputy_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    old_status: Mapped[Optional[AttendanceStatus]] = mapped_column(_old_status_column())
    new_status: Mapped[AttendanceStatus] = mapped_column(enum_column(AttendanceStatus))
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[MarkSource] = mapped_column(enum_column(MarkSource))
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    tapped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tap_id: Mapped[Optional[str]] = mapped_column(String(36), unique=True)
    applied: Mapped[bool] = mapped_column(default=True)
    sheet_on: Mapped[Optional[date]] = mapped_column(Date)  # 补录: entered afterwards from the paper sheet of this date

    deputy: Mapped[User] = relationship(foreign_keys=[deputy_id])
    changed_by: Mapped[User] = relationship(foreign_keys=[changed_by_id])

    # A tap compares its time with the deputy's latest applied tap at the meeting: the last entry of this index, read
    # without the table (on PostgreSQL this also keeps the tap's decision on one plan instead of planning each tap).
    __table_args__ = (Index("ix_attendance_changes_latest", "meeting_id", "deputy_id", "applied", "tapped_at"),)
    __audit_parent__ = ("Meeting", "meeting_id")
    __audit_dates__ = ("sheet_on",)


class MeetingTally(db.Model):
    """A closed meeting's counted places of one community (its deputies on the meeting's day), kept so that a
    period's figures are sums of rows; only `portal.meetings.tallies` writes them."""

    __tablename__ = "meeting_tallies"

    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), primary_key=True)
    # The meeting's start, kept with its rows: a period's rows are found by date alone, without the meetings.
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    expected: Mapped[int]
    present: Mapped[int]
    late: Mapped[int]
    left_early: Mapped[int]
    excused: Mapped[int]
    absent: Mapped[int]

    __audit__ = False  # derived from audited rows, rewritten whenever they change
