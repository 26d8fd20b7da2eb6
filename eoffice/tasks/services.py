"""Tasks (कार्य) and reminders (अनुस्मारक). Services flush, never commit; refusals are
`Refused(code)`, and the views say why in the user's language.

Who may do what follows the reports' scope (eoffice/org/scope.py): an officer gives a
task to, or reminds the holder of, a post they can see in the pendency report — the section
for a section officer, the office for an officer or office admin, the district for the
officers of the collectorate and Vikas Bhawan and the district admin.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask import current_app
from sqlalchemy import func, or_, select

from eoffice.files.models import File
from eoffice.movement.services import KINDS
from eoffice.org.models import Post
from eoffice.org.scope import scope_name, scope_post_ids, scope_posts
from eoffice.platform import audit, jobs
from eoffice.platform.clock import local_date, today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.sql import among
from eoffice.policy import Actor
from eoffice.receipts.models import Receipt
from eoffice.tasks.models import Reminder, Task, TaskUpdate

MAX_DAYS_AHEAD = 366


def _acting_post(actor: Actor) -> Post:
    post = actor.post
    if post is None:
        raise Refused("no_post")
    return post


def assignable_posts(actor: Actor) -> list[Post]:
    """Posts the signed-in officer may give a task to or remind: in scope, not their own. For
    the district's officers (thousands of desks): their own office's desks and the heads of
    the other offices (SDM, BDO, tehsildar), who pass it on."""
    mine = set(actor.post_ids)
    posts = [p for p in scope_posts(actor) if p.id not in mine]
    if scope_name(actor) == "district":
        office = actor.office_id
        posts = [p for p in posts if p.office_id == office or p.section_id is None]
    return posts


# --- reminders ------------------------------------------------------------------------------


def send_reminder(actor: Actor, item: File | Receipt, message: str, key: uuid.UUID) -> Reminder:
    """Remind the item's holder. One per item and holder per day; a resubmitted form finds the
    reminder it already sent."""
    existing = db.session.scalar(select(Reminder).where(Reminder.idempotency_key == str(key)))
    if existing is not None:
        return existing
    post = _acting_post(actor)
    in_scope = item.holder_post_id in set(scope_post_ids(actor))
    if not in_scope or item.holder_post_id in set(actor.post_ids):
        raise Refused("out_of_scope")
    if len(message) > 2000:
        raise Refused("too_long")
    kind = item.kind_name
    last = db.session.scalar(
        select(func.max(Reminder.sent_at)).where(
            item.named_by(Reminder), Reminder.to_post_id == item.holder_post_id
        )
    )
    if last is not None and local_date(last) == today():
        raise Refused("already_today")
    r = Reminder(
        item_kind=kind,
        **item.as_key(),
        from_post_id=post.id,
        to_post_id=item.holder_post_id,
        sent_by_id=actor.id,
        message=message or None,
        idempotency_key=str(key),
    )
    db.session.add(r)
    db.session.flush()
    audit.record_on(actor, item, "remind", post.id, reminder_id=r.id, to_post_id=r.to_post_id)
    if current_app.config.get("SMTP_HOST"):
        jobs.enqueue("notify_reminder", "mail", reminder_id=r.id)
    return r


def reminders_for_me(actor: Actor, limit: int = 100) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.to_post_id.in_(actor.post_ids or [0]))
            .order_by(Reminder.id.desc())
            .limit(limit)
        )
    )


def unseen_reminders(actor: Actor) -> int:
    """For the inbox tabs; once per request (the inbox's own statement counts it too)."""
    if "unseen_reminders" not in actor.memo:
        actor.memo["unseen_reminders"] = db.session.scalar(
            select(func.count(Reminder.id)).where(
                Reminder.to_post_id.in_(actor.post_ids or [0]), Reminder.seen_at.is_(None)
            )
        )
    return actor.memo["unseen_reminders"]


def mark_seen(reminders: list[Reminder]) -> None:
    now = datetime.now(UTC)
    for r in reminders:
        if r.seen_at is None:
            r.seen_at = now
    db.session.flush()


def reminders_on(item: File | Receipt) -> list[Reminder]:
    return list(
        db.session.scalars(select(Reminder).where(item.named_by(Reminder)).order_by(Reminder.id))
    )


# --- tasks ----------------------------------------------------------------------------------


@dataclass
class TaskInput:
    title: str
    details: str
    to_post_id: int
    due_on: date
    item: File | Receipt | None


def linked_item(actor: Actor, number: str) -> File | Receipt | None:
    """The file or receipt with this number that the signed-in user may open; Refused if the
    number finds none (or more than one)."""
    from eoffice.search.services import by_number

    found = [(k, i) for k, i in by_number(actor, number, db.session) if k in ("file", "receipt")]
    if len(found) != 1:
        raise Refused("no_such_item")
    kind, item_id = found[0]
    return db.session.get(KINDS[kind], item_id)


def create_task(actor: Actor, data: TaskInput, key: uuid.UUID) -> Task:
    existing = db.session.scalar(select(Task).where(Task.idempotency_key == str(key)))
    if existing is not None:
        return existing
    post = _acting_post(actor)
    to_post = next((p for p in assignable_posts(actor) if p.id == data.to_post_id), None)
    if to_post is None:
        raise Refused("out_of_scope")
    if data.due_on < today():
        raise Refused("past")
    if (data.due_on - today()).days > MAX_DAYS_AHEAD:
        raise Refused("too_far")
    item = data.item
    task = Task(
        office_id=to_post.office_id,
        title=data.title,
        details=data.details or None,
        **(item.as_key() if item is not None else {}),  # a task may be on its own
        from_post_id=post.id,
        to_post_id=to_post.id,
        assigned_by_id=actor.id,
        due_on=data.due_on,
        status="open",
        idempotency_key=str(key),
    )
    db.session.add(task)
    db.session.flush()
    audit.record(
        "task_assign",
        user_id=actor.id,
        post_id=post.id,
        object_type="task",
        object_id=task.id,
        to_post_id=to_post.id,
        due_on=data.due_on.isoformat(),
    )
    return task


def can_act(actor: Actor, task: Task) -> bool:
    """Only the holder of the post it was given to records progress or completion."""
    return task.status == "open" and task.to_post_id in set(actor.post_ids)


def record_progress(
    actor: Actor, task: Task, remarks: str, done: bool, key: uuid.UUID
) -> TaskUpdate:
    existing = db.session.scalar(select(TaskUpdate).where(TaskUpdate.idempotency_key == str(key)))
    if existing is not None:
        return existing
    if task.status != "open":
        raise Refused("closed")
    if task.to_post_id not in set(actor.post_ids):
        raise Refused("not_yours")
    if not remarks:
        raise Refused("empty")
    if len(remarks) > 5000:
        raise Refused("too_long")
    update = TaskUpdate(
        task_id=task.id,
        by_id=actor.id,
        post_id=task.to_post_id,
        remarks=remarks,
        is_done=done,
        idempotency_key=str(key),
    )
    db.session.add(update)
    if done:
        task.status = "done"
        task.done_at = datetime.now(UTC)
    db.session.flush()
    audit.record(
        "task_done" if done else "task_progress",
        user_id=actor.id,
        post_id=task.to_post_id,
        object_type="task",
        object_id=task.id,
        update_id=update.id,
    )
    return update


def tasks_for_me(actor: Actor, *, open_only: bool = False) -> list[Task]:
    q = select(Task).where(Task.to_post_id.in_(actor.post_ids or [0]))
    return _ordered(q, open_only)


def tasks_by_me(actor: Actor, *, open_only: bool = False) -> list[Task]:
    q = select(Task).where(
        or_(Task.assigned_by_id == actor.id, Task.from_post_id.in_(actor.post_ids or [0]))
    )
    return _ordered(q, open_only)


def _ordered(q, open_only: bool) -> list[Task]:
    if open_only:
        q = q.where(Task.status == "open")
    # open first, the nearest due date first; done ones newest first
    return list(
        db.session.scalars(
            q.order_by((Task.status == "done").asc(), Task.due_on.asc(), Task.id.desc()).limit(200)
        )
    )


@dataclass
class TaskCounts:
    open: int = 0
    due_today: int = 0
    overdue: int = 0


def my_task_counts(actor: Actor) -> TaskCounts:
    row = db.session.execute(
        select(
            func.count(Task.id),
            func.count(Task.id).filter(Task.due_on == today()),
            func.count(Task.id).filter(Task.due_on < today()),
        ).where(Task.to_post_id.in_(actor.post_ids or [0]), Task.status == "open")
    ).one()
    return TaskCounts(*row)


def overdue_tasks_by_post(post_ids: list[int]) -> dict[int, int]:
    """Open tasks past their due date, per post: for the pendency report."""
    rows = db.session.execute(
        select(Task.to_post_id, func.count(Task.id))
        .where(among(Task.to_post_id, post_ids), Task.status == "open", Task.due_on < today())
        .group_by(Task.to_post_id)
    )
    return dict(rows.all())
