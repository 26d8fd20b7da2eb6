"""The audit trail is a hash chain Postgres will not let anyone rewrite."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from eoffice import audit


def test_chain_verifies_and_refuses_update_delete_truncate(app, db):
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


def test_verify_finds_a_rewritten_event(app, db):
    with app.test_request_context():
        events = [audit.record("probe", object_id=i) for i in range(3)]
        db.session.commit()
    # Only a superuser can lift the trigger; the check must still catch what they did.
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
