"""Phones and portrait tablets: a header that fits, a menu that folds, targets big enough for thumbs."""
import re

import pytest

from portal.demo import seed_demo
from portal.extensions import db

from .conftest import PHONE, TABLET

LANDSCAPE = {"width": 1024, "height": 768}
PASSWORD = "demo-pass-1"


@pytest.fixture
def demo(live_app):
    with live_app.app_context():
        seed_demo(PASSWORD)
        db.session.commit()


def log_in(page, base, username):
    """Log in through the form and wait for the home page."""
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/(staff|me)?$"))


def box(page, selector):
    """The bounding box of the first element matching `selector`."""
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("username", ["xiahong", "staff1", "admin"])
def test_phone_header_is_one_row_with_a_menu_button(live_server, demo, page_at, username):
    page = page_at(PHONE)
    log_in(page, live_server, username)
    assert box(page, ".site-header")["height"] <= 64
    toggle = page.get_by_role("button", name="菜单")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-nav").is_visible()
    brand = box(page, ".brand strong")
    assert brand["height"] < 40  # one line

    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"
    links = page.locator("#main-nav > li > a, #main-nav summary")
    assert links.first.is_visible()
    for index in range(links.count()):
        assert links.nth(index).bounding_box()["height"] >= 44
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#main-nav").is_visible()
    assert page.evaluate("document.activeElement.classList.contains('menu-toggle')")

    toggle.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="建言献策").click()
    page.wait_for_url(re.compile(r"/suggestions"))
    assert page.console_errors == []


@pytest.mark.parametrize("viewport", [TABLET, LANDSCAPE])
@pytest.mark.parametrize("username", ["xiahong", "admin"])
def test_tablet_navigation_is_one_row(live_server, demo, page_at, viewport, username):
    page = page_at(viewport)
    log_in(page, live_server, username)
    assert not page.locator(".menu-toggle").is_visible()
    middles = [b["y"] + b["height"] / 2 for b in (li.bounding_box() for li in page.locator("#main-nav > li").all())]
    assert max(middles) - min(middles) < 10
    assert box(page, ".site-header")["height"] <= 64
    assert box(page, ".brand strong")["height"] < 40
