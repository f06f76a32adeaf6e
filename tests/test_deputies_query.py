"""The one definition of "the deputies": role deputy, with a profile, active unless asked otherwise."""
import pytest
from sqlalchemy import delete

from portal.accounts.services import active_deputies, deputies_query, deputy_ids_query
from portal.extensions import db
from portal.models import DeputyProfile, Level, Role, User

from .conftest import shared_world

pytestmark = pytest.mark.postgres


def build_people(app, make_user, make_community):
    """Two active deputies, an inactive one, a staff member with a profile, a deputy whose profile is gone."""
    east, west = make_community("东社区"), make_community("西社区")
    kept = make_user(Role.DEPUTY, name="张三", community_id=east, level=Level.DISTRICT)
    other = make_user(Role.DEPUTY, name="李四", community_id=west, level=Level.CITY)
    inactive = make_user(Role.DEPUTY, name="王五", community_id=east, active=False)
    staff = make_user(Role.STAFF, name="赵六")
    bare = make_user(Role.DEPUTY, name="孙七", community_id=east)
    with app.app_context():
        db.session.add(DeputyProfile(user_id=staff.id, level=Level.DISTRICT, community_id=east))
        db.session.execute(delete(DeputyProfile).where(DeputyProfile.user_id == bare.id))
        db.session.commit()
    return {"kept": kept.id, "other": other.id, "inactive": inactive.id, "staff": staff.id, "bare": bare.id,
            "east": east, "west": west}


people = shared_world(build_people)


def _ids(query) -> set[int]:
    return {profile.user_id for profile in db.session.scalars(query)}


def test_only_active_deputies_with_a_profile(app, people):
    with app.app_context():
        assert _ids(deputies_query()) == {people["kept"], people["other"]}
        assert set(db.session.scalars(deputy_ids_query())) == {people["kept"], people["other"]}
        assert [u.id for u in active_deputies()] == [people["kept"], people["other"]]  # 东社区 before 西社区
        for who in ("inactive", "staff", "bare"):
            assert not db.session.get(User, people[who]).is_active_deputy
        assert db.session.get(User, people["kept"]).is_active_deputy


def test_inactive_only_or_both(app, people):
    with app.app_context():
        assert _ids(deputies_query(active=False)) == {people["inactive"]}
        assert _ids(deputies_query(active=None)) == {people["kept"], people["other"], people["inactive"]}


def test_filters_by_community_level_and_text(app, people):
    with app.app_context():
        assert _ids(deputies_query(community=people["west"])) == {people["other"]}
        assert _ids(deputies_query(level=Level.DISTRICT)) == {people["kept"]}
        assert _ids(deputies_query(q="张")) == {people["kept"]}
        assert _ids(deputies_query(q="教师")) == {people["kept"], people["other"]}  # the expertise
        assert [u.id for u in active_deputies(people["east"])] == [people["kept"]]
