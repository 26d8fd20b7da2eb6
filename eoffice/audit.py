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
    __table_args__ = (
        Index("ix_audit_event_object", "object_type", "object_id", "at"),
        #: the audit viewer on 10M events: a date range becomes an id range through `at`; a
        #: user's or an action's newest events are read straight off (actor or action, id)
        Index("ix_audit_event_at", "at"),
        Index("ix_audit_event_actor_id", "actor_user_id", "id"),
        Index("ix_audit_event_action_id", "action", "id"),
    )


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


def record_many(events: list[dict[str, Any]]) -> None:
    """Append many events at once (an import of thousands of users): one lock, one look at the
    head, one batched insert, chained in the order given. Each dict holds `action` and
    `record`'s other arguments."""
    if not events:
        return
    db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": CHAIN_LOCK})
    prev = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    prev = prev or GENESIS
    now = datetime.now(UTC)
    ip = request.remote_addr if has_request_context() else None
    rows = []
    for e in events:
        e = dict(e)
        ev = AuditEvent(
            at=now,
            actor_user_id=e.pop("user_id", None),
            actor_post_id=e.pop("post_id", None),
            action=e.pop("action"),
            object_type=e.pop("object_type", None),
            object_id=e.pop("object_id", None),
            ip=ip,
            data=e,
            prev_hash=prev,
        )
        ev.hash = prev = _digest(ev.prev_hash, _fields(ev))
        rows.append(ev)
    # ids come from the sequence in the order of the rows: the chain's order
    db.session.add_all(rows)
    db.session.flush()


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


# --- the chain's head, anchored outside the table ------------------------------------------
# Rows cut from the end of the table leave a shorter chain that still verifies. So the job
# worker writes the head (last id and hash) every few minutes to a file outside the database
# (EOFFICE_AUDIT_ANCHOR, under instance/ by default, which backups carry); `audit verify`
# checks that every anchored head is still in the table with the same hash.


def _anchor_path():
    from pathlib import Path

    from flask import current_app

    return Path(current_app.config["AUDIT_ANCHOR"])


def checkpoint() -> dict | None:
    """Append the chain's head to the anchor file if it moved since the last line; return it."""
    import os

    head = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is None:
        return None
    path = _anchor_path()
    last = _anchors()[-1:] if path.exists() else []
    if last and last[0]["id"] == head.id:
        return last[0]
    line = {"at": datetime.now(UTC).isoformat(), "id": head.id, "hash": head.hash}
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as f:
        f.write(json.dumps(line) + "\n")
        f.flush()
        os.fsync(f.fileno())
    return line


def _anchors() -> list[dict]:
    path = _anchor_path()
    if not path.exists():
        return []
    out = []
    for raw in path.read_text().splitlines():
        try:
            out.append(json.loads(raw))
        except ValueError:
            continue
    return out


def anchor_problem() -> str | None:
    """None if every anchored head is in the table with its hash; else what is wrong."""
    for a in _anchors():
        found = db.session.scalar(select(AuditEvent.hash).where(AuditEvent.id == a["id"]))
        if found is None:
            last = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
            return (
                f"TRUNCATED: the head anchored at {a['at']} is event {a['id']}, which is not in "
                f"the table (its last event is {last})."
            )
        if found != a["hash"]:
            return f"BROKEN: event {a['id']} no longer has the hash anchored at {a['at']}."
    return None
