"""The 四个一 on a tablet: a deputy records item 1 in place, staff verify it in the matrix in place."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.campaigns.services import CampaignFields, create_campaign
from portal.clock import local_today
from portal.extensions import db
from portal.models import Level, Role

from .conftest import PHONE, TABLET
from .conftest import open_as


@pytest.fixture
def story(live_app):
    """A community, a deputy, a staff member and a current campaign; returns the ids the test needs."""
    with live_app.app_context():
        community = create_community("气象街社区")
        deputy = create_user("xiahong", "夏虹", Role.DEPUTY, "browser-pass-1", DeputyFields(Level.CITY, community, "社区服务", "13900000001"))
        create_user("staff1", "刘红", Role.STAFF, "browser-pass-1")
        now = local_today()
        campaign = create_campaign(CampaignFields("“站在新起点，实现科学发展”建言献策活动", now - timedelta(days=30), now + timedelta(days=30), "", True))
        db.session.commit()
        return {"deputy": deputy.id, "item": campaign.items[0].id, "day": now.isoformat()}


def test_deputy_records_item_one_then_staff_verify_it_without_reloads(live_server, story, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "xiahong")
    assert page.url.endswith("/me")
    assert page.locator(".progress-count").inner_text() == "0/4"
    page.evaluate("window.__notReloaded = true")
    card = page.locator(f"#item-{story['item']}")
    card.get_by_role("button", name="记录").click()
    card.get_by_label("日期").fill(story["day"])
    card.get_by_label("做了什么、为谁做的").fill("在气象街社区做了一天志愿者，走访独居老人6户。")
    card.get_by_role("button", name="保存").click()
    expect(page.locator(f"#item-{story['item']} .badge", has_text="已记录")).to_be_visible()
    expect(page.locator(".progress-count")).to_have_text("1/4")
    expect(page.locator("#checklist-progress-bar")).to_have_attribute("value", "1")
    expect(page.locator("#community-tally")).to_have_text("已深入社区代表 1 人")
    expect(page.locator(f"#item-{story['item']}")).to_contain_text("走访独居老人6户")
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == []

    staff = page_at(TABLET)
    open_as(staff, live_server, "staff1", "/campaigns/matrix")
    tally = staff.locator(f"#item-tally-{story['item']} [data-tally='verified']")
    assert tally.inner_text() == "0"
    staff.evaluate("window.__notReloaded = true")
    cell = staff.locator(f"#cell-{story['deputy']}-{story['item']}")
    assert "已记录" in cell.inner_text()
    cell.get_by_role("link").click()
    panel = staff.locator("#record-panel")
    panel.get_by_role("button", name="核实").click()
    expect(staff.locator(f"#cell-{story['deputy']}-{story['item']} .badge", has_text="已核实")).to_be_visible()
    expect(tally).to_have_text("1")
    expect(panel).to_contain_text("已核实")
    expect(staff.locator("[data-tally='communities']")).to_have_text("1")
    assert staff.evaluate("window.__notReloaded") is True
    assert staff.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert staff.console_errors == []


def test_the_checklist_fits_a_phone_with_large_tap_targets(live_server, story, page_at):
    page = page_at(PHONE)
    open_as(page, live_server, "xiahong")
    card = page.locator(f"#item-{story['item']}")
    card.get_by_role("button", name="记录").click()
    save = card.get_by_role("button", name="保存")
    save.wait_for()
    for target in (save, card.get_by_label("日期"), card.get_by_label("社区")):
        assert target.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.console_errors == []
