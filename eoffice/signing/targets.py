"""What can be signed: an approved draft letter, or a final note. Each is a PDF in storage that
signatures are appended to; the signed text is bound to it by its SHA-256."""

from __future__ import annotations

import hashlib

from flask_babel import gettext as _
from sqlalchemy import select

from eoffice.files.models import File, LetterDraft, Note
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.locks import lock_row
from eoffice.signing import pdf as pdfs
from eoffice.signing.models import NotePdf


class LetterTarget:
    kind = "letters"

    def __init__(self, draft: LetterDraft):
        self.obj = draft
        self.file: File = draft.file
        self.key = {"draft_id": draft.id}
        self.n = draft.serial

    @property
    def label(self) -> str:
        return f"D{self.obj.serial}"

    @property
    def reason(self) -> str:
        return f"अनुमोदित पत्र / approved letter D{self.obj.serial}"

    def lock(self) -> None:
        self.obj = lock_row(self.obj)

    def check(self) -> None:
        from eoffice.dispatch.models import Dispatch

        if self.obj.status != "approved":
            raise Refused("not_approved")
        if db.session.scalar(select(Dispatch.id).where(Dispatch.draft_id == self.obj.id)):
            raise Refused("issued")

    @property
    def pdf_sha256(self) -> str | None:
        return self.obj.pdf_sha256

    def set_pdf(self, sha: str) -> None:
        self.obj.pdf_sha256 = sha

    def ensure_pdf(self) -> str:
        """Render the approved version once (with its verification code and QR)."""
        from eoffice.dispatch.services import reserve_number

        draft = self.obj
        if draft.pdf_sha256 is None:
            reserve_number(draft)  # printed on the letter: the signed copy carries it
            draft.verification_code = pdfs.new_verification_code()
            sha, _new = storage.put(pdfs.letter_pdf(draft, self.version, draft.verification_code))
            draft.pdf_sha256 = sha
            db.session.flush()
        return draft.pdf_sha256

    @property
    def version(self):
        return next(v for v in self.obj.versions if v.number == self.obj.approved_version)

    def text_sha256(self) -> str:
        return pdfs.text_sha256(self.version)


class NoteTarget:
    kind = "notes"

    def __init__(self, note: Note, f: File):
        self.obj = note
        self.file = f
        self.key = {"note_id": note.id}
        self.n = note.paragraph

    @property
    def label(self) -> str:
        return _("paragraph %(n)d", n=self.obj.paragraph)

    @property
    def reason(self) -> str:
        return f"टिप्पणी अनुच्छेद / note paragraph {self.obj.paragraph}"

    def lock(self) -> None:
        pass  # a final note never changes; the file row lock orders the signatures

    def check(self) -> None:
        if self.obj.status != "final":
            raise Refused("not_final")

    def _row(self) -> NotePdf | None:
        return db.session.get(NotePdf, self.obj.id)

    @property
    def pdf_sha256(self) -> str | None:
        row = self._row()
        return row.pdf_sha256 if row else None

    def set_pdf(self, sha: str) -> None:
        self._row().pdf_sha256 = sha

    def ensure_pdf(self) -> str:
        row = self._row()
        if row is None:
            sha, _new = storage.put(pdfs.note_pdf(self.file, self.obj, self.text_sha256()))
            row = NotePdf(note_id=self.obj.id, pdf_sha256=sha, text_sha256=self.text_sha256())
            db.session.add(row)
            db.session.flush()
        return row.pdf_sha256

    def text_sha256(self) -> str:
        return hashlib.sha256(self.obj.body.encode()).hexdigest()


def for_letter(draft: LetterDraft) -> LetterTarget:
    return LetterTarget(draft)


def for_note(f: File, paragraph: int) -> NoteTarget | None:
    note = db.session.scalar(
        select(Note).where(
            Note.file_id == f.id, Note.paragraph == paragraph, Note.status == "final"
        )
    )
    return NoteTarget(note, f) if note is not None else None
