"""/healthz answers without the database; /readyz checks the database and the schema revision."""
import time

import pytest
from flask_migrate import downgrade, upgrade

from portal import create_app
from portal.extensions import db

from . import conftest
from .conftest import free_port


@pytest.mark.postgres
def test_readyz_follows_the_schema_revision(make_app):
    app = make_app()
    client = app.test_client()
    with app.app_context():
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "schema at none" in response.get_data(as_text=True)

        upgrade()
        response = client.get("/readyz")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_data(as_text=True).strip() == "ok"
        assert response.headers["Cache-Control"] == "no-store"

        downgrade(revision="-1")  # one migration behind
        response = client.get("/readyz")
        assert response.status_code == 503
        assert "code expects" in response.get_data(as_text=True)
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-dir/for/sure/portal.db",
        f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/portal?connect_timeout=2",
    ],
    ids=["sqlite", "postgresql"],
)
def test_database_down(url, tmp_path):
    app = create_app(conftest.test_config(SQLALCHEMY_DATABASE_URI=url))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").get_data(as_text=True).strip() == "ok"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "database unreachable" in response.get_data(as_text=True)


@pytest.mark.postgres
def test_a_pooled_connection_is_pinged_only_in_doubt_and_one_the_server_ended_is_replaced(app, db_backend, monkeypatch):
    if db_backend != "postgresql":
        pytest.skip("a SQLite connection is a file: nothing ends it")
    import psycopg
    from sqlalchemy import text

    import portal

    pings = []
    execute = psycopg.Cursor.execute

    def spy(cursor, query, *args, **kwargs):
        if query == portal.POOL_PING:
            pings.append(query)
        return execute(cursor, query, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", spy)

    def backend() -> int:
        """The server process behind the connection a request would use, read as a request reads."""
        with app.app_context():
            try:
                return db.session.execute(text("select pg_backend_pid()")).scalar()
            finally:
                db.session.remove()

    first = backend()
    pings.clear()  # the suite's pool may have held it a while
    assert backend() == first and pings == []  # used a moment ago: lent as it is, no round trip before

    monkeypatch.setattr(portal, "POOL_PING_IDLE_SECONDS", 0)  # idle a while: pinged, and kept when it answers
    assert backend() == first and pings == [portal.POOL_PING]

    monkeypatch.setattr(portal, "POOL_PING_IDLE_SECONDS", 3600)
    with app.app_context():
        admin = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as other:
        assert other.execute("select pg_terminate_backend(%s)", (first,)).fetchone()[0]
        deadline = time.monotonic() + 30
        while other.execute("select count(*) from pg_stat_activity where pid = %s", (first,)).fetchone()[0]:
            assert time.monotonic() < deadline, "the server did not end the connection"
    # The server said goodbye on the idle connection: noticed without waiting for the idle time, and replaced.
    replaced = backend()
    assert replaced != first
    assert backend() == replaced
