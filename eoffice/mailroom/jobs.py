"""The job worker's part: check the office mailboxes every minute (the light lane: it only
talks to the mail server and stores what it takes), prepare and read each taken message (the
heavy lane, beside the OCR of scanned dak)."""

from __future__ import annotations

from procrastinate import JobContext, RetryStrategy

from eoffice.mailroom import services
from eoffice.mailroom.models import MailDraft
from eoffice.platform import jobs
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks
from eoffice.platform.locks import lock_row


@tasks.periodic(cron="* * * * *")
@tasks.task(name="mail_check", queue="mail", pass_context=True)
def mail_check(context: JobContext, timestamp: int = 0) -> None:
    """Every minute. With more waiting than one check takes, the next check is deferred at
    once, so a thousand messages come in batch after batch while other jobs still get the lane
    between them. No job lock: a check killed with its worker stays "doing" in the queue, and
    a lock would have stopped every later check; two checks at once take a message once (the
    unique Message-ID; the loser only marks it seen)."""
    with jobs.in_app(context.additional_context["flask_app"], request=True):
        checked = services.check_all()
        if any(c.waiting for c in checked.values()):
            jobs.enqueue("mail_check", "mail")
        services.requeue_stuck()
        db.session.commit()


@tasks.task(
    name="mail_prepare",
    queue="ocr",
    pass_context=True,
    retry=RetryStrategy(max_attempts=3, wait=30),
)
def mail_prepare(context: JobContext, draft_id: int) -> None:
    with jobs.in_app(context.additional_context["flask_app"], request=True):
        draft = db.session.get(MailDraft, draft_id)
        if draft is None:
            return
        draft = lock_row(draft)  # a job queued again for a stuck draft waits, then finds it done
        if draft.status != "preparing":
            return
        services.prepare(draft)
        db.session.commit()


@tasks.task(
    name="mail_ocr", queue="ocr", pass_context=True, retry=RetryStrategy(max_attempts=4, wait=30)
)
def mail_ocr(context: JobContext, draft_id: int) -> None:
    with jobs.in_app(context.additional_context["flask_app"]):
        draft = db.session.get(MailDraft, draft_id)
        if draft is None:
            return
        draft = lock_row(draft)
        if draft.document is None or draft.ocr_status == "done":
            return
        services.read_pages(draft)
        db.session.commit()
