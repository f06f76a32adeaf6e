"""The admin's pages: forms keep input and show errors at the field; htmx swaps rows and tables."""
import io
from datetime import timedelta

from sqlalchemy import func, select

from portal.accounts.memberships import memberships_of
from portal.clock import local_today
from portal.extensions import db
from portal.models import Community, DeputyProfile, Role, User


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_create_deputy_through_the_form(app, client, login, make_user, make_community):
    login(make_user(Role.ADMIN))
    community_id = make_community("东风社区")
    response = client.post("/admin/users/new", data={
        "username": "chenjing", "name": "陈静", "role": "deputy", "password": "password-1",
        "level": "city", "community": str(community_id), "expertise": "人力资源", "phone": "13900000000",
    })
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "chenjing"))
        assert user.deputy.community.name == "东风社区"


def test_bad_input_keeps_values_and_writes_nothing(app, client, login, make_user, make_community):
    login(make_user(Role.ADMIN))
    make_community("东风社区")
    before = count(app, User)
    response = client.post("/admin/users/new", data={
        "username": "chenjing", "name": "陈静", "role": "deputy", "password": "password-1",
        "level": "", "community": "0", "expertise": "人力资源", "phone": "",
    })
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="level-error"' in page and "请选择代表级别。" in page
    assert 'aria-describedby="level-error"' in page
    assert 'value="chenjing"' in page and 'value="人力资源"' in page
    assert count(app, User) == before


def test_taken_username_is_reported_at_the_field(client, login, make_user):
    login(make_user(Role.ADMIN))
    make_user(Role.STAFF, username="staffa")
    response = client.post("/admin/users/new", data={"username": "staffa", "name": "某", "role": "staff", "password": "password-1"})
    page = response.get_data(as_text=True)
    assert 'id="username-error"' in page and "已被使用" in page


def test_edit_user_changes_role(app, client, login, make_user):
    login(make_user(Role.ADMIN))
    deputy = make_user(Role.DEPUTY)
    response = client.get(f"/admin/users/{deputy.id}/edit")
    assert f'value="{deputy.username}"' in response.get_data(as_text=True)
    form = {"username": deputy.username, "name": "改名", "role": "staff"}
    assert "请填写变更生效的日期。" in client.post(f"/admin/users/{deputy.id}/edit", data=form).get_data(as_text=True)
    response = client.post(f"/admin/users/{deputy.id}/edit", data=form | {"effective_on": local_today().isoformat()})
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, deputy.id)
        assert user.role is Role.STAFF and user.name == "改名"
        assert memberships_of(user.id)[-1].ends_on == local_today() - timedelta(days=1)


def test_deactivating_a_deputy_asks_for_their_last_day(app, client, login, make_user):
    login(make_user(Role.ADMIN))
    deputy = make_user(Role.DEPUTY)
    row = client.get("/admin/users").get_data(as_text=True)
    assert f'name="effective_on" required value="{local_today().isoformat()}"' in row and "任职最后一天" in row
    refused = client.post(f"/admin/users/{deputy.id}/active", data={"active": "0", "effective_on": ""}, headers={"HX-Request": "true"})
    assert "请填写变更生效的日期。" in refused.get_data(as_text=True)
    too_far = (local_today() + timedelta(days=40)).isoformat()
    refused = client.post(f"/admin/users/{deputy.id}/active", data={"active": "0", "effective_on": too_far}, headers={"HX-Request": "true"})
    assert "日期不能晚于今天之后31天。" in refused.get_data(as_text=True) and f'value="{too_far}"' in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, deputy.id).active is True
    last_day = (local_today() - timedelta(days=3)).isoformat()
    client.post(f"/admin/users/{deputy.id}/active", data={"active": "0", "effective_on": last_day}, headers={"HX-Request": "true"})
    with app.app_context():
        assert db.session.get(User, deputy.id).active is False
        assert memberships_of(deputy.id)[-1].ends_on.isoformat() == last_day


def test_reset_password(client, login, make_user):
    login(make_user(Role.ADMIN))
    staff = make_user(Role.STAFF)
    response = client.post(f"/admin/users/{staff.id}/password", data={"password": "brand-new-1", "confirm": "brand-new-1"})
    assert response.status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"username": staff.username, "password": "brand-new-1"}).status_code == 302


