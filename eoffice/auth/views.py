import time
from urllib.parse import unquote, urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from eoffice import audit
from eoffice.access import login_required_any_state, public
from eoffice.auth import services
from eoffice.auth.forms import ChangePasswordForm, LoginForm
from eoffice.extensions import db
from eoffice.i18n import remember_language

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect). Browsers drop tabs and
    newlines inside a URL and read a backslash as a slash, so "/\t/evil.example" is
    "//evil.example" to them: any control character, space or backslash refuses the target."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    for form in (target, unquote(target)):  # and once more decoded, as some proxies do
        if any(c <= " " or c in "\\\x7f" for c in form) or form.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("org.home"))
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(
            form.login_id.data, form.password.data, request.remote_addr or ""
        )
        db.session.commit()
        if result.outcome == "throttled":
            flash(
                _(
                    "Too many failed attempts. Try again after %(minutes)s minutes.",
                    minutes=result.wait_minutes,
                ),
                "error",
            )
        elif result.user is None:
            flash(_("The login ID or password is not correct."), "error")
        else:
            session.clear()  # a fresh session (and CSRF token) for the signed-in user
            login_user(result.user)
            session["seen"] = int(time.time())
            if result.user.must_change_password:
                flash(_("Please set a new password before you continue."), "info")
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next")) or url_for("org.home"))
        status = 429 if result.outcome == "throttled" else 401
        return render_template("auth/login.html", form=form), status
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required_any_state
def logout():
    audit.record("logout", user_id=current_user.id, object_type="user", object_id=current_user.id)
    db.session.commit()
    locale = current_user.locale
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
    resp = redirect(url_for("auth.login"))
    if locale:  # the login page stays in the language the user chose
        remember_language(resp, locale)
    return resp


@bp.route("/password", methods=["GET", "POST"])
@login_required_any_state
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        if not services.check_password(current_user, form.current_password.data):
            form.current_password.errors.append(_("The current password is not correct."))
        else:
            services.change_password(current_user, form.new_password.data)
            db.session.commit()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("org.home"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status
