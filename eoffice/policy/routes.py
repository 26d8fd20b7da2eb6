"""Who may use each route. Every view declares a rule; a view without one is refused.

    @bp.get("/login")
    @public
    def login(): ...

    @bp.get("/office")
    @roles(Role.OFFICE_ADMIN, Role.DISTRICT_ADMIN)
    def office(): ...

`eoffice.auth.gate.enforce` applies them before every request (registered by create_app), so a
forgotten rule fails closed, and `tests/test_access.py` walks the URL map to catch it before it
ships.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from flask import current_app, request
from flask.sessions import SecureCookieSessionInterface

from eoffice.policy.roles import Role

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
