"""Practical matters and voter evaluations: rules, permissions, ratings under thresholds, the upsert, the pages."""
from datetime import date, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.errors import ServiceError
from portal.evaluations.models import Evaluation
from portal.evaluations.services import (
    Rating,
    rating_for,
    record_evaluation,
    set_thresholds,
    thresholds,
    year_period,
)
from portal.extensions import db as _db
from portal.matters.models import MatterState
from portal.matters.services import (
    MatterFields,
    create_matter,
    practical_matters_of,
    update_matter,
)
from portal.models import Community, Role, User
from portal.permissions import can_edit_matter

from .racing import post_together

pytestmark = [pytest.mark.postgres, pytest.mark.dates]  # dates: also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)


@pytest.fixture
def people(db, make_user, make_community):
    community = make_community("气象街社区")
    infos = {"deputy": make_user(Role.DEPUTY, name="夏虹", community_id=community), "other": make_user(Role.DEPUTY),
             "staff": make_user(Role.STAFF), "admin": make_user(Role.ADMIN)}
    people = {k: db.session.get(User, v.id) for k, v in infos.items()}
    people["community"] = db.session.get(Community, community)
    return people


def fields(people, **kw):
    values = dict(title="在气象街26号楼为居民安装了健身器材", location="气象街26号楼", community=people["community"],
                  deputies=[], done_on=local_today(), state=MatterState.DONE, beneficiaries=240)
    values.update(kw)
    return MatterFields(**values)


def test_a_deputy_records_a_matter_they_took_part_in(db, people):
    matter = create_matter(people["deputy"], fields(people))
    assert [d.id for d in matter.deputies] == [people["deputy"].id]
    assert can_edit_matter(people["deputy"], matter) and can_edit_matter(people["staff"], matter)
    assert not can_edit_matter(people["other"], matter)
    with pytest.raises(ServiceError):
        update_matter(people["other"], matter, fields(people, state=MatterState.IN_PROGRESS))
    assert [m.id for m in practical_matters_of(people["deputy"].id)] == [matter.id]
    assert practical_matters_of(people["other"].id) == []


@pytest.mark.parametrize(("kw", "field"), [
    ({"title": " "}, "title"), ({"community": None}, "community"), ({"done_on": None}, "done_on"),
    ({"done_on": lambda: local_today() + timedelta(days=3)}, "done_on"), ({"beneficiaries": 0}, "beneficiaries"),
])
def test_matter_bad_input_names_the_field(db, people, kw, field):
    kw = {name: value() if callable(value) else value for name, value in kw.items()}  # "today" is the test's, not collection's
    with pytest.raises(ServiceError) as error:
        create_matter(people["staff"], fields(people, deputies=[people["deputy"]], **kw))
    assert error.value.field == field


def test_staff_name_the_deputies_and_a_planned_matter_may_lie_ahead(db, people):
    with pytest.raises(ServiceError) as error:
        create_matter(people["staff"], fields(people))
    assert error.value.field == "deputies"
    matter = create_matter(people["staff"], fields(people, deputies=[people["other"]], state=MatterState.PLANNED,
                                                   done_on=local_today() + timedelta(days=30)))
    assert matter.state is MatterState.PLANNED


@pytest.mark.parametrize(("satisfied", "ballots", "rating"), [
    (80, 100, Rating.COMPETENT), (4, 5, Rating.COMPETENT), (79, 100, Rating.BASIC), (50, 100, Rating.BASIC),
    (1, 2, Rating.BASIC), (49, 100, Rating.INCOMPETENT), (0, 7, Rating.INCOMPETENT), (0, 0, None),
])
def test_rating_at_the_default_thresholds(db, satisfied, ballots, rating):
    assert rating_for(Fraction(satisfied, ballots) if ballots else None) is rating


def test_admin_changes_thresholds_and_the_ratings_follow(db, people):
    with pytest.raises(ServiceError):
        set_thresholds(people["staff"], 90, 60)
    with pytest.raises(ServiceError) as error:
        set_thresholds(people["admin"], 60, 60)
    assert error.value.field == "basic_min"
    set_thresholds(people["admin"], 90, 60)
    assert (thresholds().competent_min, thresholds().basic_min) == (90, 60)
    assert rating_for(Fraction(85, 100)) is Rating.BASIC and rating_for(Fraction(59, 100)) is Rating.INCOMPETENT


def test_recording_the_same_period_again_replaces_the_counts(db, people):
    start, end = year_period(2026)
    first = record_evaluation(people["staff"], people["deputy"], start, end, 40, 8, 2)
    assert first.ballots == 50 and first.satisfaction == Fraction(4, 5)
    db.session.commit()
    again = record_evaluation(people["staff"], people["deputy"], start, end, 30, 15, 5)
    db.session.commit()
    assert again.id == first.id and (again.satisfied, again.ballots) == (30, 50)
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 1


