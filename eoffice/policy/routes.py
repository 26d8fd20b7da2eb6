"""Who may use each route. Every view declares a rule; a view without one is refused.

    @bp.get("/login")
    @public
    def login(): ...

    @bp.get("/office")
    @roles(Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN)
    def office(): ...

`enforce` runs before every request (registered by create_app), so a forgotten rule fails
closed, and `tests/test_access.py` walks the URL map to catch it before it ships.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from eoffice.org.models import Role
from eoffice.platform.extensions import db
from eoffice.web.htmx import is_htmx

F = TypeVar("F", bound=Callable)


@dataclass(frozen=True)
class Rule:
    #: public (anyone), login (any signed-in user), roles (signed-in with one of `allowed`)
    kind: str
    allowed: frozenset[str] = field(default_factory=frozenset)
    #: May a user who must still change the password use it? (the change form, logout)
    during_password_change: bool = False
    #: Never touch the session (static files): a response that reads the session carries
    #: `Vary: Cookie`, and the browser's cache would refetch it after every login on 2G.
    sessionless: bool = False

    def describe(self) -> str:
        return self.kind if self.kind != "roles" else "roles:" + ",".join(sorted(self.allowed))


def _declare(rule: Rule) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


public = _declare(Rule("public"))
#: Public, cacheable, and the session is never read (hashed static files).
public_static = _declare(Rule("public", sessionless=True))
login_required = _declare(Rule("login"))
#: Any signed-in user, even one who must change the password first.
login_required_any_state = _declare(Rule("login", during_password_change=True))


def roles(*allowed: Role) -> Callable[[F], F]:
    return _declare(Rule("roles", frozenset(str(r) for r in allowed)))


def rule_for(endpoint: str | None) -> Rule | None:
    view = current_app.view_functions.get(endpoint or "")
    return getattr(view, "access_rule", None)


def _to_login():
    # After a login, come back to the page the user was on (a POST comes back to its form).
    target = request.full_path if request.method == "GET" else request.path
    url = url_for("auth.login", next=target.rstrip("?"))
    if is_htmx():
        resp = current_app.response_class(status=401)
        resp.headers["HX-Redirect"] = url
        return resp
    return redirect(url)


def _session_expired() -> bool:
    idle = current_app.config["SESSION_IDLE_MINUTES"] * 60
    now = int(time.time())
    seen = session.get("seen", 0)
    if now - seen > idle:
        return True
    if now - seen > 60:  # touching the cookie on every request would cost bytes on 2G
        session["seen"] = now
        from eoffice.auth.services import touch_session

        if session.get("sid"):  # "last active" on the sessions page: its own short transaction
            touch_session(session["sid"])
            db.session.commit()
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
        from eoffice.auth.services import end_session

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


class SessionInterface(SecureCookieSessionInterface):
    """Flask's cookie session, except that sessionless routes never save it: extensions
    (Flask-Login's remember-cookie hook) read the session on every response, and Flask then adds
    `Vary: Cookie`, which makes browsers refetch a year-cached file after every login."""

    def save_session(self, app, session, response):
        if request.endpoint:
            rule = rule_for(request.endpoint)
            if rule is not None and rule.sessionless:
                return None
        return super().save_session(app, session, response)
