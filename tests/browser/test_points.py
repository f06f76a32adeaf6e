"""Duty points on a tablet: staff verify many 四个一 records at once in place, and publish last quarter."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, save_record
from portal.clock import local_today
from portal.extensions import db
from portal.models import Level, Role
from portal.opinions.models import CollectionMethod
from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
from portal.periods import last_quarter
from portal.points.models import DutyKind
from portal.points.services import Weight, save_rules

from .conftest import TABLET, open_as

PASSWORD = "browser-pass-1"


@pytest.fixture
def story(live_app):
    """Three deputies with a recorded item each (this campaign) and an opinion each last quarter, staff, the rules."""
    with live_app.app_context():
        community = create_community("气象街社区")
        deputies = [create_user(f"deputy{n}", name, Role.DEPUTY, PASSWORD, DeputyFields(Level.DISTRICT, community, "", ""),
                                member_from=date(2000, 1, 1)) for n, name in enumerate(("夏虹", "王明", "李华"))]
        create_user("staff1", "刘红", Role.STAFF, PASSWORD)
        admin = create_user("admin1", "赵主任", Role.ADMIN, PASSWORD)
        now = local_today()
        campaign = create_campaign(CampaignFields("建言献策活动", now - timedelta(days=30), now + timedelta(days=30), "", True))
        ensure_default_categories()
        for n, deputy in enumerate(deputies):
            save_record(deputy, campaign.items[0], deputy, RecordFields(now, community.id, "在社区体验一天。"))
            for _ in range(n + 1):
                record_opinion(deputy, deputy, "路灯不亮", community, active_categories()[0], last_quarter().start,
                               CollectionMethod.VISIT)
        save_rules(admin, date(2000, 1, 1), {DutyKind.OPINION: Weight("1.5")})
        db.session.commit()
        return {"deputies": [d.id for d in deputies]}


def test_staff_verify_every_submitted_record_at_once(live_server, story, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1", "/campaigns/matrix")
    page.get_by_role("button", name="批量审核").click()
    page.wait_for_url("**/campaigns/review")
    page.evaluate("window.__notReloaded = true")
    rows = page.locator("#review-list tbody tr")
    expect(rows).to_have_count(3)
    page.get_by_label("全选").check()
    page.get_by_role("button", name="审核通过所选").click()
    expect(page.locator("#review-list .flash")).to_contain_text("已审核通过 3 条记录")
    expect(page.locator("#review-list")).to_contain_text("这里没有待审核的记录")
    assert page.evaluate("window.__notReloaded") is True
    page.goto(live_server + "/campaigns/review?state=verified")
    expect(page.locator("#review-list tbody tr")).to_have_count(3)
    assert page.console_errors == []


def test_staff_publish_last_quarter(live_server, story, page_at):
    page = page_at(TABLET)
    open_as(page, live_server, "staff1", "/points/?span=last-quarter")
    expect(page.locator(f"#points-table tr[data-deputy='{story['deputies'][2]}']")).to_contain_text("4.5")
    page.locator("#publish").get_by_role("button", name="发布").click()
    page.wait_for_url("**/points/publications/*")
    expect(page.locator(".flash")).to_contain_text("季度积分已发布")
    first = page.locator("#points-table tbody tr").first
    expect(first).to_contain_text("李华")
    expect(first).to_contain_text("4.5")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    assert page.console_errors == []
