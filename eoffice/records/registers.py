"""The registers a DM is reviewed on (CSMOP 2022 para 60): a receipt or a file marked as a VIP
reference, a question or assurance, an RTI application or first appeal, a court case or an
audit para — with its limit (records/limits.py), its register, its place in "my work" and the
pendency report, and reminders before the limit. Services flush only.

    mark_item(actor, item, data)      a new marking (at diarisation or later)
    act(actor, m, action, form)       acknowledge, transfer, next hearing, close
    register(actor, group, ...)       a register's rows (the items the actor may open)
    send_reminders(on)                the daily job: the holders of items near or past a limit
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from eoffice.files.models import File
from eoffice.movement.services import holidays
from eoffice.org.models import Office, Post
from eoffice.platform import audit
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy import Actor, openable
from eoffice.receipts.models import Receipt
from eoffice.records import limits
from eoffice.records.models import MARKING_KINDS, RTI_FEES, Marking
from eoffice.records.services import keeps_records

#: a register: the kinds of marking it lists
REGISTERS: dict[str, tuple[str, ...]] = {
    "vip": ("vip",),
    "questions": ("question", "assurance"),
    "rti": ("rti", "rti_appeal"),
    "court": ("court_case",),
    "audit": ("audit_para",),
}
#: the kinds in words (a register's rows, reminders, the item's page)
KIND_WORDS = {
    "vip": _l("VIP reference"),
    "question": _l("Question"),
    "assurance": _l("Assurance"),
    "rti": _l("RTI application"),
    "rti_appeal": _l("RTI first appeal"),
    "court_case": _l("Court case"),
    "audit_para": _l("Audit para"),
}
#: the registers' titles
REGISTER_TITLES = {
    "vip": _l("VIP references register"),
    "questions": _l("Questions and assurances register"),
    "rti": _l("RTI register"),
    "court": _l("Court cases register"),
    "audit": _l("Audit paras register"),
}
#: a reminder this many days before a limit (and on the day, and once when it has passed)
REMIND_BEFORE = 3


def group_of(kind: str) -> str:
    return next(g for g, kinds in REGISTERS.items() if kind in kinds)


def _off(office: Office, start: date, days: int = 400) -> set[date]:
    return holidays(office, start, start + timedelta(days=days))


def limit_of(m: Marking, office: Office, typed_due: date | None = None) -> date | None:
    """The marking's limit now, from its kind and what has happened (limits.py)."""
    off = _off(office, m.opened_on)
    if m.kind == "vip":
        if m.acknowledged_on is None:
            return limits.vip_ack_due(m.opened_on, off)
        return limits.vip_reply_due(m.opened_on, m.acknowledged_on, off)
    if m.kind == "rti":
        return limits.rti_due(m.opened_on, off, life_liberty=m.life_liberty, via_apio=m.via_apio)
    if m.kind == "rti_appeal":
        return limits.appeal_due(m.opened_on, off)
    if m.kind == "assurance":
        return typed_due or limits.assurance_due(m.opened_on)
    if m.kind == "court_case":
        if typed_due:
            return typed_due
        return limits.comments_due(m.hearing_on, _off(office, m.hearing_on - timedelta(30), 60)) \
            if m.hearing_on else None  # fmt: skip
    return typed_due  # a question (the House's date), an audit para


def transfer_by(m: Marking) -> date | None:
    """An open RTI application's last day for a transfer under s. 6(3), if it is not ours."""
    if m.kind != "rti" or m.closed_on is not None or m.transferred_on is not None:
        return None
    office = db.session.get(Office, m.office_id)
    return limits.rti_transfer_due(m.opened_on, _off(office, m.opened_on, 30))


@dataclass
class MarkInput:
    kind: str
    reference: str
    opened_on: date | None
    party: str = ""
    forum: str = ""
    fee: str = ""
    life_liberty: bool = False
    via_apio: bool = False
    hearing_on: date | None = None
    due_on: date | None = None
    answer_post_id: int | None = None
    parent_id: int | None = None


def may_mark(actor: Actor, item: File | Receipt) -> bool:
    """The item's holder, the office's record keeper, or an officer of the office."""
    return (
        actor.charge_for(item.holder_post_id) is not None
        or keeps_records(actor, item.office)
        or (actor.can("give_tasks") and actor.office_id == item.office_id)
    )


