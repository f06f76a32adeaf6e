"""Recording voter opinions: who may, what is required, and the voters behind them."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.extensions import db as _db
from portal.models import Community, Role, User
from portal.opinions.models import Category, CollectionMethod, Opinion
from portal.opinions.services import (
    active_categories,
    ensure_default_categories,
    record_opinion,
)

pytestmark = [pytest.mark.postgres, pytest.mark.dates]  # dates: also at 23:30 and 00:30 Beijing time around a month's and a year's end (tests/clocks.py)


@pytest.fixture
def people(db, make_user):
    deputy = make_user(Role.DEPUTY)
    other = make_user(Role.DEPUTY)
    staff = make_user(Role.STAFF)
    ensure_default_categories()
    return {k: db.session.get(User, v.id) for k, v in {"deputy": deputy, "other": other, "staff": staff}.items()}


def test_default_categories_are_the_reports(db, people):
    ensure_default_categories()  # idempotent
    assert [c.name for c in active_categories()] == ["经济发展", "党的建设", "社区建设", "民生发展", "社会事业", "其他"]


def record(people, actor="deputy", deputy="deputy", **kw):
    community = _db.session.get(Community, people["deputy"].deputy.community_id)
    args = dict(content="希望增设老年食堂", community=community, category=active_categories()[3],
                collected_on=local_today(), method=CollectionMethod.VISIT)
    args.update(kw)
    return record_opinion(people[actor], people[deputy], **args)


def test_deputy_records_own_opinion(db, people):
    opinion = record(people, voter_names="张大爷、李阿姨")
    db.session.commit()
    assert opinion.on_behalf is False and opinion.voters == 2
    assert opinion.category.name == "民生发展"


def test_staff_records_on_behalf(db, people):
    opinion = record(people, actor="staff", voter_count=12)
    assert opinion.on_behalf is True and opinion.recorded_by_id == people["staff"].id and opinion.voters == 12


def test_deputy_cannot_record_for_another(db, people):
    with pytest.raises(Exception) as error:
        record(people, actor="other")
    assert error.value.field == "deputy"


@pytest.mark.parametrize(
    ("kw", "field"),
    [({"content": " "}, "content"), ({"content": "长" * 1001}, "content"), ({"community": None}, "community"),
     ({"category": None}, "category"), ({"collected_on": None}, "collected_on"),
     ({"collected_on": lambda: local_today() + timedelta(days=2)}, "collected_on"), ({"voter_count": 0}, "voter_count")],
)
def test_bad_input_is_refused_and_nothing_written(db, people, kw, field):
    kw = {name: value() if callable(value) else value for name, value in kw.items()}  # "today" is the test's, not collection's
    with pytest.raises(Exception) as error:
        record(people, **kw)
    assert error.value.field == field
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Opinion)) == 0


def test_staff_is_not_a_deputy(db, people):
    with pytest.raises(Exception) as error:
        record(people, actor="staff", deputy="staff")
    assert error.value.field == "deputy"
    assert db.session.scalar(select(func.count()).select_from(Category)) == 6
