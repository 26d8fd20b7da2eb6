"""Heavy read-only pages (the audit trail, the registers, and later search and reports) may
read from a streaming replica: `DATABASE_REPLICA_URL`. A page asks `read_session()` for a
session; it is on the replica when the replica answers, is in recovery (a real standby), and
its replay is no more than `REPLICA_MAX_LAG_BYTES` of WAL behind the primary; otherwise it is
the primary's own session, so a lagging or dead replica costs speed, never an error or a
stale answer. The check is made at most every `REPLICA_CHECK_SECONDS` per process.
"""

from __future__ import annotations

import logging
import time

from flask import current_app, g
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from eoffice.platform.extensions import db

log = logging.getLogger(__name__)


def _lsn(value: str) -> int:
    """'16/B374D848' → a byte position."""
    high, low = value.split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Replica:
    def __init__(self, url: str, *, max_lag: int, every: float):
        self.engine = create_engine(
            url,
            pool_pre_ping=True,
            pool_size=2,
            connect_args={
                "connect_timeout": 2,
                "options": current_app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"][
                    "options"
                ],
            },
        )
        self.max_lag, self.every = max_lag, every
        self.checked_at, self.usable = 0.0, False

    def lag(self) -> int | None:
        """Bytes of WAL the replica has yet to replay (None: unreachable or not a standby)."""
        try:
            with self.engine.connect() as conn:
                standby, replayed = conn.execute(
                    text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text")
                ).one()
        except Exception as e:  # down, refusing, wrong password: the primary serves
            log.warning("replica unreachable: %s", type(e).__name__)
            return None
        if not standby or replayed is None:
            return None
        primary = db.session.execute(text("SELECT pg_current_wal_lsn()::text")).scalar_one()
        return max(0, _lsn(primary) - _lsn(replayed))

    def is_usable(self) -> bool:
        now = time.monotonic()
        if now - self.checked_at >= self.every:
            lag = self.lag()
            self.usable = lag is not None and lag <= self.max_lag
            self.checked_at = now
        return self.usable


def _replica() -> Replica | None:
    cfg = current_app.config
    if not cfg.get("DATABASE_REPLICA_URL"):
        return None
    ext = current_app.extensions
    if "eoffice.platform.replica" not in ext:
        from eoffice.platform.database import sqlalchemy_url

        ext["eoffice.platform.replica"] = Replica(
            sqlalchemy_url(cfg["DATABASE_REPLICA_URL"]),
            max_lag=cfg["REPLICA_MAX_LAG_BYTES"],
            every=cfg["REPLICA_CHECK_SECONDS"],
        )
    return ext["eoffice.platform.replica"]


def read_session() -> Session:
    """A session for a read-only page: the replica's when it is fit, else the primary's."""
    if "read_session" in g:
        return g.read_session
    replica = _replica()
    if replica is not None and replica.is_usable():
        session = Session(bind=replica.engine)
        g.read_from = "replica"
    else:
        session = db.session
        g.read_from = "primary"
    g.read_session = session
    return session


def close(_exc=None) -> None:
    session = g.pop("read_session", None)
    if session is not None and session is not db.session:
        session.close()


def init_app(app) -> None:
    app.teardown_appcontext(close)
