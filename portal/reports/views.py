"""The deputy's record (one, or the committee's in one print) and the work report (page and Word document)."""
from flask import render_template, request
from flask_login import current_user

from ..deputies.services import roster_query
from ..extensions import db
from ..models import DeputyProfile, Role
from ..periods import Period, PeriodForm, read_period, this_year
from ..permissions import ANY_ROLE, get_visible_deputy_or_404, role_required
from . import bp
from .forms import ReportFilterForm
from .services import deputy_records


def _period(form: PeriodForm) -> Period:
    """The period the form asks for (this year by default) and its community, if it has one."""
    start, end = read_period(form, this_year())
    community = getattr(form, "community", None)
    return Period(start, end, community.data or None if community is not None else None)


@bp.route("/deputies/<int:user_id>")
@role_required(*ANY_ROLE)
def record(user_id: int):
    """A deputy's record for a period: a deputy sees their own, staff anyone's (else 404)."""
    profile = get_visible_deputy_or_404(current_user, db.session.get(DeputyProfile, user_id))
    form = PeriodForm(request.args)
    period = _period(form)
    return render_template("reports/record.html", form=form, record=deputy_records([profile], period)[0])


@bp.route("/deputies")
@role_required(Role.STAFF)
def records():
    """Every active deputy's record for a period, one after another, to print in one go; filtered by community."""
    form = ReportFilterForm(request.args)
    period = _period(form)
    profiles = list(db.session.scalars(roster_query(community_id=period.community_id)))
    return render_template("reports/records.html", form=form, period=period, records=deputy_records(profiles, period))
