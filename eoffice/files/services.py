"""Opening files, who may see them, and placing receipts in them. Services flush only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select, text
from sqlalchemy.orm import joinedload

from eoffice.files.models import Correspondence, File, FileLink, FileStatusChange, SubjectHead
from eoffice.org.models import Office, Post, Role, Section
from eoffice.platform import audit, events
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import advisory_lock, lock_row
from eoffice.policy import Actor, can_open, openable
from eoffice.receipts.models import Receipt


def lock_idempotency_key(office_id: int, key: uuid.UUID) -> File | None:
    advisory_lock(f"file:{office_id}:{key}")
    return db.session.scalar(
        select(File).where(File.office_id == office_id, File.idempotency_key == key)
    )


def next_serial(office_id: int, section_id: int, head_id: int, year: int) -> int:
    return db.session.execute(
        text(
            "INSERT INTO file_sequence (office_id, section_id, head_id, year, last_serial) "
            "VALUES (:o, :s, :h, :y, 1) ON CONFLICT (office_id, section_id, head_id, year) "
            "DO UPDATE SET last_serial = file_sequence.last_serial + 1 RETURNING last_serial"
        ),
        {"o": office_id, "s": section_id, "h": head_id, "y": year},
    ).scalar_one()


def file_number(office: Office, section: Section, head: SubjectHead, serial: int, year: int) -> str:
    """The office's pattern filled in, e.g. कले/राज/भू-अभि/12/2026."""
    return office.file_number_pattern.format(
        office=office.code, section=section.code, head=head.code, serial=serial, year=year
    )


@dataclass
class FileInput:
    subject: str
    section: Section
    head: SubjectHead
    kind: str
    category_id: int | None
    grading: str
    priority: str
    physical_location: str | None


def open_file(actor: Actor, data: FileInput, *, key: uuid.UUID, post: Post, year: int) -> File:
    office = post.office
    serial = next_serial(office.id, data.section.id, data.head.id, year)
    number = file_number(office, data.section, data.head, serial, year)
    f = File(
        office_id=office.id,
        section_id=data.section.id,
        head_id=data.head.id,
        year=year,
        serial=serial,
        number=number,
        subject=data.subject,
        kind=data.kind,
        category_id=data.category_id,
        grading=data.grading,
        priority=data.priority,
        physical_location=data.physical_location,
        idempotency_key=key,
        created_by_id=actor.id,
        created_post_id=post.id,
        holder_post_id=post.id,
    )
    db.session.add(f)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "open_file",
        post.id,
        number=number,
    )
    return f


#: File lists count their matches up to this many (see list_files).
COUNT_CAP = 1000


def like_escape(text: str) -> str:
    """`text` matched literally inside LIKE: % and _ typed by the user are not wildcards."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_files(
    actor: Actor, *, scope: str, q: str, post: Post | None, page: int, page_size: int = 25
):
    """scope 'mine' (held by my posts) or 'section' (my current post's section)."""
    query = select(File)
    if scope == "section" and post is not None and post.section_id is not None:
        # only what the user may open: a clerk sees the section's files that passed their desk
        query = query.where(
            File.section_id == post.section_id, File.grading == "normal", openable(actor, File)
        )
    else:
        query = query.where(File.holder_post_id.in_(actor.post_ids or [0]))
    if q:
        pattern = f"%{like_escape(q)}%"
        query = query.where(
            or_(
                File.number.ilike(pattern),
                File.subject.ilike(pattern),
                File.legacy_number.ilike(pattern),  # an old paper file's number
            )
        )
    # Counting every match of a common word in a section of 25,000 files cost more than the
    # page itself: the count stops past COUNT_CAP and the page says "more than".
    total = db.session.scalar(
        select(func.count()).select_from(
            query.order_by(File.id.desc()).limit(COUNT_CAP + 1).subquery()
        )
    )
    rows = db.session.scalars(
        query.options(joinedload(File.holder_post))
        .order_by(File.id.desc())
        .limit(page_size)
        .offset((max(page, 1) - 1) * page_size)
    )
    return list(rows), total


def subject_heads(office_id: int) -> list[SubjectHead]:
    return list(
        db.session.scalars(
            select(SubjectHead)
            .where(SubjectHead.office_id == office_id, SubjectHead.retired_at.is_(None))
            .order_by(SubjectHead.code)
        )
    )


def holding_charge(actor: Actor, f: File):
    """The user's charge of the post holding the file, or Refused: only the holder writes in a
    file, and nobody writes in a closed one."""
    charge = actor.charge_for(f.holder_post_id)
    if charge is None:
        raise Refused("not_holder")
    if f.status == "closed":
        raise Refused("closed")
    return charge


def is_writable(actor: Actor, f: File) -> bool:
    """Whether the user may write in the file now (what holding_charge would allow)."""
    return f.status != "closed" and actor.charge_for(f.holder_post_id) is not None


def _next_page(f: File) -> tuple[int, int]:
    """(next position, first page of the next item) in the file's correspondence."""
    last = db.session.execute(
        select(
            func.coalesce(func.max(Correspondence.position), 0),
            func.coalesce(func.sum(Correspondence.pages), 0),
        ).where(Correspondence.file_id == f.id)
    ).one()
    return last[0] + 1, last[1] + 1


def attach_document(actor: Actor, f: File, document, title: str) -> Correspondence:
    """An uploaded document (a letter, an enclosure, a report) placed in the file."""
    f = lock_row(f)
    charge = holding_charge(actor, f)
    position, first_page = _next_page(f)
    c = Correspondence(
        file_id=f.id,
        position=position,
        document_id=document.id,
        title=title[:300],
        first_page=first_page,
        pages=document.pages,
        added_by_id=actor.id,
    )
    db.session.add(c)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "attach_document",
        charge.post.id,
        document_id=document.id,
        position=position,
        pages=document.pages,
    )
    return c


