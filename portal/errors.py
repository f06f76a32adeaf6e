"""The error a domain service raises when a rule refuses an operation, and how forms show it."""
from typing import Callable, TypeVar

T = TypeVar("T")


class ServiceError(Exception):
    """A rule was broken; `message` is for the user, `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None):
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


def commit_form(form, action: Callable[[], T]) -> T | None:
    """Run a service call for a valid form and commit its result (the saved object).

    On a ServiceError roll back, so nothing is half-written, show the message at its field and
    return None.
    """
    from .extensions import db

    try:
        result = action()
    except ServiceError as error:
        db.session.rollback()
        attach_to_form(form, error)
        return None
    db.session.commit()
    return result
