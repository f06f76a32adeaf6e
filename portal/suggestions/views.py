"""Suggestions: the list, writing and editing drafts, gathering opinions, the workflow steps, and the adoption figures."""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies
from ..audit.services import history_for
from ..choices import deputy_choices
from ..clock import local_today
from ..errors import ServiceError, commit_form, run_and_commit
from ..exports import FORMATS, table_response
from ..extensions import db
from ..figures import percent
from ..forms import commit_once, error_messages, first_error
from ..htmx import is_htmx, render_page_or_partial, render_with_oob
from ..models import Community, Role, User
from ..opinions.models import Category, Opinion
from ..opinions.services import active_categories
from ..periods import Period, PeriodForm, read_period
from ..permissions import ANY_ROLE, can_edit_suggestion, role_required
from . import bp
from .exports import suggestions_table
from .adoption import (
    adoption_by_category,
    adoption_by_community,
    adoption_by_deputy,
    adoption_by_month,
    adoption_overall,
    opinion_figures,
)
from .charts import category_charts, community_charts, state_charts
from .answers import FeedbackFields, feedback_of, is_overdue, record_feedback, set_answer_due
from .forms import DueDateForm, FeedbackForm, SuggestionForm, TransitionForm
from .models import FeedbackMethod, Suggestion, SuggestionState
from .services import (
    SuggestionFields,
    allowed_next_states,
    create_suggestion,
    gather,
    release,
    state_counts,
    suggestions_query,
    transition,
    unsorted_opinions,
    update_suggestion,
)

def _get_or_404(suggestion_id: int) -> Suggestion:
    """The suggestion with what its page shows: proposers, and each opinion's deputy and community."""
    suggestion = db.session.get(Suggestion, suggestion_id, options=[
        selectinload(Suggestion.deputies),
        selectinload(Suggestion.opinions).options(joinedload(Opinion.deputy), joinedload(Opinion.community)),
    ])
    if suggestion is None:
        abort(404)
    return suggestion


def _editable_or_403(suggestion_id: int) -> Suggestion:
    suggestion = _get_or_404(suggestion_id)
    if not can_edit_suggestion(current_user, suggestion):
        abort(403)
    return suggestion


def _list_filters(listed: bool = True) -> tuple[str, str, int | None, int | None, bool, Select, dict]:
    """The list's filters from the query string, the query they select and their query-string arguments.

    `listed` loads what the list shows with it; an export loads what it writes instead.
    """
    q = request.args.get("q", "").strip()
    state_value = request.args.get("state", "")
    state = SuggestionState(state_value) if state_value in {s.value for s in SuggestionState} else None
    category_id = request.args.get("category", type=int)
    deputy_id = request.args.get("deputy", type=int)
    overdue = request.args.get("overdue") == "1"
    args = {k: v for k, v in {"q": q, "state": state_value, "category": category_id, "deputy": deputy_id,
                              "overdue": "1" if overdue else None}.items() if v}
    query = suggestions_query(q, state, category_id, deputy_id, listed=listed, overdue_on=local_today() if overdue else None)
    return q, state_value, category_id, deputy_id, overdue, query, args


@bp.route("/")
@role_required(*ANY_ROLE)
def index():
    """Every suggestion of the committee, filtered, with the adoption figures."""
    q, state_value, category_id, deputy_id, overdue, query, args = _list_filters()
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_page_or_partial(
        "suggestions/index.html",
        "suggestions/_table.html",
        page=page,
        q=q,
        state=state_value,
        category_id=category_id,
        deputy_id=deputy_id,
        overdue=overdue,
        args=args,
        page_context=lambda: {"states": list(SuggestionState), "categories": active_categories(),
                              "deputies": active_deputies(), "overall": adoption_overall(), "counts": state_counts()},
    )


def _fill_choices(form: SuggestionForm) -> None:
    choose = [SelectChoice(0, _("— choose —"))]
    form.category.choices = choose + [SelectChoice(c.id, c.name) for c in active_categories()]
    form.community.choices = [SelectChoice(0, _("— none —"))] + [SelectChoice(c.id, c.name) for c in active_communities()]
    form.deputies.choices = deputy_choices(active_deputies())


def _fields(form: SuggestionForm) -> SuggestionFields:
    deputies = [db.session.get(User, i) for i in form.deputies.data or []]
    return SuggestionFields(
        form.title.data,
        form.content.data,
        db.session.get(Category, form.category.data or 0),
        [d for d in deputies if d is not None],
        db.session.get(Community, form.community.data or 0) if form.community.data else None,
    )


def _opinion_ids(source) -> list[int]:
    return [v for v in source.getlist("opinion", type=int) if v > 0]  # within the ids' range (portal/bounds.py)


