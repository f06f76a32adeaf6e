"""axe-core on every page each role can reach, at the size the role works at: no serious or critical violation.

The pages are found by following the links from each role's home page (one page per route shape,
`/meetings/12` and `/meetings/13` count once), so a new page is checked as soon as it is linked.
"""
import html
import re
from urllib.parse import urljoin, urlsplit

import pytest

from .conftest import PHONE, TABLET

PASSWORD = "demo-pass-1"
# Downloads and one-time addresses are not pages.
SKIP = re.compile(r"\.(csv|xlsx|ics|docx|pdf|zip)$|/checkin/|/logout$|/static/")
MAX_PAGES = 80
LINK = re.compile(r'<a\b[^>]*?\shref="([^"]*)"')
# The committee's print repeats one deputy's record (each also checked on its own page) for every deputy:
# axe reads the first two, the others taken out of the page first (excluded, they would still be walked).
REPEATS = "article.deputy-record ~ article.deputy-record ~ article.deputy-record"
# Long lists repeat one template: of the rows, list items and cards of one parent, axe reads the first of each
# markup (every element's tag, classes, attribute names and whether it has text of its own), so each variant —
# another status, an empty cell, a button more — is still read, and a list of 600 costs what a list of its kinds does.
SAME_MARKUP_REMOVED = """() => {
  const own = e => e.tagName + '.' + (e.getAttribute('class') || '') + '[' + e.getAttributeNames()
      .filter(n => !n.startsWith('data-')).sort().join() + ']' + ([...e.childNodes].some(t => t.nodeType === 3 && t.data.trim()) ? 'T' : '');
  const markup = e => [e, ...e.querySelectorAll('*')].map(own).join('/');
  document.querySelectorAll('tbody, ul, ol, div, [role=list]').forEach(parent => {
    const seen = new Set();
    [...parent.children].forEach(child => {
      if (!['TR', 'LI', 'ARTICLE'].includes(child.tagName) && child.getAttribute('role') !== 'listitem') return;
      const key = markup(child);
      if (seen.has(key)) child.remove(); else seen.add(key);
    });
  });
}"""

# Moderate or minor findings we accept, by rule id, each with its reason; none is needed today.
# Anything serious or critical always fails.
ACCEPTED: dict[str, str] = {}


def shape(url: str) -> str:
    """A page's route shape: its path with every number replaced."""
    return re.sub(r"\d+", "N", urlsplit(url).path)


def crawl(page, base: str, read: set[str]):
    """Visit every linked page once per route shape, yielding its URL: in the browser, loaded, when its shape is
    not in `read`; else fetched over HTTP in the same session for its links only (axe will not read it again)."""
    queue, seen = [base + "/"], set()
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if shape(url) in seen:
            continue
        seen.add(shape(url))
        links = None
        if shape(url) in read:
            response = page.request.get(url)
            if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            if shape(response.url) in read:  # not sent on to a page axe has not read
                links, url = LINK.findall(response.text()), response.url
        if links is None:
            response = page.goto(url)
            if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            links, url = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"), page.url
        yield url
        for href in links:
            target = urljoin(url, html.unescape(href)).split("#")[0]
            if target.startswith(base) and not SKIP.search(urlsplit(target).path) and shape(target) not in seen:
                queue.append(target)


# Each role at the size it works at: deputies on their phones, staff and the admin at desks and on tablets. axe's
# rules read the page's markup, names and contrast, which the sizes share; the main pages are still opened at the
# other sizes by tests/browser/test_phone.py (header, tap targets) and tests/browser/test_door_*.py (the door tablet).
# The admin reaches every page staff reach and a few more: their crawl follows the same links, and axe reads only
# the route shapes the staff's crawl did not (an admin's page of a shape staff also see is the same template).
CRAWLS = {"deputy-phone": (PHONE, ["xiahong"]), "staff-then-admin-tablet": (TABLET, ["staff1", "admin"])}
FEWEST_PAGES = {"xiahong": 8, "staff1": 20, "admin": 25}


@pytest.mark.parametrize("crawl_name", CRAWLS)
def test_no_serious_accessibility_violation_on_any_page(live_server, demo, page_at, crawl_name):
    from axe_playwright_python.base import AXE_SCRIPT

    viewport, usernames = CRAWLS[crawl_name]
    findings, checked = [], set()
    for username in usernames:
        page = page_at(viewport)  # a context of its own: nothing of the previous login is left
        page.context.add_init_script(script=AXE_SCRIPT)  # axe-core in every page the crawl opens, sent to Chromium once
        page.goto(live_server + "/login")
        if "/login" not in checked:
            checked.add("/login")
            findings += _check(page, "/login")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/login" not in url)  # the portal has let them in
        pages, before = 0, len(checked)
        for url in crawl(page, live_server, checked):
            pages += 1
            if shape(url) not in checked:
                checked.add(shape(url))
                findings += _check(page, url.removeprefix(live_server))
        assert pages >= FEWEST_PAGES[username], f"{username} reached only {pages} pages"
        assert len(checked) > before, f"{username}'s crawl found no page the crawls before it had not read"
    assert findings == [], "\n".join(findings)


def _check(page, where: str) -> list[str]:
    """The violations on the page now that are not accepted above, as readable lines."""
    page.evaluate("selector => document.querySelectorAll(selector).forEach(node => node.remove())", REPEATS)
    page.evaluate(SAME_MARKUP_REMOVED)
    violations = page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(results => results.violations)")
    return [
        f"{where}: {v['id']} ({v['impact']}) ×{len(v['nodes'])}: {v['nodes'][0]['target']}"
        for v in violations
        if v["impact"] in ("serious", "critical") or v["id"] not in ACCEPTED
    ]
