"""Notes (टिप्पणी): drafts that autosave, finals that are numbered and never change.

Services flush and never commit. Finalising locks the file row, so paragraph numbers are
continuous and two tabs cannot both finalise one draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

from markupsafe import Markup, escape
from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload

from eoffice.files.models import Correspondence, File, Note, NoteCitation
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


def save_draft(
    actor: Actor, f: File, body: str, version: int | None, editor: str | None = None
) -> Note | None:
    """Save what is typed. `version` is the draft version the page last saw (0: none yet);
    if the draft has moved on (saved or finalised in another tab) that is a conflict.
    `editor` is the page's token: the draft's own page is never in conflict with itself (on
    2G the "final" click can leave before the answer to the page's last autosave is back).

    The file row is locked, so an autosave (fired by leaving the text box) and the "final"
    click that caused it are taken one after the other; the same text is never a conflict."""
    f = lock_row(f)
    charge = holding_charge(actor, f)
    if len(body) > MAX_NOTE:
        raise Refused("too_long")
    draft = my_draft(actor, f, lock=True)
    if draft is None:
        if editor and _made_final_by(actor, f, editor):
            return None  # a late autosave from the page whose note was just made final
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
            editor=editor,
        )
        db.session.add(draft)
    else:
        if draft.body == body:
            return draft  # the same text again (an autosave and a click racing): no change
        own = editor is not None and draft.editor == editor
        if version is not None and version != draft.version and not own:
            raise Refused("conflict")
        draft.body = body
        draft.editor = editor
        draft.version += 1
        draft.updated_at = datetime.now(UTC)
    db.session.flush()
    return draft


@dataclass
class PaperOrder:
    """An order passed on paper while the server was down, entered afterwards as a note."""

    passed_on: date
    passed_by: str | None
    downtime_id: int


def finalise(
    actor: Actor,
    f: File,
    body: str,
    version: int | None,
    editor: str | None = None,
    paper: PaperOrder | None = None,
) -> Note:
    """The draft made final as the file's next paragraph. `paper`: the note is an order passed
    on paper during a downtime: it is dated when it was passed, and marked entered later (by
    the author, at finalised_at)."""
    f = lock_row(f)
    if not body:
        raise Refused("empty")
    draft = save_draft(actor, f, body, version, editor)
    if draft is None:  # the same text was made final a moment ago: a second click
        raise Refused("conflict")
    if paper is not None:
        draft.passed_on, draft.passed_by = paper.passed_on, paper.passed_by
        draft.downtime_id = paper.downtime_id
    paragraph = db.session.scalar(
        select(func.coalesce(func.max(Note.paragraph), 0)).where(Note.file_id == f.id)
    )
    draft.status = "final"
    draft.paragraph = paragraph + 1
    draft.finalised_at = datetime.now(UTC)
    db.session.flush()
    cite(draft, f)
    audit.record_on(
        actor,
        f,
        "finalise_note",
        draft.post_id,
        note_id=draft.id,
        paragraph=draft.paragraph,
        length=len(draft.body),
        **({"passed_on": paper.passed_on.isoformat(), "entered_later": True} if paper else {}),
    )
    return draft


def cite(note: Note, f: File) -> list[NoteCitation]:
    """Resolve each "पत्राचार पृ. N" of a note just made final to the item of the file's
    correspondence on that page (a page the file does not have stays plain text)."""
    items = sorted(f.correspondence, key=lambda c: c.first_page)
    out = []
    for m in PAGE_REF.finditer(note.body):
        page = int(m.group(1))
        c = next((c for c in items if c.first_page <= page < c.first_page + c.pages), None)
        if c is not None:
            out.append(
                NoteCitation(
                    note_id=note.id,
                    start=m.start(),
                    end=m.end(),
                    correspondence_id=c.id,
                    page=page - c.first_page + 1,
                )  # fmt: skip
            )
    db.session.add_all(out)
    db.session.flush()
    return out


def _made_final_by(actor: Actor, f: File, editor: str) -> bool:
    """Whether the user's note on this file was made final from the page `editor`."""
    q = select(Note.id).where(
        Note.file_id == f.id,
        Note.author_id == actor.id,
        Note.status == "final",
        Note.editor == editor,
    )
    return db.session.scalar(q.limit(1)) is not None


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
    links (a file number only if the reader may open that file): a few queries for the whole
    notesheet, not one per note. A reference resolved when the note was made final opens the
    item it meant and shows that item's page now (a merge renumbers pages); one from before
    that, or in a draft, is read against the file's pages as they are."""
    numbers = {num for n in notes for num in FILE_REF.findall(n.body)}
    files = {}
    if numbers:
        for other in db.session.scalars(
            select(File).where(File.office_id == f.office_id, File.number.in_(numbers))
        ):
            if can_open(actor, other):
                files[other.number] = other.id
    cites: dict[int, dict[int, NoteCitation]] = {}
    ids = [n.id for n in notes if n.status == "final"]
    if ids:
        for c in db.session.scalars(
            select(NoteCitation)
            .where(NoteCitation.note_id.in_(ids))
            .options(selectinload(NoteCitation.correspondence).selectinload(Correspondence.file))
        ):
            cites.setdefault(c.note_id, {})[c.start] = c
    elsewhere = {
        c.correspondence.file.id: c.correspondence.file
        for by_start in cites.values()
        for c in by_start.values()
        if c.correspondence.file_id != f.id
    }
    opens = {fid for fid, other in elsewhere.items() if can_open(actor, other)} | {f.id}
    return {n.id: _linked(n.body, f, files, cites.get(n.id, {}), opens) for n in notes}


def _item_href(c: Correspondence, local: int) -> str:
    from flask import url_for

    if c.document_id:
        return url_for("files.document", file_id=c.file_id, position=c.position) + f"#page={local}"
    if c.receipt.document is not None:
        return url_for("receipts.page", receipt_id=c.receipt_id, page=local)
    return url_for("receipts.show", receipt_id=c.receipt_id)


def _linked(
    body: str, f: File, files: dict[str, int], cites: dict[int, NoteCitation], opens: set[int]
) -> Markup:
    from flask import url_for
    from flask_babel import gettext as _

    def cited(m: re.Match, c: NoteCitation) -> str:
        item = c.correspondence
        now = item.first_page + c.page - 1
        written = PAGE_REF.match(m.group(0))
        text = escape(m.group(0)[: written.start(1)] + str(now) + m.group(0)[written.end(1) :])
        if item.file_id != f.id:
            text += escape(f" ({item.file.number})")
        if now != int(written.group(1)) or item.file_id != f.id:
            text += Markup(" <small>(%s)</small>") % _("as written: p. %(n)s", n=written.group(1))
        if item.file_id not in opens:
            return str(text)
        return f'<a href="{_item_href(item, c.page)}">{text}</a>'

    def page_link(m: re.Match) -> str:
        page = int(PAGE_REF.match(m.group(0)).group(1))
        for c in f.correspondence:
            if c.first_page <= page < c.first_page + c.pages:
                return (
                    f'<a href="{_item_href(c, page - c.first_page + 1)}">{escape(m.group(0))}</a>'
                )
        return str(escape(m.group(0)))

    out, last = [], 0
    for m in NOTE_LINKS.finditer(body):
        out.append(str(escape(body[last : m.start()])))
        last = m.end()
        if m.group("page"):
            c = cites.get(m.start())
            out.append(cited(m, c) if c is not None else page_link(m))
        elif m.group(0) in files:
            href = url_for("files.show", file_id=files[m.group(0)])
            out.append(f'<a href="{href}">{escape(m.group(0))}</a>')
        else:
            out.append(str(escape(m.group(0))))
    out.append(str(escape(body[last:])))
    return Markup("".join(out))