@bp.route("/export.<fmt>")
@role_required(*ANY_ROLE)
def list_export(fmt: str):
    """The list as CSV or XLSX, with the filters of the page and every step's date and note."""
    if fmt not in FORMATS:
        abort(404)
    header, rows = suggestions_table(_list_filters(listed=False)[5])
    return table_response(fmt, header, rows, f"suggestions-{local_today().isoformat()}", title=_("Suggestions"))


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def new():
    """Write a draft, optionally gathering the opinions selected in the opinions list (?opinion=1&opinion=2)."""
    form = SuggestionForm()
    _fill_choices(form)
    opinion_ids = _opinion_ids(request.form if request.method == "POST" else request.args)
    opinions = [o for o in (db.session.get(Opinion, i) for i in opinion_ids) if o is not None]
    if request.method == "GET" and opinions:
        # Start from what the opinions say: their category, community, collectors and text.
        form.category.data = opinions[0].category_id
        form.community.data = opinions[0].community_id
        form.deputies.data = list(dict.fromkeys(o.deputy_id for o in opinions))
        form.content.data = "\n".join(o.content for o in opinions)
    elif request.method == "GET" and current_user.role is Role.DEPUTY:
        form.deputies.data = [current_user.id]
    if form.validate_on_submit():
        # On a refusal nothing of the suggestion is kept: no half-saved draft.
        url = commit_once(
            form,
            lambda: create_suggestion(current_user, _fields(form), [o.id for o in opinions]),
            lambda suggestion: url_for("suggestions.detail", suggestion_id=suggestion.id),
            lambda suggestion: _("The suggestion was saved as a draft."),
        )
        if url is not None:
            return redirect(url)
    return render_template("suggestions/form.html", form=form, suggestion=None, opinions=opinions)


@bp.route("/<int:suggestion_id>")
@role_required(*ANY_ROLE)
def detail(suggestion_id: int):
    """A suggestion: its text, gathered opinions and voters, status with the allowed steps, and its history."""
    suggestion = _get_or_404(suggestion_id)
    q = request.args.get("q", "").strip()
    candidates = unsorted_opinions(q) if can_edit_suggestion(current_user, suggestion) else []
    return render_template("suggestions/detail.html", **_status_context(suggestion), candidates=candidates, q=q,
                           audit_history=history_for(current_user, "Suggestion", suggestion.id))


def _status_context(suggestion: Suggestion, error: str | None = None, form: TransitionForm | None = None) -> dict:
    """The status block's context; after a refused step, `form` keeps what was typed and where the error goes."""
    return {
        "suggestion": suggestion,
        "next_states": allowed_next_states(current_user, suggestion),
        "overall": adoption_overall(),
        "counts": state_counts(),
        "error": error,
        "overdue": is_overdue(suggestion),
        "tried": form,
        "today": local_today(),
    }


@bp.route("/<int:suggestion_id>/edit", methods=["GET", "POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def edit(suggestion_id: int):
    """Change a draft (its proposers or staff)."""
    suggestion = _editable_or_403(suggestion_id)
    form = SuggestionForm(obj=suggestion)
    _fill_choices(form)
    if request.method == "GET":
        form.category.data = suggestion.category_id
        form.community.data = suggestion.community_id or 0
        form.deputies.data = [d.id for d in suggestion.deputies]
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_suggestion(current_user, suggestion, _fields(form)))
        if saved is not None:
            flash(_("The suggestion was saved."), "success")
            return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))
    return render_template("suggestions/form.html", form=form, suggestion=suggestion, opinions=[])


@bp.route("/<int:suggestion_id>/transition", methods=["POST"])
@role_required(*ANY_ROLE)
def step(suggestion_id: int):
    """One workflow step; htmx swaps the status block and updates the counts and the history out of band."""
    suggestion = _get_or_404(suggestion_id)
    form = TransitionForm()
    error = None
    values = {s.value for s in SuggestionState}
    if not form.validate_on_submit() or form.to_state.data not in values or form.expected.data not in values:
        error = first_error(form, _("Please choose a step."))
    else:
        outcome = run_and_commit(lambda: transition(
            current_user, suggestion, SuggestionState(form.to_state.data), SuggestionState(form.expected.data), form.note.data,
            on=form.on.data))
        if isinstance(outcome, ServiceError):
            error = outcome.message
            if outcome.field == "on":
                form.on.errors = [outcome.message]
        else:
            event = outcome
    if is_htmx():
        if error:
            return render_template("suggestions/_status.html", **_status_context(suggestion, error, form)), 422
        return render_with_oob(
            "suggestions/_status.html", "suggestions/_timeline.html", "suggestions/_adoption_tiles.html", **_status_context(suggestion)
        )
    if error:
        flash(error, "error")
    else:
        flash(_("The suggestion is now “%(state)s”.", state=event.to_state.label), "success")
    return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))


@bp.route("/<int:suggestion_id>/due", methods=["POST"])
@role_required(Role.STAFF)
def set_due(suggestion_id: int):
    """Staff move the date the district's answer is due; back to the suggestion."""
    suggestion = _get_or_404(suggestion_id)
    form = DueDateForm()
    if form.validate_on_submit():
        outcome = run_and_commit(lambda: set_answer_due(current_user, suggestion, form.answer_due_on.data))
        if isinstance(outcome, ServiceError):
            flash(outcome.message, "error")
        else:
            flash(_("The answer is now due on %(day)s.", day=format_date(suggestion.answer_due_on)), "success")
    else:
        flash(_("Please enter a valid date."), "error")
    return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))


