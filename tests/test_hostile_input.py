"""Hostile input into every route of the app, found from its URL map, on SQLite and PostgreSQL.

The targets are derived, never listed: every rule of `app.url_map`; for each, its path parameters,
the query parameters and form fields its view reads (its own code, the same module's helpers it
calls, the fields of the forms it builds) and the fields of every `<form>` the pages offer for it.
Every role the route lets in sends each input once with a hostile value, with and without htmx, the
other fields as the page fills them; every role it refuses sends them all at once. Objects come from
the route × role matrix's world (`tests/test_permissions.py`), so a route added tomorrow is covered the
day it gets its row there. The values rotate through a list of hostile strings and numbers (one per
request, not the cross product), and a Hypothesis test adds random ones.

Every answer: never a 500, never the marker unescaped; a refused POST (4xx, or an error shown at a
field or flashed) commits nothing but a failed login's audit row.
"""
import ast
import functools
import inspect
import textwrap
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from wtforms.fields.core import UnboundField

from portal import AREAS
from portal.auditing import Action, AuditEvent
from portal.extensions import db
from portal.models import DataVersion, Role, User
from portal.permissions import PUBLIC

from . import test_permissions as matrix
from .conftest import UserInfo, shared_world

ROLES = ("anonymous", "deputy", "staff", "admin")
HTMX = {"HX-Request": "true"}
# Comes back verbatim only if something is rendered unescaped.
MARK = "<x11 a='\"'>"
STRINGS = [
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' onmouseover='alert(1)", "javascript:alert(1)",
    "{{ 7*7 }}{% raw %}", "${7*7}#{7*7}", "' OR '1'='1' --", "'; DROP TABLE users; --", "%' AND 1=1 --", "\\x00\\",
    "\x00", "a\x00b", "\x1b[31m", "\u202eevil\u202c", "😀👨‍👩‍👧", "气象街30-54号路面修复", "ＡＢＣ　全角", "\ud7ff\ue000\ufffd",
    "a" * 5000, "\r\n\t", "%00%0d%0a", "&lt;&amp;&#x3c;", "]]><!--", "null", "../../etc/passwd", "{urn:uuid:x}",
]
# Numbers and dates beyond what a column or a calendar holds, sent bare (a marker would make them plain text).
EXTREMES = [
    "99999999999999999999", "9223372036854775808", "-9223372036854775809", "2147483648", "-1", "0", "1e309", "NaN",
    "9999-12-31", "0001-01-01", "2024-02-30", "10000-01-01", "",
]
VALUES = [text + MARK for text in STRINGS] + EXTREMES
# Answers above 499 that are the route's meaning: the test database is not at the newest migration.
EXPECTED_ERRORS = {("health.readyz", 503)}
PATH_VALUES = ["\x00", "%00", "a\x00b", "99999999999999999999", "9223372036854775808", "0", "x" * 300, "😀", "..", "\x1b[2J"]

hostile = st.one_of(
    st.sampled_from(VALUES),
    st.text(max_size=60).map(lambda text: text + MARK),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30).map(lambda text: text + MARK),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)


def rotating(values: list[str], *key) -> str:
    """The value of `values` this input gets: stable from run to run, different from input to input."""
    return values[zlib.crc32(" ".join(map(str, key)).encode()) % len(values)]


# What a view reads: request.args → the query string, request.form → the form body.
SOURCES = {"args": "query", "form": "form", "values": "form"}


