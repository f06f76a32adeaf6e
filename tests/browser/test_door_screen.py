"""The door screen as an outside test saw it (issues 22 and 23), at the sizes where it was seen: 1024×768
landscape and 768×1024 portrait tablets."""
import os
from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from portal.clock import local_day_start, local_today
from portal.extensions import db
from portal.meetings.models import AttendanceChange
from portal.meetings.services import MeetingFields, close_meeting, create_meeting, meeting_kinds
from portal.models import User, utcnow

from ..conftest import shared_world
from .conftest import log_in, open_as
from .door import PASSWORD, door_street

LANDSCAPE = {"width": 1024, "height": 768}
PORTRAIT = {"width": 768, "height": 1024}
TITLE = "二〇二六年十二月街道人大工委全体代表工作会议暨代表建议办理情况通报会"


def build_street(app, _make_user, _make_community):
    """Thirty deputies, two staff, a long-titled work meeting running now and one next week, all expected."""
    with app.app_context():
        staff, ids = door_street()
        now = utcnow()
        kind = meeting_kinds()[0]
        running = create_meeting(staff, MeetingFields(kind, TITLE, now - timedelta(minutes=20), now + timedelta(hours=2),
                                                      place="街道办事处三楼会议室"))
        week = local_day_start(local_today() + timedelta(days=7)) + timedelta(hours=9)  # 09:00 Beijing, a week on
        later = create_meeting(staff, MeetingFields(kind, "下周代表小组活动", week, week + timedelta(hours=2)))
        db.session.commit()
        return {"id": running.id, "later": later.id, "deputies": ids}


street = shared_world(build_street)


def door(page_at, base, meeting_id, viewport=LANDSCAPE, username="staff1", **options):
    page = page_at(viewport, **options)
    open_as(page, base, username, f"/meetings/{meeting_id}/attendance")
    expect(page.locator(".attendance-card .status-button").first).to_be_visible()
    return page


# The cumulative layout shift of the page so far, as Lighthouse counts it (shifts without a recent input).
CLS_OBSERVER = """
window.__cls = 0;
new PerformanceObserver(list => { for (const shift of list.getEntries()) if (!shift.hadRecentInput) window.__cls += shift.value; })
  .observe({ type: "layout-shift", buffered: true });
"""


def changes(live_app, meeting_id):
    with live_app.app_context():
        rows = db.session.scalars(select(AttendanceChange).where(AttendanceChange.meeting_id == meeting_id)).all()
        return [(row.deputy_id, row.new_status.value, row.changed_by.username) for row in rows]


def card(page, deputy_id):
    return page.locator(f"#card-{deputy_id}")


