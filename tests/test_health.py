"""/healthz answers without the database; /readyz checks the database and the schema revision."""
import sys
from contextlib import contextmanager

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from portal import create_app, schema
from portal.extensions import db

from . import conftest
from .conftest import free_port


@contextmanager
def without_alembic(monkeypatch):
    """Alembic out of reach: importing it, or any of its modules, fails."""
    with monkeypatch.context() as patch:
        for name in [name for name in sys.modules if name == "alembic" or name.startswith("alembic.")] + ["alembic"]:
            patch.setitem(sys.modules, name, None)
        yield


@pytest.mark.postgres
def test_readyz_follows_the_schema_revision(make_app, monkeypatch):
    """Answered without Alembic (about 10 MB a worker would keep): ready at the head revision, not one behind."""
    app = make_app()
    client = app.test_client()
    with app.app_context():
        with without_alembic(monkeypatch):
            response = client.get("/readyz")
        assert response.status_code == 503
        assert "schema at none" in response.get_data(as_text=True)

        upgrade()
        with without_alembic(monkeypatch):
            response = client.get("/readyz")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_data(as_text=True).strip() == "ok"
        assert response.headers["Cache-Control"] == "no-store"

        downgrade(revision="-1")  # one migration behind
        with without_alembic(monkeypatch):
            response = client.get("/readyz")
        assert response.status_code == 503
        assert "code expects" in response.get_data(as_text=True)
        downgrade(revision="base")
        db.session.remove()
        db.engine.dispose()


def test_the_shipped_revisions_read_as_alembic_reads_them():
    """The heads and revisions /readyz and the restore read from the scripts themselves are Alembic's own."""
    scripts = ScriptDirectory(str(schema.MIGRATIONS))
    assert schema.code_heads() == frozenset(scripts.get_heads())
    assert set(schema._revisions()) == {script.revision for script in scripts.walk_revisions()}
    for script in scripts.walk_revisions():
        down = script.down_revision
        assert schema._revisions()[script.revision] == frozenset(down if isinstance(down, tuple) else [down] if down else [])
    assert not schema.is_known_revision("9999")


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

