"""Terms (届): a new term's roster continues re-elected deputies and ends the others; the period buttons; the demo's terms."""
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal.accounts.memberships import memberships_of, move_deputy, open_membership
from portal.accounts.terms import start_term
from portal.auditing import AuditEvent
from portal.clock import local_today
from portal.extensions import db
from portal.models import Community, Membership, Role, Term, User

pytestmark = pytest.mark.postgres


def roster(*rows: tuple[str, str, str, str]) -> bytes:
    lines = ["用户名,姓名,级别,社区"] + [",".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_a_new_term_continues_the_re_elected_and_ends_the_others(app, client, login, make_user, make_community):
    home = make_community("甲社区")
    make_community("乙社区")
    stays, leaves = make_user(Role.DEPUTY, community_id=home), make_user(Role.DEPUTY, community_id=home)
    login(make_user(Role.ADMIN))
    starts = local_today().replace(month=1, day=1)
    form = {"name": "第十八届", "starts_on": starts.isoformat(), "ends_on": starts.replace(year=starts.year + 4, month=12, day=31).isoformat()}
    bad = roster((stays.username, stays.name, "区", "甲社区"), ("newone", "新代表", "区", "没有的社区"))
    page = client.post("/admin/terms/new", data=form | {"file": (io.BytesIO(bad), "roster.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "没有名为“没有的社区”的社区。" in page
    with app.app_context():
        assert db.session.scalar(select(Term)) is None  # all or nothing
        assert memberships_of(leaves.id)[-1].ends_on is None
    good = roster((stays.username, stays.name, "区", "乙社区"), ("newone", "新代表", "市", "甲社区"))
    page = client.post("/admin/terms/new", data=form | {"file": (io.BytesIO(good), "roster.csv")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "第十八届已开始：连任代表1名，新任1名，未连任1名" in page
    last_day = starts - timedelta(days=1)
    with app.app_context():
        term = db.session.scalar(select(Term))
        kept = [(m.term_id, m.starts_on, m.ends_on) for m in memberships_of(stays.id)]
        assert kept == [(None, date(2000, 1, 1), last_day), (term.id, starts, None)]
        assert db.session.get(User, stays.id).deputy.community.name == "乙社区"
        assert [(m.ends_on, m.term_id) for m in memberships_of(leaves.id)] == [(last_day, None)]
        assert db.session.get(User, leaves.id).active is False  # kept, not deleted
        newcomer = db.session.scalar(select(User).where(User.username == "newone"))
        assert [(m.term_id, m.starts_on) for m in memberships_of(newcomer.id)] == [(term.id, starts)]
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "Term")) is not None
    page = client.get("/deputies/terms").get_data(as_text=True)
    assert "第十八届" in page and "开始新一届" in page
    page = client.get(f"/deputies/terms/{term.id}").get_data(as_text=True)
    assert stays.name in page and "新代表" in page and leaves.name not in page


def test_a_move_or_a_joining_entered_ahead_gives_way_to_the_new_roster(app, make_user, make_community):
    home, other = make_community("甲社区"), make_community("乙社区")
    moving, joining = make_user(Role.DEPUTY, community_id=home), make_user(Role.DEPUTY, community_id=home)
    starts = local_today() + timedelta(days=3)
    with app.app_context():
        moved = db.session.get(User, moving.id)
        move_deputy(moved, db.session.get(Community, other), starts + timedelta(days=5))  # entered before the term
        joined = db.session.get(User, joining.id)
        memberships_of(joining.id)[0].ends_on = local_today()  # left, and comes back after the new term begins
        open_membership(joined, db.session.get(Community, other), starts + timedelta(days=2))
        rows = [(2, {"username": moved.username, "name": moved.name, "level": "区", "community": "甲社区"})]
        outcome = start_term("第十八届", starts, starts + timedelta(days=5 * 365), rows)
        assert outcome.term is not None, outcome.imported.errors
        db.session.commit()
        assert [(m.community.name, m.starts_on, m.ends_on, m.term_id) for m in memberships_of(moving.id)] == [
            ("甲社区", date(2000, 1, 1), starts - timedelta(days=1), None), ("甲社区", starts, None, outcome.term.id)]
        assert [(m.starts_on, m.ends_on) for m in memberships_of(joining.id)] == [(date(2000, 1, 1), local_today())]
        assert [user.id for user in outcome.left] == [joining.id]
        assert db.session.get(User, joining.id).active is False


def test_the_period_buttons_offer_this_year_this_term_and_a_whole_earlier_term(app, client, login, make_user):
    today = local_today()
    with app.app_context():
        db.session.add_all([Term(name="第十七届", starts_on=date(today.year - 5, 1, 1), ends_on=date(today.year - 1, 12, 31)),
                            Term(name="第十八届", starts_on=date(today.year, 1, 1), ends_on=date(today.year + 4, 12, 31))])
        db.session.commit()
        earlier = db.session.scalar(select(Term.id).where(Term.name == "第十七届"))
    login(make_user(Role.STAFF))
    page = client.get("/meetings/rates").get_data(as_text=True)
    assert 'name="span" value="year"' in page and 'name="span" value="term"' in page and f'value="term-{earlier}"' in page
    page = client.get("/meetings/rates?span=term&start=2001-01-01").get_data(as_text=True)
    assert f'value="{date(today.year, 1, 1).isoformat()}"' in page and f'value="{today.isoformat()}"' in page
    page = client.get(f"/reports/deputies?span=term-{earlier}").get_data(as_text=True)
    assert f'value="{date(today.year - 5, 1, 1).isoformat()}"' in page and f'value="{date(today.year - 1, 12, 31).isoformat()}"' in page


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
def test_the_demo_has_two_terms_former_deputies_and_a_move(app, demo):
    today = local_today()
    with app.app_context():
        terms = [(t.name, t.starts_on, t.ends_on) for t in db.session.scalars(select(Term).order_by(Term.starts_on))]
        assert terms == [("第十七届", date(today.year - 5, 1, 1), date(today.year - 1, 12, 31)),
                         ("第十八届", date(today.year, 1, 1), date(today.year + 4, 12, 31))]
        former = db.session.scalars(select(User).where(User.role == Role.DEPUTY, ~User.active)).all()
        assert len(former) == 3
        assert all(memberships_of(u.id)[-1].ends_on == date(today.year - 1, 12, 31) for u in former)
        mover = db.session.scalar(select(User).where(User.username == "zhangwei"))
        communities = [db.session.get(Community, m.community_id).name for m in memberships_of(mover.id)]
        assert communities[0] == "气象街社区" and communities[-1] == "东风社区"
        assert db.session.scalar(select(Membership.id).where(Membership.deputy_id == mover.id, Membership.ends_on.is_(None))) is not None
