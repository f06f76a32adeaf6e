"""The overview's figures: the report's story from the demo data, for any period and community."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.campaigns.services import deputies_in_communities
from portal.clock import local_today
from portal.extensions import db as _db
from portal.reports.figures import committee_figures
from portal.periods import Period, this_year
from portal.models import Community, Role
from portal.suggestions.adoption import answers_in_period, opinion_figures

# The tests of the demo street on one worker, which builds it once per database.
pytestmark = pytest.mark.xdist_group("demo")


@pytest.mark.postgres
def test_demo_tells_the_reports_figures(app, demo):
    with app.app_context():
        year = this_year()
        figures = committee_figures(year)
        assert (figures.deputies_in_communities, figures.opinions, figures.submitted, figures.adopted) == (10, 69, 69, 17)
        assert figures.adoption_rate.numerator * 69 == 17 * figures.adoption_rate.denominator
        assert figures.matters_done >= 2 and figures.voter_meetings > 0
        assert figures.attendance.expected > 0 and figures.ballots > 0
        by_community = [committee_figures(Period(year.start, year.end, c.id)) for c in _db.session.scalars(select(Community))]
        assert sum(f.opinions for f in by_community) == 69
        assert sum(f.matters_done for f in by_community) == figures.matters_done
        assert all(f.deputies_in_communities <= 10 for f in by_community)


@pytest.mark.postgres
def test_each_period_of_a_shape_counts_its_own_records(app, demo):
    """The overview's counts are one statement built once per shape of period, its dates and community bound:
    periods of one shape each count their own records."""
    with app.app_context():
        year = this_year()
        middle = max(local_today() - timedelta(days=120), year.start)
        first, second = committee_figures(Period(year.start, middle)), committee_figures(Period(middle + timedelta(days=1), year.end))
        whole = committee_figures(year)
        for name in ("opinions", "submitted", "adopted", "answered", "matters_done", "voter_meetings", "ballots", "satisfied"):
            assert getattr(first, name) + getattr(second, name) == getattr(whole, name), name
        assert committee_figures(Period(None, date(2000, 1, 1))).opinions == 0
        assert committee_figures(Period(None, local_today())).opinions >= whole.opinions > 0
        communities = list(_db.session.scalars(select(Community.id)))
        shares = [committee_figures(Period(year.start, year.end, community)) for community in communities]
        assert len({f.opinions for f in shares}) > 1 and sum(f.opinions for f in shares) == whole.opinions
        assert (whole.deputies_in_communities, whole.opinions, whole.answered) == (
            deputies_in_communities(year), opinion_figures(year).opinions, answers_in_period(year).submitted)


def test_an_empty_period_has_zeros_and_no_rates(app, demo):
    with app.app_context():
        figures = committee_figures(Period(date(2000, 1, 1), date(2000, 12, 31)))
        assert (figures.deputies_in_communities, figures.opinions, figures.submitted, figures.matters_done) == (0, 0, 0, 0)
        assert figures.adoption_rate is None and figures.attendance.rate is None and figures.satisfaction_rate is None


def test_overview_page_states_the_report_line(client, login, make_user, demo):
    login(make_user(Role.STAFF, username="office"))
    page = client.get("/staff").get_data(as_text=True)
    assert "已有10位代表深入社区，收集选民意见69条，上报区委建言69条，被区委采纳17条，采纳率25%。" in page
    assert f"{local_today().year}年1月1日" in page


def test_overview_filter_swaps_the_figures_for_htmx(app, client, login, make_user, demo):
    login(make_user(Role.STAFF, username="office"))
    with app.app_context():
        community_id = _db.session.scalar(select(Community.id).where(Community.name == "气象街社区"))
    partial = client.get(f"/staff?community={community_id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="committee-figures">') and "<html" not in partial
    assert "收集选民意见69条" not in partial


def test_bad_period_is_reported_and_the_default_used(client, login, make_user, demo):
    login(make_user(Role.STAFF, username="office"))
    page = client.get("/staff?start=2026-05-01&end=2026-04-01").get_data(as_text=True)
    assert "截止日期不能早于起始日期。" in page and 'aria-describedby="end-error"' in page
    assert "收集选民意见69条" in page
