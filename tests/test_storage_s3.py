"""The store on SeaweedFS (issue #31), what is special to an object store: the store lost in the
middle of an upload (SIGKILL of the real server), `flask storage migrate` from a folder, and a
backup made from and restored into S3. Real SeaweedFS (tests/seaweed.py), real app."""

from __future__ import annotations

import hashlib
import io
import os
import uuid

import pytest
from sqlalchemy import func, select

from eoffice.platform import storage
from eoffice.receipts.models import Receipt
from tests import samples, seaweed
from tests.test_backup import SCAN, flask, put_scan, site
from tests.test_receipts import diarise


class KillAfterFirstPart:
    """The real boto3 client, and the store SIGKILLed as soon as the first part of a multipart
    upload has gone in (a test hook around the real client: every call reaches the store)."""

    def __init__(self, client, server: seaweed.Seaweed):
        self.client, self.server = client, server

    def __getattr__(self, name):
        return getattr(self.client, name)

    def upload_part(self, **kwargs):
        answer = self.client.upload_part(**kwargs)
        self.server.kill()
        return answer


@pytest.fixture
def own_store(tmp_path, monkeypatch):
    """A SeaweedFS of this test's own (it is killed and started again)."""
    server = seaweed.start(tmp_path / "weed")
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    yield server
    server.remove()


def test_a_store_lost_mid_upload_leaves_nothing_half_saved(app, client, demo, own_store):
    data = os.urandom(20 << 20)  # three parts of 8 MiB at most
    sha = hashlib.sha256(data).hexdigest()
    url = own_store.url("lost")
    dying = storage.S3Store(url, client=KillAfterFirstPart(storage.S3Store(url).client, own_store))
    with pytest.raises(storage.StoreUnavailable):
        dying.write(sha, data)
    assert own_store.proc.poll() is not None  # it really was killed mid-way

    # the app, its store down: a clear "try again" in Hindi, nothing saved
    store = storage.S3Store(url)
    app.extensions["eoffice.store"] = store
    try:
        client.login("clerk.revenue")
        before = demo.session.scalar(select(func.count()).select_from(Receipt))
        resp = diarise(
            client, subject="भंडार बंद", scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]
        )
        page = resp.get_data(as_text=True)
        assert resp.status_code == 503, page[:500]
        assert "कुछ भी सहेजा नहीं गया" in page and "फिर प्रयास करें" in page
        demo.session.expire_all()
        assert demo.session.scalar(select(func.count()).select_from(Receipt)) == before

        own_store.start_again()
        assert not store.exists(sha) and sha not in set(store.names())  # no half object
        result = app.test_cli_runner().invoke(args=["storage", "check"])
        assert result.exit_code == 0 and " 0 missing or corrupt" in result.output, result.output
        # and with the store back, the same upload goes in
        resp = diarise(
            client, subject="भंडार चालू", scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")]
        )
        assert resp.status_code == 302
        receipt = demo.session.scalar(select(Receipt).where(Receipt.subject == "भंडार चालू"))
        assert store.exists(receipt.document.sha256)
    finally:
        del app.extensions["eoffice.store"]


def test_storage_migrate_copies_a_folder_to_s3_and_checks_every_hash(
    app, client, demo, seaweed, tmp_path, monkeypatch
):
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    folder = tmp_path / "store"
    app.extensions["eoffice.store"] = storage.FilesystemStore(folder)
    runner = app.test_cli_runner()
    url = seaweed.url(f"migrated-{uuid.uuid4().hex[:8]}")
    try:
        client.login("clerk.revenue")
        scan = [(io.BytesIO(samples.letter_photo()), "p.jpg")]
        assert diarise(client, subject="पुराना 0", scan=scan).status_code == 302
        files = sorted(storage.FilesystemStore(folder).names())
        assert len(files) >= 2  # the scan and its preview (and the diarised slip)

        wrong = runner.invoke(args=["storage", "migrate", "--to", "http://x/y"])
        assert wrong.exit_code == 1 and "not an s3://bucket/prefix URL" in wrong.output
        args = ["storage", "migrate", "--to", url, "--from-dir", str(folder)]
        first = runner.invoke(args=args)
        assert first.exit_code == 0, first.output
        assert f"{len(files)} copied to {url}, 0 already there" in first.output
        again = runner.invoke(args=args)  # run again: only checked
        assert f"0 copied to {url}, {len(files)} already there" in again.output
        assert "0 not whole" in again.output

        # the app on S3 from now on: every file there, whole, and served
        s3 = storage.S3Store(url)
        assert sorted(s3.names()) == files
        app.extensions["eoffice.store"] = s3
        check = runner.invoke(args=["storage", "check"])
        assert check.exit_code == 0 and " 0 missing or corrupt" in check.output, check.output
        receipt = demo.session.scalar(select(Receipt).where(Receipt.subject == "पुराना 0"))
        resp = client.get(f"/receipts/{receipt.id}/document.pdf")
        assert hashlib.sha256(resp.data).hexdigest() == receipt.document.sha256

        # a file damaged in the folder is named, never copied over a whole one
        damaged = storage.FilesystemStore(folder).where(files[0])
        with open(damaged, "r+b") as f:
            f.write(b"X")
        other = seaweed.url(f"migrated-{uuid.uuid4().hex[:8]}")
        bad = runner.invoke(args=["storage", "migrate", "--to", other, "--from-dir", str(folder)])
        assert bad.exit_code == 1 and f"NOT WHOLE: {files[0]}" in bad.output
        assert files[0] not in set(storage.S3Store(other).names())
    finally:
        del app.extensions["eoffice.store"]


def test_a_backup_from_s3_restores_into_another_s3_site(server_uri, tmp_path, seaweed, monkeypatch):
    for name, value in seaweed.env.items():
        monkeypatch.setenv(name, value)
    prefix = uuid.uuid4().hex[:8]
    src = {**site(server_uri, tmp_path, "s3src"), **seaweed.env}
    src["EOFFICE_STORAGE_URL"] = seaweed.url(f"{prefix}-src")
    flask(src, "db", "upgrade")
    flask(src, "seed-demo")
    sha = put_scan(src)
    assert sha in set(storage.S3Store(src["EOFFICE_STORAGE_URL"]).names())
    assert not os.path.exists(src["EOFFICE_STORAGE_DIR"])  # nothing went to the folder
    out = flask(src, "backup", "create", str(tmp_path / "backups")).stdout
    assert "written and verified" in out
    (folder,) = (tmp_path / "backups").iterdir()

    dst = {**site(server_uri, tmp_path, "s3dst"), **seaweed.env}
    dst["EOFFICE_STORAGE_URL"] = seaweed.url(f"{prefix}-dst")
    flask(dst, "db", "upgrade")
    key = tmp_path / "s3dst" / "audit-key" / "audit.key"
    key.parent.mkdir(parents=True, exist_ok=True)
    key.write_bytes((tmp_path / "s3src" / "audit-key" / "audit.key").read_bytes())
    out = flask(dst, "backup", "restore", str(folder)).stdout
    assert "restored" in out and "DIFFER" not in out
    assert flask(dst, "audit", "verify").returncode == 0
    assert flask(dst, "storage", "check").returncode == 0
    with storage.S3Store(dst["EOFFICE_STORAGE_URL"]).open(sha) as f:
        assert f.read() == SCAN
