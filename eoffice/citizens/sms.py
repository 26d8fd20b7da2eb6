"""SMS to citizens through an Indian bulk-SMS gateway, by HTTP (our adapter; no vendor SDK).

Configured by environment (README: Configuration); unset, nothing is sent and the receipt page
says so:

- EOFFICE_SMS_URL: the gateway's send endpoint (HTTPS in production);
- EOFFICE_SMS_KEY: its API key, sent as `Authorization: Bearer …`;
- EOFFICE_SMS_SENDER: the DLT-registered sender ID (header), e.g. LALDMO;
- EOFFICE_SMS_ENTITY_ID: the DLT principal entity ID;
- EOFFICE_SMS_TEMPLATE_ACK / EOFFICE_SMS_TEMPLATE_REPLY: the DLT template IDs of the two
  messages below (the texts must be registered exactly as these templates render them);
- EOFFICE_SMS_TIMEOUT_SECONDS: how long one request may take (10).

The request is a JSON POST {to, sender, entity_id, template_id, text, unicode}; any 2xx answer
is "sent" (an "id" in a JSON answer is kept). Messages are queued in the request's transaction
and sent by the job worker, retried on timeouts and errors; each attempt is counted on the
message, so a gateway that is down loses nothing.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime

from flask import current_app, url_for
from procrastinate import JobContext, RetryStrategy
from sqlalchemy import select

from eoffice.citizens.models import SmsMessage
from eoffice.platform import events, jobs
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks

RETRY = RetryStrategy(max_attempts=6, wait=120)


class GatewayError(Exception):
    pass


def configured() -> bool:
    cfg = current_app.config
    return bool(cfg.get("SMS_URL") and cfg.get("SMS_SENDER"))


def status_url() -> str:
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    return base + url_for("citizens.status")


def _queue(receipt, kind: str, text: str, template: str, dispatch_id: int | None = None) -> None:
    m = SmsMessage(
        receipt_id=receipt.id,
        kind=kind,
        to_number="91" + receipt.citizen_mobile,
        text=text,
        template_id=current_app.config.get(template) or None,
        status="pending",
        attempts=0,
        dispatch_id=dispatch_id,
    )
    db.session.add(m)
    db.session.flush()
    jobs.enqueue("send_sms", "sms", message_id=m.id)


@events.receipt_diarised.connect
def queue_acknowledgement(receipt) -> None:
    """On diarisation, when a mobile was given and SMS is set up (flush only)."""
    if not receipt.citizen_mobile or not configured():
        return
    text = (
        f"आपका पत्र {receipt.office.name} में दिनांक {receipt.received_on:%d-%m-%Y} को प्राप्त "
        f"हुआ, डायरी संख्या {receipt.diary_number}। स्थिति: {status_url()}"
    )
    _queue(receipt, "ack", text, "SMS_TEMPLATE_ACK")


@events.reply_issued.connect
def queue_reply_notice(receipt, dispatch) -> None:
    """When a letter is issued from the file the receipt was placed in (flush only)."""
    if not receipt.citizen_mobile or not configured() or receipt.grading != "normal":
        return
    already = db.session.scalar(
        select(SmsMessage.id).where(
            SmsMessage.receipt_id == receipt.id,
            SmsMessage.kind == "reply",
            SmsMessage.dispatch_id == dispatch.id,
        )
    )
    if already:
        return
    text = (
        f"डायरी संख्या {receipt.diary_number} पर {receipt.office.name} ने पत्र संख्या "
        f"{dispatch.number} जारी किया है। स्थिति: {status_url()}"
    )
    _queue(receipt, "reply", text, "SMS_TEMPLATE_REPLY", dispatch.id)


def messages_for(receipt) -> list[SmsMessage]:
    return list(
        db.session.scalars(
            select(SmsMessage).where(SmsMessage.receipt_id == receipt.id).order_by(SmsMessage.id)
        )
    )


def post_to_gateway(m: SmsMessage) -> str | None:
    """One HTTP request to the gateway; the gateway's message id, or GatewayError."""
    cfg = current_app.config
    body = json.dumps(
        {
            "to": m.to_number,
            "sender": cfg["SMS_SENDER"],
            "entity_id": cfg.get("SMS_ENTITY_ID") or "",
            "template_id": m.template_id or "",
            "text": m.text,
            "unicode": True,
        },
        ensure_ascii=False,
    ).encode()
    req = urllib.request.Request(
        cfg["SMS_URL"],
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "Authorization": f"Bearer {cfg.get('SMS_KEY') or ''}",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=cfg["SMS_TIMEOUT_SECONDS"]) as resp:
            raw = resp.read(10_000)
    except urllib.error.HTTPError as e:
        raise GatewayError(f"HTTP {e.code}") from e
    except (urllib.error.URLError, TimeoutError, OSError) as e:
        raise GatewayError(str(getattr(e, "reason", e))[:200] or type(e).__name__) from e
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        return None
    return str(answer.get("id"))[:100] if isinstance(answer, dict) and answer.get("id") else None


def send_now(app, message_id: int, *, last_try: bool = False) -> bool:
    """Send one queued message (what the job does); True when the gateway took it. A failure
    is recorded on the message and raised again, so that the job is retried."""
    with jobs.in_app(app, request=True):
        m = db.session.get(SmsMessage, message_id)
        if m is None or m.status == "sent":
            return True
        m.attempts += 1
        try:
            m.gateway_id = post_to_gateway(m)
        except GatewayError as e:
            m.last_error = str(e)[:500]
            if last_try:
                m.status = "failed"
            db.session.commit()
            raise
        m.status, m.sent_at, m.last_error = "sent", datetime.now(UTC), None
        db.session.commit()
        return True


@tasks.task(name="send_sms", queue="sms", pass_context=True, retry=RETRY)
def send_sms(context: JobContext, message_id: int) -> None:
    attempt = context.job.attempts if context.job else 0
    send_now(
        context.additional_context["flask_app"],
        message_id,
        last_try=attempt + 1 >= RETRY.max_attempts,
    )
