"""भाग पत्रावली (part files). While a file is with another desk, the holder of a new receipt on
the same matter opens a part of it — numbered as the file with "/भाग-N" — notes in it and moves
it like any file. When the main file is back with the part's holder, the part is merged into
it: the part's final notes follow as the main file's next paragraphs (each pointing to the
part's own note, which stays in the part as written and signed), its correspondence as the next
pages; the part closes with a pointer to the main file. Both tracks keep the whole story.
Services flush, never commit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import func, select

from eoffice.files.models import Correspondence, File, FileStatusChange, Note, NoteCitation
from eoffice.files.services import attach_receipt, find_by_number
from eoffice.platform import audit
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.policy import Actor, can_open


def parts_of(main: File) -> list[File]:
    return list(
        db.session.scalars(select(File).where(File.part_of_id == main.id).order_by(File.part_no))
    )


def open_part(actor: Actor, number: str, receipt, key: uuid.UUID) -> File:
    """A part of the file `number` (which the user may see but another desk holds), with the
    receipt as its first correspondence; the user's charge holding the receipt holds the part."""
    existing = db.session.scalar(
        select(File).where(File.office_id == receipt.office_id, File.idempotency_key == str(key))
    )
    if existing is not None:
        return existing
    main = find_by_number(receipt.office_id, number)
    if main is None or not can_open(actor, main):
        raise Refused("no_such_file")
    if main.part_of_id is not None:
        raise Refused("is_a_part")
    if main.status == "closed":
        raise Refused("closed")
    if main.holder_post_id in actor.post_ids:
        raise Refused("you_hold_it")  # put the receipt in the file itself
    charge = actor.charge_for(receipt.holder_post_id)
    if charge is None:
        raise Refused("not_holder")
    main = lock_row(main)
    n = 1 + db.session.scalar(
        select(func.coalesce(func.max(File.part_no), 0)).where(File.part_of_id == main.id)
    )
    part = File(
        office_id=main.office_id,
        section_id=main.section_id,
        head_id=main.head_id,
        year=main.year,
        serial=main.serial,
        number=f"{main.number}/भाग-{n}",
        subject=main.subject,
        kind="electronic",
        category_id=main.category_id,
        grading=main.grading,
        priority=main.priority,
        idempotency_key=str(key),
        created_by_id=actor.id,
        created_post_id=charge.post.id,
        holder_post_id=charge.post.id,
        part_of_id=main.id,
        part_no=n,
    )
    db.session.add(part)
    db.session.flush()
    audit.record_on(actor, part, "open_part", charge.post.id, number=part.number, main_id=main.id)
    audit.record_on(actor, main, "part_opened", charge.post.id, part_id=part.id, number=part.number)
    attach_receipt(actor, part, receipt)
    return part


def can_merge(actor: Actor, part: File) -> bool:
    if part.part_of_id is None or part.status == "closed":
        return False
    main = db.session.get(File, part.part_of_id)
    mine = set(actor.post_ids)
    return main.status != "closed" and {main.holder_post_id, part.holder_post_id} <= mine


def merge(actor: Actor, part: File) -> File:
    """Merge the part into its main file; returns the main file."""
    if part.part_of_id is None:
        raise Refused("not_a_part")
    main = lock_row(db.session.get(File, part.part_of_id))
    part = lock_row(part)
    if part.status == "closed":
        raise Refused("already_merged")
    if not can_merge(actor, part):
        raise Refused("hold_both")
    drafts = db.session.scalar(
        select(func.count(Note.id)).where(Note.file_id == part.id, Note.status == "draft")
    )
    if drafts:
        raise Refused("draft_in_part")
    charge = actor.charge_for(main.holder_post_id)
    last = db.session.scalar(
        select(func.coalesce(func.max(Note.paragraph), 0)).where(Note.file_id == main.id)
    )
    notes = db.session.scalars(
        select(Note).where(Note.file_id == part.id, Note.status == "final").order_by(Note.paragraph)
    ).all()
    copies = []
    for k, n in enumerate(notes, start=1):
        copies.append(
            Note(
                file_id=main.id,
                author_id=n.author_id,
                post_id=n.post_id,
                delegation_id=n.delegation_id,
                body=n.body,
                status="final",
                paragraph=last + k,
                version=1,
                created_at=n.created_at,
                updated_at=n.updated_at,
                finalised_at=n.finalised_at,
                from_note_id=n.id,
            )  # fmt: skip
        )
    db.session.add_all(copies)
    db.session.flush()
    # the copies cite what their originals cited: the same items, which move with them below
    copy_of = {x.from_note_id: x for x in copies}
    for c in db.session.scalars(
        select(NoteCitation).where(NoteCitation.note_id.in_([n.id for n in notes] or [0]))
    ).all():
        db.session.add(
            NoteCitation(
                note_id=copy_of[c.note_id].id,
                start=c.start,
                end=c.end,
                correspondence_id=c.correspondence_id,
                page=c.page,
            )  # fmt: skip
        )
    position, pages = db.session.execute(
        select(
            func.coalesce(func.max(Correspondence.position), 0),
            func.coalesce(func.sum(Correspondence.pages), 0),
        ).where(Correspondence.file_id == main.id)
    ).one()
    moved = db.session.scalars(
        select(Correspondence).where(Correspondence.file_id == part.id).order_by(
            Correspondence.position)
    ).all()  # fmt: skip
    for c in moved:
        position += 1
        c.file_id, c.position, c.first_page = main.id, position, pages + 1
        pages += c.pages
    db.session.flush()
    now = datetime.now(UTC)
    db.session.add(
        FileStatusChange(
            file_id=part.id,
            from_status=part.status,
            to_status="closed",
            reason=f"मुख्य पत्रावली {main.number} में विलय",
            by_id=actor.id,
            post_id=charge.post.id,
        )  # fmt: skip
    )
    part.status, part.merged_at = "closed", now
    db.session.flush()
    audit.record_on(actor, main, "merge_part", charge.post.id, part_id=part.id, notes=len(notes),
                    correspondence=len(moved))  # fmt: skip
    audit.record_on(actor, part, "merged_into", charge.post.id, main_id=main.id)
    return main
