"""In Chromium at tablet size: staff gather two opinions into a suggestion, submit it, record adoption — counts change in place."""
import re

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.clock import local_today
from portal.extensions import db
from portal.models import Level, Role
from portal.opinions.models import CollectionMethod
from portal.opinions.services import (
    active_categories,
    ensure_default_categories,
    record_opinion,
)

from .conftest import TABLET, open_as


PASSWORD = "browser-pass-1"


@pytest.fixture
def opinions(live_app):
    """夏虹 collected three opinions in 气象街社区; staff1 works in the office."""
    with live_app.app_context():
        community = create_community("气象街社区")
        xiahong = create_user("xiahong", "夏虹", Role.DEPUTY, PASSWORD, DeputyFields(Level.CITY, community, "社区服务", "13900000001"))
        create_user("staff1", "刘红", Role.STAFF, PASSWORD)
        ensure_default_categories()
        livelihood = active_categories()[3]
        for text, voters in [("希望增设老年食堂", 8), ("独居老人吃饭难，希望社区助餐", 5), ("小区路灯损坏", 2)]:
            record_opinion(xiahong, xiahong, text, community, livelihood, local_today(), CollectionMethod.VISIT, voter_count=voters)
        db.session.commit()


def test_staff_gather_submit_and_record_adoption_in_place(live_server, opinions, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1")
    page.wait_for_url(re.compile(r"/staff$"))

    page.goto(live_server + "/opinions/")
    page.get_by_label("搜索").fill("老")  # the table updates as one types, and the URL keeps the search
    page.wait_for_url(re.compile(r"q=%E8%80%81"))
    expect(page.locator("#opinion-table")).to_contain_text("共 2 条意见")
    for text in ["希望增设老年食堂", "独居老人吃饭难"]:
        page.locator("tr", has_text=text).get_by_role("checkbox").check()
    page.get_by_role("button", name="将所选意见归入新建言").click()
    page.get_by_label("标题").fill("增设社区老年食堂，解决独居老人吃饭难")
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_role("heading", name="增设社区老年食堂，解决独居老人吃饭难")).to_be_visible()
    expect(page.get_by_text("2 条意见，13 位选民")).to_be_visible()

    tiles = page.locator("#adoption-tiles")
    assert tiles.locator("[data-figure=submitted]").inner_text() == "0"
    assert tiles.locator("[data-figure=rate]").inner_text() == "—"
    page.evaluate("window.__marker = true")

    page.get_by_role("button", name="上报区委", exact=True).click()
    expect(page.locator(".status-block .badge", has_text="已上报")).to_be_visible()
    expect(tiles.locator("[data-figure=submitted]")).to_have_text("1")
    expect(tiles.locator("[data-figure=drafts]")).to_have_text("0")

    page.get_by_label(re.compile("“登记为已采纳”的说明")).fill("区委采纳，交区民政局落实；已告知选民")
    page.get_by_role("button", name="登记为已采纳", exact=True).click()
    expect(page.locator(".status-block .badge", has_text="已采纳")).to_be_visible()
    expect(tiles.locator("[data-figure=adopted]")).to_have_text("1")
    expect(tiles.locator("[data-figure=rate]")).to_have_text("100%")
    expect(page.locator(".timeline").get_by_text("区委采纳，交区民政局落实；已告知选民")).to_be_visible()
    expect(page.get_by_role("button", name="开始落实", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="上报区委", exact=True)).to_have_count(0)
    assert page.evaluate("window.__marker") is True  # no reload: the counts changed in place
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
