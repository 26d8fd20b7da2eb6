"""Finding a file (and a draft letter in it) for a view: 404 unless the user may see it.
Shared by the file, letter, signing and dispatch views."""

from flask import abort
from sqlalchemy import select

from eoffice.extensions import db
from eoffice.files.models import File, LetterDraft
from eoffice.files.services import can_view


def visible_file(file_id: int) -> File:
    f = db.session.get(File, file_id)
    if f is None or not can_view(f):
        abort(404)
    return f


def draft_in(f: File, serial: int) -> LetterDraft:
    draft = db.session.scalar(
        select(LetterDraft).where(LetterDraft.file_id == f.id, LetterDraft.serial == serial)
    )
    if draft is None:
        abort(404)
    return draft
