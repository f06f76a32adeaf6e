"""What a person does in a real browser: log in on a tablet, see their home, use htmx, log out."""
import re

import pytest
from playwright.sync_api import expect

from portal.accounts.services import DeputyFields, create_community, create_user
from portal.extensions import db
from portal.models import Level, Role

from .conftest import log_in as sign_in, open_as, PHONE


PASSWORD = "browser-pass-1"


@pytest.fixture
def people(live_app):
    """A community, a deputy, a staff member and an admin in the live database."""
    with live_app.app_context():
        community = create_community("气象街社区")
        create_user("xiahong", "夏虹", Role.DEPUTY, PASSWORD, DeputyFields(Level.CITY, community, "社区服务", "13900000001"))
        create_user("staff1", "刘红", Role.STAFF, PASSWORD)
        create_user("admin", "赵主任", Role.ADMIN, PASSWORD)
        create_user("wangfang", "王芳", Role.STAFF, PASSWORD)
        db.session.commit()


def log_in(page, base, username):
    sign_in(page, base, username, PASSWORD)


def log_out(page):
    page.locator("details.dropdown summary").click()
    page.get_by_role("button", name="退出登录").click()
    page.wait_for_url(re.compile(r"/login$"))


def test_deputy_logs_in_on_a_tablet_sees_profile_and_logs_out(live_server, people, page_at):
    page = page_at()
    log_in(page, live_server, "xiahong")
    assert page.url.endswith("/me")
    assert page.get_by_role("heading", name="夏虹，您好").is_visible()
    page.get_by_text("个人信息").click()  # the particulars are folded below what needs the deputy
    expect(page.get_by_text("市人大代表")).to_be_visible()
    assert page.get_by_text("系统管理").count() == 0  # a deputy sees no admin link
    log_out(page)
    expect(page.get_by_text("您已退出登录。")).to_be_visible()
    page.goto(live_server + "/me")
    assert "/login" in page.url
    assert page.console_errors == []


def test_staff_logs_in_and_lands_on_the_overview(live_server, people, page_at):
    page = page_at()
    log_in(page, live_server, "staff1")
    assert page.url.endswith("/staff")
    assert page.get_by_role("heading", name="工作概览").is_visible()
    page.get_by_role("link", name="人大代表", exact=True).click()
    expect(page.get_by_role("link", name="夏虹")).to_be_visible()
    log_out(page)
    assert page.console_errors == []


def test_wrong_password_shows_generic_chinese_message(live_server, people, page_at):
    page = page_at()
    page.goto(live_server + "/login")
    page.get_by_label("用户名").fill("xiahong")
    page.get_by_label("密码", exact=True).fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_text("用户名或密码错误，或账号已停用。")).to_be_visible()
    assert page.get_by_label("用户名").input_value() == "xiahong"


def test_admin_deactivates_a_user_in_place_with_csrf_header(live_server, people, page_at):
    """The htmx POST carries the CSRF header from <body>; the row is swapped without a reload."""
    page = page_at()
    open_as(page, live_server, "admin", "/admin/users")
    page.evaluate("window.__notReloaded = true")
    row = page.locator("tr", has_text="王芳")
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="停用").click()
    expect(row.get_by_role("button", name="恢复")).to_be_visible()
    expect(row).to_contain_text("已停用")
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == []


def test_live_search_filters_the_user_table_and_keeps_the_url(live_server, people, page_at):
    page = page_at()
    open_as(page, live_server, "admin", "/admin/users")
    page.evaluate("window.__notReloaded = true")
    page.get_by_label("搜索").fill("夏")
    page.wait_for_url(re.compile(r"q=%E5%A4%8F"))
    expect(page.locator("#user-table")).to_contain_text("共 1 个用户")
    expect(page.get_by_role("cell", name="刘红")).to_have_count(0)
    assert page.evaluate("window.__notReloaded") is True


def test_phone_width_has_large_tap_targets_and_no_sideways_scroll(live_server, people, page_at):
    page = page_at(PHONE)
    page.goto(live_server + "/login")
    for locator in [page.get_by_label("用户名"), page.get_by_label("密码", exact=True), page.get_by_role("button", name="登录")]:
        assert locator.bounding_box()["height"] >= 44
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    open_as(page, live_server, "staff1")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.get_by_role("button", name="菜单").click()  # on a phone the navigation folds behind the menu button
    visible = [link for link in page.locator(".main-nav > li > a, .main-nav summary").all() if link.is_visible()]
    assert len(visible) >= 3
    for link in visible:
        assert link.bounding_box()["height"] >= 44
