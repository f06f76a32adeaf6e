"""Practical matters: the list, the form, the page of one."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, select
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies
from ..audit.services import history_for
from ..choices import deputy_choices
from ..clock import local_today
from ..errors import commit_form
from ..exports import FORMATS, table_response
from ..extensions import db
from ..forms import commit_once
from ..htmx import render_page_or_partial
from ..models import Community, Role, User
from ..opinions.models import Opinion
from ..periods import PeriodForm, read_period
from ..permissions import ANY_ROLE, can_edit_matter, role_required
from ..suggestions.models import Suggestion
from . import bp
from .exports import matters_table
from .forms import MatterForm
from .models import MatterState, PracticalMatter
from .services import MatterFields, create_matter, matters_query, update_matter


def _list_filters() -> tuple[PeriodForm, str, int | None, Select, dict]:
    """The list's filters from the query string, the query they select and their query-string arguments."""
    state_value = request.args.get("state", "")
    state = MatterState(state_value) if state_value in {s.value for s in MatterState} else None
    community_id = request.args.get("community", type=int)
    period_form = PeriodForm(request.args)
    period = read_period(period_form, community_id=community_id)
    return period_form, state_value, community_id, matters_query(state, period=period), period.args(state=state_value)


@bp.route("/")
@role_required(*ANY_ROLE)
def index():
    """Every practical matter of the committee, filtered by state, community and period."""
    period_form, state_value, community_id, query, args = _list_filters()
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_page_or_partial(
        "matters/index.html", "matters/_table.html", page=page, state=state_value, community_id=community_id,
        args=args, states=list(MatterState), communities=active_communities(), period_form=period_form,
    )


@bp.route("/export.<fmt>")
@role_required(*ANY_ROLE)
def export(fmt: str):
    """The list as CSV or XLSX, with the filters of the page."""
    if fmt not in FORMATS:
        abort(404)
    header, rows = matters_table(_list_filters()[3])
    return table_response(fmt, header, rows, f"practical-matters-{local_today().isoformat()}", title=_("Practical matters"))


def _shorten(text: str, n: int = 30) -> str:
    return text if len(text) <= n else text[:n] + "…"


def _fill_choices(form: MatterForm) -> None:
    none = [SelectChoice(0, _("— none —"))]
    form.community.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(c.id, c.name) for c in active_communities()]
    form.deputies.choices = deputy_choices(active_deputies())
    opinions = db.session.scalars(select(Opinion).order_by(Opinion.collected_on.desc(), Opinion.id.desc()).limit(300))
    form.opinion.choices = none + [SelectChoice(o.id, _shorten(o.content)) for o in opinions]
    suggestions = db.session.scalars(select(Suggestion).order_by(Suggestion.id.desc()).limit(300))
    form.suggestion.choices = none + [SelectChoice(s.id, _shorten(s.title)) for s in suggestions]


def _fields(form: MatterForm) -> MatterFields:
    deputies = [d for d in (db.session.get(User, i) for i in form.deputies.data or []) if d is not None]
    return MatterFields(
        form.title.data, form.location.data or "", db.session.get(Community, form.community.data or 0), deputies,
        form.done_on.data, MatterState(form.state.data), form.beneficiaries.data, form.description.data or "",
        db.session.get(Opinion, form.opinion.data) if form.opinion.data else None,
        db.session.get(Suggestion, form.suggestion.data) if form.suggestion.data else None,
        form.started_on.data,
    )


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def new():
    """Record a practical matter."""
    form = MatterForm()
    _fill_choices(form)
    if request.method == "GET":
        form.done_on.data = form.started_on.data = local_today()
        if current_user.role is Role.DEPUTY:
            form.deputies.data = [current_user.id]
            form.community.data = current_user.deputy.community_id if current_user.deputy else 0
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_matter(current_user, _fields(form)),
            lambda matter: url_for("matters.detail", matter_id=matter.id),
            lambda matter: _("The practical matter was recorded."),
        )
        if url is not None:
            return redirect(url)
    return render_template("matters/form.html", form=form, matter=None)


def _get_or_404(matter_id: int) -> PracticalMatter:
    matter = db.session.get(PracticalMatter, matter_id)
    if matter is None:
        abort(404)
    return matter


@bp.route("/<int:matter_id>")
@role_required(*ANY_ROLE)
def detail(matter_id: int):
    """One practical matter."""
    matter = _get_or_404(matter_id)
    return render_template("matters/detail.html", matter=matter, audit_history=history_for(current_user, "PracticalMatter", matter.id))


@bp.route("/<int:matter_id>/edit", methods=["GET", "POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def edit(matter_id: int):
    """Change a practical matter: staff any, a deputy those they took part in."""
    matter = _get_or_404(matter_id)
    if not can_edit_matter(current_user, matter):
        abort(403)
    form = MatterForm(obj=matter)
    _fill_choices(form)
    if request.method == "GET":
        form.community.data = matter.community_id
        form.deputies.data = [d.id for d in matter.deputies]
        form.state.data = matter.state.value
        form.opinion.data = matter.opinion_id or 0
        form.suggestion.data = matter.suggestion_id or 0
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_matter(current_user, matter, _fields(form)))
        if saved is not None:
            flash(_("The practical matter was saved."), "success")
            return redirect(url_for("matters.detail", matter_id=matter.id))
    return render_template("matters/form.html", form=form, matter=matter)
