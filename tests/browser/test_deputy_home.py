"""The deputy's home on a phone (390 × 844, standard and 大字): what needs them on the first screen, the rest folded;
the 大字 switch at the top and in the menu; the committee chip's spacing; the calendar's one-tap subscription."""
import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, open_as

SCREEN = PHONE["height"]
# The demo street's 夏虹 (everything recorded, two meetings to answer, one under way, one answer to carry back).
# The home was 5,381 px (standard) and 7,787 px (大字) tall here before it was ordered and folded.
MOST_SCREENS = {False: 2.6, True: 3.6}


def set_large_text(page, on: bool):
    """Use the switch at the top of the home page; the page comes back in the chosen size."""
    switch = page.locator(".page-head .text-size-switch button")
    if (switch.get_attribute("aria-pressed") == "true") != on:
        switch.click()
    expect(page.locator(".page-head .text-size-switch button")).to_have_attribute("aria-pressed", "true" if on else "false")


def page_height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-text"])
def test_the_first_screen_is_what_needs_the_deputy_and_the_rest_is_folded(live_server, demo, page_at, large):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong")
    set_large_text(page, large)
    assert page.evaluate("document.documentElement.classList.contains('large-text')") is large

    height = page_height(page)
    print(f"deputy home at 390×844, {'大字' if large else 'standard'}: {height} px")
    assert height <= MOST_SCREENS[large] * SCREEN, f"{height} px is more than {MOST_SCREENS[large]} phone screens"

    needs = page.locator(".needs-you")
    cards = needs.locator(".item-cards > *")
    expect(cards.first).to_be_visible()
    owed = cards.count()  # this year's meeting replies and answers, and last year's imported answer not yet carried back
    assert owed >= 3
    expect(needs.get_by_role("heading", level=2)).to_have_text(f"待您处理（{owed}）")
    first = cards.first
    assert page.locator("#needs-title").bounding_box()["y"] < SCREEN / 3
    box = first.bounding_box()
    assert (box["y"] + box["height"] if not large else box["y"]) <= SCREEN  # the first thing owed is on the first screen
    # Answers owed first: the meetings waiting for a reply, then the answer to carry back to the voters.
    ids = needs.locator(".item-cards > *").evaluate_all("cards => cards.map(c => c.id.replace(/-\\d+$/, ''))")
    assert ids == sorted(ids, key=["notice", "carry-back"].index) and {"notice", "carry-back"} <= set(ids)
    expect(first.get_by_role("button", name="参加")).to_be_visible()

    # A meeting under way is one line with a link, not a card that says it can no longer be answered.
    assert "会议已开始" not in page.locator("main").inner_text()
    started = page.locator(".started-meetings li")
    expect(started).to_have_count(1)
    expect(started.get_by_role("link", name="本月工委工作会议（今日）")).to_be_visible()

    # What is done is folded, and opens on a tap.
    done = page.locator("details.done-items")
    expect(done.locator("summary")).to_have_text("已记录的事项（4）")
    assert done.get_attribute("open") is None
    expect(done.locator(".item-card").first).to_be_hidden()
    done.locator("summary").click()
    expect(done.locator(".item-card")).to_have_count(4)
    expect(done.locator(".item-card").first).to_be_visible()
    expect(page.locator("details.my-attendance summary")).to_have_text("本年度考勤：出席率 90.0%")

    # The answer to carry back is folded behind its button until asked for.
    carry = needs.locator(".carry-back")
    expect(carry.get_by_label("方式")).to_be_hidden()
    carry.get_by_text("记录回访…").click()
    expect(carry.get_by_label("方式")).to_be_visible()
    assert page.console_errors == []


