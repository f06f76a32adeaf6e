"""The front door and each role's home page."""
from flask import redirect, render_template, url_for
from flask_login import current_user

from ..auth.views import home_url_for
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
    """A deputy's home: their own profile (the checklist joins it later)."""
    return render_template("main/deputy_home.html", profile=current_user.deputy,
                           attendance=year_to_date_attendance(current_user.id))


@bp.route("/staff")
@role_required(Role.STAFF)
def staff_home():
    """The office's home: the committee's figures at a glance."""
    return render_template("main/staff_home.html", figures=deputy_figures())
