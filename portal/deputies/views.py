"""The deputy roster for staff, and a deputy's profile page."""
from flask import current_app, render_template, request
from flask_login import current_user

from ..accounts.services import active_communities, deputies_query
from ..audit.services import history_for
from ..extensions import db
from ..htmx import render_page_or_partial
from ..meetings.services import year_to_date_attendance
from ..models import DeputyProfile, Level, Role
from ..permissions import ANY_ROLE, get_visible_deputy_or_404, role_required
from . import bp


@bp.route("/")
@role_required(Role.STAFF)
def index():
    """Every active deputy, filtered by name, community and level; updates as you type."""
    q = request.args.get("q", "").strip()
    community_id = request.args.get("community", type=int)
    level_value = request.args.get("level", "")
    level = Level(level_value) if level_value in {lv.value for lv in Level} else None
    page = db.paginate(
        deputies_query(community=community_id, level=level, q=q), per_page=current_app.config["PER_PAGE"], error_out=False
    )
    return render_page_or_partial(
        "deputies/index.html",
        "deputies/_roster.html",
        page=page,
        q=q,
        community_id=community_id,
        level=level_value,
        communities=active_communities(),
    )


@bp.route("/<int:user_id>")
@role_required(*ANY_ROLE)
def detail(user_id: int):
    """A deputy's profile: staff see anyone's, a deputy only their own (else 404)."""
    from ..evaluations.services import evaluations_of

    profile = get_visible_deputy_or_404(current_user, db.session.get(DeputyProfile, user_id))
    return render_template(
        "deputies/detail.html",
        profile=profile,
        evaluations=evaluations_of(profile.user_id),
        attendance=year_to_date_attendance(profile.user_id),
        audit_history=history_for(current_user, "User", profile.user_id),
    )
