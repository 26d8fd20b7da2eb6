"""How far an actor sees the district's desks, for pendency, reminders and tasks:

- staff: their own desks;
- a section officer: the posts of their sections;
- officers and office admins: their office; the officers of the district headquarters
  (collectorate and Vikas Bhawan: the DM, CDO, ADMs) and the district admin: the district.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import contains_eager, selectinload

from eoffice.org.models import Office, OfficeKind, Post, PostHolding, Role
from eoffice.platform.extensions import db
from eoffice.platform.sql import among
from eoffice.policy import Actor

HEADQUARTERS = (OfficeKind.COLLECTORATE, OfficeKind.DEVELOPMENT)


def scope_name(actor: Actor) -> str:
    """'desk', 'section', 'office' or 'district': how far the viewer sees."""
    role = actor.role
    if role == Role.DISTRICT_ADMIN:
        return "district"
    if role == Role.OFFICER and actor.user.office.kind in HEADQUARTERS:
        return "district"
    if role in (Role.OFFICER, Role.OFFICE_ADMIN):
        return "office"
    if role == Role.SECTION_OFFICER:
        return "section"
    return "desk"


def _scope_query(actor: Actor, q):
    scope = scope_name(actor)
    q = q.join(Office, Office.id == Post.office_id).where(Post.is_active)
    if scope == "district":
        return q.where(Office.district_id == actor.user.office.district_id)
    if scope == "office":
        return q.where(Post.office_id == actor.office_id)
    mine = actor.post_ids or [0]
    if scope == "section":
        sections = select(Post.section_id).where(Post.id.in_(mine), Post.section_id.is_not(None))
        return q.where(Post.section_id.in_(sections) | Post.id.in_(mine))
    return q.where(Post.id.in_(mine))


ORDER = (Post.office_id, Post.section_id, Post.rank, Post.id)


def scope_post_ids(actor: Actor) -> list[int]:
    """The ids of the active posts whose pendency the viewer may see (a district: thousands,
    so ids only; the posts themselves are loaded for the lines shown)."""
    if "scope_post_ids" not in actor.memo:
        actor.memo["scope_post_ids"] = list(
            db.session.scalars(_scope_query(actor, select(Post.id)).order_by(*ORDER))
        )
    return actor.memo["scope_post_ids"]


def scope_posts(actor: Actor) -> list[Post]:
    """The active posts whose pendency the viewer may see, as objects (with office, section)."""
    q = _scope_query(actor, select(Post)).options(
        contains_eager(Post.office), selectinload(Post.section)
    )
    return list(db.session.scalars(q.order_by(*ORDER)))


def load_posts(ids: list[int], *, holders: bool = False) -> dict[int, Post]:
    """Posts by id in one query, with office and section (and current holders)."""
    opts = [selectinload(Post.office), selectinload(Post.section)]
    if holders:
        opts.append(selectinload(Post.holdings).selectinload(PostHolding.user))
    if not ids:
        return {}
    return {
        p.id: p for p in db.session.scalars(select(Post).where(among(Post.id, ids)).options(*opts))
    }
