"""Campaign pages (staff read, admin edit), a deputy's item cards, the staff matrix and review."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from ..accounts.services import active_communities, active_deputies
from ..clock import local_today
from ..errors import ServiceError, commit_form, run_and_commit
from ..exports import FORMATS, table_response
from ..extensions import db
from ..forms import ConfirmForm, commit_once
from ..htmx import is_htmx, render_page_or_partial, render_with_oob
from ..matters.services import practical_matters_of
from ..models import Level, Role, User
from ..periods import PeriodForm, read_period, this_year
from ..permissions import ANY_ROLE, get_visible_record_or_404, role_required
from ..suggestions.services import suggestions_of
from . import bp
from .exports import matrix_table
from .forms import BatchReviewForm, CampaignForm, ItemForm, OnBehalfForm, RecordForm, ReviewForm
from .models import Campaign, ChecklistItem, ChecklistRecord, ItemKind, RecordState
from .services import (
    SORTS,
    CampaignFields,
    RecordFields,
    add_item,
    all_campaigns,
    campaign_period,
    campaign_tallies,
    community_days,
    create_campaign,
    current_campaign,
    deputies_in_communities,
    deputy_records,
    find_record,
    has_records,
    matrix_query,
    matrix_rows,
    move_item,
    progress_of,
    review_many,
    review_query,
    save_record,
    send_back_record,
    set_retired,
    update_campaign,
    update_item,
    verify_record,
)

# The matrix shows this many deputies at a time; its tallies are over all of them.
MATRIX_PER_PAGE = 50

def _cells() -> dict:
    """What every matrix cell shows, worked out once a request: state labels and link patterns."""
    slot, other = "999999991", "999999992"  # placeholders url_for fills in, turned into format fields
    return {
        "labels": {state: state.label for state in RecordState},
        "levels": {level: level.label for level in Level},
        "not_started": _("Not started"),
        "by_staff": Markup('<small class="muted" title="{}">{}</small>').format(
            _("Recorded on the deputy's behalf"), _("by staff")),
        "on_behalf_title": _("Record on the deputy's behalf"),
        "record_url": url_for("campaigns.record", record_id=slot).replace(slot, "{}"),
        "on_behalf_url": url_for("campaigns.on_behalf", deputy=slot, item=other)
        .replace(slot, "{deputy}").replace(other, "{item}"),
    }


def _community_choices(form) -> None:
    form.community_id.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(c.id, c.name) for c in active_communities()]


def _link_choices(form, item: ChecklistItem | None, deputy_id: int | None) -> None:
    """Item 3 offers the deputy's own practical matters, item 4 their suggestions; "0" is none."""
    kind = item.kind if item is not None and deputy_id else None
    matters = practical_matters_of(deputy_id) if kind is ItemKind.PRACTICAL else []
    suggestions = suggestions_of(deputy_id) if kind is ItemKind.REFLECTION else []
    none = SelectChoice(0, _("— none —"))
    form.practical_matter_id.choices = [none] + [
        SelectChoice(m.id, f"{m.title} · {format_date(m.done_on)}") for m in matters
    ]
    form.suggestion_id.choices = [none] + [SelectChoice(s.id, f"{s.title} · {s.state.label}") for s in suggestions]


def _record_fields(form) -> RecordFields:
    """What the record form says; the link ids are checked by the service, not trusted here."""
    return RecordFields(
        form.done_on.data, form.community_id.data, form.account.data or "", form.reflection.data or "",
        form.practical_matter_id.data or None, form.suggestion_id.data or None,
    )


@bp.route("/")
@role_required(Role.STAFF)
def index():
    """Every campaign, the current one marked; past ones stay readable."""
    return render_template("campaigns/index.html", campaigns=all_campaigns())


def _campaign_fields(form: CampaignForm) -> CampaignFields:
    return CampaignFields(form.name.data, form.starts_on.data, form.ends_on.data, form.plan.data or "", form.is_current.data)


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def new():
    """Create a campaign; it starts with the four items of the report."""
    form = CampaignForm()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_campaign(_campaign_fields(form)),
            lambda campaign: url_for("campaigns.detail", campaign_id=campaign.id),
            lambda campaign: _("Campaign %(name)s was created.", name=campaign.name),
        )
        if url is not None:
            return redirect(url)
    return render_template("campaigns/campaign_form.html", form=form, campaign=None)


