"""Sending, pulling back and opening files and receipts; inboxes; the track; time limits.

Services flush and never commit: the view commits once. Every change to an item's holder
happens with the item's row locked (SELECT … FOR UPDATE), so of many simultaneous sends of
one item exactly one wins; the others find it moved and are told so.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from functools import cached_property

from flask import current_app
from sqlalchemy import (
    case,
    exists,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.orm import aliased, contains_eager, joinedload, selectinload

from eoffice.files.models import File
from eoffice.files.services import is_filed
from eoffice.movement.models import Holiday, Movement, MovementCopy, RouteTemplate, TimeLimit
from eoffice.org.models import Office, Post, PostHolding, User
from eoffice.org.services import is_vacant, who_to_ask
from eoffice.platform import audit, events, jobs
from eoffice.platform.clock import local_date, today, zone
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, lock_row
from eoffice.policy import Actor, openable
from eoffice.receipts.models import Receipt

Item = File | Receipt
KINDS = {"file": File, "receipt": Receipt}
PAGE_SIZE = 25
#: Days pending: up to FRESH is green, up to AGEING amber, beyond it red.
FRESH, AGEING = 2, 6
PRIORITY_ORDER = {"most_immediate": 0, "immediate": 1, "normal": 2}


def now() -> datetime:
    return datetime.now(UTC)


def _item_filter(item: Item):
    return item.named_by(Movement)


def last_movement(item: Item) -> Movement | None:
    return db.session.get(Movement, item.last_movement_id) if item.last_movement_id else None


# --- working days and time limits ------------------------------------------------------


def holidays(office: Office, start: date, end: date) -> set[date]:
    return set(
        db.session.scalars(
            select(Holiday.on).where(
                Holiday.district_id == office.district_id,
                or_(Holiday.office_id.is_(None), Holiday.office_id == office.id),
                Holiday.on.between(start, end),
            )
        )
    )


def is_working_day(day: date, off: set[date]) -> bool:
    return day.weekday() != 6 and day not in off  # Sundays and the calendar's holidays


def add_working_days(office: Office, start: date, days: int) -> date:
    """The date `days` working days after `start` (Sundays and holidays do not count)."""
    off = holidays(office, start, start + timedelta(days=days * 2 + 30))
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day, off):
            days -= 1
    return day


def working_days_between(office: Office, start: date, end: date) -> int:
    if end <= start:
        return 0
    off = holidays(office, start, end)
    return sum(
        1 for i in range(1, (end - start).days + 1) if is_working_day(start + timedelta(i), off)
    )


def time_limit(office_id: int, category_id: int | None, priority: str) -> int | None:
    """Working days for a hop: the category's own limit, else the office's for the priority."""
    rows = db.session.execute(
        select(TimeLimit.category_id, TimeLimit.working_days).where(
            TimeLimit.office_id == office_id,
            TimeLimit.priority == priority,
            or_(TimeLimit.category_id.is_(None), TimeLimit.category_id == category_id),
        )
    ).all()
    own = [d for c, d in rows if c is not None]
    general = [d for c, d in rows if c is None]
    return (own or general or [None])[0]


def default_due(item: Item, to_post: Post, priority: str) -> date | None:
    days = time_limit(to_post.office_id, item.category_id, priority)
    return add_working_days(to_post.office, today(), days) if days is not None else None


# --- recipients ------------------------------------------------------------------------


def _sendable_posts(actor: Actor):
    """Active posts of the user's district other than the user's own, own office first."""
    office = actor.user.office
    return (
        select(Post)
        .join(Office, Office.id == Post.office_id)
        .where(
            Office.district_id == office.district_id,
            Post.is_active,
            Post.id.not_in(actor.post_ids or [0]),
        )
        .order_by(case((Post.office_id == office.id, 0), else_=1), Post.office_id, Post.rank)
        # the labels show each post's office and holders: loaded with the rows, not one
        # query per post (250 of them on the send form, and on every keystroke of its search)
        .options(
            contains_eager(Post.office),
            selectinload(Post.holdings).joinedload(PostHolding.user),
        )
    )


def recipients_query(actor: Actor, q: str, *, limit: int = 10):
    """Posts of the district matching a few letters of a name, designation or marking
    abbreviation, in Hindi or roman script."""
    holder = aliased(User)
    pattern = f"%{q.strip()}%"
    holders = (
        select(PostHolding.post_id)
        .join(holder, holder.id == PostHolding.user_id)
        .where(
            PostHolding.until.is_(None),
            or_(holder.name_hi.ilike(pattern), holder.name_en.ilike(pattern)),
        )
    )
    return (
        _sendable_posts(actor)
        .where(
            or_(
                Post.designation_hi.ilike(pattern),
                Post.designation_en.ilike(pattern),
                Post.abbreviation.ilike(pattern),
                # roman initials of the English designation: "adm", "sdm", "bdo", "so"
                func.regexp_replace(func.initcap(Post.designation_en), "[^A-Z]", "", "g").ilike(
                    f"{q.strip()}%"
                ),
                Office.name_hi.ilike(pattern),
                Office.name_en.ilike(pattern),
                Post.id.in_(holders),
            ),
        )
        .limit(limit)
    )


def recipients(actor: Actor, q: str) -> list[Post]:
    if len(q.strip()) < 2:
        return []
    return list(db.session.scalars(recipients_query(actor, q)))


#: the plain select's length: a district of 40 offices has 5,000 posts, 29 KiB of <option>s
MAX_CHOICES = 250


def copy_choices(actor: Actor, q: str, chosen: list[int]) -> list[Post]:
    """Checkboxes for copies: those already ticked, then the posts found by a few letters
    (or, before any search, the officers of the user's own office)."""
    office = actor.user.office
    found = (
        recipients_query(actor, q, limit=12)
        if len(q.strip()) >= 2
        else _sendable_posts(actor).where(Post.office_id == office.id, Post.may_approve).limit(12)
    )
    ticked = (
        list(db.session.scalars(_sendable_posts(actor).where(Post.id.in_(chosen))))
        if chosen
        else []
    )
    seen = {p.id for p in ticked}
    return ticked + [p for p in db.session.scalars(found) if p.id not in seen]


def recipient_choices(actor: Actor, include: list[int] = ()) -> list[Post]:
    """The plain select's list: the user's own office, then the heads (approving posts) of the
    other offices of the district. Anyone else is found by a few letters (htmx, or the Find
    button without JavaScript). `include`: posts already chosen on the submitted form."""
    office = actor.user.office
    wanted = or_(Post.office_id == office.id, Post.may_approve)
    if include:
        wanted = or_(wanted, Post.id.in_(include))
    return list(db.session.scalars(_sendable_posts(actor).where(wanted).limit(MAX_CHOICES)))


def suggested_next(item: Item) -> Post | None:
    """The route template's next post after the current holder, for the item's category."""
    if item.category_id is None:
        return None
    route = db.session.scalar(
        select(RouteTemplate).where(
            RouteTemplate.office_id == item.holder_post.office_id,
            RouteTemplate.category_id == item.category_id,
        )
    )
    if route is None:
        return None
    posts = [s.post for s in route.steps]
    ids = [p.id for p in posts]
    if item.holder_post_id in ids:
        i = ids.index(item.holder_post_id)
        return posts[i + 1] if i + 1 < len(posts) else None
    return posts[0] if posts else None


# --- sending -----------------------------------------------------------------------------


@dataclass
class SendInput:
    to_post: Post
    remarks: str | None
    priority: str
    due_on: date | None
    copies: list[Post]
    #: the item's last_movement_id when the form was drawn (None: never moved)
    expected: int | None
    key: uuid.UUID


def already_sent(key: str | None) -> bool:
    """Did a committed movement come from this form already? (The send itself re-checks under
    a lock; this only spares a resubmitted form the 'not with you' message.)"""
    try:
        value = uuid.UUID(key or "")
    except ValueError:
        return False
    return bool(db.session.scalar(select(exists().where(Movement.idempotency_key == value))))


def _serialise_key(key: uuid.UUID) -> Movement | None:
    advisory_lock(f"move:{key}")
    return db.session.scalar(select(Movement).where(Movement.idempotency_key == key))


def cannot_send(actor: Actor, item: Item, expected: str | None = None) -> str | None:
    """Why the user cannot send this item now (a REFUSED code), or None. `expected` is the
    submitted form's view of the item's last movement: if it has changed, the item moved."""
    if expected is not None and expected != str(item.last_movement_id or ""):
        return "already_moved"
    if actor.charge_for(item.holder_post_id) is None:
        return "not_holder"
    if isinstance(item, Receipt) and is_filed(item):
        return "filed"
    if isinstance(item, File) and item.status == "closed":
        return "closed"
    return None


def vacant(post: Post) -> Refused:
    """A send to a post nobody active holds: the refusal names the post and whom to ask."""
    ask = ", ".join(f"{u.name} ({u.mobile})" if u.mobile else u.name for u in who_to_ask(post))
    return Refused("vacant", post=post.designation, office=post.office.name, ask=ask or "—")


def send(actor: Actor, item: Item, data: SendInput) -> tuple[Movement, bool]:
    """Move the item to `data.to_post`. Returns (movement, False) — or, when this very form
    was already submitted (double click, resubmit on a slow link), (that movement, True)."""
    earlier = _serialise_key(data.key)
    if earlier is not None:
        return earlier, True
    item = lock_row(item)
    if item.last_movement_id != data.expected:
        raise Refused("already_moved")
    refusal = cannot_send(actor, item)
    if refusal is not None:
        raise Refused(refusal)
    charge = actor.charge_for(item.holder_post_id)
    to_post = data.to_post
    if to_post.id in actor.post_ids:
        raise Refused("self")
    if to_post.office.district_id != item.holder_post.office.district_id or not to_post.is_active:
        raise Refused("other_district")
    if is_vacant(to_post):
        raise vacant(to_post)

    moment = end_hop(actor, item)
    movement = Movement(
        item_kind=item.kind_name,
        **item.as_key(),
        from_post_id=item.holder_post_id,
        to_post_id=to_post.id,
        sent_by_id=actor.id,
        delegation_id=charge.delegation.id if charge.delegation else None,
        remarks=data.remarks or None,
        priority=data.priority,
        due_on=data.due_on or default_due(item, to_post, data.priority),
        sent_at=moment,
        idempotency_key=data.key,
    )
    db.session.add(movement)
    db.session.flush()
    for post in {
        p.id: p for p in data.copies if p.id not in (to_post.id, item.holder_post_id)
    }.values():
        db.session.add(MovementCopy(movement_id=movement.id, post_id=post.id))
    item.holder_post_id = to_post.id
    item.held_since = moment
    item.last_movement_id = movement.id
    db.session.flush()
    audit.record_on(
        actor,
        item,
        "send",
        movement.from_post_id,
        movement_id=movement.id,
        to_post_id=to_post.id,
        delegation_id=movement.delegation_id,
        copies=[c.post_id for c in movement.copies],
    )
    if current_app.config.get("SMTP_HOST"):
        jobs.enqueue("notify_movement", "mail", movement_id=movement.id)
    return movement, False


def came_from(item: Item) -> Movement | None:
    """The movement that brought the item to its holder (for "return to sender"), if any."""
    m = db.session.get(Movement, item.last_movement_id) if item.last_movement_id else None
    if m is None or m.to_post_id != item.holder_post_id or m.pulled_back_at is not None:
        return None
    return m


def pull_back(actor: Actor, movement: Movement) -> Item:
    """Take back a sent item that its recipient has not opened yet."""
    item = lock_row(item_of(movement))
    if actor.charge_for(movement.from_post_id) is None:
        raise Refused("not_sender")
    if item.last_movement_id != movement.id or movement.pulled_back_at or movement.acted_at:
        raise Refused("already_moved")
    moment = now()
    done = db.session.execute(
        update(Movement)
        .where(Movement.id == movement.id, Movement.opened_at.is_(None))
        .values(pulled_back_at=moment)
        .returning(Movement.id)
    ).first()
    if done is None:
        raise Refused("opened")
    db.session.refresh(movement)
    item.holder_post_id = movement.from_post_id
    item.held_since = moment
    db.session.flush()
    audit.record_on(actor, item, "pull_back", movement.from_post_id, movement_id=movement.id)
    return item


def record_view(actor: Actor, item: Item) -> None:
    """A look at a file or receipt is in the audit trail; the holder's first look also marks
    the hop opened (after which the sender can no longer pull it back).

    A user's looks at one item within AUDIT_VIEW_MINUTES (config, default 10) are one "view":
    reloads and coming back from a letter or the track are the same look. A look after the
    item moved is always a new view. (Every audit write takes the chain's lock; recording every
    reload made file pages queue behind each other under load.)"""
    since = now() - timedelta(minutes=current_app.config["AUDIT_VIEW_MINUTES"])
    if item.held_since is not None and item.held_since > since:
        since = item.held_since
    seen = db.session.scalar(
        select(audit.AuditEvent.id)
        .where(
            audit.AuditEvent.object_type == item.kind_name,
            audit.AuditEvent.object_id == item.id,
            audit.AuditEvent.at >= since,
            audit.AuditEvent.actor_user_id == actor.id,
            audit.AuditEvent.action == "view",
        )
        .limit(1)
    )
    if seen is None:
        audit.record_on(actor, item, "view", actor.post.id if actor.post is not None else None)
    mark_opened(actor, item)


def mark_opened(actor: Actor, item: Item) -> None:
    """The holder opened the item: the sender can no longer pull it back. A letter that came
    from another office in e-Office (by no movement) is no longer new once its holder opens
    it, and the sending office's register shows it opened."""
    holds = actor.charge_for(item.holder_post_id) is not None
    if holds and isinstance(item, Receipt) and item.from_dispatch_id is not None:
        db.session.execute(
            update(Receipt)
            .where(Receipt.id == item.id, Receipt.e_dak_opened_at.is_(None))
            .values(e_dak_opened_at=now())
        )
    if holds and item.last_movement_id:
        opened = db.session.execute(
            update(Movement)
            .where(
                Movement.id == item.last_movement_id,
                Movement.to_post_id == item.holder_post_id,
                Movement.opened_at.is_(None),
                Movement.pulled_back_at.is_(None),
            )
            .values(opened_at=now(), opened_by_id=actor.id)
            .returning(Movement.id)
        ).first()
        if opened is not None:
            audit.record_on(actor, item, "open", item.holder_post_id, movement_id=opened.id)
    mine = actor.post_ids
    if mine:
        db.session.execute(
            update(MovementCopy)
            .where(
                MovementCopy.post_id.in_(mine),
                MovementCopy.read_at.is_(None),
                MovementCopy.movement_id.in_(select(Movement.id).where(_item_filter(item))),
            )
            .values(read_at=now())
        )


def end_hop(actor: Actor, item: Item) -> datetime:
    """The holder acted on the item (sent it on, filed it): the hop that brought it is over.
    Returns the moment, for the caller's own timestamps."""
    moment = now()
    previous = last_movement(item)
    if (
        previous is not None
        and previous.is_in_flight
        and previous.to_post_id == item.holder_post_id
    ):
        previous.acted_at = moment
        if previous.opened_at is None:
            previous.opened_at = moment
            previous.opened_by_id = actor.id
    return moment


@events.receipt_filed.connect
def _filed(receipt: Receipt, actor: Actor) -> None:
    """A receipt placed in a file (files.services.attach_receipt): the hop that brought it ends."""
    end_hop(actor, receipt)


def item_of(movement: Movement) -> Item:
    return db.session.get(KINDS[movement.item_kind], movement.item_id)


# --- the track -------------------------------------------------------------------------


@dataclass
class Hop:
    movement: Movement
    #: how long the item sat with the recipient (until it moved on or came back), or so far
    held_for: timedelta
    is_current: bool


def _with_rows():
    """What a list of movements shows, loaded with it: one query per relation, not per row."""
    return (
        joinedload(Movement.file),
        joinedload(Movement.receipt),
        joinedload(Movement.from_post),
        # the sent list names who holds the post it went to
        joinedload(Movement.to_post).options(
            joinedload(Post.office), selectinload(Post.holdings).joinedload(PostHolding.user)
        ),
        joinedload(Movement.sent_by),
        joinedload(Movement.delegation),
        selectinload(Movement.copies).joinedload(MovementCopy.post),
    )


def track(item: Item) -> list[Hop]:
    movements = list(
        db.session.scalars(
            select(Movement).where(_item_filter(item)).order_by(Movement.id).options(*_with_rows())
        ).unique()
    )
    hops = []
    moment = now()
    for m in movements:
        end = m.pulled_back_at or m.acted_at
        hops.append(Hop(m, (end or moment) - m.sent_at, end is None))
    return hops


# --- inboxes ---------------------------------------------------------------------------


@dataclass
class Filters:
    kind: str = ""  # "", file, receipt
    priority: str = ""
    overdue: bool = False
    unread: bool = False
    due_today: bool = False
    age: str = ""  # "", "today" or a key of AGE_BANDS
    sort: str = "newest"  # newest, oldest, priority, due
    page: int = 1


#: Pendency by age (the reports and "my work" on the home page): (first day, last day or
#: None, key), days counted by India's calendar since the item reached its desk.
AGE_BANDS = [
    (0, 7, "0-7"),
    (8, 15, "8-15"),
    (16, 30, "16-30"),
    (31, 90, "31-90"),
    (91, None, "90+"),
]


def age_span(key: str) -> tuple[int, int | None] | None:
    """(first day, last day or None) of an age filter: a band's key or "today"."""
    if key == "today":
        return 0, 0
    return next(((lo, hi) for lo, hi, k in AGE_BANDS if k == key), None)


#: a receipt is new while the hop that brought it is unopened; one that came from another
#: office in e-Office (by no movement) while its holder has not opened it
_RECEIPT_UNREAD = """CASE WHEN m.id IS NOT NULL THEN m.opened_at IS NULL
                ELSE r.from_dispatch_id IS NOT NULL AND r.e_dak_opened_at IS NULL END"""
#: who an e-Office arrival is from: the sending post and office
_E_DAK_FROM = "CASE WHEN r.from_dispatch_id IS NOT NULL THEN r.sender_name || ', ' || r.sender_organisation END"


def _hop(item: str, fence: str) -> str:
    """The hop that brought an item to its holder (if it came by a movement) and who sent it,
    as a lateral join. `fence` "OFFSET 0" keeps each lookup a subquery probed by its key: the
    planner then never weighs a merge join for it, and weighing one made it read the ends of
    the movement and post keys' indexes (about 90 buffers) on every plan: the inbox's planning
    fell from 0.72 to 0.45 ms of Postgres time (docs/performance.md). Without the fence the
    subqueries are pulled up into the plain joins the reports plan as before."""
    return f"""LEFT JOIN LATERAL (
        SELECT m.id, m.priority, m.due_on, m.opened_at, m.remarks,
               s.designation_hi AS from_hi, s.designation_en AS from_en
        FROM movement m
        LEFT JOIN LATERAL (SELECT designation_hi, designation_en FROM post s
                           WHERE s.id = m.from_post_id {fence}) s ON true
        WHERE m.id = {item}.last_movement_id AND m.to_post_id = {item}.holder_post_id {fence}
    ) m ON true"""


def _held_sql(fence: str = "") -> str:
    """Items held by some posts: open files and unfiled receipts, with the hop that brought each
    (unread while that hop is unopened). Plain SQL: the inbox and the unread badge run on every
    page, and building this UNION with SQLAlchemy's expression language cost more CPU than
    Postgres spends answering it (bench/README.md, docs/performance.md)."""
    return f"""
    SELECT 'file' AS kind, f.id, f.number, f.subject,
           coalesce(m.priority, f.priority) AS priority, f.grading, m.due_on AS due_on,
           f.held_since AS since, f.holder_post_id,
           (m.id IS NOT NULL AND m.opened_at IS NULL) AS unread, m.remarks,
           m.from_hi, m.from_en
    FROM efile f
    {_hop("f", fence)}
    WHERE f.holder_post_id = ANY(:posts) AND f.status <> 'closed'
    UNION ALL
    SELECT 'receipt', r.id, r.diary_number, r.subject,
           coalesce(m.priority, r.priority), r.grading, coalesce(m.due_on, r.due_on),
           r.held_since, r.holder_post_id,
           {_RECEIPT_UNREAD}, m.remarks,
           coalesce(m.from_hi, {_E_DAK_FROM}), coalesce(m.from_en, {_E_DAK_FROM})
    FROM receipt r
    {_hop("r", fence)}
    WHERE r.holder_post_id = ANY(:posts)
      AND NOT EXISTS (SELECT 1 FROM correspondence c WHERE c.receipt_id = r.id)
"""


#: for the reports, which count a district's held items (plain joins, the planner's choice)
HELD_SQL = _held_sql()
#: for the inbox, one desk's few hundred items: each hop looked up by its key
_HELD = _held_sql("OFFSET 0")

_UNREAD = f"""
    SELECT (SELECT count(*) FROM movement m
            JOIN efile f ON f.id = m.file_id AND f.last_movement_id = m.id
                        AND f.holder_post_id = m.to_post_id
            WHERE m.to_post_id = ANY(:posts) AND m.opened_at IS NULL AND f.status <> 'closed')
         + (SELECT count(*) FROM receipt r
            LEFT JOIN movement m ON m.id = r.last_movement_id AND m.to_post_id = r.holder_post_id
            WHERE r.holder_post_id = ANY(:posts) AND {_RECEIPT_UNREAD}
              AND NOT EXISTS (SELECT 1 FROM correspondence c WHERE c.receipt_id = r.id))
"""

_PRIORITY_RANK = (
    "CASE priority WHEN 'most_immediate' THEN 0 WHEN 'immediate' THEN 1 "
    "WHEN 'normal' THEN 2 ELSE 3 END"
)
#: the unseen reminders of the posts (the inbox tabs show it): counted with the inbox's page
_REMINDERS = "SELECT count(*) FROM reminder WHERE to_post_id = ANY(:posts) AND seen_at IS NULL"
#: Fixed SQL only: the sort key chooses one of these, never text from the request.
_ORDER = {
    "newest": "since DESC",
    "oldest": "since ASC",
    "priority": f"{_PRIORITY_RANK}, since ASC",
    "due": "due_on ASC NULLS LAST, since ASC",
}


@dataclass(frozen=True)
class Row:
    """A line of an inbox: frozen, so that a list can keep its rendered HTML by the row itself
    (web/fragments.py): every field, today's date among them, is part of the key."""

    kind: str
    id: int
    number: str
    subject: str
    priority: str
    grading: str
    due_on: date | None
    since: datetime
    holder_post_id: int
    unread: bool
    remarks: str | None
    from_hi: str | None
    from_en: str | None
    #: the open register markings on the item: ((kind, limit), …) (_MARKS) — its clock on
    #: the list
    marks: tuple = ()
    #: India's today, once for the whole list (`days`, `band` and `is_overdue` count from it)
    on: date = field(default_factory=today)

    @cached_property
    def days(self) -> int:
        return (self.on - local_date(self.since)).days

    @property
    def band(self) -> str:
        days = self.days
        return "fresh" if days <= FRESH else "ageing" if days <= AGEING else "old"

    @property
    def is_overdue(self) -> bool:
        return self.due_on is not None and self.due_on < self.on


_ROW_FIELDS = tuple(f.name for f in fields(Row) if f.name not in ("on", "marks"))


def inbox(
    actor: Actor, f: Filters, post_ids: list[int] | None = None, page_size: int = PAGE_SIZE
) -> tuple[list[Row], int]:
    """(rows of the page, total) of items held by the user's posts. One query: the page, the
    total and (unfiltered) the unread count for the navigation badge."""
    posts = post_ids if post_ids is not None else actor.post_ids or [0]
    where, params = [], {"posts": posts}
    if f.kind in KINDS:
        where.append("kind = :kind")
        params["kind"] = f.kind
    if f.priority in PRIORITY_ORDER:
        where.append("priority = :priority")
        params["priority"] = f.priority
    if f.overdue:
        where.append("due_on < :today")
        params["today"] = today()
    if f.unread:
        where.append("unread")
    if f.due_today:
        where.append("due_on = :today")
        params["today"] = today()
    span = age_span(f.age)
    if span:  # days pending, by India's calendar: arrived on or before today - lo
        where.append("CAST(timezone(:zone, since) AS date) <= :arrived_by")
        params.update(zone=str(zone()), arrived_by=today() - timedelta(days=span[0]))
        if span[1] is not None:
            where.append("CAST(timezone(:zone, since) AS date) >= :arrived_from")
            params["arrived_from"] = today() - timedelta(days=span[1])
    page = max(f.page, 1)
    params.update(limit=page_size, offset=(page - 1) * page_size)
    held = f"FROM ({_HELD}) held" + (" WHERE " + " AND ".join(where) if where else "")
    sql = (
        "SELECT *, count(*) OVER () AS total, count(*) FILTER (WHERE unread) OVER () AS unread_n, "
        f"({_REMINDERS}) AS reminders_n, {_MARKS} AS marks {held} "
        f"ORDER BY {_ORDER.get(f.sort, _ORDER['newest'])}, kind, id DESC"
        " LIMIT :limit OFFSET :offset"
    )
    result = db.session.execute(text(sql), params).all()
    if not result:  # an empty page: past the end, or nothing held
        total = 0 if page == 1 else db.session.scalar(text(f"SELECT count(*) {held}"), params)
        return [], total
    first = result[0]
    if post_ids is None:  # the layout's counts came with the page: no statement of their own
        actor.memo["unseen_reminders"] = first.reminders_n
        if not where:
            actor.memo["unread_count"] = first.unread_n
    on, width = today(), len(_ROW_FIELDS)  # the held columns, in Row's order, then the counts
    if first._fields[:width] != _ROW_FIELDS:
        raise RuntimeError(f"HELD_SQL's columns {first._fields} are not Row's {_ROW_FIELDS}")
    return [Row(*r[:width], marks=_marks(r.marks), on=on) for r in result], first.total


#: the open register markings of a row's item (eoffice/records: VIP, RTI, court …) as
#: "kind|limit", the nearest first: a subquery in the page's select list, which Postgres runs
#: after the sort and the limit, for the page's rows only (two index probes each)
_MARKS = (
    "(SELECT array_agg(mk.kind || '|' || coalesce(mk.due_on::text, '')"
    " ORDER BY mk.due_on NULLS LAST) FROM marking mk WHERE mk.closed_on IS NULL"
    " AND ((held.kind = 'file' AND mk.file_id = held.id)"
    " OR (held.kind = 'receipt' AND mk.receipt_id = held.id)))"
)


def _marks(raw: list[str] | None) -> tuple:
    if not raw:
        return ()
    pairs = (m.split("|", 1) for m in raw)
    return tuple((kind, date.fromisoformat(due) if due else None) for kind, due in pairs)


def unread_count(actor: Actor) -> int:
    """Unread items in the signed-in user's inbox (the navigation badge); once per request."""
    if "unread_count" not in actor.memo:
        actor.memo["unread_count"] = db.session.scalar(
            text(_UNREAD), {"posts": actor.post_ids or [0]}
        )
    return actor.memo["unread_count"]


def sent(actor: Actor, *, pending_only: bool = False, page: int = 1) -> tuple[list[Movement], int]:
    """Movements sent from the user's posts, newest first; `pending_only`: still not acted
    on by the recipient ("pending with others")."""
    q = select(Movement).where(Movement.from_post_id.in_(actor.post_ids or [0]))
    if pending_only:
        q = q.where(Movement.acted_at.is_(None), Movement.pulled_back_at.is_(None))
    total = db.session.scalar(select(func.count()).select_from(q.subquery()))
    rows = db.session.scalars(
        q.order_by(Movement.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(page, 1) - 1) * PAGE_SIZE)
        .options(*_with_rows())
    ).unique()
    return list(rows), total