@pytest.mark.parametrize(("args", "field"), [
    ((None, None, 1, 1, 1), "starts_on"), ((date(2026, 5, 1), date(2026, 4, 1), 1, 1, 1), "ends_on"),
    ((date(2026, 1, 1), date(2026, 12, 31), -1, 1, 1), "satisfied"), ((date(2026, 1, 1), date(2026, 12, 31), 0, 0, 0), "satisfied"),
])
def test_evaluation_bad_input(db, people, args, field):
    with pytest.raises(ServiceError) as error:
        record_evaluation(people["staff"], people["deputy"], *args)
    assert error.value.field == field
    with pytest.raises(ServiceError):
        record_evaluation(people["deputy"], people["deputy"], date(2026, 1, 1), date(2026, 12, 31), 1, 1, 1)


def test_evaluation_pages(app, client, login, make_user, make_community):
    community = make_community()
    deputy, staff, admin = make_user(Role.DEPUTY, name="吴敏", community_id=community), make_user(Role.STAFF), make_user(Role.ADMIN)
    year = local_today().year
    login(staff)
    form = client.get("/evaluations/new").get_data(as_text=True)
    assert 'name="evaluated_on" required type="date" value=""' in form or 'name="evaluated_on" required type="date"' in form
    assert f'data-today="{local_today().isoformat()}"' in form  # the 今天 button fills it, on the portal's clock
    page = client.post("/evaluations/new", data={"deputy": deputy.id, "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31",
                                                 "satisfied": "", "basically_satisfied": "3", "dissatisfied": "1"}).get_data(as_text=True)
    assert "请输入数字。" in page and 'value="3"' in page
    assert "请填写评议日期。" in page  # no silent today: an old paper form must say its day
    response = client.post("/evaluations/new", data={"deputy": deputy.id, "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31",
                                                     "satisfied": "37", "basically_satisfied": "10", "dissatisfied": "3",
                                                     "evaluated_on": local_today().isoformat()})
    assert response.status_code == 302
    overview = client.get("/evaluations/").get_data(as_text=True)
    assert "吴敏" in overview and "74%" in overview and "基本称职" in overview
    login(admin)
    assert "须不小于 0，且低于称职线" in client.post("/evaluations/thresholds", data={"competent_min": "70", "basic_min": "70"}).get_data(as_text=True)
    assert client.post("/evaluations/thresholds", data={"competent_min": "70", "basic_min": "40"}).status_code == 302
    login(deputy)  # a deputy sees their own evaluation on their profile
    profile = client.get(f"/deputies/{deputy.id}").get_data(as_text=True)
    assert f"{year}年度" in profile and "74%" in profile and ">称职<" in profile


def test_matter_pages(app, client, login, make_user, make_community):
    community = make_community("气象街社区")
    deputy, other = make_user(Role.DEPUTY, community_id=community), make_user(Role.DEPUTY)
    login(deputy)
    data = {"title": "协调市政对气象街30-54号路面进行了修复", "location": "气象街30-54号", "community": community,
            "done_on": local_today().isoformat(), "state": "done", "beneficiaries": "860", "opinion": 0, "suggestion": 0}
    page = client.post("/matters/new", data=data | {"title": ""}).get_data(as_text=True)
    assert "请输入标题。" in page and "气象街30-54号" in page
    response = client.post("/matters/new", data=data)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "气象街30-54号" in detail and "已办结" in detail and "860" in detail and "编辑</a>" in detail
    login(other)
    assert client.get(response.headers["Location"] + "/edit").status_code == 403
    assert "编辑</a>" not in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "协调市政" in client.get("/matters/?state=done").get_data(as_text=True)
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


@pytest.mark.parametrize("keys", [("k" * 32, "k" * 32), ("a" * 32, "b" * 32)], ids=["double-tap", "two-tabs"])
def test_two_simultaneous_evaluations_make_one_record_and_both_succeed(app, make_user, keys):
    deputy, staff = make_user(Role.DEPUTY), make_user(Role.STAFF)
    year = local_today().year
    forms = [{"deputy": deputy.id, "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31", "satisfied": "37",
              "basically_satisfied": "10", "dissatisfied": "3", "submission_key": key,
              "evaluated_on": local_today().isoformat()} for key in keys]
    outcomes = post_together(app, staff.id, "/evaluations/new", forms, Evaluation)
    assert [getattr(o, "status_code", o) for o in outcomes] == [302, 302]
    with app.app_context():
        rows = _db.session.scalars(select(Evaluation)).all()
        assert [(r.deputy_id, r.satisfied, r.ballots) for r in rows] == [(deputy.id, 37, 50)]
