"""Accept an upload: sanitise it in a sandboxed child, store it, record it (flush only)."""

from __future__ import annotations

from contextlib import contextmanager

from flask import current_app

from eoffice.documents.models import Document
from eoffice.documents.sanitise import Rejected, run_sanitiser
from eoffice.platform import storage
from eoffice.platform.extensions import db
from eoffice.platform.locks import heavy_slot
from eoffice.policy import Actor


def accept_upload(actor: Actor, blobs: list[bytes], original_name: str) -> Document:
    """Raise sanitise.Rejected for anything not accepted. Files this call creates are noted in
    the session's info (one request's) so that a request that fails to commit can remove them
    (see stored_files_follow_the_commit)."""
    cfg = current_app.config
    who = f"user:{actor.id}" if actor.is_authenticated else "anonymous"
    if not heavy_slot(who, cfg["HEAVY_SLOTS"]):
        raise Rejected("busy")
    return accept_in_worker(blobs, original_name)


def accept_in_worker(blobs: list[bytes], original_name: str) -> Document:
    """The same checks for the job worker (mail taken from the office mailbox): it is its own
    process, one job at a time, so it takes no request's slot."""
    cfg = current_app.config
    result = run_sanitiser(
        blobs, max_pages=cfg["UPLOAD_MAX_PAGES"], max_pixels=cfg["UPLOAD_MAX_PIXELS"]
    )
    created = db.session.info.setdefault("new_files", [])
    pdf_hash, new = storage.put(result.pdf)
    if new:
        created.append(pdf_hash)
    previews = []
    for jpg in result.previews:
        h, new = storage.put(jpg)
        if new:
            created.append(h)
        previews.append(h)
    original = None
    if result.original is not None:
        original, new = storage.put(result.original)
        if new:
            created.append(original)
    doc = Document(
        sha256=pdf_hash,
        size=len(result.pdf),
        pages=result.pages,
        preview_sha256=previews,
        original_sha256=original,
        original_name=original_name[:255] or "upload.pdf",
    )
    db.session.add(doc)
    db.session.flush()
    return doc


def same_document(doc: Document) -> Document:
    """Another document row for the same stored files (one accepted upload placed in several
    offices' dak): nothing is checked or stored again."""
    copy = Document(
        sha256=doc.sha256,
        size=doc.size,
        pages=doc.pages,
        preview_sha256=list(doc.preview_sha256),
        original_sha256=doc.original_sha256,
        original_name=doc.original_name,
    )
    db.session.add(copy)
    db.session.flush()
    return copy


def discard_new_files() -> None:
    """After a rollback: the files this request stored that no row names are removed (a
    committed row may have taken the same bytes)."""
    for h in db.session.info.pop("new_files", []):
        if not storage.is_referenced(h):
            try:
                storage.discard(h)
            except storage.StoreUnavailable:  # left behind: `storage check` lists it
                current_app.logger.warning("store unreachable: %s left unreferenced", h)


def put_new(data: bytes) -> str:
    """Store `data` as a file of this change: removed again if the change does not commit
    (see stored_files_follow_the_commit)."""
    digest, new = storage.put(data)
    if new:
        db.session.info.setdefault("new_files", []).append(digest)
    return digest


@contextmanager
def stored_files_follow_the_commit():
    """Around the part of a request that stores uploaded files: committed, its documents' files
    stay (nothing is asked of the database); otherwise (a refusal rolled back, an exception)
    the files it stored that no row names are removed.

        with stored_files_follow_the_commit():
            document = accept_upload(actor, blobs, name)    # Rejected: roll back, return
            ...
            db.session.commit()
    """
    from sqlalchemy import event

    session, committed = db.session(), []

    def on_commit(_session) -> None:
        committed.append(True)

    event.listen(session, "after_commit", on_commit)
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    finally:
        event.remove(session, "after_commit", on_commit)
        if committed:
            db.session.info.pop("new_files", None)
        else:
            discard_new_files()
