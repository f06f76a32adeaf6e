"""Issue 11's findings: sessions that end, login timing and throttling, caching, import limits."""
import re

import pytest

from portal.clock import local_today
from portal.extensions import db
from portal.models import Role, User

from .conftest import PASSWORD
from . import test_suggestions_views

NEW_PASSWORD = "another-pass-2"
world = test_suggestions_views.world  # the fixture: two deputies, staff, admin, opinions, drafts


def post_login(client, username, password, address="127.0.0.1", remember=False):
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


def logged_in(client) -> bool:
    return client.get("/me").status_code == 200


def fresh_client(app, **cookies):
    """A new browser holding only the given cookies."""
    client = app.test_client()
    for name, value in cookies.items():
        client.set_cookie(name, value)
    return client


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, make_user):
    user = make_user(Role.DEPUTY)
    here, elsewhere = app.test_client(), app.test_client()
    assert post_login(here, user.username, PASSWORD).status_code == 302
    assert post_login(elsewhere, user.username, PASSWORD, remember=True).status_code == 302
    remember = elsewhere.get_cookie("remember_token").value
    assert logged_in(fresh_client(app, remember_token=remember))  # the cookie alone logs in

    response = here.post("/account/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert logged_in(here)
    assert not logged_in(elsewhere)
    assert not logged_in(fresh_client(app, remember_token=remember))


@pytest.mark.parametrize("action", ["reset", "deactivate"])
def test_an_admin_reset_or_deactivation_ends_the_users_sessions(app, make_user, login, client, action):
    admin, deputy = make_user(Role.ADMIN), make_user(Role.DEPUTY)
    browser = app.test_client()
    assert post_login(browser, deputy.username, PASSWORD, remember=True).status_code == 302
    remember = browser.get_cookie("remember_token").value
    login(admin)
    if action == "reset":
        response = client.post(f"/admin/users/{deputy.id}/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    else:
        response = client.post(f"/admin/users/{deputy.id}/active", data={"active": "0", "effective_on": local_today().isoformat()})
    assert response.status_code == 302
    assert not logged_in(browser)
    assert not logged_in(fresh_client(app, remember_token=remember))
    if action == "reset":
        with app.app_context():
            db.session.get(User, deputy.id).active = True  # (already active) a reactivation does not revive them
            db.session.commit()
        assert not logged_in(fresh_client(app, remember_token=remember))


def test_a_copy_of_the_session_cookie_dies_at_logout(app, make_user):
    user = make_user(Role.STAFF)
    browser = app.test_client()
    assert post_login(browser, user.username, PASSWORD).status_code == 302
    copy = browser.get_cookie("session").value
    assert browser.get("/staff").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert fresh_client(app, session=copy).get("/staff").status_code == 302


def test_a_session_of_the_old_format_or_a_forged_version_is_refused(app, make_user, client):
    user = make_user(Role.DEPUTY)
    for forged in (str(user.id), f"{user.id}:2", f"{user.id}:x", "x:1"):
        with client.session_transaction() as session:
            session["_user_id"] = forged
        assert not logged_in(client), forged
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:1"
    assert logged_in(client)


@pytest.mark.parametrize("known", [True, False])
def test_an_unknown_username_costs_a_hash_of_the_configured_strength(make_app, make_user_factory, monkeypatch, known):
    import portal.auth.services as services

    app = make_app(PASSWORD_HASH_METHOD="scrypt:1024:8:1")
    with app.app_context():
        db.create_all()
    username = make_user_factory(app) if known else "nobody"
    checked = []
    real_check = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checked.append(h) or real_check(h, p))
    assert post_login(app.test_client(), username, "wrong-password").status_code == 200
    assert len(checked) == 1
    assert checked[0].startswith("scrypt:1024:8:1$")
    with app.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture
def make_user_factory():
    """A deputy made directly in `app`, hashed with that app's method; returns the username."""
    from portal.accounts.services import DeputyFields, create_community, create_user
    from portal.models import Level

    def make(app) -> str:
        with app.app_context():
            community = create_community("计时社区")
            create_user("timed", "计时", Role.DEPUTY, PASSWORD, DeputyFields(Level.CITY, community))
            db.session.commit()
        return "timed"

    return make


@pytest.fixture
def throttled(make_app):
    """An app with small failure counts: 3 per pair, 6 per address, 5 per account."""
    app = make_app(LOGIN_FAILURES_PER_PAIR="3 per minute", LOGIN_FAILURES_PER_ADDRESS="6 per minute",
                   LOGIN_FAILURES_PER_ACCOUNT="5 per minute")
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


def make_deputy(app, username: str) -> str:
    from portal.accounts.services import DeputyFields, create_community, create_user
    from portal.models import Level

    with app.app_context():
        community = create_community(f"{username}社区")
        create_user(username, username, Role.DEPUTY, PASSWORD, DeputyFields(Level.CITY, community))
        db.session.commit()
    return username


def test_an_attacker_locks_out_only_their_own_address(throttled):
    victim = make_deputy(throttled, "victim")
    attacker = throttled.test_client()
    statuses = [post_login(attacker, victim, "guess", "10.0.0.66").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    page = post_login(attacker, victim, PASSWORD, "10.0.0.66")
    assert page.status_code == 429  # refused before the password is even checked
    assert "登录尝试次数过多" in page.get_data(as_text=True)
    assert post_login(throttled.test_client(), victim, PASSWORD, "10.0.0.1").status_code == 302


def test_a_scanner_behind_the_office_address_does_not_lock_out_colleagues(throttled):
    colleague = make_deputy(throttled, "colleague")
    scanner = throttled.test_client()
    for n in range(10):
        post_login(scanner, f"user{n}", "guess", "192.168.1.1")
    assert post_login(scanner, "user0", "guess", "192.168.1.1").status_code == 429  # the scanner is slowed
    assert post_login(throttled.test_client(), colleague, PASSWORD, "192.168.1.1").status_code == 302


def test_many_addresses_against_one_account_get_one_guess_each_after_the_account_count(throttled):
    victim = make_deputy(throttled, "victim")
    for n in range(5):
        assert post_login(throttled.test_client(), victim, "guess", f"10.1.0.{n}").status_code == 200
    bot = throttled.test_client()
    assert post_login(bot, victim, "guess", "10.1.0.99").status_code == 200
    assert post_login(bot, victim, "guess", "10.1.0.99").status_code == 429
    assert post_login(throttled.test_client(), victim, PASSWORD, "10.2.0.1").status_code == 302


def test_a_correct_password_forgets_the_devices_failures(throttled):
    user = make_deputy(throttled, "typist")
    browser = throttled.test_client()
    for _ in range(2):
        post_login(browser, user, "typo", "10.3.0.1")
    assert post_login(browser, user, PASSWORD, "10.3.0.1").status_code == 302
    browser.post("/logout")
    for _ in range(2):
        assert post_login(browser, user, "typo", "10.3.0.1").status_code == 200


def test_the_owner_is_never_locked_out_from_a_shared_address_by_a_known_device(throttled):
    """Behind one office (or proxy) address: 40 wrong passwords lock out unknown devices, never the owner's own."""
    owner = make_deputy(throttled, "staff2")
    own_device = throttled.test_client()
    assert post_login(own_device, owner, PASSWORD, "192.168.1.1").status_code == 302
    cookie = own_device.get_cookie("login_device")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    own_device.post("/logout")
    attacker = throttled.test_client()
    assert [post_login(attacker, owner, "guess", "192.168.1.1").status_code for _ in range(40)][-1] == 429
    assert post_login(throttled.test_client(), owner, PASSWORD, "192.168.1.1").status_code == 429  # an unknown device
    assert post_login(own_device, owner, "typo", "192.168.1.1").status_code == 200  # the owner's typo: told, not refused
    assert post_login(own_device, owner, PASSWORD, "192.168.1.1").status_code == 302


def test_a_forged_or_another_accounts_device_cookie_is_not_a_known_device(throttled):
    owner, other = make_deputy(throttled, "owner"), make_deputy(throttled, "other")
    attacker = throttled.test_client()
    assert post_login(attacker, other, PASSWORD, "10.4.0.1").status_code == 302  # known to `other`, not to `owner`
    attacker.post("/logout")
    for _ in range(6):
        post_login(attacker, owner, "guess", "10.4.0.1")
    assert post_login(attacker, owner, PASSWORD, "10.4.0.1").status_code == 429
    forged = throttled.test_client()
    forged.set_cookie("login_device", '["owner"]')
    for _ in range(6):
        post_login(forged, owner, "guess", "10.4.0.1")
    assert post_login(forged, owner, PASSWORD, "10.4.0.1").status_code == 429


def test_logins_work_with_the_limiter_switched_off(make_app):
    app = make_app(RATELIMIT_ENABLED=False)
    with app.app_context():
        db.create_all()
    try:
        user = make_deputy(app, "nolimit")
        browser = app.test_client()
        assert [post_login(browser, user, "guess", "10.5.0.1").status_code for _ in range(12)] == [200] * 12
        assert post_login(browser, user, PASSWORD, "10.5.0.1").status_code == 302
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()


def upload(client, data: bytes, filename: str = "d.csv"):
    return client.post("/admin/import", data={"file": (__import__("io").BytesIO(data), filename)},
                       content_type="multipart/form-data")


@pytest.fixture
def admin_client(client, login, make_user):
    login(make_user(Role.ADMIN))
    return client


def test_a_csv_field_over_the_csv_limit_is_a_clear_message(admin_client, make_community):
    make_community("气象街社区")
    data = ("用户名,姓名,级别,社区\nd1,\"" + "长" * 140_000 + "\",区,气象街社区\n").encode()
    response = upload(admin_client, data)
    assert response.status_code == 200
    assert "CSV 文件第" in response.get_data(as_text=True)


def test_an_upload_over_the_size_limit_is_refused_in_chinese_and_imports_nothing(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    from portal.accounts.services import create_community, create_user

    with app.app_context():
        db.create_all()
        create_community("气象街社区")
        create_user("boss", "主任", Role.ADMIN, PASSWORD)
        db.session.commit()
    client = app.test_client()
    assert post_login(client, "boss", PASSWORD).status_code == 302
    rows = "".join(f"d{n:03},代表{n},区,气象街社区\n" for n in range(60))
    data = ("用户名,姓名,级别,社区\n" + rows).encode()
    assert len(data) > 1024  # a file that would import sixty deputies if it were read
    response = upload(client, data)
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(User.username).where(User.role == Role.DEPUTY)).all() == []
        db.session.remove()
        db.drop_all()


def test_a_file_over_the_row_limit_is_refused_without_importing(app, admin_client, make_community):
    make_community("气象街社区")
    app.config["IMPORT_MAX_ROWS"] = 20
    rows = "".join(f"d{n:03},代表{n},区,气象街社区\n" for n in range(21))
    page = upload(admin_client, ("用户名,姓名,级别,社区\n" + rows).encode()).get_data(as_text=True)
    assert "超过 20 行" in page
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(User).where(User.role == Role.DEPUTY)) == 0


def test_only_the_first_fifty_row_errors_are_listed(admin_client):
    rows = "".join(f"d{n:03},代表{n},区,无此社区\n" for n in range(120))
    page = upload(admin_client, ("用户名,姓名,级别,社区\n" + rows).encode()).get_data(as_text=True)
    assert page.count("无此社区") <= 51  # (50 rows; the heading mentions none)
    listed = [int(line) for line in re.findall(r"<tr><td>(\d+)</td><td>", page)]
    assert listed == list(range(2, 52))  # the file's lines 2–51 (line 1 names the columns), the first fifty rows
    assert "仅列出前 50 条" in page
    assert "120" in page  # the count of rows to correct is still the whole


def test_imported_passwords_are_cheap_salted_and_must_be_changed(app, admin_client, make_community):
    make_community("气象街社区")
    app.config["IMPORT_PASSWORD_HASH_METHOD"] = "scrypt:1024:8:1"
    rows = "".join(f"d{n:03},代表{n},区,气象街社区,same-pass-1\n" for n in range(3))
    upload(admin_client, ("用户名,姓名,级别,社区,初始密码\n" + rows).encode())
    with app.app_context():
        hashes = db.session.scalars(db.select(User.password_hash).where(User.role == Role.DEPUTY)).all()
        assert len(hashes) == 3 and all(h.startswith("scrypt:1024:8:1$") for h in hashes)
        assert len(set(hashes)) == 3  # each salted on its own, even for one shared password
        assert db.session.scalars(db.select(User.password_must_change).where(User.role == Role.DEPUTY)).all() == [True] * 3
    deputy = app.test_client()
    assert post_login(deputy, "d000", "same-pass-1").status_code == 302
    response = deputy.get("/me")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/password")
    deputy.post("/account/password", data={"current_password": "same-pass-1", "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert deputy.get("/me").status_code == 200
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == "d000"))
        assert not user.password_must_change and not user.password_hash.startswith("scrypt:1024")


def count_opinions(app, content: str) -> int:
    from portal.opinions.models import Opinion

    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Opinion).where(Opinion.content == content))


