"""Authorization in one place: the route decorator and the object checks templates share."""
from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user

from .extensions import login_manager
from .campaigns.models import RecordState
from .meetings.models import MeetingRoster
from .models import DeputyProfile, Role, User
from .suggestions.models import PROPOSER, STAFF, TRANSITIONS, SuggestionState

PUBLIC = "public"


def role_required(*roles: Role) -> Callable:
    """Let the view run only for a logged-in user holding one of `roles` (admin counts as staff).

    Anonymous visitors are sent to the login page; other roles get 403.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as open to anonymous visitors (the login page)."""
    view.required_roles = PUBLIC
    return view


ANY_ROLE = (Role.ADMIN, Role.STAFF, Role.DEPUTY)


def can_manage_users(user) -> bool:
    """Users, roles, communities and imports belong to the admin."""
    return user.has_role(Role.ADMIN)


def can_view_deputy(user, profile: DeputyProfile) -> bool:
    """Staff see every deputy; a deputy sees only their own profile."""
    return user.has_role(Role.STAFF) or (user.is_authenticated and profile.user_id == user.id)


def can_change_active(user, target: User) -> bool:
    """An admin may (de)activate any account but their own."""
    return can_manage_users(user) and target.id != user.id


def get_visible_deputy_or_404(user, profile: DeputyProfile | None) -> DeputyProfile:
    """The profile if `user` may see it, else 404 so its existence is not revealed."""
    if profile is None or not can_view_deputy(user, profile):
        abort(404)
    return profile


def can_manage_campaigns(user) -> bool:
    """Campaigns and their checklist items belong to the admin."""
    return user.has_role(Role.ADMIN)


def can_view_record(user, record) -> bool:
    """Staff see every checklist record; a deputy only their own."""
    return user.has_role(Role.STAFF) or (user.is_authenticated and record.deputy_id == user.id)


def can_edit_record(user, record) -> bool:
    """A deputy edits their own record until staff verify it."""
    return record.deputy_id == user.id and user.has_role(Role.DEPUTY) and record.state is not RecordState.VERIFIED


def can_review_record(user, record) -> bool:
    """Staff verify records or send them back; deputies never do."""
    return user.has_role(Role.STAFF)


def get_visible_record_or_404(user, record):
    """The checklist record if `user` may see it, else 404 so its existence is not revealed."""
    if record is None or not can_view_record(user, record):
        abort(404)
    return record


def can_record_opinion(user) -> bool:
    """Deputies record opinions they collected; staff record them on a deputy's behalf."""
    return user.has_role(Role.DEPUTY, Role.STAFF)


def can_manage_categories(user) -> bool:
    """The list of categories (领域) belongs to the admin."""
    return user.has_role(Role.ADMIN)


def can_edit_suggestion(user, suggestion) -> bool:
    """A draft may be changed by staff and by its proposing deputies; nothing after it was submitted."""
    if suggestion.state is not SuggestionState.DRAFT or not user.is_authenticated:
        return False
    return user.has_role(Role.STAFF) or (user.role is Role.DEPUTY and suggestion.is_proposed_by(user))


def can_transition(user, suggestion, to_state) -> bool:
    """True if the workflow table lets `user` move `suggestion` from its current state to `to_state`."""
    allowed = TRANSITIONS.get((suggestion.state, to_state), frozenset())
    if STAFF in allowed and user.has_role(Role.STAFF):
        return True
    return PROPOSER in allowed and user.is_authenticated and user.role is Role.DEPUTY and suggestion.is_proposed_by(user)


def can_see_figures(user) -> bool:
    """Adoption figures, exports and evaluations are the office's."""
    return user.has_role(Role.STAFF)


def can_edit_matter(user, matter) -> bool:
    """Staff edit any practical matter; a deputy those they are involved in."""
    if not user.is_authenticated:
        return False
    return user.has_role(Role.STAFF) or (user.role is Role.DEPUTY and matter.involves(user))


def can_set_thresholds(user) -> bool:
    """The rating thresholds of voter evaluations are the admin's."""
    return user.has_role(Role.ADMIN)


def can_view_meeting(user, meeting) -> bool:
    """Staff see every meeting; a deputy only those they are rostered for."""
    return user.has_role(Role.STAFF) or (user.has_role(Role.DEPUTY) and MeetingRoster.includes(meeting.id, user.id))


def can_mark_attendance(user, meeting) -> bool:
    """Staff mark attendance while the meeting is open."""
    return user.has_role(Role.STAFF) and not meeting.closed


def can_reopen_meeting(user, meeting) -> bool:
    """Only an administrator reopens a closed meeting."""
    return user.has_role(Role.ADMIN) and meeting.closed


def get_visible_meeting_or_404(user, meeting):
    """The meeting if `user` may see it, else 404."""
    if meeting is None or not can_view_meeting(user, meeting):
        abort(404)
    return meeting


def can_view_evaluation(user, evaluation) -> bool:
    """Staff see every evaluation; a deputy only their own."""
    return user.has_role(Role.STAFF) or (user.is_authenticated and evaluation.deputy_id == user.id)


def can_see_history(user) -> bool:
    """The office sees each record's change history; the admin also the whole audit log."""
    return user.has_role(Role.STAFF)


def can_view_owner(user, kind, owner) -> bool:
    """Whether `user` may see the record an attachment belongs to: the same check as the record's own page."""
    from .evidence.models import OwnerKind

    if owner is None or not user.is_authenticated:
        return False
    if kind is OwnerKind.RECORD:
        return can_view_record(user, owner)
    if kind is OwnerKind.MEETING:
        return can_view_meeting(user, owner)
    return True  # practical matters and suggestions are open to every role, as their pages are


def can_attach(user, kind, owner) -> bool:
    """Who adds evidence: a deputy to their own 四个一 record, staff to any; to a matter whoever may edit it;
    the answer letter and a meeting's papers are the office's."""
    from .evidence.models import OwnerKind

    if not can_view_owner(user, kind, owner):
        return False
    if kind is OwnerKind.RECORD:
        return user.has_role(Role.STAFF) or (user.role is Role.DEPUTY and owner.deputy_id == user.id)
    if kind is OwnerKind.MATTER:
        return can_edit_matter(user, owner)
    return user.has_role(Role.STAFF)


def can_remove_attachment(user, attachment, owner) -> bool:
    """Staff remove any file of a record they may add to; anyone else only what they uploaded."""
    if attachment.removed_at is not None or not (user.has_role(Role.STAFF) or attachment.uploaded_by_id == user.id):
        return False
    return can_attach(user, attachment.owner_kind, owner)


TEMPLATE_HELPERS = {
    "can_manage_users": can_manage_users,
    "can_view_deputy": can_view_deputy,
    "can_change_active": can_change_active,
    "can_manage_campaigns": can_manage_campaigns,
    "can_view_record": can_view_record,
    "can_edit_record": can_edit_record,
    "can_review_record": can_review_record,
    "can_record_opinion": can_record_opinion,
    "can_manage_categories": can_manage_categories,
    "can_edit_suggestion": can_edit_suggestion,
    "can_transition": can_transition,
    "can_see_figures": can_see_figures,
    "can_edit_matter": can_edit_matter,
    "can_set_thresholds": can_set_thresholds,
    "can_view_meeting": can_view_meeting,
    "can_mark_attendance": can_mark_attendance,
    "can_reopen_meeting": can_reopen_meeting,
    "can_see_history": can_see_history,
    "can_view_evaluation": can_view_evaluation,
    "can_attach": can_attach,
    "can_remove_attachment": can_remove_attachment,
}
