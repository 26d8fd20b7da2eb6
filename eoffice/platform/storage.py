"""Content-addressed file store: every accepted file lives once, named by its SHA-256.

The store is one object behind one interface (`FileStore`), with two backends:
`FilesystemStore` (a folder, `STORAGE_DIR`: the default, one district on one box) and
`S3Store` (any S3-compatible object store, `STORAGE_URL=s3://bucket/prefix`, for a state that
hosts its districts together: docs/scaling.md). Nothing outside this module touches where or
how the bytes are kept: the rest of the code calls `put`, `read`, `send_pdf`, `send_image`,
`discard`, `check`, and the backup copies the store through `names`/`open`/`write`.

A file appears under its real name only whole: the filesystem backend writes to a temporary
name, fsyncs, then renames; an S3 object exists only once its PUT (or its multipart upload's
completion) has succeeded, and a failed multipart upload is aborted. A store that cannot be
reached raises `StoreUnavailable`, which the app answers with a "try again" page (503).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from flask import Response, current_app, request, send_file

SHA256 = re.compile(r"[0-9a-f]{64}")


class StoreUnavailable(Exception):
    """The store could not be reached or answered with an error (not "no such file")."""


class FileStore(Protocol):
    """What the app needs of a store of immutable blobs named by their SHA-256."""

    def exists(self, sha256: str) -> bool: ...
    def open(self, sha256: str) -> BinaryIO: ...
    def write(self, sha256: str, data: bytes) -> None: ...
    def delete(self, sha256: str) -> None: ...
    def names(self) -> Iterator[str]: ...
    def size(self, sha256: str) -> int: ...
    def where(self, sha256: str) -> str: ...
    def is_empty(self) -> bool: ...


class FilesystemStore:
    """Blobs as files under `root`/ab/cd/abcd…, written atomically and fsynced."""

    def __init__(self, root: str | Path):
        self.root = Path(root)

    def _path(self, sha256: str) -> Path:
        if not SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def open(self, sha256: str) -> BinaryIO:
        return self._path(sha256).open("rb")

    def write(self, sha256: str, data: bytes) -> None:
        final = self._path(sha256)
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

    def delete(self, sha256: str) -> None:
        self._path(sha256).unlink(missing_ok=True)

    def names(self) -> Iterator[str]:
        for p in sorted(self.root.glob("??/??/*")):
            if p.is_file() and not p.name.startswith(".tmp-"):
                yield p.name

    def size(self, sha256: str) -> int:
        return self._path(sha256).stat().st_size

    def where(self, sha256: str) -> str:
        return str(self._path(sha256))

    def is_empty(self) -> bool:
        return next(self.names(), None) is None


class S3Store:
    """Blobs as objects `prefix/ab/cd/abcd…` of one bucket on any S3-compatible service
    (SeaweedFS in the tests; MinIO, Ceph RGW or a cloud's S3 in a data centre), through one
    kept boto3 client. The endpoint, keys and region come from boto3's own environment
    (AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION) or its
    config files. Short timeouts and one retry: a store that is down fails a request in
    seconds (StoreUnavailable), never holds a worker.

    Streaming: `open` returns the object's body as it arrives (a download is passed on in
    Werkzeug's blocks of 8 KiB, never read whole); `write` sends parts of 8 MiB from the bytes
    it is given (a multipart upload above 8 MiB, aborted if any part fails)."""

    PART = 8 << 20

    def __init__(self, url: str, *, client=None):
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.scheme != "s3" or not parts.netloc:
            raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        self.url = url
        if client is None:
            import boto3
            from botocore.config import Config

            # a session of its own: boto3's default one keeps the credentials it first read
            client = boto3.session.Session().client(
                "s3",
                config=Config(
                    connect_timeout=3,
                    read_timeout=20,
                    retries={"max_attempts": 2, "mode": "standard"},
                    s3={"addressing_style": "path"},
                ),
            )
        self.client = client

    def _key(self, sha256: str) -> str:
        if not SHA256.fullmatch(sha256):
            raise ValueError("not a SHA-256")
        name = f"{sha256[:2]}/{sha256[2:4]}/{sha256}"
        return f"{self.prefix}/{name}" if self.prefix else name

    def _call(self, method: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, method)(Bucket=self.bucket, **kwargs)
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                raise FileNotFoundError(kwargs.get("Key")) from None
            raise StoreUnavailable(f"{method}: {e}") from e
        except BotoCoreError as e:
            raise StoreUnavailable(f"{method}: {e}") from e

    def exists(self, sha256: str) -> bool:
        try:
            self._call("head_object", Key=self._key(sha256))
            return True
        except FileNotFoundError:
            return False

    def open(self, sha256: str) -> BinaryIO:
        return self._call("get_object", Key=self._key(sha256))["Body"]

    def write(self, sha256: str, data: bytes) -> None:
        key = self._key(sha256)
        if len(data) <= self.PART:
            self._call("put_object", Key=key, Body=data)
            return
        upload = self._call("create_multipart_upload", Key=key)["UploadId"]
        try:
            parts = []
            for n, start in enumerate(range(0, len(data), self.PART), start=1):
                body = memoryview(data)[start : start + self.PART]
                tag = self._call(
                    "upload_part", Key=key, UploadId=upload, PartNumber=n, Body=bytes(body)
                )["ETag"]
                parts.append({"PartNumber": n, "ETag": tag})
            self._call(
                "complete_multipart_upload",
                Key=key,
                UploadId=upload,
                MultipartUpload={"Parts": parts},
            )
        except BaseException:
            with contextlib.suppress(Exception):  # the store may be gone: it expires them
                self._call("abort_multipart_upload", Key=key, UploadId=upload)
            raise

    def delete(self, sha256: str) -> None:
        self._call("delete_object", Key=self._key(sha256))

    def names(self) -> Iterator[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        token: dict = {}
        while True:
            page = self._call("list_objects_v2", Prefix=start, **token)
            for item in page.get("Contents", []):
                name = item["Key"].rsplit("/", 1)[-1]
                if SHA256.fullmatch(name) and item["Key"] == self._key(name):
                    yield name
            if not page.get("IsTruncated"):
                return
            token = {"ContinuationToken": page["NextContinuationToken"]}

    def size(self, sha256: str) -> int:
        return self._call("head_object", Key=self._key(sha256))["ContentLength"]

    def where(self, sha256: str) -> str:
        return f"s3://{self.bucket}/{self._key(sha256)}"

    def is_empty(self) -> bool:
        return next(self.names(), None) is None


def make_store(config) -> FileStore:
    """The store a config names: STORAGE_URL (s3://…) if set, else the folder STORAGE_DIR."""
    url = config.get("STORAGE_URL")
    if url:
        return S3Store(url)
    return FilesystemStore(config["STORAGE_DIR"])


def store() -> FileStore:
    """This app's store (made once per app)."""
    ext = current_app.extensions
    if "eoffice.store" not in ext:
        ext["eoffice.store"] = make_store(current_app.config)
    return ext["eoffice.store"]


def send_pdf(
    sha256: str,
    download_name: str,
    *,
    attachment: bool = False,
    immutable: bool = False,
    sensitive: bool = False,
) -> Response:
    """A stored PDF as a response, streamed from the store. `immutable`: the URL always means
    these bytes (content-addressed), so the browser may keep it for a year. `sensitive`: the
    content is confidential or secret, so no cache may keep it (no-store), whatever else is
    said."""
    resp = _send(sha256, "application/pdf", as_attachment=attachment, download_name=download_name)
    _name(resp, download_name, attachment)
    if sensitive:  # confidential or secret: a shared office PC keeps nothing of it
        resp.headers["Cache-Control"] = "no-store"
    elif immutable:
        resp.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return resp


def _name(resp: Response, download_name: str, attachment: bool) -> None:
    if download_name.isascii():
        return
    # Werkzeug's ASCII fallback drops the Devanagari ("कले-प्रेषण-2026-1.pdf" became
    # "--2026-1.pdf"): keep the UTF-8 name and give old browsers a readable one
    stem, dot, ext = download_name.rpartition(".")
    if not dot or not ext.isascii() or not ext.isalnum() or len(ext) > 5:
        stem, ext = download_name, "bin"
    ascii_name = "-".join(re.findall(r"[A-Za-z0-9]+", stem))
    resp.headers["Content-Disposition"] = (
        "{}; filename=\"eoffice-{}.{}\"; filename*=UTF-8''{}".format(
            "attachment" if attachment else "inline",
            ascii_name or "document",
            ext,
            quote(download_name),
        )
    )


def send_download(sha256: str, download_name: str, mimetype: str) -> Response:
    """A stored file as a download (never shown in the browser), kept by no cache."""
    resp = _send(sha256, mimetype, as_attachment=True, download_name=download_name)
    _name(resp, download_name, True)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def send_image(sha256: str) -> Response:
    """A stored JPEG (a page preview) as a response, streamed from the store."""
    return _send(sha256, "image/jpeg")


def _send(sha256: str, mimetype: str, **kwargs) -> Response:
    """Streamed from the store with its length, an ETag (its name) and byte ranges, so a
    download cut on 2G resumes where it stopped."""
    s = store()
    size = s.size(sha256)
    resp = send_file(s.open(sha256), mimetype=mimetype, etag=sha256, conditional=False, **kwargs)
    resp.content_length = size
    return resp.make_conditional(request.environ, accept_ranges=True, complete_length=size)


def put(data: bytes) -> tuple[str, bool]:
    """Store `data`; return (sha256, whether this call created the file)."""
    digest = hashlib.sha256(data).hexdigest()
    s = store()
    if s.exists(digest):
        return digest, False
    s.write(digest, data)
    return digest, True


def read(sha256: str) -> bytes:
    with store().open(sha256) as f:
        return f.read()


def digest_of(sha256: str) -> str | None:
    """The SHA-256 of what the store holds under this name (None: nothing there)."""
    return _digest(store(), sha256)


def _digest(s: FileStore, sha256: str) -> str | None:
    try:
        f = s.open(sha256)
    except FileNotFoundError:
        return None
    digest = hashlib.sha256()
    with f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def migrate(source: FileStore, target: FileStore, progress=None) -> tuple[int, int, list[str]]:
    """Copy every file of `source` to `target` and read each back from `target`: (copied,
    already there, names whose copy does not hash to its name after one more try). Run it
    again at will: what is there and whole is only read."""
    copied = present = 0
    bad = []
    for name in source.names():
        if _digest(target, name) == name:
            present += 1
        else:
            with source.open(name) as f:
                data = f.read()
            if hashlib.sha256(data).hexdigest() != name:
                bad.append(name)  # damaged at the source: `storage check` says where
                continue
            target.write(name, data)
            if _digest(target, name) != name:
                target.write(name, data)
                if _digest(target, name) != name:
                    bad.append(name)
                    continue
            copied += 1
        if progress:
            progress(copied + present)
    return copied, present, bad


def migrate_to(target_url: str, source_dir: str | Path | None = None, progress=None):
    """`migrate` from the store folder (STORAGE_DIR unless `source_dir`) to the S3 store at
    `target_url`; returns (copied, already there, [(name, where at the source)] not whole)."""
    source = FilesystemStore(source_dir or current_app.config["STORAGE_DIR"])
    copied, present, bad = migrate(source, S3Store(target_url), progress)
    return copied, present, [(name, source.where(name)) for name in bad]


def discard(sha256: str) -> None:
    """Remove a file this request created, when its transaction did not commit."""
    store().delete(sha256)


#: Where rows name stored files: label → column, declared by each domain's models module
#: with `names_files` (create_app imports every models module, so the list is whole).
_USES: dict[str, object] = {}


def names_files(label: str, column) -> None:
    """Declare that a column names stored files (an array column: one file per element), so
    that `storage check` and `is_referenced` know every place a file is referred to."""
    _USES[label] = column


def _uses():
    """Every (label, sha256) a row names: one SELECT per declared column."""
    from sqlalchemy import ARRAY, func, literal, select, union_all

    parts = []
    for label, column in _USES.items():
        named = func.unnest(column) if isinstance(column.type, ARRAY) else column
        parts.append(select(literal(label), named).where(column.is_not(None)))
    return union_all(*parts)


def check() -> tuple[int, list[tuple[str, str, str]], list[str]]:
    """(files checked, faults, files nobody refers to). A fault is (problem, where, sha256):
    "missing" or "corrupt" (its content's SHA-256 is not its name). Reads every file once."""
    from sqlalchemy import select

    from eoffice.platform.extensions import db

    uses = _uses().subquery()
    wanted: dict[str, str] = {}
    for where, sha in db.session.execute(select(uses.c[0], uses.c[1])):
        wanted.setdefault(sha, where)
    faults = []
    for sha, where in sorted(wanted.items()):
        found = digest_of(sha)
        if found is None:
            faults.append(("missing", where, sha))
        elif found != sha:
            faults.append(("corrupt", where, sha))
    orphans = [name for name in store().names() if name not in wanted]
    return len(wanted), faults, orphans


def is_referenced(sha256: str) -> bool:
    """Whether any row still names this file (inside the current transaction's view)."""
    from sqlalchemy import select

    from eoffice.platform.extensions import db

    uses = _uses().subquery()
    return (
        db.session.execute(select(uses.c[1]).where(uses.c[1] == sha256).limit(1)).first()
        is not None
    )


def release_after_commit(sha256: str | None) -> None:
    """A file the current change stops using (a letter's unsigned rendering once it is
    signed): removed once the change is committed, if no row names it then. A rollback keeps it."""
    from sqlalchemy import event

    from eoffice.platform.extensions import db

    if not sha256 or is_referenced(sha256):
        return
    s = store()

    @event.listens_for(db.session(), "after_commit", once=True)
    def _remove(_session):
        s.delete(sha256)