def test_the_screen_fits_a_tablet_either_way_round(live_server, street, page_at):
    """At 1024×768 and turned to 768×1024 (laid out again, as a tablet turned does): the tally row inside the screen,
    each card's buttons in one row and each word on one line; in portrait the meeting line ends in an ellipsis."""
    page = door(page_at, live_server, street["id"], LANDSCAPE)
    for viewport in (LANDSCAPE, PORTRAIT):
        page.set_viewport_size(viewport)
        tiles = page.evaluate("""() => [...document.querySelectorAll('.tally .tile')].map(tile => {
            const box = tile.getBoundingClientRect();
            return { right: box.right, top: Math.round(box.top), clipped: tile.scrollWidth > tile.clientWidth }; })""")
        assert len(tiles) == 8
        assert all(tile["right"] <= viewport["width"] and not tile["clipped"] for tile in tiles), (viewport, tiles)
        rows = len({tile["top"] for tile in tiles})
        assert rows == (1 if viewport == LANDSCAPE else 2), viewport
        expect(page.locator('[data-tally="rate"]')).to_have_text("0.0%")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        if os.environ.get("DOOR_SCREENSHOTS"):  # a folder: the screen at this size, to look at
            page.screenshot(path=os.path.join(os.environ["DOOR_SCREENSHOTS"], f"door-{viewport['width']}x{viewport['height']}.png"))

        rows = page.evaluate("""() => [...document.querySelectorAll('.attendance-card')].map(card => {
            const buttons = [...card.querySelectorAll('.status-button')];
            const lineHeight = parseFloat(getComputedStyle(buttons[0]).lineHeight);
            return {
              tops: new Set(buttons.map(b => Math.round(b.getBoundingClientRect().top))).size,
              oneLine: buttons.every(b => b.scrollWidth <= b.clientWidth && b.getBoundingClientRect().height < 2 * lineHeight + 12),
              count: buttons.length };
            })""")
        assert rows and all(row == {"tops": 1, "oneLine": True, "count": 5} for row in rows), (viewport, rows[:3])
        leave = card(page, street["deputies"][0]).locator(".leave summary")
        expect(leave).to_have_text("请假…")
        assert leave.bounding_box()["height"] < 60

    # A card's shadow is one small blur and a hairline: a tablet paints hundreds of them in software (Pico's has seven
    # blurred layers up to 6rem wide).
    shadow = page.locator(".attendance-card").first.evaluate("card => getComputedStyle(card).boxShadow")
    assert shadow.count("rgba(") == 2, shadow

    title = page.locator(".door-title")  # portrait now
    link = title.locator("a")
    menu = page.locator(".door-menu > summary").bounding_box()
    assert title.bounding_box()["x"] + title.bounding_box()["width"] <= menu["x"]
    assert page.evaluate("""() => { const a = document.querySelector('.door-title a');
        return a.scrollWidth > a.clientWidth && getComputedStyle(a).textOverflow === 'ellipsis'; }""")
    assert TITLE in title.get_attribute("title")  # the whole line, for a long press or a mouse
    expect(title.locator(".meeting-status")).to_have_text("进行中")
    expect(title.locator(".meeting-status")).to_be_visible()
    assert link.bounding_box()["width"] > 200


def test_the_screen_does_not_move_while_it_loads(live_server, street, page_at):
    page = page_at(LANDSCAPE, service_workers="block")  # routes need no worker (and with a route, no HTTP cache)
    open_as(page, live_server, "staff1")
    page.add_init_script(CLS_OBSERVER)
    # A slow tablet on weak Wi-Fi: the cards are painted before the screen's script has arrived and run.
    held = []
    page.route("**/js/attendance.js*", lambda route: held.append(route))
    for viewport in (LANDSCAPE, PORTRAIT):
        page.set_viewport_size(viewport)
        held.clear()
        page.goto(f"{live_server}/meetings/{street['id']}/attendance", wait_until="commit")
        expect(page.locator(".attendance-card").first).to_be_visible()
        page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # painted
        assert page.locator(".status-button").count() == 0
        before = page.locator(".attendance-card").nth(7).bounding_box()
        held[0].continue_()
        expect(page.locator(".attendance-card .status-button").first).to_be_visible()
        expect(page.locator(".card-actions-slot")).to_have_count(0)  # every slot has its buttons
        assert page.locator(".attendance-card").nth(7).bounding_box() == before, viewport  # a finger lands where it aimed
        cls = page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(window.__cls))))")
        assert cls < 0.05, (viewport, cls)  # 0 with the slots; 0.21 at 1024×768 without them


def test_the_meetings_list_says_not_started_under_way_ended_and_closed(live_server, live_app, street, page_at):
    with live_app.app_context():
        staff = db.session.scalar(select(User).where(User.username == "staff1"))
        now = utcnow()
        kind = meeting_kinds()[0]
        create_meeting(staff, MeetingFields(kind, "上周的会议", now - timedelta(days=7), now - timedelta(days=7, hours=-2)))
        closed = create_meeting(staff, MeetingFields(kind, "关闭了的会议", now - timedelta(days=8), now - timedelta(days=8, hours=-2)))
        close_meeting(staff, closed)
        db.session.commit()
    page = page_at(LANDSCAPE)
    open_as(page, live_server, "staff1", "/meetings/")
    for title, status in [(TITLE, "进行中"), ("下周代表小组活动", "未开始"), ("上周的会议", "已结束"), ("关闭了的会议", "已关闭")]:
        expect(page.get_by_role("row").filter(has_text=title).locator(".meeting-status")).to_have_text(status)
    page.get_by_role("link", name="下周代表小组活动").click()
    expect(page.locator("h1 .meeting-status")).to_have_text("未开始")
    assert page.console_errors == []