def _source(node, params: dict[str, str]) -> str | None:
    """'query' or 'form' if `node` is request.args / request.form / request.values, or a parameter carrying one."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "request":
        return SOURCES.get(node.attr)
    if isinstance(node, ast.Name):
        return params.get(node.id)
    return None


def _form_fields(form_class) -> list[str]:
    return [name for name, value in inspect.getmembers(form_class) if isinstance(value, UnboundField)]


@functools.cache
def view_inputs(view) -> dict[str, set[str]]:
    """The query parameters and form fields a view reads, where its code says so (see the module's docstring)."""
    found = {"query": set(), "form": set()}
    start = inspect.unwrap(view)
    queue, seen = [(start, {})], set()
    while queue:
        function, params = queue.pop()
        if (function, tuple(sorted(params.items()))) in seen:
            continue
        seen.add((function, tuple(sorted(params.items()))))
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        except (OSError, TypeError, SyntaxError):
            continue
        names = function.__globals__
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist"):
                source = _source(node.func.value, params)
                if source and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    found[source].add(node.args[0].value)
            elif isinstance(node, ast.Subscript):
                source = _source(node.value, params)
                if source and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                    found[source].add(node.slice.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "paginate":
                found["query"].update({"page", "per_page"})  # Flask-SQLAlchemy reads them from the request
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                target = names.get(node.func.id)
                passed = [_source(arg, params) for arg in node.args]
                if inspect.isclass(target) and issubclass(target, FlaskForm):
                    fields = _form_fields(target)
                    found["query" if passed[:1] == ["query"] else "form"].update(fields)
                elif inspect.isfunction(target) and target.__module__ == start.__module__:
                    arguments = list(inspect.signature(target).parameters)
                    carried = {arguments[i]: source for i, source in enumerate(passed) if source and i < len(arguments)}
                    carried.update({k.arg: _source(k.value, params) for k in node.keywords if _source(k.value, params)})
                    queue.append((target, carried))
    for names in found.values():
        names -= {"csrf_token"}
    return found


@dataclass
class Form:
    """One `<form>` as the browser would send it."""

    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """The forms of a page: their action and the values the browser would send."""

    def __init__(self, page_url: str):
        super().__init__()
        self.page_url, self.forms, self.form, self.select, self.textarea = page_url, [], None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            method = "POST" if (a.get("method", "get").lower() == "post" or "hx-post" in a) else "GET"
            self.form = Form(method, a.get("hx-post") or a.get("action") or a.get("hx-get") or self.page_url)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.form.fields[a["name"]] = a.get("value", "y")
                else:
                    self.form.fields.setdefault(a["name"], None)  # a field, sent only when chosen
            elif kind not in ("submit", "button", "file"):
                self.form.fields.setdefault(a["name"], a.get("value", ""))
        elif tag == "textarea" and a.get("name"):
            self.textarea = a["name"]
            self.form.fields[a["name"]] = ""
        elif tag == "select" and a.get("name"):
            self.select = a["name"]
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if "selected" in a or self.form.fields.get(self.select) in (None, "", "0"):
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


def may_enter(role: str, view) -> bool:
    """Whether the route lets `role` in (the same rule as portal.permissions.role_required)."""
    required = view.required_roles
    return required == PUBLIC or (role != "anonymous" and User(role=Role(role)).has_role(*required))


def client_as(app, world, role: str):
    """A browser logged in as `role` (at the account's current session version)."""
    client = app.test_client()
    if role != "anonymous":
        with app.app_context():
            version = db.session.get(User, world[role].id).session_version
            db.session.remove()
        with client.session_transaction() as session:
            session["_user_id"] = f"{world[role].id}:{version}"
    return client


def matrix_path(endpoint: str, world: dict, role: str) -> str:
    """The route's path with real objects, as the route × role matrix reaches it."""
    assert endpoint in matrix.MATRIX, f"{endpoint}: give it a row in the route × role matrix (tests/routes_*.py)"
    return matrix._path(matrix.MATRIX[endpoint][1], world, role)


def crawl(app, world) -> dict[str, dict[str, str | None]]:
    """Every form the GET pages offer each role, by the endpoint it is sent to: its fields and their values."""
    adapter = app.url_map.bind("localhost")
    forms: dict[str, dict[str, str | None]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        for role in ROLES:
            if not may_enter(role, app.view_functions[rule.endpoint]):
                continue
            path = matrix_path(rule.endpoint, world, role)
            response = client_as(app, world, role).get(path)
            if response.status_code != 200 or not response.mimetype.startswith("text/html"):
                continue
            parser = FormParser(path)
            parser.feed(response.get_data(as_text=True))
            for form in parser.forms:
                try:
                    endpoint, _args = adapter.match(urlsplit(form.action).path, method=form.method)
                except Exception:  # a redirect, another host, a method the route does not take
                    continue
                forms.setdefault(f"{endpoint} {form.method}", {}).update(
                    {name: value for name, value in form.fields.items() if name != "csrf_token"})
    return forms


def build_world(app, make_user, make_community):
    """The route × role matrix's world, and the forms its pages offer."""
    world = matrix.at_this_moment(app, matrix.build_world(app, make_user, make_community))
    return {"objects": world, "forms": crawl(app, world)}


# The module on one worker: its world (every page crawled for its forms) is then built once per database.
pytestmark = pytest.mark.xdist_group("hostile")

street = shared_world(build_world, then=lambda app, value: {**value, "objects": matrix.at_this_moment(app, value["objects"])})


@dataclass(frozen=True)
class Target:
    """An input of a route (a path parameter, a query parameter or a form field), as one role sends it."""

    endpoint: str
    method: str
    where: str  # "path", "query" or "form"
    name: str

    def __str__(self) -> str:
        return f"{self.method} {self.endpoint} [{self.where} {self.name}]"


def targets_of(app, forms: dict, endpoint: str | None = None) -> dict[tuple[str, str], list[Target]]:
    """Every input of every route (of one endpoint), by (endpoint, method)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or endpoint not in (None, rule.endpoint):
            continue
        read = view_inputs(app.view_functions[rule.endpoint])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            offered = forms.get(f"{rule.endpoint} {method}", {})
            inputs = [Target(rule.endpoint, method, "path", name) for name in sorted(rule.arguments)]
            inputs += [Target(rule.endpoint, method, "query", name) for name in sorted(read["query"])]
            body = read["form"] | set(offered) if method == "POST" else set()
            query = set(offered) - read["query"] if method == "GET" else set()
            inputs += [Target(rule.endpoint, method, "query", name) for name in sorted(query)]
            inputs += [Target(rule.endpoint, method, "form", name) for name in sorted(body)]
            found[(rule.endpoint, method)] = inputs
    return found


def _hostile_path(app, path: str, method: str, name: str, value: str) -> str:
    """`path` with its parameter `name` replaced by `value` (percent-encoded, as a browser sends it)."""
    adapter = app.url_map.bind("localhost")
    endpoint, args = adapter.match(path, method=method)
    sentinel = 987654321987 if isinstance(args[name], int) else "hostilesentinel"
    built = adapter.build(endpoint, {**args, name: sentinel}, method=method)
    return built.replace(str(sentinel), quote(value.encode("utf-8", "surrogatepass"), safe=""))


def _encoded(data: dict[str, str | None]) -> dict[str, str]:
    return {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in data.items() if v is not None}


class Probe:
    """Sends hostile requests to one app and checks every answer."""

    def __init__(self, app, value: dict):
        self.app, self.world, self.forms = app, value["objects"], value["forms"]
        self.sent, self.failures = 0, []

    def _state(self) -> tuple[tuple, int]:
        """Every kind's data version (a write to any kind replaces its token) and the last audit event's id."""
        with self.app.app_context():
            token = tuple(db.session.execute(select(DataVersion.kind, DataVersion.token).order_by(DataVersion.kind)))
            last = db.session.scalar(select(func.max(AuditEvent.id))) or 0
            db.session.remove()
        return token, last

    def _committed_only_failed_logins(self, before: tuple[str, int]) -> bool:
        token, last = self._state()
        if token == before[0]:
            return True
        with self.app.app_context():
            actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.id > before[1])))
            db.session.remove()
        return actions == {Action.LOGIN_FAILED.value}

    def send(self, target_key: tuple[str, str], role: str, values: dict[Target, str], htmx: bool) -> None:
        """One request as `role` with these inputs hostile (the others as the page fills them); the checks."""
        endpoint, method = target_key
        path = matrix_path(endpoint, self.world, role)
        data = dict(self.forms.get(f"{endpoint} {method}", {}))
        query = {}
        if "submission_key" in data:
            data["submission_key"] = f"hostile{self.sent:025d}"
        for target, value in values.items():
            if target.where == "path":
                path = _hostile_path(self.app, path, method, target.name, value)
            elif target.where == "query" and method == "GET":
                query[target.name] = value
            elif target.where == "query":
                query[target.name] = value
            else:
                data[target.name] = value
        if method == "GET":
            query = {**{k: v for k, v in data.items() if v is not None}, **query}
            data = {}
        url = path + ("?" + urlencode(_encoded(query)) if query else "")
        described = f"{role}{' htmx' if htmx else ''} {method} {url[:200]} " + ", ".join(
            f"{t.where} {t.name}={v[:40]!r}" for t, v in values.items())
        client = client_as(self.app, self.world, role)
        before = self._state() if method == "POST" else None
        self.sent += 1
        try:
            response = client.open(url, method=method, data=_encoded(data) if method == "POST" else None,
                                   headers=HTMX if htmx else {})
        except Exception as error:  # the test client lets an unhandled error through: the server's 500
            self.failures.append(f"{described}: {type(error).__name__}: {error}"[:600])
            return
        body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        refused = response.status_code >= 400
        if response.status_code in (302, 303) and not urlsplit(response.headers["Location"]).netloc:
            location = urlsplit(response.headers["Location"])
            response = client.get(location.path + ("?" + location.query if location.query else ""))
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            refused = "flash flash-error" in body
        refused = refused or 'class="field-error"' in body or 'class="form-errors"' in body
        if response.status_code >= 500 and (endpoint, response.status_code) not in EXPECTED_ERRORS:
            self.failures.append(f"{described}: {response.status_code}")
        if "<x11" in body:
            self.failures.append(f"{described}: the marker came back unescaped")
        if before is not None and refused and not self._committed_only_failed_logins(before):
            self.failures.append(f"{described}: a refused input changed the database")


def probe_route(probe: Probe, key: tuple[str, str], inputs: list[Target], every_role: bool = True) -> None:
    """One route: as each role it lets in, every input beyond range at once; each input alone with a hostile value
    (the roles and htmx taking turns); as one role it refuses, every input hostile at once. Without `every_role`,
    only what reaches the database: the values beyond range once, each input alone, no refused role."""
    view = probe.app.view_functions[key[0]]
    allowed = [role for role in ROLES if may_enter(role, view)]
    refused = [role for role in ROLES if role not in allowed] if every_role else []
    body = [t for t in inputs if t.where != "path"]  # a path beyond range is no route: those go one by one
    modes = []
    for i, role in enumerate(allowed if every_role else allowed[:1]):
        modes.append(i % 2 == 1)
        probe.send(key, role, {t: rotating(EXTREMES, t, role) for t in body}, htmx=modes[-1])
    for j, target in enumerate(inputs):
        role, htmx = allowed[j % len(allowed)], (j + len(allowed)) % 2 == 1
        modes.append(htmx)
        probe.send(key, role, {target: rotating(PATH_VALUES if target.where == "path" else VALUES, target, role)}, htmx)
    if len(set(modes)) < 2:
        probe.send(key, allowed[0], {t: rotating(VALUES, t, "again") for t in body}, htmx=not modes[0])
    if refused:
        role = rotating(refused, *key)
        probe.send(key, role, {t: rotating(VALUES, t, role) for t in body}, htmx=False)


@pytest.fixture
def app_for_street(app):
    """The app with the login limits out of the way (every request of the suite comes from one address)."""
    app.config.update(LOGIN_FAILURES_PER_PAIR="100000 per minute", LOGIN_FAILURES_PER_ADDRESS="100000 per minute",
                      LOGIN_FAILURES_PER_ACCOUNT="100000 per minute")
    return app


@pytest.mark.postgres
def test_every_input_of_every_route_survives_hostile_values(app_for_street, street, db_backend):
    """Every route of the URL map, its GETs first (on the world as built), then its POSTs; every failure listed.
    On PostgreSQL what the database sees (its types, lengths and refusals): who may send it is the same on both."""
    probe = Probe(app_for_street, street)
    routes = targets_of(app_for_street, street["forms"])
    assert {endpoint.split(".")[0] for endpoint, _method in routes} == set(AREAS)
    for key, inputs in sorted(routes.items(), key=lambda item: (item[0][1], item[0][0])):
        probe_route(probe, key, inputs, every_role=db_backend == "sqlite")
    assert not probe.failures, f"{len(probe.failures)} of {probe.sent} requests:\n" + "\n".join(probe.failures)


def test_the_derived_targets_hold_what_a_person_can_send(app, street):
    """The derivation finds the inputs the outside tests used (a guard against it quietly finding nothing; the same
    on either database, so on SQLite only)."""
    targets = {(t.endpoint, t.method, t.where, t.name) for inputs in targets_of(app, street["forms"]).values() for t in inputs}
    for expected in [
        ("suggestions.feedback", "POST", "form", "note"), ("suggestions.feedback", "POST", "form", "submission_key"),
        ("meetings.calendar", "GET", "path", "token"), ("meetings.checkin", "POST", "form", "confirmation"),
        ("meetings.changes", "GET", "query", "since"), ("opinions.index", "GET", "query", "q"),
        ("opinions.new", "POST", "form", "content"), ("auth.login", "POST", "form", "username"),
        ("auth.login", "POST", "query", "next"), ("meetings.mark", "POST", "form", "tap_id"),
        ("suggestions.figures", "GET", "query", "community"), ("admin.user_edit", "POST", "form", "username"),
        ("campaigns.matrix_export", "GET", "path", "fmt"), ("audit.index", "GET", "query", "page"),
    ]:
        assert expected in targets, expected
    assert len(targets) > 300


# Random values on SQLite: the listed values above, PostgreSQL's own refusals among them (a NUL, an integer beyond
# 32 bits), already reach every input on both databases.
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_hypothesis_hostile_values_anywhere(app_for_street, street, data):
    probe = Probe(app_for_street, street)
    routes = targets_of(app_for_street, street["forms"])
    key = data.draw(st.sampled_from(sorted(key for key, inputs in routes.items() if inputs)), label="route")
    target = data.draw(st.sampled_from(routes[key]), label="input")
    roles = [role for role in ROLES if may_enter(role, probe.app.view_functions[key[0]])]
    value = data.draw(st.sampled_from(PATH_VALUES) if target.where == "path" else hostile, label="value")
    probe.send(key, data.draw(st.sampled_from(roles), label="role"), {target: value}, data.draw(st.booleans(), label="htmx"))
    assert not probe.failures, probe.failures


@pytest.mark.postgres
def test_invalid_utf8_is_refused_or_replaced(app, street):
    client = client_as(app, street["objects"], "staff")
    for query in ("q=%FF%FE", "q=%C0%AF", "state=%ED%A0%80", "deputy=%E2%80%AE1", "month=9999-99"):
        for path in ("/opinions/", "/suggestions/", "/meetings/", "/matters/", "/deputies/"):
            response = client.get(f"{path}?{query}")
            assert response.status_code in (200, 400), (path, query, response.status_code)
    probe = Probe(app, street)
    before = probe._state()
    body = b"content=%FF%FE%00&community=0&category=0&method=visit&collected_on=bad"
    response = client_as(app, street["objects"], "deputy").post(
        "/opinions/new", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and "控制字符" in response.get_data(as_text=True)
    assert probe._state() == before


# Requests that answered 500 before (the outside test's and the derived suite's finds), each with the answer it gets now.
FOUND = [
    ("anonymous", "/meetings/calendar/%00.ics", 404), ("anonymous", "/meetings/calendar/a%00b.ics", 404),
    ("anonymous", "/meetings/calendar/{calendar_token}%00.ics", 404), ("anonymous", "/meetings/calendar/{calendar_token}.ics", 200),
    ("deputy", "/meetings/{meeting}/checkin/%00", 404), ("staff", "/meetings/99999999999999999999", 404),
    ("staff", "/meetings/2147483648", 404), ("staff", "/deputies/2147483648", 404), ("staff", "/opinions/?community=2147483648", 200),
    ("staff", "/suggestions/?deputy=-9223372036854775809", 200), ("staff", "/opinions/?page=2147483647", 200),
    ("admin", "/admin/audit/?page=99999999999999999999", 200), ("staff", "/meetings/?month=9999-12", 200),
    ("staff", "/meetings/rates/export.xlsx?end=9999-12-31", 200), ("staff", "/wall?community=9223372036854775808", 200),
]


@pytest.mark.postgres
def test_what_answered_500_before_answers_as_it_should(app, street):
    world = street["objects"]
    ids = {key: (value.id if isinstance(value, UserInfo) else value) for key, value in world.items()}
    answers = [(role, template, client_as(app, world, role).get(template.format(**ids)).status_code)
               for role, template, _expected in FOUND]
    assert answers == FOUND
    probe = Probe(app, street)
    before = probe._state()
    for number in ("9223372036854775808", "2147483648", "-1"):  # opinions to gather into a draft
        response = client_as(app, world, "deputy").post(f"/suggestions/{ids['suggestion_own']}/opinions",
                                                        data={"opinion": number}, headers=HTMX)
        assert response.status_code == 422
    assert probe._state() == before
