"""The number of SQL statements a page costs is the same for a street (30 deputies) and a district (600).

Both databases are filled by the benchmark's bulk generator; every page the benchmark measures, and the
other lists and figures, is asked for on both and its statements counted, with the figures cache off.
"""
import gzip
import re
from dataclasses import replace

import pytest
from sqlalchemy import event, select

from bench.generate import TINY, generate, session_id
from bench.run import PAGES
from portal import create_app
from portal.extensions import db
from portal.meetings.models import Meeting
from portal.suggestions.models import Suggestion, SuggestionState

from .conftest import test_config as config_for_tests

# One worker builds this module's fixtures (a server, a street) once: under `-n`, all its tests run there.
pytestmark = pytest.mark.xdist_group("test_query_counts")

STREET = replace(TINY, meetings=4)
DISTRICT = replace(STREET, deputies=600, communities=20, opinions=1200, suggestions=240)

# Pages beyond the benchmark's: (label, role, path, htmx?).
MORE_PAGES = [
    ("deputy list", "staff", "/deputies/", False),
    ("deputy list filtered (htmx)", "staff", "/deputies/?q=王&level=district", True),
    ("opinion list", "staff", "/opinions/", False),
    ("suggestion list", "staff", "/suggestions/", False),
    ("suggestion list, overdue answers", "staff", "/suggestions/?overdue=1", False),
    ("meeting list", "staff", "/meetings/", False),
    ("overview figures (htmx)", "staff", "/staff?community=1", True),
    ("attendance rates, one community", "staff", "/meetings/rates?community=2", False),
    ("四个一 matrix, one community", "staff", "/campaigns/matrix?community=2", False),
    ("deputy profile", "staff", "/deputies/{deputy}", False),
    ("a deputy's opinions", "deputy", "/opinions/", False),
    ("a deputy's meetings", "deputy", "/meetings/", False),
    ("home redirect", "staff", "/", False),
    ("checklist", "staff", "/campaigns/", False),
    ("campaign", "staff", "/campaigns/1", False),
    ("深入社区 days", "staff", "/campaigns/community-days", False),
    ("a checklist record", "staff", "/campaigns/records/1", False),
    ("an item's card (htmx)", "deputy", "/campaigns/items/1/card", True),
    ("on-behalf links (htmx)", "staff", "/campaigns/on-behalf/links", True),
    ("practical matters", "staff", "/matters/", False),
    ("a practical matter", "staff", "/matters/1", False),
    ("evaluations", "staff", "/evaluations/", False),
    ("an evaluation", "staff", "/evaluations/1", False),
    ("a meeting", "staff", "/meetings/{meeting}", False),
    ("paper sheet", "staff", "/meetings/{meeting}/sheet", False),
    ("a suggestion", "staff", "/suggestions/1", False),
    ("reports", "staff", "/reports/", False),
    ("the committee's records", "staff", "/reports/deputies", False),
    ("a deputy's record", "staff", "/reports/deputies/{deputy}", False),
    ("status wall", "staff", "/wall", False),
    ("admin", "admin", "/admin/", False),
    ("terms", "staff", "/deputies/terms", False),
    ("a term", "staff", "/deputies/terms/1", False),
    ("new term", "admin", "/admin/terms/new", False),
    ("attendance rates, this term", "staff", "/meetings/rates?span=term", False),
    ("accounts", "admin", "/admin/users", False),
    ("audit log", "admin", "/admin/audit/", False),
    ("deputy export", "staff", "/deputies/export.csv", False),
    ("opinion export", "staff", "/opinions/export.csv", False),
    ("suggestion export", "staff", "/suggestions/export.csv", False),
    ("adoption export", "staff", "/suggestions/figures/export.csv", False),
    ("matter export", "staff", "/matters/export.csv", False),
    ("evaluation export", "staff", "/evaluations/export.csv", False),
    ("matrix export", "staff", "/campaigns/matrix/export.csv", False),
    ("rates export", "staff", "/meetings/rates/export.csv", False),
    ("attendance export", "staff", "/meetings/{meeting}/export.csv", False),
    ("meetings export", "staff", "/meetings/export.csv", False),
    ("ledgers", "staff", "/ledger/", False),
    ("a ledger template", "staff", "/ledger/template/meetings.xlsx", False),
    ("every ledger export", "staff", "/ledger/export.xlsx", False),
    ("work report (Word)", "staff", "/reports/work-report.docx", False),
    ("login", "anonymous", "/login", False),
    ("change password", "staff", "/account/password", False),
    ("communities", "admin", "/admin/communities", False),
    ("edit a community", "admin", "/admin/communities/1/edit", False),
    ("import deputies", "admin", "/admin/import", False),
    ("settings", "admin", "/admin/settings", False),
    ("new account", "admin", "/admin/users/new", False),
    ("edit an account", "admin", "/admin/users/{deputy}/edit", False),
    ("reset a password", "admin", "/admin/users/{deputy}/password", False),
    ("new campaign", "admin", "/campaigns/new", False),
    ("edit a campaign", "admin", "/campaigns/1/edit", False),
    ("edit an item", "admin", "/campaigns/items/1/edit", False),
    ("record an item", "deputy", "/campaigns/items/1/record", False),
    ("record on behalf", "staff", "/campaigns/on-behalf", False),
    ("new evaluation", "staff", "/evaluations/new", False),
    ("evaluation thresholds", "admin", "/evaluations/thresholds", False),
    ("new practical matter", "staff", "/matters/new", False),
    ("edit a practical matter", "staff", "/matters/1/edit", False),
    ("new meeting", "staff", "/meetings/new", False),
    ("edit a meeting", "staff", "/meetings/{meeting}/edit", False),
    ("a meeting's roster", "staff", "/meetings/{meeting}/roster", False),
    ("meeting kinds", "admin", "/meetings/kinds", False),
    ("edit a meeting kind", "admin", "/meetings/kinds/1/edit", False),
    ("new opinion", "deputy", "/opinions/new", False),
    ("categories", "admin", "/opinions/categories", False),
    ("edit a category", "admin", "/opinions/categories/1/edit", False),
    ("new suggestion", "staff", "/suggestions/new", False),
    ("edit a suggestion", "staff", "/suggestions/{draft}/edit", False),
    ("duty points, a community last quarter", "staff", "/points/?span=last-quarter&community=2", False),
    ("a published quarter", "staff", "/points/publications/1", False),
    ("a published quarter's export", "staff", "/points/publications/1/export.xlsx", False),
    ("a deputy's duty points", "deputy", "/points/mine?span=year", False),
    ("points rules", "staff", "/points/rules", False),
    ("new points rules", "admin", "/points/rules/edit", False),
    ("batch review", "staff", "/campaigns/review?state=all", False),
]
# GET routes left out: health checks, static files, the service worker, and three whose URL carries a
# secret (the QR image, the check-in page its code opens, a deputy's calendar feed): one meeting or one
# deputy each, covered by their own tests; and an evidence file and its thumbnail (bytes, not a page: tests/test_evidence.py).
NOT_PAGES = {"static", "health.healthz", "health.readyz", "meetings.service_worker", "meetings.checkin_code",
             "meetings.checkin", "meetings.calendar", "evidence.download", "evidence.thumb"}
