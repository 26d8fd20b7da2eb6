"""Email about movement: a notice to the recipient post's holders, and a daily pendency digest."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from procrastinate import JobContext
from sqlalchemy import select

from eoffice.movement import services
from eoffice.movement.models import Movement
from eoffice.org.models import Post, Role, User
from eoffice.org.services import active_delegations, actor_for
from eoffice.platform import jobs, mail
from eoffice.platform.extensions import db
from eoffice.platform.jobs import MAIL_RETRY, tasks


def _people(post: Post) -> list[User]:
    """Who should hear about an item sent to the post: its holders and anyone acting for it."""
    people = [u for u in post.current_holders if u.is_enabled]
    people += [d.delegate for d in active_delegations(post_id=post.id) if d.delegate.is_enabled]
    return [u for u in {u.id: u for u in people}.values() if u.email]


def notify_movement_now(app: Flask, movement_id: int) -> int:
    """Send the notice; returns how many emails went out."""
    with jobs.in_app(app, request=True):
        m = db.session.get(Movement, movement_id)
        if m is None:
            return 0
        sent = 0
        for user in _people(m.to_post):
            mail.send_to_user(
                user,
                lambda: _("e-Office: %(number)s has reached you", number=m.number),
                "mail/movement.txt",
                m=m,
                base=app.config["BASE_URL"],
            )
            sent += 1
        return sent


@tasks.task(
    name="notify_movement",
    queue="mail",
    pass_context=True,
    retry=MAIL_RETRY,
)
def notify_movement(context: JobContext, movement_id: int) -> None:
    notify_movement_now(context.additional_context["flask_app"], movement_id)


def digest_now(app: Flask) -> int:
    """One email per user with pending items: how many, how many overdue, the oldest. The
    district admin (the nodal officer) gets one every day, carrying the audit chain's head as
    anchored that morning: a copy outside the server that `flask audit verify` can be held to."""
    from eoffice.platform import audit

    with jobs.in_app(app, request=True):
        sent = 0
        head = audit.checkpoint()
        users = db.session.scalars(
            select(User).where(User.is_enabled, User.email.is_not(None)).order_by(User.id)
        )
        for user in users:
            nodal = user.role == Role.DISTRICT_ADMIN
            actor = actor_for(user)
            posts = actor.post_ids
            if not posts and not nodal:
                continue
            rows, total = services.inbox(
                actor, services.Filters(sort="oldest"), posts or [0], page_size=10
            )
            if not total and not nodal:
                continue
            overdue = services.inbox(actor, services.Filters(overdue=True), posts, page_size=1)[1]
            with force_locale(user.locale or "hi"):
                subject = ngettext(
                    "e-Office: %(num)d item pending with you",
                    "e-Office: %(num)d items pending with you",
                    total,
                )
                body = render_template(
                    "mail/digest.txt",
                    user=user,
                    rows=rows,
                    total=total,
                    overdue=overdue,
                    base=app.config["BASE_URL"],
                    audit_head=head if nodal else None,
                )
                office = user.office.name
            mail.send([user.email], subject, body, sender_name=office)
            sent += 1
        db.session.rollback()
        return sent


@tasks.periodic(cron="30 2 * * *")  # 08:00 India time
@tasks.task(name="pendency_digest", queue="mail", pass_context=True)
def pendency_digest(context: JobContext, timestamp: int) -> None:
    app = context.additional_context["flask_app"]
    if app.config.get("SMTP_HOST"):
        digest_now(app)
