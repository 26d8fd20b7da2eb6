"""The signed-in user's current charge (post) and office."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eoffice.org.models import Delegation, Office, Post, PostHolding, Role, Section, User
from eoffice.platform import audit
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy.actor import Actor, Charge


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


def actor_for(user: User | None, post_id: int | None = None) -> Actor:
    """The actor for `user` acting for `post_id` (one of their charges; else their first, else
    none, and then their own office). A request builds it once (org.current); a job from the
    user id it was given."""
    if user is None:
        return Actor(user=None)
    mine = charges_of(user)
    charge = next((c for c in mine if c.post.id == post_id), mine[0] if mine else None)
    if charge is not None:
        return Actor(user=user, charges=mine, post=charge.post, office=charge.post.office)
    return Actor(user=user, charges=mine, post=None, office=user.office)


def is_vacant(post: Post) -> bool:
    """Nobody holds the post and nobody acts for it under a delegation."""
    return not post.current_holders and not active_delegations(post_id=post.id)


def switch_post(actor: Actor, post_id: int) -> bool:
    """May the actor act for this post (one of their own current charges)? Recorded; the view
    keeps the choice in the session."""
    if actor.charge_for(post_id) is not None:
        audit.record("switch_post", user_id=actor.id, post_id=post_id)
        return True
    return False


def visible_offices(actor: Actor) -> list[Office]:
    """District admins see every office of the district; others see their own."""
    if actor.role == Role.DISTRICT_ADMIN:
        return list(
            db.session.scalars(
                select(Office)
                .where(Office.district_id == actor.office.district_id)
                .order_by(Office.id)
            )
        )
    return [actor.office]


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


# --- delegation and transfer -------------------------------------------------------------

#: The longest a delegation may run (leave rarely exceeds this; a longer absence is a transfer).
MAX_DELEGATION_DAYS = 180


def delegable_posts(actor: Actor) -> list[Post]:
    """Posts the user may delegate: those held as a regular charge."""
    return [h.post for h in actor.user.current_holdings if not h.is_additional]


def delegate_choices(actor: Actor, post: Post) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(
                User.office_id.in_(
                    select(Office.id).where(Office.district_id == post.office.district_id)
                ),
                User.is_enabled,
                User.id != actor.id,
            )
            .order_by(User.office_id != post.office_id, User.name_hi)
        )
    )


def delegate(
    actor: Actor,
    post: Post,
    delegate_user: User,
    starts_on: date,
    ends_on: date,
    reason: str | None,
):
    if post not in delegable_posts(actor):
        raise Refused("not_your_post")
    if delegate_user.id == actor.id:
        raise Refused("self")
    if not delegate_user.is_enabled or delegate_user.office.district_id != post.office.district_id:
        raise Refused("other_district")
    if starts_on < today():
        raise Refused("past")
    if ends_on < starts_on:
        raise Refused("order")
    if (ends_on - starts_on).days > MAX_DELEGATION_DAYS:
        raise Refused("too_long")
    overlapping = db.session.scalar(
        select(Delegation.id).where(
            Delegation.post_id == post.id,
            Delegation.revoked_at.is_(None),
            Delegation.starts_on <= ends_on,
            Delegation.ends_on >= starts_on,
        )
    )
    if overlapping:
        raise Refused("overlap")
    d = Delegation(
        post_id=post.id,
        delegate_id=delegate_user.id,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason,
        created_by_id=actor.id,
    )
    db.session.add(d)
    db.session.flush()
    audit.record(
        "delegate",
        user_id=actor.id,
        post_id=post.id,
        object_type="delegation",
        object_id=d.id,
        delegate_id=delegate_user.id,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    return d


def my_delegations(actor: Actor) -> list[Delegation]:
    """Delegations I gave (of my posts) or received, newest first."""
    mine = [p.id for p in delegable_posts(actor)] or [0]
    return list(
        db.session.scalars(
            select(Delegation)
            .where((Delegation.post_id.in_(mine)) | (Delegation.delegate_id == actor.id))
            .order_by(Delegation.id.desc())
            .limit(50)
        )
    )


def revoke(actor: Actor, d: Delegation) -> None:
    if d.post not in delegable_posts(actor) and d.delegate_id != actor.id:
        raise Refused("not_your_post")
    if d.revoked_at is None:
        d.revoked_at = datetime.now(UTC)
        db.session.flush()
        audit.record(
            "revoke_delegation",
            user_id=actor.id,
            post_id=d.post_id,
            object_type="delegation",
            object_id=d.id,
        )


def transfer_choices(actor: Actor, post: Post) -> list[User]:
    """Who may be made the post's holder: an office admin chooses among the office's own
    people; the district admin among the district's."""
    if actor.role == Role.DISTRICT_ADMIN:
        return delegate_choices(actor, post)
    return [u for u in delegate_choices(actor, post) if u.office_id == post.office_id]


def transfer(actor: Actor, post: Post, successor: User | None) -> None:
    """Relieve the post's regular holder and, if given, let the successor join it. The files
    and receipts stay with the post, so the successor finds them in the inbox. Both are told
    (email, when the office sends email)."""
    from eoffice.platform.jobs import enqueue

    if successor is not None and successor not in transfer_choices(actor, post):
        raise Refused("other_office")
    relieved = []
    for h in post.holdings:
        if h.until is None and not h.is_additional:
            h.until = today()
            relieved.append(h.user_id)
            audit.record("relieve", user_id=actor.id, post_id=post.id, relieved_id=h.user_id)
    db.session.flush()
    enqueue(
        "notify_charge",
        "mail",
        post_id=post.id,
        relieved=relieved,
        joined=successor.id if successor else None,
    )
    if successor is not None:
        db.session.add(PostHolding(user_id=successor.id, post_id=post.id, since=today()))
        db.session.flush()
        audit.record("join", user_id=actor.id, post_id=post.id, joined_id=successor.id)
    db.session.expire(post, ["holdings"])
