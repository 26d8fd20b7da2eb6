"""An import of a staff list: previewed first, applied only when the admin confirms."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eoffice.org.models import Office, User
from eoffice.platform import storage
from eoffice.platform.extensions import db


class StaffImport(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    applied_at: Mapped[datetime | None]
    filename: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    #: preview (nothing of it saved anywhere else yet), queued (a long list: the job worker
    #: applies it), applied, or failed (nothing of it saved; `error` says why)
    status: Mapped[str] = mapped_column(String(10), default="preview", server_default="preview")
    error: Mapped[str | None] = mapped_column(String(300))
    #: the rows as checked: what will happen to each (never a full Aadhaar number: its last four)
    plan: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    #: the one-time passwords of the users it created, sealed with the app's key (AES-GCM) for
    #: the printable slips; a slip is printed only while its user has not yet logged in
    slips: Mapped[bytes | None] = mapped_column(LargeBinary)

    office: Mapped[Office] = relationship()
    by_user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint("status IN ('preview','queued','applied','failed')", name="status"),
    )


class LegacyImport(db.Model):
    """पुरानी पत्रावलियों का आयात: a ZIP of scanned old paper files with an index (CSV or XLSX),
    checked first (every bad row reported), imported only when the admin confirms, by the job
    worker, row by row (eoffice/admin/legacy.py). Re-running imports nothing twice: an old
    number already in the office is skipped."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    filename: Mapped[str] = mapped_column(String(255))
    #: the ZIP in the content store
    sha256: Mapped[str] = mapped_column(String(64))
    #: checking (the worker reads it), checked (the report waits for the admin), importing,
    #: done, failed (the ZIP or its index could not be read: `error`)
    status: Mapped[str] = mapped_column(String(10), default="checking")
    error: Mapped[str | None] = mapped_column(String(40))
    #: the rows as checked: old number, subject, what is wrong with each (codes), or "already"
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    imported: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    finished_at: Mapped[datetime | None]

    office: Mapped[Office] = relationship()
    by_user: Mapped[User] = relationship()

    __table_args__ = (
        CheckConstraint(
            "status IN ('checking','checked','importing','done','failed')", name="status"
        ),
    )


storage.names_files("old files' ZIP", LegacyImport.sha256)


class TrainingSession(db.Model):
    """A training session the nodal officer held (the DIO trains each office's staff)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    trainer: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    office: Mapped[Office] = relationship()
    attendees: Mapped[list[User]] = relationship(secondary="training_attendance")


class TrainingAttendance(db.Model):
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True, index=True)
