"""The status wall: the period's figures, the running meeting's live tally, a poll that answers 204 while nothing changed."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.extensions import db
from portal.meetings.models import AttendanceStatus, Meeting
from portal.meetings.marks import mark_attendance
from portal.meetings.services import (
    MeetingFields,
    create_meeting,
    ensure_default_meeting_kinds,
    meeting_kinds,
    set_roster,
)
from portal.models import Role, User, utcnow

from .conftest import shared_world

pytestmark = pytest.mark.dates  # also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)

HX = {"HX-Request": "true"}


def build_world(app, make_user, make_community):
    """Two deputies rostered for a meeting running now."""
    community = make_community("气象街社区")
    staff = make_user(Role.STAFF)
    xia, wang = make_user(Role.DEPUTY, community_id=community), make_user(Role.DEPUTY, community_id=community)
    with app.app_context():
        ensure_default_meeting_kinds()
        start = utcnow() - timedelta(minutes=5)
        meeting = create_meeting(db.session.get(User, staff.id),
                                 MeetingFields(meeting_kinds()[0], "十一月工委工作会议", start, start + timedelta(hours=2)))
        set_roster(meeting, [xia.id, wang.id])
        db.session.commit()
        return {"staff": staff, "xia": xia, "meeting": meeting.id}


world = shared_world(build_world)


def version(page: str) -> str:
    return re.search(r'hx-get="/wall\?v=([0-9a-f]+)', page).group(1)


def test_the_wall_shows_the_live_tally_and_polls_cheaply(app, client, login, world):
    login(world["staff"])
    page = client.get("/wall").get_data(as_text=True)
    assert "十一月工委工作会议" in page and 'data-wall="attended">0/2<' in page
    assert "/static/js/wall.js" in page and "<script>" not in page and "style=" not in page
    assert 'hx-trigger="every 20s"' in page
    v = version(page)
    unchanged = client.get(f"/wall?v={v}", headers=HX)
    assert unchanged.status_code == 204 and unchanged.get_data() == b""
    with app.app_context():
        mark_attendance(db.session.get(User, world["staff"].id), db.session.get(Meeting, world["meeting"]), world["xia"].id,
                        AttendanceStatus.PRESENT)
        db.session.commit()
    changed = client.get(f"/wall?v={v}", headers=HX)
    body = changed.get_data(as_text=True)
    assert changed.status_code == 200 and 'data-wall="attended">1/2<' in body and body.lstrip().startswith("{#") is False
    assert version(body) != v and "<html" not in body


def test_the_wall_is_for_staff(client, login, world, make_user):
    login(make_user(Role.DEPUTY))
    assert client.get("/wall").status_code == 403


def start_another(app, world, title: str) -> int:
    with app.app_context():
        start = utcnow() - timedelta(minutes=1)
        meeting = create_meeting(db.session.get(User, world["staff"].id),
                                 MeetingFields(meeting_kinds()[0], title, start, start + timedelta(hours=1)))
        set_roster(meeting, [world["xia"].id])
        db.session.commit()
        return meeting.id


def statements(app, client, url: str, headers=None) -> tuple[int, int]:
    """(status, statements sent to the database) of one GET."""
    count = [0]

    def listener(*_args, **_kwargs):
        count[0] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        status = client.get(url, headers=headers).status_code
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return status, count[0]


def test_every_running_meeting_is_on_the_wall_and_the_poll_costs_the_same(app, client, login, world):
    login(world["staff"])
    client.get("/wall")  # the figures' cache and the session are warm
    page = client.get("/wall").get_data(as_text=True)
    v = version(page)
    _, one = statements(app, client, f"/wall?v={v}", HX)
    second = start_another(app, world, "测试会议")
    page = client.get("/wall").get_data(as_text=True)
    assert page.index("十一月工委工作会议") < page.index("测试会议")  # the longest running first
    assert f'id="wall-meeting-{world["meeting"]}"' in page and f'id="wall-meeting-{second}"' in page
    assert 'data-wall="attended">0/2<' in page and 'data-wall="attended">0/1<' in page
    assert version(page) != v
    for n in range(2):
        start_another(app, world, f"小组会{n}")
    page = client.get("/wall").get_data(as_text=True)
    assert page.count('class="wall-meeting"') == 3 and "另有 1 个正在召开的会议未在此显示" in page
    status, four = statements(app, client, f"/wall?v={version(page)}", HX)
    assert status == 204 and four == one  # one query for the meetings, one for all their tallies
