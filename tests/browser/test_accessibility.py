"""axe-core on every page each role can reach, at phone and tablet size: no serious or critical violation.

The pages are found by following the links from each role's home page (one page per route shape,
`/meetings/12` and `/meetings/13` count once), so a new page is checked as soon as it is linked.
"""
import re
from urllib.parse import urljoin, urlsplit

import pytest

from .conftest import PHONE, TABLET

PASSWORD = "demo-pass-1"
# Downloads and one-time addresses are not pages.
SKIP = re.compile(r"\.(csv|xlsx|ics|docx|pdf|zip)$|/checkin/|/logout$|/static/")
MAX_PAGES = 80
# The committee's print repeats one deputy's record (each also checked on its own page) for every
# deputy: axe reads the first two, which holds the page's time to that of the others.
REPEATS = "article.deputy-record ~ article.deputy-record ~ article.deputy-record"

# Moderate or minor findings we accept, by rule id, each with its reason; none is needed today.
# Anything serious or critical always fails.
ACCEPTED: dict[str, str] = {}


def shape(url: str) -> str:
    """A page's route shape: its path with every number replaced."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def crawl(page, base: str):
    """Visit every linked page once per route shape, yielding its URL once it has loaded."""
    queue, seen = [base + "/"], set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        yield page.url
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urljoin(page.url, href).split("#")[0]
            if target.startswith(base) and not SKIP.search(urlsplit(target).path) and shape(target) not in seen:
                queue.append(target)


# Each role at the sizes it works at: deputies on their phones (and the door tablet), staff and the admin at
# desks and on tablets. axe's rules read the page's markup, names and contrast, which the two sizes share; the
# staff's main pages are still opened at phone size by tests/browser/test_phone.py (header, tap targets).
SIZES = [("xiahong", PHONE), ("xiahong", TABLET), ("staff1", TABLET), ("admin", TABLET)]


@pytest.mark.parametrize("username, viewport", SIZES, ids=[f"{user}-{'phone' if size is PHONE else 'tablet'}" for user, size in SIZES])
def test_no_serious_accessibility_violation_on_any_page(live_server, demo, page_at, viewport, username):
    from axe_playwright_python.base import AXE_SCRIPT

    page = page_at(viewport)
    page.context.add_init_script(script=AXE_SCRIPT)  # axe-core in every page the crawl opens, sent to Chromium once
    page.goto(live_server + "/login")
    findings = _check(page, "/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)  # the portal has let them in
    pages = 0
    for url in crawl(page, live_server):
        pages += 1
        findings += _check(page, url.removeprefix(live_server))
    assert pages >= {"xiahong": 8, "staff1": 20, "admin": 25}[username]
    assert findings == [], "\n".join(findings)


def _check(page, where: str) -> list[str]:
    """The violations on the page now that are not accepted above, as readable lines."""
    violations = page.evaluate("context => axe.run(context, {resultTypes: ['violations']}).then(results => results.violations)",
                               {"exclude": [[REPEATS]]})
    return [
        f"{where}: {v['id']} ({v['impact']}) ×{len(v['nodes'])}: {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in ("serious", "critical") or v["id"] not in ACCEPTED
    ]
