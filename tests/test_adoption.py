"""The adoption rate on hand-made data: zero submitted, all adopted, 17 of 69, and the breakdowns and exports."""
import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from portal.figures import percent
from portal.models import Community, Role, User
from portal.opinions.models import Category
from portal.opinions.services import ensure_default_categories
from portal.periods import Period
from portal.suggestions.adoption import (
    adoption_by_category,
    adoption_by_community,
    adoption_by_deputy,
    adoption_by_month,
    adoption_overall,
)
from portal.suggestions.models import Suggestion, SuggestionState

pytestmark = pytest.mark.postgres
S = SuggestionState


@pytest.fixture
def world(db, make_user, make_community):
    east, west = make_community("东风社区"), make_community("和平里社区")
    a, b = make_user(Role.DEPUTY, name="陈静", community_id=east), make_user(Role.DEPUTY, name="吴敏", community_id=west)
    ensure_default_categories()
    return {
        "a": db.session.get(User, a.id), "b": db.session.get(User, b.id),
        "east": db.session.get(Community, east), "west": db.session.get(Community, west),
        "categories": {c.name: c for c in db.session.query(Category)},
    }


def add(db, world, state, n=1, category="经济发展", community="east", deputies=("a",), on=date(2026, 3, 10)):
    for _ in range(n):
        db.session.add(Suggestion(
            title="建言", content="内容", category=world["categories"][category], community=world[community], state=state,
            submitted_on=None if state is S.DRAFT else on, created_by_id=world["a"].id, deputies=[world[d] for d in deputies],
        ))
    db.session.flush()


def test_nothing_submitted_gives_no_rate(db, world):
    add(db, world, S.DRAFT, 3)
    overall = adoption_overall()
    assert (overall.submitted, overall.adopted, overall.rate) == (0, 0, None)
    assert percent(overall.rate) == "—"
    assert adoption_by_category() == []


def test_all_adopted_counts_implementing_and_done_as_adopted(db, world):
    add(db, world, S.ADOPTED)
    add(db, world, S.IMPLEMENTING)
    add(db, world, S.DONE)
    assert percent(adoption_overall().rate) == "100%"


def test_seventeen_of_sixty_nine_is_25_percent_on_the_page_and_24_6_exactly(db, world):
    add(db, world, S.ADOPTED, 10)
    add(db, world, S.IMPLEMENTING, 4)
    add(db, world, S.DONE, 3)
    add(db, world, S.NOT_ADOPTED, 46)
    add(db, world, S.SUBMITTED, 6)
    add(db, world, S.DRAFT, 5)  # drafts never reached 区委
    overall = adoption_overall()
    assert (overall.submitted, overall.adopted) == (69, 17)
    assert percent(overall.rate) == "25%" and percent(overall.rate, places=1) == "24.6%"


def test_breakdowns_and_period_and_community_filters(db, world):
    add(db, world, S.ADOPTED, 1, "经济发展", "east", ("a", "b"), date(2026, 3, 10))
    add(db, world, S.NOT_ADOPTED, 2, "经济发展", "east", ("a",), date(2026, 3, 20))
    add(db, world, S.DONE, 1, "民生发展", "west", ("b",), date(2026, 5, 2))
    add(db, world, S.SUBMITTED, 1, "民生发展", "west", ("b",), date(2026, 5, 3))

    def rows(result):
        return {r.label: (r.submitted, r.adopted, percent(r.rate)) for r in result}

    assert rows(adoption_by_category()) == {"经济发展": (3, 1, "33%"), "民生发展": (2, 1, "50%")}
    assert rows(adoption_by_community()) == {"东风社区": (3, 1, "33%"), "和平里社区": (2, 1, "50%")}
    assert rows(adoption_by_deputy()) == {"陈静": (3, 1, "33%"), "吴敏": (3, 2, "67%")}  # a joint one counts for both
    assert rows(adoption_by_month()) == {"2026-03": (3, 1, "33%"), "2026-05": (2, 1, "50%")}
    may = Period(date(2026, 5, 1), date(2026, 5, 31))
    assert (adoption_overall(may).submitted, adoption_overall(may).adopted) == (2, 1)
    east = Period(community_id=world["east"].id)
    assert rows(adoption_by_category(east)) == {"经济发展": (3, 1, "33%")}
    assert adoption_overall(Period(date(2026, 6, 1))).rate is None


def test_figures_page_and_exports_for_staff(app, client, login, make_user, world, db):
    add(db, world, S.ADOPTED, 17)
    add(db, world, S.NOT_ADOPTED, 52)
    db.session.commit()
    login(make_user(Role.STAFF))
    page = client.get("/suggestions/figures").get_data(as_text=True)
    assert '<span class="figure" data-figure="rate">25%</span>' in page and "经济发展" in page
    body = client.get("/suggestions/figures/export.csv").get_data(as_text=True).lstrip("\ufeff")
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:5] == ["分类", "名称", "已上报", "已采纳", "采纳率"]
    assert table[1][2:] == ["69", "17", "24.6%", "17/69"]
    response = client.get("/suggestions/figures/export.xlsx?community=%d" % world["east"].id)
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert [c.value for c in sheet[2]][2:] == [69, 17, "24.6%", "17/69"]
    assert client.get("/suggestions/figures/export.pdf").status_code == 404
