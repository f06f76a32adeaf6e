"""The front door and each role's home page."""
from flask import redirect, render_template, url_for
from flask_login import current_user

from ..auth.views import home_url_for
from ..campaigns.services import (
    campaign_tallies,
    current_campaign,
    deputy_records,
    progress_of,
    went_into_communities,
)
from ..deputies.services import deputy_figures
from ..meetings.services import year_to_date_attendance
from ..models import Role
from ..permissions import public, role_required
from . import bp


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
    """A deputy's home: the current campaign's checklist, their progress, attendance, then their profile."""
    campaign = current_campaign()
    context = {
        "campaign": campaign,
        "profile": current_user.deputy,
        "attendance": year_to_date_attendance(current_user.id),
    }
    if campaign is not None:
        records = deputy_records(campaign, current_user.id)
        context.update(
            records=records, progress=progress_of(campaign, records), went_into_communities=went_into_communities(campaign)
        )
    return render_template("main/deputy_home.html", **context)


@bp.route("/staff")
@role_required(Role.STAFF)
def staff_home():
    """The office's home: the committee's figures at a glance."""
    campaign = current_campaign()
    tallies = campaign_tallies(campaign) if campaign is not None else None
    return render_template("main/staff_home.html", figures=deputy_figures(), campaign=campaign, tallies=tallies)
