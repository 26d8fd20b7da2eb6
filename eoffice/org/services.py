"""The signed-in user's current charge (post) and office."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import g, request, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice import audit
from eoffice.access import rule_for
from eoffice.extensions import db
from eoffice.org.models import Delegation, Office, Post, PostHolding, Role, Section, User


@dataclass(frozen=True)
class Charge:
    """A post the user may act for now: held (regular or additional) or delegated."""

    post: Post
    is_additional: bool = False
    delegation: Delegation | None = None


def today() -> date:
    return date.today()


def active_delegations(*, user_id: int | None = None, post_id: int | None = None):
    q = select(Delegation).where(
        Delegation.revoked_at.is_(None),
        Delegation.starts_on <= today(),
        Delegation.ends_on >= today(),
    )
    if user_id is not None:
        q = q.where(Delegation.delegate_id == user_id)
    if post_id is not None:
        q = q.where(Delegation.post_id == post_id)
    return list(db.session.scalars(q.order_by(Delegation.id)))


def charges_of(user: User) -> list[Charge]:
    held = [Charge(h.post, h.is_additional) for h in user.current_holdings]
    held_ids = {c.post.id for c in held}
    delegated = [
        Charge(d.post, delegation=d)
        for d in active_delegations(user_id=user.id)
        if d.post_id not in held_ids
    ]
    return held + delegated


def charges() -> list[Charge]:
    """The signed-in user's charges, computed once per request."""
    if "charges" not in g:
        g.charges = charges_of(current_user) if current_user.is_authenticated else []
    return g.charges


def my_post_ids() -> list[int]:
    return [c.post.id for c in charges()]


def load_current_post() -> None:
    """before_request: set g.post and g.office from the session's chosen charge."""
    g.post = None
    g.office = None
    g.delegation = None
    rule = rule_for(request.endpoint)
    if rule is None or rule.sessionless or not current_user.is_authenticated:
        return
    mine = charges()
    chosen = session.get("post_id")
    charge = next((c for c in mine if c.post.id == chosen), mine[0] if mine else None)
    if charge is not None:
        g.post = charge.post
        g.office = charge.post.office
        g.delegation = charge.delegation
    else:
        g.office = current_user.office


def charge_for(post_id: int) -> Charge | None:
    return next((c for c in charges() if c.post.id == post_id), None)


def is_vacant(post: Post) -> bool:
    """Nobody holds the post and nobody acts for it under a delegation."""
    return not post.current_holders and not active_delegations(post_id=post.id)


def switch_post(post_id: int) -> bool:
    """Make one of the user's own current charges the active one."""
    if charge_for(post_id) is not None:
        session["post_id"] = post_id
        audit.record("switch_post", user_id=current_user.id, post_id=post_id)
        return True
    return False


def visible_offices() -> list[Office]:
    """District admins see every office of the district; others see their own."""
    if current_user.role == Role.DISTRICT_ADMIN:
        return list(
            db.session.scalars(
                select(Office).where(Office.district_id == g.office.district_id).order_by(Office.id)
            )
        )
    return [g.office]


def office_directory(office: Office) -> tuple[list[Post], list[tuple[Section, list[Post]]]]:
    """(head-of-office posts, [(section, its posts)]), with current holders loaded."""
    posts = db.session.scalars(
        select(Post)
        .where(Post.office_id == office.id, Post.is_active)
        .options(selectinload(Post.holdings).selectinload(PostHolding.user))
        .order_by(Post.rank, Post.id)
    ).all()
    heads = [p for p in posts if p.section_id is None]
    sections = [(s, [p for p in posts if p.section_id == s.id]) for s in office.sections]
    return heads, sections
