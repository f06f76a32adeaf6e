"""Phones and portrait tablets: a header that fits, a menu that folds, targets big enough for thumbs."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import open_as, PHONE, TABLET


LANDSCAPE = {"width": 1024, "height": 768}


def box(page, selector):
    """The bounding box of the first element matching `selector`."""
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("username", ["xiahong", "staff1", "admin"])
def test_phone_header_is_one_row_with_a_menu_button(live_server, demo, page_at, username):
    page = page_at(PHONE)
    open_as(page, live_server, username)
    assert box(page, ".site-header")["height"] <= 64
    toggle = page.get_by_role("button", name="菜单")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-nav").is_visible()
    brand = box(page, ".brand strong")
    assert brand["height"] < 40  # one line

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    links = page.locator("#main-nav > li > a, #main-nav summary")
    expect(links.first).to_be_visible()
    for index in range(links.count()):
        assert links.nth(index).bounding_box()["height"] >= 44
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#main-nav")).to_be_hidden()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    toggle.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="建言献策").click()
    page.wait_for_url(re.compile(r"/suggestions"))
    assert page.console_errors == []


@pytest.mark.parametrize("username", ["xiahong", "admin"])
def test_tablet_navigation_is_one_row(live_server, demo, page_at, username):
    page = page_at(TABLET)
    open_as(page, live_server, username)
    for viewport in (TABLET, LANDSCAPE):  # the tablet turned: the page laid out again at the other size
        page.set_viewport_size(viewport)
        assert not page.locator(".menu-toggle").is_visible()
        items = [li.bounding_box() for li in page.locator("#main-nav > li").all()]
        middles = [b["y"] + b["height"] / 2 for b in items]
        assert max(middles) - min(middles) < 10, viewport
        # Every item, the account menu included, on screen (with a real CJK font the brand takes its own row).
        assert max(b["x"] + b["width"] for b in items) <= viewport["width"]
        assert box(page, ".site-header")["height"] <= 110
        assert box(page, ".brand strong")["height"] < 40


# The controls a thumb must hit: buttons, summaries, checkbox labels, back links, the matrix's badges and names.
TARGETS = ("button, summary, [role=button], .back a, .matrix .cell a, .matrix th[scope=row] a, "
           "label:has(> input[type=checkbox]), label:has(> input[type=radio]), select, input:not([type=hidden])")
SMALL_TARGETS = f"""() => Array.from(document.querySelectorAll({TARGETS!r}))
  .filter(e => e.checkVisibility() && !(e.matches('input') && e.closest('label')))
  .map(e => [e, e.getBoundingClientRect()])
  .filter(([e, r]) => r.height < 44 || r.width < 44)
  .map(([e, r]) => `${{e.tagName}} ${{(e.innerText || e.name || '').trim().slice(0, 20)}} ${{Math.round(r.width)}}x${{Math.round(r.height)}}`)"""


def small_targets_at_both_sizes(page) -> dict[int, list[str]]:
    """The page's too-small targets at phone and at tablet width (laid out again at each), by width."""
    found = {}
    for viewport in sorted((PHONE, TABLET), key=lambda size: size["width"] != page.viewport_size["width"]):
        page.set_viewport_size(viewport)
        found[viewport["width"]] = page.evaluate(SMALL_TARGETS)
    return found


NONE_SMALL = {PHONE["width"]: [], TABLET["width"]: []}


@pytest.mark.parametrize("username, paths", [
    ("xiahong", ["/me", "/suggestions/new", "/meetings", "/opinions", "/matters"]),
    ("staff1", ["/staff", "/campaigns/matrix", "/suggestions", "/meetings", "/deputies", "/suggestions/1"]),
])
def test_tap_targets_are_44_px_on_the_main_pages(live_server, demo, page_at, username, paths):
    page = page_at(PHONE)
    page.goto(live_server + "/login")
    assert small_targets_at_both_sizes(page) == NONE_SMALL, "/login"
    open_as(page, live_server, username, paths[0])
    for path in paths:
        if path != paths[0]:
            page.goto(live_server + path)
        assert small_targets_at_both_sizes(page) == NONE_SMALL, path


def test_deputy_chooser_is_checkboxes_with_a_search_box(live_server, demo, page_at):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong", "/suggestions/new")
    assert page.locator("select[multiple]").count() == 0
    chooser = page.get_by_role("group", name="提出代表")
    assert chooser.get_by_role("checkbox", name="夏虹").is_checked()  # the author proposes by default
    search = chooser.get_by_role("searchbox")
    search.fill("wjg")
    expect(chooser.locator(".choice-options label").filter(visible=True)).to_have_count(1)
    visible = [label.inner_text() for label in chooser.locator(".choice-options label").all() if label.is_visible()]
    assert len(visible) == 1 and visible[0].startswith("王建国")
    search.press("Enter")  # Enter in the search box does not send the form
    assert page.url.endswith("/suggestions/new")
    chooser.get_by_role("checkbox", name="王建国").check()
    search.fill("不存在的人")
    expect(chooser.get_by_text("没有符合搜索条件的选项。")).to_be_visible()
    search.fill("")
    page.get_by_label("标题").fill("气象街路灯")
    page.get_by_label("建言", exact=True).fill("夜间照明不足，建议增设路灯。")
    page.get_by_label("领域").select_option(label="民生发展")
    page.get_by_role("button", name="保存为草稿").click()
    page.wait_for_url(re.compile(r"/suggestions/\d+$"))
    body = page.locator("main").inner_text()
    assert "夏虹" in body and "王建国" in body
    assert page.console_errors == []


def test_leave_request_from_the_phone_shows_on_the_staff_card(live_server, demo, page_at):
    deputy = page_at(PHONE)
    open_as(deputy, live_server, "xiahong")
    notice = deputy.locator(".notice", has_text="下月工委工作会议")
    assert "未回复" in notice.inner_text()
    notice.get_by_role("button", name="参加").click()
    expect(notice.locator(".reply-badge", has_text="参加")).to_be_visible()
    assert deputy.evaluate("document.activeElement !== document.body")  # the focus stays in the notice
    notice.get_by_text("请假…").click()
    notice.get_by_label("请假事由").fill("区人大常委会会议")
    notice.get_by_role("button", name="提交请假").click()
    expect(notice.get_by_text("事由：区人大常委会会议")).to_be_visible()
    assert deputy.console_errors == []

    staff = page_at(TABLET)
    open_as(staff, live_server, "staff1", "/meetings/")
    staff.get_by_role("link", name="下月工委工作会议").click()
    staff.get_by_role("button", name="考勤登记屏").click()
    card = staff.locator(".attendance-card", has_text="夏虹")
    expect(card).to_contain_text("本人已请假：区人大常委会会议")
    expect(card).to_contain_text("未签到")  # a request, not a mark: the staff's tap decides
    expect(staff.locator(".attendance-card", has_text="王建国").get_by_text("本人回复参加")).to_be_visible()
