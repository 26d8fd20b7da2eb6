"""The record room (अभिलेख कक्ष, CSMOP 2022 ch. 10): the office's retention schedule, the markings
that keep a file from being weeded (a pending court case, audit para or RTI application), and
the weeding of recorded files whose time is up — a proposal, an approval, and the destruction
register (विनष्टीकरण पंजी) that outlives the file."""

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
from eoffice.files.models import File, SubjectHead
from eoffice.org.models import Office, Post, User
from eoffice.platform.extensions import db
from eoffice.platform.keys import key_column, key_index
from eoffice.receipts.models import Receipt

#: A: keep for ever and digitise; B: keep for ever; C: keep for a number of years (1–10)
CATEGORIES = ("A", "B", "C")


class RetentionRule(db.Model):
    """प्रतिधारण अनुसूची: for one subject head of an office, the category and years a file is
    recorded with (suggested on closing), and the post that approves weeding it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    head_id: Mapped[int] = mapped_column(ForeignKey("subject_head.id"))
    category: Mapped[str] = mapped_column(String(1))
    years: Mapped[int | None]
    #: who approves weeding (None: the office's senior approving post)
    approver_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    head: Mapped[SubjectHead] = relationship()
    approver_post: Mapped[Post | None] = relationship()

    __table_args__ = (
        UniqueConstraint("office_id", "head_id", name="uq_retention_rule_head"),
        CheckConstraint(
            "(category IN ('A','B') AND years IS NULL) OR (category = 'C' AND years BETWEEN 1 AND 10)",
            name="category_years",
        ),
    )


#: what a marking is about (the registers a DM is reviewed on, CSMOP para 60): the ones that
#: hold a file from weeding while they are open, then the others
HOLDING_KINDS = ("court_case", "audit_para", "rti", "rti_appeal")
MARKING_KINDS = ("vip", "question", "assurance", "rti", "rti_appeal", "court_case", "audit_para")
#: an RTI application's fee: paid, below the poverty line (no fee), not paid
RTI_FEES = ("paid", "bpl", "unpaid")


class Marking(db.Model):
    """A file or a receipt marked as the subject of a court case, an audit para or an RTI
    application, from the day it was opened until it is closed. While one is open on a file (or
    on a receipt placed in it), the file cannot be weeded."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[int | None] = mapped_column(ForeignKey("efile.id"))
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    #: the case number and court, the audit para's number, the RTI registration number
    reference: Mapped[str] = mapped_column(String(300))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_remark: Mapped[str | None] = mapped_column(String(1000))
    #: the limit now (eoffice/records/limits.py): what the clock on every list counts down to
    due_on: Mapped[date | None] = mapped_column(Date)
    #: who: the referring MP/MLA/minister, the RTI applicant, the parties to a case
    party: Mapped[str | None] = mapped_column(String(300))
    #: where: the court, the House and its session
    forum: Mapped[str | None] = mapped_column(String(300))
    #: RTI: the fee (paid, bpl, unpaid); life or liberty (48 hours); received through the APIO
    fee: Mapped[str | None] = mapped_column(String(8))
    life_liberty: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    via_apio: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    #: RTI: transferred to another public authority under section 6(3)
    transferred_on: Mapped[date | None] = mapped_column(Date)
    transferred_to: Mapped[str | None] = mapped_column(String(300))
    #: VIP reference: acknowledged (the reply's 15 days run from here)
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    #: a court case's next hearing; the para-wise comments or counter-affidavit due before it
    hearing_on: Mapped[date | None] = mapped_column(Date)
    #: a question's answering officer
    answer_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    #: an assurance given in a question's reply; a first appeal against an RTI reply
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("marking.id"))
    #: the last reminder sent before or at the limit (its stage: before, due, overdue, month)
    reminded_on: Mapped[date | None] = mapped_column(Date)
    reminded_stage: Mapped[str | None] = mapped_column(String(8))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    file: Mapped[File | None] = relationship()
    receipt: Mapped[Receipt | None] = relationship()
    created_by: Mapped[User] = relationship()
    answer_post: Mapped[Post | None] = relationship(foreign_keys=[answer_post_id])
    parent: Mapped[Marking | None] = relationship(remote_side="Marking.id")

    @property
    def item(self) -> File | Receipt:
        return self.file if self.file_id is not None else self.receipt

    __table_args__ = (
        CheckConstraint("(file_id IS NULL) <> (receipt_id IS NULL)", name="one_item"),
        CheckConstraint("length(btrim(reference)) > 0", name="reference_not_blank"),
        CheckConstraint(
            "kind IN ('vip','question','assurance','rti','rti_appeal','court_case','audit_para')",
            name="kind",
        ),
        CheckConstraint("fee IS NULL OR fee IN ('paid','bpl','unpaid')", name="fee"),
        Index("ix_marking_register", "office_id", "kind", "due_on"),
        Index("ix_marking_file", "file_id", postgresql_where=text("closed_on IS NULL")),
        Index("ix_marking_receipt", "receipt_id", postgresql_where=text("closed_on IS NULL")),
    )


