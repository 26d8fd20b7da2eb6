"""Every login attempt, kept in Postgres so throttling holds across gunicorn workers."""

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.extensions import db


class LoginAttempt(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: As normalised for lookup (may name no user); cut to 64 characters.
    login_id: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(45))
    succeeded: Mapped[bool]
    #: ok, bad_password, unknown_user, disabled, throttled
    outcome: Mapped[str] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_login_attempt_login_id_at", "login_id", "at"),
        Index("ix_login_attempt_ip_at", "ip", "at"),
    )
