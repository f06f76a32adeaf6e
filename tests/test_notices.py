"""A deputy's meeting notices, the calendar feed, the committee's name, large text."""
import re
from datetime import timedelta

import pytest

from icalendar import Calendar

from portal.extensions import db
from portal.meetings.models import MeetingRoster, Reply
from portal.meetings.services import (
    MeetingFields,
    create_meeting,
    meeting_kinds,
    set_roster,
)
from portal.models import Setting, User, utcnow
from portal.settings import COMMITTEE_NAME

from .test_meetings_views import world  # noqa: F401  (the same street: staff, admin, 夏虹 and 王建国 in one community)

pytestmark = pytest.mark.dates  # also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)

HX = {"HX-Request": "true"}


def new_meeting(app, world, start, title="工委工作会议", roster=("xia",)) -> int:
    with app.app_context():
        meeting = create_meeting(db.session.get(User, world["staff"].id),
                                 MeetingFields(meeting_kinds()[0], title, start, start + timedelta(hours=2), place="工委会议室"))
        set_roster(meeting, [world[key].id for key in roster])
        db.session.commit()
        return meeting.id


def place_of(app, meeting_id, user):
    with app.app_context():
        place = db.session.get(MeetingRoster, (meeting_id, user.id))
        return place.reply, place.reply_reason


def test_deputy_answers_attend_then_asks_for_leave_with_a_reason(app, client, login, world):
    meeting = new_meeting(app, world, utcnow() + timedelta(days=2))
    login(world["xia"])
    home = client.get("/me").get_data(as_text=True)
    assert "近期会议" in home and "工委工作会议" in home and "未回复" in home

    page = client.post(f"/meetings/{meeting}/reply", data={"reply": "attend"}, headers=HX)
    assert page.status_code == 200 and f'id="notice-{meeting}"' in page.get_data(as_text=True)
    assert place_of(app, meeting, world["xia"]) == (Reply.ATTEND, "")

    refused = client.post(f"/meetings/{meeting}/reply", data={"reply": "leave", "reason": "  "}, headers=HX)
    assert refused.status_code == 422 and "请填写请假事由" in refused.get_data(as_text=True)
    assert place_of(app, meeting, world["xia"]) == (Reply.ATTEND, "")

    plain = client.post(f"/meetings/{meeting}/reply", data={"reply": "leave", "reason": "外地出差"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/me#notice-{meeting}")
    assert place_of(app, meeting, world["xia"]) == (Reply.LEAVE, "外地出差")
    assert "事由：外地出差" in client.get("/me").get_data(as_text=True)


def test_no_answer_once_the_meeting_has_started(app, client, login, world):
    meeting = new_meeting(app, world, utcnow() - timedelta(minutes=5))
    login(world["xia"])
    home = client.get("/me").get_data(as_text=True)
    # A meeting under way is one line with a link on the home page, not a card that can no longer be answered.
    assert f'id="notice-{meeting}"' not in home and "会议已开始，不能再回复" not in home
    assert re.search(rf'<li><span class="badge">进行中</span> <a href="/meetings/{meeting}">', home)
    assert "会议已开始，不能再回复" in client.get("/meetings/").get_data(as_text=True)
    response = client.post(f"/meetings/{meeting}/reply", data={"reply": "leave", "reason": "生病"}, headers=HX)
    assert response.status_code == 422 and "会议已开始" in response.get_data(as_text=True)
    assert place_of(app, meeting, world["xia"]) == (None, "")


def test_a_deputy_cannot_answer_for_a_meeting_they_are_not_on(app, client, login, world):
    meeting = new_meeting(app, world, utcnow() + timedelta(days=1), roster=("xia",))
    login(world["wang"])
    assert client.post(f"/meetings/{meeting}/reply", data={"reply": "attend"}).status_code == 404
    assert "工委工作会议" not in client.get("/me").get_data(as_text=True)


def test_calendar_feed_parses_and_a_renewed_address_refuses_the_old_one(app, client, login, world):
    soon = new_meeting(app, world, utcnow() + timedelta(days=3), title="代表学习会")
    new_meeting(app, world, utcnow() + timedelta(days=4), title="别人的会", roster=("wang",))
    login(world["xia"])
    assert client.post(f"/meetings/{soon}/reply", data={"reply": "leave", "reason": "出差"}).status_code == 302
    client.post("/meetings/calendar")
    with app.app_context():
        first = db.session.get(User, world["xia"].id).calendar_token
    assert first and first in client.get("/meetings/").get_data(as_text=True)

    client.post("/logout")  # a phone's calendar fetches without a session
    feed = client.get(f"/meetings/calendar/{first}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = Calendar.from_ical(feed.data).walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in events] == ["代表学习会"]
    event = events[0]
    assert str(event["LOCATION"]) == "工委会议室"
    assert "我的回复：请假" in str(event["DESCRIPTION"])
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)

    login(world["xia"])
    client.post("/meetings/calendar")
    with app.app_context():
        second = db.session.get(User, world["xia"].id).calendar_token
    assert second != first
    assert client.get(f"/meetings/calendar/{first}.ics").status_code == 404
    assert client.get(f"/meetings/calendar/{second}.ics").status_code == 200
    assert client.get("/meetings/calendar/guess.ics").status_code == 404


def test_first_admin_login_asks_for_the_committee_name(app, client, world):
    response = client.post("/login", data={"username": world["admin"].username, "password": world["admin"].password})
    assert response.headers["Location"] == "/admin/settings"
    assert "仍显示占位名称" in client.get("/admin/settings").get_data(as_text=True)
    refused = client.post("/admin/settings", data={"name": "××街道人大工委"})
    assert "请填写工委的正式名称" in refused.get_data(as_text=True)
    assert client.post("/admin/settings", data={"name": " 气象街道人大工委 "}).status_code == 302
    with app.app_context():
        assert db.session.get(Setting, COMMITTEE_NAME).value == "气象街道人大工委"
    assert "气象街道人大工委" in client.get("/admin/").get_data(as_text=True)
    client.post("/logout")
    again = client.post("/login", data={"username": world["admin"].username, "password": world["admin"].password})
    assert again.headers["Location"] == "/admin/"


def test_large_text_is_remembered_on_the_account(app, client, login, world):
    login(world["xia"])
    assert 'class="large-text"' not in client.get("/me").get_data(as_text=True)
    assert client.post("/account/text-size", data={"size": "large", "next": "/me"}).headers["Location"] == "/me"
    client.post("/logout")
    client.post("/login", data={"username": world["xia"].username, "password": world["xia"].password})
    assert '<html lang="zh-CN" class="large-text">' in client.get("/me").get_data(as_text=True)
    client.post("/account/text-size", data={"size": "standard"})
    with app.app_context():
        assert db.session.get(User, world["xia"].id).large_text is False
