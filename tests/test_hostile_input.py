"""Hostile input into every text field of every form and every search and filter parameter.

The forms and parameters are found by reading the pages themselves (every `<form>` of every page a
role can open), so a new field is covered without listing it here. On SQLite and PostgreSQL:
never a 500, the hostile marker never comes back unescaped, and a refused input changes nothing.
"""
import hashlib
import re
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import create_app
from portal.extensions import db
from portal.models import Role, User, utcnow

from . import conftest

# One worker builds this module's fixtures (a server, a street) once: under `-n`, all its tests run there.
pytestmark = pytest.mark.xdist_group("test_hostile_input")

# Comes back verbatim only if something is rendered unescaped.
MARK = "<x11 a='\"'>"
NASTY = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)", "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}", "${7*7}#{7*7}", "' OR '1'='1' --", "'; DROP TABLE users; --", "%' AND 1=1 --", "\\x00\\",
    "\x00", "\x1b[2J", "\u202eevil\u202c", "😀👨‍👩‍👧", "气象街30-54号路面修复", "ＡＢＣ　全角", "\ud7ff\ue000\ufffd",
    "a" * 5000, "\r\n\t", "%00%0d%0a", "&lt;&amp;&#x3c;", "]]><!--", "null", "-1", "0x7fffffff", "1e309",
]
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=20)).map("".join),
).map(lambda text: text + MARK)

# Pages (by role) whose forms and filters are exercised; {name} placeholders are the world's ids.
PAGES = {
    "anonymous": ["/login"],
    "deputy": ["/me", "/opinions/new", "/suggestions/new", "/suggestions/{draft}/edit", "/matters/new",
               "/account/password", "/campaigns/items/{item}/record", "/meetings/{meeting}/checkin/{token}"],
    "staff": ["/staff", "/opinions/", "/opinions/new", "/suggestions/", "/suggestions/{draft}", "/suggestions/figures",
              "/matters/", "/matters/{matter}/edit", "/meetings/", "/meetings/new", "/meetings/{meeting}",
              "/meetings/{meeting}/edit", "/meetings/rates", "/deputies/", "/evaluations/", "/evaluations/new",
              "/campaigns/on-behalf", "/campaigns/matrix"],
    "admin": ["/admin/users", "/admin/users/new", "/admin/users/{deputy}/edit", "/admin/users/{deputy}/password",
              "/admin/communities", "/admin/communities/{community}/edit", "/opinions/categories",
              "/meetings/kinds", "/campaigns/new", "/campaigns/{campaign}", "/campaigns/{campaign}/edit",
              "/campaigns/items/{item}/edit", "/evaluations/thresholds"],
}
SKIP_ACTIONS = ("/logout", "/locale", "/admin/import")
TEXT_TYPES = {"text", "search", "password", "tel", "email", "url", None}


@dataclass
class Form:
    """One `<form>` as the browser would send it."""

    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    text: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page: their action, default values and which fields take free text."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.form, self.select, self.textarea = page_url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = "post" if (a.get("method", "get").lower() == "post" or "hx-post" in a) else "get"
            action = a.get("hx-post") or a.get("action") or a.get("hx-get") or self.page_url
            self.form = Form(method, action)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields[a["name"]] = a.get("value", "y")
            elif kind not in ("submit", "button", "file"):
                self.form.fields.setdefault(a["name"], a.get("value", ""))
                if kind in TEXT_TYPES:
                    self.form.text.append(a["name"])
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.form.fields[a["name"]] = ""
            self.form.text.append(a["name"])
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if "selected" in a or self.form.fields.get(self.select, "") in ("", "0"):
                self.form.fields[self.select] = value

    def handle_data(self, data):
        if self.textarea and self.form is not None:
            self.form.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


@dataclass
class Target:
    """A text field of a form, or a parameter of a search or filter, reached as `role`."""

    role: str
    form: Form
    name: str

    def __str__(self) -> str:
        return f"{self.role} {self.form.method.upper()} {self.form.action} [{self.name}]"


