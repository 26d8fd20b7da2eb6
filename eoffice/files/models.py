"""Files (पत्रावली / नस्ती): a numbered subject with notes and correspondence, held by a post."""

from __future__ import annotations

import re
import uuid
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
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.documents.models import Document
from eoffice.org.models import Office, Post, Section, User, _pick
from eoffice.platform import storage
from eoffice.platform.extensions import db
from eoffice.platform.items import MovableItem
from eoffice.platform.keys import key_column, key_index
from eoffice.receipts.models import Receipt, ReceiptCategory


class SubjectHead(db.Model):
    """विषय शीर्ष: the office's list of subject heads used in file numbers (भू-अभि, शस्त्र-लाइ)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id"))
    code: Mapped[str] = mapped_column(String(20))
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: retired: not offered for new files; the files numbered under it keep their numbers
    retired_at: Mapped[datetime | None]

    section: Mapped[Section | None] = relationship()

    __table_args__ = (UniqueConstraint("office_id", "code", name="uq_subject_head_office_code"),)

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class FileSequence(db.Model):
    """Last serial per office, section, subject head and year (row lock: gap-free)."""

    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), primary_key=True)
    head_id: Mapped[int] = mapped_column(ForeignKey("subject_head.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_serial: Mapped[int]


class File(MovableItem, db.Model):
    __tablename__ = "efile"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"))
    head_id: Mapped[int] = mapped_column(ForeignKey("subject_head.id"))
    year: Mapped[int]
    serial: Mapped[int]
    #: e.g. कले/राज/भू-अभि/12/2026, from the office's pattern
    number: Mapped[str] = mapped_column(String(120))
    #: electronic or physical (a paper file whose movement and location are tracked)
    kind: Mapped[str] = mapped_column(String(12), default="electronic")
    #: open, parked (स्थगित), closed
    status: Mapped[str] = mapped_column(String(10), default="open")
    physical_location: Mapped[str | None] = mapped_column(String(200))
    #: पुरानी पत्रावली (स्कैन): an old paper file brought in as scans (eoffice/admin/legacy.py),
    #: with the number it had on paper (searchable; one per office)
    legacy_number: Mapped[str | None] = mapped_column(String(120))
    #: the post that has its paper volume now (a paper file, or the paper part of an e-file),
    #: once registered in the physical file register (eoffice/movement/paper.py)
    paper_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    last_movement_id: Mapped[int | None] = mapped_column(
        ForeignKey("movement.id", use_alter=True, name="fk_efile_last_movement")
    )
    #: भाग पत्रावली: a part file opened while the main file was with another desk (its number
    #: is the main file's with "/भाग-N"); merged back into the main file when it returns
    part_of_id: Mapped[int | None] = mapped_column(ForeignKey("efile.id"))
    part_no: Mapped[int | None]
    merged_at: Mapped[datetime | None]
    #: अभिलेखन (CSMOP ch. 10): set when the file is closed and recorded — A (keep for ever and
    #: digitise), B (keep for ever), C (keep `retention_years`, 1–10, then review); cleared when
    #: it is reopened. A weeded file keeps them (status "weeded": the row stays, its content
    #: is gone; eoffice/records)
    record_category: Mapped[str | None] = mapped_column(String(1))
    retention_years: Mapped[int | None]
    recorded_at: Mapped[datetime | None]
    #: the year the record keeper looks at it again (C: the year recorded + its years)
    review_year: Mapped[int | None]

    office: Mapped[Office] = relationship()
    section: Mapped[Section] = relationship()
    head: Mapped[SubjectHead] = relationship()
    category: Mapped[ReceiptCategory | None] = relationship()
    created_by: Mapped[User] = relationship()
    created_post: Mapped[Post] = relationship(foreign_keys="File.created_post_id")
    holder_post: Mapped[Post] = relationship(foreign_keys="File.holder_post_id")
    paper_post: Mapped[Post | None] = relationship(foreign_keys="File.paper_post_id")
    correspondence: Mapped[list[Correspondence]] = relationship(
        back_populates="file", order_by="Correspondence.position"
    )

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("efile")

    __table_args__ = (
        key_index("efile"),
        Index(
            "ix_efile_paper_post",
            "paper_post_id",
            postgresql_where=text("paper_post_id IS NOT NULL"),
        ),
        Index(
            "uq_efile_legacy_number",
            "office_id",
            "legacy_number",
            unique=True,
            postgresql_where=text("legacy_number IS NOT NULL"),
        ),
        UniqueConstraint("office_id", "number", name="uq_efile_office_number"),
        UniqueConstraint("office_id", "idempotency_key", name="uq_efile_idempotency"),
        CheckConstraint("kind IN ('electronic','physical')", name="kind"),
        CheckConstraint("grading IN ('normal','confidential','secret')", name="grading"),
        CheckConstraint("priority IN ('normal','immediate','most_immediate')", name="priority"),
        CheckConstraint("status IN ('open','parked','closed','weeded')", name="status"),
        CheckConstraint(
            "record_category IS NULL OR status IN ('closed','weeded')", name="recorded_closed"
        ),
        CheckConstraint(
            "record_category IS NULL OR (record_category IN ('A','B') AND retention_years IS NULL"
            " AND review_year IS NULL) OR (record_category = 'C' AND retention_years BETWEEN 1"
            " AND 10 AND review_year IS NOT NULL)",
            name="record_category",
        ),
        CheckConstraint("status <> 'weeded' OR record_category = 'C'", name="weeded_c"),
        CheckConstraint("length(btrim(subject)) > 0", name="subject_not_blank"),
        CheckConstraint("(part_of_id IS NULL) = (part_no IS NULL)", name="part_numbered"),
        Index("ix_efile_section_created", "section_id", "id"),
        Index("ix_efile_office_created", "office_id", "created_at"),
        Index("ix_efile_part_of", "part_of_id", postgresql_where=text("part_of_id IS NOT NULL")),
        Index(
            "ix_efile_record_room",
            "office_id",
            "review_year",
            postgresql_where=text("record_category IS NOT NULL"),
        ),
    )

    kind_name = "file"


class Correspondence(db.Model):
    """पत्राचार: a receipt or an uploaded document placed in a file, in order."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"))
    position: Mapped[int]
    #: A receipt is placed in at most one file.
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    title: Mapped[str] = mapped_column(String(300))
    #: Page of the file's correspondence on which this item starts (पत्राचार पृ. N).
    first_page: Mapped[int]
    pages: Mapped[int] = mapped_column(server_default=text("1"))
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())

    file: Mapped[File] = relationship(back_populates="correspondence")
    receipt: Mapped[Receipt | None] = relationship()
    document: Mapped[Document | None] = relationship()
    added_by: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("file_id", "position", name="uq_correspondence_position"),
        CheckConstraint("receipt_id IS NOT NULL OR document_id IS NOT NULL", name="has_content"),
    )