CASES = [pytest.param(p.label, p.user, p.path, p.htmx, p.method, id=p.label) for p in PAGES] + [pytest.param(*page, "GET", id=page[0]) for page in MORE_PAGES]


def _world(tmp_path_factory, scale):
    app = create_app(config_for_tests(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path_factory.mktemp('counts')}/portal.db", FIGURES_CACHE=False
    ))
    with app.app_context():
        db.create_all()
        generated = generate(scale)
        engine = db.engine
    yield app, generated, engine
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def street(tmp_path_factory):
    yield from _world(tmp_path_factory, STREET)


@pytest.fixture(scope="module")
def district(tmp_path_factory):
    yield from _world(tmp_path_factory, DISTRICT)


def statements(world, role: str, method: str, path: str, htmx: bool) -> int:
    """Ask for the page twice (the first warms what is cached per process) and count the second's statements."""
    app, generated, engine = world
    client = app.test_client()
    with app.app_context():
        user = {"staff": generated.staff_id, "deputy": generated.deputy_id, "admin": 1}.get(role)  # else anonymous
        user = user and session_id(user)
        version = db.session.get(Meeting, generated.meeting_id).board_version
        draft = db.session.scalar(select(Suggestion.id).where(Suggestion.state == SuggestionState.DRAFT).order_by(Suggestion.id))
    if user:
        with client.session_transaction() as session:
            session["_user_id"] = user
    path = path.format(meeting=generated.meeting_id, deputy=generated.deputy_ids[1], version=version, previous=version - 1,
                       draft=draft)
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"status": "present"} if method == "POST" else None
    client.open(path, method=method, headers=headers, data=data)
    seen = []

    def count(*_args):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.open(path, method=method, headers=headers, data=data)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code in (200, 204, 302), (path, response.status_code)  # idle poll 204, home 302
    return len(seen)


@pytest.mark.parametrize("label, role, path, htmx, method", CASES)
def test_same_statements_at_30_and_at_600_deputies(street, district, label, role, path, htmx, method):
    at_30 = statements(street, role, method, path, htmx)
    at_600 = statements(district, role, method, path, htmx)
    assert at_600 == at_30, f"{label}: {at_30} statements at 30 deputies, {at_600} at 600"


def test_every_page_is_counted(street):
    app, _generated, _engine = street
    adapter = app.url_map.bind("localhost")
    counted = {adapter.match(path.split("?")[0].format(meeting=1, deputy=1, version=0, previous=0, draft=1), method=method)[0]
               for _label, _role, path, _htmx, method in (case.values for case in CASES)}
    pages = {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    assert pages - NOT_PAGES - counted == set()


ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
# The 600-card board's HTML, gzipped; with the CSS, JS and icon it pulls, a cold visit stays within 48 KB (README).
BOARD_GZIP_BUDGET = 18 * 1024 + 512  # the cards carry their buttons' empty slot, so the layout never jumps


def test_the_district_door_board_is_light_on_a_cold_visit(district):
    app, generated, _engine = district
    client = app.test_client()
    with app.app_context():
        user = session_id(generated.staff_id)
    with client.session_transaction() as session:
        session["_user_id"] = user
    page = client.get(f"/meetings/{generated.meeting_id}/attendance", headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(page.data).decode()
    assert page.status_code == 200 and html.count('class="attendance-card') == 600
    assert len(page.data) <= BOARD_GZIP_BUDGET, f"board HTML: {len(page.data)} bytes gzipped"
    assets = sorted(set(ASSET.findall(html)))
    assert not any("htmx" in url for url in assets)  # the door screen sends its taps itself
    total = len(page.data) + sum(len(client.get(url, headers={"Accept-Encoding": "gzip"}).data) for url in assets)
    assert total <= 48 * 1024, f"cold visit: {total} bytes ({', '.join(assets)})"
