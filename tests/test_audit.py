"""The audit trail is a hash chain Postgres will not let anyone rewrite."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eoffice import audit


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


def test_a_cut_tail_is_reported_against_the_anchored_head(app, owner_db):
    """Deleting the last 25 events left `audit verify` saying OK: the head anchored outside the
    table (the job worker's checkpoint) shows the cut."""
    from pathlib import Path

    db = owner_db
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