def _check(data: MarkInput, item, office: Office) -> None:
    if data.kind not in MARKING_KINDS:
        raise Refused("kind")
    if not data.reference:
        raise Refused("no_reference")
    if data.opened_on is None:
        raise Refused("date")
    if data.opened_on > today():
        raise Refused("future")
    if data.kind == "rti" and data.fee not in RTI_FEES:
        raise Refused("fee")
    if data.kind == "vip" and not data.party:
        raise Refused("no_party")
    if data.kind == "question" and data.due_on is None:
        raise Refused("no_due")
    if data.kind == "court_case" and data.hearing_on is None:
        raise Refused("no_hearing")
    if data.due_on is not None and data.due_on < data.opened_on:
        raise Refused("due_before")
    if data.hearing_on is not None and data.hearing_on < data.opened_on:
        raise Refused("due_before")
    if data.kind in ("assurance", "rti_appeal"):
        parent = db.session.get(Marking, data.parent_id or 0)
        wanted = "question" if data.kind == "assurance" else "rti"
        if parent is None or parent.kind != wanted or parent.office_id != office.id:
            raise Refused("no_parent")
    if data.answer_post_id is not None:
        post = db.session.get(Post, data.answer_post_id)
        if post is None or post.office_id != office.id:
            raise Refused("other_office")


def mark_item(actor: Actor, item: File | Receipt, data: MarkInput) -> Marking:
    if not may_mark(actor, item):
        raise Refused("not_allowed")
    if getattr(item, "status", None) == "weeded":
        raise Refused("weeded")
    office = item.office
    _check(data, item, office)
    charge = actor.charge_for(item.holder_post_id)
    post_id = charge.post.id if charge else (actor.post.id if actor.post else item.holder_post_id)
    m = Marking(
        office_id=item.office_id, kind=data.kind, **item.as_key(),
        reference=data.reference[:300], opened_on=data.opened_on,
        party=data.party[:300] or None, forum=data.forum[:300] or None,
        fee=data.fee or None if data.kind == "rti" else None,
        life_liberty=data.kind == "rti" and data.life_liberty,
        via_apio=data.kind == "rti" and data.via_apio,
        hearing_on=data.hearing_on if data.kind == "court_case" else None,
        answer_post_id=data.answer_post_id, parent_id=data.parent_id,
        created_by_id=actor.id, created_post_id=post_id,
    )  # fmt: skip
    m.due_on = limit_of(m, office, data.due_on)
    db.session.add(m)
    db.session.flush()
    audit.record_on(actor, item, "mark_file" if item.kind_name == "file" else "mark_receipt",
                    post_id, marking_id=m.id, kind=data.kind, due_on=str(m.due_on or ""))  # fmt: skip
    return m


#: what can happen to an open marking, by kind
ACTIONS: dict[str, tuple[str, ...]] = {
    "vip": ("acknowledge", "close"),
    "question": ("close",),
    "assurance": ("close",),
    "rti": ("transfer", "close"),
    "rti_appeal": ("close",),
    "court_case": ("hearing", "close"),
    "audit_para": ("close",),
}


def act(actor: Actor, m: Marking, action: str, *, on: date | None, remark: str = "",
        to: str = "", hearing_on: date | None = None, due_on: date | None = None) -> Marking:  # fmt: skip
    """Something happened: a VIP reference acknowledged, an RTI application transferred under
    s. 6(3), the next date of hearing fixed, or the marking closed (replied, fulfilled,
    decided)."""
    item = m.item
    if not may_mark(actor, item):
        raise Refused("not_allowed")
    if m.closed_on is not None:
        raise Refused("already")
    if action not in ACTIONS[m.kind]:
        raise Refused("action")
    on = on or today()
    if on > today() or on < m.opened_on:
        raise Refused("when")
    if action == "acknowledge":
        if m.acknowledged_on is not None:
            raise Refused("already")
        m.acknowledged_on = on
    elif action == "transfer":
        if not to:
            raise Refused("no_to")
        m.transferred_on, m.transferred_to = on, to[:300]
        m.closed_on, m.closed_remark = on, remark[:1000] or None
    elif action == "hearing":
        if hearing_on is None or hearing_on < on:
            raise Refused("no_hearing")
        m.hearing_on = hearing_on
    else:
        if not remark:
            raise Refused("no_remark")
        m.closed_on, m.closed_remark = on, remark[:1000]
    if action in ("acknowledge", "hearing"):
        m.due_on = limit_of(m, item.office, due_on if action == "hearing" else None)
        m.reminded_stage = None
    db.session.flush()
    charge = actor.charge_for(item.holder_post_id)
    audit.record_on(actor, item, f"marking_{action}",
                    charge.post.id if charge else (actor.post.id if actor.post else None),
                    marking_id=m.id)  # fmt: skip
    return m


