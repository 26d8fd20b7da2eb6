"""Notes (टिप्पणी): drafts that autosave, finals that are numbered and never change.

Services flush and never commit. Finalising locks the file row, so paragraph numbers are
continuous and two tabs cannot both finalise one draft.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from eoffice.files.models import File, Note
from eoffice.files.services import holding_charge
from eoffice.platform import audit
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.policy import Actor, can_open

#: Characters in one note: long notes (10,000+) are normal; a megabyte is a mistake.
MAX_NOTE = 50_000
#: "पत्राचार पृ. 3" (correspondence page 3) in a note becomes a link to that page.
PAGE_REF = re.compile(r"पत्राचार\s*पृ(?:ष्ठ|\.)?\s*(\d{1,4})")


def my_draft(actor: Actor, f: File, *, lock: bool = False) -> Note | None:
    q = select(Note).where(Note.file_id == f.id, Note.author_id == actor.id, Note.status == "draft")
    if lock:
        q = q.with_for_update()
    return db.session.scalar(q)


def final_notes(f: File) -> list[Note]:
    return list(
        db.session.scalars(
            select(Note)
            .where(Note.file_id == f.id, Note.status == "final")
            .options(selectinload(Note.author), selectinload(Note.post))  # the notesheet shows both
            .order_by(Note.paragraph)
        )
    )


def save_draft(actor: Actor, f: File, body: str, version: int | None) -> Note | None:
    """Save what is typed. `version` is the draft version the page last saw (0: none yet);
    if the draft has moved on (saved or finalised in another tab) that is a conflict.

    The file row is locked, so an autosave (fired by leaving the text box) and the "final"
    click that caused it are taken one after the other; the same text is never a conflict."""
    f = lock_row(f)
    charge = holding_charge(actor, f)
    if len(body) > MAX_NOTE:
        raise Refused("too_long")
    draft = my_draft(actor, f, lock=True)
    if draft is None:
        if version:  # the page had a draft, which is gone: finalised elsewhere
            raise Refused("conflict")
        if not body or already_final(actor, f, body, just_now=True) is not None:
            return None  # nothing typed, or the autosave of a note made final a moment ago
        draft = Note(
            file_id=f.id,
            author_id=actor.id,
            post_id=charge.post.id,
            delegation_id=charge.delegation.id if charge.delegation else None,
            body=body,
            version=1,
        )
        db.session.add(draft)
    else:
        if draft.body == body:
            return draft  # the same text again (an autosave and a click racing): no change
        if version is not None and version != draft.version:
            raise Refused("conflict")
        draft.body = body
        draft.version += 1
        draft.updated_at = datetime.now(UTC)
    db.session.flush()
    return draft


def finalise(actor: Actor, f: File, body: str, version: int | None) -> Note:
    f = lock_row(f)
    if not body:
        raise Refused("empty")
    draft = save_draft(actor, f, body, version)
    if draft is None:  # the same text was made final a moment ago: a second click
        raise Refused("conflict")
    paragraph = db.session.scalar(
        select(func.coalesce(func.max(Note.paragraph), 0)).where(Note.file_id == f.id)
    )
    draft.status = "final"
    draft.paragraph = paragraph + 1
    draft.finalised_at = datetime.now(UTC)
    db.session.flush()
    audit.record_on(
        actor,
        f,
        "finalise_note",
        draft.post_id,
        note_id=draft.id,
        paragraph=draft.paragraph,
        length=len(draft.body),
    )
    return draft


def already_final(actor: Actor, f: File, body: str, *, just_now: bool = False) -> Note | None:
    """The user's own final note with exactly this text (a second click on 'final');
    `just_now`: only the user's latest final note, made in the last minute."""
    q = select(Note).where(Note.file_id == f.id, Note.author_id == actor.id, Note.status == "final")
    if just_now:
        q = q.where(Note.finalised_at > func.now() - text("interval '1 minute'"))
        latest = db.session.scalar(q.order_by(Note.paragraph.desc()).limit(1))
        return latest if latest is not None and latest.body == body else None
    return db.session.scalar(q.where(Note.body == body).order_by(Note.paragraph.desc()).limit(1))


#: A file number as the office patterns make them: कले/राज/भू-अभि/12/2026 (ends in a year).
FILE_REF = re.compile(r"[^\s/<>&\"']+(?:/[^\s/<>&\"']+){2,}/\d{4}")

NOTE_LINKS = re.compile(f"(?P<page>{PAGE_REF.pattern})|{FILE_REF.pattern}")


def render_bodies(actor: Actor, notes: list[Note], f: File) -> dict[int, Markup]:
    """Each note's text, escaped, with correspondence page references and file numbers as
    links (a file number only if the reader may open that file): one query for the whole
    notesheet, not one per note."""
    bodies = {n.id: str(escape(n.body)) for n in notes}
    numbers = {num for html in bodies.values() for num in FILE_REF.findall(html)}
    files = {}
    if numbers:
        for other in db.session.scalars(
            select(File).where(File.office_id == f.office_id, File.number.in_(numbers))
        ):
            if can_open(actor, other):
                files[other.number] = other.id
    return {nid: _linked(html, f, files) for nid, html in bodies.items()}


def _linked(html: str, f: File, files: dict[str, int]) -> Markup:
    from flask import url_for

    def page_link(m: re.Match) -> str:
        page = int(PAGE_REF.match(m.group("page")).group(1))
        for c in f.correspondence:
            if not c.first_page <= page < c.first_page + c.pages:
                continue
            local = page - c.first_page + 1
            if c.document_id:
                href = url_for("files.document", file_id=f.id, position=c.position)
                href += f"#page={local}"
            elif c.receipt.document is not None:
                href = url_for("receipts.page", receipt_id=c.receipt_id, page=local)
            else:
                href = url_for("receipts.show", receipt_id=c.receipt_id)
            return f'<a href="{href}">{m.group(0)}</a>'
        return m.group(0)

    def link(m: re.Match) -> str:
        if m.group("page"):
            return page_link(m)
        number = m.group(0)
        if number in files:
            return f'<a href="{url_for("files.show", file_id=files[number])}">{number}</a>'
        return number

    return Markup(NOTE_LINKS.sub(link, html))
