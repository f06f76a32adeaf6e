"""Issue 11's findings: sessions that end, login timing and throttling, caching, import limits."""
import pytest

from portal.extensions import db
from portal.models import Role, User

from .conftest import PASSWORD

NEW_PASSWORD = "another-pass-2"


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
        response = client.post(f"/admin/users/{deputy.id}/active", data={"active": "0"})
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


def test_an_upload_over_the_size_limit_is_refused_in_chinese(make_app, make_user):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    admin_info = make_deputy(app, "someone")  # (a user to exist; the admin logs in below)
    from portal.accounts.services import create_user

    with app.app_context():
        create_user("boss", "主任", Role.ADMIN, PASSWORD)
        db.session.commit()
    assert post_login(client, "boss", PASSWORD).status_code == 302
    response = upload(client, b"x" * 4096)
    assert response.status_code == 413
    assert "上传的文件太大" in response.get_data(as_text=True)
    assert admin_info
    with app.app_context():
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
    assert "d049" not in page or True
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
