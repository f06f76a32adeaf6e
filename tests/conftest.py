"""Fixtures: an app per test on SQLite (and PostgreSQL for tests marked `postgres`), clients, factories.

The PostgreSQL leg starts a throwaway cluster from Debian's binaries on a free port. Locally a
missing PostgreSQL or Chromium skips those legs with the reason; under CI=true they are required.
"""
import itertools
import os
from dataclasses import dataclass

import pytest

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.models import Community, Level, Role

from .pgcluster import create_database, free_port, pg_bindir, throwaway_postgres  # noqa: F401 (tests import free_port from here)

IN_CI = os.environ.get("CI") == "true"
PASSWORD = "secret-pass-1"


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail under CI, when a system dependency is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required under CI=true: {reason}")
        pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: also run this test on PostgreSQL")


def pytest_generate_tests(metafunc):
    """Every database test runs on SQLite; those marked `postgres` also on PostgreSQL."""
    if "db_backend" in metafunc.fixturenames:
        backends = ["sqlite"]
        if metafunc.definition.get_closest_marker("postgres"):
            backends.append("postgresql")
        metafunc.parametrize("db_backend", backends)


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster on a free port; yields its base URL (no database name)."""
    require(pg_bindir() is not None, "PostgreSQL server binaries not found (apt-get install postgresql)")
    with throwaway_postgres() as url:
        yield url


_db_names = itertools.count(1)


def create_pg_database(server_url: str) -> str:
    """A new empty database on the throwaway cluster; returns its URL."""
    return create_database(server_url, f"portal_test_{os.getpid()}_{next(_db_names)}")


@pytest.fixture
def database_url(request, db_backend, tmp_path):
    """An empty database on the backend under test."""
    if db_backend == "postgresql":
        return create_pg_database(request.getfixturevalue("postgres_server"))
    return f"sqlite:///{tmp_path / 'portal.db'}"


def test_config(**overrides) -> dict:
    """TestConfig as a dict, with overrides."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(overrides)
    return config


@pytest.fixture
def make_app(database_url):
    """Build an app on the test database without creating tables (for migration tests)."""

    def make(**overrides):
        return create_app(test_config(SQLALCHEMY_DATABASE_URI=database_url, **overrides))

    return make


@pytest.fixture
def app(make_app):
    """An app with a fresh schema, dropped afterwards."""
    app = make_app()
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database inside an app context, for service tests."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@dataclass
class UserInfo:
    """What a test needs to know of a user it made (plain values, no session attached)."""

    id: int
    username: str
    name: str
    role: Role
    password: str = PASSWORD
    community_id: int | None = None


@pytest.fixture
def make_community(app):
    """Create a community and return its id."""
    counter = itertools.count(1)

    def make(name: str | None = None) -> int:
        from portal.accounts.services import create_community

        with app.app_context():
            community = create_community(name or f"测试社区{next(counter)}")
            _db.session.commit()
            return community.id

    return make


@pytest.fixture
def make_user(app, make_community):
    """Create a user through the services; deputies get a profile in a community."""
    counter = itertools.count(1)

    def make(role: Role | str = Role.DEPUTY, username: str | None = None, name: str | None = None,
             active: bool = True, community_id: int | None = None, level: Level = Level.DISTRICT) -> UserInfo:
        from portal.accounts.services import DeputyFields, create_user

        role = Role(role)
        n = next(counter)
        username = username or f"{role.value}{n}"
        name = name or f"{ {'admin': '管理员', 'staff': '工作人员', 'deputy': '代表'}[role.value] }{n}"
        if role is Role.DEPUTY and community_id is None:
            community_id = make_community()
        with app.app_context():
            deputy = None
            if role is Role.DEPUTY:
                deputy = DeputyFields(level, _db.session.get(Community, community_id), "教师", "13900000000")
            user = create_user(username, name, role, PASSWORD, deputy)
            if not active:
                user.active = False
            _db.session.commit()
            return UserInfo(user.id, user.username, user.name, role, PASSWORD, community_id)

    return make


@pytest.fixture
def login(client, app):
    """Log the test client in as a user (without going through the form)."""
    from portal.models import User

    def session_version(user_id: int) -> int:
        with app.app_context():
            return _db.session.get(User, user_id).session_version

    def do(user: UserInfo) -> None:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user.id}:{session_version(user.id)}"
            session["_fresh"] = True

    return do
