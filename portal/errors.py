"""The error a domain service raises when a rule refuses an operation, and the one commit path of the views."""
import time
from typing import Callable, TypeVar

from sqlalchemy.exc import IntegrityError, OperationalError

T = TypeVar("T")

BUSY_ATTEMPTS = 4
BUSY_BACKOFF_SECONDS = 0.05


class ServiceError(Exception):
    """A rule was broken; `message` is for the user, `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
        message = str(message)  # a lazy string would break `str.join` and be marked up in a flashed message
        super().__init__(message)
        self.message = message
        self.field = field


def attach_to_form(form, error: ServiceError) -> None:
    """Show a service error beside its field, or above the form when it names none."""
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def is_busy(error: OperationalError) -> bool:
    """Whether the database refused only because another writer held it (SQLite "database is locked")."""
    return "database is locked" in str(error.orig or error).lower()


def run_and_commit(action: Callable[[], T], attempts: int = BUSY_ATTEMPTS, keep_loaded: bool = False) -> T | ServiceError:
    """Run a service call and commit it; return its result, or the ServiceError it raised (rolled back).

    When SQLite is busy with another writer (two tablets at once), roll back and run the action again
    after a short pause, a few times; any other database error propagates. `keep_loaded` leaves the
    loaded objects as this transaction wrote them instead of expiring them, for an answer rendered
    right after the commit (a tap's card) that would otherwise reload the user and the meeting.
    """
    from .extensions import db

    for attempt in range(attempts):
        try:
            result = action()
            session = db.session()
            session.expire_on_commit = not keep_loaded
            try:
                session.commit()
            finally:
                session.expire_on_commit = True
            return result
        except ServiceError as error:
            db.session.rollback()
            return error
        except OperationalError as error:
            db.session.rollback()
            if not is_busy(error) or attempt == attempts - 1:
                raise
            time.sleep(BUSY_BACKOFF_SECONDS * (attempt + 1))
    raise AssertionError("unreachable")


def add_or_existing(record: T, existing: Callable[[], T | None]) -> T:
    """Insert `record`, or, when a twin request has just committed a row with the same unique key, answer that row.

    The insert runs in a savepoint, so losing the race rolls back only the insert and the request
    goes on with the row the twin made; any other integrity error (no such row) propagates.
    """
    from .extensions import db

    _hold_transaction_open(db.session)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        found = existing()
        if found is None:
            raise
        return found
    return record


def _hold_transaction_open(session) -> None:
    """SQLite: begin the transaction before a savepoint, which would otherwise be the outermost one.

    pysqlite opens a transaction only at the first write, and releasing an outermost SAVEPOINT
    commits; the request's later rollback (a ServiceError) must still undo the insert.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


def commit_form(form, action: Callable[[], T]) -> T | None:
    """Run a service call for a valid form and commit its result (the saved object).

    On a ServiceError roll back, so nothing is half-written, show the message at its field and
    return None.
    """
    outcome = run_and_commit(action)
    if isinstance(outcome, ServiceError):
        attach_to_form(form, outcome)
        return None
    return outcome
