"""The office mailbox and the mail taken from it (each message once, by its Message-ID)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ARRAY,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.documents.models import Document
from eoffice.org.models import Office, User
from eoffice.platform import storage
from eoffice.platform.extensions import db


class Mailbox(db.Model):
    """An office's official mailbox (IMAP), set by the office admin. The password is kept sealed
    with the app's key (eoffice.platform.sealed), bound to this office."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), unique=True)
    host: Mapped[str] = mapped_column(String(253))
    port: Mapped[int]
    #: ssl: TLS from the first byte (993); starttls: plain, then STARTTLS (143)
    security: Mapped[str] = mapped_column(String(10), default="ssl")
    username: Mapped[str] = mapped_column(String(254))
    password_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    folder: Mapped[str] = mapped_column(String(200), default="INBOX")
    #: after a message is taken (and committed) it is moved here; none: it is marked seen
    move_to: Mapped[str | None] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    last_checked_at: Mapped[datetime | None]
    #: what went wrong at the last check (a code of mailroom.services.PROBLEMS), or none
    last_problem: Mapped[str | None] = mapped_column(String(40))
    last_detail: Mapped[str | None] = mapped_column(String(300))
    #: messages still waiting on the server at the last check (taken a batch at a time)
    waiting: Mapped[int] = mapped_column(default=0)

    office: Mapped[Office] = relationship()

    __table_args__ = (CheckConstraint("security IN ('ssl','starttls')", name="security"),)


class MailDraft(db.Model):
    """One message taken from the mailbox: a draft receipt of the office's dak until the dak
    clerk diarises it (it then names its receipt) or discards it (with a reason)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    #: the message's Message-ID (or, without one, the mailbox's UIDVALIDITY and UID): taken once
    message_id: Mapped[str] = mapped_column(String(998))
    size: Mapped[int]
    #: the message as it came (.eml, in the content store); none when it was over the limit
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    taken_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: preparing (the worker reads it), ready, diarised, discarded
    status: Mapped[str] = mapped_column(String(10), default="preparing")

    from_name: Mapped[str | None] = mapped_column(String(200))
    from_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(1000))
    sent_at: Mapped[datetime | None]
    body: Mapped[str | None] = mapped_column(Text)
    #: what the reader should know (codes of mailroom.mime.WARNINGS): forged From, HTML only…
    warnings: Mapped[list[str]] = mapped_column(ARRAY(String(30)), default=list)
    #: the mail as a PDF: its printed page first, then the attachments that are pages
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: none, pending, done (the attachments' pages read by OCR)
    ocr_status: Mapped[str] = mapped_column(String(10), default="none")
    ocr_text: Mapped[str | None] = mapped_column(Text)

    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None]
    discard_reason: Mapped[str | None] = mapped_column(String(500))

    office: Mapped[Office] = relationship()
    document: Mapped[Document | None] = relationship()
    decided_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[MailAttachment]] = relationship(
        back_populates="draft", order_by="MailAttachment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        UniqueConstraint("office_id", "message_id", name="uq_mail_draft_message"),
        CheckConstraint("status IN ('preparing','ready','diarised','discarded')", name="status"),
        CheckConstraint("status <> 'diarised' OR receipt_id IS NOT NULL", name="diarised_receipt"),
    )


class MailAttachment(db.Model):
    """A file that came with a message: a page of the draft's PDF (a PDF or a photo that passed
    the upload sanitiser), or kept as it came (a zip, a Word file) to be downloaded, never opened
    or shown here, or refused (over the size limit: not kept)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("mail_draft.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str | None] = mapped_column(String(64))
    #: page, kept, refused
    state: Mapped[str] = mapped_column(String(10))
    #: why it is kept rather than a page, or refused (a code of documents.messages.REJECTED,
    #: or mailroom.mime's)
    reason: Mapped[str | None] = mapped_column(String(40))

    draft: Mapped[MailDraft] = relationship(back_populates="attachments")

    __table_args__ = (CheckConstraint("state IN ('page','kept','refused')", name="state"),)


storage.names_files("mail as it came", MailDraft.raw_sha256)
storage.names_files("mail attachment", MailAttachment.sha256)
