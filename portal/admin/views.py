"""Admin pages: users, roles, passwords, communities, deputy import."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from ..accounts.importing import import_deputies, read_rows
from ..accounts.memberships import check_effective, memberships_of
from ..accounts.services import (
    DeputyFields,
    active_communities,
    create_community,
    create_user,
    role_counts,
    set_active,
    update_community,
    update_user,
)
from ..accounts.terms import start_term
from ..auth.services import set_password
from ..clock import local_today
from ..errors import ServiceError, attach_to_form, commit_form, run_and_commit
from ..extensions import db
from ..forms import ConfirmForm, commit_once
from ..htmx import is_htmx, render_page_or_partial
from ..membership import members_on
from ..models import Community, DeputyProfile, Level, Membership, Role, User
from ..permissions import role_required
from ..settings import committee_name, needs_committee_name, set_committee_name
from . import bp
from .forms import (
    ActiveForm,
    CommitteeForm,
    CommunityForm,
    ImportForm,
    NewUserForm,
    ResetPasswordForm,
    TermForm,
    UserForm,
)



@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """The admin's home: who is registered, and where to manage them."""
    communities = db.session.scalar(select(db.func.count()).select_from(Community).where(Community.active))
    return render_template("admin/index.html", counts=role_counts(), communities=communities)


