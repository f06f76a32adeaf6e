"""Meetings and attendance routes in the permission matrix."""
from datetime import timedelta

from portal.extensions import db
from portal.models import User, utcnow

LOGIN = "login"
STAFF_ONLY_GET = {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}
ADMIN_ONLY_GET = {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}
EVERYONE_GET = {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}

ROUTES = {
    "meetings.index": ("GET", "/meetings/", EVERYONE_GET),
    "meetings.new": ("GET", "/meetings/new", STAFF_ONLY_GET),
    "meetings.detail": ("GET", "/meetings/{meeting}", EVERYONE_GET),
    "meetings.edit": ("GET", "/meetings/{meeting}/edit", STAFF_ONLY_GET),
    "meetings.roster": ("GET", "/meetings/{meeting}/roster", STAFF_ONLY_GET),
    "meetings.attendance": ("GET", "/meetings/{meeting}/attendance", STAFF_ONLY_GET),
    "meetings.changes": ("GET", "/meetings/{meeting}/attendance/changes", STAFF_ONLY_GET),
    "meetings.service_worker": ("GET", "/meetings/attendance-sw.js", {"anonymous": 200, "deputy": 200, "staff": 200, "admin": 200}),
    "meetings.mark": ("POST", "/meetings/{meeting}/attendance/{self}",
                      {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "meetings.close": ("POST", "/meetings/{meeting}/close", {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "meetings.reopen": ("POST", "/meetings/{meeting}/reopen", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 302}),
    "meetings.voter_log": ("POST", "/meetings/{meeting}/voter-log",
                           {"anonymous": LOGIN, "deputy": 403, "staff": 302, "admin": 302}),
    "meetings.add_opinion": ("POST", "/meetings/{meeting}/opinions",
                             {"anonymous": LOGIN, "deputy": 403, "staff": 422, "admin": 422}),
    "meetings.checkin": ("GET", "/meetings/{meeting}/checkin/{token}",
                         {"anonymous": LOGIN, "deputy": 200, "staff": 403, "admin": 403}),
    "meetings.checkin_code": ("GET", "/meetings/{meeting}/checkin-code", STAFF_ONLY_GET),
    "meetings.sheet": ("GET", "/meetings/{meeting}/sheet", STAFF_ONLY_GET),
    "meetings.export": ("GET", "/meetings/{meeting}/export.csv", STAFF_ONLY_GET),
    "meetings.rates": ("GET", "/meetings/rates", STAFF_ONLY_GET),
    "meetings.rates_export": ("GET", "/meetings/rates/export.xlsx", STAFF_ONLY_GET),
    "meetings.kinds": ("GET", "/meetings/kinds", ADMIN_ONLY_GET),
    "meetings.kind_edit": ("GET", "/meetings/kinds/{kind}/edit", ADMIN_ONLY_GET),
}


def make_objects(app, world) -> dict:
    """An open voter meeting happening now (for the next hour), every active deputy on its roster."""
    from portal.meetings.services import (
        MeetingFields,
        create_meeting,
        ensure_default_meeting_kinds,
        meeting_kinds,
    )
    from portal.opinions.services import ensure_default_categories

    with app.app_context():
        ensure_default_meeting_kinds()
        ensure_default_categories()
        kind = next(k for k in meeting_kinds() if k.voter_log)
        now = utcnow()
        meeting = create_meeting(db.session.get(User, world["staff"].id),
                                 MeetingFields(kind, "选民见面会", now - timedelta(minutes=5), now + timedelta(hours=1)))
        db.session.commit()
        return {"meeting": meeting.id, "kind": kind.id}


def moment_objects(app, world) -> dict:
    """The meeting's check-in code of this moment (it rotates)."""
    from portal.meetings.models import Meeting
    from portal.meetings.checkin import checkin_token

    with app.app_context():
        return {"token": checkin_token(db.session.get(Meeting, world["meeting"]))}
