"""Email notices and the daily digest, delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import socket
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from eoffice.movement.jobs import digest_now, notify_movement_now
from eoffice.movement.models import Movement
from tests.test_movement import login, open_file, post_id, send  # noqa: F401  (fixture)


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        return "250 OK"


@pytest.fixture
def smtp(app):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    yield inbox
    app.config.update(saved)
    controller.stop()


def test_recipient_is_emailed_in_hindi_when_smtp_is_configured(app, login, demo, smtp):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db)
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    m = db.session.scalar(select(Movement).where(Movement.file_id == f.id))
    job = db.session.execute(
        text(
            "SELECT status, args FROM procrastinate_jobs WHERE task_name = 'eoffice:notify_movement'"
        )
    ).one()
    assert job.status == "todo" and job.args == {"movement_id": m.id}
    assert notify_movement_now(app, m.id) == 1  # what the worker runs for that job
    (msg,) = smtp.messages
    assert msg["To"] == "so.revenue@demo.eoffice.example"
    assert msg["Subject"] == f"ई-ऑफिस: {f.number} आप तक पहुँची"
    body = msg.get_content()
    assert "सुनीता वर्मा" in body and "कृपया अवलोकन करें" in body and f"/files/{f.id}" in body


def test_no_email_job_without_smtp(app, login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db)
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    assert not db.session.scalar(
        text("SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'eoffice:notify_movement'")
    )


def test_daily_digest_lists_pending_and_overdue(app, demo, smtp):
    assert digest_now(app) >= 2
    by_user = {m["To"]: m for m in smtp.messages}
    so = by_user["so.revenue@demo.eoffice.example"]
    assert "लंबित" in so["Subject"]
    body = so.get_content()
    assert "खतौनी" in body and "समय-सीमा पार" in body
    assert "clerk.revenue@demo.eoffice.example" not in by_user  # nothing with the clerk


def test_the_nodal_officers_digest_carries_the_audit_head(app, demo, smtp):
    from eoffice.platform import audit

    with app.test_request_context():
        audit.record("probe")
        demo.session.commit()
    digest_now(app)
    by_user = {m["To"]: m for m in smtp.messages}
    nodal = by_user["nodal@demo.eoffice.example"].get_content()
    with app.app_context():
        head = audit.checkpoint()  # the same head, already anchored by the digest
    assert head["hash"] in nodal and str(head["id"]) in nodal
    so = by_user["so.revenue@demo.eoffice.example"].get_content()
    assert head["hash"] not in so
