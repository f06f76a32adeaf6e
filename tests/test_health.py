"""/healthz answers without the database; /readyz checks the database and the schema revision."""
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

