"""The door screen's server side: one meeting status on the portal's clock, the meeting's day, and logout's Clear-Site-Data."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.clock import local_day_start, local_today
from portal.meetings.models import Meeting, MeetingStatus
from portal.meetings.services import MeetingFields, close_meeting, create_meeting, ensure_default_meeting_kinds, meeting_kinds
from portal.models import Role, User, utcnow


def make_meeting(db, start, hours=2, closed=False) -> Meeting:
    ensure_default_meeting_kinds()
    staff = db.session.scalar(select(User).where(User.role == Role.STAFF))
    meeting = create_meeting(staff, MeetingFields(meeting_kinds()[0], "工委工作会议", start, start + timedelta(hours=hours)))
    if closed:
        close_meeting(staff, meeting)
    db.session.flush()
    return meeting


@pytest.mark.dates
def test_a_meeting_is_not_started_under_way_ended_or_closed_by_the_portals_clock(app, db, make_user):
    make_user(Role.STAFF)
    now = utcnow()
    meeting = make_meeting(db, now + timedelta(hours=1))
    assert meeting.status_at(now) is MeetingStatus.UPCOMING
    assert meeting.status_at(meeting.starts_at) is MeetingStatus.RUNNING
    assert meeting.status_at(meeting.ends_at) is MeetingStatus.RUNNING
    assert meeting.status_at(meeting.ends_at + timedelta(seconds=1)) is MeetingStatus.ENDED
    assert meeting.status is MeetingStatus.UPCOMING and meeting.status.label == "未开始"
    assert make_meeting(db, now - timedelta(days=1), closed=True).status is MeetingStatus.CLOSED


@pytest.mark.dates
def test_before_its_day_goes_by_the_portals_day_not_the_machines(app, db, make_user):
    make_user(Role.STAFF)
    today = local_today()
    tomorrow_early = make_meeting(db, local_day_start(today + timedelta(days=1)) + timedelta(minutes=30))
    later_today = make_meeting(db, local_day_start(today) + timedelta(hours=23, minutes=50))
    assert tomorrow_early.before_its_day and tomorrow_early.day == today + timedelta(days=1)
    assert tomorrow_early.day_starts_at == local_day_start(today + timedelta(days=1))
    assert not later_today.before_its_day  # today's: no question asked


def test_the_meetings_list_shows_the_status_in_chinese(app, client, login, make_user):
    staff = make_user(Role.STAFF)
    with app.app_context():
        from portal.extensions import db

        make_meeting(db, utcnow() + timedelta(days=7))
        make_meeting(db, utcnow() - timedelta(minutes=5))
        make_meeting(db, utcnow() - timedelta(days=2))
        db.session.commit()
    login(staff)
    page = client.get("/meetings/").get_data(as_text=True)
    assert page.count(">未开始<") == 1 and page.count(">进行中<") == 1 and page.count(">已结束<") == 1


def test_logout_clears_the_http_cache_and_nothing_else(client, login, make_user):
    login(make_user(Role.STAFF))
    response = client.post("/logout")
    assert response.status_code == 302
    # Not "storage" (the door tablet's queued taps stay, bound to who tapped) and not "cookies" (a device's own).
    assert response.headers["Clear-Site-Data"] == '"cache"'
