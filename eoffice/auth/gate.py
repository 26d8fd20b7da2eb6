"""The gate every request passes (a before_request registered by create_app): the route's
declared rule (eoffice/policy/routes.py), the session's idle expiry, a forced password change."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from eoffice.auth.services import end_session, touch_session
from eoffice.platform.extensions import db
from eoffice.platform.kept import Kept
from eoffice.policy.routes import rule_for
from eoffice.web.htmx import is_htmx


def _to_login():
    # After a login, come back to the page the user was on (a POST comes back to its form).
    target = request.full_path if request.method == "GET" else request.path
    url = url_for("auth.login", next=target.rstrip("?"))
    if is_htmx():
        resp = current_app.response_class(status=401)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)


#: per process: when each live session's token was last touched in the database
_TOUCHED = Kept(10_000)


def _session_expired() -> bool:
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    now = int(time.time())
    seen = session.get("seen", 0)
    if now - seen > idle:
        return True
    if now - seen > 60:  # touching the cookie on every request would cost bytes on 2G
        session["seen"] = now
        sid = session.get("sid")
        # "last active" on the sessions page: its own short transaction, at most once a minute
        # per session and process even when the cookie comes back unchanged (requests already
        # on their way, a client that does not keep cookies: not a write on every request)
        if sid and now - _TOUCHED.get(sid, 0) > 60:
            touch_session(sid)
            db.session.commit()
            _TOUCHED.keep(sid, now)
    return False


def enforce():
    """before_request: apply the endpoint's rule, session idle expiry, forced password change."""
    if request.endpoint is None:  # no route matched: let the 404 handler answer
        return None
    rule = rule_for(request.endpoint)
    if rule is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)
    if rule.sessionless:
        return None

    if current_user.is_authenticated and _session_expired():
        end_session(session.get("sid"), "idle")
        db.session.commit()
        logout_user()
        session.clear()
        flash(
            _("Your session expired after a period of inactivity. Please log in again."), "warning"
        )
        if rule.kind != "public":
            return _to_login()

    if rule.kind == "public":
        return None
    if not current_user.is_authenticated:
        if not session.get("_flashes"):
            flash(_("Please log in to continue."), "info")
        return _to_login()
    if current_user.must_change_password and not rule.during_password_change:
        return redirect(url_for("auth.change_password"))
    if rule.kind == "roles" and current_user.role not in rule.allowed:
        abort(403)
    return None
