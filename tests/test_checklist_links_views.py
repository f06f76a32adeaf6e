"""The 四个一 link selects on the record forms, the links on the cards and pages, and the demo's links."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.campaigns.models import ChecklistItem, ChecklistRecord, ItemKind, RecordState
from portal.campaigns.services import CampaignFields, create_campaign
from portal.clock import local_today
from portal.extensions import db
from portal.matters.models import MatterState
from portal.matters.services import MatterFields, create_matter
from portal.models import Community, Role, User
from portal.opinions.models import Category
from portal.opinions.services import ensure_default_categories
from portal.suggestions.services import SuggestionFields, create_suggestion

from .conftest import shared_world

HX = {"HX-Request": "true"}


def build_world(app, make_user, make_community):
    """夏虹 and 王建国 with a practical matter and a suggestion each, staff, and a current campaign around today."""
    home = make_community("气象街社区")
    infos = {"deputy": make_user(Role.DEPUTY, name="夏虹", community_id=home),
             "other": make_user(Role.DEPUTY, name="王建国", community_id=home), "staff": make_user(Role.STAFF)}
    with app.app_context():
        users = {k: db.session.get(User, v.id) for k, v in infos.items()}
        community = db.session.get(Community, home)
        now = local_today()
        campaign = create_campaign(CampaignFields("“站在新起点，实现科学发展”建言献策活动", now - timedelta(days=60), now + timedelta(days=60), "", True))
        ensure_default_categories()
        category = db.session.scalar(select(Category).limit(1))
        ids = {"items": {item.kind: item.id for item in campaign.items}, "community": home, **infos}
        for who, matter, suggestion in (("deputy", "在气象街26号楼为居民安装了健身器材", "鼓励各类组织兴建社区服务设施"),
                                        ("other", "协调市政修复气象街30-54号路面", "为失业青年开设职业技能培训班")):
            ids[f"matter_{who}"] = create_matter(users["staff"], MatterFields(
                matter, "气象街", community, [users[who]], now, MatterState.DONE, 100)).id
            ids[f"suggestion_{who}"] = create_suggestion(users["staff"], SuggestionFields(
                suggestion, suggestion + "。", category, [users[who]], community)).id
        db.session.commit()
    return ids


world = shared_world(build_world)


def data(item_id, **fields):
    values = {"done_on": local_today().isoformat(), "community_id": "", "account": "为社区办了一件实事。"}
    values.update(fields)
    return {f"item{item_id}-{k}": str(v) for k, v in values.items()}


def test_the_form_offers_only_the_deputys_own_matters_on_item_3_and_suggestions_on_item_4(client, login, world):
    items = world["items"]
    login(world["deputy"])
    practical = client.get(f"/campaigns/items/{items[ItemKind.PRACTICAL]}/record", headers=HX).get_data(as_text=True)
    assert "健身器材" in practical and "路面" not in practical and "— 无 —" in practical
    assert f'name="item{items[ItemKind.PRACTICAL]}-practical_matter_id"' in practical
    assert "-suggestion_id" not in practical
    reflection = client.get(f"/campaigns/items/{items[ItemKind.REFLECTION]}/record", headers=HX).get_data(as_text=True)
    assert "兴建社区服务设施" in reflection and "职业技能培训班" not in reflection
    item4 = items[ItemKind.REFLECTION]
    assert f'name="item{item4}-suggestion_id"' in reflection and f'name="item{item4}-practical_matter_id"' not in reflection
    day = client.get(f"/campaigns/items/{items[ItemKind.COMMUNITY_DAY]}/record", headers=HX).get_data(as_text=True)
    assert "<select" in day and 'matter_id"' not in day and 'suggestion_id"' not in day


def test_an_htmx_save_stores_the_link_and_the_card_links_to_the_matter(app, client, login, world):
    item = world["items"][ItemKind.PRACTICAL]
    login(world["deputy"])
    response = client.post(f"/campaigns/items/{item}/record", headers=HX,
                           data=data(item, community_id=world["community"], practical_matter_id=world["matter_deputy"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith("<article")
    assert f'href="/matters/{world["matter_deputy"]}"' in body and "健身器材" in body and "1/4" in body
    with app.app_context():
        assert db.session.scalar(select(ChecklistRecord.practical_matter_id)) == world["matter_deputy"]
    # the matter's page says which 四个一 record links to it
    page = client.get(f"/matters/{world['matter_deputy']}").get_data(as_text=True)
    assert "关联的“四个一”记录" in page and "夏虹 · 办一件实事 / 解决一条建议" in page


def test_a_posted_id_of_someone_elses_matter_is_refused_at_the_field(app, client, login, world):
    item = world["items"][ItemKind.PRACTICAL]
    login(world["deputy"])
    response = client.post(f"/campaigns/items/{item}/record", headers=HX,
                           data=data(item, community_id=world["community"], practical_matter_id=world["matter_other"]))
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and body.startswith("<article")
    assert re.search(r'practical_matter_id-error" class="field-error">请选择夏虹参与办理的实事。', body)
    assert "为社区办了一件实事。" in body  # the values are kept
    with app.app_context():
        assert db.session.scalar(select(ChecklistRecord.id)) is None


def test_a_suggestion_posted_on_the_wrong_item_is_refused(app, client, login, world):
    item = world["items"][ItemKind.LECTURE]
    login(world["deputy"])
    response = client.post(f"/campaigns/items/{item}/record", headers=HX,
                           data=data(item, community_id=world["community"], suggestion_id=world["suggestion_deputy"]))
    assert response.status_code == 422 and "只有“写一篇心得 / 一份建议”一项可以关联建言。" in response.get_data(as_text=True)


def test_staff_link_a_suggestion_on_a_deputys_behalf(app, client, login, world):
    items = world["items"]
    login(world["staff"])
    page = client.get(f"/campaigns/on-behalf?deputy={world['deputy'].id}&item={items[ItemKind.REFLECTION]}").get_data(as_text=True)
    assert 'id="record-links"' in page and "兴建社区服务设施" in page and "职业技能培训班" not in page
    # choosing another deputy or item swaps in that deputy's choices for that item
    links = client.get(f"/campaigns/on-behalf/links?deputy_id={world['other'].id}&item_id={items[ItemKind.PRACTICAL]}",
                       headers=HX).get_data(as_text=True)
    assert links.startswith('<div id="record-links"') and "路面" in links and "健身器材" not in links
    assert 'name="suggestion_id"' not in links
    response = client.post("/campaigns/on-behalf", data={
        "deputy_id": world["deputy"].id, "item_id": items[ItemKind.REFLECTION], "done_on": local_today().isoformat(),
        "community_id": world["community"], "account": "纸质登记表：撰写建议一份。", "suggestion_id": world["suggestion_deputy"],
    })
    assert response.status_code == 302
    panel = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/suggestions/{world["suggestion_deputy"]}"' in panel and "鼓励各类组织兴建社区服务设施" in panel
    refused = client.post("/campaigns/on-behalf", data={
        "deputy_id": world["deputy"].id, "item_id": items[ItemKind.REFLECTION], "done_on": local_today().isoformat(),
        "community_id": world["community"], "account": "纸质登记表。", "suggestion_id": world["suggestion_other"],
    })
    assert refused.status_code == 422 and "请选择夏虹提出的建言。" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ChecklistRecord.suggestion_id)) == world["suggestion_deputy"]
    page = client.get(f"/suggestions/{world['suggestion_deputy']}").get_data(as_text=True)
    assert "关联的“四个一”记录" in page and "夏虹 · 写一篇心得 / 一份建议" in page


def test_without_javascript_the_link_choices_send_back_to_the_on_behalf_page(client, login, world):
    login(world["staff"])
    response = client.get(f"/campaigns/on-behalf/links?deputy_id={world['deputy'].id}&item_id={world['items'][ItemKind.PRACTICAL]}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/campaigns/on-behalf?deputy={world['deputy'].id}&item={world['items'][ItemKind.PRACTICAL]}"


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
@pytest.mark.postgres
def test_seed_demo_links_item_3_and_item_4_to_the_reports_matters_and_suggestion(app, demo, runner):
    """夏虹's item 3 → the fitness equipment, 王建国's → the road repair (still verified), 夏虹's item 4 → her suggestion."""
    from portal.campaigns.services import current_campaign

    def links():
        campaign = current_campaign()
        rows = db.session.execute(
            select(User.username, ChecklistItem.kind, ChecklistRecord)
            .join(ChecklistRecord, ChecklistRecord.deputy_id == User.id).join(ChecklistItem)
            .where(ChecklistItem.campaign_id == campaign.id)
            .where((ChecklistRecord.practical_matter_id.is_not(None)) | (ChecklistRecord.suggestion_id.is_not(None)))
        ).all()
        return {(username, kind): record for username, kind, record in rows}

    assert runner.invoke(args=["seed-demo", "--password", "demo-pass-1"]).exit_code == 0
    with app.app_context():
        linked = links()
        assert set(linked) == {("xiahong", ItemKind.PRACTICAL), ("wangjianguo", ItemKind.PRACTICAL), ("xiahong", ItemKind.REFLECTION)}
        assert linked["xiahong", ItemKind.PRACTICAL].practical_matter.title == "在气象街26号楼为居民安装了健身器材"
        road = linked["wangjianguo", ItemKind.PRACTICAL]
        assert road.practical_matter.title == "协调市政对气象街30-54号路面进行了修复"
        assert road.state is RecordState.VERIFIED and road.review_note == ""
        assert linked["xiahong", ItemKind.REFLECTION].suggestion.title == "出台优惠政策，鼓励各类组织兴建社区服务设施"
        assert all(record.deputy in (record.practical_matter or record.suggestion).deputies for record in linked.values())
        before = {key: (r.id, r.state, r.updated_at) for key, r in linked.items()}
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert {key: (r.id, r.state, r.updated_at) for key, r in links().items()} == before
