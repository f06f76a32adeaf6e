"""The audit log, written once for everything: a SQLAlchemy hook at flush plus a few explicit events.

Every insert, update and delete of a mapped model (except the audit table itself) becomes one
AuditEvent row, inserted in the same transaction by the same flush, with the fields before → after.
Events that change no row (logins, failed logins, logouts, export downloads) are added through
record_event(). Secret columns never reach the log: a changed password becomes its own
password_change / password_reset event with no values.
"""
import enum
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Optional

from flask import g, has_request_context, request
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .extensions import db
from .models import User, utcnow

SECRET = re.compile(r"password|token|secret", re.IGNORECASE)
BOOKKEEPING = frozenset({"created_at", "updated_at"})  # stamps a save sets itself: not a change


class Action(str, enum.Enum):
    """What happened."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGE = "role_change"
    EXPORT = "export"


class AuditEvent(db.Model):
    """One thing that happened: who, when it was entered, what, to which object, before → after, from where."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_object", "object_type", "object_id"),
        Index("ix_audit_events_parent", "parent_type", "parent_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)  # time of entry
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[Optional[str]] = mapped_column(String(64))
    # The object whose history this belongs to too (an attendance mark → its meeting).
    parent_type: Mapped[Optional[str]] = mapped_column(String(64))
    parent_id: Mapped[Optional[str]] = mapped_column(String(64))
    changes: Mapped[dict] = mapped_column(JSON, default=dict)  # {field: [before, after]}
    event_date: Mapped[Optional[date]] = mapped_column(Date)  # the day it happened, when the step says
    address: Mapped[Optional[str]] = mapped_column(String(64))

    actor: Mapped[Optional[User]] = relationship()

    __audit__ = False


def _plain(value: Any) -> Any:
    """A JSON-ready form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _request_context() -> tuple[Optional[int], Optional[str]]:
    """The logged-in user's id and the client address, read without touching the database."""
    if not has_request_context():
        return None, None
    user = getattr(g, "_login_user", None)
    actor_id = None
    if user is not None and getattr(user, "is_authenticated", False):
        identity = inspect(user).identity
        actor_id = identity[0] if identity else None
    return actor_id, request.remote_addr


def _key(state) -> str:
    return ",".join(str(part) for part in state.identity)


def _parent(obj) -> tuple[Optional[str], Optional[str]]:
    """The (type, id) a model names in `__audit_parent__ = ("Meeting", "meeting_id")`, if any."""
    spec = getattr(type(obj), "__audit_parent__", None)
    if spec is None:
        return None, None
    value = inspect(obj).dict.get(spec[1])
    return (spec[0], str(value)) if value is not None else (None, None)


def _event_date(obj, changes: dict) -> Optional[str]:
    """The date the step happened: the first of the model's `__audit_dates__` fields that changed."""
    for field in getattr(type(obj), "__audit_dates__", ()):
        if field in changes and changes[field][1] is not None:
            return changes[field][1]
    return None


def _column_changes(obj, kind: str) -> tuple[dict, set[str]]:
    """({field: [before, after]}, secret fields that changed) for one flushed object."""
    state = inspect(obj)
    mapper = state.mapper
    changes: dict[str, list] = {}
    secrets: set[str] = set()
    for attr in mapper.column_attrs:
        key = attr.key
        if kind == "update":
            history = state.attrs[key].history
            if not history.has_changes():
                continue
            before = history.deleted[0] if history.deleted else None
            after = history.added[0] if history.added else None
        else:
            value = state.dict.get(key)
            before, after = (None, value) if kind == "create" else (value, None)
        if key in BOOKKEEPING or _plain(before) == _plain(after):
            continue
        if SECRET.search(key):
            secrets.add(key)
            continue
        changes[key] = [_plain(before), _plain(after)]
    for rel in mapper.relationships:
        if rel.secondary is None or kind == "delete":
            continue
        history = state.attrs[rel.key].history
        if not history.has_changes():
            continue
        before = sorted(_key(inspect(o)) for o in [*history.unchanged, *history.deleted])
        after = sorted(_key(inspect(o)) for o in [*history.unchanged, *history.added])
        if before != after:
            changes[rel.key] = [before, after]
    return changes, secrets


def _audited(obj) -> bool:
    return getattr(type(obj), "__audit__", True)


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, _context, _instances) -> None:
    """Audit rows are written once: the portal never changes or deletes one."""
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit events cannot be changed or deleted")


@event.listens_for(Session, "after_flush")
def _write_audit_events(session: Session, _context) -> None:
    """Turn this flush's inserts, updates and deletes into audit rows, in the same transaction."""
    actor_id, address = None, None
    rows = []
    context_read = False
    for kind, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _audited(obj):
                continue
            changes, secrets = _column_changes(obj, kind)
            if kind == "update" and not changes and not secrets:
                continue  # a save that changed nothing leaves no trace
            if not context_read:
                actor_id, address = _request_context()
                context_read = True
            state = inspect(obj)
            base = {
                "at": utcnow(), "actor_id": actor_id, "address": address,
                "object_type": type(obj).__name__, "object_id": _key(state) if state.identity else None,
            }
            base["parent_type"], base["parent_id"] = _parent(obj)
            if secrets and kind == "update":
                own = isinstance(obj, User) and actor_id == state.identity[0]
                action = Action.PASSWORD_CHANGE if own else Action.PASSWORD_RESET
                rows.append({**base, "action": action.value, "changes": {}, "event_date": None})
                if not changes:
                    continue
            action = Action(kind)
            if isinstance(obj, User) and "role" in changes and kind == "update":
                action = Action.ROLE_CHANGE
            event_date = _event_date(obj, changes)
            rows.append({
                **base, "action": action.value, "changes": changes,
                "event_date": date.fromisoformat(event_date) if event_date else None,
            })
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def record_event(action: Action, object_type: str, object_id: Any = None, changes: dict | None = None,
                 actor_id: int | None = None) -> AuditEvent:
    """Add an event that changes no audited row (login, logout, export); the caller commits."""
    request_actor, address = _request_context()
    audit_event = AuditEvent(
        action=action.value, object_type=object_type, object_id=None if object_id is None else str(object_id),
        changes=changes or {}, actor_id=actor_id if actor_id is not None else request_actor, address=address,
    )
    db.session.add(audit_event)
    return audit_event


def record_export(filename: str) -> None:
    """Record that the current user downloaded an export, and commit (a download changes nothing else)."""
    record_event(Action.EXPORT, "Export", changes={"file": [None, filename]})
    db.session.commit()
