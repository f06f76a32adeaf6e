"""Logging in and out, passwords, rate limits, CSRF, security headers, safe redirects."""
import re

import pytest

from portal.models import Role

from .conftest import PASSWORD

GENERIC = "用户名或密码错误，或账号已停用。"


def post_login(client, username, password, next_=None, remember=False):
    url = "/login" + (f"?next={next_}" if next_ else "")
    data = {"username": username, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post(url, data=data)


# On a fresh portal the admin lands on the committee-name setting (tests/test_notices.py covers the rest).
@pytest.mark.parametrize(("role", "home"), [(Role.DEPUTY, "/me"), (Role.STAFF, "/staff"), (Role.ADMIN, "/admin/settings")])
def test_each_role_lands_on_its_home(client, make_user, role, home):
    user = make_user(role)
    response = post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == home
    page = client.get(home).get_data(as_text=True)
    assert user.name in page


def test_username_is_case_insensitive(client, make_user):
    make_user(Role.STAFF, username="staffx")
    assert post_login(client, "  StaffX ", PASSWORD).status_code == 302


@pytest.mark.parametrize("case", ["wrong-password", "unknown-user", "deactivated"])
def test_failure_message_is_generic(client, make_user, case):
    user = make_user(Role.DEPUTY, active=(case != "deactivated"))
    username = "nobody" if case == "unknown-user" else user.username
    password = "wrong-password" if case == "wrong-password" else PASSWORD
    response = post_login(client, username, password)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert GENERIC in page
    assert f'value="{username}"' in page  # the username is kept
    assert client.get("/me").status_code == 302  # not logged in


def test_deactivated_user_loses_a_running_session(client, make_user, login, app):
    from portal.extensions import db
    from portal.models import User

    user = make_user(Role.DEPUTY)
    login(user)
    assert client.get("/me").status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/me").status_code == 302


@pytest.mark.parametrize(
    ("next_", "expected"),
    [("/deputies/", "/deputies/"), ("//evil.example/x", "/staff"), ("https://evil.example/", "/staff"),
     ("/\\evil.example", "/staff"), ("javascript:alert(1)", "/staff")],
)
def test_next_only_redirects_to_local_paths(client, make_user, next_, expected):
    user = make_user(Role.STAFF)
    response = post_login(client, user.username, PASSWORD, next_=next_)
    assert response.headers["Location"] == expected


def test_protected_page_sends_anonymous_to_login_with_next(client):
    response = client.get("/deputies/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session(client, make_user):
    user = make_user(Role.DEPUTY)
    post_login(client, user.username, PASSWORD)
    response = client.post("/logout")
    assert response.headers["Location"] == "/login"
    assert client.get("/me").status_code == 302


def test_remember_me_sets_a_cookie(client, make_user):
    user = make_user(Role.DEPUTY)
    response = post_login(client, user.username, PASSWORD, remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0]


def test_password_is_hashed(app, make_user):
    from portal.extensions import db
    from portal.models import User

    user = make_user(Role.DEPUTY)
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert PASSWORD not in stored and stored.startswith("pbkdf2:")


def test_production_hashes_with_scrypt(make_app):
    from werkzeug.security import check_password_hash

    from portal.auth.services import hash_password
    from portal.config import Config

    app = make_app(PASSWORD_HASH_METHOD=Config.PASSWORD_HASH_METHOD)
    with app.app_context():
        stored = hash_password(PASSWORD)
        assert stored.startswith("scrypt:") and PASSWORD not in stored
        assert check_password_hash(stored, PASSWORD) and not check_password_hash(stored, "wrong-pass-1")


def test_a_production_password_check_holds_at_most_8_mib():
    from portal.config import Config

    name, n, r, p = Config.PASSWORD_HASH_METHOD.split(":")
    assert name == "scrypt" and 128 * int(n) * int(r) <= 8 * 2**20 and int(n) * int(p) >= 2**16  # twice the work of the default


def test_change_own_password(client, make_user, login):
    user = make_user(Role.DEPUTY)
    login(user)
    response = client.post("/account/password", data={"current_password": "bad", "new_password": "new-pass-2", "confirm": "new-pass-2"})
    assert "当前密码不正确。" in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "short", "confirm": "short"})
    assert "密码至少需要 8 个字符。" in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-pass-2", "confirm": "other-pass"})
    assert "两次输入的密码不一致。" in response.get_data(as_text=True)
    response = client.post("/account/password", data={"current_password": PASSWORD, "new_password": "new-pass-2", "confirm": "new-pass-2"})
    assert response.status_code == 302
    client.post("/logout")
    assert post_login(client, user.username, PASSWORD).status_code == 200
    assert post_login(client, user.username, "new-pass-2").status_code == 302


def test_csrf_is_required_for_forms_and_htmx(make_app, make_user):
    from portal.extensions import db

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    # The page carries the token once for htmx, in an inherited header on <body>.
    assert f'hx-headers:inherited=\'{{"X-CSRFToken": "{token}"}}\'' in page
    assert client.post("/login", data={"username": "x", "password": "y"}).status_code == 400
    assert client.post("/locale", data={"locale": "en"}).status_code == 400
    response = client.post("/locale", data={"locale": "en"}, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    with app.app_context():
        db.session.remove()
        db.drop_all()


def test_csrf_token_does_not_expire(make_app, make_user, monkeypatch):
    """A tablet keeps its page open all day: a token from this morning still works ten hours later."""
    from itsdangerous import TimestampSigner

    from portal.extensions import db

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.create_all()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    later = TimestampSigner.get_timestamp(TimestampSigner("k")) + 10 * 3600
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: later)
    response = client.post("/locale", data={"locale": "en"}, headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code == 302
    with app.app_context():
        db.session.remove()
        db.drop_all()


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "<script>" not in response.get_data(as_text=True)  # no inline script


def test_secure_cookie_when_configured(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