@bp.route("/<int:campaign_id>")
@role_required(Role.STAFF)
def detail(campaign_id: int):
    """A campaign's period, work plan, items and tallies."""
    campaign = db.get_or_404(Campaign, campaign_id)
    return render_template(
        "campaigns/detail.html", campaign=campaign, tallies=campaign_tallies(campaign),
        locked=has_records(campaign), item_form=ItemForm(), confirm=ConfirmForm(),
    )


@bp.route("/<int:campaign_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(campaign_id: int):
    """Change a campaign's name, period, plan, or make it current."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = CampaignForm(obj=campaign)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_campaign(campaign, _campaign_fields(form)))
        if saved is not None:
            flash(_("Campaign %(name)s was saved.", name=campaign.name), "success")
            return redirect(url_for("campaigns.detail", campaign_id=campaign.id))
    return render_template("campaigns/campaign_form.html", form=form, campaign=campaign)


@bp.route("/<int:campaign_id>/items", methods=["POST"])
@role_required(Role.ADMIN)
def item_add(campaign_id: int):
    """Add an item to a campaign's checklist (before deputies start recording)."""
    campaign = db.get_or_404(Campaign, campaign_id)
    form = ItemForm()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: add_item(campaign, ItemKind(form.kind.data), form.title.data, form.description.data or ""),
            lambda item: url_for("campaigns.detail", campaign_id=campaign.id),
            lambda item: _("The item was added."),
        )
        if url is not None:
            return redirect(url)
    return render_template(
        "campaigns/detail.html", campaign=campaign, tallies=campaign_tallies(campaign),
        locked=has_records(campaign), item_form=form, confirm=ConfirmForm(),
    ), 422


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def item_edit(item_id: int):
    """Rename an item or change its kind (before deputies start recording)."""
    item = db.get_or_404(ChecklistItem, item_id)
    form = ItemForm(obj=item)
    if request.method == "GET":
        form.kind.data = item.kind.value
    if form.validate_on_submit():
        saved = commit_form(
            form, lambda: update_item(item, ItemKind(form.kind.data), form.title.data, form.description.data or "")
        )
        if saved is not None:
            flash(_("The item was saved."), "success")
            return redirect(url_for("campaigns.detail", campaign_id=item.campaign_id))
    return render_template("campaigns/item_form.html", form=form, item=item)


def _item_action(item_id: int, action):
    item = db.get_or_404(ChecklistItem, item_id)
    if ConfirmForm().validate_on_submit():
        outcome = run_and_commit(lambda: action(item))
        if isinstance(outcome, ServiceError):
            flash(outcome.message, "error")
    return redirect(url_for("campaigns.detail", campaign_id=item.campaign_id))


@bp.route("/items/<int:item_id>/move", methods=["POST"])
@role_required(Role.ADMIN)
def item_move(item_id: int):
    """Move an item up or down the checklist (before deputies start recording)."""
    offset = -1 if request.form.get("direction") == "up" else 1
    return _item_action(item_id, lambda item: move_item(item, offset))


@bp.route("/items/<int:item_id>/retire", methods=["POST"])
@role_required(Role.ADMIN)
def item_retire(item_id: int):
    """Retire an item (kept with its records, hidden from new ones) or bring it back."""
    retired = request.form.get("retired") == "1"
    return _item_action(item_id, lambda item: set_retired(item, retired))


def _own_item_or_404(item_id: int) -> ChecklistItem:
    """An item of the current campaign (a deputy's checklist shows no other)."""
    item = db.get_or_404(ChecklistItem, item_id)
    if not item.campaign.is_current:
        abort(404)
    return item


def _card_context(item: ChecklistItem, deputy_id: int, **extra) -> dict:
    """What the card and its out-of-band companions (progress, header tally) need."""
    campaign = item.campaign
    records = deputy_records(campaign, deputy_id)
    return {
        "campaign": campaign,
        "item": item,
        "record": records.get(item.id),
        "progress": progress_of(campaign, records),
        "went_into_communities": deputies_in_communities(campaign_period(campaign)),
        **extra,
    }


