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
from flask_login.config import COOKIE_NAME
from sqlalchemy import select

from ..auditing import Action, record_event
from ..errors import commit_form
from ..extensions import db
from ..models import User
from ..navigation import home_url_for
from ..permissions import ANY_ROLE, public, role_required
from . import bp
from .forms import ChangePasswordForm, LocaleForm, LoginForm, TextSizeForm
from .services import authenticate, change_own_password, end_sessions, normalize_username
from .throttle import login_refused, record_failure, record_success


def safe_next(target: str | None) -> str | None:
    """Only a local path may be a redirect target (no scheme, no host, no '//' or backslash)."""
    if not target or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


# What a user whose imported initial password must change can still reach.
_BEFORE_PASSWORD_CHANGE = {"auth.change_password", "auth.logout", "auth.set_locale", "static"}


@bp.before_app_request
def require_own_password():
    """Send a user still holding an imported initial password to choose their own first."""
    if (
        current_user.is_authenticated
        and current_user.password_must_change
        and request.endpoint not in _BEFORE_PASSWORD_CHANGE
    ):
        flash(_("Please choose your own password before you continue."), "info")
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    """Show the login form; log the user in and send them home (or to a local `next`)."""
    if current_user.is_authenticated:
        return redirect(home_url_for(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        account = normalize_username(form.username.data)
        if login_refused(account):
            form.form_errors.append(_("Too many login attempts. Please wait a few minutes and try again."))
            form.password.data = ""
            return render_template("auth/login.html", form=form), 429
        user = authenticate(form.username.data, form.password.data)
        if user is not None:
            login_user(user, remember=form.remember.data)
            session.permanent = True
            record_event(Action.LOGIN, "User", user.id, actor_id=user.id)
            db.session.commit()
            response = redirect(safe_next(request.args.get("next")) or home_url_for(user))
            record_success(account, response)
            return response
        record_failure(account)
        # The typed username only when it names an account: anything else may be a password typed in the wrong field.
        named = db.session.scalar(select(User.id).where(User.username == account)) is not None
        record_event(Action.LOGIN_FAILED, "User", changes={"username": [None, account[:32] if named else None]})
        db.session.commit()
        form.form_errors.append(_("The username or password is not correct, or the account is disabled."))
        form.password.data = ""
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@role_required(*ANY_ROLE)
def logout():
    """End the session, and with it every copy of its cookies (the session version moves on)."""
    record_event(Action.LOGOUT, "User", current_user.id)
    end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.pop("locale", None)
    flash(_("You have logged out."), "info")
    response = redirect(url_for("auth.login"))
    # The HTTP cache only: "storage" would also wipe the door tablet's queued taps (kept for whoever tapped them,
    # see attendance.js) and "cookies" a device's own cookies; the service worker drops its boards itself (portal.js).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response


@bp.route("/account/password", methods=["GET", "POST"])
@role_required(*ANY_ROLE)
def change_password():
    """Change one's own password."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        changed = commit_form(
            form, lambda: change_own_password(current_user._get_current_object(), form.current_password.data, form.new_password.data)
        )
        if changed is not None:
            # Every other session has ended; this one carries on under the new version.
            login_user(changed, remember=current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies)
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


@bp.route("/account/text-size", methods=["POST"])
@role_required(*ANY_ROLE)
def set_text_size():
    """Switch one's own pages to large text or back; remembered on the account."""
    form = TextSizeForm()
    if form.validate_on_submit():
        current_user.large_text = form.size.data == "large"
        db.session.commit()
    return redirect(safe_next(request.form.get("next")) or url_for("main.index"))
