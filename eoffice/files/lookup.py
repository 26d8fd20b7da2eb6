"""Finding a file (and a draft letter in it) for a view: 404 unless the user may see it.
Shared by the file, letter, signing and dispatch views."""

from flask import abort
from sqlalchemy import select

from eoffice.files.models import File, LetterDraft
from eoffice.org.current import open_or_404
from eoffice.platform.extensions import db


def visible_file(file_id: int) -> File:
    return open_or_404(File, file_id)


def draft_in(f: File, serial: int) -> LetterDraft:
    draft = db.session.scalar(
        select(LetterDraft).where(LetterDraft.file_id == f.id, LetterDraft.serial == serial)
    )
    if draft is None:
        abort(404)
    return draft
