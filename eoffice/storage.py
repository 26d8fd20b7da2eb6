"""Content-addressed file store: every accepted file lives once, named by its SHA-256.

Nothing outside this module touches the store's paths (but the backup, which archives the
folder, and `storage check`'s report): `put`, `read`, `send_pdf`, `send_image`, `discard`.
An object-store backend would replace these functions and `check`.

Written to a temporary name, fsynced, then renamed, so a crash never leaves half a file
under a real name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import quote

from flask import Response, current_app, send_file


def root() -> Path:
    return Path(current_app.config["STORAGE_DIR"])


def path_for(sha256: str) -> Path:
    return root() / sha256[:2] / sha256[2:4] / sha256


def send_pdf(
    sha256: str,
    download_name: str,
    *,
    attachment: bool = False,
    immutable: bool = False,
    sensitive: bool = False,
) -> Response:
    """A stored PDF as a response, streamed from disk. `immutable`: the URL always means these
    bytes (content-addressed), so the browser may keep it for a year. `sensitive`: the content
    is confidential or secret, so no cache may keep it (no-store), whatever else is said."""
    resp = send_file(
        path_for(sha256),
        mimetype="application/pdf",
        as_attachment=attachment,
        download_name=download_name,
    )
    if not download_name.isascii():
        # Werkzeug's ASCII fallback drops the Devanagari ("कले-प्रेषण-2026-1.pdf" became
        # "--2026-1.pdf"): keep the UTF-8 name and give old browsers a readable one
        ascii_name = "-".join(re.findall(r"[A-Za-z0-9]+", download_name.removesuffix(".pdf")))
        resp.headers["Content-Disposition"] = (
            "{}; filename=\"eoffice-{}.pdf\"; filename*=UTF-8''{}".format(
                "attachment" if attachment else "inline",
                ascii_name or "document",
                quote(download_name),
            )
        )
    if sensitive:  # confidential or secret: a shared office PC keeps nothing of it
        resp.headers["Cache-Control"] = "no-store"
    elif immutable:
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return resp


def send_image(sha256: str) -> Response:
    """A stored JPEG (a page preview) as a response, streamed from disk."""
    return send_file(path_for(sha256), mimetype="image/jpeg")


def put(data: bytes) -> tuple[str, bool]:
    """Store `data`; return (sha256, whether this call created the file)."""
    digest = hashlib.sha256(data).hexdigest()
    final = path_for(digest)
    if final.exists():
        return digest, False
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, final)
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return digest, True


def read(sha256: str) -> bytes:
    return path_for(sha256).read_bytes()


def discard(sha256: str) -> None:
    """Remove a file this request created, when its transaction did not commit."""
    path_for(sha256).unlink(missing_ok=True)


def _uses():
    """Every (table, sha256) a row names: the one list of where files are referred to."""
    from sqlalchemy import func, literal, select, union_all

    from eoffice.dispatch.models import Dispatch
    from eoffice.documents.models import Document
    from eoffice.files.models import LetterDraft
    from eoffice.signing.models import NotePdf, Signature

    return union_all(
        select(literal("document"), Document.sha256),
        select(literal("document original"), Document.original_sha256).where(
            Document.original_sha256.is_not(None)
        ),
        select(literal("page preview"), func.unnest(Document.preview_sha256)),
        select(literal("letter"), LetterDraft.pdf_sha256).where(
            LetterDraft.pdf_sha256.is_not(None)
        ),
        select(literal("note PDF"), NotePdf.pdf_sha256),
        select(literal("signature"), Signature.pdf_sha256).where(Signature.pdf_sha256.is_not(None)),
        select(literal("dispatch"), Dispatch.pdf_sha256),
    )


def check() -> tuple[int, list[tuple[str, str, str]], list[Path]]:
    """(files checked, faults, files nobody refers to). A fault is (problem, where, sha256):
    "missing" or "corrupt" (its content's SHA-256 is not its name). Reads every file once."""
    from sqlalchemy import select

    from eoffice.extensions import db

    uses = _uses().subquery()
    wanted: dict[str, str] = {}
    for where, sha in db.session.execute(select(uses.c[0], uses.c[1])):
        wanted.setdefault(sha, where)
    faults = []
    for sha, where in sorted(wanted.items()):
        path = path_for(sha)
        if not path.is_file():
            faults.append(("missing", where, sha))
            continue
        digest = hashlib.sha256()
        with path.open("rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != sha:
            faults.append(("corrupt", where, sha))
    orphans = [
        p
        for p in sorted(root().glob("??/??/*"))
        if p.is_file() and not p.name.startswith(".tmp-") and p.name not in wanted
    ]
    return len(wanted), faults, orphans


def is_referenced(sha256: str) -> bool:
    """Whether any row still names this file (inside the current transaction's view)."""
    from sqlalchemy import select

    from eoffice.extensions import db

    uses = _uses().subquery()
    return (
        db.session.execute(select(uses.c[1]).where(uses.c[1] == sha256).limit(1)).first()
        is not None
    )


def release_after_commit(sha256: str | None) -> None:
    """A file the current change stops using (a letter's unsigned rendering once it is
    signed): removed once the change is committed, if no row names it then. A rollback keeps it."""
    from sqlalchemy import event

    from eoffice.extensions import db

    if not sha256 or is_referenced(sha256):
        return
    path = path_for(sha256)

    @event.listens_for(db.session(), "after_commit", once=True)
    def _remove(_session):
        path.unlink(missing_ok=True)
