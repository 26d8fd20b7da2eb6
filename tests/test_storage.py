"""`flask storage check`: every stored file the database names is there, whole; files no row
names are listed."""

from __future__ import annotations

import io

from sqlalchemy import select

from eoffice.documents.models import Document
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
        from eoffice import storage

        pdf, preview = storage.path_for(doc.sha256), storage.path_for(doc.preview_sha256[0])
        stray = storage.path_for("ab" * 32)
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