def test_marking_before_the_meetings_day_asks_once_and_the_next_morning_it_does_not(live_server, live_app, street, page_at):
    page = door(page_at, live_server, street["later"], LANDSCAPE)
    expect(page.locator("#early-notice")).to_contain_text("不是今天")
    expect(page.locator(".door-title .meeting-status")).to_have_text("未开始")
    first, second, third = street["deputies"][:3]
    dialog = page.locator("#early-confirm")
    card(page, first).get_by_role("button", name="出席").click()
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("下周代表小组活动")
    dialog.get_by_role("button", name="取消").click()
    expect(dialog).to_be_hidden()
    assert page.evaluate("Object.keys(localStorage)") == ["portal.user"]  # the portal's note of who is logged in, no tap
    card(page, first).get_by_role("button", name="出席").click()
    dialog.get_by_role("button", name="现在登记").click()
    expect(card(page, first).locator(".card-status")).to_have_attribute("data-status", "present")
    card(page, second).get_by_role("button", name="缺席").click()  # confirmed once for this screen
    expect(card(page, second).locator(".card-status")).to_have_attribute("data-status", "absent")
    assert sorted(changes(live_app, street["later"])) == sorted([(first, "present", "staff1"), (second, "absent", "staff1")])

    # A tablet set up the evening before: the next morning, by its clock, a tap is taken without a question.
    morning = page_at(LANDSCAPE)
    open_as(morning, live_server, "staff1", f"/meetings/{street['later']}/attendance")
    day_starts = int(morning.locator(".attendance-board").get_attribute("data-day-starts"))
    morning.clock.install(time=day_starts / 1000 + 8 * 3600)  # 08:00 on the meeting's day, before it starts
    morning.reload()
    card(morning, third).get_by_role("button", name="迟到").click()
    expect(card(morning, third).locator(".card-status")).to_have_attribute("data-status", "late")
    expect(morning.locator("#early-confirm")).to_be_hidden()


def test_the_banner_counts_deputies_and_leaving_is_not_blocked_the_queue_is_kept(live_server, live_app, street, page_at):
    page = door(page_at, live_server, street["id"], PORTRAIT)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
    deputies = street["deputies"][:4]
    page.context.set_offline(True)
    for deputy, word in zip(deputies + deputies[:1], ["出席", "迟到", "出席", "缺席", "迟到"]):
        card(page, deputy).get_by_role("button", name=word).click()
    banner = page.locator("#queue-banner")
    expect(banner).to_contain_text("离线：4 位代表的考勤待同步")
    expect(banner).to_contain_text("离开或刷新页面不会丢失")
    expect(page.locator(".attendance-card.is-pending")).to_have_count(4)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.reload()  # offline: the service worker's copy, and the queue from the tablet's storage
    expect(banner).to_contain_text("离线：4 位代表的考勤待同步")
    expect(page.locator(".attendance-card.is-pending")).to_have_count(4)
    assert dialogs == []
    page.context.set_offline(False)
    expect(banner).to_have_text("已全部同步")
    assert len(changes(live_app, street["id"])) == 5


