"""Citizens: lookups on the status page (rate limiting that holds across gunicorn workers),
and the SMS sent to them about their letters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    func,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.platform.extensions import db


class StatusAttempt(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    #: "office id:year:serial" as asked (whether or not such a receipt exists)
    diary_key: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_status_attempt_address_at", "address", "at"),
        Index("ix_status_attempt_diary_key_at", "diary_key", "at"),
    )


class SmsMessage(db.Model):
    """An SMS to a citizen about their letter: the acknowledgement when it is diarised, a
    notice when a reply is issued. Sent by the job worker through the gateway (citizens/sms.py),
    retried; its status shows on the receipt's page."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    #: ack, reply
    kind: Mapped[str] = mapped_column(String(10))
    to_number: Mapped[str] = mapped_column(String(15))
    text: Mapped[str] = mapped_column(String(1000))
    #: the DLT template the text was registered as
    template_id: Mapped[str | None] = mapped_column(String(40))
    #: pending, sent, failed
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    gateway_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
    #: the dispatch a reply notice is about
    dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))

    __table_args__ = (
        CheckConstraint("kind IN ('ack','reply')", name="kind"),
        CheckConstraint("status IN ('pending','sent','failed')", name="status"),
        UniqueConstraint("receipt_id", "kind", "dispatch_id", name="uq_sms_message_once"),
        Index(
            "uq_sms_message_ack", "receipt_id", unique=True, postgresql_where=sql("kind = 'ack'")
        ),
    )