def open_on(item: File | Receipt) -> list[Marking]:
    """The open markings of an item, the nearest limit first (its clock on its page)."""
    return list(
        db.session.scalars(
            select(Marking)
            .where(item.named_by(Marking), Marking.closed_on.is_(None))
            .order_by(Marking.due_on.nulls_last(), Marking.id)
        )
    )


def _visible(actor: Actor):
    """Markings of the actor's office on items the actor may open: each marking's item looked up
    by its key (a register's few hundred rows), never the office's items gathered first."""
    return and_(
        Marking.office_id == (actor.office.id if actor.office else 0),
        or_(
            select(File.id).where(File.id == Marking.file_id, openable(actor, File)).exists(),
            select(Receipt.id)
            .where(Receipt.id == Marking.receipt_id, openable(actor, Receipt))
            .exists(),
        ),
    )


def register(actor: Actor, group: str, *, state: str = "open", week: bool = False,
             limit: int = 5000) -> list[Marking]:  # fmt: skip
    q = select(Marking).where(Marking.kind.in_(REGISTERS[group]), _visible(actor))
    if state == "open":
        q = q.where(Marking.closed_on.is_(None))
    elif state == "closed":
        q = q.where(Marking.closed_on.is_not(None))
    if week:  # the court cases heard this week (today and the six days after)
        q = q.where(Marking.hearing_on.between(today(), today() + timedelta(days=6)))
    q = q.order_by(Marking.closed_on.is_not(None), Marking.due_on.nulls_last(), Marking.id)
    return list(
        db.session.scalars(
            q.limit(limit).options(
                joinedload(Marking.file),
                joinedload(Marking.receipt),
                joinedload(Marking.answer_post),
            )  # fmt: skip
        )
    )


@dataclass(frozen=True)
class Pending:
    group: str
    open: int
    due_soon: int
    overdue: int


def pending_by_register(post_ids: list[int]) -> list[Pending]:
    """Per register: open markings on items these posts hold, due within REMIND_BEFORE days,
    past their limit (my work, the pendency report)."""
    if not post_ids:
        return []
    t = today()
    # from the open markings (a few hundred) to their items by key, never from a district's
    # million held items to the markings
    rows = db.session.execute(
        select(
            Marking.kind,
            func.count(),
            func.count().filter(Marking.due_on.between(t, t + timedelta(days=REMIND_BEFORE))),
            func.count().filter(Marking.due_on < t),
        )
        .outerjoin(File, File.id == Marking.file_id)
        .outerjoin(Receipt, Receipt.id == Marking.receipt_id)
        .where(
            Marking.closed_on.is_(None),
            or_(File.holder_post_id.in_(post_ids), Receipt.holder_post_id.in_(post_ids)),
        )
        .group_by(Marking.kind)
    ).all()
    by_group: dict[str, list[int]] = {}
    for kind, n, soon, late in rows:
        acc = by_group.setdefault(group_of(kind), [0, 0, 0])
        acc[0] += n
        acc[1] += soon
        acc[2] += late
    return [Pending(g, *by_group[g]) for g in REGISTERS if g in by_group]


@dataclass(frozen=True)
class RtiReturn:
    start: date
    end: date
    pending_at_start: int
    received: int
    bpl: int
    life_liberty: int
    transferred: int
    disposed: int
    late: int
    pending_at_end: int
    appeals_received: int
    appeals_disposed: int


