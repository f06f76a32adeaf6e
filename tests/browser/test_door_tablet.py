"""The door tablet through Wi-Fi dropouts, in real Chromium: offline taps queued and shown pending,
a reload offline, the queue sent once, a lost answer replayed, a refused tap, and the screen at 1024×768."""
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.extensions import db
from portal.meetings.models import Attendance, AttendanceChange, AttendanceStatus, Meeting
from portal.meetings.services import (
    MeetingFields,
    close_meeting,
    create_meeting,
    meeting_kinds,
)
from portal.models import User, utcnow

from ..conftest import shared_world
from .conftest import open_as
from .door import door_street

# Every wait is for a condition (a card's state, a network answer): on a loaded machine it may take a while, never forever.
DOOR = {"width": 1024, "height": 768}


def build_meeting(app, _make_user, _make_community):
    """Thirty deputies, two staff, and a work meeting running now with all of them expected."""
    with app.app_context():
        staff, ids = door_street()
        now = utcnow()
        created = create_meeting(staff, MeetingFields(meeting_kinds()[0], "十一月工委工作会议", now - timedelta(minutes=20),
                                                      now + timedelta(hours=2)))
        db.session.commit()
        return {"id": created.id, "deputies": ids}


meeting = shared_world(build_meeting)


def tablet(page_at, base, meeting, username="staff1", **options):
    page = page_at(DOOR, **options)
    open_as(page, base, username, f"/meetings/{meeting['id']}/attendance")
    return page


def offline_ready(page):
    """Wait until the service worker controls the page and today's copy of the screen is stored."""
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")


def marks(live_app, meeting_id):
    with live_app.app_context():
        rows = db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)).all()
        changes = db.session.scalars(select(AttendanceChange).where(AttendanceChange.meeting_id == meeting_id)).all()
        return {r.deputy_id: r.status for r in rows}, changes


def test_offline_taps_are_pending_survive_a_reload_and_are_sent_once_and_seen_by_the_other_tablet(
        live_server, live_app, meeting, page_at):
    first = tablet(page_at, live_server, meeting)
    second = tablet(page_at, live_server, meeting, "staff2")
    offline_ready(first)
    xia, wang = meeting["deputies"][0], meeting["deputies"][1]
    first.context.set_offline(True)
    first.locator(f"#card-{xia}").get_by_role("button", name="出席").click()
    first.locator(f"#card-{wang}").get_by_role("button", name="缺席").click()
    for deputy, word in [(xia, "出席"), (wang, "缺席")]:
        status = first.locator(f"#card-{deputy} .card-status")
        expect(status).to_have_text(f"待同步 · {word}")
        expect(status).to_have_attribute("data-status", "pending")
    expect(first.get_by_text("离线：2 位代表的考勤待同步", exact=False)).to_be_visible()
    assert marks(live_app, meeting["id"])[0] == {}

    # Leaving is not blocked (the queue is kept); the reload goes ahead and, offline, the service worker's copy comes back.
    dialogs = []
    first.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    first.reload()
    assert dialogs == []
    expect(first.locator(f"#card-{xia} .card-status")).to_have_text("待同步 · 出席")
    expect(first.locator(f"#card-{wang} .card-status")).to_have_text("待同步 · 缺席")
    expect(first.locator(".attendance-card")).to_have_count(30)
    expect(first.get_by_text("离线：2 位代表的考勤待同步", exact=False)).to_be_visible()
    assert marks(live_app, meeting["id"])[0] == {}

    first.context.set_offline(False)
    expect(first.locator(f"#card-{xia} .card-status")).to_have_attribute("data-status", "present")
    expect(first.locator(f"#card-{wang} .card-status")).to_have_attribute("data-status", "absent")
    expect(first.get_by_text("已全部同步")).to_be_visible()
    expect(first.locator('[data-tally="present"]')).to_have_text("1")
    # The other tablet's poll (every two seconds) brings both, and its tally.
    expect(second.locator(f"#card-{xia} .card-status")).to_have_attribute("data-status", "present")
    expect(second.locator(f"#card-{wang} .card-status")).to_have_attribute("data-status", "absent")
    expect(second.locator('[data-tally="present"]')).to_have_text("1")
    current, changes = marks(live_app, meeting["id"])
    assert current == {xia: AttendanceStatus.PRESENT, wang: AttendanceStatus.ABSENT}
    assert len(changes) == 2 and all(c.tap_id for c in changes)
    assert first.evaluate("Object.keys(localStorage).filter(key => key.startsWith('portal.attendance.')).length") == 0


def test_a_tap_whose_answer_was_lost_is_sent_again_and_changes_nothing_the_second_time(
        live_server, live_app, meeting, page_at):
    page = tablet(page_at, live_server, meeting, service_workers="block")  # Playwright routes only without a worker
    deputy = meeting["deputies"][2]
    answers = []

    def lose_first_answer(route):
        response = route.fetch()  # the server records the tap …
        if not answers:
            answers.append(response.status)
            route.abort()  # … but the tablet never hears back
        else:
            answers.append(response.status)
            route.fulfill(response=response)

    page.route(f"**/attendance/{deputy}", lose_first_answer)
    page.locator(f"#card-{deputy}").get_by_role("button", name="迟到").click()
    expect(page.locator(f"#card-{deputy} .card-status")).to_have_attribute("data-status", "late")
    assert answers == [200, 200]
    current, changes = marks(live_app, meeting["id"])
    assert current == {deputy: AttendanceStatus.LATE}
    assert len(changes) == 1  # the replayed id added nothing


