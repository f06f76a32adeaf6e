"""A deputy's meeting notices: the meetings coming up, their answer (参加 / 请假) before the start, the calendar feed."""
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..errors import ServiceError
from ..extensions import db
from ..models import Role, User, utcnow
from .models import Meeting, MeetingRoster, Reply

MAX_REASON = 200
# The feed carries the past year's meetings too, so a phone's calendar keeps what it already showed.
FEED_HISTORY = timedelta(days=366)
# A calendar address's secret: 32 random bytes, URL-safe base64 without padding (43 characters).
CALENDAR_TOKEN_BYTES = 32
_CALENDAR_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


@dataclass
class Notice:
    """A meeting the deputy is expected at, with their roster place (and its answer)."""

    meeting: Meeting
    place: MeetingRoster

    @property
    def open_for_reply(self) -> bool:
        """A deputy may answer until the meeting starts, while it is not closed."""
        return not self.meeting.closed and self.meeting.starts_at > utcnow()


def upcoming_notices(deputy_id: int, now: datetime | None = None) -> list[Notice]:
    """The deputy's meetings that have not ended and are not closed, soonest first (one query)."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Meeting, MeetingRoster)
        .join(MeetingRoster, MeetingRoster.meeting_id == Meeting.id)
        .options(joinedload(Meeting.kind))
        .where(MeetingRoster.deputy_id == deputy_id, Meeting.ends_at > now, Meeting.closed.is_(False))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [Notice(meeting, place) for meeting, place in rows]


def notice_for(meeting: Meeting, deputy_id: int) -> Notice | None:
    """The deputy's notice of one meeting, or None when they are not on its roster."""
    place = db.session.get(MeetingRoster, (meeting.id, deputy_id))
    return Notice(meeting, place) if place is not None else None


def reply_to_meeting(deputy: User, meeting: Meeting, reply: Reply, reason: str = "", now: datetime | None = None) -> Notice:
    """Record the deputy's answer before the meeting; 请假 needs a reason. Staff's mark still decides (flushes)."""
    now = now or utcnow()
    notice = notice_for(meeting, deputy.id)
    if notice is None:
        raise ServiceError(_("You are not on this meeting's roster."))
    if meeting.closed or meeting.starts_at <= now:
        raise ServiceError(_("The meeting has started: please tell the committee office directly."))
    reason = " ".join(reason.split())
    if reply is Reply.LEAVE and not reason:
        raise ServiceError(_("Please give the reason for the leave."), field="reason")
    if len(reason) > MAX_REASON:
        raise ServiceError(_("At most %(n)d characters.", n=MAX_REASON), field="reason")
    notice.place.reply = reply
    notice.place.reply_reason = reason if reply is Reply.LEAVE else ""
    notice.place.replied_at = now
    db.session.flush()
    return notice


def renew_calendar_token(user: User) -> str:
    """Give the deputy a new secret calendar address; the old one stops working at once (flushes)."""
    user.calendar_token = secrets.token_urlsafe(CALENDAR_TOKEN_BYTES)
    db.session.flush()
    return user.calendar_token


def calendar_owner(token: str) -> User | None:
    """The active deputy whose calendar address carries `token`, if any (anything not shaped like one never reaches
    the database: PostgreSQL refuses a NUL in a query, for one)."""
    if not _CALENDAR_TOKEN.fullmatch(token or ""):
        return None
    user = db.session.scalar(select(User).where(User.calendar_token == token))
    return user if user is not None and user.active and user.role is Role.DEPUTY else None


def subscribe_address(feed_url: str) -> str:
    """The feed's address for a one-tap subscription: the same address with the webcal scheme, which phones open in their calendar."""
    return "webcal://" + feed_url.split("://", 1)[-1]


def calendar_feed(user: User, committee: str, now: datetime | None = None) -> bytes:
    """The deputy's meetings as an iCalendar file (RFC 5545), from a year back on."""
    from icalendar import Calendar, Event  # imported on the first feed: most workers never serve one

    now = now or utcnow()
    meetings = db.session.execute(
        select(Meeting, MeetingRoster)
        .join(MeetingRoster, MeetingRoster.meeting_id == Meeting.id)
        .options(joinedload(Meeting.kind))
        .where(MeetingRoster.deputy_id == user.id, Meeting.ends_at > now - FEED_HISTORY)
        .order_by(Meeting.starts_at)
    )
    calendar = Calendar()
    calendar.add("prodid", "-//committee portal//meetings//ZH")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{committee} · {_('My meetings')}")
    for meeting, place in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.id}@{committee}")
        event.add("dtstamp", now)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", meeting.title)
        if meeting.place:
            event.add("location", meeting.place)
        lines = [meeting.kind.name]
        if place.reply is not None:
            lines.append(_("My answer: %(answer)s", answer=place.reply.label))
        lines.append(url_for("meetings.detail", meeting_id=meeting.id, _external=True))
        event.add("description", "\n".join(lines))
        calendar.add_component(event)
    return calendar.to_ical()