def _record_form(item: ChecklistItem, record: ChecklistRecord | None) -> RecordForm:
    form = RecordForm(obj=record, prefix=f"item{item.id}")
    _community_choices(form)
    _link_choices(form, item, current_user.id)
    if record is None and request.method == "GET":
        form.community_id.data = current_user.deputy.community_id if current_user.deputy else 0
    return form


@bp.route("/items/<int:item_id>/record", methods=["GET", "POST"])
@role_required(Role.DEPUTY)
def record_form(item_id: int):
    """Record or edit one's own item: htmx swaps the card and updates progress and tally in place."""
    item = _own_item_or_404(item_id)
    record = find_record(item, current_user.id)
    form = _record_form(item, record)
    status = 200
    if form.validate_on_submit():
        saved = commit_form(form, lambda: save_record(current_user, item, current_user, _record_fields(form)))
        if saved is not None:
            if is_htmx():
                return render_with_oob(
                    "campaigns/_item_card.html", "campaigns/_progress.html", "campaigns/_community_tally.html",
                    **_card_context(item, current_user.id),
                )
            flash(_("“%(title)s” was recorded.", title=item.title), "success")
            return redirect(url_for("main.deputy_home"))
    if request.method == "POST":
        status = 422
    context = _card_context(item, current_user.id, form=form)
    return render_page_or_partial("campaigns/record_page.html", "campaigns/_item_card.html", **context), status


@bp.route("/items/<int:item_id>/card")
@role_required(Role.DEPUTY)
def item_card(item_id: int):
    """The card without its form (cancelling an edit); a plain request goes back to the checklist."""
    item = _own_item_or_404(item_id)
    if not is_htmx():
        return redirect(url_for("main.deputy_home"))
    return render_template("campaigns/_item_card.html", **_card_context(item, current_user.id))


@bp.route("/records/<int:record_id>")
@role_required(*ANY_ROLE)
def record(record_id: int):
    """One record; staff get the verify / send back buttons. Another deputy's record is a 404."""
    rec = get_visible_record_or_404(current_user, db.session.get(ChecklistRecord, record_id))
    return render_page_or_partial("campaigns/record.html", "campaigns/_record_panel.html", record=rec, review=ReviewForm())


def _after_review(rec: ChecklistRecord, review: ReviewForm, status: int = 200):
    """htmx: the panel, with the matrix cell and the tallies out of band; plain: back to the record."""
    if is_htmx():
        campaign = rec.item.campaign
        return render_with_oob(
            "campaigns/_record_panel.html", "campaigns/_cell.html", "campaigns/_row_progress.html", "campaigns/_tallies.html",
            record=rec, review=review, item=rec.item, deputy_id=rec.deputy_id, campaign=campaign, cells=_cells(),
            progress=progress_of(campaign, deputy_records(campaign, rec.deputy_id)), tallies=campaign_tallies(campaign),
        ), status
    if status != 200:
        return render_template("campaigns/record.html", record=rec, review=review), status
    return redirect(url_for("campaigns.record", record_id=rec.id))


@bp.route("/records/<int:record_id>/verify", methods=["POST"])
@role_required(Role.STAFF)
def verify(record_id: int):
    """Staff confirm a record."""
    rec = db.get_or_404(ChecklistRecord, record_id)
    review = ReviewForm()
    status = 200
    if review.validate_on_submit():
        if commit_form(review, lambda: verify_record(current_user, rec)) is None:
            status = 422
    else:
        status = 422
    return _after_review(rec, review, status)


@bp.route("/records/<int:record_id>/return", methods=["POST"])
@role_required(Role.STAFF)
def send_back(record_id: int):
    """Staff send a record back to the deputy with a note."""
    rec = db.get_or_404(ChecklistRecord, record_id)
    review = ReviewForm()
    status = 200
    if review.validate_on_submit():
        if commit_form(review, lambda: send_back_record(current_user, rec, review.note.data or "")) is None:
            status = 422
        else:
            review = ReviewForm(formdata=None)
    else:
        status = 422
    return _after_review(rec, review, status)


