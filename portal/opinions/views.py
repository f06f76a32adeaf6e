"""The opinions list (filters, live search), the form to record one, and the admin's category list."""
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies
from ..clock import local_today
from ..errors import commit_form
from ..exports import FORMATS, table_response
from ..extensions import db
from ..forms import commit_once
from ..htmx import render_page_or_partial
from ..models import Community, Role, User
from ..periods import PeriodForm, read_period
from ..permissions import ANY_ROLE, role_required
from . import bp
from .exports import opinions_table
from .forms import CategoryEditForm, CategoryForm, OpinionForm
from .models import Category, CollectionMethod
from .services import (
    active_categories,
    all_categories,
    create_category,
    opinions_query,
    record_opinion,
    update_category,
)


def _list_filters() -> tuple[PeriodForm, dict, Select]:
    """The list's filters from the query string, and the query they select."""
    form = PeriodForm(request.args)
    period = read_period(form, community_id=request.args.get("community", type=int))
    filters = {
        "q": request.args.get("q", "").strip(),
        "community": period.community_id,
        "category": request.args.get("category", type=int),
        "deputy": request.args.get("deputy", type=int),
        "state": request.args.get("state", ""),
        "start": period.start,
        "end": period.end,
    }
    query = opinions_query(filters["q"], filters["category"], filters["deputy"], filters["state"], period)
    return form, filters, query


@bp.route("/")
@role_required(*ANY_ROLE)
def index():
    """Every opinion of the committee, filtered; the table updates as you type and the URL keeps the filters."""
    period, filters, query = _list_filters()
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    args = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items() if v}
    return render_page_or_partial(
        "opinions/index.html",
        "opinions/_table.html",
        page=page,
        filters=filters,
        args=args,
        period=period,
        page_context=lambda: {"communities": active_communities(), "categories": active_categories(),
                              "deputies": active_deputies()},
    )


def _fill_choices(form: OpinionForm) -> None:
    choose = [SelectChoice(0, _("— choose —"))]
    form.deputy.choices = choose + [SelectChoice(d.id, d.name) for d in active_deputies()]
    form.community.choices = choose + [SelectChoice(c.id, c.name) for c in active_communities()]
    form.category.choices = choose + [SelectChoice(c.id, c.name) for c in active_categories()]


@bp.route("/export.<fmt>")
@role_required(*ANY_ROLE)
def export(fmt: str):
    """The list as CSV or XLSX, with the filters of the page."""
    if fmt not in FORMATS:
        abort(404)
    _period, _filters, query = _list_filters()
    header, rows = opinions_table(query)
    return table_response(fmt, header, rows, f"opinions-{local_today().isoformat()}", title=_("Voter opinions"))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def new():
    """Record an opinion: a deputy their own, staff one on a deputy's behalf."""
    form = OpinionForm()
    _fill_choices(form)
    is_deputy = current_user.role is Role.DEPUTY
    if request.method == "GET":
        form.collected_on.data = local_today()
        if is_deputy and current_user.deputy is not None:
            form.community.data = current_user.deputy.community_id
    if form.validate_on_submit():
        deputy = current_user if is_deputy else db.session.get(User, form.deputy.data or 0)
        url = commit_once(
            form,
            lambda: record_opinion(
                current_user,
                deputy,
                form.content.data,
                db.session.get(Community, form.community.data or 0),
                db.session.get(Category, form.category.data or 0),
                form.collected_on.data,
                CollectionMethod(form.method.data),
                form.voter_names.data or "",
                form.voter_count.data,
            ),
            lambda opinion: url_for("opinions.index"),
            lambda opinion: _("The opinion was recorded."),
        )
        if url is not None:
            return redirect(url)
    return render_template("opinions/form.html", form=form, is_deputy=is_deputy)


@bp.route("/categories", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def categories():
    """The categories (领域) with a form to add one."""
    form = CategoryForm()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_category(form.name.data),
            lambda category: url_for("opinions.categories"),
            lambda category: _("Category %(name)s was added.", name=category.name),
        )
        if url is not None:
            return redirect(url)
    return render_template("opinions/categories.html", form=form, categories=all_categories())


@bp.route("/categories/<int:category_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def category_edit(category_id: int):
    """Rename, reorder or retire a category."""
    category = db.get_or_404(Category, category_id)
    form = CategoryEditForm(obj=category)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_category(category, form.name.data, form.position.data, form.active.data))
        if saved is not None:
            flash(_("Category %(name)s was saved.", name=category.name), "success")
            return redirect(url_for("opinions.categories"))
    return render_template("opinions/category_form.html", form=form, category=category)