class Weeding(db.Model):
    """A proposal to weed a recorded file, and its decision. An approved one is the file's entry
    in the destruction register: it keeps what the register must say after the file's content
    is gone (number, subject, category, dates, who proposed, who approved, what was destroyed)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    file_id: Mapped[int] = mapped_column(ForeignKey("efile.id"))
    #: proposed, approved (destroyed), refused
    status: Mapped[str] = mapped_column(String(10), default="proposed")
    #: the destruction register's serial in the office (set on approval)
    entry_no: Mapped[int | None]
    number: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(1000))
    category: Mapped[str] = mapped_column(String(1))
    retention_years: Mapped[int]
    opened_on: Mapped[date] = mapped_column(Date)
    recorded_on: Mapped[date] = mapped_column(Date)
    review_year: Mapped[int]
    reason: Mapped[str] = mapped_column(String(1000))
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    proposed_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    proposed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: the post the schedule names to approve it
    approver_post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    decided_at: Mapped[datetime | None]
    decision_remark: Mapped[str | None] = mapped_column(String(1000))
    #: what was destroyed: notes, letters (drafts with their versions), correspondence items,
    #: and the stored files (scans, PDFs) no other record used
    notes_destroyed: Mapped[int | None]
    letters_destroyed: Mapped[int | None]
    items_destroyed: Mapped[int | None]
    stored_destroyed: Mapped[int | None]

    office: Mapped[Office] = relationship()
    file: Mapped[File] = relationship()
    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    proposed_post: Mapped[Post] = relationship(foreign_keys=[proposed_post_id])
    approver_post: Mapped[Post] = relationship(foreign_keys=[approver_post_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    decided_post: Mapped[Post | None] = relationship(foreign_keys=[decided_post_id])

    __table_args__ = (
        CheckConstraint("status IN ('proposed','approved','refused')", name="status"),
        CheckConstraint("(status = 'approved') = (entry_no IS NOT NULL)", name="entry_numbered"),
        CheckConstraint("category = 'C'", name="only_c"),
        UniqueConstraint("office_id", "entry_no", name="uq_weeding_entry_no"),
        # one open proposal, and one destruction, per file
        Index(
            "uq_weeding_open",
            "file_id",
            unique=True,
            postgresql_where=text("status IN ('proposed','approved')"),
        ),
        Index("ix_weeding_office", "office_id", "status"),
    )


#: a guard file entry: a precedent (नज़ीर) or a standing order taken from a file's note or
#: letter; a government order (शासनादेश) or circular uploaded with its number and date
LIBRARY_KINDS = ("precedent", "standing_order", "go", "circular")


class LibraryEntry(db.Model):
    """The office's guard file and library of orders: the text is kept here, not in the file,
    so that it survives the file's weeding; searchable like everything else (its OCR text too)."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(1000))
    #: a GO's or circular's number, date and issuing department
    number: Mapped[str | None] = mapped_column(String(120))
    issued_on: Mapped[date | None] = mapped_column(Date)
    department: Mapped[str | None] = mapped_column(String(300))
    #: the precedent's text (the note or letter as it was), or a note on the order
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: where it came from: "पत्रावली … , अनुच्छेद 3" (words: the file may be weeded)
    source: Mapped[str | None] = mapped_column(String(300))
    #: an uploaded order's PDF, and its OCR text (none, queued, done)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    ocr_text: Mapped[str | None] = mapped_column(Text)
    ocr_status: Mapped[str] = mapped_column(String(10), default="none", server_default="none")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    document: Mapped[Document | None] = relationship()
    created_by: Mapped[User] = relationship()

    #: the search key of its text (eoffice/platform/keys.py), kept by Postgres
    search_keys: Mapped[str | None] = key_column("library_entry")

    __table_args__ = (
        key_index("library_entry"),
        CheckConstraint("kind IN ('precedent','standing_order','go','circular')", name="kind"),
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(body) <= 100000", name="body_length"),
        Index("ix_library_entry_office", "office_id", "id"),
    )
