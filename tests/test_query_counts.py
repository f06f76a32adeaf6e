"""The number of SQL statements a page costs is the same for a street (30 deputies) and a district (600).

Both databases are filled by the benchmark's bulk generator; every page the benchmark measures, and the
other lists and figures, is asked for on both and its statements counted, with the figures cache off.
"""
import gzip
import re
from dataclasses import replace

import pytest
from sqlalchemy import event

from bench.generate import TINY, generate, session_id
from bench.run import PAGES
from portal import create_app
from portal.extensions import db
from portal.meetings.models import Meeting

from .conftest import test_config as config_for_tests

STREET = replace(TINY, meetings=4)
DISTRICT = replace(STREET, deputies=600, communities=20, opinions=1200, suggestions=240)

# Pages beyond the benchmark's: (label, role, path, htmx?).
MORE_PAGES = [
    ("deputy list", "staff", "/deputies/", False),
    ("deputy list filtered (htmx)", "staff", "/deputies/?q=王&level=district", True),
    ("opinion list", "staff", "/opinions/", False),
    ("suggestion list", "staff", "/suggestions/", False),
    ("meeting list", "staff", "/meetings/", False),
    ("overview figures (htmx)", "staff", "/staff?community=1", True),
    ("attendance rates, one community", "staff", "/meetings/rates?community=2", False),
    ("四个一 matrix, one community", "staff", "/campaigns/matrix?community=2", False),
    ("deputy profile", "staff", "/deputies/{deputy}", False),
    ("a deputy's opinions", "deputy", "/opinions/", False),
    ("a deputy's meetings", "deputy", "/meetings/", False),
]
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
        user = session_id(generated.staff_id if role == "staff" else generated.deputy_id)
        version = db.session.get(Meeting, generated.meeting_id).board_version
    with client.session_transaction() as session:
        session["_user_id"] = user
    path = path.format(meeting=generated.meeting_id, deputy=generated.deputy_ids[1], version=version, previous=version - 1)
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
    assert response.status_code in (200, 204), (path, response.status_code)  # an idle poll answers 204
    return len(seen)


@pytest.mark.parametrize("label, role, path, htmx, method", CASES)
def test_same_statements_at_30_and_at_600_deputies(street, district, label, role, path, htmx, method):
    at_30 = statements(street, role, method, path, htmx)
    at_600 = statements(district, role, method, path, htmx)
    assert at_600 == at_30, f"{label}: {at_30} statements at 30 deputies, {at_600} at 600"


ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
# The 600-card board's HTML, gzipped; with the CSS, JS and icon it pulls, a cold visit stays within 40 KB.
BOARD_GZIP_BUDGET = 16 * 1024


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
    assert total <= 40 * 1024, f"cold visit: {total} bytes ({', '.join(assets)})"
