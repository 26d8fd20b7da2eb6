"""The guard file (गार्ड फाइल) and the library of orders: precedents and standing orders taken
from a file's final notes and letters (their text copied, so that weeding the file does not take
them), and government orders and circulars uploaded with their number, date and department and
read by OCR. Searched with the same keys as the rest (eoffice/search). Services flush only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from eoffice.documents.models import Document
from eoffice.files.models import File, LetterDraft, Note
from eoffice.platform import audit, jobs
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.policy import Actor
from eoffice.records.models import LibraryEntry
from eoffice.records.services import keeps_records
from eoffice.search.services import parse

PAGE = 50


def may_add(actor: Actor) -> bool:
    """Officers and section officers of the office, and its record keeper."""
    return actor.office is not None and (actor.can("give_tasks") or keeps_records(actor))


def add_from_file(actor: Actor, f: File, kind: str, *, note_id: int | None = None,
                  letter: int | None = None, title: str = "") -> LibraryEntry:  # fmt: skip
    """A final note or a letter (its approved version, else its latest) of a file of the
    actor's office, as a precedent or a standing order."""
    if kind not in ("precedent", "standing_order"):
        raise Refused("kind")
    if not may_add(actor) or f.office_id != actor.office.id:
        raise Refused("not_allowed")
    if f.grading != "normal":
        raise Refused("confidential")
    if note_id is not None:
        n = db.session.get(Note, note_id)
        if n is None or n.file_id != f.id or n.status != "final":
            raise Refused("no_source")
        body, part = n.body, f"¶{n.paragraph}"
    else:
        d = db.session.scalar(
            select(LetterDraft).where(
                LetterDraft.file_id == f.id, LetterDraft.serial == (letter or 0)
            )
        )
        if d is None:
            raise Refused("no_source")
        v = next((x for x in d.versions if x.number == d.approved_version), d.latest)
        body, part = f"{v.subject}\n\n{v.body}", f"D{d.serial}"
    e = LibraryEntry(
        office_id=f.office_id, kind=kind, title=(title or f.subject)[:1000], body=body[:100000],
        source=f"{f.number} {part}"[:300], created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(e)
    db.session.flush()
    audit.record_on(actor, f, "add_to_guard_file", actor.post.id if actor.post else None,
                    entry_id=e.id, kind=kind)  # fmt: skip
    return e


@dataclass
class OrderInput:
    kind: str
    title: str
    number: str
    issued_on: date | None
    department: str
    body: str = ""


def add_order(actor: Actor, data: OrderInput, document: Document | None) -> LibraryEntry:
    """A government order or circular, with its PDF read by OCR in the job worker."""
    if data.kind not in ("go", "circular", "standing_order"):
        raise Refused("kind")
    if not may_add(actor):
        raise Refused("not_allowed")
    if not data.title:
        raise Refused("no_title")
    if not data.number:
        raise Refused("no_number")
    if data.issued_on is None:
        raise Refused("date")
    if data.issued_on > today():
        raise Refused("future")
    e = LibraryEntry(
        office_id=actor.office.id, kind=data.kind, title=data.title[:1000],
        number=data.number[:120], issued_on=data.issued_on, department=data.department[:300] or None,
        body=data.body[:100000], document_id=document.id if document else None,
        ocr_status="queued" if document else "none", created_by_id=actor.id,
    )  # fmt: skip
    db.session.add(e)
    db.session.flush()
    audit.record("add_order", user_id=actor.id, post_id=actor.post.id if actor.post else None,
                 object_type="office", object_id=actor.office.id, entry_id=e.id)  # fmt: skip
    if document is not None:
        jobs.enqueue("ocr_library_entry", "ocr", entry_id=e.id)
    return e


def find(actor: Actor, q: str, kind: str = "", page: int = 1) -> tuple[list[LibraryEntry], int]:
    """The office's entries, newest first; with words, those whose text (OCR too) has them all."""
    if actor.office is None:
        return [], 0
    where = [LibraryEntry.office_id == actor.office.id]
    if kind:
        where.append(LibraryEntry.kind == kind)
    query = parse(q) if q else None
    if query:
        where.append(LibraryEntry.search_keys.op("@@")(func.to_tsquery("simple", query.tsquery())))
    total = db.session.scalar(select(func.count()).select_from(LibraryEntry).where(*where)) or 0
    rows = db.session.scalars(
        select(LibraryEntry).where(*where).order_by(LibraryEntry.id.desc())
        .limit(PAGE).offset((max(page, 1) - 1) * PAGE)
    ).all()  # fmt: skip
    return list(rows), total


def entry(actor: Actor, entry_id: int) -> LibraryEntry | None:
    e = db.session.get(LibraryEntry, entry_id)
    if e is None or actor.office is None or e.office_id != actor.office.id:
        return None
    return e
