"""The audit trail is a hash chain Postgres will not let anyone rewrite."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eoffice.platform import audit


def test_chain_verifies_and_refuses_update_delete_truncate(app, owner_db):
    """Even the table's owner is refused by the triggers (only lifting them would help)."""
    db = owner_db
    with app.test_request_context():
        for i in range(3):
            audit.record("probe", object_type="test", object_id=i, note="टिप्पणी")
        db.session.commit()
    count, bad = audit.verify()
    assert bad is None and count >= 3
    for sql in (
        "UPDATE audit_event SET action = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(sql))


def test_the_apps_own_role_can_neither_rewrite_nor_lift_the_guards(app, db):
    """The app connects as a role that owns nothing: with its connection nobody can disable a
    trigger, replay as a replica, drop or alter a table, or change the audit trail."""
    me = db.session.execute(
        text("SELECT rolname, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = current_user")
    ).one()
    assert me.rolname != "postgres" and not me.rolsuper and not me.rolcreaterole
    with app.test_request_context():
        audit.record("probe", object_type="test", object_id=1)  # it may append
        db.session.flush()
    for sql in (
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete",
        "ALTER TABLE note DISABLE TRIGGER note_final_immutable",
        "ALTER TABLE letter_version DISABLE TRIGGER ALL",
        "SET session_replication_role = replica",
        "UPDATE audit_event SET action = 'x'",
        "DELETE FROM audit_event",
        "TRUNCATE audit_event",
        "DROP TABLE audit_event",
        "UPDATE alembic_version SET version_num = 'x'",
        "CREATE TABLE planted (i int)",
        "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
        "LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'",
    ):
        with (
            pytest.raises(DBAPIError, match="permission denied|must be owner"),
            db.session.begin_nested(),
        ):
            db.session.execute(text(sql))
    assert audit.verify()[1] is None


def test_verify_finds_a_rewritten_event(app, owner_db):
    db = owner_db
    with app.test_request_context():
        events = [audit.record("probe", object_id=i) for i in range(3)]
        db.session.commit()
    # Only the owner or a superuser can lift the trigger; the check must still catch it.
    db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete"))
    db.session.execute(
        text("UPDATE audit_event SET data = '{\"forged\": true}' WHERE id = :id"),
        {"id": events[1].id},
    )
    count, bad = audit.verify()
    assert bad == events[1].id


def test_cli_verify(app, db):
    with app.test_request_context():
        audit.record("probe")
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "chain intact" in result.output


def test_a_cut_tail_is_reported_against_the_anchored_head(app, owner_db, monkeypatch):
    """Deleting the last 25 events left `audit verify` saying OK: the head anchored outside the
    table (the job worker's checkpoint) shows the cut."""
    from pathlib import Path

    db = owner_db
    _owner_writes(app, db, monkeypatch)
    anchor = Path(app.config["AUDIT_ANCHOR"])
    with app.test_request_context():
        events = [audit.record("probe", object_id=i) for i in range(30)]
        db.session.commit()
    with app.app_context():
        head = audit.checkpoint()
        assert head["id"] == events[-1].id and audit.checkpoint() == head  # once per head
    runner = app.test_cli_runner()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0
    # a superuser lifts the trigger and cuts the tail: the chain that is left still links up
    db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete"))
    db.session.execute(text("DELETE FROM audit_event WHERE id > :id"), {"id": events[4].id})
    assert audit.verify()[1] is None
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "TRUNCATED" in result.output, result.output
    assert str(events[-1].id) in result.output
    assert anchor.exists()


# --- hostile round 3, item 3: cut tail, rewritten anchor, forged appends --------------------


def _append_chained(db, *, seal: str | None, action: str = "approve_letter") -> int:
    """What someone with only a database connection does: an event that chains correctly."""
    import datetime as dt

    from sqlalchemy import select

    prev = db.session.scalar(
        select(audit.AuditEvent.hash).order_by(audit.AuditEvent.id.desc()).limit(1)
    )
    ev = audit.AuditEvent(
        at=dt.datetime.now(dt.UTC),
        action=action,
        data={"draft_id": 1},
        prev_hash=prev or audit.GENESIS,
    )
    ev.hash = audit._digest(ev.prev_hash, audit._fields(ev))
    row = db.session.execute(
        text(
            "INSERT INTO audit_event (at, action, data, prev_hash, hash, seal, db_role) "
            "VALUES (:at, :action, CAST(:data AS jsonb), :prev, :hash, :seal, 'eoffice_app') "
            "RETURNING id, db_role"
        ),
        {
            "at": ev.at,
            "action": ev.action,
            "data": '{"draft_id": 1}',
            "prev": ev.prev_hash,
            "hash": ev.hash,
            "seal": seal,
        },
    ).one()
    db.session.commit()
    return row


def _verify(app):
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def _owner_writes(app, db, monkeypatch) -> None:
    """These tests write their events as the owner (to cut them later in one transaction)."""
    role = db.session.scalar(text("SELECT session_user"))
    monkeypatch.setitem(app.config, "AUDIT_WRITERS", f"eoffice_app,{role}")


def test_every_commit_anchors_and_a_cut_tail_is_named(app, owner_db, monkeypatch):
    """No checkpoint is run: the commits themselves anchored the head, so cutting even the last
    three events is named, event by event."""
    db = owner_db
    _owner_writes(app, db, monkeypatch)
    with app.test_request_context():
        events = []
        for i in range(6):
            events.append(audit.record("probe", object_id=i))
            db.session.commit()
    code, out = _verify(app)
    assert code == 0 and "OK" in out, out
    db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete"))
    db.session.execute(text("DELETE FROM audit_event WHERE id > :id"), {"id": events[2].id})
    code, out = _verify(app)
    assert code == 1 and "TRUNCATED" in out
    assert f"events {events[3].id} to {events[5].id}" in out


def test_a_rewritten_or_trimmed_anchor_file_is_noticed(app, db):
    from pathlib import Path

    with app.test_request_context():
        for i in range(4):
            audit.record("probe", object_id=i)
            db.session.commit()
    anchor = Path(app.config["AUDIT_ANCHOR"])
    lines = anchor.read_text().splitlines()
    assert len(lines) == 4 and _verify(app)[0] == 0
    # rewrite the second line's hash (to hide a rewritten chain): its signature no longer fits
    import json

    second = json.loads(lines[1])
    second["hash"] = "f" * 64
    anchor.write_text("\n".join([lines[0], json.dumps(second), *lines[2:]]) + "\n")
    code, out = _verify(app)
    assert code == 1 and "ANCHOR REWRITTEN: line 2" in out
    # a line taken out of the middle breaks the chain of signatures just the same
    anchor.write_text("\n".join([lines[0], *lines[2:]]) + "\n")
    code, out = _verify(app)
    assert code == 1 and "ANCHOR REWRITTEN: line 2" in out
    anchor.write_text("\n".join(lines) + "\n")
    assert _verify(app)[0] == 0


def test_a_forged_append_by_the_apps_own_role_stands_out(app, db):
    """With the app's database password alone an attacker can append an event that chains
    correctly; it has no seal under the office's audit key (which is not in the database)."""
    with app.test_request_context():
        audit.record("probe")
        db.session.commit()
    event_id, role = _append_chained(db, seal="0" * 64)
    assert role == db.session.scalar(text("SELECT session_user"))  # recorded by the trigger
    assert audit.verify()[1] is None  # the chain alone cannot tell
    code, out = _verify(app)
    assert code == 1 and f"FORGED: event {event_id}" in out


def test_an_event_written_by_another_database_role_is_named(app, owner_db):
    """The owner (or a superuser) can append with a valid seal if they also stole the key: the
    database still records who wrote the row, whatever the INSERT claimed."""
    db = owner_db
    with app.test_request_context():
        event_id, role = _append_chained(db, seal=None)
        # with the key, the seal would be valid: the writer's role still shows
        db.session.execute(
            text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete")
        )
        real = db.session.scalar(
            text("SELECT hash FROM audit_event WHERE id = :id"), {"id": event_id}
        )
        db.session.execute(
            text("UPDATE audit_event SET seal = :s WHERE id = :id"),
            {"s": audit.seal_of(real), "id": event_id},
        )
        db.session.commit()
    assert role != "eoffice_app"  # the INSERT claimed eoffice_app; the trigger wrote the truth
    assert role == db.session.scalar(
        text("SELECT session_user")
    )  # not the 'eoffice_app' it claimed
    code, out = _verify(app)
    assert code == 1 and f"FOREIGN WRITER: event {event_id}" in out and role in out