def test_a_record_sent_back_comes_before_the_items_not_done(live_server, demo, page_at):
    page = page_at(PHONE)
    open_as(page, live_server, "majun")  # one item sent back with a note, three not started
    cards = page.locator(".needs-you .item-cards > *")
    kinds = cards.evaluate_all("cards => cards.map(c => c.classList.contains('notice') ? 'notice' : c.className.match(/state-(\\w+)/)[1])")
    assert kinds == ["notice", "notice", "returned", "none", "none", "none"]
    returned = page.locator(".needs-you .item-card.state-returned")
    expect(returned).to_contain_text("请补充课程题目和听课人数。")
    expect(page.locator("#needs-title")).to_have_text("待您处理（6）")
    assert page.locator("#needs-title").bounding_box()["y"] < SCREEN / 3
    expect(page.locator(".progress-count")).to_have_text("0/4")
    assert page.locator("details.done-items").count() == 0


def test_large_text_from_the_menu_and_from_the_top_of_the_home_page(live_server, demo, page_at):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong")
    top = page.locator(".page-head .text-size-switch button")
    assert top.bounding_box()["y"] < 200  # at the top, not only in the footer thousands of pixels down
    page.get_by_role("button", name="菜单").click()
    in_menu = page.locator("#main-nav .text-size-switch button")
    expect(in_menu).to_be_visible()
    expect(in_menu).to_have_text("大字")
    assert in_menu.bounding_box()["height"] >= 44
    in_menu.click()
    page.wait_for_url(re.compile(r"/me$"))
    expect(page.locator("html")).to_have_class("large-text")
    expect(top).to_have_attribute("aria-pressed", "true")
    top.click()  # and back, from the top of the page
    expect(page.locator("html")).not_to_have_class("large-text")
    expect(top).to_have_attribute("aria-pressed", "false")
    assert page.console_errors == []


def test_the_switch_at_the_top_works_without_javascript(live_server, demo, page_at):
    page = page_at(PHONE, java_script_enabled=False)
    open_as(page, live_server, "xiahong")
    page.locator(".page-head .text-size-switch button").click()
    page.wait_for_url(re.compile(r"/me$"))
    expect(page.locator("html")).to_have_class("large-text")


@pytest.mark.parametrize("large", [False, True], ids=["standard", "large-text"])
def test_the_committee_chip_keeps_its_distance_from_the_next_heading(live_server, demo, page_at, large):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong")
    set_large_text(page, large)
    chip = page.locator("#community-tally")
    expect(chip).to_have_text("已深入社区代表 10 人")
    gaps = page.evaluate("""() => {
      const chip = document.getElementById('community-tally').getBoundingClientRect();
      const around = [...document.querySelectorAll('main h1, main h2, main h3, main details, main .checklist-progress')]
        .filter(e => e.checkVisibility()).map(e => e.getBoundingClientRect());
      const above = around.filter(r => r.bottom <= chip.top + 1).map(r => chip.top - r.bottom);
      const below = around.filter(r => r.top >= chip.bottom - 1).map(r => r.top - chip.bottom);
      return [Math.min(...above), Math.min(...below)];
    }""")
    assert min(gaps) >= 12, gaps


def test_one_tap_calendar_subscription_beside_the_address(live_server, demo, page_at):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong", "/meetings/")
    page.get_by_role("button", name="生成我的日历订阅地址").click()
    page.wait_for_url(re.compile(r"/meetings/#calendar$"))
    address = page.locator("#calendar-url").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/meetings/calendar/[\w-]+\.ics", address)
    subscribe = page.get_by_role("button", name="一键订阅到手机日历")
    assert subscribe.get_attribute("href") == "webcal://" + address.removeprefix("http://")
    box = subscribe.bounding_box()
    assert box["height"] >= 44 and box["y"] < page.locator("#calendar-url").bounding_box()["y"]
    help_text = page.locator(".calendar-help").inner_text()
    assert "苹果手机" in help_text and "安卓手机" in help_text
    # The address under the link is the feed itself.
    assert page.request.get(address).headers["content-type"].startswith("text/calendar")
    assert page.console_errors == []