def test_logout_clears_the_cache_and_the_offline_boards_and_keeps_the_taps_for_who_tapped(live_server, live_app, street, page_at):
    page = door(page_at, live_server, street["id"], LANDSCAPE)
    expect(page.locator("html")).to_have_attribute("data-offline-ready", "true")
    assert page.evaluate("caches.keys()")
    xia, wang = street["deputies"][:2]
    key = f"portal.attendance.queue.{street['id']}"
    # A tap that could not be sent (the tablet went offline, then was put away), as the screen keeps it.
    tap = page.evaluate("""deputy => ({ id: crypto.randomUUID(), deputy: String(deputy), status: "present", reason: "",
        url: location.pathname + "/" + deputy, sheetOn: "", label: "出席", tappedAt: Date.now(),
        user: document.querySelector(".attendance-board").dataset.user, userName: "刘红" })""", xia)
    page.goto(f"{live_server}/meetings/")  # later, online, from another page
    page.evaluate(f"tap => localStorage.setItem('{key}', JSON.stringify([tap]))", tap)
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("您已退出登录")).to_be_visible()
    assert page.evaluate("caches.keys()") == []  # the boards are gone with the session
    queued = page.evaluate(f"JSON.parse(localStorage.getItem('portal.attendance.queue.{street['id']}'))")
    assert [(tap["deputy"], tap["status"], tap["userName"]) for tap in queued] == [(str(xia), "present", "刘红")]
    assert page.evaluate("localStorage.getItem('portal.user')") == ""
    assert changes(live_app, street["id"]) == []

    # Someone else logs in on the tablet: the taps are shown, not sent, until they say so.
    open_as(page, live_server, "staff2", f"/meetings/{street['id']}/attendance")
    panel = page.locator("#foreign-taps")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("刘红")
    expect(panel.locator("li")).to_have_count(1)
    expect(panel.locator("li")).to_contain_text("夏虹 · 出席")
    card(page, wang).get_by_role("button", name="缺席").click()  # their own taps go as usual
    expect(card(page, wang).locator(".card-status")).to_have_attribute("data-status", "absent")
    assert changes(live_app, street["id"]) == [(wang, "absent", "staff2")]
    expect(card(page, xia).locator(".card-status")).to_have_attribute("data-status", "unmarked")
    panel.get_by_role("button", name="以我的名义发送").click()
    expect(card(page, xia).locator(".card-status")).to_have_attribute("data-status", "present")
    expect(panel).to_be_hidden()
    assert sorted(changes(live_app, street["id"])) == sorted([(wang, "absent", "staff2"), (xia, "present", "staff2")])