def all_contents(app) -> list[str]:
    from portal.opinions.models import Opinion

    with app.app_context():
        return db.session.scalars(db.select(Opinion.content)).all()


def submission_key(page: str) -> str:
    import re

    return re.search(r'name="submission_key" type="hidden" value="([^"]+)"', page).group(1)


def opinion_data(world, content: str, key: str | None = None) -> dict:
    from portal.clock import local_today

    data = {"content": content, "community": world["community"], "category": 5,
            "collected_on": local_today().isoformat(), "method": "visit"}
    if key:
        data["submission_key"] = key
    return data


@pytest.mark.postgres
def test_a_resent_create_form_makes_one_record_and_shows_it(app, client, login, world):
    login(world["deputy"])
    key = submission_key(client.get("/opinions/new").get_data(as_text=True))
    first = client.post("/opinions/new", data=opinion_data(world, "希望修缮社区活动室", key))
    again = client.post("/opinions/new", data=opinion_data(world, "希望修缮社区活动室", key))
    assert first.status_code == again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert count_opinions(app, "希望修缮社区活动室") == 1
    assert "该表单已经提交过" in client.get(again.headers["Location"]).get_data(as_text=True)
    fresh = submission_key(client.get("/opinions/new").get_data(as_text=True))
    assert fresh != key
    client.post("/opinions/new", data=opinion_data(world, "希望修缮社区活动室", fresh))
    assert count_opinions(app, "希望修缮社区活动室") == 2  # a new form is a new opinion


