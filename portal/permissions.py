"""Authorization in one place: the route decorator and the object checks templates share."""
from functools import wraps
from typing import Callable

from flask import abort
from flask_login import current_user

from .extensions import login_manager
from .models import DeputyProfile, Role, User

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


def can_view_meeting(user, meeting) -> bool:
    """Staff see every meeting; a deputy only those they are rostered for."""
    from .meetings.services import is_rostered

    return user.has_role(Role.STAFF) or (user.has_role(Role.DEPUTY) and is_rostered(meeting.id, user.id))


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


TEMPLATE_HELPERS = {
    "can_manage_users": can_manage_users,
    "can_view_deputy": can_view_deputy,
    "can_change_active": can_change_active,
    "can_view_meeting": can_view_meeting,
    "can_mark_attendance": can_mark_attendance,
    "can_reopen_meeting": can_reopen_meeting,
}