def rti_return(actor: Actor, fy: int, quarter: int) -> RtiReturn:
    """The quarterly return the PIO sends (RTI Act s. 25): counts of the office's applications
    and first appeals in the quarter."""
    start, end = limits.quarter_bounds(fy, quarter)
    office_id = actor.office.id if actor.office else 0

    def count(kind: str, *where: Any) -> int:
        return db.session.scalar(
            select(func.count()).where(
                Marking.office_id == office_id, Marking.kind == kind, *where
            )
        ) or 0  # fmt: skip

    open_at = lambda day: and_(  # noqa: E731
        Marking.opened_on <= day, or_(Marking.closed_on.is_(None), Marking.closed_on > day)
    )
    within = lambda col: col.between(start, end)  # noqa: E731
    return RtiReturn(
        start=start, end=end,
        pending_at_start=count("rti", open_at(start - timedelta(days=1))),
        received=count("rti", within(Marking.opened_on)),
        bpl=count("rti", within(Marking.opened_on), Marking.fee == "bpl"),
        life_liberty=count("rti", within(Marking.opened_on), Marking.life_liberty),
        transferred=count("rti", within(Marking.transferred_on)),
        disposed=count("rti", within(Marking.closed_on), Marking.transferred_on.is_(None)),
        late=count("rti", within(Marking.closed_on), Marking.closed_on > Marking.due_on),
        pending_at_end=count("rti", open_at(end)),
        appeals_received=count("rti_appeal", within(Marking.opened_on)),
        appeals_disposed=count("rti_appeal", within(Marking.closed_on)),
    )  # fmt: skip


def stage(m: Marking, on: date) -> str | None:
    """Which reminder is due for this marking today: before, due, overdue, month (an
    assurance's monthly review), or none."""
    if m.kind == "assurance" and on.day == 1 and m.reminded_on != on:
        return "month"
    if m.due_on is None:
        return None
    if m.due_on < on:
        return "overdue"
    if m.due_on == on:
        return "due"
    if (m.due_on - on).days <= REMIND_BEFORE:
        return "before"
    return None


def send_reminders(on: date | None = None, limit: int = 2000) -> int:
    """Remind the holder of each item with an open marking near or past its limit — once per
    stage (three days before, on the day, once after); an assurance each month. The reminder
    is in the holder's reminders and "my work", by email when mail is set up."""
    import uuid

    from flask import current_app
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from eoffice.platform import jobs
    from eoffice.tasks.models import Reminder

    on = on or today()
    rows = db.session.scalars(
        select(Marking)
        .where(
            Marking.closed_on.is_(None),
            or_(  # an overdue one reminded once is not read again every day
                and_(
                    Marking.due_on <= on + timedelta(days=REMIND_BEFORE),
                    Marking.reminded_stage.is_distinct_from("overdue"),
                ),
                Marking.kind == "assurance",
            ),
        )
        .order_by(Marking.id)
        .limit(limit)
    ).all()
    sent = 0
    for m in rows:
        which = stage(m, on)
        if which is None or (m.reminded_stage == which and which != "month"):
            continue
        item = m.item
        if getattr(item, "status", None) == "weeded":
            continue
        with force_locale("hi"):
            text = {
                "before": _("%(kind)s %(reference)s: the limit is %(date)s.", kind=str(KIND_WORDS[m.kind]),
                            reference=m.reference, date=m.due_on.strftime("%d-%m-%Y") if m.due_on else ""),
                "due": _("%(kind)s %(reference)s: the limit is today.", kind=str(KIND_WORDS[m.kind]),
                         reference=m.reference),
                "overdue": _("%(kind)s %(reference)s: the limit passed on %(date)s.",
                             kind=str(KIND_WORDS[m.kind]), reference=m.reference,
                             date=m.due_on.strftime("%d-%m-%Y") if m.due_on else ""),
                "month": _("%(kind)s %(reference)s: the monthly review of an open assurance.",
                           kind=str(KIND_WORDS[m.kind]), reference=m.reference),
            }[which]  # fmt: skip
        from_post = m.created_post_id
        if from_post == item.holder_post_id:  # a reminder is from another desk when it can be
            from_post = item.office.record_post_id or from_post
        r = Reminder(item_kind=item.kind_name, **item.as_key(), from_post_id=from_post,
                     to_post_id=item.holder_post_id, sent_by_id=m.created_by_id,
                     message=text, idempotency_key=str(uuid.uuid4()))  # fmt: skip
        db.session.add(r)
        m.reminded_on, m.reminded_stage = on, which
        db.session.flush()
        audit.record("marking_reminder", object_type=item.kind_name, object_id=item.id,
                     marking_id=m.id, reminder_id=r.id, stage=which)  # fmt: skip
        if current_app.config.get("SMTP_HOST"):
            jobs.enqueue("notify_reminder", "mail", reminder_id=r.id)
        sent += 1
    return sent
