"""Email to citizens (when an email was given at diarisation): the acknowledgement — the
पावती's essentials and the status link — and a notice when a reply is issued. Queued in the
request's transaction, sent by the job worker through the office's SMTP server, retried; only
when email is set up (EOFFICE_SMTP_HOST). The texts are in Hindi: the sender wrote to a Hindi
office and has no account whose language we could know."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from procrastinate import JobContext

from eoffice.citizens.sms import status_url
from eoffice.dispatch.models import Dispatch
from eoffice.platform import events, jobs, mail
from eoffice.platform.extensions import db
from eoffice.platform.jobs import MAIL_RETRY, tasks
from eoffice.receipts.models import Receipt


@events.receipt_diarised.connect
def queue_email_ack(receipt: Receipt) -> None:
    if receipt.citizen_email and mail.enabled():
        jobs.enqueue("mail_citizen", "mail", receipt_id=receipt.id, dispatch_id=None)


@events.reply_issued.connect
def queue_email_reply(receipt: Receipt, dispatch: Dispatch) -> None:
    if receipt.citizen_email and mail.enabled() and receipt.grading == "normal":
        jobs.enqueue("mail_citizen", "mail", receipt_id=receipt.id, dispatch_id=dispatch.id)


def email_state(receipt: Receipt) -> tuple[str, int] | None:
    """The acknowledgement's job: (status, attempts), or None when none was queued."""
    return jobs.job_status("mail_citizen", receipt_id=receipt.id, dispatch_id=None)


def mail_citizen_now(app: Flask, receipt_id: int, dispatch_id: int | None) -> bool:
    with jobs.in_app(app, request=True):
        receipt = db.session.get(Receipt, receipt_id)
        if receipt is None or not receipt.citizen_email:
            return False
        dispatch = db.session.get(Dispatch, dispatch_id) if dispatch_id else None
        with force_locale("hi"):
            if dispatch is None:
                subject = _("Your letter has been received: diary number %(number)s",
                            number=receipt.diary_number)  # fmt: skip
            else:
                subject = _("A reply has been issued: %(number)s", number=dispatch.number)
            body = render_template("mail/citizen.txt", r=receipt, d=dispatch, status=status_url())
        mail.send([receipt.citizen_email], subject, body, sender_name=receipt.office.name_hi)
        return True


@tasks.task(name="mail_citizen", queue="mail", pass_context=True, retry=MAIL_RETRY)
def mail_citizen(context: JobContext, receipt_id: int, dispatch_id: int | None) -> None:
    mail_citizen_now(context.additional_context["flask_app"], receipt_id, dispatch_id)
