"""Reading the audit log: filtered lists for the admin and the history of one object. Read only."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from ..auditing import Action, AuditEvent
from ..extensions import db
from ..periods import local_day_range
from ..permissions import can_see_history

ACTION_LABELS = {
    Action.CREATE: _l("Created"),
    Action.UPDATE: _l("Changed"),
    Action.DELETE: _l("Deleted"),
    Action.LOGIN: _l("Logged in"),
    Action.LOGIN_FAILED: _l("Failed login"),
    Action.LOGOUT: _l("Logged out"),
    Action.PASSWORD_CHANGE: _l("Changed own password"),
    Action.PASSWORD_RESET: _l("Password set by the administrator"),
    Action.ROLE_CHANGE: _l("Role changed"),
    Action.EXPORT: _l("Downloaded an export"),
}

# The kinds of objects the admin filters by, with their names in the interface.
OBJECT_LABELS = {
    "User": _l("User"),
    "DeputyProfile": _l("Deputy profile"),
    "Community": _l("Community"),
    "Campaign": _l("Campaign"),
    "ChecklistItem": _l("Checklist item"),
    "ChecklistRecord": _l("Checklist record"),
    "Category": _l("Category"),
    "Opinion": _l("Voter opinion"),
    "Suggestion": _l("Suggestion"),
    "SuggestionEvent": _l("Suggestion step"),
    "PracticalMatter": _l("Practical matter"),
    "Evaluation": _l("Voter evaluation"),
    "EvaluationSettings": _l("Rating thresholds"),
    "MeetingKind": _l("Meeting kind"),
    "Meeting": _l("Meeting"),
    "MeetingRoster": _l("Meeting roster"),
    "Attendance": _l("Attendance"),
    "AttendanceChange": _l("Attendance change"),
    "Export": _l("Export"),
}

HISTORY_LIMIT = 200


def action_label(action: str) -> str:
    """The action's name in the interface."""
    try:
        return str(ACTION_LABELS[Action(action)])
    except ValueError:
        return action


def object_label(object_type: str) -> str:
    """The object kind's name in the interface."""
    return str(OBJECT_LABELS.get(object_type, object_type))


@dataclass(frozen=True)
class AuditFilter:
    """Who, what kind of object, which object, and the days the events were entered."""

    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    start: date | None = None
    end: date | None = None


def audit_query(filters: AuditFilter) -> Select:
    """Events matching the filters, newest first, with their actors loaded in the same query."""
    query = select(AuditEvent).options(joinedload(AuditEvent.actor)).order_by(AuditEvent.id.desc())
    if filters.actor_id:
        query = query.where(AuditEvent.actor_id == filters.actor_id)
    if filters.object_type:
        query = query.where(AuditEvent.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(or_(AuditEvent.object_id == filters.object_id, AuditEvent.parent_id == filters.object_id)
                            if not filters.object_type else
                            or_(AuditEvent.object_id == filters.object_id,
                                (AuditEvent.parent_type == filters.object_type) & (AuditEvent.parent_id == filters.object_id)))
    if filters.start:
        query = query.where(AuditEvent.at >= local_day_range(filters.start, filters.start)[0])
    if filters.end:
        query = query.where(AuditEvent.at < local_day_range(filters.end, filters.end)[1])
    return query


def history_for(user, object_type: str, object_id) -> list[AuditEvent] | None:
    """The object's history if `user` may see it (staff), else None: the history partial then shows nothing."""
    return history_of(object_type, object_id) if can_see_history(user) else None


def history_of(object_type: str, object_id) -> list[AuditEvent]:
    """The events of one object and of the records that belong to it (a meeting's marks), newest first."""
    key = str(object_id)
    query = (
        select(AuditEvent)
        .options(joinedload(AuditEvent.actor))
        .where(or_((AuditEvent.object_type == object_type) & (AuditEvent.object_id == key),
                   (AuditEvent.parent_type == object_type) & (AuditEvent.parent_id == key)))
        .order_by(AuditEvent.id.desc())
        .limit(HISTORY_LIMIT)
    )
    return list(db.session.scalars(query))