@bp.route("/on-behalf", methods=["GET", "POST"])
@role_required(Role.STAFF)
def on_behalf():
    """Staff record an item from a deputy's paper form, explicitly on their behalf (代为登记)."""
    campaign = current_campaign()
    if campaign is None:
        flash(_("No campaign is current."), "error")
        return redirect(url_for("campaigns.index"))
    form = OnBehalfForm()
    _community_choices(form)
    deputies = active_deputies()
    form.deputy_id.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(u.id, u.name) for u in deputies]
    form.item_id.choices = [SelectChoice(i.id, i.title) for i in campaign.active_items]
    if request.method == "GET":
        form.deputy_id.data = request.args.get("deputy", 0, type=int)
        form.item_id.data = request.args.get("item", 0, type=int) or (campaign.active_items[0].id if campaign.active_items else 0)
        deputy = db.session.get(User, form.deputy_id.data) if form.deputy_id.data else None
        form.community_id.data = deputy.deputy.community_id if deputy and deputy.deputy else 0
    item = _chosen_item(campaign, form.item_id.data)
    _link_choices(form, item, form.deputy_id.data)
    if form.validate_on_submit():
        deputy = db.session.get(User, form.deputy_id.data) if form.deputy_id.data else None
        if deputy is None or deputy.role is not Role.DEPUTY:
            form.deputy_id.errors.append(_("Please choose the deputy."))
        elif item is None:
            form.item_id.errors.append(_("Please choose the item."))
        else:
            rec = commit_form(form, lambda: save_record(current_user, item, deputy, _record_fields(form), on_behalf=True))
            if rec is not None:
                flash(_("“%(title)s” was recorded on behalf of %(name)s.", title=item.title, name=deputy.name), "success")
                return redirect(url_for("campaigns.record", record_id=rec.id))
    status = 422 if request.method == "POST" else 200
    return render_template("campaigns/on_behalf.html", form=form, campaign=campaign, item=item), status


def _chosen_item(campaign, item_id: int | None) -> ChecklistItem | None:
    """The item chosen on the on-behalf form, if it belongs to the current campaign."""
    item = db.session.get(ChecklistItem, item_id) if item_id else None
    return item if item is not None and item.campaign_id == campaign.id else None


@bp.route("/on-behalf/links")
@role_required(Role.STAFF)
def on_behalf_links():
    """htmx: the link select for the deputy and item just chosen on the on-behalf form."""
    deputy_id = request.args.get("deputy_id", 0, type=int)
    item_id = request.args.get("item_id", 0, type=int)
    if not is_htmx():
        return redirect(url_for("campaigns.on_behalf", deputy=deputy_id or None, item=item_id or None))
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    form = OnBehalfForm(formdata=None)
    item = _chosen_item(campaign, item_id)
    _link_choices(form, item, deputy_id)
    return render_template("campaigns/_record_links.html", form=form, item=item)


@bp.route("/matrix")
@role_required(Role.STAFF)
def matrix():
    """Deputies × items of a campaign (the current one unless chosen), with its tallies."""
    campaign_id = request.args.get("campaign", type=int)
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else current_campaign()
    if campaign is None:
        if campaign_id:
            abort(404)
        return render_template("campaigns/matrix.html", campaign=None, campaigns=all_campaigns())
    community_id = request.args.get("community", type=int)
    level_value = request.args.get("level", "")
    level = Level(level_value) if level_value in {lv.value for lv in Level} else None
    sort = request.args.get("sort", "name")
    sort = sort if sort in SORTS else "name"
    page = db.paginate(matrix_query(campaign, community_id, level, sort), per_page=MATRIX_PER_PAGE, error_out=False)
    args = {k: v for k, v in {"campaign": campaign_id, "community": community_id, "level": level_value,
                              "sort": sort if sort != "name" else None}.items() if v}
    return render_page_or_partial(
        "campaigns/matrix.html", "campaigns/_matrix.html",
        campaign=campaign, rows=matrix_rows(campaign, page.items), page=page, args=args, cells=_cells(),
        community_id=community_id, level=level_value, sort=sort,
        page_context=lambda: {"campaigns": all_campaigns(), "tallies": campaign_tallies(campaign),
                              "communities": active_communities()},
    )