def test_used_keys_are_kept_a_week_then_pruned_by_the_next_create(app, client, login, world):
    from datetime import timedelta

    from portal.forms import KEY_DAYS
    from portal.models import SubmissionKey, utcnow

    with app.app_context():
        db.session.add_all([
            SubmissionKey(key="o" * 32, user_id=world["staff"].id, url="/opinions/1",
                          created_at=utcnow() - timedelta(days=KEY_DAYS, minutes=1)),
            SubmissionKey(key="r" * 32, user_id=world["staff"].id, url="/opinions/2",
                          created_at=utcnow() - timedelta(days=KEY_DAYS - 1)),
        ])
        db.session.commit()
    login(world["deputy"])
    key = submission_key(client.get("/opinions/new").get_data(as_text=True))
    assert client.post("/opinions/new", data=opinion_data(world, "希望增加路灯", key)).status_code == 302
    with app.app_context():
        assert set(db.session.scalars(db.select(SubmissionKey.key))) == {"r" * 32, key}


@pytest.mark.postgres
def test_two_identical_posts_sent_together_create_one_record(app, login, world):
    import threading

    clients = [app.test_client() for _ in range(4)]
    for each in clients:
        with each.session_transaction() as session:
            session["_user_id"] = f"{world['deputy'].id}:1"
    data = opinion_data(world, "希望增设社区快递柜", "k" * 32)
    barrier, responses = threading.Barrier(len(clients)), []

    def post(each):
        barrier.wait()
        responses.append(each.post("/opinions/new", data=dict(data)))

    threads = [threading.Thread(target=post, args=(each,)) for each in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in responses] == [302] * len(clients)
    assert count_opinions(app, "希望增设社区快递柜") == 1


