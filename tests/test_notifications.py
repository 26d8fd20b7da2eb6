"""Email notices and the daily digest, delivered to a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import email
import re
import socket
from email.parser import BytesParser
from email.policy import default, strict
from email.utils import parseaddr

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from eoffice.movement.jobs import digest_now, notify_movement_now
from eoffice.movement.models import Movement
from tests.test_movement import login, open_file, post_id, send  # noqa: F401  (fixture)

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")


def standards_problems(raw: bytes) -> list[str]:
    """What a strict mail server would object to in a message as it went over the wire:
    defects found by the standard library's strict parser, no Date in India time (RFC 5322
    requires Date), no Message-ID, a sender without a display name, header lines over 78
    characters or encoded words over 75 (RFC 2047), attachment names only in RFC 2231 form."""
    problems = []
    try:
        msg = BytesParser(policy=strict).parsebytes(raw)
    except Exception as e:  # noqa: BLE001  (policy.strict raises on the first defect)
        return [f"strict parser: {e!r}"]
    for part in msg.walk():
        problems += [f"defect: {d!r}" for d in part.defects]
    if not re.search(r"\+0530$", msg.get("Date", "")):
        problems.append(f"Date {msg.get('Date')!r} is not in India time")
    if not re.fullmatch(r"<[^@<>\s]+@[^@<>\s]+>", msg.get("Message-ID", "")):
        problems.append(f"Message-ID {msg.get('Message-ID')!r}")
    if not parseaddr(str(msg.get("From", "")))[0]:
        problems.append(f"From {msg.get('From')!r} has no display name")
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    for line in head.splitlines():
        if len(line) > 78:
            problems.append(f"header line of {len(line)} characters")
        problems += [f"encoded word of {len(w)}" for w in ENCODED_WORD.findall(line) if len(w) > 75]
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if not name.isascii() or not re.search(rb"filename=\"?" + re.escape(name.encode()), raw):
            problems.append(f"attachment name only in RFC 2231 form: {name!r}")
    return problems


def sender_name(raw: bytes) -> str:
    """The From header's display name, decoded as RFC 2047 says (the whitespace between two
    encoded words is no part of the text: the stdlib's newer parser puts a space there, inside
    "ललितपुर" when the folder splits the word, which mail clients do not)."""
    from email.header import decode_header, make_header
    from email.policy import compat32

    value = email.message_from_bytes(raw, policy=compat32)["From"]
    return str(make_header(decode_header(value))).rsplit(" <", 1)[0]


class Inbox:
    """A mailbox on a real SMTP server: each message as received, and what a strict server
    would object to in it (every test that sends mail checks every message it sent)."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.raw: list[bytes] = []
        self.problems: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=default))
        self.raw.append(envelope.content)
        subject = self.messages[-1].get("Subject")
        self.problems += [f"{subject}: {p}" for p in standards_problems(envelope.content)]
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
    assert not inbox.problems, inbox.problems


def test_the_standards_check_finds_what_servers_refuse():
    """The check the mailbox runs on every message can fail: a message built as they were
    before (no Date, no Message-ID, a bare sender, a long Hindi subject in one encoded word,
    the attachment name only in RFC 2231 form)."""
    from email.message import EmailMessage

    old = EmailMessage()
    old["From"] = "eoffice@localhost"
    old["To"] = "a@mail.example"
    old["Subject"] = "कले/प्रेषण/2026/000001: ग्राम बिरधा में अतिक्रमण की जाँच " * 2
    old.set_content("नमस्ते")
    old.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="कले-1.pdf")
    found = " ".join(standards_problems(bytes(old)))
    for expected in ("Date", "Message-ID", "display name", "RFC 2231"):
        assert expected in found, (expected, found)


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
    count = int(re.search(r"(\d+) प्रविष्टि", so["Subject"]).group(1))
    assert ("प्रविष्टियाँ" in so["Subject"]) == (count != 1)  # "1 प्रविष्टि", "2 प्रविष्टियाँ"
    assert re.search(r"आपके पास \d+ प्रविष्टि(याँ)?(, [^\n]*)?।", body), body  # a Hindi full stop
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
