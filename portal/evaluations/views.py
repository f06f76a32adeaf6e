"""Voter evaluations: the staff overview per period, the form to record ballots, the admin's thresholds."""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies
from ..audit.services import history_for
from ..clock import local_today
from ..errors import commit_form
from ..exports import FORMATS, table_response
from ..extensions import db
from ..forms import commit_once
from ..models import Role, User
from ..permissions import ANY_ROLE, can_view_evaluation, role_required
from . import bp
from .exports import RATE_COLUMN, evaluations_table
from .forms import EvaluationForm, ThresholdsForm
from .models import Evaluation
from .services import (
    overview,
    rating_for,
    record_evaluation,
    set_thresholds,
    thresholds,
    year_period,
)


def _list_filters() -> tuple[int, int | None, date, date]:
    """The year (or the year an overview tile's period starts in) and community of the list, and the year's bounds."""
    start = request.args.get("start", type=date.fromisoformat)
    year = request.args.get("year", type=int) or (start.year if start else local_today().year)
    year = min(max(year, 2000), 2100)
    community_id = request.args.get("community", type=int)
    return year, community_id, *year_period(year)


@bp.route("/")
@role_required(Role.STAFF)
def index():
    """Every active deputy's evaluation for a year, with the satisfaction rate and rating."""
    year, community_id, starts_on, ends_on = _list_filters()
    return render_template(
        "evaluations/index.html", rows=overview(starts_on, ends_on, community_id), year=year,
        community_id=community_id, communities=active_communities(), settings=thresholds(),
        args={k: v for k, v in {"year": year, "community": community_id}.items() if v},
    )


@bp.route("/export.<fmt>")
@role_required(Role.STAFF)
def export(fmt: str):
    """The year's evaluations as CSV or XLSX, with the filters of the page."""
    if fmt not in FORMATS:
        abort(404)
    year, community_id, starts_on, ends_on = _list_filters()
    header, rows = evaluations_table(overview(starts_on, ends_on, community_id), starts_on, ends_on)
    return table_response(fmt, header, rows, f"evaluations-{year}", title=_("Voter evaluations"), percent_columns=(RATE_COLUMN,))


@bp.route("/<int:evaluation_id>")
@role_required(*ANY_ROLE)
def detail(evaluation_id: int):
    """One evaluation: the ballots, the dates, the rating and (staff) its history; a deputy sees only their own."""
    evaluation = db.session.get(Evaluation, evaluation_id)
    if evaluation is None or not can_view_evaluation(current_user, evaluation):
        abort(404)
    return render_template("evaluations/detail.html", evaluation=evaluation, rating=rating_for(evaluation.satisfaction),
                           audit_history=history_for(current_user, "Evaluation", evaluation.id))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.STAFF)
def new():
    """Record (or correct) the ballots of one deputy for a period."""
    form = EvaluationForm()
    form.deputy.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(d.id, d.name) for d in active_deputies()]
    if request.method == "GET":
        form.starts_on.data, form.ends_on.data = year_period(local_today().year)
        form.deputy.data = request.args.get("deputy", type=int) or 0
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: record_evaluation(
                current_user, db.session.get(User, form.deputy.data or 0), form.starts_on.data, form.ends_on.data,
                form.satisfied.data, form.basically_satisfied.data, form.dissatisfied.data, form.evaluated_on.data,
            ),
            lambda evaluation: url_for("evaluations.index", year=evaluation.starts_on.year),
            lambda evaluation: _("The evaluation of %(name)s was saved.", name=evaluation.deputy.name),
        )
        if url is not None:
            return redirect(url)
    return render_template("evaluations/form.html", form=form, today=local_today())


@bp.route("/thresholds", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_thresholds():
    """The satisfaction rates the ratings need (admin)."""
    settings = thresholds()
    form = ThresholdsForm(obj=settings)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: set_thresholds(current_user, form.competent_min.data, form.basic_min.data))
        if saved is not None:
            flash(_("The thresholds were saved."), "success")
            return redirect(url_for("evaluations.index"))
    return render_template("evaluations/thresholds.html", form=form)
