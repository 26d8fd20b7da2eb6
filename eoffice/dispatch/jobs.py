"""Email dispatch: the signed PDF to each recipient with an address; status per recipient."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask, render_template
from flask_babel import force_locale
from procrastinate import JobContext, RetryStrategy
from sqlalchemy import select

from eoffice.dispatch.models import Dispatch, DispatchRecipient
from eoffice.platform import jobs, mail, storage
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks


def _render(d, r, base: str, lang: str) -> str:
    with force_locale(lang):
        return render_template("mail/dispatch.txt", d=d, r=r, base=base)


def send_dispatch_now(app: Flask, dispatch_id: int) -> int:
    """Mail every email recipient still queued (or failed); a failure is recorded on that
    recipient and raised (the job is retried; recipients already sent are not sent again).
    Each recipient is locked while it is sent: a retry asked for by hand and the worker's own
    retry never both send it."""
    with jobs.in_app(app, request=True):
        d = db.session.get(Dispatch, dispatch_id)
        if d is None:
            return 0
        pdf = storage.read(d.pdf_sha256)
        waiting = (
            DispatchRecipient.dispatch_id == d.id,
            DispatchRecipient.mode == "email",
            DispatchRecipient.status.in_(("queued", "failed")),
            DispatchRecipient.email.is_not(None),
        )
        ids = db.session.scalars(select(DispatchRecipient.id).where(*waiting)).all()
        db.session.commit()
        sent, error = 0, None
        for rid in ids:
            r = db.session.scalar(
                select(DispatchRecipient)
                .where(DispatchRecipient.id == rid, *waiting)
                .with_for_update(skip_locked=True)
            )
            if r is None:  # sent meanwhile, or being sent by another job
                continue
            body = "\n--\n".join(  # Hindi first, then English: the recipient may read either
                _render(d, r, app.config["BASE_URL"], lang) for lang in ("hi", "en")
            )
            try:
                mail.send(
                    [r.email],
                    f"{d.number}: {d.subject}"[:200],
                    body,
                    attachments=[(f"letter-{d.year}-{d.serial:06d}.pdf", pdf)],
                    sender_name=d.office.name_hi,
                )
            except OSError as e:  # smtplib errors are OSErrors
                r.status, r.error, error = "failed", str(e)[:500], e
            else:
                r.status, r.sent_at, r.error = "sent", datetime.now(UTC), None
                sent += 1
            db.session.commit()  # each recipient's outcome stands on its own
        if error is not None:
            raise error
        return sent


@tasks.task(
    name="send_dispatch",
    queue="mail",
    pass_context=True,
    retry=RetryStrategy(max_attempts=5, wait=120),
)
def send_dispatch(context: JobContext, dispatch_id: int) -> None:
    send_dispatch_now(context.additional_context["flask_app"], dispatch_id)
