"""Fixtures: a fresh database per test on SQLite (and PostgreSQL for tests marked `postgres`), the app, clients, factories.

The schema is built once per worker and backend; each test's database is a copy of it (a file copy
on SQLite, `CREATE DATABASE … TEMPLATE` on PostgreSQL), and a world that several tests share is built
once and copied the same way (`shared_world`; on SQLite the first worker to need a world builds it for
every worker, the others copy its file). One app per worker and configuration serves every
test, put back as it was built before each. The PostgreSQL leg starts a throwaway cluster from
Debian's binaries on a free port. Locally a missing PostgreSQL or Chromium skips those legs with the
reason; under CI=true they are required.
"""
import atexit
import copy
import fcntl
import hashlib
import itertools
import os
import pickle
import shutil
import tempfile
from collections.abc import Callable
from datetime import date
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import TestConfig
from portal.extensions import db as _db
from portal.models import Community, Level, Role, User

from .clocks import CLOCKS, instants_for, travel  # noqa: F401 (the frozen-clock leg, see tests/clocks.py)
from .pgcluster import create_database, drop_database, free_port, pg_bindir, throwaway_postgres  # noqa: F401 (tests import free_port from here)

IN_CI = os.environ.get("CI") == "true"
# Each process its own instance folder (kept ledger uploads, the secret key): a worker whose clock is frozen months
# ahead would take another's fresh upload for an old one and remove it.
os.environ["PORTAL_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="portal-instance-")
atexit.register(shutil.rmtree, os.environ["PORTAL_INSTANCE_PATH"], ignore_errors=True)
PASSWORD = "secret-pass-1"


def require(condition: bool, reason: str) -> None:
    """Skip locally, fail under CI, when a system dependency is missing."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required under CI=true: {reason}")
        pytest.skip(reason)


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres: also run this test on PostgreSQL")
    config.addinivalue_line("markers", "dates: also run this test with the clock frozen at each of tests/clocks.CLOCKS")


def pytest_generate_tests(metafunc):
    """Every database test runs on SQLite; those marked `postgres` also on PostgreSQL; those marked
    `dates` also on SQLite with the clock moved to instants of tests/clocks.CLOCKS (`instants_for`)."""
    if "db_backend" not in metafunc.fixturenames:
        return
    backends = ["sqlite"]
    if metafunc.definition.get_closest_marker("postgres"):
        backends.append("postgresql")
    cases = [(backend, None) for backend in backends]
    if metafunc.definition.get_closest_marker("dates"):
        cases += [("sqlite", instant) for instant in instants_for(metafunc.definition.nodeid)]
    metafunc.parametrize(("db_backend", "frozen_clock"), cases, indirect=["frozen_clock"],
                         ids=[backend if instant is None else f"{backend}-{instant}" for backend, instant in cases])


@pytest.fixture(autouse=True)
def frozen_clock(request):
    """None (the machine's clock), or for a `dates` case the instant the process's clock was moved to (ticking on)."""
    instant = getattr(request, "param", None)
    if instant is None:
        yield None
        return
    with travel(instant):
        yield instant


@pytest.fixture(scope="session")
def postgres_server():
    """A throwaway PostgreSQL cluster on a free port; yields its base URL (no database name)."""
    require(pg_bindir() is not None, "PostgreSQL server binaries not found (apt-get install postgresql)")
    with throwaway_postgres() as url:
        yield url


_names = itertools.count(1)


def create_pg_database(server_url: str, template: str | None = None) -> str:
    """A new database on the throwaway cluster (empty, or a copy of `template`); returns its URL."""
    return create_database(server_url, f"portal_test_{os.getpid()}_{next(_names)}", template)


class TestDatabase:
    """A database on a backend, at a fixed place: made empty, or as a copy of a template (another TestDatabase)."""

    __test__ = False

    def __init__(self, backend: str, folder: Path, server_url: str | None = None):
        self.backend, self.server_url = backend, server_url
        self.name = f"portal_test_{os.getpid()}_{next(_names)}"
        if backend == "postgresql":
            self.url = f"{server_url}/{self.name}"
        else:
            self.path = folder / f"{self.name}.db"
            self.url = f"sqlite:///{self.path}"
        self.exists = False

    def create(self, template: "TestDatabase | None" = None) -> None:
        """Make the database, as a copy of `template` when given, in place of what was there; whoever
        is still connected keeps the old one (a new file on SQLite) or is cut off (PostgreSQL)."""
        if self.backend == "postgresql":
            if self.exists:
                drop_database(self.server_url, self.name)
            create_database(self.server_url, self.name, template and template.name)
        else:
            for suffix in ("-wal", "-shm", "-journal"):  # never let a new file meet the old one's log
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            if template is not None:
                copy_path = self.path.with_suffix(".copy")
                shutil.copyfile(template.path, copy_path)
                os.replace(copy_path, self.path)
            else:
                self.path.unlink(missing_ok=True)
        self.exists = True


@dataclass
class Snapshot:
    """A database kept as a template, with what its builder returned."""

    database: TestDatabase
    value: object = None


def _release(app) -> None:
    """Close every pooled connection of `app` (its database is about to be replaced)."""
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


class Suite:
    """What this process builds once: per backend the schema, each shared world (kept as templates),
    the database every test works in, and the app on it that every test borrows."""

    def __init__(self, request, folder: Path, shared: Path | None = None):
        self.request, self.folder, self.shared = request, folder, shared
        self.snapshots: dict[tuple, Snapshot] = {}
        self.databases: dict[str, TestDatabase] = {}
        self.apps: dict[tuple, tuple] = {}

    def new_database(self, backend: str) -> TestDatabase:
        server = self.request.getfixturevalue("postgres_server") if backend == "postgresql" else None
        return TestDatabase(backend, self.folder, server)

    def database(self, backend: str) -> TestDatabase:
        """The database the tests on `backend` work in (each test makes it anew)."""
        if backend not in self.databases:
            self.databases[backend] = self.new_database(backend)
        return self.databases[backend]

    def schema(self, backend: str) -> Snapshot:
        """The empty schema on `backend`."""
        key = (backend, None)
        if key not in self.snapshots:
            database = self.new_database(backend)
            database.create()
            app = create_app(test_config(SQLALCHEMY_DATABASE_URI=database.url))
            with app.app_context():
                _db.create_all()
            _release(app)
            self.snapshots[key] = Snapshot(database)
        return self.snapshots[key]

    def world(self, backend: str, build: Callable, instant: str | None) -> Snapshot:
        """The schema with `build(app, make_user, make_community)`'s world in it, and what it returned
        (built again for each frozen instant of the clock, and each new day: a world may place things
        relative to today or now)."""
        from portal.clock import local_today

        key = (backend, build, instant, local_today())
        if key not in self.snapshots:
            if backend == "sqlite" and self.shared is not None:
                self.snapshots[key] = self._shared_world(build, f"{build.__module__}.{build.__qualname__} {instant} {local_today()}")
            else:
                self.snapshots[key] = self._build_world(backend, build)
        return self.snapshots[key]

    def _build_world(self, backend: str, build: Callable) -> Snapshot:
        database = self.new_database(backend)
        database.create(self.schema(backend).database)
        app = create_app(test_config(SQLALCHEMY_DATABASE_URI=database.url))
        make_community = CommunityFactory(app)
        value = build(app, UserFactory(app, make_community), make_community)
        _release(app)
        return Snapshot(database, value)

    def _shared_world(self, build: Callable, name: str) -> Snapshot:
        """An SQLite world built once for all the workers: the first to need it builds it (the others wait on the
        lock rather than build it too), the others copy its file and what it returned (the schemas are the same)."""
        stem = self.shared / f"world-{hashlib.sha1(name.encode()).hexdigest()[:16]}"
        with open(f"{stem}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if Path(f"{stem}.value").exists():
                database = self.new_database("sqlite")
                shutil.copyfile(f"{stem}.db", database.path)
                database.exists = True
                return Snapshot(database, pickle.loads(Path(f"{stem}.value").read_bytes()))
            snapshot = self._build_world("sqlite", build)
            shutil.copyfile(snapshot.database.path, f"{stem}.db")
            Path(f"{stem}.value").write_bytes(pickle.dumps(snapshot.value))  # written last: the world is complete
            return snapshot

    def app(self, backend: str, **overrides):
        """The app on `backend`'s test database with these settings, as it was built: its configuration
        and the login limiter's storage put back (a test may change the one, and an app built since the
        other), and no figure cached (copies of one template share its data version: a test starts
        cold, as in production)."""
        from portal import figures_cache
        from portal.extensions import limiter

        figures_cache._entries.clear()
        key = (backend, *sorted(overrides.items()))
        if key not in self.apps:
            app = create_app(test_config(SQLALCHEMY_DATABASE_URI=self.database(backend).url, **overrides))
            self.apps[key] = (app, dict(app.config), limiter._storage, limiter._limiter)
        app, config, limiter._storage, limiter._limiter = self.apps[key]
        app.config.clear()
        app.config.update(config)
        limiter.reset()
        return app

    def fresh_app(self, database: TestDatabase, **overrides):
        """The app with these settings on `database`, made anew as a copy of the schema."""
        self.release()
        database.create(self.schema(database.backend).database)
        return self.app(database.backend, **overrides)

    def release(self) -> None:
        """Close every app's connections (before a database is made anew)."""
        for app, *_rest in self.apps.values():
            _release(app)


@pytest.fixture(scope="session")
def suite(request, tmp_path_factory):
    # Under xdist each worker's temporary folder sits in the run's own: the workers share worlds there.
    shared = tmp_path_factory.getbasetemp().parent if os.environ.get("PYTEST_XDIST_WORKER") else None
    return Suite(request, tmp_path_factory.mktemp("databases"), shared)


@pytest.fixture
def test_database(db_backend, suite):
    """This test's database on the backend under test (`app` makes it a copy of the schema, `make_app` empty)."""
    yield suite.database(db_backend)
    suite.release()


@pytest.fixture
def database_url(test_database):
    """The URL of this test's database."""
    return test_database.url


def test_config(**overrides) -> dict:
    """TestConfig as a dict, with overrides."""
    config = {key: getattr(TestConfig, key) for key in dir(TestConfig) if key.isupper()}
    config.update(overrides)
    return config


@pytest.fixture
def make_app(request, test_database, suite):
    """Build an app on the test database without creating tables (an empty database unless the test
    also uses `app`, whose tables it then shares)."""
    made = []

    def make(**overrides):
        if "app" not in request.fixturenames and not made:
            suite.release()
            test_database.create()
        made.append(create_app(test_config(SQLALCHEMY_DATABASE_URI=test_database.url, **overrides)))
        return made[-1]

    yield make
    for app in made:
        _release(app)


@pytest.fixture
def app(test_database, suite):
    """The suite's app on a fresh copy of the schema (its connections are closed after the test, with the database's)."""
    return suite.fresh_app(test_database)


DEMO_PASSWORD = "demo-pass-1"


def build_demo(app, make_user, make_community):
    """The demo street of `flask seed-demo`; every login's password is DEMO_PASSWORD."""
    from portal.demo import seed_demo

    with app.app_context():
        seed_demo(DEMO_PASSWORD)
        _db.session.commit()
    return DEMO_PASSWORD


def shared_world(build: Callable, then: Callable | None = None):
    """A fixture whose world `build(app, make_user, make_community)` makes once per backend and process;
    each test gets a copy of its database and of what it returned (ids and names, never ORM objects),
    passed through `then(app, value)` for what must be taken at the test's own moment (a rotating code)."""

    @pytest.fixture
    def world(app, test_database, suite, frozen_clock):
        snapshot = suite.world(test_database.backend, build, frozen_clock)
        with app.app_context():
            pool = _db.engine.pool
            assert pool.checkedin() == pool.checkedout() == 0, "a shared world comes before any fixture that uses the database"
        suite.release()
        test_database.create(snapshot.database)
        value = copy.deepcopy(snapshot.value)
        return then(app, value) if then else value

    world.__doc__ = build.__doc__
    return world


demo = shared_world(build_demo)


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


def _unused(app, column, pattern: str, counter) -> str:
    """The first `pattern.format(n)` for the next n of `counter` that no row holds in `column`."""
    with app.app_context():
        while True:
            candidate = pattern.format(next(counter))
            if _db.session.scalar(select(column).where(column == candidate)) is None:
                return candidate


class CommunityFactory:
    """Create a community and return its id (numbered names skip those a shared world holds)."""

    def __init__(self, app):
        self.app, self.counter = app, itertools.count(1)

    def __call__(self, name: str | None = None) -> int:
        from portal.accounts.services import create_community

        name = name or _unused(self.app, Community.name, "测试社区{}", self.counter)
        with self.app.app_context():
            community = create_community(name)
            _db.session.commit()
            return community.id


class UserFactory:
    """Create a user through the services; deputies get a profile in a community (a new one by default)."""

    NAMES = {"admin": "管理员", "staff": "工作人员", "deputy": "代表"}

    def __init__(self, app, make_community: CommunityFactory):
        self.app, self.make_community = app, make_community
        self.counters = {role: itertools.count(1) for role in Role}

    # A test's deputy has been one since long before any date a test uses, unless it says otherwise.
    MEMBER_FROM = date(2000, 1, 1)

    def __call__(self, role: Role | str = Role.DEPUTY, username: str | None = None, name: str | None = None,
                 active: bool = True, community_id: int | None = None, level: Level = Level.DISTRICT,
                 member_from: date | None = None) -> UserInfo:
        """A user; a deputy is one from `member_from`, and an inactive deputy's membership ended that same day."""
        from portal.accounts.memberships import end_membership
        from portal.accounts.services import DeputyFields, create_user

        role = Role(role)
        if username is None:
            username = _unused(self.app, User.username, role.value + "{}", self.counters[role])
            name = name or f"{self.NAMES[role.value]}{username.removeprefix(role.value)}"
        name = name or f"{self.NAMES[role.value]}{next(self.counters[role])}"
        if role is Role.DEPUTY and community_id is None:
            community_id = self.make_community()
        with self.app.app_context():
            deputy = None
            if role is Role.DEPUTY:
                deputy = DeputyFields(level, _db.session.get(Community, community_id), "教师", "13900000000")
            member_from = member_from or self.MEMBER_FROM
            user = create_user(username, name, role, PASSWORD, deputy, member_from=member_from)
            if not active:
                user.active = False
                if role is Role.DEPUTY:
                    end_membership(user, member_from)
            _db.session.commit()
            return UserInfo(user.id, user.username, user.name, role, PASSWORD, community_id)


@pytest.fixture
def make_community(app):
    """Create a community and return its id."""
    return CommunityFactory(app)


@pytest.fixture
def make_user(app, make_community):
    """Create a user through the services; deputies get a profile in a community."""
    return UserFactory(app, make_community)


@pytest.fixture
def login(client, app):
    """Log the test client in as a user (without going through the form)."""

    def session_version(user_id: int) -> int:
        with app.app_context():
            return _db.session.get(User, user_id).session_version

    def do(user: UserInfo) -> None:
        with client.session_transaction() as session:
            session["_user_id"] = f"{user.id}:{session_version(user.id)}"
            session["_fresh"] = True

    return do