def test_another_users_key_is_not_theirs_to_replay(app, client, login, world):
    login(world["deputy"])
    assert client.post("/opinions/new", data=opinion_data(world, "一条意见", "s" * 32)).status_code == 302
    login(world["staff"])
    data = opinion_data(world, "另一条意见", "s" * 32) | {"deputy": world["other"].id}
    response = client.post("/opinions/new", data=data)
    assert response.status_code == 200  # the key is taken: nothing is shown of the other user's record
    assert count_opinions(app, "另一条意见") == 0


def test_every_form_is_a_base_form_and_every_create_form_submits_once():
    import importlib
    import pkgutil

    import portal
    from flask_wtf import FlaskForm

    from portal.forms import BaseForm, OnceForm

    forms = set()
    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        loaded = importlib.import_module(module.name)
        forms |= {v for v in vars(loaded).values()
                  if isinstance(v, type) and issubclass(v, FlaskForm) and v.__module__.startswith("portal.")}
    forms -= {BaseForm, OnceForm}
    assert len(forms) > 20
    assert [f.__name__ for f in forms if not issubclass(f, BaseForm)] == []
    creating = {"NewUserForm", "CommunityForm", "OpinionForm", "CategoryForm", "SuggestionForm", "EvaluationForm",
                "CampaignForm", "ItemForm", "MatterForm", "MeetingForm", "MeetingOpinionForm", "MeetingKindForm"}
    assert {f.__name__ for f in forms if issubclass(f, OnceForm)} >= creating