@bp.route("/settings", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def settings():
    """The committee's name, set once here; asked for on the admin's first login."""
    form = CommitteeForm(data=None if request.method == "POST" else {"name": "" if needs_committee_name() else committee_name()})
    if form.validate_on_submit():
        if commit_form(form, lambda: set_committee_name(form.name.data)) is not None:
            flash(_("The committee's name was saved."), "success")
            return redirect(url_for("admin.index"))
    return render_template("admin/settings.html", form=form, placeholder=needs_committee_name())


@bp.route("/users")
@role_required(Role.ADMIN)
def users():
    """All users, filtered by text, role and status; the table updates as you type."""
    q = request.args.get("q", "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "active")
    query = (
        select(User)
        .options(selectinload(User.deputy).joinedload(DeputyProfile.community))
        .order_by(User.role, User.username)
    )
    if q:
        like = f"%{q}%"
        query = query.where(or_(User.name.like(like), User.username.like(like)))
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if status in {"active", "inactive"}:
        query = query.where(User.active.is_(status == "active"))
    page = db.paginate(query, per_page=current_app.config["PER_PAGE"], error_out=False)
    return render_page_or_partial(
        "admin/users.html", "admin/_user_table.html", page=page, q=q, role=role, status=status, confirm=ConfirmForm(),
        today=local_today(),
    )


def _fill_community_choices(form: UserForm) -> None:
    form.community.choices = [SelectChoice(0, _("— choose —"))] + [SelectChoice(c.id, c.name) for c in active_communities()]
    if form.community.data is None:
        form.community.data = 0


def _deputy_fields(form: UserForm) -> DeputyFields | None:
    if Role(form.role.data) is not Role.DEPUTY:
        return None
    level = Level(form.level.data) if form.level.data else None
    community = db.session.get(Community, form.community.data) if form.community.data else None
    return DeputyFields(level, community, form.expertise.data or "", form.phone.data or "")


@bp.route("/users/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_new():
    """Create a user of any role; a deputy is one from the date given (today, unless changed)."""
    form = NewUserForm()
    _fill_community_choices(form)
    if request.method == "GET":
        form.effective_on.data = local_today()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_user(
                form.username.data, form.name.data, Role(form.role.data), form.password.data, _deputy_fields(form),
                member_from=form.effective_on.data,
            ),
            lambda user: url_for("admin.users", q=user.username),
            lambda user: _("User %(name)s was created.", name=user.name),
        )
        if url is not None:
            return redirect(url)
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_edit(user_id: int):
    """Change a user's particulars and role."""
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user)
    if request.method == "GET":
        form.role.data = user.role.value
        if user.deputy is not None:
            form.level.data = user.deputy.level.value
            form.community.data = user.deputy.community_id
            form.expertise.data = user.deputy.expertise
            form.phone.data = user.deputy.phone
        form.effective_on.data = local_today()
    _fill_community_choices(form)
    if form.validate_on_submit():
        saved = commit_form(
            form,
            lambda: update_user(user, form.username.data, form.name.data, Role(form.role.data), _deputy_fields(form),
                                form.effective_on.data),
        )
        if saved is not None:
            flash(_("User %(name)s was saved.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user, memberships=memberships_of(user.id))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def user_password(user_id: int):
    """Set a new password for a user who forgot theirs."""
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        saved = commit_form(form, lambda: set_password(user, form.password.data))
        if saved is not None:
            flash(_("The password of %(name)s was reset.", name=user.name), "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_password.html", form=form, user=user)


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def user_active(user_id: int):
    """Deactivate or reactivate an account (a deputy's from the date given); htmx swaps the row in place."""
    user = db.get_or_404(User, user_id)
    form = ActiveForm()
    error = None
    if form.validate_on_submit():
        outcome = run_and_commit(
            lambda: set_active(current_user, user, request.form.get("active") == "1", form.effective_on.data))
        if isinstance(outcome, ServiceError):
            error = outcome.message
    elif form.errors:
        error = " ".join(message for messages in form.errors.values() for message in messages)
    if is_htmx():
        return render_template("admin/_user_row.html", user=user, confirm=form, error=error, today=local_today(),
                               effective_on=request.form.get("effective_on", ""))
    if error:
        flash(error, "error")
    return redirect(url_for("admin.users"))


@bp.route("/communities", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def communities():
    """The street's communities, with a form to add one."""
    form = CommunityForm()
    if form.validate_on_submit():
        url = commit_once(
            form,
            lambda: create_community(form.name.data),
            lambda community: url_for("admin.communities"),
            lambda community: _("Community %(name)s was added.", name=community.name),
        )
        if url is not None:
            return redirect(url)
    on_day = members_on(local_today()).add_columns(Membership.community_id).subquery()
    counts = dict(db.session.execute(select(on_day.c.community_id, db.func.count()).group_by(on_day.c.community_id)).all())
    rows = db.session.scalars(select(Community).order_by(Community.active.desc(), Community.name)).all()
    return render_template("admin/communities.html", form=form, communities=rows, counts=counts)


@bp.route("/communities/<int:community_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def community_edit(community_id: int):
    """Rename a community or take it out of use."""
    community = db.get_or_404(Community, community_id)
    form = CommunityForm(obj=community)
    if form.validate_on_submit():
        saved = commit_form(form, lambda: update_community(community, form.name.data, form.active.data))
        if saved is not None:
            flash(_("Community %(name)s was saved.", name=community.name), "success")
            return redirect(url_for("admin.communities"))
    return render_template("admin/community_form.html", form=form, community=community)


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_file():
    """Upload deputies as CSV or XLSX; all rows are imported or none."""
    form = ImportForm()
    if request.method == "GET":
        form.member_from.data = local_today()
    result = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_rows(upload.filename or "", upload.read())
            member_from = check_effective(form.member_from.data or local_today(), "member_from")
        except ServiceError as error:
            attach_to_form(form, error)
        else:
            result = import_deputies(rows, member_from)
            if result.errors:
                db.session.rollback()
            else:
                db.session.commit()
    return render_template("admin/import.html", form=form, result=result)


@bp.route("/terms/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def term_new():
    """Start a new term (换届) with its roster: re-elected deputies continue, the others' memberships end."""
    form = TermForm()
    outcome = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            rows = read_rows(upload.filename or "", upload.read())
        except ServiceError as error:
            attach_to_form(form, error)
        else:
            outcome = run_and_commit(lambda: start_term(form.name.data, form.starts_on.data, form.ends_on.data, rows))
            if isinstance(outcome, ServiceError):
                attach_to_form(form, outcome)
                outcome = None
            elif outcome.term is None:
                db.session.rollback()
    return render_template("admin/term_form.html", form=form, outcome=outcome)
