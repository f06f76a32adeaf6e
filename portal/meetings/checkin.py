"""Self check-in by QR code: the signed codes, the check-in window and the confirmation a deputy presses.

A code rotates on the screen at the door, or is fixed for a printed notice.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

from ..errors import ServiceError
from ..models import User, utcnow
from .marks import Tap, current_mark, mark_attendance
from .models import Attendance, AttendanceStatus, MarkSource, Meeting, MeetingRoster


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
    mark = current_mark(meeting.id, user.id)
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
