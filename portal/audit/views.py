"""The admin's audit log: every event, filtered and paginated. There is no route that changes one."""
from flask import current_app, request
from flask_babel import gettext as _
from sqlalchemy import select
from wtforms import SelectChoice

from ..extensions import db
from ..htmx import render_page_or_partial
from ..models import Role, User
from ..periods import Period
from ..permissions import role_required
from . import bp
from .forms import AuditFilterForm
from .services import OBJECT_LABELS, AuditFilter, audit_query


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Every event, newest first, by who, kind of record, record number and day of entry."""
    form = AuditFilterForm(request.args)
    users = db.session.execute(select(User.id, User.name, User.username).order_by(User.name)).all()
    form.actor.choices = [SelectChoice(0, _("Everyone"))] + [SelectChoice(u.id, f"{u.name} ({u.username})") for u in users]
    form.object_type.choices = [SelectChoice("", _("All kinds"))] + [SelectChoice(key, label) for key, label in OBJECT_LABELS.items()]
    filters = AuditFilter()
    if form.validate():
        filters = AuditFilter(form.actor.data or None, form.object_type.data or None,
                              (form.object_id.data or "").strip() or None, Period(form.start.data, form.end.data))
    page = db.paginate(audit_query(filters), per_page=current_app.config["PER_PAGE"], error_out=False)
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_page_or_partial("audit/index.html", "audit/_table.html", form=form, page=page, args=args)