def attach_receipt(actor: Actor, f: File, receipt) -> Correspondence:
    """Place a receipt in a file as correspondence: both must be with the user."""
    f = lock_row(f)
    receipt = lock_row(receipt)
    mine = actor.post_ids
    if f.holder_post_id not in mine or receipt.holder_post_id not in mine:
        raise Refused("not_holder")
    if f.status == "closed":
        raise Refused("closed")
    if is_filed(receipt):
        raise Refused("filed")
    position, first_page = _next_page(f)
    pages = receipt.document.pages if receipt.document is not None else 1
    c = Correspondence(
        file_id=f.id,
        position=position,
        receipt_id=receipt.id,
        title=f"{receipt.diary_number}: {receipt.subject}"[:300],
        first_page=first_page,
        pages=pages,
        added_by_id=actor.id,
    )
    db.session.add(c)
    events.receipt_filed.send(receipt, actor=actor)  # its hop ends (eoffice.movement)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "attach_receipt",
        f.holder_post_id,
        receipt_id=receipt.id,
        position=c.position,
    )
    return c


def is_filed(receipt) -> bool:
    return bool(db.session.scalar(select(exists().where(Correspondence.receipt_id == receipt.id))))


def held_receipts(actor: Actor, limit: int = 50) -> list[Receipt]:
    """The receipt inbox: held by any post the user holds and not yet placed in a file,
    newest first."""
    return list(
        db.session.scalars(
            select(Receipt)
            .where(
                Receipt.holder_post_id.in_(actor.post_ids or [0]),
                ~exists().where(Correspondence.receipt_id == Receipt.id),
            )
            .order_by(Receipt.id.desc())
            .limit(limit)
        )
    )


def file_of_receipt(receipt_id: int) -> File | None:
    return db.session.scalar(
        select(File)
        .join(Correspondence, Correspondence.file_id == File.id)
        .where(Correspondence.receipt_id == receipt_id)
    )


def find_by_number(office_id: int, number: str) -> File | None:
    return db.session.scalar(
        select(File).where(File.office_id == office_id, File.number == number.strip())
    )


def linked_files(actor: Actor, f: File) -> list[File]:
    """Related files the user may open (others are not even named)."""
    ids = (
        select(FileLink.other_id)
        .where(FileLink.file_id == f.id)
        .union(select(FileLink.file_id).where(FileLink.other_id == f.id))
    )
    return list(
        db.session.scalars(
            select(File).where(File.id.in_(ids), openable(actor, File)).order_by(File.id)
        )
    )


def link(actor: Actor, f: File, other: File | None) -> FileLink:
    """Mark two files as related. The user must hold this one and be allowed to see the other."""
    charge = holding_charge(actor, f)
    if other is None or not can_open(actor, other):
        raise Refused("no_such_file")
    if other.id == f.id:
        raise Refused("same_file")
    a, b = sorted((f.id, other.id))
    if db.session.get(FileLink, (a, b)) is not None:
        raise Refused("already_linked")
    row = FileLink(file_id=a, other_id=b, added_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "link_files",
        charge.post.id,
        other_id=other.id,
    )
    return row


#: (from, to): the action that makes the change
TRANSITIONS = {
    ("open", "closed"): "close",
    ("parked", "closed"): "close",
    ("closed", "open"): "reopen",
    ("open", "parked"): "park",
    ("parked", "open"): "resume",
}


def may_close(actor: Actor, f: File) -> bool:
    """The file's creator (its opening post) or the section officer of its section, holding it."""
    charge = actor.charge_for(f.holder_post_id)
    if charge is None:
        return False
    if f.created_post_id in actor.post_ids or f.created_by_id == actor.id:
        return True
    return actor.role == Role.SECTION_OFFICER and charge.post.section_id == f.section_id


def change_status(actor: Actor, f: File, to: str, reason: str) -> FileStatusChange:
    """Close (creator or section officer), reopen (the same), park or resume (the holder).
    A reason is always required and kept with the file."""
    f = lock_row(f)
    charge = actor.charge_for(f.holder_post_id)
    if charge is None:
        raise Refused("not_holder")
    action = TRANSITIONS.get((f.status, to))
    if action is None:
        raise Refused("already" if f.status == to else "bad_transition")
    if action in ("close", "reopen") and not may_close(actor, f):
        raise Refused("not_authorised")
    if not reason:
        raise Refused("no_reason")
    change = FileStatusChange(
        file_id=f.id,
        from_status=f.status,
        to_status=to,
        reason=reason[:1000],
        by_id=actor.id,
        post_id=charge.post.id,
    )
    if action == "reopen":  # back out of the record room (recorded again when closed again)
        f.record_category = f.retention_years = f.recorded_at = f.review_year = None
    f.status = to
    db.session.add(change)
    db.session.flush()
    audit.record(
        f"{action}_file",
        user_id=actor.id,
        post_id=charge.post.id,
        object_type="file",
        object_id=f.id,
        reason=reason[:200],
    )
    return change


def status_history(f: File) -> list[FileStatusChange]:
    return list(
        db.session.scalars(
            select(FileStatusChange)
            .where(FileStatusChange.file_id == f.id)
            .order_by(FileStatusChange.id)
        )
    )
