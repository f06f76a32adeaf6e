"""The pages of opinions and suggestions: Chinese search, filters, forms, allowed actions, htmx steps, object checks."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.clock import local_today
from portal.extensions import db
from portal.models import Community, Role, User
from portal.opinions.models import Category, CollectionMethod, Opinion
from portal.opinions.services import (
    active_categories,
    ensure_default_categories,
    record_opinion,
)
from portal.suggestions.models import Suggestion, SuggestionState
from portal.suggestions.services import SuggestionFields, create_suggestion

from .conftest import shared_world

HTMX = {"HX-Request": "true"}


def build_world(app, make_user, make_community):
    """Two deputies, staff, admin; three opinions in Chinese; a draft of the first deputy gathering one of them."""
    community = make_community("气象街社区")
    people = {"deputy": make_user(Role.DEPUTY, name="夏虹", community_id=community), "other": make_user(Role.DEPUTY, name="王建国"),
              "staff": make_user(Role.STAFF), "admin": make_user(Role.ADMIN)}
    with app.app_context():
        ensure_default_categories()
        deputy, other = db.session.get(User, people["deputy"].id), db.session.get(User, people["other"].id)
        place, categories = db.session.get(Community, community), active_categories()
        canteen = record_opinion(deputy, deputy, "希望增设老年食堂，方便独居老人就餐", place, categories[3], local_today() - timedelta(days=30),
                                 CollectionMethod.VISIT, voter_count=8)
        lamps = record_opinion(other, other, "小区路灯损坏，夜间出行不便", place, categories[2], local_today(), CollectionMethod.COMMUNITY_DAY,
                               voter_names="张大爷、李阿姨")
        parking = record_opinion(other, other, "希望增加社区停车位", place, categories[2], local_today(), CollectionMethod.VISIT)
        own = create_suggestion(deputy, SuggestionFields("增设社区老年食堂", "建议增设老年食堂", categories[3], [deputy]), [canteen.id])
        theirs = create_suggestion(other, SuggestionFields("解决停车难", "建议挖潜增加停车位", categories[2], [other]))
        db.session.commit()
        ids = {"canteen": canteen.id, "lamps": lamps.id, "parking": parking.id, "own": own.id, "theirs": theirs.id, "community": community}
    return people | ids


world = shared_world(build_world)


def html(response) -> str:
    return response.get_data(as_text=True)


def state_of(app, suggestion_id):
    with app.app_context():
        return db.session.get(Suggestion, suggestion_id).state


def test_search_matches_chinese_substrings_and_htmx_gets_the_table_only(client, login, world):
    login(world["deputy"])
    page = html(client.get("/opinions/?q=食堂"))
    assert "希望增设老年食堂" in page and "路灯损坏" not in page and "共 1 条意见" in page
    partial = html(client.get("/opinions/?q=路灯", headers=HTMX))
    assert partial.lstrip().startswith('<div id="opinion-table">') and "<html" not in partial
    assert "路灯损坏" in partial and "老年食堂" not in partial
    assert "共 0 条意见" in html(client.get("/opinions/?q=幼儿园"))


def test_filters_state_deputy_and_dates_and_pager_keeps_them(client, login, world):
    login(world["staff"])
    unsorted = html(client.get("/opinions/?state=unsorted"))
    assert "路灯损坏" in unsorted and "停车位" in unsorted and "老年食堂" not in unsorted
    drafts = html(client.get("/opinions/?state=draft"))
    assert "老年食堂" in drafts and "路灯损坏" not in drafts
    assert "老年食堂" not in html(client.get(f"/opinions/?deputy={world['other'].id}"))
    since = (local_today() - timedelta(days=7)).isoformat()
    recent = html(client.get(f"/opinions/?start={since}"))
    assert "老年食堂" not in recent and "路灯损坏" in recent
    assert f'value="{since}"' in recent  # the form keeps the filter
    assert "选民人数" in recent and ">2</td>" in recent  # two names → two voters


def test_deputy_records_their_own_opinion(app, client, login, world):
    login(world["deputy"])
    form = html(client.get("/opinions/new"))
    assert 'name="deputy"' not in form  # a deputy records for themselves only
    response = client.post("/opinions/new", data={
        "content": "希望开设社区四点半课堂", "community": world["community"], "category": 5,
        "collected_on": local_today().isoformat(), "method": "visit", "voter_count": "6"})
    assert response.status_code == 302
    with app.app_context():
        opinion = db.session.scalar(select(Opinion).where(Opinion.content == "希望开设社区四点半课堂"))
        assert opinion.deputy_id == world["deputy"].id and opinion.on_behalf is False and opinion.voters == 6


def test_staff_record_on_behalf_and_bad_input_keeps_the_values(app, client, login, world):
    login(world["staff"])
    data = {"deputy": 0, "content": "希望整治背街小巷卫生", "community": world["community"], "category": 3,
            "collected_on": local_today().isoformat(), "method": "visit"}
    page = html(client.post("/opinions/new", data=data))
    assert "请选择一位在任代表。" in page
    assert "希望整治背街小巷卫生" in page
    data["deputy"] = world["other"].id
    assert client.post("/opinions/new", data=data).status_code == 302
    with app.app_context():
        opinion = db.session.scalar(select(Opinion).where(Opinion.content == "希望整治背街小巷卫生"))
        assert opinion.on_behalf is True and opinion.recorded_by_id == world["staff"].id
    assert "（由工作人员" in html(client.get("/opinions/?q=背街")) and "代为登记）" in html(client.get("/opinions/?q=背街"))


def test_new_suggestion_from_selected_opinions(app, client, login, world):
    login(world["staff"])
    form = html(client.get(f"/suggestions/new?opinion={world['lamps']}&opinion={world['parking']}"))
    assert "路灯损坏" in form and "停车位" in form
    response = client.post("/suggestions/new", data={
        "title": "改善小区出行条件", "content": "修路灯、增车位", "category": 3, "community": world["community"],
        "deputies": [world["other"].id], "opinion": [world["lamps"], world["parking"]]})
    assert response.status_code == 302
    page = html(client.get(response.headers["Location"]))
    assert "2 条意见，3 位选民" in page and "草稿" in page  # 2 names + 1 voter


def test_gathering_a_taken_opinion_names_the_suggestion_and_saves_nothing(app, client, login, world):
    login(world["staff"])
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Suggestion))
    page = html(client.post("/suggestions/new", data={
        "title": "食堂与路灯", "content": "内容", "category": 4, "deputies": [world["deputy"].id],
        "opinion": [world["lamps"], world["canteen"]]}))
    assert "已归入建言“增设社区老年食堂”" in page and 'value="食堂与路灯"' in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Suggestion)) == before
        assert db.session.get(Opinion, world["lamps"]).suggestion_id is None
    partial = client.post(f"/suggestions/{world['theirs']}/opinions", data={"opinion": world["canteen"]}, headers=HTMX)
    assert partial.status_code == 422 and "增设社区老年食堂" in html(partial)


def test_the_page_shows_only_the_steps_allowed_now(app, client, login, world):
    own = f"/suggestions/{world['own']}"
    login(world["deputy"])
    assert "上报区委</button>" in html(client.get(own))
    assert "上报区委</button>" not in html(client.get(f"/suggestions/{world['theirs']}"))  # sees it, cannot act
    login(world["staff"])
    client.post(f"{own}/transition", data={"to_state": "submitted", "expected": "draft", "note": "上报"})
    page = html(client.get(own))
    assert "登记为已采纳</button>" in page and "登记为未采纳</button>" in page and "上报区委</button>" not in page
    login(world["deputy"])
    page = html(client.get(own))
    assert "登记为已采纳" not in page and "目前没有需要您办理的步骤" in page


def test_a_deputy_cannot_decide_even_by_posting_directly(app, client, login, world):
    login(world["staff"])
    client.post(f"/suggestions/{world['own']}/transition", data={"to_state": "submitted", "expected": "draft"})
    login(world["deputy"])
    response = client.post(f"/suggestions/{world['own']}/transition", data={"to_state": "adopted", "expected": "submitted"}, headers=HTMX)
    assert response.status_code == 422 and "您无权办理这一步骤" in html(response)
    assert state_of(app, world["own"]) is SuggestionState.SUBMITTED


def test_htmx_step_swaps_status_and_updates_counts_and_history_out_of_band(app, client, login, world):
    login(world["staff"])
    url = f"/suggestions/{world['own']}/transition"
    client.post(url, data={"to_state": "submitted", "expected": "draft"})
    response = client.post(url, data={"to_state": "adopted", "expected": "submitted", "note": "区委采纳，交民政局落实"}, headers=HTMX)
    body = html(response)
    assert response.status_code == 200 and body.lstrip().startswith(f'<section id="suggestion-status-{world["own"]}"')
    assert 'id="adoption-tiles"' in body and 'hx-swap-oob="true"' in body
    assert '<span class="figure" data-figure="adopted">1</span>' in body and '<span class="figure" data-figure="rate">100%</span>' in body
    assert f'id="suggestion-timeline-{world["own"]}" hx-swap-oob="true"' in body and "区委采纳，交民政局落实" in body
    stale = client.post(url, data={"to_state": "not_adopted", "expected": "submitted"}, headers=HTMX)  # a second tab
    assert stale.status_code == 422 and "刚刚已被他人办理" in html(stale)
    assert state_of(app, world["own"]) is SuggestionState.ADOPTED
    plain = client.post(url, data={"to_state": "implementing", "expected": "adopted"})
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/suggestions/{world['own']}")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/suggestions/{theirs}/edit"), ("POST", "/suggestions/{theirs}/edit"),
    ("POST", "/suggestions/{theirs}/opinions"), ("POST", "/suggestions/{own}/opinions/{canteen}/release"),
])
def test_a_deputy_edits_only_their_own_drafts(client, login, world, method, path):
    """The other deputy's draft (and, for the other deputy, this deputy's) is refused with 403."""
    login(world["deputy"] if "theirs" in path else world["other"])
    url = path.format(**{k: v for k, v in world.items() if isinstance(v, int)})
    response = client.get(url) if method == "GET" else client.post(url, data={"opinion": world["lamps"]})
    assert response.status_code == 403


def test_a_submitted_suggestion_is_no_longer_editable(client, login, world):
    login(world["deputy"])
    assert "编辑</a>" in html(client.get(f"/suggestions/{world['own']}"))
    client.post(f"/suggestions/{world['own']}/transition", data={"to_state": "submitted", "expected": "draft"})
    assert client.get(f"/suggestions/{world['own']}/edit").status_code == 403
    assert "编辑</a>" not in html(client.get(f"/suggestions/{world['own']}"))


def test_deputy_edits_own_draft_and_gathers_and_releases(app, client, login, world):
    login(world["deputy"])
    response = client.post(f"/suggestions/{world['own']}/edit", data={
        "title": "", "content": "建议增设老年食堂", "category": 4, "deputies": [world["deputy"].id]})
    assert "请输入标题。" in html(response)
    partial = client.post(f"/suggestions/{world['own']}/opinions", data={"opinion": world["lamps"]}, headers=HTMX)
    assert partial.status_code == 200 and "2 条意见" in html(partial)
    client.post(f"/suggestions/{world['own']}/opinions/{world['lamps']}/release")
    with app.app_context():
        assert db.session.get(Opinion, world["lamps"]).suggestion_id is None


def test_suggestion_list_filters_by_state_and_search(client, login, world):
    login(world["deputy"])
    page = html(client.get("/suggestions/?q=停车"))
    assert "解决停车难" in page and "增设社区老年食堂" not in page
    assert "共 0 条建言" in html(client.get("/suggestions/?state=adopted", headers=HTMX))


def test_admin_manages_categories(app, client, login, world):
    login(world["admin"])
    assert client.post("/opinions/categories", data={"name": "生态环境"}).status_code == 302
    assert "领域“经济发展”已存在" in html(client.post("/opinions/categories", data={"name": "经济发展"}))
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.name == "生态环境"))
        cid = category.id
    response = client.post(f"/opinions/categories/{cid}/edit", data={"name": "生态文明", "position": 0})  # unchecked: retired
    assert response.status_code == 302
    with app.app_context():
        category = db.session.get(Category, cid)
        assert (category.name, category.position, category.active) == ("生态文明", 0, False)
        assert "生态文明" not in [c.name for c in active_categories()]
    login(world["staff"])
    assert client.get("/opinions/categories").status_code == 403
