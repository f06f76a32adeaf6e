"""The one commit path: a service error rolls back and comes back, a busy SQLite writer is retried."""
import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal import errors
from portal.errors import ServiceError, run_and_commit
from portal.extensions import db
from portal.models import Community


def _busy() -> OperationalError:
    return OperationalError("INSERT ...", {}, Exception("database is locked"))


def _names() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Community.name).order_by(Community.name)))


def test_service_error_is_returned_and_rolled_back(app):
    with app.app_context():
        def refuse():
            db.session.add(Community(name="半途"))
            db.session.flush()
            raise ServiceError("no", "name")

        outcome = run_and_commit(refuse)
        assert isinstance(outcome, ServiceError) and outcome.field == "name"
        assert "半途" not in _names()


def test_busy_writer_is_retried_and_the_action_run_again(app, monkeypatch):
    monkeypatch.setattr(errors, "BUSY_BACKOFF_SECONDS", 0)
    calls = []
    with app.app_context():
        def write():
            calls.append(1)
            db.session.add(Community(name=f"第{len(calls)}次"))
            db.session.flush()
            if len(calls) < 3:
                raise _busy()
            return "saved"

        assert run_and_commit(write) == "saved"
        assert len(calls) == 3
        names = _names()
        assert "第3次" in names and "第1次" not in names and "第2次" not in names


def test_busy_writer_gives_up_after_the_attempts(app, monkeypatch):
    monkeypatch.setattr(errors, "BUSY_BACKOFF_SECONDS", 0)
    calls = []
    with app.app_context():
        def write():
            calls.append(1)
            raise _busy()

        with pytest.raises(OperationalError):
            run_and_commit(write, attempts=2)
        assert len(calls) == 2


def test_other_database_errors_are_not_retried(app):
    calls = []
    with app.app_context():
        def write():
            calls.append(1)
            raise OperationalError("SELECT", {}, Exception("no such table: nowhere"))

        with pytest.raises(OperationalError):
            run_and_commit(write)
        assert calls == [1]


@pytest.mark.postgres
def test_a_row_added_in_a_savepoint_is_still_undone_by_a_later_service_error(app):
    with app.app_context():
        def refuse_after_adding():
            errors.add_or_existing(Community(name="存档点"), lambda: None)
            raise ServiceError("no")

        assert isinstance(run_and_commit(refuse_after_adding), ServiceError)
        assert "存档点" not in _names()


@pytest.mark.postgres
def test_a_row_whose_key_is_taken_answers_the_existing_row(app):
    with app.app_context():
        db.session.add(Community(name="已有社区"))
        db.session.commit()
        existing = lambda: db.session.scalar(select(Community).where(Community.name == "已有社区"))  # noqa: E731
        found = errors.add_or_existing(Community(name="已有社区"), existing)
        assert found.id is not None and found is existing()
        with pytest.raises(Exception):
            errors.add_or_existing(Community(name="已有社区"), lambda: None)  # no row to answer: the conflict propagates
        db.session.rollback()
        assert _names().count("已有社区") == 1
