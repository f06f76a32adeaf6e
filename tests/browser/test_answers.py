"""Answers owed in a real browser: the deputy records a 回访 in place; the status wall says since when it is offline."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.clock import local_today
from portal.extensions import db
from portal.models import Level, Role
from portal.opinions.models import Category, CollectionMethod
from portal.opinions.services import record_opinion
from portal.suggestions.models import SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion, transition

from .conftest import open_as


PASSWORD = "pass-word-1"


@pytest.fixture
def owed(live_app):
    """张三's opinion went into a suggestion the district adopted: an answer he owes his voters."""
    with live_app.app_context():
        community = create_community("东风社区")
        day = local_today() - timedelta(days=20)
        deputy = create_user("zhangsan", "张三", Role.DEPUTY, PASSWORD, DeputyFields(Level.DISTRICT, community, "教师", ""),
                             member_from=day)  # a deputy on the day he collected it
        staff = create_user("office", "工作人员", Role.STAFF, PASSWORD)
        category = Category(name="社区建设")
        db.session.add(category)
        db.session.flush()
        opinion = record_opinion(deputy, deputy, "路灯不亮", community, category, day, CollectionMethod.VISIT)
        suggestion = create_suggestion(staff, SuggestionFields("修复路灯", "尽快修复", category, [deputy]), [opinion.id])
        transition(staff, suggestion, SuggestionState.SUBMITTED, SuggestionState.DRAFT, "", on=day)
        transition(staff, suggestion, SuggestionState.ADOPTED, SuggestionState.SUBMITTED, "区委已采纳，本月修复")
        db.session.commit()
        return suggestion.id


def test_a_deputy_records_the_feedback_in_place(live_server, owed, page_at):
    page = page_at()
    open_as(page, live_server, "zhangsan")
    page.wait_for_url(re.compile(r"/me$"))
    page.evaluate("window.__notReloaded = true")
    item = page.locator(f"#carry-back-{owed}")
    assert "区委已采纳，本月修复" in item.inner_text()
    item.get_by_text("记录回访…").click()  # the form is folded behind its button
    item.get_by_label("方式").select_option(label="电话")
    item.get_by_role("button", name="记录回访", exact=True).click()
    expect(page.locator(f"#carry-back-{owed} .flash")).to_be_visible()
    expect(page.locator(f"#carry-back-{owed}")).to_contain_text("回访已记录")
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == []


def test_the_wall_keeps_its_figures_offline_and_says_since_when(live_server, owed, page_at):
    page = page_at()
    open_as(page, live_server, "office", "/wall")
    assert page.locator("#wall-offline").is_hidden()
    page.context.set_offline(True)
    page.evaluate("htmx.ajax('GET', location.href, {target: '#wall-figures', swap: 'none'}).catch(() => {})")
    expect(page.locator("#wall-offline")).to_be_visible()
    expect(page.locator("#wall-offline")).to_contain_text("网络中断")
    assert page.locator("#wall-figures .tile").count() >= 8
    page.context.set_offline(False)
    page.evaluate("htmx.ajax('GET', location.href, {target: '#wall-figures', swap: 'none'})")
    expect(page.locator("#wall-offline")).to_be_hidden()
