"""The actor of this request: built once, before the view runs, from the signed-in user and
the post chosen in the header. Views (and templates) read it here and hand it to services;
nothing below the views reads the request, the session or `g`."""

from __future__ import annotations

from flask import abort, g, request, session
from flask_login import current_user

from eoffice.org.services import actor_for
from eoffice.platform.extensions import db
from eoffice.policy import can_open
from eoffice.policy.actor import Actor, Charge
from eoffice.policy.routes import rule_for


def load_actor() -> None:
    """before_request: g.actor, and g.post / g.office for the views and templates."""
    rule = rule_for(request.endpoint)
    if rule is None or rule.sessionless or not current_user.is_authenticated:
        g.actor = Actor(user=None)
    else:
        g.actor = actor_for(current_user._get_current_object(), session.get("post_id"))
    g.post, g.office = g.actor.post, g.actor.office


def current_actor() -> Actor:
    """The request's actor (built on first use where no before_request ran: an error page)."""
    if "actor" not in g:
        user = current_user._get_current_object() if current_user.is_authenticated else None
        g.actor = actor_for(user, session.get("post_id"))
    return g.actor


def charges() -> list[Charge]:
    return current_actor().charges


def open_or_404(model, item_id: int):
    """The item if the actor may open it; 404 otherwise (not 403: do not confirm it exists)."""
    item = db.session.get(model, item_id)
    if item is None or not can_open(current_actor(), item):
        abort(404)
    return item


def may(endpoint: str) -> bool:
    """May the request's actor use this route (its rule in policy.routes)? What templates ask
    before showing a link, instead of copying the route's role list."""
    rule = rule_for(endpoint)
    if rule is None:
        return False
    if rule.kind == "public":
        return True
    a = current_actor()
    if not a.is_authenticated:
        return False
    return rule.kind == "login" or str(a.role) in rule.allowed
