"""Compressed answers when the client accepts them, static files too, and a light cold visit."""
import gzip
import re

import pytest

from portal.models import Role

ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')
TOKEN = re.compile(rb'(csrf_token" value="|"X-CSRFToken": ")[^"]+')


def _without_tokens(html: bytes) -> bytes:
    """The page without its CSRF tokens, which differ at every rendering."""
    return TOKEN.sub(rb"\1", html)


def test_html_is_gzipped_when_asked_and_plain_otherwise(client, make_user, login):
    login(make_user(Role.STAFF))
    plain = client.get("/staff")
    packed = client.get("/staff", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in plain.headers
    assert "<!doctype html>" in plain.get_data(as_text=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert _without_tokens(gzip.decompress(packed.data)) == _without_tokens(plain.data)
    assert len(packed.data) < len(plain.data) / 2


def test_htmx_fragment_is_gzipped_too(client, make_user, login):
    login(make_user(Role.STAFF))
    for _ in range(5):
        make_user(Role.DEPUTY)
    packed = client.get("/deputies/", headers={"Accept-Encoding": "gzip", "HX-Request": "true"})
    assert packed.headers.get("Content-Encoding") == "gzip"
    assert "代表" in gzip.decompress(packed.data).decode()


def test_identity_only_gets_no_compression(client):
    answer = client.get("/login", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in answer.headers
    assert "csrf_token" in answer.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["css", "js"])
def test_static_files_are_gzipped_and_versioned(client, kind):
    page = client.get("/login").get_data(as_text=True)
    url = next(u for u in ASSET.findall(page) if u.split("?")[0].endswith("." + kind))
    assert re.search(r"\?v=\d+$", url)
    packed = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in packed.headers["Cache-Control"]
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(packed.data) == plain.data


@pytest.mark.parametrize("path", ["/login", "/staff", "/campaigns/matrix", "/meetings/rates", "/suggestions/figures"])
def test_a_cold_visit_transfers_at_most_40_kb(client, make_user, login, path):
    if path != "/login":
        login(make_user(Role.STAFF))
    page = client.get(path, headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    total = len(page.data)
    for url in set(ASSET.findall(gzip.decompress(page.data).decode())):
        total += len(client.get(url, headers={"Accept-Encoding": "gzip"}).data)
    assert total <= 40 * 1024