class Note(db.Model):
    """टिप्पणी: a draft (कच्ची) while being written, then final: numbered, signed by name and post,
    and never changed again (a Postgres trigger refuses UPDATE and DELETE of a final note)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    #: the post the author wrote as (the file's holder at the time)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    body: Mapped[str] = mapped_column(Text)
    #: draft or final
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: the file's paragraph number, continuous across the file; set when finalised
    paragraph: Mapped[int | None]
    #: bumped by every autosave: a save from a stale page is a conflict, not an overwrite
    version: Mapped[int] = mapped_column(default=1)
    #: the page (a token each rendered note form carries) that last saved the draft: its later
    #: saves are never a conflict with its own earlier one, however the answers cross on 2G
    editor: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())
    finalised_at: Mapped[datetime | None]
    #: an order passed on paper while the server was down, entered afterwards: the day it was
    #: passed (the note shows it; finalised_at is when it was entered) and who passed it
    passed_on: Mapped[date | None] = mapped_column(Date)
    passed_by: Mapped[str | None] = mapped_column(String(200))
    downtime_id: Mapped[int | None] = mapped_column(ForeignKey("downtime.id"))
    #: a note brought in from a merged part file: the part's own note (kept there as written)
    from_note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id"))

    author: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("note")

    __table_args__ = (
        key_index("note"),
        Index("ix_note_downtime", "downtime_id", postgresql_where=text("downtime_id IS NOT NULL")),
        UniqueConstraint("file_id", "paragraph", name="uq_note_paragraph"),
        # one draft per author per file
        Index(
            "uq_note_one_draft",
            "file_id",
            "author_id",
            unique=True,
            postgresql_where=text("status = 'draft'"),
        ),
        CheckConstraint("status IN ('draft','final')", name="status"),
        CheckConstraint("(status = 'final') = (paragraph IS NOT NULL)", name="final_numbered"),
        CheckConstraint("length(body) <= 100000", name="body_length"),
        Index("ix_note_file", "file_id", "paragraph"),
    )


class NoteCitation(db.Model):
    """A "पत्राचार पृ. N" in a final note, resolved when the note was made final: the
    correspondence item it meant and the page within it. The item may move (a part file merged
    into its main file renumbers its pages); the note, which never changes, then still opens
    that item and shows its page now."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), index=True)
    #: where the reference is in the note's text (characters)
    start: Mapped[int]
    end: Mapped[int]
    correspondence_id: Mapped[int] = mapped_column(ForeignKey("correspondence.id"))
    #: the page within the item (1: its first)
    page: Mapped[int]

    correspondence: Mapped[Correspondence] = relationship()

    __table_args__ = (UniqueConstraint("note_id", "start", name="uq_note_citation_start"),)