@bp.route("/<int:suggestion_id>/feedback", methods=["POST"])
@role_required(Role.DEPUTY)
def feedback(suggestion_id: int):
    """A deputy records the 回访 of an answer in one step; htmx swaps the item on their home page in place."""
    suggestion = _get_or_404(suggestion_id)
    form = FeedbackForm()
    saved = None
    if form.validate_on_submit():
        method = FeedbackMethod(form.method.data) if form.method.data in {m.value for m in FeedbackMethod} else None
        url = commit_once(
            form,
            lambda: record_feedback(current_user, suggestion, FeedbackFields(form.fed_back_on.data, method, form.note.data or "")),
            lambda _feedback: url_for("main.deputy_home"),
            lambda _feedback: _("The feedback to the voters on “%(title)s” was recorded.", title=suggestion.title),
        )
        saved = feedback_of(current_user.id, suggestion.id) if url is not None else None  # a resent form: the first one's
    if is_htmx():
        html = render_template("suggestions/_carry_back_item.html", suggestion=suggestion, form=form, feedback=saved,
                               feedback_methods=list(FeedbackMethod), today=local_today())
        return (html, 200) if saved is not None else (html, 422)
    if saved is None:
        flash(" ".join(error_messages(form)) or _("Please check the form."), "error")
    return redirect(url_for("main.deputy_home"))


@bp.route("/<int:suggestion_id>/opinions", methods=["POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def gather_opinions(suggestion_id: int):
    """Gather the checked opinions into a draft; one already in another suggestion is refused with its name."""
    suggestion = _editable_or_403(suggestion_id)  # CSRFProtect has checked the token of every POST
    error = None
    ids = _opinion_ids(request.form)
    if not ids:
        error = _("Please select at least one opinion.")
    else:
        outcome = run_and_commit(lambda: gather(current_user, suggestion, ids))
        if isinstance(outcome, ServiceError):
            error = outcome.message
    return _after_opinions_change(suggestion, error)


@bp.route("/<int:suggestion_id>/opinions/<int:opinion_id>/release", methods=["POST"])
@role_required(Role.DEPUTY, Role.STAFF)
def release_opinion(suggestion_id: int, opinion_id: int):
    """Take an opinion out of a draft again."""
    suggestion = _editable_or_403(suggestion_id)
    outcome = run_and_commit(lambda: release(current_user, suggestion, opinion_id))
    return _after_opinions_change(suggestion, outcome.message if isinstance(outcome, ServiceError) else None)


def _after_opinions_change(suggestion: Suggestion, error: str | None):
    if is_htmx():
        html = render_template(
            "suggestions/_opinions.html", suggestion=suggestion, candidates=unsorted_opinions(), q="", error=error
        )
        return (html, 422) if error else html
    if error:
        flash(error, "error")
    return redirect(url_for("suggestions.detail", suggestion_id=suggestion.id))


def _period_args() -> tuple[PeriodForm, Period, dict]:
    form = PeriodForm(request.args)
    period = read_period(form, community_id=request.args.get("community", type=int))
    return form, period, period.args()


@bp.route("/figures")
@role_required(Role.STAFF)
def figures():
    """The adoption rate overall and by category, community, deputy and month, for a period and community."""
    form, period, args = _period_args()
    return render_template(
        "suggestions/figures.html",
        form=form,
        period=period,
        args=args,
        communities=active_communities(),
        overall=adoption_overall(period),
        opinions=opinion_figures(period),
        tables=_figure_tables(period),
        charts=[*category_charts(period), *community_charts(period), *state_charts(period)],
    )


def _figure_tables(period: Period) -> list[tuple[str, list]]:
    return [
        (_("By category"), adoption_by_category(period)),
        (_("By community"), adoption_by_community(period)),
        (_("By deputy"), adoption_by_deputy(period)),
        (_("By month"), adoption_by_month(period)),
    ]


@bp.route("/figures/export.<fmt>")
@role_required(Role.STAFF)
def export(fmt: str):
    """The figures as CSV or XLSX, with exact rates (one decimal and the fraction)."""
    if fmt not in FORMATS:
        abort(404)
    _form, period, _args = _period_args()
    header = [_("Breakdown"), _("Breakdown item"), _("Submitted"), _("Adopted"), _("Adoption rate"), _("Adopted ÷ submitted")]
    rows = [[_("Overall"), _("All"), *_export_cells(adoption_overall(period))]]
    for title, table in _figure_tables(period):
        rows += [[title, row.label, *_export_cells(row)] for row in table]
    return table_response(fmt, header, rows, f"adoption-{local_today().isoformat()}", title=_("Adoption rate"))


def _export_cells(row) -> list:
    return [row.submitted, row.adopted, percent(row.rate, places=1), f"{row.adopted}/{row.submitted}"]
