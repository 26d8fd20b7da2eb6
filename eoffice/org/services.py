"""The signed-in user's current charge (post) and office."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

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
    if user.delegated_today is False:
        return held  # read with the user: none today (most users, most requests)
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
    """Nobody active holds the post and nobody active acts for it under a delegation."""
    return not post.current_holders and not any(
        d.delegate.is_enabled for d in active_delegations(post_id=post.id)
    )


def who_to_ask(post: Post) -> list[User]:
    """Whom a sender asks to fill a vacant post: its office's admins, else the district's."""
    in_district = select(Office.id).where(Office.district_id == post.office.district_id)
    for role, where in (
        (Role.OFFICE_ADMIN, User.office_id == post.office_id),
        (Role.DISTRICT_ADMIN, User.office_id.in_(in_district)),
    ):
        found = list(
            db.session.scalars(
                select(User)
                .where(where, User.role == role, User.is_enabled)
                .order_by(User.name_hi)
                .limit(3)
            )
        )
        if found:
            return found
    return []


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


def delegate_choices(actor: Actor, post: Post, q: str = "", *, limit: int = 100) -> list[User]:
    """Active users of the district found by a few letters (all of them, up to `limit`, before
    any search), other than the actor."""
    found = find_people(post.office.district_id, q, limit=limit + 1)
    return [u for u in found if u.id != actor.id][:limit]


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
            # each row names the delegate by User.label (their posts): loaded with the rows
            .options(
                joinedload(Delegation.post),
                joinedload(Delegation.delegate)
                .selectinload(User.holdings)
                .joinedload(PostHolding.post),
            )
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


def transfer_choices(actor: Actor, post: Post, q: str = "", *, limit: int = 100) -> list[User]:
    """Who may be made the post's holder, found by a few letters: an office admin chooses among
    the office's own people; the district admin among the district's."""
    office_id = None if actor.role == Role.DISTRICT_ADMIN else post.office_id
    found = find_people(post.office.district_id, q, office_id=office_id, limit=limit + 1)
    return [u for u in found if u.id != actor.id][:limit]


def may_hold(actor: Actor, post: Post, user: User | None) -> bool:
    """May this admin make `user` the post's holder (whoever a search would have found)?"""
    return (
        user is not None
        and user.is_enabled
        and user.id != actor.id
        and user.office.district_id == post.office.district_id
        and (actor.role == Role.DISTRICT_ADMIN or user.office_id == post.office_id)
    )


def take_charge(
    actor: Actor, user: User, post: Post, on: date | None = None, *, additional: bool = False
) -> tuple[PostHolding, list[PostHolding]]:
    """`user` takes charge of `post` on `on` (today, or a day already past): one action, one
    date. A regular charge is a transfer: the regular post the user held ends that day (its
    files and receipts stay with it, for its next holder); a post of another office of the
    district moves the user there, and every charge of the old office ends. An additional
    charge (अतिरिक्त प्रभार) is given and withdrawn explicitly and leaves the rest as it is.
    Returns (the new charge, the charges ended). Raises Refused(code, **details)."""
    on = on or today()
    if not user.is_enabled:
        raise Refused("user_disabled")
    if not post.is_active or post.office.closed_at is not None:
        raise Refused("post_unknown")
    if post.office.district_id != user.office.district_id:
        raise Refused("other_district")
    if on > today():
        raise Refused("date_future")
    current = user.current_holdings
    if any(h.post_id == post.id for h in current):
        raise Refused("holds_already")
    live = [h for h in post.holdings if h.until is None]
    if not additional and any(not h.is_additional and h.user.is_enabled for h in live):
        raise Refused("post_held", holder=", ".join(u.name for u in post.current_holders))
    moving = post.office_id != user.office_id
    if moving and additional:
        raise Refused("additional_other_office")
    ending = [h for h in current if moving or (not additional and not h.is_additional)]
    for h in ending:
        if on < h.since:
            raise Refused("date_before", since=h.since.strftime("%d-%m-%Y"))
        h.until = on
    for h in live:  # a deactivated user's charge left over from before: it ends now
        if not h.user.is_enabled:
            h.until = max(today(), h.since)
    old_office = user.office_id
    if moving:
        user.office_id = post.office_id
    holding = PostHolding(user_id=user.id, post_id=post.id, is_additional=additional, since=on)
    db.session.add(holding)
    db.session.flush()
    audit.record(
        "transfer" if ending and not additional else "join",
        user_id=actor.id,
        post_id=post.id,
        object_type="user",
        object_id=user.id,
        joined_id=user.id,
        on=on.isoformat(),
        additional=additional,
        ended_post_ids=[h.post_id for h in ending],
        **({"from_office_id": old_office, "to_office_id": post.office_id} if moving else {}),
    )
    db.session.expire(post, ["holdings"])
    db.session.expire(user, ["holdings"])
    return holding, ending


def find_people(district_id: int, q: str, *, office_id: int | None = None, limit: int = 50):
    """Enabled users of the district (or of one office) whose name, login ID, employee ID or
    mobile contains `q`: the server-side search of every long list of people."""
    query = (
        select(User)
        .join(Office, Office.id == User.office_id)
        .where(Office.district_id == district_id, User.is_enabled)
        .options(selectinload(User.holdings).joinedload(PostHolding.post))
        .order_by(User.name_hi, User.login_id)
        .limit(limit)
    )
    if office_id is not None:
        query = query.where(User.office_id == office_id)
    if q.strip():
        query = query.where(person_matches(q))
    return list(db.session.scalars(query))


def person_matches(q: str):
    """The where clause of a search for people: a few letters of the name (Hindi or English),
    login ID, employee ID or mobile."""
    pattern = f"%{q.strip()}%"
    return or_(
        User.name_hi.ilike(pattern),
        User.name_en.ilike(pattern),
        User.login_id.ilike(pattern),
        User.employee_id.ilike(pattern),
        User.mobile.ilike(pattern),
    )


def find_posts(office_ids: list[int], q: str, *, limit: int = 50) -> list[Post]:
    """Active posts of these offices whose designation, abbreviation or office name has `q`."""
    pattern = f"%{q.strip()}%"
    query = (
        select(Post)
        .join(Office, Office.id == Post.office_id)
        .where(Post.office_id.in_(office_ids), Post.is_active, Office.closed_at.is_(None))
        .options(
            contains_eager(Post.office), selectinload(Post.holdings).joinedload(PostHolding.user)
        )
        .order_by(Post.office_id, Post.rank, Post.id)
        .limit(limit)
    )
    if q.strip():
        query = query.where(
            Post.designation_hi.ilike(pattern)
            | Post.designation_en.ilike(pattern)
            | Post.abbreviation.ilike(pattern)
            | Office.name_hi.ilike(pattern)
            | Office.name_en.ilike(pattern)
        )
    return list(db.session.scalars(query))


def transfer(actor: Actor, post: Post, successor: User | None) -> None:
    """Relieve the post's regular holder and, if given, let the successor join it. The files
    and receipts stay with the post, so the successor finds them in the inbox. Both are told
    (email, when the office sends email)."""
    from eoffice.platform.jobs import enqueue

    if successor is not None and not may_hold(actor, post, successor):
        raise Refused("other_office")
    relieved = []
    for h in post.holdings:
        if h.until is None and successor is not None and h.user_id == successor.id:
            h.until = today()  # their additional charge of it becomes the regular one
        elif h.until is None and not h.is_additional:
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
    db.session.expire(post, ["holdings"])
    if successor is not None:  # a transfer for them: their own regular post ends today
        db.session.expire(successor, ["holdings"])
        take_charge(actor, successor, post)