class FileLink(db.Model):
    """संबंधित पत्रावली: two files that belong together. Stored once, smaller id first."""

    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"), primary_key=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("efile.id"), primary_key=True, index=True)
    added_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (CheckConstraint("file_id < other_id", name="ordered"),)


class FileStatusChange(db.Model):
    """Closing, reopening or parking a file, with the reason: the file's own history."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(10))
    to_status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(1000))
    by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    at: Mapped[datetime] = mapped_column(server_default=func.now())

    by: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()

    __table_args__ = (
        CheckConstraint("length(btrim(reason)) > 0", name="reason_not_blank"),
        Index("ix_file_status_change_closed", "to_status", "at"),
    )


class LetterTemplate(db.Model):
    """A standard letter an office starts drafts from (अनुस्मारक, आख्या हेतु पत्र …)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    name_hi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    addressee: Mapped[str] = mapped_column(Text, default="")
    subject: Mapped[str] = mapped_column(String(1000), default="")
    body: Mapped[str] = mapped_column(Text)

    @property
    def name(self) -> str:
        return _pick(self.name_hi, self.name_en)


class LetterDraft(db.Model):
    """प्रारूप (DFA): a letter being prepared in a file. Every save is a new version; approval by
    an authorised post freezes it for signing and issue."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"), index=True)
    #: D1, D2 … within the file
    serial: Mapped[int]
    #: draft or approved
    status: Mapped[str] = mapped_column(String(10), default="draft")
    current_version: Mapped[int] = mapped_column(default=1)
    #: from the "new draft" form: a double click or a resubmit makes one draft, not two
    idempotency_key: Mapped[uuid.UUID | None] = mapped_column(UUID, unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    approved_version: Mapped[int | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    approved_at: Mapped[datetime | None]
    #: the letter's PDF now: rendered from the approved version, then after each signature
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    #: printed on the letter with a QR code; the public page looks it up
    verification_code: Mapped[str | None] = mapped_column(String(20), unique=True)
    #: the dispatch number (प्रेषण संख्या), reserved when the approved letter is first rendered
    #: for signing so that the signed copy carries it; issuing takes this number
    dispatch_year: Mapped[int | None]
    dispatch_serial: Mapped[int | None]
    dispatch_number: Mapped[str | None] = mapped_column(String(80))

    file: Mapped[File] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    approved_post: Mapped[Post | None] = relationship()
    versions: Mapped[list[LetterVersion]] = relationship(
        back_populates="draft", order_by="LetterVersion.number"
    )

    __table_args__ = (
        UniqueConstraint("file_id", "serial", name="uq_letter_draft_serial"),
        Index("uq_letter_draft_dispatch_number", "dispatch_number", unique=True),
        CheckConstraint("status IN ('draft','approved')", name="status"),
        CheckConstraint(
            "(status = 'approved') = (approved_version IS NOT NULL)", name="approved_version"
        ),
    )

    @property
    def latest(self) -> LetterVersion:
        return self.versions[-1]


#: a list number typed at the start of a line: 1. / 1) / (1) / १. / 1-
_NUMBERED = re.compile(r"^\s*(?:\([0-9०-९]{1,3}\)|[0-9०-९]{1,3}[.)\-:])\s*")


class LetterVersion(db.Model):
    """One saved version of a draft letter: never changed (a trigger refuses UPDATE/DELETE)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("letter_draft.id"))
    number: Mapped[int]
    addressee: Mapped[str] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(String(1000))
    body: Mapped[str] = mapped_column(Text)
    #: प्रतिलिपि: one recipient of a copy per line, under the signature block
    copy_to: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegation.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    draft: Mapped[LetterDraft] = relationship(back_populates="versions")
    author: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("letter_version")

    @property
    def copies(self) -> list[str]:
        """The प्रतिलिपि list, one recipient a line, without the numbering a clerk may have
        typed ("1. ", "२)", "(3)"): the letter numbers them itself."""
        lines = (_NUMBERED.sub("", ln).strip() for ln in (self.copy_to or "").splitlines())
        return [ln for ln in lines if ln]

    __table_args__ = (
        key_index("letter_version"),
        UniqueConstraint("draft_id", "number", name="uq_letter_version_number"),
        CheckConstraint("length(body) <= 100000", name="body_length"),
    )


storage.names_files("letter", LetterDraft.pdf_sha256)
