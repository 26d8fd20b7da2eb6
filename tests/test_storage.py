"""`flask storage check`: every stored file the database names is there, whole; files no row
names are listed."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import select

from eoffice.documents.models import Document
from eoffice.receipts.models import Receipt
from tests import samples
from tests.test_receipts import diarise


def test_storage_check_names_what_is_missing_corrupt_or_unreferenced(app, client, demo):
    client.login("clerk.revenue")
    assert diarise(client, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]).status_code == 302
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert " 0 missing or corrupt" in result.output
    doc = demo.session.scalar(select(Document))
    with app.app_context():
        from eoffice.platform import storage

        pdf, preview = (
            Path(storage.store().where(doc.sha256)),
            Path(storage.store().where(doc.preview_sha256[0])),
        )
        stray = Path(storage.store().where("ab" * 32))
    # one bit of the scan flipped on disk, a preview gone, a file nobody names
    data = bytearray(pdf.read_bytes())
    data[len(data) // 2] ^= 1
    pdf.write_bytes(bytes(data))
    preview.unlink()
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"left behind")
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert f"CORRUPT: document {doc.sha256}" in result.output
    assert f"MISSING: page preview {doc.preview_sha256[0]}" in result.output
    assert f"unreferenced: {stray}" in result.output


def test_nothing_but_the_store_knows_where_files_are_kept():
    """The store's folder is named only by the config and eoffice/platform/storage.py: a new backend is
    one class, not a hunt through the code."""
    root = Path(__file__).parent.parent / "eoffice"
    offenders = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        # pitr.py keeps a mirror on the backup disk as a FilesystemStore of its own folder
        if p.name not in ("storage.py", "config.py", "pitr.py")
        and ("STORAGE_DIR" in p.read_text() or "FilesystemStore" in p.read_text())
    ]
    assert offenders == []


class BlobDict:
    """A second backend for the FileStore interface, keeping blobs in a dict: it stands in for
    an object store to show that the app runs on any class with these eight methods."""

    def __init__(self):
        self.blobs: dict[str, bytes] = {}

    def exists(self, sha256):
        return sha256 in self.blobs

    def open(self, sha256):
        return io.BytesIO(self.blobs[sha256])

    def write(self, sha256, data):
        self.blobs[sha256] = data

    def delete(self, sha256):
        self.blobs.pop(sha256, None)

    def names(self):
        return iter(sorted(self.blobs))

    def size(self, sha256):
        return len(self.blobs[sha256])

    def where(self, sha256):
        return f"dict:{sha256}"

    def is_empty(self):
        return not self.blobs


def test_the_app_runs_on_another_store_backend(app, client, demo):
    blobs = BlobDict()
    app.extensions["eoffice.store"] = blobs
    try:
        client.login("clerk.revenue")
        assert (
            diarise(client, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]).status_code == 302
        )
        receipt = demo.session.scalar(select(Receipt))
        doc = receipt.document
        assert doc.sha256 in blobs.blobs and doc.preview_sha256[0] in blobs.blobs
        resp = client.get(f"/receipts/{receipt.id}/document.pdf")
        assert resp.status_code == 200 and resp.data == blobs.blobs[doc.sha256]
        assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["ETag"]
        resp = client.get(f"/receipts/{receipt.id}/document.pdf", headers={"Range": "bytes=0-3"})
        assert resp.status_code == 206 and resp.data == b"%PDF"
        result = app.test_cli_runner().invoke(args=["storage", "check"])
        assert result.exit_code == 0 and " 0 missing or corrupt" in result.output
    finally:
        del app.extensions["eoffice.store"]


#: columns holding a SHA-256 that names no file of the store, and why
NOT_STORED = {
    ("staff_import", "sha256"): "the uploaded list's hash; the list is kept sealed in its row",
    ("user_session", "token_sha256"): "a session token's hash",
    ("note_pdf", "text_sha256"): "the hash of the note's text that a signature covers",
    ("signature", "text_sha256"): "the hash of the text signed",
    ("signing_session", "base_sha256"): "the PDF being signed: named by its letter or note PDF",
}


def test_every_column_naming_a_stored_file_is_declared(app):
    """Each models module declares its columns that name stored files (storage.names_files):
    one forgotten, and `storage check` calls those files unreferenced, and a file released
    after a commit could be removed while a row still names it."""
    from eoffice.platform import storage
    from eoffice.platform.extensions import db

    declared = {(c.expression.table.name, c.expression.name) for c in storage._USES.values()}
    hashes = {
        (t.name, c.name) for t in db.metadata.sorted_tables for c in t.columns if "sha256" in c.name
    }
    assert declared == hashes - set(NOT_STORED)
    assert set(NOT_STORED) <= hashes  # the exceptions name real columns
