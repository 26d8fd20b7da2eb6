"""Stored documents: sanitised PDFs, their page previews, and any signed original."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String, func
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.platform import storage
from eoffice.platform.extensions import db


class Document(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: SHA-256 of the sanitised PDF in the content store
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    pages: Mapped[int]
    #: Per page, the SHA-256 of its preview JPEG
    preview_sha256: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    #: A PDF that arrived signed, kept byte for byte (download only)
    original_sha256: Mapped[str | None] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


storage.names_files("document", Document.sha256)
storage.names_files("document original", Document.original_sha256)
storage.names_files("page preview", Document.preview_sha256)
