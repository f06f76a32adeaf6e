"""The deputy roster for staff, and a deputy's profile page."""
from flask import abort, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select

from ..accounts.services import active_communities, deputies_query
from ..accounts.terms import term_members
from ..accounts.terms import terms as term_rows
from ..audit.services import history_for
from ..clock import local_today
from ..exports import FORMATS, table_response
from ..extensions import db
from ..htmx import render_page_or_partial
from ..meetings.rates import year_to_date_attendance
from ..models import DeputyProfile, Level, Role, Term
from ..permissions import ANY_ROLE, get_visible_deputy_or_404, role_required
from . import bp
from .exports import roster_table


def _list_filters() -> tuple[str, int | None, str, Select]:
    """The roster's filters from the query string and the query they select."""
    q = request.args.get("q", "").strip()
    community_id = request.args.get("community", type=int)
    level_value = request.args.get("level", "")
    level = Level(level_value) if level_value in {lv.value for lv in Level} else None
    return q, community_id, level_value, deputies_query(community=community_id, level=level, q=q)


@bp.route("/")
@role_required(Role.STAFF)
def index():
    """Every active deputy, filtered by name, community and level; updates as you type."""
    q, community_id, level_value, query = _list_filters()
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_page_or_partial(
        "deputies/index.html",
        "deputies/_roster.html",
        page=page,
        q=q,
        community_id=community_id,
        level=level_value,
        communities=active_communities(),
        args={k: v for k, v in {"q": q, "community": community_id, "level": level_value}.items() if v},
    )


@bp.route("/export.<fmt>")
@role_required(Role.STAFF)
def export(fmt: str):
    """The roster as CSV or XLSX, with the filters of the page."""
    if fmt not in FORMATS:
        abort(404)
    header, rows = roster_table(_list_filters()[3])
    return table_response(fmt, header, rows, f"deputies-{local_today().isoformat()}", title=_("Deputies"))


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


@bp.route("/terms")
@role_required(Role.STAFF)
def terms():
    """The terms (届), latest first, with their number of deputies; admin may start a new one."""
    return render_template("deputies/terms.html", terms=term_rows())


@bp.route("/terms/<int:term_id>")
@role_required(Role.STAFF)
def term(term_id: int):
    """A term's deputies: each membership with its community and dates (a move shows as two)."""
    term = db.get_or_404(Term, term_id)
    return render_template("deputies/term.html", term=term, memberships=term_members(term))
