"""The 四个一 links in Chromium: a deputy links item 3 to their practical matter in place; staff's
on-behalf form swaps in the chosen deputy's suggestions when the item changes."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.campaigns.models import ChecklistRecord, ItemKind
from portal.campaigns.services import CampaignFields, create_campaign
from portal.clock import local_today
from portal.extensions import db
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.models import Level, Role
from portal.opinions.models import Category
from portal.opinions.services import ensure_default_categories
from portal.suggestions.services import SuggestionFields, create_suggestion

from .conftest import TABLET
from .conftest import open_as


@pytest.fixture
def story(live_app):
    """夏虹 with a practical matter and a suggestion, 王建国 with his own, staff, a current campaign."""
    with live_app.app_context():
        community = create_community("气象街社区")
        xia = create_user("xiahong", "夏虹", Role.DEPUTY, "browser-pass-1", DeputyFields(Level.CITY, community, "社区服务", "13900000001"))
        wang = create_user("wangjianguo", "王建国", Role.DEPUTY, "browser-pass-1", DeputyFields(Level.CITY, community, "市政工程", "13900000002"))
        staff = create_user("staff1", "刘红", Role.STAFF, "browser-pass-1")
        now = local_today()
        campaign = create_campaign(CampaignFields("“站在新起点，实现科学发展”建言献策活动", now - timedelta(days=30), now + timedelta(days=30), "", True))
        ensure_default_categories()
        category = db.session.scalar(select(Category).limit(1))
        matter = create_matter(staff, MatterFields("在气象街26号楼为居民安装了健身器材", "气象街26号楼", community, [xia], now, MatterState.DONE, 240))
        create_matter(staff, MatterFields("协调市政对气象街30-54号路面进行了修复", "气象街30-54号", community, [wang], now, MatterState.DONE, 860))
        create_suggestion(staff, SuggestionFields("鼓励各类组织兴建社区服务设施", "建议出台优惠政策。", category, [xia], community))
        create_suggestion(staff, SuggestionFields("为失业青年开设职业技能培训班", "建议开设培训班。", category, [wang], community))
        db.session.commit()
        items = {item.kind: item.id for item in campaign.items}
        return {"xia": xia.id, "matter": matter.id, "items": items, "day": now.isoformat()}


def test_deputy_links_item_3_to_their_matter_without_a_reload(live_app, live_server, story, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "xiahong")
    page.evaluate("window.__notReloaded = true")
    card = page.locator(f"#item-{story['items'][ItemKind.PRACTICAL]}")
    card.get_by_role("button", name="记录").click()
    card.get_by_label("日期").fill(story["day"])
    card.get_by_label("做了什么、为谁做的").fill("协调为气象街26号楼居民安装健身器材。")
    options = card.get_by_label("实事").locator("option").all_inner_texts()
    assert options[0] == "— 无 —" and len(options) == 2 and options[1].startswith("在气象街26号楼为居民安装了健身器材")
    card.get_by_label("实事").select_option(str(story["matter"]))
    card.get_by_role("button", name="保存").click()
    link = card.get_by_role("link", name="在气象街26号楼为居民安装了健身器材")
    expect(link).to_have_attribute("href", f"/matters/{story['matter']}")
    expect(page.locator(".progress-count")).to_have_text("1/4")
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == []


def test_the_on_behalf_form_offers_the_chosen_deputys_own_links(live_app, live_server, story, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1", "/campaigns/on-behalf")
    page.evaluate("window.__notReloaded = true")
    assert page.locator("#record-links select").count() == 0  # no deputy chosen yet
    page.get_by_label("人大代表", exact=True).select_option(label="夏虹")
    page.get_by_label("项目", exact=True).select_option(str(story["items"][ItemKind.REFLECTION]))
    suggestion = page.get_by_label("建言", exact=True)
    expect(suggestion.locator("option").nth(1)).to_have_text(re.compile(r"^鼓励各类组织兴建社区服务设施"))
    expect(page.locator("#record-links")).not_to_contain_text("职业技能培训班")
    page.get_by_label("项目", exact=True).select_option(str(story["items"][ItemKind.PRACTICAL]))
    expect(page.locator("#record-links select[name=practical_matter_id]")).to_be_visible()
    expect(page.locator("#record-links select[name=suggestion_id]")).to_have_count(0)
    page.get_by_label("日期").fill(story["day"])
    page.get_by_label("社区", exact=True).select_option(label="气象街社区")
    page.get_by_label("做了什么、为谁做的").fill("纸质登记表：协调安装健身器材。")
    page.get_by_label("实事").select_option(str(story["matter"]))
    assert page.evaluate("window.__notReloaded") is True
    page.get_by_role("button", name="代为登记").click()
    expect(page.get_by_role("link", name="在气象街26号楼为居民安装了健身器材")).to_be_visible()
    assert page.console_errors == []
    with live_app.app_context():
        record = db.session.scalar(select(ChecklistRecord))
        assert record.practical_matter_id == story["matter"] and record.on_behalf and record.deputy_id == story["xia"]
