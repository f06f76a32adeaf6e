"""The audit log, written once for everything: a SQLAlchemy hook at flush plus a few explicit events.

Every insert, update and delete of a mapped model (except the audit table itself) becomes one
AuditEvent row, inserted in the same transaction by the same flush, with the fields before → after;
UPDATE / DELETE / upsert statements that services run directly are caught the same way at execution.
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
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, and_, event, insert, inspect, select, tuple_
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from .extensions import db
from .models import User, utcnow

SECRET = re.compile(r"password|token|secret", re.IGNORECASE)
# Stamps a save sets itself, the session version that logout / password events move on, and the board
# versions every attendance tap moves on (the tap's own history row is the record): not changes.
BOOKKEEPING = frozenset({"created_at", "updated_at", "session_version", "board_version", "layout_version"})


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
    IMPORT = "import"


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


def _key(state) -> str | None:
    """The primary key as text ("12", or "12,5" for a composite one); read from the values, since new
    objects get their identity only after the flush's listeners ran."""
    mapper = state.mapper
    values = [state.dict.get(mapper.get_property_by_column(column).key) for column in mapper.primary_key]
    return None if any(v is None for v in values) else ",".join(str(v) for v in values)


def _parent(cls, values: dict) -> tuple[Optional[str], Optional[str]]:
    """The (type, id) a model names in `__audit_parent__ = ("Meeting", "meeting_id")`, if any; a model whose parent
    depends on the row (an attachment's record) names a function of its values instead."""
    spec = getattr(cls, "__audit_parent__", None)
    if callable(spec):
        return spec(values)
    value = values.get(spec[1]) if spec else None
    return (spec[0], str(value)) if value is not None else (None, None)


def _event_date(cls, changes: dict) -> Optional[date]:
    """The date the step happened: the first of the model's `__audit_dates__` fields that changed."""
    for field in getattr(cls, "__audit_dates__", ()):
        if field in changes and changes[field][1] is not None:
            return date.fromisoformat(changes[field][1])
    return None


def _diff(mapper, before: dict, after: dict) -> tuple[dict, set[str]]:
    """({field: [before, after]}, secret fields that changed) between two sets of column values."""
    changes: dict[str, list] = {}
    secrets: set[str] = set()
    for attr in mapper.column_attrs:
        key = attr.key
        if key not in before and key not in after:
            continue
        old, new = _plain(before.get(key)), _plain(after.get(key))
        if key in BOOKKEEPING or old == new:
            continue
        if SECRET.search(key):
            secrets.add(key)
        else:
            changes[key] = [old, new]
    return changes, secrets


