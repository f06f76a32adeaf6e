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
SERVED = {}  # base URL → the app it serves, for `open_as`
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
    base = f"http://127.0.0.1:{server.server_port}"
    SERVED[base] = live_app
    yield base
    del SERVED[base]
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


def open_as(page, base: str, username: str, path: str = "/") -> None:
    """Open `path` already logged in as `username`: the page's context gets the session cookie the login form
    would have set (tests of logging in itself use `log_in`)."""
    from portal.extensions import db
    from portal.models import User

    app = SERVED[base]
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        assert user is not None, username
        session = {"_user_id": user.get_id(), "_fresh": True, "_permanent": True}
        db.session.remove()
    cookie = app.session_interface.get_signing_serializer(app).dumps(session)
    page.context.add_cookies([{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": base}])
    page.goto(base + path)
    assert "/login" not in page.url, f"{username} was not let in at {path}"
