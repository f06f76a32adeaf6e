"""已深入社区代表 means one thing on every page, on data where the three old meanings (8, 9, 11 in the issue) differ."""
import re
from datetime import date


from portal.campaigns.models import ItemKind
from portal.campaigns.services import CampaignFields, RecordFields, create_campaign, save_record, send_back_record, verify_record
from portal.extensions import db as _db
from portal.models import Role, User
from portal.opinions.models import Category, CollectionMethod
from portal.opinions.services import record_opinion

from .conftest import shared_world

MARCH = "start=2025-03-01&end=2025-03-31"
YEAR = "start=2025-01-01&end=2025-12-31"


def build_world(app, make_user, make_community):
    """A's day (March, spent in 东风), B's (June, verified), C's sent back (March); A, D, E collect opinions in March."""
    east, west = make_community("东风社区"), make_community("和平里社区")
    people = {name: make_user(Role.DEPUTY, community_id=west) for name in "abcde"}
    staff = make_user(Role.STAFF)
    with app.app_context():
        campaign = create_campaign(CampaignFields("建言献策活动", date(2025, 1, 1), date(2025, 12, 31), "", is_current=True))
        item = next(i for i in campaign.items if i.kind is ItemKind.COMMUNITY_DAY)
        actor = _db.session.get(User, staff.id)

        def day(name, on, community):
            deputy = _db.session.get(User, people[name].id)
            return save_record(deputy, item, deputy, RecordFields(on, community, "在社区体验一天。"), today_=date(2025, 12, 31))

        day("a", date(2025, 3, 10), east)
        verify_record(actor, day("b", date(2025, 6, 10), west))
        send_back_record(actor, day("c", date(2025, 3, 12), east), "请补充情况。")
        category = Category(name="社区建设")
        _db.session.add(category)
        _db.session.flush()
        for name in "ade":
            record_opinion(actor, _db.session.get(User, people[name].id), "路灯不亮。", _community(east), category,
                           date(2025, 3, 15), list(CollectionMethod)[0])
        _db.session.commit()
    return {"staff": staff, "a": people["a"], "east": east, "west": west}


world = shared_world(build_world)


def _community(community_id):
    from portal.models import Community

    return _db.session.get(Community, community_id)


def figure(page: str, name: str) -> int:
    """The number in the element marked data-figure / data-tally `name`."""
    found = re.findall(rf'data-(?:figure|tally)="{name}">(\d+)<', page)
    assert found, f"no {name} figure on the page"
    assert len(set(found)) == 1
    return int(found[0])


def test_the_same_number_on_every_page(client, login, world):
    login(world["staff"])
    overview = client.get(f"/staff?{MARCH}").get_data(as_text=True)
    days = client.get(f"/campaigns/community-days?{MARCH}").get_data(as_text=True)
    adoption = client.get(f"/suggestions/figures?{MARCH}").get_data(as_text=True)
    # March: only A went (C's day was sent back, B's was in June); three deputies collected opinions.
    assert figure(overview, "in-communities") == figure(days, "in-communities") == 1
    assert "收集意见代表" in adoption and re.search(r'data-figure="collected">3<', adoption)
    assert 'data-figure="in-communities"' not in adoption
    # The campaign block says it covers the whole campaign, and counts by the same rule over it.
    assert "以下数字统计整个活动期间" in overview and figure(overview, "communities") == 2
    whole = client.get(f"/staff?{YEAR}").get_data(as_text=True)
    matrix = client.get("/campaigns/matrix").get_data(as_text=True)
    year_days = client.get(f"/campaigns/community-days?{YEAR}").get_data(as_text=True)
    assert figure(whole, "in-communities") == figure(whole, "communities") == figure(matrix, "communities") == 2
    assert figure(year_days, "in-communities") == 2
    login(world["a"])
    assert "已深入社区代表 2 人" in client.get("/me").get_data(as_text=True)


def test_the_community_is_where_the_day_was_spent(client, login, world):
    login(world["staff"])
    in_east = client.get(f"/staff?{MARCH}&community={world['east']}").get_data(as_text=True)
    in_west = client.get(f"/staff?{MARCH}&community={world['west']}").get_data(as_text=True)
    assert figure(in_east, "in-communities") == 1  # A lives in 和平里 but spent the day in 东风
    assert figure(in_west, "in-communities") == 0
    assert f"/campaigns/community-days?start=2025-03-01&amp;end=2025-03-31&amp;community={world['east']}" in in_east


def test_every_tile_links_to_its_list_with_the_filters(client, login, world):
    login(world["staff"])
    page = client.get(f"/staff?{MARCH}&community={world['east']}").get_data(as_text=True)
    links = re.findall(r'<a class="tile" href="([^"]+)"', page)
    assert len(links) == 10
    for link in links:
        assert "start=2025-03-01" in link and "end=2025-03-31" in link and f"community={world['east']}" in link
        assert client.get(link.replace("&amp;", "&")).status_code == 200
    rates = client.get(f"/meetings/rates?{MARCH}&community={world['east']}").get_data(as_text=True)
    assert f'<option value="{world["east"]}" selected' in rates