def build_world(app) -> dict:
    """A small street: one of each object the pages above need."""
    from portal.accounts.services import DeputyFields, create_community, create_user
    from portal.campaigns.services import CampaignFields, create_campaign
    from portal.matters.models import MatterState
    from portal.matters.services import MatterFields, create_matter
    from portal.meetings.checkin import checkin_token
    from portal.meetings.services import MeetingFields, create_meeting, ensure_default_meeting_kinds, meeting_kinds
    from portal.models import Level
    from portal.opinions.models import CollectionMethod
    from portal.opinions.services import active_categories, ensure_default_categories, record_opinion
    from portal.suggestions.services import SuggestionFields, create_suggestion

    with app.app_context():
        db.create_all()
        community = create_community("气象街社区")
        users = {
            "admin": create_user("admin", "赵主任", Role.ADMIN, "secret-pass-1"),
            "staff": create_user("staff", "刘红", Role.STAFF, "secret-pass-1"),
            "deputy": create_user("xiahong", "夏虹", Role.DEPUTY, "secret-pass-1",
                                  DeputyFields(Level.DISTRICT, community, "教师", "13900000000")),
        }
        ensure_default_categories()
        ensure_default_meeting_kinds()
        deputy, category = users["deputy"], active_categories()[0]
        opinion = record_opinion(deputy, deputy, "小区路灯损坏", community, category, utcnow().date(), CollectionMethod.VISIT)
        draft = create_suggestion(deputy, SuggestionFields("修路灯", "建议修复路灯", category, [deputy]), [opinion.id])
        voter_kind = next(k for k in meeting_kinds() if k.voter_log)
        meeting = create_meeting(users["staff"], MeetingFields(voter_kind, "代表与选民见面会", utcnow() - timedelta(minutes=5),
                                                               utcnow() + timedelta(hours=2)))
        campaign = create_campaign(CampaignFields("站在新起点", utcnow().date() - timedelta(days=30),
                                                  utcnow().date() + timedelta(days=300), "", True))
        matter = create_matter(deputy, MatterFields("修复路面", "气象街30号", community, [deputy], utcnow().date(), MatterState.DONE))
        db.session.commit()
        ids = {name: user.id for name, user in users.items()}
        return {"ids": ids, "community": community.id, "draft": draft.id, "meeting": meeting.id,
                "token": checkin_token(meeting), "campaign": campaign.id, "item": campaign.items[0].id,
                "matter": matter.id}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def street(request, tmp_path_factory):
    """An app on each database with the small street, and every form and filter target found on its pages."""
    if request.param == "postgresql":
        url = conftest.create_pg_database(request.getfixturevalue("postgres_server"))
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'portal.db'}"
    app = create_app(conftest.test_config(SQLALCHEMY_DATABASE_URI=url, LOGIN_FAILURES_PER_PAIR="1000 per minute"))
    world = build_world(app)
    world["deputy"] = world["ids"]["deputy"]
    targets = []
    for role, pages in PAGES.items():
        client = client_as(app, world, role)
        for page in pages:
            path = page.format(**world)
            response = client.get(path)
            assert response.status_code == 200, (role, path, response.status_code)
            parser = FormParser(path)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                if form.action.startswith(SKIP_ACTIONS) or "://" in form.action:
                    continue
                names = form.text if form.method == "post" else list(form.fields)
                targets += [Target(role, form, name) for name in names if name not in ("csrf_token", "submission_key")]
    unique = {str(t): t for t in targets}
    yield app, world, list(unique.values())
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def client_as(app, world, role: str):
    """A browser logged in as `role` (at the account's current session version)."""
    client = app.test_client()
    if role != "anonymous":
        with app.app_context():
            version = db.session.get(User, world["ids"][role]).session_version
            db.session.remove()
        with client.session_transaction() as session:
            session["_user_id"] = f"{world['ids'][role]}:{version}"
    return client


def fingerprint(app) -> str:
    """A digest of every row of every table, to prove a refused input changed nothing."""
    digest = hashlib.sha256()
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(db.select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
        db.session.remove()
    return digest.hexdigest()


def send(app, world, target: Target, value: str):
    """Send the form (or the filter) with `value` in the target field, as its role; the final response."""
    client = client_as(app, world, target.role)
    data = dict(target.form.fields)
    if "submission_key" in data:
        data["submission_key"] = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    data[target.name] = value
    encoded = {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in data.items()}
    path = urlsplit(target.form.action).path
    if target.form.method == "get":
        return client.get(path + "?" + urlencode(encoded)), False
    response = client.post(path, data=encoded)
    redirected = response.status_code in (302, 303)
    if redirected:
        location = urlsplit(response.headers["Location"])
        response = client.get(location.path + ("?" + location.query if location.query else ""))
    return response, redirected


def check(app, world, target: Target, value: str) -> None:
    """Never a 500, never the marker unescaped, and nothing changed unless the input was accepted."""
    before = fingerprint(app) if target.form.method == "post" else None
    response, accepted = send(app, world, target, value)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, f"{target}: {response.status_code}"
    assert "<x11" not in body, f"{target}: the marker came back unescaped"
    if before is not None and not accepted:
        assert fingerprint(app) == before, f"{target}: a refused input changed the database"


def test_the_pages_offer_what_the_suite_claims_to_cover(street):
    _app, _world, targets = street
    names = {(t.form.action.split("/")[1] if "/" in t.form.action else "", t.name) for t in targets}
    for expected in [("opinions", "content"), ("opinions", "q"), ("suggestions", "title"), ("meetings", "title"),
                     ("admin", "username"), ("admin", "q"), ("matters", "title"), ("login", "username"),
                     ("campaigns", "name"), ("meetings", "content")]:
        assert expected in names, expected
    assert len(targets) > 60


def test_every_field_and_filter_survives_the_nastiest_strings(street):
    app, world, targets = street
    for target in targets:
        for value in ("\"><script>alert(1)</script>" + MARK, "\x00" + "a" * 3000 + MARK):
            check(app, world, target, value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hypothesis_hostile_strings_anywhere(street, data):
    app, world, targets = street
    target = data.draw(st.sampled_from(targets), label="target")
    check(app, world, target, data.draw(hostile, label="value"))


@pytest.mark.parametrize("query", ["q=%FF%FE", "q=%C0%AF", "state=%ED%A0%80", "deputy=%E2%80%AE1", "month=9999-99"])
def test_invalid_utf8_in_filters_is_not_an_error(street, query):
    app, world, _targets = street
    client = client_as(app, world, "staff")
    for path in ("/opinions/", "/suggestions/", "/meetings/", "/matters/", "/deputies/"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 400), (path, query, response.status_code)


def test_invalid_utf8_in_a_form_is_refused_or_replaced(street):
    app, world, _targets = street
    client = client_as(app, world, "deputy")
    before = fingerprint(app)
    body = b"content=%FF%FE%00&community=0&category=0&method=visit&collected_on=bad"
    response = client.post("/opinions/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and re.search("控制字符|请", response.get_data(as_text=True))
    assert fingerprint(app) == before
