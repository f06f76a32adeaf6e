"""The schema comes only from migrations: they match the models and go up and down on both databases."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from portal.extensions import db

pytestmark = pytest.mark.postgres


def test_upgrade_matches_models_and_downgrade_removes_everything(make_app):
    app = make_app()
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == [], f"models and migrations disagree; run `flask db migrate`: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()  # and up again from nothing
        assert {"users", "communities", "deputy_profiles"} <= set(inspect(db.engine).get_table_names())
        db.session.remove()
        db.engine.dispose()