def copies_for_me(actor: Actor, limit: int = 20) -> list[MovementCopy]:
    """Copies marked to my posts, unread first; a copy whose movement was pulled back is
    withdrawn (shown so, never as new). Each row's movement, sender and item come with it."""
    withdrawn = Movement.pulled_back_at.is_not(None)
    return list(
        db.session.scalars(
            select(MovementCopy)
            .join(Movement, Movement.id == MovementCopy.movement_id)
            .where(MovementCopy.post_id.in_(actor.post_ids or [0]))
            .order_by(or_(MovementCopy.read_at.is_not(None), withdrawn), Movement.id.desc())
            .options(
                contains_eager(MovementCopy.movement).options(
                    joinedload(Movement.from_post),
                    joinedload(Movement.file),
                    joinedload(Movement.receipt),
                )
            )
            .limit(limit)
        )
    )


def escalation(
    actor: Actor, office: Office, section_id: int | None = None
) -> list[tuple[Post, list[Row]]]:
    """Overdue items of an office (or one section), grouped by the post that holds them."""
    posts = list(
        db.session.scalars(
            select(Post)
            .where(Post.office_id == office.id, Post.is_active)
            .where(Post.section_id == section_id if section_id else True)
            .order_by(Post.rank, Post.id)
        )
    )
    rows, _ = inbox(actor, Filters(overdue=True, sort="due"), [p.id for p in posts] or [0], 1000)
    grouped = [(p, [r for r in rows if r.holder_post_id == p.id]) for p in posts]
    return [(p, held) for p, held in grouped if held]


def incoming_from_other_offices(
    actor: Actor, office: Office, limit: int = 20
) -> list[tuple[Movement, bool]]:
    """Items sent into this office from other offices of the installation (for its dak), each
    with whether the actor may open it: one query, however many rows."""
    sender = aliased(Post)
    recipient = aliased(Post)
    may_open = or_(
        Movement.file_id.in_(select(File.id).where(openable(actor, File))),
        Movement.receipt_id.in_(select(Receipt.id).where(openable(actor, Receipt))),
    )
    rows = db.session.execute(
        select(Movement, may_open)
        .join(sender, sender.id == Movement.from_post_id)
        .join(recipient, recipient.id == Movement.to_post_id)
        .where(recipient.office_id == office.id, sender.office_id != office.id)
        .options(*_with_rows())
        .order_by(Movement.id.desc())
        .limit(limit)
    )
    return [(m, bool(ok)) for m, ok in rows]
