"""The signed-in user's current charge (post) and office."""

from __future__ import annotations

from flask import g, request, session
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice import audit
from eoffice.access import rule_for
from eoffice.extensions import db
from eoffice.org.models import Office, Post, PostHolding, Role, Section


def load_current_post() -> None:
    """before_request: set g.post and g.office from the session's chosen charge."""
    g.post = None
    g.office = None
    rule = rule_for(request.endpoint)
    if rule is None or rule.sessionless or not current_user.is_authenticated:
        return
    holdings = current_user.current_holdings
    chosen = session.get("post_id")
    holding = next((h for h in holdings if h.post_id == chosen), holdings[0] if holdings else None)
    if holding is not None:
        g.post = holding.post
        g.office = holding.post.office
    else:
        g.office = current_user.office


def switch_post(post_id: int) -> bool:
    """Make one of the user's own current charges the active one."""
    if any(h.post_id == post_id for h in current_user.current_holdings):
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
