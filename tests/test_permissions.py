"""The route × role matrix: every route of the app, for anonymous, deputy, staff and admin.

Each area adds its routes in a module `tests/routes_<area>.py` holding `ROUTES` (same shape as
MATRIX below) and, if its paths need objects, `make_objects(app, world) -> {placeholder: id}` (made
once, see conftest.shared_world) and `moment_objects(app, world)` for values taken at each test's moment.
"""
import importlib
from pathlib import Path

import pytest

from portal.models import Role

from .conftest import UserInfo, shared_world

ROLES = ("anonymous", "deputy", "staff", "admin")
LOGIN = "login"  # expected: a redirect to the login page

# endpoint -> (method, path template, {role: expected status or LOGIN})
# Path placeholders: {self} the logged-in deputy (or a deputy when the user is not one),
# {other} another deputy, {user} any user, {community} a community.
MATRIX = {
    "main.index": ("GET", "/", {"anonymous": 302, "deputy": 302, "staff": 302, "admin": 302}),
    "auth.login": ("GET", "/login", {"anonymous": 200, "deputy": 302, "staff": 302, "admin": 302}),
    "auth.logout": ("POST", "/logout", {"anonymous": LOGIN, "deputy": 302, "staff": 302, "admin": 302}),
    "auth.change_password": ("GET", "/account/password", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
    "auth.set_locale": ("POST", "/locale", {"anonymous": 302, "deputy": 302, "staff": 302, "admin": 302}),
    "main.deputy_home": ("GET", "/me", {"anonymous": LOGIN, "deputy": 200, "staff": 403, "admin": 403}),
    "main.staff_home": ("GET", "/staff", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "deputies.index": ("GET", "/deputies/", {"anonymous": LOGIN, "deputy": 403, "staff": 200, "admin": 200}),
    "deputies.detail": ("GET", "/deputies/{self}", {"anonymous": LOGIN, "deputy": 200, "staff": 200, "admin": 200}),
    "admin.index": ("GET", "/admin/", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.users": ("GET", "/admin/users", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.user_new": ("GET", "/admin/users/new", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.user_edit": ("GET", "/admin/users/{other}/edit", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.user_password": ("GET", "/admin/users/{other}/password", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.user_active": ("POST", "/admin/users/{other}/active", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 302}),
    "admin.communities": ("GET", "/admin/communities", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.community_edit": ("GET", "/admin/communities/{community}/edit", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
    "admin.import_file": ("GET", "/admin/import", {"anonymous": LOGIN, "deputy": 403, "staff": 403, "admin": 200}),
}

AREAS = [importlib.import_module(f"tests.{path.stem}") for path in sorted(Path(__file__).parent.glob("routes_*.py"))]
for area in AREAS:
    assert not set(area.ROUTES) & set(MATRIX), f"{area.__name__} repeats routes"
    MATRIX.update(area.ROUTES)

# Object checks beyond the role: (method, path, role, expected).
OBJECT_CASES = [
    ("GET", "/deputies/{other}", "deputy", 404),  # another deputy's profile is not revealed
    ("GET", "/deputies/{other}", "staff", 200),
    ("GET", "/deputies/999999", "staff", 404),
]


def test_every_route_is_in_the_matrix(app):
    """A new route fails here until it gets a row in MATRIX."""
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    assert endpoints == set(MATRIX), f"missing: {endpoints - set(MATRIX)}, stale: {set(MATRIX) - endpoints}"


def test_every_view_declares_who_may_use_it(app):
    """Authorization is declared on every view through role_required() or public()."""
    undeclared = [
        endpoint
        for endpoint, view in app.view_functions.items()
        if endpoint != "static" and not hasattr(view, "required_roles")
    ]
    assert undeclared == []


def build_world(app, make_user, make_community):
    """The objects the matrix paths point at: the logged-in deputy is `deputy` ({self})."""
    world = {
        "deputy": make_user(Role.DEPUTY),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
        "other": make_user(Role.DEPUTY),
        "community": make_community(),
    }
    for area in AREAS:
        if hasattr(area, "make_objects"):
            world.update(area.make_objects(app, world))
    return world


def at_this_moment(app, world):
    """What the matrix paths need that changes with the clock (a rotating check-in code)."""
    for area in AREAS:
        if hasattr(area, "moment_objects"):
            world.update(area.moment_objects(app, world))
    return world


world = shared_world(build_world, then=at_this_moment)


def _path(template: str, world: dict, role: str) -> str:
    ids = {key: (value.id if isinstance(value, UserInfo) else value) for key, value in world.items()}
    return template.format(self=ids["deputy"], **ids)


def _request(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, data={})


CASES = [(endpoint, role) for endpoint in MATRIX for role in ROLES]


@pytest.mark.parametrize(("endpoint", "role"), CASES, ids=[f"{e}-{r}" for e, r in CASES])
def test_route_role_matrix(client, login, world, endpoint, role):
    method, template, expected = MATRIX[endpoint]
    if role != "anonymous":
        login(world[role])
    response = _request(client, method, _path(template, world, role))
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == want, response.get_data(as_text=True)[:500]
        if want == 302:
            assert not response.headers["Location"].startswith("/login?")


@pytest.mark.parametrize(("method", "template", "role", "expected"), OBJECT_CASES)
def test_object_checks(client, login, world, method, template, role, expected):
    login(world[role])
    response = _request(client, method, _path(template, world, role))
    assert response.status_code == expected
    if expected == 404:
        assert world["other"].name not in response.get_data(as_text=True)
