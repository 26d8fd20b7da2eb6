"""Dak (आवती): incoming letters, diarised with a gap-free number per office and year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.documents.models import Document
from eoffice.org.models import Office, Post, User, _pick
from eoffice.platform.extensions import db
from eoffice.platform.items import MovableItem
from eoffice.platform.keys import key_column, key_index


class DiarySequence(db.Model):
    """The last diary serial used per office and year; its row lock makes numbering gap-free."""

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int]


class ReceiptCategory(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    office: Mapped[Office] = relationship()
    name_hi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    #: retired: not offered for new receipts or files; items of the category keep it
    retired_at: Mapped[datetime | None]

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class Downtime(db.Model):
    """A day or days the office worked without the server (डाउनटाइम पंजी): from, to, why. Dak
    received on paper then is diarised afterwards with its real date, and orders passed on
    paper are entered as notes dated when they were passed; each names the downtime."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(500))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())

    office: Mapped[Office] = relationship()
    recorded_by: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="period"),)


class Receipt(MovableItem, db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    diary_year: Mapped[int]
    diary_serial: Mapped[int]
    #: e.g. कले/2026/000123
    diary_number: Mapped[str] = mapped_column(String(40))

    sender_name: Mapped[str] = mapped_column(String(200))
    sender_designation: Mapped[str | None] = mapped_column(String(200))
    sender_organisation: Mapped[str | None] = mapped_column(String(300))
    sender_address: Mapped[str | None] = mapped_column(String(1000))
    letter_number: Mapped[str | None] = mapped_column(String(100))
    letter_date: Mapped[date | None] = mapped_column(Date)
    received_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(10))
    language: Mapped[str] = mapped_column(String(10))
    due_on: Mapped[date | None] = mapped_column(Date)
    citizen_mobile: Mapped[str | None] = mapped_column(String(10))
    #: the sender's email, for the acknowledgement and the notice of a reply
    citizen_email: Mapped[str | None] = mapped_column(String(254))
    #: e-dispatch: the issued letter of another office this receipt is, and whether its
    #: signatures validated when it arrived
    from_dispatch_id: Mapped[int | None] = mapped_column(ForeignKey("dispatch.id"))
    signatures_valid: Mapped[bool | None]
    #: e-dispatch: when its holder first opened it. It came by no movement, so until then it
    #: is new (unread) in the holder's inbox; the sending office's register shows it opened
    e_dak_opened_at: Mapped[datetime | None]
    #: its letter (scan and OCR text) was destroyed with the file it was placed in, when that
    #: file was weeded (eoffice/records); the diary entry stays in the dak register
    weeded_at: Mapped[datetime | None]
    #: received on paper while the server was down and diarised afterwards (आउटेज के दौरान
    #: प्राप्त): received_on is the real date, and its pendency runs from that day
    outage_id: Mapped[int | None] = mapped_column(ForeignKey("downtime.id"))

    is_physical_only: Mapped[bool] = mapped_column(default=False)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    #: none (physical), pending, done, failed
    ocr_status: Mapped[str] = mapped_column(String(10), default="none")
    ocr_text: Mapped[str | None] = mapped_column(Text)

    last_movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movement.id", use_alter=True, name="fk_receipt_last_movement")
    )

    office: Mapped[Office] = relationship()
    outage: Mapped[Downtime | None] = relationship()
    category: Mapped[ReceiptCategory | None] = relationship()
    document: Mapped[Document | None] = relationship()
    created_by: Mapped[User] = relationship()
    created_post: Mapped[Post] = relationship(foreign_keys="Receipt.created_post_id")
    holder_post: Mapped[Post] = relationship(foreign_keys="Receipt.holder_post_id")

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("receipt")

    __table_args__ = (
        key_index("receipt"),
        Index("ix_receipt_office_received", "office_id", "received_on"),
        Index("ix_receipt_office_created", "office_id", "created_at"),
        Index("ix_receipt_diary_number", "diary_number"),
        Index("ix_receipt_outage", "outage_id", postgresql_where=text("outage_id IS NOT NULL")),
        UniqueConstraint("office_id", "diary_year", "diary_serial", name="uq_receipt_diary"),
        UniqueConstraint("office_id", "idempotency_key", name="uq_receipt_idempotency"),
        CheckConstraint(
            "mode IN ('post','hand','email','courier','portal','eoffice')", name="mode"
        ),
        CheckConstraint("grading IN ('normal','confidential','secret')", name="grading"),
        CheckConstraint("priority IN ('normal','immediate','most_immediate')", name="priority"),
        CheckConstraint("citizen_mobile ~ '^[6-9][0-9]{9}$'", name="citizen_mobile"),
        CheckConstraint(
            "is_physical_only OR document_id IS NOT NULL OR weeded_at IS NOT NULL",
            name="document_or_physical",
        ),
    )

    kind_name = "receipt"

    @property
    def number(self) -> str:
        """The diary number: what a file's number is to a file."""
        return self.diary_number
