"""The file store on both backends: a folder (`FilesystemStore`, the default) and a real
distributed object store through its S3 gateway (`S3Store` on SeaweedFS, tests/seaweed.py).
Uploads, downloads (whole, by byte range, streamed), `flask storage check`; what is special to
S3 (a store lost mid-upload, `flask storage migrate`, backups) is in test_storage_s3.py."""

from __future__ import annotations

import hashlib
import io
import os
import tracemalloc
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from eoffice.documents.models import Document
from eoffice.platform import storage
from eoffice.receipts.models import Receipt
from tests import samples
from tests.test_receipts import diarise


@pytest.fixture(params=["filesystem", "seaweedfs"])
def backend(request, app, tmp_path, monkeypatch):
    """The app's store for one test: a folder of its own, or a prefix of its own on SeaweedFS
    (its endpoint and keys in boto3's environment, as an operator would set them)."""
    if request.param == "filesystem":
        store = storage.FilesystemStore(tmp_path / "store")
    else:
        weed = request.getfixturevalue("seaweed")
        for name, value in weed.env.items():
            monkeypatch.setenv(name, value)
        store = storage.S3Store(weed.url(f"t-{uuid.uuid4().hex[:10]}"))
    before = app.extensions.get("eoffice.store")
    app.extensions["eoffice.store"] = store
    yield store
    if before is None:
        del app.extensions["eoffice.store"]
    else:
        app.extensions["eoffice.store"] = before


def test_storage_check_names_what_is_missing_corrupt_or_unreferenced(app, client, demo, backend):
    client.login("clerk.revenue")
    assert diarise(client, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]).status_code == 302
    runner = app.test_cli_runner()
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 0, result.output
    assert " 0 missing or corrupt" in result.output
    doc = demo.session.scalar(select(Document))
    # one bit of the scan flipped where it is kept, a preview gone, a file nobody names
    with backend.open(doc.sha256) as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 1
    backend.write(doc.sha256, bytes(data))
    backend.delete(doc.preview_sha256[0])
    stray = "ab" * 32
    backend.write(stray, b"left behind")
    result = runner.invoke(args=["storage", "check"])
    assert result.exit_code == 1
    assert f"CORRUPT: document {doc.sha256} ({backend.where(doc.sha256)})" in result.output
    assert f"MISSING: page preview {doc.preview_sha256[0]}" in result.output
    assert f"unreferenced: {backend.where(stray)}" in result.output


def test_uploads_and_downloads_on_each_backend(app, client, demo, backend):
    client.login("clerk.revenue")
    assert diarise(client, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]).status_code == 302
    receipt = demo.session.scalar(select(Receipt))
    doc = receipt.document
    assert backend.exists(doc.sha256) and backend.exists(doc.preview_sha256[0])
    with backend.open(doc.sha256) as f:
        kept = f.read()
    assert hashlib.sha256(kept).hexdigest() == doc.sha256
    resp = client.get(f"/receipts/{receipt.id}/document.pdf")
    assert resp.status_code == 200 and resp.data == kept
    assert resp.headers["Accept-Ranges"] == "bytes" and resp.headers["ETag"]
    resp = client.get(f"/receipts/{receipt.id}/document.pdf", headers={"Range": "bytes=0-3"})
    assert resp.status_code == 206 and resp.data == b"%PDF"
    result = app.test_cli_runner().invoke(args=["storage", "check"])
    assert result.exit_code == 0 and " 0 missing or corrupt" in result.output
    assert doc.sha256 in set(backend.names()) and not backend.is_empty()


def test_a_20_mb_file_is_written_whole_and_sent_in_blocks(app, backend):
    """Written in parts on S3 (over 8 MiB: a multipart upload); sent to the browser as it is
    read from the store: the app never holds the 20 MB whole to send it."""
    data = os.urandom(20 << 20)
    sha = hashlib.sha256(data).hexdigest()
    with app.test_request_context():
        assert storage.put(data) == (sha, True)
        assert storage.put(data) == (sha, False)  # the same bytes are kept once
        assert backend.size(sha) == len(data) and storage.digest_of(sha) == sha
        del data
        digest, received = hashlib.sha256(), 0
        tracemalloc.start()
        try:
            resp = storage.send_pdf(sha, "बड़ा.pdf")
            for block in resp.response:
                digest.update(block)
                received += len(block)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            resp.close()
    assert received == 20 << 20 and digest.hexdigest() == sha
    assert peak < 4 << 20, f"{peak / 2**20:.1f} MiB held while sending"


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
