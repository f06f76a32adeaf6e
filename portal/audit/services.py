"""Reading the audit log: filtered lists for the admin and the history of one object. Read only."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import joinedload

from ..auditing import Action, AuditEvent
from ..extensions import db
from ..periods import Period
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
    Action.IMPORT: _l("Imported a ledger"),
}

# The kinds of objects the admin filters by, with their names in the interface.
OBJECT_LABELS = {
    "User": _l("User"),
    "DeputyProfile": _l("Deputy profile"),
    "Term": _l("Term"),
    "Membership": _l("Membership"),
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
    "Ledger": _l("Ledger import"),
    "Attachment": _l("Photo or document"),
}

# The changed fields' names in the interface: the form's label where a form edits the field (the same msgid),
# by field name, and by kind of object where one name means different things.
FIELD_LABELS = {
    "number": _l("Number"),
    "counts": _l("Records created and already present"),
    "title": _l("Title"),
    "content": _l("Content"),
    "name": _l("Name"),
    "description": _l("Description"),
    "note": _l("Note"),
    "state": _l("State"),
    "kind": _l("Kind"),
    "position": _l("Order"),
    "active": _l("In use"),
    "retired": _l("Retired"),
    "user_id": _l("User"),
    "deputy_id": _l("Deputy"),
    "deputies": _l("Deputies"),
    "community_id": _l("Community"),
    "category_id": _l("Category"),
    "campaign_id": _l("Campaign"),
    "item_id": _l("Item"),
    "meeting_id": _l("Meeting"),
    "suggestion_id": _l("Suggestion"),
    "opinion_id": _l("Opinion it answers"),
    "practical_matter_id": _l("Practical matter"),
    "kind_id": _l("Kind of meeting"),
    "username": _l("Username"),
    "role": _l("Role"),
    "locale": _l("Language"),
    "large_text": _l("Text size"),
    "password_must_change": _l("Must change the password"),
    "level": _l("Level"),
    "expertise": _l("Profession / expertise"),
    "phone": _l("Phone"),
    "key": _l("Setting"),
    "value": _l("Value"),
    "voter_log": _l("Keeps a voter-meeting log"),
    "submitted_on": _l("Submitted on"),
    "answered_on": _l("Answered on"),
    "answer_due_on": _l("Answer due"),
    "actor_id": _l("Who"),
    "from_state": _l("From"),
    "to_state": _l("To"),
    "happened_on": _l("Date it happened"),
    "at": _l("Entered at"),
    "created_by_id": _l("Entered by"),
    "recorded_by_id": _l("Recorded by"),
    "recorded_at": _l("Entered at"),
    "on_behalf": _l("On the deputy's behalf"),
    "starts_on": _l("First day"),
    "ends_on": _l("Last day"),
    "plan": _l("Work plan (time, content, procedure)"),
    "is_current": _l("Current campaign"),
    "done_on": _l("Date"),
    "account": _l("What you did, and for whom"),
    "reflection": _l("Reflection or suggestion text"),
    "verified_by_id": _l("Verified by"),
    "verified_at": _l("Verified at"),
    "review_note": _l("Note to the deputy"),
    "collected_on": _l("Date collected"),
    "method": _l("How"),
    "voter_names": _l("Voters' names (optional)"),
    "voter_count": _l("Voters"),
    "location": _l("Address / location"),
    "started_on": _l("Started on"),
    "beneficiaries": _l("Residents benefiting"),
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
    "evaluated_on": _l("Date of the evaluation"),
    "competent_min": _l("Competent from (%)"),
    "basic_min": _l("Basically competent from (%)"),
    "starts_at": _l("Starts at"),
    "ends_at": _l("Ends at"),
    "place": _l("Place"),
    "notes": _l("Notes / minutes"),
    "answers": _l("Answers fed back to the voters"),
    "closed": _l("Closed"),
    "closed_by_id": _l("Closed by"),
    "closed_at": _l("Closed at"),
    "reopened_by_id": _l("Reopened by"),
    "reopened_at": _l("Reopened at"),
    "fixed_checkin_code": _l("Fixed check-in code"),
    "board_version": _l("Board version"),
    "layout_version": _l("Layout version"),
    "reply": _l("Reply"),
    "reply_reason": _l("Reason"),
    "replied_at": _l("Replied at"),
    "old_status": _l("Before"),
    "new_status": _l("Status"),
    "reason": _l("Reason for the leave"),
    "source": _l("Source"),
    "changed_by_id": _l("Changed by"),
    "changed_at": _l("Entered at"),
    "tapped_at": _l("Tapped at"),
    "tap_id": _l("Tap"),
    "show_ranking": _l("Show the ranking to deputies"),
    "published_by_id": _l("Published by"),
    "published_at": _l("Published at"),
    "publication_id": _l("Published quarter"),
    "rank": _l("Rank"),
    "community": _l("Community"),
    "days": _l("Duty days"),
    "points": _l("Points"),
    "kinds": _l("Each kind's count and points"),
    "effective_on": _l("In force from"),
    "cap": _l("Cap per quarter"),
    "set_by_id": _l("Set by"),
    "set_at": _l("Set at"),
    "applied": _l("Applied"),
    "sheet_on": _l("Date of the sign-in sheet"),
    "fed_back_on": _l("Date of the feedback"),
    "file": _l("File"),
}
OBJECT_FIELD_LABELS = {
    ("Membership", "term_id"): _l("Term"),
    ("Membership", "ends_before"): _l("Ends before (time)"),
    ("ChecklistItem", "retired_on"): _l("Retired on"),
    ("Opinion", "content"): _l("Opinion"),
    ("Opinion", "deputy_id"): _l("Deputy who collected it"),
    ("Opinion", "method"): _l("How it was collected"),
    ("Suggestion", "content"): _l("Suggestion"),
    ("Suggestion", "deputies"): _l("Proposing deputies"),
    ("PracticalMatter", "title"): _l("The practical matter"),
    ("PracticalMatter", "deputies"): _l("Deputies involved"),
    ("PracticalMatter", "done_on"): _l("Completed on"),
    ("Community", "name"): _l("Community name"),
    ("Category", "name"): _l("Category name"),
    ("Evaluation", "starts_on"): _l("Period from"),
    ("Evaluation", "ends_on"): _l("Period to"),
    ("Meeting", "voter_count"): _l("Voters present"),
    ("Attachment", "owner_kind"): _l("Kind of record"),
    ("Attachment", "owner_id"): _l("Record"),
    ("Attachment", "role"): _l("What it is"),
    ("Attachment", "uploaded_by_id"): _l("Added by"),
    ("Attachment", "uploaded_at"): _l("Added at"),
    ("Attachment", "original_name"): _l("File name"),
    ("Attachment", "content_type"): _l("File type"),
    ("Attachment", "byte_size"): _l("Size (bytes)"),
    ("Attachment", "sha256"): "SHA-256",
    ("Attachment", "thumb_sha256"): _l("Thumbnail's SHA-256"),
    ("Attachment", "width"): _l("Width (px)"),
    ("Attachment", "height"): _l("Height (px)"),
    ("Attachment", "removed_at"): _l("Removed at"),
    ("Attachment", "removed_by_id"): _l("Removed by"),
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


def field_label(object_type: str, field: str) -> str:
    """A changed field's name in the interface (the raw name only for a field no one has named yet)."""
    label = OBJECT_FIELD_LABELS.get((object_type, field)) or FIELD_LABELS.get(field)
    return str(label) if label is not None else field


@dataclass(frozen=True)
class AuditFilter:
    """Who, what kind of object, which object, and the days the events were entered."""

    actor_id: int | None = None
    object_type: str | None = None
    object_id: str | None = None
    period: Period = Period()


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
    return filters.period.filter_times(query, AuditEvent.at)


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
