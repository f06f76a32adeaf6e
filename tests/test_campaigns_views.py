"""Campaign pages per route and role: the deputy's checklist, the staff matrix and review, admin editing."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.campaigns.models import (
    Campaign,
    ChecklistItem,
    ChecklistRecord,
    RecordState,
)
from portal.campaigns.services import (
    CampaignFields,
    RecordFields,
    create_campaign,
    save_record,
    verify_record,
)
from portal.clock import local_today
from portal.extensions import db
from portal.models import Role, User

from .conftest import shared_world

HX = {"HX-Request": "true"}


def build_people(app, make_user, make_community):
    home = make_community("气象街社区")
    return {
        "deputy": make_user(Role.DEPUTY, name="夏虹", community_id=home),
        "other": make_user(Role.DEPUTY, name="王建国"),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
        "community": home,
    }


people = shared_world(build_people)


@pytest.fixture
def campaign(app):
    """A current campaign around today; returns (campaign id, [item ids])."""
    with app.app_context():
        now = local_today()
        c = create_campaign(CampaignFields("“站在新起点，实现科学发展”建言献策活动", now - timedelta(days=60), now + timedelta(days=60), "时间：全年", True))
        db.session.commit()
        return c.id, [i.id for i in c.items]


def add_record(app, deputy, item_id, verified_by=None):
    with app.app_context():
        user = db.session.get(User, deputy.id)
        rec = save_record(user, db.session.get(ChecklistItem, item_id), user, RecordFields(local_today(), deputy.community_id, "在社区体验一天。"))
        if verified_by:
            verify_record(db.session.get(User, verified_by.id), rec)
        db.session.commit()
        return rec.id


@pytest.fixture
def now(app):
    """Today in the committee's time zone."""
    with app.app_context():
        return local_today()


def form_data(item_id, day, **overrides):
    data = {
        f"item{item_id}-done_on": day.isoformat(),
        f"item{item_id}-community_id": "",
        f"item{item_id}-account": "在气象街社区做了一天志愿者，走访独居老人。",
    }
    data.update({f"item{item_id}-{k}": v for k, v in overrides.items()})
    return data


def test_deputy_home_is_the_checklist_with_progress_tally_and_profile(client, login, people, campaign):
    login(people["deputy"])
    page = client.get("/me").get_data(as_text=True)
    assert "建言献策活动" in page and "体验一天" in page and "写一篇心得 / 一份建议" in page
    assert page.count("未开始") == 4
    assert re.search(r'<progress id="checklist-progress-bar" value="0" max="4">', page)
    assert "已深入社区代表 0 人" in page and "我的资料" in page and "13900000000" in page


def test_deputy_home_without_a_campaign(client, login, people):
    login(people["deputy"])
    page = client.get("/me").get_data(as_text=True)
    assert "目前没有进行中的建言献策活动" in page and "我的资料" in page


def test_deputy_records_an_item_with_htmx_and_gets_progress_and_tally_out_of_band(app, client, login, people, campaign, now):
    _, items = campaign
    login(people["deputy"])
    form = client.get(f"/campaigns/items/{items[0]}/record", headers=HX).get_data(as_text=True)
    assert form.startswith("<article") and f'id="item-{items[0]}"' in form
    assert f'selected value="{people["community"]}"' in form  # their own community is proposed
    response = client.post(f"/campaigns/items/{items[0]}/record", headers=HX,
                           data=form_data(items[0], now, community_id=str(people["community"])))
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="item-{items[0]}"' in body and "走访独居老人" in body and "已记录" in body
    assert re.search(r'id="checklist-progress"[^>]*hx-swap-oob="true"', body) and "1/4" in body
    assert re.search(r'id="community-tally"[^>]*hx-swap-oob="true"', body) and "已深入社区代表 1 人" in body
    with app.app_context():
        rec = db.session.scalar(select(ChecklistRecord))
        assert rec.deputy_id == people["deputy"].id and rec.recorded_by_id == people["deputy"].id and not rec.on_behalf


