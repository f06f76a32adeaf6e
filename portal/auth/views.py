"""Login, logout, change password, choose language."""
from urllib.parse import urlsplit

from flask import (
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from ..errors import commit_form
from ..extensions import db, limiter
from ..navigation import home_url_for
from ..permissions import ANY_ROLE, public, role_required
from . import bp
from .forms import ChangePasswordForm, LocaleForm, LoginForm
from .services import authenticate, change_own_password, normalize_username


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no scheme, no host, no '//' or backslash)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _login_failed(response) -> bool:
    """Only failed attempts count against the limit (a success redirects)."""
    return request.method == "POST" and response.status_code != 302


def _account_key() -> str:
    return "login-account:" + normalize_username(request.form.get("username", ""))


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_login_failed)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
)
def login():
    """Show the login form; log the user in and send them home (or to a local `next`)."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            session.permanent = True
            return redirect(safe_next(request.args.get("next")) or home_url_for(user))
        form.form_errors.append(_("The username or password is not correct, or the account is disabled."))
        form.password.data = ""
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.errorhandler(429)
def too_many_attempts(error):
    """A clear message on the login form itself when attempts are rate-limited."""
    form = LoginForm()
    form.form_errors.append(_("Too many login attempts. Please wait a few minutes and try again."))
    return render_template("auth/login.html", form=form), 429


@bp.route("/logout", methods=["POST"])
@role_required(*ANY_ROLE)
def logout():
    """End the session."""
    logout_user()
    session.pop("locale", None)
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        changed = commit_form(
            form, lambda: change_own_password(current_user, form.current_password.data, form.new_password.data)
        )
        if changed is not None:
            flash(_("Your password has been changed."), "success")
            return redirect(home_url_for(current_user))
    return render_template("auth/change_password.html", form=form)


@bp.route("/locale", methods=["POST"])
@public
def set_locale():
    """Choose the interface language; kept on the account when logged in."""
    form = LocaleForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
