"""The append-only audit trail: every event row is chained to the one before it by SHA-256.

PostgreSQL refuses UPDATE, DELETE and TRUNCATE on the table (a trigger, see the first
migration), so the application itself cannot rewrite history; `flask audit verify`
recomputes the chain. Three more guards (hostile round 3):
- every event is sealed: HMAC-SHA256 of its hash under the office's audit key, a file outside
  the database (`EOFFICE_AUDIT_KEY_FILE`), so rows appended with the database role alone —
  chained correctly or not — carry no valid seal;
- the database records which role wrote each row (`db_role`, set by a trigger the app's role
  cannot lift), so a row written by the owner or a superuser stands out;
- every commit that writes events appends the chain's head to the anchor file, each line
  signed with the same key and chained to the line before, so a cut at the table's tail is
  named to the event, and a rewritten or reordered anchor file is noticed.
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

from eoffice.platform.extensions import db

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
    #: HMAC-SHA256 of `hash` under the audit key (None only for events before migration 0026)
    seal: Mapped[str | None] = mapped_column(String(64))
    #: the database role that inserted the row, set by the database itself (a trigger)
    db_role: Mapped[str | None] = mapped_column(String(63))

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
    ev.seal = seal_of(ev.hash)
    db.session.add(ev)
    db.session.flush()
    db.session.info["audit_head"] = (ev.id, ev.hash)
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
        ev.seal = seal_of(ev.hash)
        rows.append(ev)
    # ids come from the sequence in the order of the rows: the chain's order
    db.session.add_all(rows)
    db.session.flush()
    db.session.info["audit_head"] = (rows[-1].id, rows[-1].hash)


def record_on(actor: Any, item: Any, action: str, post_id: int | None, **data: Any) -> AuditEvent:
    """`record` of the actor's user acting on a file or receipt, as `post_id`."""
    return record(
        action,
        user_id=actor.id,
        post_id=post_id,
        object_type=item.kind_name,
        object_id=item.id,
        **data,
    )


# --- the audit key and the seals ----------------------------------------------------------


def _key() -> bytes:
    """The office's audit key: 32 random bytes in a file only the app's user reads, made on
    first use. Never in the database and never in a backup: keep a copy apart (README)."""
    import os
    from pathlib import Path

    from flask import current_app

    path = Path(current_app.config["AUDIT_KEY_FILE"])
    cached = current_app.extensions.get("eoffice_audit_key")
    if cached is not None and cached[0] == str(path):
        return cached[1]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it a moment ago
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(os.urandom(32))
                f.flush()
                os.fsync(f.fileno())
    key = path.read_bytes()
    if len(key) < 32:
        raise RuntimeError(f"the audit key {path} is damaged (under 32 bytes)")
    current_app.extensions["eoffice_audit_key"] = (str(path), key)
    return key


def mac(text: str) -> str:
    """HMAC-SHA256 under the audit key: an event's seal, an anchor line, a backup's manifest."""
    import hmac

    return hmac.new(_key(), text.encode(), hashlib.sha256).hexdigest()


def seal_of(event_hash: str) -> str:
    return mac(event_hash)


def verify() -> tuple[int, int | None]:
    """Walk the chain in order. Return (events checked, id of the first bad event or None)."""
    count, bad, _problem = inspect()
    return count, bad


def inspect(writers: set[str] | None = None) -> tuple[int, int | None, str | None]:
    """One walk of the table: (events checked, the first event that breaks the chain, what is
    wrong). The chain is always checked; with `writers` also every seal since sealing began
    (migration 0026) and that one of those database roles inserted each event."""
    import hmac

    prev, count, sealing = GENESIS, 0, False
    for ev in db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ):
        if ev.prev_hash != prev or ev.hash != _digest(prev, _fields(ev)):
            return (
                count,
                ev.id,
                f"BROKEN: event {ev.id} does not follow from the {count} before it.",
            )
        if writers is not None and (ev.seal is not None or sealing):
            sealing = True
            if ev.seal is None or not hmac.compare_digest(ev.seal, seal_of(ev.hash)):
                return (
                    count,
                    None,
                    (
                        f"FORGED: event {ev.id} ({ev.action}, {ev.at.isoformat()}) has no valid "
                        "seal: it was not written by this office's e-Office (database role "
                        f"{ev.db_role})."
                    ),
                )
            if writers and ev.db_role is not None and ev.db_role not in writers:
                return (
                    count,
                    None,
                    (
                        f"FOREIGN WRITER: event {ev.id} ({ev.action}) was inserted by database role "
                        f"{ev.db_role}, not by the application's role ({', '.join(sorted(writers))})."
                    ),
                )
        prev = ev.hash
        count += 1
    return count, None, None


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
    head = db.session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    if head is None:
        return None
    return anchor(head.id, head.hash)