def test_without_javascript_the_form_posts_and_redirects_back(client, login, people, campaign, now):
    _, items = campaign
    login(people["deputy"])
    assert "<html" in client.get(f"/campaigns/items/{items[1]}/record").get_data(as_text=True)
    response = client.post(f"/campaigns/items/{items[1]}/record", data=form_data(items[1], now, community_id=str(people["community"])))
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    assert "1/4" in client.get("/me").get_data(as_text=True)
    assert client.get(f"/campaigns/items/{items[1]}/card").status_code == 302


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"done_on": 1}, "日期不能晚于今天"),
        ({"done_on": -61}, "日期须在活动期间内"),
        ({"done_on": "not a date"}, "请输入有效的日期"),
        ({"community_id": "0"}, "请选择社区"),
        ({"account": ""}, "请简要说明做了什么、为谁做的"),
        ({"account": "字" * 501}, "最多500个字"),
    ],
)
def test_bad_input_returns_the_card_with_values_kept_and_a_chinese_message(app, client, login, people, campaign, change, message, now):
    _, items = campaign
    login(people["deputy"])
    data = form_data(items[0], now, community_id=str(people["community"]))
    if isinstance(change.get("done_on"), int):  # days from today
        change = {"done_on": (now + timedelta(days=change["done_on"])).isoformat()}
    data.update({f"item{items[0]}-{k}": v for k, v in change.items()})
    response = client.post(f"/campaigns/items/{items[0]}/record", headers=HX, data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert body.startswith("<article") and message in body and 'class="field-error"' in body
    if "account" not in change:
        assert "走访独居老人" in body  # what the deputy typed is still there
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == 0


def test_a_deputy_cannot_see_another_deputys_record_nor_verify(client, login, people, campaign, app):
    _, items = campaign
    other_record = add_record(app, people["other"], items[0])
    own_record = add_record(app, people["deputy"], items[0])
    login(people["deputy"])
    response = client.get(f"/campaigns/records/{other_record}")
    assert response.status_code == 404 and "王建国" not in response.get_data(as_text=True)
    own = client.get(f"/campaigns/records/{own_record}").get_data(as_text=True)
    assert "夏虹" in own and "核实" not in own.split("</header>", 2)[-1]
    assert client.post(f"/campaigns/records/{own_record}/verify").status_code == 403


def test_a_verified_record_can_no_longer_be_edited_by_the_deputy(app, client, login, people, campaign, now):
    _, items = campaign
    add_record(app, people["deputy"], items[0], verified_by=people["staff"])
    login(people["deputy"])
    page = client.get("/me").get_data(as_text=True)
    card = page.split(f'id="item-{items[0]}"', 1)[1].split("</article>", 1)[0]
    assert "已核实" in card and "编辑" not in card
    response = client.post(f"/campaigns/items/{items[0]}/record", headers=HX, data=form_data(items[0], now, community_id=str(people["community"]), account="改一下"))
    assert response.status_code == 422 and "已核实，不能再修改" in response.get_data(as_text=True)


def test_an_item_of_a_past_campaign_is_not_a_deputys_to_record(app, client, login, people, campaign, now):
    _, items = campaign
    with app.app_context():
        create_campaign(CampaignFields("新活动", now - timedelta(days=1), now + timedelta(days=1), "", True))
        db.session.commit()
    login(people["deputy"])
    assert client.get(f"/campaigns/items/{items[0]}/record").status_code == 404


def test_staff_matrix_filters_sorts_and_shows_tallies(app, client, login, people, campaign):
    campaign_id, items = campaign
    add_record(app, people["other"], items[0], verified_by=people["staff"])
    login(people["staff"])
    page = client.get("/campaigns/matrix").get_data(as_text=True)
    assert "夏虹" in page and "王建国" in page and 'id="campaign-tallies"' in page
    assert re.search(r'data-tally="communities">1<', page) and re.search(r'data-tally="deputies">2<', page)
    partial = client.get(f"/campaigns/matrix?campaign={campaign_id}&community={people['community']}", headers=HX).get_data(as_text=True)
    assert partial.startswith('<div id="matrix">') and "夏虹" in partial and "王建国" not in partial
    sorted_page = client.get(f"/campaigns/matrix?campaign={campaign_id}&sort=-progress", headers=HX).get_data(as_text=True)
    assert sorted_page.index("王建国") < sorted_page.index("夏虹")
    assert client.get("/campaigns/matrix?campaign=999999").status_code == 404


def test_staff_verify_in_place_updates_cell_and_tallies(app, client, login, people, campaign):
    _, items = campaign
    record_id = add_record(app, people["deputy"], items[0])
    login(people["staff"])
    panel = client.get(f"/campaigns/records/{record_id}", headers=HX).get_data(as_text=True)
    assert panel.startswith("{#") is False and "核实" in panel and "<html" not in panel
    response = client.post(f"/campaigns/records/{record_id}/verify", headers=HX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.search(rf'id="cell-{people["deputy"].id}-{items[0]}"[^>]*hx-swap-oob="true"', body)
    assert re.search(r'id="campaign-tallies"[^>]*hx-swap-oob="true"', body)
    assert re.search(rf'id="item-tally-{items[0]}">.*?data-tally="verified">1<', body, re.S)
    with app.app_context():
        rec = db.session.get(ChecklistRecord, record_id)
        assert rec.state is RecordState.VERIFIED and rec.verified_by_id == people["staff"].id


def test_staff_send_back_with_a_note_the_deputy_sees(app, client, login, people, campaign):
    _, items = campaign
    record_id = add_record(app, people["deputy"], items[0])
    login(people["staff"])
    refused = client.post(f"/campaigns/records/{record_id}/return", headers=HX, data={"note": ""})
    assert refused.status_code == 422 and "请说明需要代表修改什么" in refused.get_data(as_text=True)
    response = client.post(f"/campaigns/records/{record_id}/return", data={"note": "请补充服务对象。"})
    assert response.status_code == 302
    login(people["deputy"])
    page = client.get("/me").get_data(as_text=True)
    assert "已退回" in page and "请补充服务对象。" in page and "0/4" in page


def test_staff_record_on_a_deputys_behalf_explicitly(app, client, login, people, campaign, now):
    _, items = campaign
    login(people["staff"])
    page = client.get(f"/campaigns/on-behalf?deputy={people['deputy'].id}&item={items[1]}").get_data(as_text=True)
    assert "代为登记" in page and f'selected value="{people["community"]}"' in page
    bad = client.post("/campaigns/on-behalf", data={"deputy_id": "0", "item_id": str(items[1]), "done_on": now.isoformat(),
                                                    "community_id": str(people["community"]), "account": "讲课"})
    assert bad.status_code == 422 and "请选择代表" in bad.get_data(as_text=True)
    response = client.post("/campaigns/on-behalf", data={
        "deputy_id": str(people["deputy"].id), "item_id": str(items[1]), "done_on": now.isoformat(),
        "community_id": str(people["community"]), "account": "纸质登记表：为居民讲授防诈骗知识。",
    })
    assert response.status_code == 302
    with app.app_context():
        rec = db.session.scalar(select(ChecklistRecord))
        assert rec.on_behalf and rec.recorded_by_id == people["staff"].id and rec.deputy_id == people["deputy"].id
    assert "（代为登记）" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_admin_creates_a_campaign_with_the_four_items_and_edits_them_until_recording(app, client, login, people, now):
    login(people["admin"])
    response = client.post("/campaigns/new", data={"name": "新的建言献策活动", "starts_on": (now - timedelta(days=5)).isoformat(),
                                                   "ends_on": (now + timedelta(days=90)).isoformat(), "plan": "时间、内容、程序"})
    assert response.status_code == 302
    with app.app_context():
        campaign = db.session.scalar(select(Campaign))
        assert campaign.is_current and [i.title for i in campaign.items][0] == "体验一天"
        items = [i.id for i in campaign.items]
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "上移" in detail and "添加项目" in detail
    assert client.post(f"/campaigns/items/{items[0]}/edit", data={"title": "体验社区一天", "kind": "community_day", "description": ""}).status_code == 302
    add_record(app, people["deputy"], items[0])
    refused = client.post(f"/campaigns/items/{items[0]}/edit", data={"title": "再改名", "kind": "community_day", "description": ""})
    assert "代表已开始记录本次活动" in refused.get_data(as_text=True)
    assert client.post(f"/campaigns/items/{items[3]}/retire", data={"retired": "1"}).status_code == 302
    detail = client.get(f"/campaigns/{campaign.id}").get_data(as_text=True)
    assert "体验社区一天" in detail and "上移" not in detail and "已停用" in detail and "恢复" in detail


def test_bad_campaign_form_is_shown_again_in_chinese(client, login, people):
    login(people["admin"])
    response = client.post("/campaigns/new", data={"name": "活动", "starts_on": "2025-05-01", "ends_on": "2025-04-01"})
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.get_data(as_text=True)


def test_staff_home_shows_the_current_campaign_tallies(app, client, login, people, campaign):
    _, items = campaign
    add_record(app, people["deputy"], items[0])
    login(people["staff"])
    page = client.get("/staff").get_data(as_text=True)
    assert "已深入社区代表" in page and re.search(r'data-tally="communities">1<', page) and "/campaigns/matrix" in page


@pytest.mark.xdist_group("demo")  # the tests of the demo street on one worker, which builds it once per database
@pytest.mark.postgres
def test_seed_demo_tells_the_reports_figure_from_the_data(app, demo, runner):
    """Ten deputies have gone into communities; others are at other stages; seeding twice adds nothing."""
    from portal.campaigns.services import campaign_tallies, current_campaign

    assert runner.invoke(args=["seed-demo", "--password", "demo-pass-1"]).exit_code == 0
    with app.app_context():
        campaign = current_campaign()
        assert campaign.name == "“站在新起点，实现科学发展”建言献策活动" and campaign.starts_on.year == local_today().year
        tallies = campaign_tallies(campaign)
        assert tallies.went_into_communities == 10 and tallies.deputies == 30
        assert 0 < tallies.complete < 10 and sum(t.done for t in tallies.items[1:]) > 0
        states = set(db.session.scalars(select(ChecklistRecord.state)))
        assert states == {RecordState.RECORDED, RecordState.VERIFIED, RecordState.RETURNED}
        assert db.session.scalar(select(func.count()).select_from(ChecklistRecord).where(ChecklistRecord.on_behalf)) == 1
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 2
        rows = db.session.scalar(select(func.count()).select_from(ChecklistRecord))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ChecklistRecord)) == rows
        assert db.session.scalar(select(func.count()).select_from(Campaign)) == 2