def test_a_queued_tap_the_server_refuses_comes_back_to_its_card_with_the_reason(live_server, live_app, meeting, page_at):
    page = tablet(page_at, live_server, meeting)
    deputy = meeting["deputies"][3]
    page.context.set_offline(True)
    page.locator(f"#card-{deputy}").get_by_role("button", name="出席").click()
    expect(page.locator(f"#card-{deputy} .card-status")).to_contain_text("待同步")
    with live_app.app_context():  # meanwhile the meeting is closed at the office
        close_meeting(db.session.scalar(select(User).where(User.username == "staff2")), db.session.get(Meeting, meeting["id"]))
        db.session.commit()
    tap = f"/meetings/{meeting['id']}/attendance/{deputy}"
    with page.expect_response(lambda response: response.url.endswith(tap) and response.request.method == "POST") as answer:
        page.context.set_offline(False)  # back online, the queue is sent at once
    assert answer.value.status == 422
    refusal = page.locator(f"#card-{deputy} .card-refusal")
    expect(refusal).to_contain_text("名单和考勤不能再修改")
    expect(page.locator(f"#card-{deputy} .card-status")).to_have_attribute("data-status", "unmarked")
    expect(page.locator(f"#card-{deputy} button")).to_have_count(0)  # closed: no more buttons
    assert marks(live_app, meeting["id"])[0] == {}
    expect(page.get_by_text("已全部同步")).to_be_visible()
    # The poll brings the closed board (the notice shows); the reason stays on its card until the next tap.
    expect(page.locator("#closed-notice")).to_be_visible()
    expect(refusal).to_contain_text("名单和考勤不能再修改")


def test_the_first_screen_at_1024x768_shows_the_tally_in_one_row_and_eight_cards(live_server, meeting, page_at):
    page = tablet(page_at, live_server, meeting)
    assert not page.locator(".site-header").is_visible()  # folded into the menu
    tiles = page.locator(".tally .tile")
    boxes = [tiles.nth(i).bounding_box() for i in range(tiles.count())]
    assert len(boxes) == 8 and len({round(box["y"]) for box in boxes}) == 1
    assert all(box["y"] + box["height"] <= 768 for box in boxes)
    whole = page.evaluate("""() => [...document.querySelectorAll('.attendance-card')].filter(card => {
        const box = card.getBoundingClientRect(); return box.top >= 0 && box.bottom <= innerHeight; }).length""")
    assert whole >= 8
    heights = page.evaluate("[...document.querySelectorAll('.status-button')].map(b => b.getBoundingClientRect().height)")
    assert min(heights) >= 48
    colours = page.evaluate("""() => ['present', 'late', 'left_early', 'absent'].map(s =>
        getComputedStyle(document.querySelector('.status-button.mark-' + s)).borderTopColor)""")
    assert len(set(colours)) == 4
    # Scrolled down, the tally stays at the top.
    page.evaluate("window.scrollTo(0, 1500)")
    assert page.evaluate("window.scrollY") > 500
    assert 0 <= page.locator(".tally").bounding_box()["y"] < 100
    assert page.console_errors == []


def test_focus_returns_to_the_marked_card_and_a_skip_link_leads_to_the_search(live_server, meeting, page_at):
    page = tablet(page_at, live_server, meeting)
    deputy = meeting["deputies"][4]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "跳到搜索框"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "card-search"
    page.locator(f"#card-{deputy}").get_by_role("button", name="早退").click()
    expect(page.locator(f"#card-{deputy} .card-status")).to_have_attribute("data-status", "left_early")
    assert page.evaluate("document.activeElement.closest('.attendance-card')?.id") == f"card-{deputy}"
    assert page.evaluate("document.activeElement.getAttribute('aria-pressed')") == "true"
    # The leave form: a missing reason is said at its field, and nothing is queued.
    card = page.locator(f"#card-{meeting['deputies'][5]}")
    card.locator("summary").click()
    card.get_by_role("button", name="确认请假").click()
    reason = card.get_by_label("请假事由")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(card.locator(f"#{reason.get_attribute('aria-describedby')}")).to_have_text("请填写请假事由。")
    assert page.evaluate("Object.keys(localStorage).filter(key => key.startsWith('portal.attendance.')).length") == 0
    reason.fill("出差")
    card.get_by_role("button", name="确认请假").click()
    expect(card.locator(".card-status")).to_have_attribute("data-status", "excused")
    assert page.evaluate("document.activeElement.closest('.attendance-card')?.id") == f"card-{meeting['deputies'][5]}"
    assert page.console_errors == []


def test_the_service_worker_keeps_one_days_copy_and_drops_the_others(live_server, meeting, page_at):
    page = tablet(page_at, live_server, meeting)
    offline_ready(page)
    page.evaluate("caches.open('attendance-day-2000-1-1')")  # a copy left from a day long gone
    assert "attendance-day-2000-1-1" in page.evaluate("caches.keys()")
    page.reload()
    offline_ready(page)  # the screen asked the worker again, which pruned before storing today's copy
    names = page.evaluate("caches.keys()")
    assert len(names) == 1 and names[0].startswith("attendance-day-") and names[0] != "attendance-day-2000-1-1"
    today = page.evaluate("(() => { const d = new Date(); return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`; })()")
    assert names == [f"attendance-day-{today}"]
    assert page.evaluate(f"caches.open('{names[0]}').then(c => c.match('/meetings/{meeting['id']}/attendance')).then(r => !!r)")
