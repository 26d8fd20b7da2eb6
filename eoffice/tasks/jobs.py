"""Email for reminders: the holders of the reminded post (and anyone acting for it) hear of it."""

from __future__ import annotations

from flask import Flask
from flask_babel import gettext as _
from procrastinate import JobContext

from eoffice.movement.jobs import _people
from eoffice.platform import jobs, mail
from eoffice.platform.extensions import db
from eoffice.platform.jobs import MAIL_RETRY, tasks
from eoffice.tasks.models import Reminder


def notify_reminder_now(app: Flask, reminder_id: int) -> int:
    with jobs.in_app(app, request=True):
        r = db.session.get(Reminder, reminder_id)
        if r is None:
            return 0
        people = _people(r.to_post)
        for user in people:
            mail.send_to_user(
                user,
                lambda: _("e-Office: a reminder about %(number)s", number=r.item.number),
                "mail/reminder.txt",
                r=r,
                base=app.config["BASE_URL"],
            )
        return len(people)


@tasks.task(name="notify_reminder", queue="mail", pass_context=True, retry=MAIL_RETRY)
def notify_reminder(context: JobContext, reminder_id: int) -> None:
    notify_reminder_now(context.additional_context["flask_app"], reminder_id)