def test_user_list_filters_and_htmx_partial(client, login, make_user):
    login(make_user(Role.ADMIN, name="主任"))
    make_user(Role.STAFF, name="刘红")
    make_user(Role.DEPUTY, name="夏虹")
    page = client.get("/admin/users?q=夏").get_data(as_text=True)
    assert "夏虹" in page and "刘红" not in page and "<html" in page
    partial = client.get("/admin/users?role=staff", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="user-table">')
    assert "刘红" in partial and "夏虹" not in partial and "<html" not in partial
    empty = client.get("/admin/users?q=没有此人").get_data(as_text=True)
    assert "没有符合条件的用户。" in empty


def test_user_list_paginates(client, login, make_user, app):
    app.config["PER_PAGE"] = 2
    login(make_user(Role.ADMIN))
    for _ in range(3):
        make_user(Role.STAFF)
    page = client.get("/admin/users").get_data(as_text=True)
    assert "第 1 页，共 2 页" in page and "page=2" in page


def test_deactivate_by_htmx_swaps_the_row(app, client, login, make_user):
    login(make_user(Role.ADMIN))
    staff = make_user(Role.STAFF)
    response = client.post(f"/admin/users/{staff.id}/active", data={"active": "0"}, headers={"HX-Request": "true"})
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith(f'<tr id="user-{staff.id}"') and "已停用" in row and "恢复" in row
    with app.app_context():
        assert db.session.get(User, staff.id).active is False
    response = client.post(f"/admin/users/{staff.id}/active", data={"active": "1"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, staff.id).active is True


def test_admin_cannot_deactivate_self_by_posting(app, client, login, make_user):
    admin = make_user(Role.ADMIN)
    login(admin)
    response = client.post(f"/admin/users/{admin.id}/active", data={"active": "0"}, headers={"HX-Request": "true"})
    assert "不能停用自己的账号。" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, admin.id).active is True


def test_communities_add_rename_retire(app, client, login, make_user):
    login(make_user(Role.ADMIN))
    assert "还没有社区" in client.get("/admin/communities").get_data(as_text=True)
    assert client.post("/admin/communities", data={"name": "春晖社区"}).status_code == 302
    page = client.post("/admin/communities", data={"name": "春晖社区"}).get_data(as_text=True)
    assert "已存在" in page and 'id="name-error"' in page
    with app.app_context():
        community_id = db.session.scalar(select(Community.id))
    assert client.post(f"/admin/communities/{community_id}/edit", data={"name": "春晖新社区"}).status_code == 302
    with app.app_context():
        community = db.session.get(Community, community_id)
        assert community.name == "春晖新社区" and community.active is False  # unchecked box retires it


def test_import_upload(app, client, login, make_user, make_community):
    login(make_user(Role.ADMIN))
    make_community("气象街社区")
    good = "用户名,姓名,级别,社区\nzhangsan,张三,区,气象街社区\n".encode()
    page = client.post("/admin/import", data={"file": (io.BytesIO(good), "d.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "已导入 1 名代表" in page
    bad = "用户名,姓名,级别,社区\nlisi,李四,省,气象街社区\nwangwu,王五,区,气象街社区\n".encode()
    page = client.post("/admin/import", data={"file": (io.BytesIO(bad), "d.csv")}, content_type="multipart/form-data").get_data(as_text=True)
    assert "未导入任何数据：有 1 行需要更正" in page and "<td>2</td>" in page
    assert count(app, DeputyProfile) == 1
    page = client.post("/admin/import", data={"file": (io.BytesIO(b"x"), "d.pdf")}, content_type="multipart/form-data").get_data(as_text=True)
    assert 'id="file-error"' in page


def test_deputy_roster_filters(client, login, make_user, make_community):
    login(make_user(Role.STAFF))
    east = make_community("东风社区")
    make_user(Role.DEPUTY, name="夏虹", community_id=east)
    make_user(Role.DEPUTY, name="王建国")
    make_user(Role.DEPUTY, name="停用代表", active=False)
    page = client.get(f"/deputies/?community={east}").get_data(as_text=True)
    assert "夏虹" in page and "王建国" not in page
    page = client.get("/deputies/").get_data(as_text=True)
    assert "共 2 名代表" in page and "停用代表" not in page
    partial = client.get("/deputies/?q=王", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="roster">') and "王建国" in partial and "夏虹" not in partial


def test_staff_home_figures_come_from_the_data(client, login, make_user):
    login(make_user(Role.STAFF))
    make_user(Role.DEPUTY)
    make_user(Role.DEPUTY)
    page = client.get("/staff").get_data(as_text=True)
    assert '<span class="figure">2</span><span>人大代表</span>' in page


def test_deputy_home_shows_own_profile(client, login, make_user):
    deputy = make_user(Role.DEPUTY, name="夏虹")
    login(deputy)
    page = client.get("/me").get_data(as_text=True)
    assert "夏虹" in page and "区人大代表" in page and "教师" in page
