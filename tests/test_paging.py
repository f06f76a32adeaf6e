"""The long lists of a district page by 50 deputies, while their totals stay over everyone."""
import re

import pytest

from bench.generate import Scale, generate, session_id
from portal.extensions import db as _db
from portal.models import Role

FIFTY_FIVE = Scale(deputies=55, communities=2, meetings=2, opinions=0, suggestions=0)


@pytest.fixture
def district(app):
    with app.app_context():
        return generate(FIFTY_FIVE)


@pytest.fixture
def staff(app, client, district):
    with app.app_context():
        user = session_id(district.staff_id)
    with client.session_transaction() as session:
        session["_user_id"] = user
    return client


def deputy_links(html: str) -> list[str]:
    return re.findall(r'href="/deputies/(\d+)"', html)


def test_matrix_pages_by_50_with_tallies_over_everyone(staff):
    first = staff.get("/campaigns/matrix").get_data(as_text=True)
    second = staff.get("/campaigns/matrix?page=2").get_data(as_text=True)
    assert len(deputy_links(first)) == 50 and len(deputy_links(second)) == 5
    assert not set(deputy_links(first)) & set(deputy_links(second))
    assert 'data-tally="deputies">55<' in first and 'data-tally="deputies">55<' in second
    assert "55" in re.search(r'<p class="muted">([^<]*)</p>', second).group(1)
    assert "page=2" in first


def test_matrix_sorted_by_progress_pages_in_that_order(staff, app):
    from portal.campaigns.services import current_campaign, matrix_query, matrix_rows

    pages = [staff.get(f"/campaigns/matrix?sort=-progress&page={n}").get_data(as_text=True) for n in (1, 2)]
    shown = [int(i) for html in pages for i in deputy_links(html)]
    with app.app_context():
        campaign = current_campaign()
        rows = matrix_rows(campaign, list(_db.session.scalars(matrix_query(campaign, sort="-progress"))))
    done = {row.profile.user_id: row.progress.done for row in rows}
    assert len(shown) == 55
    assert [done[i] for i in shown] == sorted(done.values(), reverse=True)


def test_rates_page_by_50_with_totals_over_everyone(staff, app):
    from portal.meetings.rates import attendance_rates, period_tally
    from portal.periods import this_year

    first = staff.get("/meetings/rates").get_data(as_text=True)
    second = staff.get("/meetings/rates?page=2").get_data(as_text=True)
    assert len(deputy_links(first)) == 50 and len(deputy_links(second)) == 5
    with app.app_context():
        rows = attendance_rates(this_year())
        total = period_tally(this_year())
    assert total.expected == sum(row.tally.expected for row in rows) > 50
    for html in (first, second):
        assert f'<span class="figure">{total.expected}</span>' in html


def test_rates_of_one_community(staff, app):
    page = staff.get("/meetings/rates?community=2").get_data(as_text=True)
    assert len(deputy_links(page)) == 27  # deputies 2, 4, … of 55 in two communities
    assert "第01社区" not in page.split("<tbody>")[1]


def test_pages_are_staff_only(client, make_user, login):
    login(make_user(Role.DEPUTY))
    assert client.get("/campaigns/matrix?page=2").status_code == 403
    assert client.get("/meetings/rates?page=2").status_code == 403
