"""The dispatch register and its recipients; attempts at the public verification page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.files.models import File, LetterDraft
from eoffice.org.models import Office, Post, User
from eoffice.platform import storage
from eoffice.platform.extensions import db
from eoffice.platform.keys import key_column, key_index
from eoffice.receipts.models import Receipt

#: eoffice: delivered into the dak of another office of this installation
MODES = ("email", "post", "hand", "eoffice")


class Dispatch(db.Model):
    """प्रेषण पंजी: one issued letter, numbered per office and year."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    year: Mapped[int]
    serial: Mapped[int]
    #: e.g. कले/प्रेषण/2026/000012
    number: Mapped[str] = mapped_column(String(80))
    draft_id: Mapped[int] = mapped_column(ForeignKey("letter_draft.id"), unique=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"), index=True)
    subject: Mapped[str] = mapped_column(String(1000))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    issued_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: B-LTA: when the newest archive (document) timestamp's TSA certificate expires; renewed
    #: before then (`flask signing refresh-ltv`). None: issued without a TSA
    archive_until: Mapped[datetime | None]

    office: Mapped[Office] = relationship()
    draft: Mapped[LetterDraft] = relationship()
    file: Mapped[File] = relationship()
    issued_by: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()
    recipients: Mapped[list[DispatchRecipient]] = relationship(
        back_populates="dispatch", order_by="DispatchRecipient.id"
    )

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("dispatch")

    __table_args__ = (
        key_index("dispatch"),
        Index("ix_dispatch_office_issued", "office_id", "issued_at"),
        Index(
            "ix_dispatch_archive_until",
            "archive_until",
            postgresql_where=text("archive_until IS NOT NULL"),
        ),
        UniqueConstraint("office_id", "year", "serial", name="uq_dispatch_serial"),
    )

    @property
    def modes(self) -> list[str]:
        """The modes its recipients went by, each once, in the order of MODES."""
        used = {r.mode for r in self.recipients}
        return [m for m in MODES if m in used]


class DispatchRecipient(db.Model):
    """One recipient of an issued letter — the addressee or a प्रतिलिपि — with its own mode and
    state. Every recipient gets the same signed PDF under the letter's one number."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    dispatch_id: Mapped[int] = mapped_column(ForeignKey("dispatch.id"), index=True)
    mode: Mapped[str] = mapped_column(String(10))
    #: a प्रतिलिपि (copy), not the addressee
    is_copy: Mapped[bool] = mapped_column(default=False, server_default=false())
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(254))
    #: queued (email waiting for the worker), sent (emailed; by post or hand: handed over),
    #: delivered (into another office's dak in e-Office), failed (email: `error` says why)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(500))
    #: who added it and when: at issue, or later (a copy forgotten)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: e-dispatch: the office it went to, the post it was addressed to (else the office's dak
    #: desk), the receipt it became there (which knows when its holder first opened it)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), index=True)

    dispatch: Mapped[Dispatch] = relationship(back_populates="recipients")
    office: Mapped[Office | None] = relationship()
    post: Mapped[Post | None] = relationship()
    receipt: Mapped[Receipt | None] = relationship()

    @property
    def opened_at(self) -> datetime | None:
        return self.receipt.e_dak_opened_at if self.receipt is not None else None

    __table_args__ = (
        CheckConstraint("status IN ('queued','sent','delivered','failed')", name="status"),
        CheckConstraint("mode IN ('email','post','hand','eoffice')", name="mode"),
    )


class VerifyAttempt(db.Model):
    """Lookups on the public verification page, per client address: rate limiting."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)


storage.names_files("dispatch", Dispatch.pdf_sha256)
