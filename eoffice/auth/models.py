"""Every login attempt, kept in Postgres so throttling holds across gunicorn workers."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.platform.extensions import db


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


class UserSession(db.Model):
    """A signed-in session, kept on the server: the cookie carries only a random token whose
    SHA-256 is `token_sha256`. A request is signed in only while its row is live, so logout, a
    password change or an administrator ends a session even for a copied cookie."""

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    #: refreshed at most once a minute (as the cookie's idle clock is)
    last_seen_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ip: Mapped[str] = mapped_column(String(45))
    #: the browser as it names itself, cut to 200 characters: for the user to recognise it
    user_agent: Mapped[str] = mapped_column(String(200))
    ended_at: Mapped[datetime | None]
    #: logout, password, admin, user, idle
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    __table_args__ = (
        Index("ix_user_session_live", "user_id", postgresql_where=text("ended_at IS NULL")),
    )
