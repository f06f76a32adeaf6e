"""The points pages: the live table and publishing a quarter (staff), a deputy's own points, the rules."""
from datetime import date
from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import commit_form
from ..exports import FORMATS, download, xlsx_body
from ..extensions import db
from ..figures import points_text
from ..models import Role
from ..periods import PeriodForm, read_period, this_quarter
from ..permissions import role_required
from . import bp
from .forms import PointsFilterForm, PublishForm, RankingForm, RulesForm
from .models import DutyKind, Publication
from .scoring import deputy_points, median_points, points_table
from .services import (
    Weight,
    differences,
    last_published_day,
    publications,
    publish_quarter,
    publishable_quarters,
    published_line,
    rule_sets,
    save_rules,
    set_show_ranking,
)


def _publish_form() -> PublishForm:
    form = PublishForm()
    form.quarter.choices = [(q.start.isoformat(), _("%(year)d Q%(n)d", year=q.start.year, n=(q.start.month + 2) // 3))
                            for q in publishable_quarters()]
    return form


@bp.route("/")
@role_required(Role.STAFF)
def index():
    """The live table for any period (this quarter by default), the published quarters and publishing."""
    return _index(_publish_form())


def _index(publish_form: PublishForm, status: int = 200):
    form = PointsFilterForm(request.args)
    period = read_period(form, this_quarter(), form.community.data)
    table = points_table(period)
    return render_template("points/index.html", form=form, period=period, table=table, kinds=list(DutyKind),
                           median=median_points(table), publications=publications(), publish=publish_form), status


@bp.route("/publish", methods=["POST"])
@role_required(Role.STAFF)
def publish():
    """Publish a quarter that has ended: its table is stored as it is now."""
    form = _publish_form()
    if form.validate_on_submit():
        try:
            starts_on = date.fromisoformat(form.quarter.data)
        except ValueError:
            starts_on = None
        publication = commit_form(form, lambda: publish_quarter(current_user, starts_on))
        if publication is not None:
            flash(_("The quarter was published."), "success")
            return redirect(url_for("points.publication", publication_id=publication.id))
    return _index(form, 422)


def _visible_publication_or_404(publication_id: int) -> Publication:
    publication = db.get_or_404(Publication, publication_id)
    if not current_user.has_role(Role.STAFF) and not publication.show_ranking:
        abort(404)
    return publication


@bp.route("/publications/<int:publication_id>")
@role_required(Role.STAFF, Role.DEPUTY)
def publication(publication_id: int):
    """A published quarter as published; for staff, each later correction marked beside its deputy."""
    publication = _visible_publication_or_404(publication_id)
    staff = current_user.has_role(Role.STAFF)
    return render_template("points/publication.html", publication=publication, kinds=list(DutyKind),
                           differences=differences(publication) if staff else {},
                           ranking=RankingForm(show_ranking=publication.show_ranking), staff=staff,
                           median=median_points(publication.rows))


@bp.route("/publications/<int:publication_id>/ranking", methods=["POST"])
@role_required(Role.STAFF)
def ranking(publication_id: int):
    """Show (or hide) the whole published table to deputies."""
    publication = db.get_or_404(Publication, publication_id)
    form = RankingForm()
    if form.validate_on_submit() and commit_form(form, lambda: set_show_ranking(current_user, publication, form.show_ranking.data)):
        flash(_("Deputies now see the ranking.") if publication.show_ranking else _("Deputies now see only their own line."), "success")
    return redirect(url_for("points.publication", publication_id=publication.id))


@bp.route("/publications/<int:publication_id>/export.xlsx")
@role_required(Role.STAFF)
def export(publication_id: int):
    """The published quarter as an Excel sheet for the district, exactly as published."""
    publication = db.get_or_404(Publication, publication_id)
    kinds = list(DutyKind)
    header = [_("Rank"), _("Deputy"), _("Community"), _("Duty days"), _("Duty points")]
    header += [f"{kind.label} ({_('count')})" for kind in kinds] + [f"{kind.label} ({_('points')})" for kind in kinds]
    rows = []
    for row in publication.rows:
        counts = [row.kinds.get(kind.value, [0, "0"]) for kind in kinds]
        rows.append([row.rank, row.name, row.community, row.days, row.points,
                     *(count for count, _points in counts), *(Decimal(points) for _count, points in counts)])
    title = _("Duty points %(start)s to %(end)s", start=publication.starts_on.isoformat(), end=publication.ends_on.isoformat())
    body = xlsx_body(header, rows, title=_("Duty points"))
    return download(body, FORMATS["xlsx"], f"{title}.xlsx")


@bp.route("/mine")
@role_required(Role.DEPUTY)
def mine():
    """A deputy's own days and points with what each record earned, the committee's median, and their published lines."""
    form = PeriodForm(request.args)
    period = read_period(form, this_quarter())
    published = [(p, published_line(p, current_user.id)) for p in publications()]
    return render_template("points/mine.html", form=form, mine=deputy_points(current_user.id, period),
                           published=[(p, line) for p, line in published if line is not None])


@bp.route("/rules")
@role_required(Role.STAFF)
def rules():
    """The rule sets, latest first, each with the day it takes effect."""
    return render_template("points/rules.html", sets=rule_sets(), kinds=list(DutyKind), published=last_published_day())


@bp.route("/rules/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_rules():
    """A new rule set (or the one of the same day replaced), from a day after the last published quarter."""
    form = RulesForm()
    if request.method == "GET":
        sets = rule_sets()
        current = sets[0][1] if sets else {}
        for kind, points, cap in form.weights():
            if kind in current:
                points.data, cap.data = points_text(current[kind][0]), current[kind][1] and points_text(current[kind][1])
    if form.validate_on_submit():
        weights = {kind: Weight(points.data, cap.data) for kind, points, cap in form.weights()}
        if commit_form(form, lambda: save_rules(current_user, form.effective_on.data, weights)) is not None:
            flash(_("The points rules were saved."), "success")
            return redirect(url_for("points.rules"))
    return render_template("points/rules_edit.html", form=form, published=last_published_day())
