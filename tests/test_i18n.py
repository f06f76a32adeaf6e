"""Chinese by default, English selectable; every message has a Chinese translation."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from portal.models import Role

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "portal/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_msgid_has_a_chinese_translation(tmp_path):
    """Extract the messages of the code now and look each one up in the zh catalog."""
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "_l",
         "--ignore-dirs=.* __pycache__", "-o", str(pot), "portal", "templates"],
        cwd=ROOT, check=True, capture_output=True,
    )
    extracted = {m.id for m in read_po(pot.open("rb")) if m.id}
    with CATALOG.open("rb") as handle:
        translated = {m.id: m.string for m in read_po(handle) if m.id}
    assert len(extracted) > 100
    missing = sorted(str(i) for i in extracted if not translated.get(i))
    assert missing == [], f"untranslated (run `make messages`, then translate): {missing}"


def test_catalog_is_filed_where_babel_looks():
    """Babel 2.19 parses zh_CN as zh_Hans_CN: a catalog under zh_CN would be silently ignored."""
    from babel import Locale

    assert str(Locale.parse("zh_Hans_CN")) == CATALOG.parent.parent.name


def test_pages_are_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "登录" in page and "用户名" in page


def test_english_is_selectable_and_kept_on_the_account(app, client, make_user):
    user = make_user(Role.STAFF)
    client.post("/login", data={"username": user.username, "password": user.password})
    response = client.post("/locale", data={"locale": "en", "next": "/staff"})
    assert response.headers["Location"] == "/staff"
    page = client.get("/staff").get_data(as_text=True)
    assert "Overview" in page and '<html lang="en">' in page
    client.post("/logout")
    other = app.test_client()
    other.post("/login", data={"username": user.username, "password": user.password})
    assert "Overview" in other.get("/staff").get_data(as_text=True)


def test_anonymous_can_switch_language_for_the_session(client):
    client.post("/locale", data={"locale": "en"})
    assert "Username" in client.get("/login").get_data(as_text=True)


def test_unknown_locale_is_ignored(client):
    client.post("/locale", data={"locale": "fr"})
    assert "用户名" in client.get("/login").get_data(as_text=True)


def test_wtforms_own_messages_are_chinese(client, make_user, login):
    """A malformed date gets WTForms' message, in Chinese, at its field."""
    login(make_user(Role.STAFF))
    page = client.get("/staff?start=2026-13-45").get_data(as_text=True)
    assert 'id="start-error"' in page and "不是有效的日期值。" in page


def test_chinese_text_uses_full_width_punctuation():
    """No half-width colon, parenthesis or comma between the Chinese words of a translation."""
    import re

    with CATALOG.open("rb") as handle:
        strings = [m.string for m in read_po(handle) if m.id and isinstance(m.string, str)]
    half_width = [s for s in strings if re.search(r"[:(),]", re.sub(r"%\(\w+\)[sd]", "", s))]
    assert half_width == []


def test_cached_charts_speak_each_readers_language(app, client, make_user, login):
    """The overview's charts come from the figures cache: one reader's language never reaches another."""
    chinese, english = make_user(Role.STAFF), make_user(Role.STAFF)
    other = app.test_client()
    other.post("/login", data={"username": english.username, "password": english.password})
    other.post("/locale", data={"locale": "en"})
    login(chinese)
    # No write between the pages: both read the same data version.
    assert "各社区意见与采纳" in client.get("/staff").get_data(as_text=True)
    page = other.get("/staff").get_data(as_text=True)
    assert "Opinions and adoption by community" in page and "各社区意见与采纳" not in page
    assert "各社区意见与采纳" in client.get("/staff").get_data(as_text=True)
