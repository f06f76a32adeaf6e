"""The status wall on a meeting room's 1920 × 1080 screen: every meeting running now, figures and labels read from the back."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.meetings.services import MeetingFields, create_meeting, meeting_kinds, set_roster
from portal.models import Role, User, utcnow

from .conftest import open_as

ROOM = {"width": 1920, "height": 1080}

# For each tile: its figure's and its label's font size, and whether the figure fits inside the tile.
TILES = """() => [...document.querySelectorAll('#wall-figures .tile')].map(tile => {
  const [figure, label] = tile.children, box = tile.getBoundingClientRect(), f = figure.getBoundingClientRect();
  return {figure: parseFloat(getComputedStyle(figure).fontSize), label: parseFloat(getComputedStyle(label).fontSize),
          inside: f.left >= box.left - 1 && f.right <= box.right + 1 && f.top >= box.top - 1 && f.bottom <= box.bottom + 1,
          meeting: !!tile.closest('.wall-meeting'), bottom: box.bottom};
})"""


def start_meeting(app, title: str, deputies: int) -> int:
    """A meeting that started three minutes ago with the first `deputies` deputies rostered."""
    with app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "staff1"))
        roster = db.session.scalars(select(User.id).where(User.role == Role.DEPUTY).order_by(User.id).limit(deputies)).all()
        start = utcnow() - timedelta(minutes=3)
        meeting = create_meeting(staff, MeetingFields(meeting_kinds()[0], title, start, start + timedelta(hours=2)))
        set_roster(meeting, list(roster))
        db.session.commit()
        return meeting.id


@pytest.mark.parametrize("extra", [0, 1], ids=["one-meeting", "two-meetings"])
def test_the_wall_shows_every_running_meeting_large_enough_for_a_room(live_server, live_app, demo, page_at, extra):
    if extra:
        start_meeting(live_app, "测试会议（请忽略）", 29)
    page = page_at(ROOM)
    open_as(page, live_server, "staff1")
    page.wait_for_url(re.compile(r"/staff$"))
    page.goto(live_server + "/wall")
    meetings = page.locator(".wall-meeting")
    expect(meetings).to_have_count(1 + extra)
    expect(meetings.first).to_contain_text("本月工委工作会议（今日）")  # the main meeting stays, the longest running first
    expect(meetings.first.locator("[data-wall=attended]")).to_have_text(re.compile(r"^\d+/30$"))
    if extra:
        expect(meetings.nth(1)).to_contain_text("测试会议（请忽略）")
        expect(meetings.nth(1).locator("[data-wall=attended]")).to_have_text("0/29")

    assert page.evaluate("document.documentElement.scrollHeight") <= ROOM["height"]  # one screen, no scrolling
    tiles = page.evaluate(TILES)
    assert len(tiles) == 8 + 4 * (1 + extra)
    assert all(t["inside"] for t in tiles), tiles
    committee = [t for t in tiles if not t["meeting"]]
    assert min(t["label"] for t in tiles) >= 28, tiles  # labels were 16 px
    assert min(t["figure"] for t in committee) >= (80 if extra else 100), committee
    assert min(t["figure"] for t in tiles if t["meeting"]) >= 60
    assert max(t["bottom"] for t in tiles) >= 0.9 * ROOM["height"]  # the figures fill the screen (40 % stayed empty)
    assert page.console_errors == []


def test_meetings_beyond_the_walls_rows_are_counted(live_server, live_app, demo, page_at):
    for n in range(3):
        start_meeting(live_app, f"代表小组学习会第{n + 1}组", 8)
    page = page_at(ROOM)
    open_as(page, live_server, "staff1", "/wall")
    expect(page.locator(".wall-meeting")).to_have_count(3)
    expect(page.locator(".wall-left-off")).to_have_text("另有 1 个正在召开的会议未在此显示")
    assert page.evaluate("document.documentElement.scrollHeight") <= ROOM["height"]
    tiles = page.evaluate(TILES)
    assert all(t["inside"] for t in tiles) and min(t["label"] for t in tiles) >= 20, tiles
