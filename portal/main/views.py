"""The front door, each role's home page and the status wall."""
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectChoice

from ..accounts.services import community_names
from ..campaigns.services import (
    campaign_tallies,
    current_campaign,
    deputy_records,
    progress_of,
    campaign_period,
    deputies_in_communities,
)
from ..clock import local_today, to_local
from ..deputies.services import deputy_figures
from ..htmx import is_htmx, render_with_oob
from ..meetings.notices import upcoming_notices
from ..meetings.rates import year_to_date_attendance
from ..models import Role, utcnow
from ..navigation import home_url_for
from ..periods import Period, read_period, this_year
from ..permissions import public, role_required
from ..reports.charts import flat_charts
from ..reports.figures import committee_figures
from ..suggestions.answers import answers_to_carry_back, overdue_summary
from ..suggestions.models import FeedbackMethod
from . import bp
from .forms import FiguresFilterForm
from .services import deputy_agenda, wall_figures

# The overview draws every chart of the report for its period and community.
OVERVIEW_CHARTS = ("category", "community", "four-ones", "attendance", "states")


@bp.route("/")
@public
def index():
    """Send a visitor to the login page and a user to their home."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(home_url_for(current_user))


@bp.route("/me")
@role_required(Role.DEPUTY)
def deputy_home():
    """A deputy's home: what needs them now (answers owed, records sent back, items not done), the next meeting, then the rest folded."""
    campaign = current_campaign()
    records = deputy_records(campaign, current_user.id) if campaign is not None else {}
    context = {
        "campaign": campaign,
        "records": records,
        "profile": current_user.deputy,  # loaded with the user
        "attendance": year_to_date_attendance(current_user.id),
        "agenda": deputy_agenda(campaign, records, upcoming_notices(current_user.id), answers_to_carry_back(current_user.id)),
        "feedback_methods": list(FeedbackMethod),
        "today": local_today(),
    }
    if campaign is not None:
        context.update(progress=progress_of(campaign, records), went_into_communities=deputies_in_communities(campaign_period(campaign)))
    return render_template("main/deputy_home.html", **context)


def _figures_filter() -> tuple[FiguresFilterForm, Period]:
    """The overview's period and community filter, read from the query string."""
    form = FiguresFilterForm(request.args)
    form.community.choices = [SelectChoice(0, _("All communities"))] + [
        SelectChoice(community_id, name) for community_id, name in community_names()
    ]
    return form, read_period(form, this_year(), form.community.data)


@bp.route("/wall")
@role_required(Role.STAFF)
def wall():
    """The status wall for a meeting-room screen; its poll gets 204 while nothing it shows has changed."""
    _form, period = _figures_filter()
    wall = wall_figures(period)
    if is_htmx() and request.args.get("v") == wall.version:
        return "", 204
    context = {"wall": wall, "figures": wall.figures, "args": period.args(), "now": to_local(utcnow())}
    if is_htmx():
        return render_template("main/_wall.html", **context)
    return render_template("main/wall.html", **context)


@bp.route("/staff")
@role_required(Role.STAFF)
def staff_home():
    """The office's home: the report's figures for a period and community, then the campaign and the roster."""
    form, period = _figures_filter()
    figures = committee_figures(period)
    charts = flat_charts(period, OVERVIEW_CHARTS)
    if is_htmx():
        return render_with_oob("main/_figures.html", "reports/_charts.html", form=form, figures=figures, charts=charts)
    campaign = current_campaign()
    tallies = campaign_tallies(campaign) if campaign is not None else None
    today = local_today()
    return render_template(
        "main/staff_home.html", form=form, figures=figures, charts=charts, deputies=deputy_figures(today), campaign=campaign,
        tallies=tallies, overdue=overdue_summary(today), today=today,
    )
