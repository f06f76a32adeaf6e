"""The tablet at the door and the phone in the deputy's hand, in real Chromium."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.extensions import db
from portal.meetings.checkin import checkin_token
from portal.meetings.services import MeetingFields, create_meeting, ensure_default_meeting_kinds, meeting_kinds
from portal.models import Level, Role, utcnow

from .conftest import open_as, PHONE, TABLET

PASSWORD = "browser-pass-1"
# Every wait is for a condition (a card's state, a tally): on a loaded machine it may take a while, never forever.


@pytest.fixture
def meeting(live_app):
    """Three deputies, two staff, and a work meeting running now with all three expected."""
    with live_app.app_context():
        community = create_community("气象街社区")
        ids = {}
        for username, name in [("xiahong", "夏虹"), ("wangjianguo", "王建国"), ("lixiuying", "李秀英")]:
            ids[username] = create_user(username, name, Role.DEPUTY, PASSWORD,
                                        DeputyFields(Level.DISTRICT, community, "", "")).id
        staff = create_user("staff1", "刘红", Role.STAFF, PASSWORD)
        create_user("staff2", "王芳", Role.STAFF, PASSWORD)
        ensure_default_meeting_kinds()
        now = utcnow()
        created = create_meeting(staff, MeetingFields(meeting_kinds()[0], "十一月工委工作会议", now - timedelta(minutes=20),
                                                      now + timedelta(hours=2)))
        db.session.commit()
        return {"id": created.id, "token": checkin_token(created), **ids}


def board(page_at, base, meeting, username="staff1"):
    page = page_at(TABLET)
    open_as(page, base, username, f"/meetings/{meeting['id']}/attendance")
    return page


def test_tap_changes_card_and_tally_without_reload_and_a_second_tablet_sees_it(live_server, meeting, page_at):
    first = board(page_at, live_server, meeting)
    second = board(page_at, live_server, meeting, "staff2")
    first.evaluate("window.__marker = true")
    card = first.locator(f"#card-{meeting['xiahong']}")
    assert card.locator(".card-status").inner_text() == "未签到"
    card.get_by_role("button", name="迟到").click()
    expect(card.locator(".card-status")).to_have_attribute("data-status", "late")
    expect(first.locator('[data-tally="late"]')).to_have_text("1")
    expect(first.locator('[data-tally="unmarked"]')).to_have_text("2")
    expect(first.locator('[data-tally="rate"]')).to_have_text("33.3%")
    assert first.evaluate("window.__marker") is True
    expect(card.get_by_role("button", name="迟到")).to_have_attribute("aria-pressed", "true")
    # The other tablet polls (every two seconds): the mark shows there, with the tally.
    expect(second.locator(f"#card-{meeting['xiahong']} .card-status")).to_have_attribute("data-status", "late")
    expect(second.locator('[data-tally="late"]')).to_have_text("1")
    assert first.console_errors == [] and second.console_errors == []


def test_leave_asks_a_reason_on_the_card(live_server, meeting, page_at):
    page = board(page_at, live_server, meeting)
    page.evaluate("window.__marker = true")
    card = page.locator(f"#card-{meeting['wangjianguo']}")
    card.locator("summary").click()
    card.get_by_role("button", name="确认请假").click()
    expect(card.get_by_text("请填写请假事由。")).to_be_visible()
    expect(page.locator('[data-tally="excused"]')).to_have_text("0")
    card.get_by_label("请假事由").fill("出差")
    card.get_by_role("button", name="确认请假").click()
    expect(card.locator(".card-status")).to_have_attribute("data-status", "excused")
    expect(card).to_contain_text("出差")
    expect(page.locator('[data-tally="excused"]')).to_have_text("1")
    assert page.evaluate("window.__marker") is True
    # Chromium logs the refused first attempt (422, swapped by htmx on purpose); nothing else, no CSP violation.
    assert [e for e in page.console_errors if "status of 422" not in e] == []


def test_search_filters_by_pinyin_initials_and_survives_the_poll(live_server, meeting, page_at):
    page = board(page_at, live_server, meeting)
    other = board(page_at, live_server, meeting, "staff2")
    page.get_by_placeholder("姓名或拼音首字母").fill("xh")
    expect(page.locator(f"#card-{meeting['xiahong']}")).to_be_visible()
    expect(page.locator(f"#card-{meeting['wangjianguo']}")).to_be_hidden()
    page.get_by_placeholder("姓名或拼音首字母").fill("wangj")
    expect(page.locator(f"#card-{meeting['wangjianguo']}")).to_be_visible()
    expect(page.locator(f"#card-{meeting['xiahong']}")).to_be_hidden()
    # A mark on the other tablet arrives by the poll; the filter still holds after the swap.
    other.locator(f"#card-{meeting['lixiuying']}").get_by_role("button", name="缺席").click()
    expect(page.locator('[data-tally="absent"]')).to_have_text("1")
    expect(page.locator(f"#card-{meeting['lixiuying']} .card-status")).to_have_attribute("data-status", "absent")
    assert page.locator(f"#card-{meeting['wangjianguo']}").is_visible()
    assert not page.locator(f"#card-{meeting['lixiuying']}").is_visible()
    assert page.console_errors == []


def test_deputy_checks_in_on_a_phone_through_the_qr_url(live_server, meeting, page_at):
    page = page_at(PHONE)
    url = f"{live_server}/meetings/{meeting['id']}/checkin/{meeting['token']}"
    page.goto(url)
    assert "/login" in page.url
    page.get_by_label("用户名").fill("xiahong")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/checkin/"))
    assert page.get_by_text("十一月工委工作会议").is_visible()
    page.get_by_role("button", name="确认签到").click()
    expect(page.get_by_role("heading", name="签到成功")).to_be_visible()
    expect(page.get_by_text("迟到")).to_be_visible()  # twenty minutes after the start
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
    staff = board(page_at, live_server, meeting)
    assert "迟到" in staff.locator(f"#card-{meeting['xiahong']} .card-status").inner_text()
    assert "扫码" in staff.locator(f"#card-{meeting['xiahong']} .card-status").inner_text()


def test_meeting_page_qr_renders_under_the_csp(live_server, meeting, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1", f"/meetings/{meeting['id']}")
    expect(page.locator(".qr svg")).to_be_visible()
    box = page.locator(".qr svg").bounding_box()
    assert box and box["width"] > 100
    assert page.console_errors == []
