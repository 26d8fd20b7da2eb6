"""Signing credentials, signatures on letters, and two-phase signing sessions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String, Text, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.org.models import Post, User
from eoffice.platform import storage
from eoffice.platform.extensions import db


class SigningCredential(db.Model):
    """A user's certificate. 'soft': the PKCS#12 is kept encrypted under a key derived from a PIN
    the server never stores. 'token': only the certificate (a USB token or eSign holds the key;
    the server prepares digests for it)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    cert_der: Mapped[bytes] = mapped_column(LargeBinary)
    subject: Mapped[str] = mapped_column(String(500))
    issuer: Mapped[str] = mapped_column(String(500))
    serial: Mapped[str] = mapped_column(String(80))
    not_after: Mapped[datetime]
    #: soft only: salt, and nonce + AES-GCM ciphertext of the PKCS#12 (no password inside)
    salt: Mapped[bytes | None] = mapped_column(LargeBinary)
    sealed_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    failed_pins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    removed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("kind IN ('soft','token')", name="kind"),
        CheckConstraint("(kind = 'soft') = (sealed_key IS NOT NULL)", name="soft_has_key"),
    )


class Signature(db.Model):
    """One signature on a letter's PDF, in order; the PDF after it is in storage by hash."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    #: what is signed: a draft letter or a final note (exactly one)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("letter_draft.id"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id"), index=True)
    seq: Mapped[int]
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    credential_id: Mapped[int | None] = mapped_column(ForeignKey("signing_credential.id"))
    #: soft, two_phase, upload
    method: Mapped[str] = mapped_column(String(12))
    signer_subject: Mapped[str] = mapped_column(String(500))
    cert_serial: Mapped[str] = mapped_column(String(80))
    signed_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: PAdES B-LT: the time in the signature's timestamp from the TSA (None: not timestamped)
    timestamped_at: Mapped[datetime | None]
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    #: the approved text this signature covers (bound by hash)
    text_sha256: Mapped[str] = mapped_column(String(64))
    #: validation at signing time against the office's trust store
    valid: Mapped[bool]
    trusted: Mapped[bool]
    summary: Mapped[str] = mapped_column(Text)

    user: Mapped[User] = relationship()
    post: Mapped[Post] = relationship()

    __table_args__ = (
        db.UniqueConstraint("draft_id", "seq", name="uq_signature_seq"),
        db.UniqueConstraint("note_id", "seq", name="uq_signature_note_seq"),
        CheckConstraint("method IN ('soft','two_phase','upload')", name="method"),
        CheckConstraint("(draft_id IS NULL) <> (note_id IS NULL)", name="one_target"),
    )


class SigningSession(db.Model):
    """Two-phase signing: the PDF prepared with a signature placeholder and its digest, waiting
    for the token's (or eSign's) CMS. Expires after 15 minutes; used once."""

    id: Mapped[uuid.UUID] = mapped_column(UUID, primary_key=True, default=uuid.uuid4)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("letter_draft.id"))
    note_id: Mapped[int | None] = mapped_column(ForeignKey("note.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id"))
    credential_id: Mapped[int] = mapped_column(ForeignKey("signing_credential.id"))
    base_sha256: Mapped[str] = mapped_column(String(64))
    prepared: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[bytes] = mapped_column(LargeBinary)
    region_start: Mapped[int]
    region_end: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    expires_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class NotePdf(db.Model):
    """A final note's PDF (the note itself is immutable, so its PDF lives here)."""

    note_id: Mapped[int] = mapped_column(ForeignKey("note.id"), primary_key=True)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


storage.names_files("note PDF", NotePdf.pdf_sha256)
storage.names_files("signature", Signature.pdf_sha256)
