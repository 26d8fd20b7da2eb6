"""Email to the people a change of charge concerns: the relieved holder and the new one."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from procrastinate import JobContext

from eoffice.org.models import Post, User
from eoffice.platform import jobs, mail
from eoffice.platform.extensions import db
from eoffice.platform.jobs import MAIL_RETRY, tasks


def notify_charge_now(app: Flask, post_id: int, relieved: list[int], joined: int | None) -> int:
    if not app.config.get("SMTP_HOST"):
        return 0
    sent = 0
    with jobs.in_app(app, request=True):
        post = db.session.get(Post, post_id)
        people = [(uid, "relieved") for uid in relieved] + ([(joined, "joined")] if joined else [])
        for uid, what in people:
            user = db.session.get(User, uid)
            if post is None or user is None or not user.email:
                continue
            mail.send_to_user(
                user,
                lambda: _("e-Office: your charge of %(post)s", post=post.designation),
                "mail/charge.txt",
                post=post,
                what=what,
            )
            sent += 1
    return sent


@tasks.task(
    name="notify_charge",
    queue="mail",
    pass_context=True,
    retry=MAIL_RETRY,
)
def notify_charge(
    context: JobContext, post_id: int, relieved: list[int], joined: int | None
) -> None:
    notify_charge_now(context.additional_context["flask_app"], post_id, relieved, joined)
