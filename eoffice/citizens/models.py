"""Lookups on the citizens' status page, per client address and per diary number: rate
limiting that holds across gunicorn workers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.extensions import db


class StatusAttempt(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    #: "office id:year:serial" as asked (whether or not such a receipt exists)
    diary_key: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(server_default=func.now())

    __table_args__ = (
        Index("ix_status_attempt_address_at", "address", "at"),
        Index("ix_status_attempt_diary_key_at", "diary_key", "at"),
    )