def test_the_same_person_back_sends_their_own_taps_and_another_may_discard_them(live_server, live_app, street, page_at):
    page = door(page_at, live_server, street["id"], PORTRAIT, service_workers="block")  # routes need no worker
    xia, wang = street["deputies"][:2]
    key = f"portal.attendance.queue.{street['id']}"
    page.route("**/attendance/*", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    card(page, xia).get_by_role("button", name="迟到").click()
    card(page, wang).get_by_role("button", name="出席").click()
    expect(page.locator(".attendance-card.is-pending")).to_have_count(2)
    queued = page.evaluate(f"localStorage.getItem('{key}')")  # read while no tap can go: a retry could send them
    page.context.clear_cookies()  # the session ends (expired, or logged out elsewhere)
    page.unroute("**/attendance/*")

    other = page.context.new_page()
    other.goto(f"{live_server}/login?next=/meetings/{street['id']}/attendance")  # the login page notes nobody
    other.evaluate(f"localStorage.setItem('{key}', {queued!r})")
    other.get_by_label("用户名").fill("staff1")  # the same person again, straight back to the screen: their taps go as theirs
    other.get_by_label("密码", exact=True).fill(PASSWORD)
    other.get_by_role("button", name="登录").click()
    expect(card(other, xia).locator(".card-status")).to_have_attribute("data-status", "late")
    expect(card(other, wang).locator(".card-status")).to_have_attribute("data-status", "present")
    expect(other.locator("#foreign-taps")).to_be_hidden()
    assert sorted(changes(live_app, street["id"])) == sorted([(xia, "late", "staff1"), (wang, "present", "staff1")])
    other.close()

    third = page_at(PORTRAIT)
    open_as(third, live_server, "staff2")
    third.evaluate(f"localStorage.setItem('{key}', {queued!r})")
    third.goto(f"{live_server}/meetings/{street['id']}/attendance")
    expect(third.locator("#foreign-taps li")).to_have_count(2)
    third.locator("#foreign-taps").get_by_role("button", name="不发送，删除").click()
    expect(third.locator("#foreign-taps")).to_be_hidden()
    assert third.evaluate(f"localStorage.getItem('{key}')") is None
    assert len(changes(live_app, street["id"])) == 2


def test_a_screen_stops_sending_when_someone_else_logs_in_in_another_tab(live_server, live_app, street, page_at):
    page = door(page_at, live_server, street["id"], LANDSCAPE, service_workers="block")  # routes need no worker
    xia = street["deputies"][0]
    page.context.set_offline(True)
    card(page, xia).get_by_role("button", name="出席").click()
    expect(card(page, xia).locator(".card-status")).to_have_attribute("data-status", "pending")
    page.context.route(f"**/attendance/{xia}", lambda route: route.abort())  # the tap waits while the other tab logs in
    page.context.set_offline(False)
    page.context.clear_cookies()  # staff1's session ends (logged out elsewhere) …
    other = page.context.new_page()
    log_in(other, live_server, "staff2", PASSWORD)  # … and staff2 logs in in another tab: the browser's session is theirs
    page.context.unroute(f"**/attendance/{xia}")
    expect(page.locator("#queue-banner")).to_contain_text("已换了登录的人")
    page.evaluate("window.dispatchEvent(new Event('online'))")  # a nudge to send: nothing goes as staff2
    expect(page.locator("#queue-banner")).to_contain_text("已换了登录的人")
    assert changes(live_app, street["id"]) == []


def test_logging_out_offline_says_so_and_stays_logged_in(live_server, street, page_at):
    page = door(page_at, live_server, street["id"], PORTRAIT)
    page.context.set_offline(True)
    page.locator(".door-menu > summary").click()
    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("alert").filter(has_text="未能退出（离线）")).to_be_visible()
    assert page.url.endswith("/attendance")
    page.context.set_offline(False)
    page.goto(f"{live_server}/meetings/")
    expect(page.get_by_role("heading", name="会议")).to_be_visible()  # still logged in


def test_a_tap_answered_409_is_kept_out_of_synced_and_shown_as_not_recorded(live_server, street, page_at):
    page = door(page_at, live_server, street["id"], LANDSCAPE, service_workers="block")  # routes need no worker
    xia, wang = street["deputies"][:2]
    page.route(f"**/attendance/{xia}", lambda route: route.fulfill(
        status=409, content_type="text/html; charset=utf-8",
        body='<p class="field-error card-refusal" role="alert">这次点按的编号已用于另一次会议，未记录。</p>'))
    card(page, xia).get_by_role("button", name="出席").click()
    refusal = card(page, xia).locator(".tap-refused")
    expect(refusal).to_contain_text("未记录（出席）：这次点按的编号已用于另一次会议，未记录。")
    banner = page.locator("#queue-banner")
    expect(banner).to_have_text("未记录：1 位代表的考勤（原因见其卡片）")
    card(page, wang).get_by_role("button", name="缺席").click()
    expect(card(page, wang).locator(".card-status")).to_have_attribute("data-status", "absent")
    expect(banner).to_have_text("未记录：1 位代表的考勤（原因见其卡片）")  # never "all synced" while one is not recorded
    page.reload()
    expect(card(page, xia).locator(".tap-refused")).to_contain_text("未记录（出席）")
    page.unroute(f"**/attendance/{xia}")
    card(page, xia).get_by_role("button", name="出席").click()  # a new tap, a new id
    expect(card(page, xia).locator(".card-status")).to_have_attribute("data-status", "present")
    expect(card(page, xia).locator(".tap-refused")).to_have_count(0)
    expect(banner).to_have_text("已全部同步")
