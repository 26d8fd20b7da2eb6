import time

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from eoffice.auth import services
from eoffice.auth.forms import ChangePasswordForm, LoginForm
from eoffice.platform import audit
from eoffice.platform.extensions import db
from eoffice.policy.routes import login_required, login_required_any_state, public
from eoffice.web.hostile import db_int
from eoffice.web.htmx import redirect_to
from eoffice.web.i18n import remember_language
from eoffice.web.urls import safe_next

bp = Blueprint("auth", __name__)


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
        token = None
        if result.user is not None:
            token = services.start_session(
                result.user, request.remote_addr or "", request.user_agent.string or ""
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
            session["sid"] = token  # the server's row decides whether this cookie still signs in
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
    services.end_session(session.get("sid"), "logout")
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
            services.change_password(
                current_user, form.new_password.data, keep_session=session.get("sid")
            )
            db.session.commit()
            flash(
                _("Your password has been changed. You are signed out everywhere else."), "success"
            )
            return redirect(url_for("org.home"))
    status = 400 if form.errors else 200
    return render_template("auth/change_password.html", form=form), status


@bp.get("/me/sessions")
@login_required
def sessions():
    me = services.token_digest(session.get("sid") or "")
    return render_template(
        "auth/sessions.html", sessions=services.live_sessions(current_user.id), me=me
    )


@bp.post("/me/sessions/end")
@login_required
def end_sessions():
    """End one other session (`session` = its id), or all others (no id)."""
    session_id = request.form.get("session", type=db_int)
    if session_id is not None:
        ended = services.end_own_session(current_user.id, session_id)
    else:
        ended = services.end_sessions(current_user.id, "user", keep=session.get("sid"))
    audit.record(
        "end_sessions", user_id=current_user.id, object_type="user", object_id=current_user.id
    )
    db.session.commit()
    flash(_("Sessions ended: %(n)d.", n=int(ended)), "success")
    return redirect_to(url_for("auth.sessions"))