def _flushed_values(obj, kind: str) -> tuple[dict, dict]:
    """(before, after) column values of one flushed object, from its attribute history."""
    state = inspect(obj)
    before, after = {}, {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if kind == "update":
            history = state.attrs[key].history
            if history.has_changes():
                before[key] = history.deleted[0] if history.deleted else None
                after[key] = history.added[0] if history.added else None
        elif kind == "create":
            after[key] = state.dict.get(key)
        else:
            before[key] = state.dict.get(key)
    return before, after


def _collection_changes(obj, kind: str) -> dict:
    """Many-to-many links (a suggestion's deputies) as sorted id lists, before → after."""
    state = inspect(obj)
    changes = {}
    for rel in state.mapper.relationships:
        if rel.secondary is None or kind == "delete":
            continue
        history = state.attrs[rel.key].history
        if not history.has_changes():
            continue
        before = sorted(_key(inspect(o)) for o in [*history.unchanged, *history.deleted])
        after = sorted(_key(inspect(o)) for o in [*history.unchanged, *history.added])
        if before != after:
            changes[rel.key] = [before, after]
    return changes


def _event_rows(cls, kind: str, key: Optional[str], values: dict, changes: dict, secrets: set[str],
                actor_id: Optional[int], address: Optional[str]) -> list[dict]:
    """The audit rows for one changed record: a password event apart (no values), then the change itself."""
    if kind == "update" and not changes and not secrets:
        return []  # a save that changed nothing leaves no trace
    base = {"at": utcnow(), "actor_id": actor_id, "address": address, "object_type": cls.__name__, "object_id": key}
    base["parent_type"], base["parent_id"] = _parent(cls, values)
    rows = []
    if secrets and kind == "update":
        own = cls is User and str(actor_id) == key
        action = Action.PASSWORD_CHANGE if own else Action.PASSWORD_RESET
        rows.append({**base, "action": action.value, "changes": {}, "event_date": None})
        if not changes:
            return rows
    action = Action.ROLE_CHANGE if cls is User and kind == "update" and "role" in changes else Action(kind)
    rows.append({**base, "action": action.value, "changes": changes, "event_date": _event_date(cls, changes)})
    return rows


def _audited(cls) -> bool:
    return getattr(cls, "__audit__", True)


@event.listens_for(Session, "before_flush")
def _refuse_audit_edits(session: Session, _context, _instances) -> None:
    """Audit rows are written once: the portal never changes or deletes one."""
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise PermissionError("audit events cannot be changed or deleted")


@event.listens_for(Session, "after_flush")
def _write_audit_events(session: Session, _context) -> None:
    """Turn this flush's inserts, updates and deletes into audit rows, in the same transaction."""
    rows = []
    context = None
    for kind, objects in (("create", session.new), ("update", session.dirty), ("delete", session.deleted)):
        for obj in objects:
            if not _audited(type(obj)):
                continue
            before, after = _flushed_values(obj, kind)
            changes, secrets = _diff(inspect(obj).mapper, before, after)
            changes.update(_collection_changes(obj, kind))
            if kind == "update" and not changes and not secrets:
                continue
            context = context or _request_context()
            values = {**inspect(obj).dict}
            rows += _event_rows(type(obj), kind, _key(inspect(obj)), values, changes, secrets, *context)
    if rows:
        session.connection().execute(insert(AuditEvent.__table__), rows)


def _row_values(mapper, row) -> dict:
    """A Core row of the mapped table as {attribute key: value}."""
    mapping = row._mapping
    return {mapper.get_property_by_column(column).key: mapping[column] for column in mapper.local_table.columns}


def _row_key(mapper, values: dict) -> str:
    return ",".join(str(values[mapper.get_property_by_column(column).key]) for column in mapper.primary_key)


@event.listens_for(Session, "do_orm_execute")
def _audit_statements(state: ORMExecuteState):
    """The same audit rows for UPDATE, DELETE and INSERT … ON CONFLICT statements the services run
    directly (claims and upserts that guard against concurrent writers): the rows they touch are read
    before and after, in the same transaction."""
    if not (state.is_update or state.is_delete or state.is_insert) or state.bind_mapper is None:
        return None
    mapper = state.bind_mapper
    if not _audited(mapper.class_):
        return None
    statement = state.statement
    if state.is_update and state.execution_options.get("bookkeeping_only"):
        return None  # it sets only BOOKKEEPING columns (a board version bump): spare the reads before and after
    table = mapper.local_table
    connection = state.session.connection()
    if state.is_insert:
        target = getattr(getattr(statement, "_post_values_clause", None), "inferred_target_elements", None)
        if not target:
            return None  # a plain INSERT of a mapped class goes through the flush instead
        params = statement.compile(dialect=connection.dialect).params
        names = [getattr(element, "name", element) for element in target]
        where = and_(*(table.c[name] == params[name] for name in names))
    else:
        where = statement.whereclause
    selected = select(table) if where is None else select(table).where(where)
    before = {_row_key(mapper, v): v for v in (_row_values(mapper, r) for r in connection.execute(selected))}
    result = state.invoke_statement()
    if state.is_delete:
        after = {}
    elif state.is_insert:
        after = {_row_key(mapper, v): v for v in (_row_values(mapper, r) for r in connection.execute(selected))}
    else:
        pk = [table.c[column.name] for column in mapper.primary_key]
        keys = [tuple(v[mapper.get_property_by_column(c).key] for c in mapper.primary_key) for v in before.values()]
        after = {}
        if keys:
            reread = select(table).where(tuple_(*pk).in_(keys)) if len(pk) > 1 else select(table).where(pk[0].in_([k[0] for k in keys]))
            after = {_row_key(mapper, v): v for v in (_row_values(mapper, r) for r in connection.execute(reread))}
    rows = []
    context = None
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key, {}), after.get(key, {})
        kind = "create" if not old else "delete" if not new else "update"
        changes, secrets = _diff(mapper, old, new)
        if kind == "update" and not changes and not secrets:
            continue
        context = context or _request_context()
        rows += _event_rows(mapper.class_, kind, key, new or old, changes, secrets, *context)
    if rows:
        connection.execute(insert(AuditEvent.__table__), rows)
    return result


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
