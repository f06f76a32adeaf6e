"""The demo tells the report's 建言献策 story, from the data: 10 deputies, 69 opinions, 69 submitted, 17 adopted, 25%."""

from datetime import date

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.demo import seed_accounts
from portal.evaluations.models import Evaluation
from portal.extensions import db
from portal.matters.models import MatterState, PracticalMatter
from portal.meetings.rates import attendance_rates
from portal.models import Role, User
from portal.opinions.models import CollectionMethod, Opinion
from portal.periods import Period, this_year
from portal.opinions.services import (
    active_categories,
    ensure_default_categories,
    record_opinion,
)
from portal.reports.figures import committee_figures
from portal.suggestions.adoption import adoption_overall, opinion_figures
from portal.demo.suggestions import seed_suggestions
from portal.suggestions.models import Suggestion


def story(app):
    """This year's story (last year's ledgers, imported by the demo too, are told apart by their dates)."""
    with app.app_context():
        year = this_year()
        this = Opinion.collected_on >= year.start
        overall = adoption_overall(year)
        return {
            "opinions": db.session.scalar(select(func.count()).select_from(Opinion).where(this)),
            "unsorted": db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.suggestion_id.is_(None))),
            "suggestions": db.session.scalar(select(func.count()).select_from(Suggestion).where(Suggestion.submitted_on >= year.start)),
            "submitted": overall.submitted, "adopted": overall.adopted,
            "deputies": opinion_figures(year).deputies,
            "matters": sorted(db.session.scalars(select(PracticalMatter.title).where(
                PracticalMatter.state == MatterState.DONE, PracticalMatter.done_on >= year.start))),
            "evaluations": db.session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.starts_on >= year.start)),
        }


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
@pytest.mark.postgres
def test_seed_demo_tells_the_reports_story_and_is_idempotent(app, demo, runner, client):
    assert runner.invoke(args=["seed-demo", "--password", "demo-pass-1"]).exit_code == 0
    first = story(app)
    assert first | {"matters": None} == {"opinions": 69, "unsorted": 0, "suggestions": 69, "submitted": 69, "adopted": 17,
                                         "deputies": 10, "matters": None, "evaluations": 30}
    assert first["matters"] == ["协调市政对气象街30-54号路面进行了修复", "在气象街26号楼为居民安装了健身器材"]
    with app.app_context():
        titles = set(db.session.scalars(select(Suggestion.title)))
        assert {"采用“双招”模式，招商招人才", "出台优惠政策，鼓励各类组织兴建社区服务设施", "健全街道养老服务机构，每个社区建立托老所"} <= titles
        xiahong = db.session.scalar(select(Suggestion).where(Suggestion.title.like("出台优惠政策%")))
        assert [d.username for d in xiahong.deputies] == ["xiahong"] and xiahong.category.name == "社区建设"
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert story(app) == first
    with app.app_context():  # last year's ledgers, brought in through the import, beside this year
        last = local_today().year - 1
        figures = committee_figures(Period(date(last, 1, 1), date(last, 12, 31)))
        assert (figures.opinions, figures.submitted, figures.adopted, figures.matters_done, figures.voter_meetings) == (7, 5, 4, 1, 1)
        assert figures.attendance.expected > 0 and figures.ballots > 0
        assert db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.number.like("TZ-%"))) == 7
        # the deputies who were not re-elected have their history of the term they served
        rates = {row.deputy.name: row.tally for row in attendance_rates(Period(date(last, 1, 1), date(last, 12, 31)))}
        assert (rates["孔祥瑞"].present, rates["邓文华"].excused, rates["田晓燕"].present) == (1, 1, 1)
        kong = db.session.scalar(select(User).where(User.name == "孔祥瑞"))
        assert not kong.active and db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.deputy_id == kong.id)) == 1
        assert db.session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.deputy_id == kong.id)) == 1
    client.post("/login", data={"username": "staff1", "password": "demo-pass-1"})
    this = f"?start={local_today().year}-01-01"
    page = client.get("/suggestions/figures" + this).get_data(as_text=True)
    assert '<span class="figure" data-figure="rate">25%</span>' in page
    assert "24.6%" in client.get("/suggestions/figures/export.csv" + this).get_data(as_text=True)


def test_with_forty_meeting_opinions_already_there_the_total_is_still_69(app):
    """The meetings seeder runs first and leaves 40 opinions; this one adds 29 and a suggestion for every opinion."""
    with app.app_context():
        seed_accounts("demo-pass-1")
        ensure_default_categories()
        deputy = db.session.scalar(select(User).where(User.username == "caoyang"))
        for i in range(40):
            record_opinion(deputy, deputy, f"见面会上选民反映的第{i + 1}条意见", deputy.deputy.community, active_categories()[i % 6],
                           local_today(), CollectionMethod.MEETING, voter_count=10)
        db.session.commit()
        seed_suggestions()
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Opinion)) == 69
        assert db.session.scalar(select(func.count()).select_from(Opinion).where(Opinion.method == CollectionMethod.MEETING)) == 40
        overall = adoption_overall()
        assert (overall.submitted, overall.adopted) == (69, 17)
        assert db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.DEPUTY, User.active)) == 30
