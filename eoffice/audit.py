"""The append-only audit trail: every event row is chained to the one before it by SHA-256.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the table (a trigger, see the first
migration), so the application itself cannot rewrite history; `flask audit verify`
recomputes the chain.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import BigInteger, ForeignKey, Index, String, select, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from eoffice.extensions import db

GENESIS = "0" * 64
#: Key of the transaction-level advisory lock that serialises writers of the chain.
CHAIN_LOCK = 7_100_001


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime]
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    actor_post_id: Mapped[int | None] = mapped_column(ForeignKey("post.id"))
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    ip: Mapped[str | None] = mapped_column(String(45))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    #: "who looked at this file, and when", and the once-per-window view check
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id", "at"),)


def _digest(prev_hash: str, fields: dict[str, Any]) -> str:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def _fields(ev: AuditEvent) -> dict[str, Any]:
    return {
        "at": ev.at.astimezone(UTC).isoformat(),
        "actor_user_id": ev.actor_user_id,
        "actor_post_id": ev.actor_post_id,
        "action": ev.action,
        "object_type": ev.object_type,
        "object_id": ev.object_id,
        "ip": ev.ip,
        "data": ev.data,
    }


def record(
    action: str,
    *,
    user_id: int | None = None,
    post_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one event (flushed, not committed: it lands with the request's transaction)."""
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    ev = AuditEvent(
        at=datetime.now(UTC),
        actor_user_id=user_id,
        actor_post_id=post_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=request.remote_addr if has_request_context() else None,
        data=data,
        prev_hash=prev or GENESIS,
    )
    ev.hash = _digest(ev.prev_hash, _fields(ev))
    db.session.add(ev)
    db.session.flush()
    return ev


def record_on(item: Any, action: str, post_id: int | None, **data: Any) -> AuditEvent:
    """`record` of the signed-in user acting on a file or receipt, as `post_id`."""
    from flask_login import current_user

    return record(
        action,
        user_id=current_user.id,
        post_id=post_id,
        object_type=item.kind_name,
        object_id=item.id,
        **data,
    )


def verify() -> tuple[int, int | None]:
    """Walk the chain in order. Return (events checked, id of the first bad event or None)."""
    prev = GENESIS
    count = 0
    for ev in db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ):
        if ev.prev_hash != prev or ev.hash != _digest(prev, _fields(ev)):
            return count, ev.id
        prev = ev.hash
        count += 1
    return count, None