@bp.route("/matrix/export.<fmt>")
@role_required(Role.STAFF)
def matrix_export(fmt: str):
    """The whole matrix (every page) as CSV or XLSX, with the filters of the page."""
    if fmt not in FORMATS:
        abort(404)
    campaign_id = request.args.get("campaign", type=int)
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else current_campaign()
    if campaign is None:
        abort(404)
    level_value = request.args.get("level", "")
    level = Level(level_value) if level_value in {lv.value for lv in Level} else None
    sort = request.args.get("sort", "name")
    query = matrix_query(campaign, request.args.get("community", type=int), level, sort if sort in SORTS else "name")
    header, table = matrix_table(campaign, matrix_rows(campaign, list(db.session.scalars(query))))
    return table_response(fmt, header, table, f"four-ones-{campaign.id}-{local_today().isoformat()}", title=_("Four ones progress"))


@bp.route("/community-days")
@role_required(Role.STAFF)
def community_days_list():
    """The 体验一天 records behind 已深入社区代表 for a period (this year by default) and community."""
    form = PeriodForm(request.args)
    period = read_period(form, this_year(), request.args.get("community", type=int))
    return render_template(
        "campaigns/community_days.html", form=form, period=period, records=community_days(period),
        count=deputies_in_communities(period), communities=active_communities(), args=period.args(),
    )


REVIEW_PER_PAGE = 100


def _review_filters() -> tuple[Campaign, dict]:
    """The campaign and the review list's filters (item, community, state: recorded by default) from the query string."""
    campaign = current_campaign()
    if campaign is None:
        abort(404)
    state = request.args.get("state", "")  # "all": every state
    filters = {"item": request.args.get("item", type=int), "community": request.args.get("community", type=int),
               "state": state if state in {s.value for s in RecordState} | {"all"} else RecordState.RECORDED.value}
    return campaign, filters


def _review_list(campaign: Campaign, filters: dict, form: BatchReviewForm, message: str = "", status: int = 200):
    state = None if filters["state"] == "all" else RecordState(filters["state"])
    page = db.paginate(review_query(campaign, filters["item"], filters["community"], state),
                       per_page=REVIEW_PER_PAGE, error_out=False)
    args = {name: value for name, value in filters.items() if value}
    return render_page_or_partial(
        "campaigns/review.html", "campaigns/_review_list.html",
        campaign=campaign, page=page, filters=filters, args=args, form=form, message=message,
        page_context=lambda: {"communities": active_communities(), "states": list(RecordState)},
    ), status


@bp.route("/review")
@role_required(Role.STAFF)
def review():
    """The current campaign's records to review (批量审核), filtered by item, community and state, with checkboxes."""
    campaign, filters = _review_filters()
    return _review_list(campaign, filters, BatchReviewForm(formdata=None))


@bp.route("/review", methods=["POST"])
@role_required(Role.STAFF)
def review_apply():
    """Verify the selected records, or send them all back with one note; htmx answers the list in place."""
    campaign, filters = _review_filters()
    form = BatchReviewForm()
    ids = [value for value in request.form.getlist("record", type=int) if value]
    to = {"verify": RecordState.VERIFIED, "return": RecordState.RETURNED}.get(request.form.get("action", ""))
    outcome = commit_form(form, lambda: review_many(current_user, ids, to, form.note.data or "")) if form.validate() else None
    if outcome is None:
        return _review_list(campaign, filters, form, status=422)
    changed, left = outcome
    message = (_("%(n)d records verified.", n=changed) if to is RecordState.VERIFIED
               else _("%(n)d records sent back with the note.", n=changed))
    if left:
        message += " " + _("%(n)d were already so and were left as they are.", n=left)
    if not is_htmx():
        flash(message, "success")
        return redirect(url_for("campaigns.review", **{k: v for k, v in filters.items() if v}))
    return _review_list(campaign, filters, BatchReviewForm(formdata=None), message)
