"""Browser fixtures: the real app served on a free port, driven by Debian's Chromium through Playwright."""
import os
import shutil
import threading

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from ..conftest import require

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
# Conditions, never fixed times: a loaded 2-core machine gets generous time to meet them.
expect.set_options(timeout=20_000)
TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    require(shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM), f"{CHROMIUM} not found (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(test_database, suite):
    """The live app, with CSRF on as in production, on a fresh copy of the schema (SQLite): what `demo`
    and other shared worlds fill (tests/conftest.py)."""
    return suite.fresh_app(test_database, WTF_CSRF_ENABLED=True)


@pytest.fixture
def live_app(app):
    """The app the browser talks to."""
    return app


@pytest.fixture
def live_server(live_app):
    """Serve `live_app` on a free port in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture
def page_at(browser):
    """Open a fresh browser context at a viewport size; collects console errors (CSP violations)."""
    contexts = []

    def open_page(viewport=TABLET, **options):
        context = browser.new_context(viewport=viewport, locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        return page

    yield open_page
    for context in contexts:
        context.close()


def log_in(page, base: str, username: str, password: str) -> None:
    """Log in through the form, as a person does, and wait until the portal has let them in."""
    page.goto(base + "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)