def _line_mac(prev_mac: str, line: dict) -> str:
    return mac(f"{prev_mac}|{line['at']}|{line['id']}|{line['hash']}")


def anchor(event_id: int, event_hash: str) -> dict:
    """Append (id, hash) to the anchor file, signed and chained to the line before, unless it
    is the last line already. Writers in several processes take turns (flock)."""
    import fcntl
    import os

    path = _anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            last = _last_line(f)
            if last and last.get("id") == event_id and last.get("hash") == event_hash:
                return last
            line = {"at": datetime.now(UTC).isoformat(), "id": event_id, "hash": event_hash}
            line["mac"] = _line_mac((last or {}).get("mac", ""), line)
            f.write(json.dumps(line) + "\n")
            f.flush()
            os.fsync(f.fileno())
            return line
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _last_line(f) -> dict | None:
    f.seek(0, 2)
    size = f.tell()
    f.seek(max(0, size - 4096))
    lines = f.read().splitlines()
    for raw in reversed(lines):
        try:
            return json.loads(raw)
        except ValueError:
            continue
    return None


def set_aside_after(moment: datetime) -> int:
    """After a point-in-time recovery to `moment`: the heads anchored later name events the
    recovery gave up. They move to `anchor.jsonl.after-<moment>` (kept: what was lost, and when
    it was anchored) and the file keeps its signed prefix, so `audit verify` holds the recovered
    trail to everything anchored up to the moment. Returns how many lines moved."""
    import fcntl
    import os

    path = _anchor_path()
    if not path.exists():
        return 0
    with path.open("r+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        lines = f.read().splitlines()
        keep, lost = [], []
        for raw in lines:
            try:
                at = datetime.fromisoformat(json.loads(raw)["at"])
            except (ValueError, KeyError, TypeError):
                keep.append(raw)
                continue
            (lost if lost or at > moment else keep).append(raw)
        if lost:
            stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            side = path.with_name(f"{path.name}.after-{stamp}")
            with side.open("a") as out:
                out.write("\n".join(lost) + "\n")
            f.seek(0)
            f.truncate()
            f.write("".join(line + "\n" for line in keep))
            f.flush()
            os.fsync(f.fileno())
        fcntl.flock(f, fcntl.LOCK_UN)
    return len(lost)


def anchor_after_commit(session) -> None:
    """SQLAlchemy after_commit: the head this transaction wrote goes to the anchor file."""
    from flask import has_app_context

    head = session.info.pop("audit_head", None)
    if head is not None and has_app_context():
        try:
            anchor(*head)
        except OSError as e:  # the commit stands; the next one (or the worker) anchors
            import logging

            logging.getLogger(__name__).error("audit anchor not written: %r", e)


def forget_head(session, *args) -> None:
    session.info.pop("audit_head", None)


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
    """None if the anchor file's lines are signed and chained under this office's key and
    every anchored head is in the table with its hash; else what is wrong."""
    import hmac

    anchors = _anchors()
    prev_mac, signed = "", False
    for n, a in enumerate(anchors, start=1):
        if "mac" not in a and not signed:
            continue  # written before anchors were signed
        signed = True
        if not hmac.compare_digest(str(a.get("mac", "")), _line_mac(prev_mac, a)):
            return (
                f"ANCHOR REWRITTEN: line {n} of the anchor file ({_anchor_path()}) is not signed "
                "by this office's audit key in this place: the file was edited, a line inserted, "
                "removed or moved."
            )
        prev_mac = a["mac"]
    last = db.session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1))
    cut = [a for a in anchors if a["id"] > (last or 0)]
    if cut:
        a = max(cut, key=lambda a: a["id"])
        return (
            f"TRUNCATED: events {(last or 0) + 1} to {a['id']} were cut from the end of the "
            f"table: event {a['id']} was anchored at {a['at']} and is not there (its last event "
            f"is {last})."
        )
    for i in range(0, len(anchors), 10_000):  # per commit, the file is long: batches
        batch = {a["id"]: a for a in anchors[i : i + 10_000]}
        found = dict(
            db.session.execute(
                select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.id.in_(list(batch)))
            ).all()
        )
        for event_id, a in batch.items():
            if event_id not in found:
                return f"TRUNCATED: event {event_id}, anchored at {a['at']}, is not in the table."
            if found[event_id] != a["hash"]:
                return f"BROKEN: event {event_id} no longer has the hash anchored at {a['at']}."
    return None


def _listen() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", anchor_after_commit):
        event.listen(Session, "after_commit", anchor_after_commit)
        event.listen(Session, "after_soft_rollback", forget_head)


_listen()