@pytest.mark.postgres
@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\x7f", "\x85"])
def test_control_characters_are_refused_at_the_form(app, client, login, world, bad):
    login(world["deputy"])
    page = client.post("/opinions/new", data=opinion_data(world, f"希望{bad}修路")).get_data(as_text=True)
    assert "此项含有不可见的控制字符" in page
    assert count_opinions(app, "希望修路") == 0 and f"希望{bad}修路" not in all_contents(app)
    login(world["staff"])
    page = client.post(f"/suggestions/{world['own']}/edit", data={"title": f"标题{bad}", "content": "内容", "category": 3}).get_data(as_text=True)
    assert "此项含有不可见的控制字符" in page


@pytest.mark.postgres
def test_tab_and_newline_stay_allowed_in_multi_line_text_only(app, client, login, world):
    login(world["deputy"])
    assert client.post("/opinions/new", data=opinion_data(world, "第一行\r\n\t第二行")).status_code == 302
    assert count_opinions(app, "第一行\r\n\t第二行") + count_opinions(app, "第一行\n\t第二行") == 1
    login(world["staff"])
    page = client.post(f"/suggestions/{world['own']}/edit", data={"title": "标题\t二", "content": "内容", "category": 3}).get_data(as_text=True)
    assert "此项含有不可见的控制字符" in page


@pytest.mark.postgres
def test_a_control_character_in_a_search_parameter_is_a_clear_400(client, login, world):
    login(world["staff"])
    for url in ("/opinions/?q=%00", "/admin/users?q=a%1b", "/suggestions/?q=%00"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "请求中含有不允许的字符" in response.get_data(as_text=True)


@pytest.mark.postgres
def test_a_nul_in_a_tablet_leave_reason_is_refused(app, client, login, make_user):
    from datetime import timedelta

    from portal.meetings.models import Attendance
    from portal.meetings.services import (
        MeetingFields,
        create_meeting,
        ensure_default_meeting_kinds,
        meeting_kinds,
        set_roster,
    )
    from portal.models import utcnow

    staff, deputy = make_user(Role.STAFF), make_user(Role.DEPUTY)
    with app.app_context():
        ensure_default_meeting_kinds()
        now = utcnow()
        meeting = create_meeting(db.session.get(User, staff.id), MeetingFields(meeting_kinds()[0], "会", now, now + timedelta(hours=1)))
        set_roster(meeting, [deputy.id])
        db.session.commit()
        meeting_id = meeting.id
    login(staff)
    response = client.post(f"/meetings/{meeting_id}/attendance/{deputy.id}", data={"status": "excused", "reason": "病\x00假"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "此项含有不可见的控制字符" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Attendance)) == 0


def test_pages_behind_login_and_exports_are_not_stored_but_static_files_are_cached(client, login, make_user):
    login(make_user(Role.STAFF))
    page = client.get("/staff")
    assert page.headers["Cache-Control"] == "no-store"
    export = client.get("/suggestions/figures/export.csv")
    assert export.status_code == 200 and export.headers["Cache-Control"] == "no-store"
    import re

    css = re.search(r'href="(/static/css/portal\.css\?v=\d+)"', page.get_data(as_text=True)).group(1)
    static = client.get(css)
    assert static.status_code == 200
    assert "max-age=31536000" in static.headers["Cache-Control"]
    static.close()


def test_every_export_route_is_in_the_formula_safety_proof(app):
    import inspect

    from . import test_exports

    proven = inspect.getsource(test_exports.test_export_routes_write_names_and_reasons_as_text)
    exports = {rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.endswith("export")}
    assert len(exports) >= 3
    for rule in exports:
        path = rule.replace("<int:meeting_id>", "{meeting}").replace("<int:publication_id>", "{publication}").replace(".<fmt>", "")
        assert f'"{path}"' in proven, f"{rule} is not proven formula-safe in tests/test_exports.py"
