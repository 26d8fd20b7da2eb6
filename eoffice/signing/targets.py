"""What can be signed: an approved draft letter (eoffice/dispatch/targets.py), or a final note. Each is a PDF in storage that
signatures are appended to; the signed text is bound to it by its SHA-256."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from eoffice.files.models import File, LetterDraft, Note
from eoffice.platform import storage
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.signing import pdf as pdfs
from eoffice.signing.models import NotePdf


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


#: What signs a draft letter: the dispatch register's LetterTarget registers itself here
#: (eoffice/dispatch/targets.py), since a letter is numbered and issued there, a domain after
#: signing in the order of docs/architecture.md.
_letter_target: Callable[[LetterDraft], Any] | None = None


def register_letter_target(cls):
    global _letter_target
    _letter_target = cls
    return cls


def for_letter(draft: LetterDraft):
    if _letter_target is None:
        raise RuntimeError("eoffice.dispatch.targets is not imported (create_app imports it)")
    return _letter_target(draft)


def for_note(f: File, paragraph: int) -> NoteTarget | None:
    note = db.session.scalar(
        select(Note).where(
            Note.file_id == f.id, Note.paragraph == paragraph, Note.status == "final"
        )
    )
    return NoteTarget(note, f) if note is not None else None
