"""Email dak against a real IMAP server (Dovecot, tests/dovecot.py): the office mailbox set by
the admin (its password sealed), new mail taken as draft receipts once per Message-ID and
marked seen only after the commit, prepared (attachments through the upload sanitiser, OCR),
diarised or discarded by the dak desk; hostile mail of every kind gets a clear state."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import pytest
from sqlalchemy import func, select

from eoffice.mailroom import mime, services
from eoffice.mailroom.models import Mailbox, MailDraft
from eoffice.org.models import Office, User
from eoffice.org.services import actor_for
from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import local_date
from eoffice.receipts.models import Receipt
from tests import dovecot, samples
from tests.test_movement import login  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def imap_server():
    server = dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(app, demo, imap_server):
    """The Collectorate's mailbox on the test Dovecot, empty, set as its admin sets it."""
    db = demo
    imap_server.empty()
    app.config["MAIL_CA_FILE"] = str(imap_server.ca_file)
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    admin = db.session.scalar(select(User).where(User.login_id == "nodal"))
    with app.test_request_context():
        services.save_mailbox(
            actor_for(admin),
            office,
            {
                "host": "127.0.0.1",
                "port": str(imap_server.port),
                "security": "ssl",
                "username": imap_server.user,
                "password": imap_server.password,
                "folder": "INBOX",
                "enabled": "y",
            },
        )
        db.session.commit()
    yield office
    app.config["MAIL_CA_FILE"] = None


def message(
    subject="शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र",
    body="महोदय, मेरा प्रार्थना पत्र संलग्न है।\nप्रार्थी: रमेश चंद्र, ग्राम बिरधा",
    sender="रमेश चंद्र <ramesh.birdha@example.in>",
    attachments=(),
    **headers,
) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = dovecot.USER
    m["Subject"] = subject
    m["Date"] = format_datetime(datetime(2026, 12, 5, 10, 30, tzinfo=UTC))
    m["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="example.in")
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    for name, data, maintype, subtype in attachments:
        m.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return m.as_bytes()


def check(app):
    with app.test_request_context():
        return services.check_all(seconds=60)


def prepare_all(app, db):
    with app.test_request_context():
        for d in db.session.scalars(select(MailDraft).where(MailDraft.status == "preparing")):
            services.prepare(d)
            if d.ocr_status == "pending":
                services.read_pages(d)
        db.session.commit()


def form_of(form, d) -> dict:
    """The diarise form filled from the mail, as the clerk sends it."""
    return {
        "mail": str(d.id),
        "key": form.find("input", attrs={"name": "key"})["value"],
        "sender_name": "रमेश चंद्र",
        "received_on": form.find("input", id="received_on")["value"],
        "mode": "email",
        "language": "hi",
        "subject": d.subject,
        "category": "0",
        "grading": "normal",
        "priority": "normal",
    }


def drafts(db) -> list[MailDraft]:
    return list(db.session.scalars(select(MailDraft).order_by(MailDraft.id)))


def test_a_hindi_letter_by_email_becomes_a_draft_then_a_receipt(
    app,
    mailbox,
    imap_server,
    demo,
    login,  # noqa: F811
):
    db = demo
    letter = ("प्रार्थना-पत्र.pdf", samples.letter_pdf(), "application", "pdf")
    imap_server.append(message(attachments=[letter]))
    assert imap_server.unseen() == 1
    [result] = check(app).values()
    assert (result.taken, result.already, result.problem) == (1, 0, None)
    assert imap_server.unseen() == 0  # marked seen: after the commit
    [d] = drafts(db)
    assert d.status == "preparing" and d.raw_sha256 and d.office_id == mailbox.id

    prepare_all(app, db)
    d = db.session.get(MailDraft, d.id)
    assert d.status == "ready" and d.from_address == "ramesh.birdha@example.in"
    assert d.from_name == "रमेश चंद्र" and d.subject.startswith("शस्त्र लाइसेंस")
    assert "प्रार्थी: रमेश चंद्र" in d.body
    assert d.document.pages == 2  # the email's printed page, then the scanned letter
    assert [(a.filename, a.state) for a in d.attachments] == [("प्रार्थना-पत्र.pdf", "page")]
    assert "लाइसेंस" in d.ocr_text and "from_unchecked" in d.warnings

    # nobody but the dak desk sees it: the Collectorate's dak desk is clerk.arms's post
    assert login("clerk.revenue").get(f"/receipts/mail/{d.id}").status_code == 404
    clerk = login("clerk.arms")
    listed = clerk.page("/receipts/mail/").get_text()
    assert "शस्त्र लाइसेंस नवीनीकरण" in listed
    page = clerk.page(f"/receipts/mail/{d.id}").get_text()
    assert "प्रार्थी: रमेश चंद्र" in page and "जाली" in page  # the From line can be forged
    form = clerk.page(f"/receipts/new?mail={d.id}")
    assert form.find("input", id="sender_name")["value"] == "रमेश चंद्र"
    assert form.find("input", id="citizen_email")["value"] == "ramesh.birdha@example.in"
    assert form.find("input", id="received_on")["value"] == f"{local_date(d.taken_at):%d-%m-%Y}"
    assert form.find("input", id="letter_date")["value"] == "05-12-2026"  # 16:00 in India
    assert form.find("input", attrs={"name": "scan"}) is None  # the mail is the scan
    data = {**form_of(form, d), "citizen_email": "ramesh.birdha@example.in"}
    resp = clerk.submit("/receipts/new", data, form_page=f"/receipts/new?mail={d.id}")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    receipt = db.session.scalar(select(Receipt).where(Receipt.subject == d.subject))
    d = db.session.get(MailDraft, d.id)
    assert d.status == "diarised" and d.receipt_id == receipt.id and d.document_id is None
    assert receipt.mode == "email" and receipt.document.pages == 2
    assert receipt.ocr_status == "done" and "लाइसेंस" in receipt.ocr_text
    assert "प्रार्थी: रमेश चंद्र" in receipt.ocr_text  # the body is searchable too
    # the same form again (a double click, another tab): one receipt
    again = clerk.submit("/receipts/new", {**data, "key": str(uuid.uuid4())},
                         form_page=f"/receipts/mail/{d.id}")  # fmt: skip
    assert again.status_code == 302
    count = db.session.scalar(select(func.count(Receipt.id)).where(Receipt.subject == d.subject))
    assert count == 1
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("mail_%"))
    ).all()
    assert set(actions) >= {"mail_take", "mail_diarise"}


def test_weeding_the_file_of_an_emailed_receipt_destroys_the_email_too(
    app,
    mailbox,
    imap_server,
    demo,
    login,  # noqa: F811
):
    from eoffice.files.models import File
    from eoffice.mailroom.models import MailAttachment
    from eoffice.platform import storage
    from eoffice.records.services import _destroy
    from tests.test_movement import open_file
    from tests.test_records import close

    db = demo
    zipped = ("files.zip", b"PK\x03\x04" + b"\0" * 500, "application", "zip")
    imap_server.append(message(subject="नष्ट होने वाला ई-मेल", attachments=[zipped]))
    check(app)
    prepare_all(app, db)
    [d] = drafts(db)
    clerk = login("clerk.arms")
    data = form_of(clerk.page(f"/receipts/new?mail={d.id}"), d)
    assert clerk.submit("/receipts/new", data, form_page="/receipts/mail/").status_code == 302
    d = db.session.get(MailDraft, d.id)
    draft_id, receipt_id = d.id, d.receipt_id
    kept = [d.raw_sha256] + [a.sha256 for a in d.attachments]
    assert all(kept) and len(kept) == 2
    f = open_file(clerk, db, subject="ई-मेल से आई शिकायत")
    resp = clerk.submit(
        f"/files/{f.id}/correspondence", {"receipt": str(receipt_id)}, form_page=f"/files/{f.id}"
    )
    assert resp.status_code == 302
    assert close(clerk, f.id, category="C", years="1").status_code == 302  # recorded C-1
    with app.test_request_context():
        _destroy(db.session.get(File, f.id))
        db.session.commit()
    d = db.session.get(MailDraft, draft_id)
    assert d.raw_sha256 is None and d.body is None and d.subject == "नष्ट होने वाला ई-मेल"
    assert not db.session.scalar(select(func.count(MailAttachment.id)))
    with app.app_context():
        assert not any(storage.store().exists(sha) for sha in kept)


def test_a_message_is_taken_once_even_when_the_seen_mark_is_lost(app, mailbox, imap_server, demo):
    """The worker dies after the commit and before marking the message seen: the next check
    finds its Message-ID taken and only marks it."""
    db = demo
    raw = message(subject="दोबारा न लिया जाए")
    imap_server.append(raw)
    check(app)
    assert len(drafts(db)) == 1
    # what a worker killed between the commit and the mark leaves: the message unseen again
    c = imap_server.client()
    c.select("INBOX")
    c.uid("STORE", c.uid("SEARCH", None, "ALL")[1][0].split()[0].decode(), "-FLAGS", "(\\Seen)")
    c.logout()
    # and the same message delivered twice (a CC to the same mailbox): one draft
    imap_server.append(raw)
    assert imap_server.unseen() == 2
    [result] = check(app).values()
    assert (result.taken, result.already) == (0, 2)
    assert imap_server.unseen() == 0 and len(drafts(db)) == 1


def test_hostile_mail_gets_a_clear_state_and_holds_nobody(app, mailbox, imap_server, demo):
    db = demo
    app.config["MAIL_MAX_BYTES"] = 5 * 1024 * 1024  # the 50 MB case, at a tenth of the size
    try:
        big = message(
            subject="बहुत बड़ा संलग्नक",
            attachments=[("scan.pdf", b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024), "application", "pdf")],
        )  # fmt: skip
        zipped = message(
            subject="ज़िप फ़ाइल",
            attachments=[("files.zip", b"PK\x03\x04" + b"\0" * 2000, "application", "zip")],
        )
        html = EmailMessage()
        html["From"] = "Portal <no-reply@portal.example>"
        html["Subject"] = "HTML केवल"
        html["Message-ID"] = make_msgid()
        html.set_content(
            "<html><head><script>alert(1)</script><style>p{}</style></head><body>"
            "<p>शिकायत संख्या 42</p><img src='http://tracker.example/pixel.gif'>"
            "<script>document.location='http://evil.example'</script></body></html>",
            subtype="html",
        )
        forged = message(
            subject="जिलाधिकारी का आदेश",
            sender='"dm-lal@nic.in" <dm.lalitpur@evil.example>',
            Authentication_Results="mx.gov.in; spf=fail smtp.mailfrom=evil.example; dmarc=fail",
        )
        broken = (
            b"From: x@example.in\r\nSubject: =?utf-8?b?4KS1?=\r\nMessage-ID: <broken@x>\r\n"
            b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\n--zz\r\n'
            b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            b"4KSo4KSu4KS44KWN4KSk4KWH!!!not base64\r\n--zz\r\nContent-Type: application/pdf\r\n"
            b'Content-Disposition: attachment; filename="a.pdf"\r\n\r\n%PDF-1.4 broken\r\n'
        )
        iscii = (
            b"From: x@example.in\r\nSubject: ISCII\r\nMessage-ID: <iscii@x>\r\n"
            b"Content-Type: text/plain; charset=x-iscii-de\r\n\r\n"
            + b"\xefB\xd8\xdb\xa2\xc4\xdc \xc8\xc2\xe8\xcf\r\n"
        )
        cp1252 = (
            b"From: x@example.in\r\nSubject: cp\r\nMessage-ID: <cp@x>\r\n"
            b"Content-Type: text/plain; charset=windows-1252\r\n\r\nCaf\xe9 \x93quoted\x94\r\n"
        )
        imap_server.append(big, zipped, html.as_bytes(), forged, broken, iscii, cp1252)
        started = time.monotonic()
        [result] = check(app).values()
        assert result.taken == 7 and result.problem is None
        prepare_all(app, db)
        took = time.monotonic() - started
        by = {d.subject: d for d in drafts(db)}
        assert "too_big" in by["बहुत बड़ा संलग्नक"].warnings
        assert not by["बहुत बड़ा संलग्नक"].attachments  # its 6 MB were never read
        [z] = by["ज़िप फ़ाइल"].attachments
        assert (z.state, z.reason, z.filename) == ("kept", "not_a_page", "files.zip")
        h = by["HTML केवल"]
        assert "html_only" in h.warnings and "शिकायत संख्या 42" in h.body
        assert "alert" not in h.body and "evil" not in h.body and "tracker" not in h.body
        f = by["जिलाधिकारी का आदेश"]
        assert {"from_disguised", "from_failed"} <= set(f.warnings)
        b = by["व"]
        assert "broken_mime" in b.warnings or "undecodable" in b.warnings
        assert b.status == "ready" and b.document is not None
        assert by["ISCII"].body == "हिंदी पत्र" and "legacy_charset" in by["ISCII"].warnings
        assert by["cp"].body == "Café “quoted”"
        assert all(d.status == "ready" for d in by.values()), took
    finally:
        app.config["MAIL_MAX_BYTES"] = services.MAX_MESSAGE_BYTES


def test_a_thousand_messages_come_in_batches(app, mailbox, imap_server, demo):
    """A check takes what it can in its seconds, says how many still wait, and the next one goes
    on: none twice, none lost."""
    db = demo
    c = imap_server.client()
    for n in range(1000):
        c.append("INBOX", None, None, message(subject=f"थोक {n}", message_id=f"<bulk-{n}@x>"))
    c.logout()
    first = None
    rounds = 0
    while True:
        rounds += 1
        with app.test_request_context():
            [r] = services.check_all(seconds=3).values()
        first = first or r
        if not r.waiting:
            break
        assert rounds < 200
    assert first.waiting > 0  # it did not try to take all in one go
    assert db.session.scalar(select(func.count(MailDraft.id))) == 1000
    assert imap_server.unseen() == 0
    mb = db.session.scalar(select(Mailbox))
    assert mb.waiting == 0 and mb.last_problem is None


def test_a_wrong_password_and_a_stranger_certificate_are_said_plainly(
    app, mailbox, imap_server, demo
):
    db = demo
    mb = db.session.scalar(select(Mailbox))
    admin = db.session.scalar(select(User).where(User.login_id == "nodal"))
    with app.test_request_context():
        form = {"host": "127.0.0.1", "port": str(imap_server.port), "security": "ssl",
                "username": imap_server.user, "password": "गलत", "folder": "INBOX", "enabled": "y"}  # fmt: skip
        services.save_mailbox(actor_for(admin), mailbox, form)
        [r] = services.check_all().values()
        assert r.problem == "login"
        app.config["MAIL_CA_FILE"] = None  # the system's CAs do not know the test CA
        services.save_mailbox(actor_for(admin), mailbox, {**form, "password": imap_server.password})
        [r] = services.check_all().values()
        assert r.problem == "certificate"
        db.session.refresh(mb)
        assert mb.last_problem == "certificate"
        # the password is sealed: not in the row, and bound to this office
        assert imap_server.password.encode() not in mb.password_sealed


def test_the_admin_form_refuses_bad_input_in_hindi(app, mailbox, demo, login):  # noqa: F811
    admin = login("nodal")
    url = f"/admin/offices/{mailbox.id}/mailbox"
    assert not admin.page(url).find("input", id="password").has_attr("value")
    base = {"action": "save", "host": "imap.gov.in", "port": "993", "security": "ssl",
            "username": "dak", "password": "", "folder": "INBOX", "enabled": "y"}  # fmt: skip
    for bad, words in [
        ({"host": ""}, "मेल सर्वर"),
        ({"host": "a b"}, "मेल सर्वर"),
        ({"port": "99999"}, "पोर्ट"),
        ({"port": "९९३x"}, "पोर्ट"),
        ({"security": "none"}, "एन्क्रिप्ट"),
        ({"username": "\u200b"}, "उपयोगकर्ता"),
        ({"host": "x" * 5000 + ".in"}, ""),
    ]:
        resp = admin.submit(url, {**base, **bad})
        assert resp.status_code in (400, 302), (bad, resp.status_code)
        if words:
            assert words in resp.get_data(as_text=True), bad
    # the saved password is never shown again
    assert "डाक-पासवर्ड" not in admin.get(url).get_data(as_text=True)


def test_discard_needs_a_reason_and_only_once(app, mailbox, imap_server, demo, login):  # noqa: F811
    db = demo
    imap_server.append(message(subject="विज्ञापन: सस्ता ऋण"))
    check(app)
    prepare_all(app, db)
    [d] = drafts(db)
    clerk = login("clerk.arms")
    url = f"/receipts/mail/{d.id}/discard"
    resp = clerk.submit(url, {"reason": " \u200b "}, form_page=f"/receipts/mail/{d.id}")
    assert resp.status_code == 302
    assert "कारण" in clerk.page(f"/receipts/mail/{d.id}").find(class_="flashes").get_text()
    resp = clerk.submit(url, {"reason": "विज्ञापन है, डाक नहीं"}, form_page=f"/receipts/mail/{d.id}")
    d = db.session.get(MailDraft, d.id)
    assert d.status == "discarded" and d.discard_reason == "विज्ञापन है, डाक नहीं"
    again = clerk.submit(url, {"reason": "फिर से"}, form_page="/receipts/mail/")
    assert again.status_code == 302 and d.discard_reason == "विज्ञापन है, डाक नहीं"
    assert clerk.get(f"/receipts/new?mail={d.id}").status_code == 302  # not diarised after
    assert clerk.get("/receipts/mail/99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    ("payload", "charset", "text", "warning"),
    [
        ("हिंदी पत्र".encode(), "utf-8", "हिंदी पत्र", None),
        (b"\xefB\xd8\xdb\xa2\xc4\xdc \xc8\xc2\xe8\xcf", "x-iscii-de", "हिंदी पत्र", "legacy_charset"),
        (b"\xd8\xdb\xa2\xc4\xdc", "ISCII-91", "हिंदी", "legacy_charset"),
        (b"\x93x\x94", None, "“x”", "legacy_charset"),  # unlabelled, not UTF-8: Windows-1252
        ("हिंदी".encode(), "no-such-charset", "हिंदी", None),
        (b"\xff\xfe", "utf-8", "��", "undecodable"),
    ],
)
def test_charsets(payload, charset, text, warning):
    assert mime.decode(payload, charset) == (text, warning)


def test_a_draft_whose_job_died_with_its_worker_is_prepared_again(app, mailbox, imap_server, demo):
    """A worker killed while preparing leaves its job "doing" for ever: the every-minute check
    queues the draft's preparation again after ten minutes, once; the draft is then ready."""
    from sqlalchemy import text

    from eoffice.platform import jobs

    db = demo
    imap_server.append(message(subject="तैयारी के बीच वर्कर बंद"))
    check(app)
    [d] = drafts(db)
    with app.test_request_context():
        assert jobs.waiting("mail_prepare", ("todo",), draft_id=d.id) == 1
        assert services.requeue_stuck() == 0  # its job is waiting: nothing to do
        # the worker took the job and was killed: the job stays "doing"; ten minutes pass
        db.session.execute(text(
            "UPDATE procrastinate_jobs SET status = 'doing' WHERE task_name = 'eoffice:mail_prepare'"))  # fmt: skip
        db.session.execute(
            text("UPDATE mail_draft SET taken_at = now() - interval '11 minutes' WHERE id = :i"),
            {"i": d.id},
        )
        assert services.requeue_stuck() == 1
        assert services.requeue_stuck() == 0  # once
        assert jobs.waiting("mail_prepare", ("todo",), draft_id=d.id) == 1
        db.session.commit()
    prepare_all(app, db)
    assert db.session.get(MailDraft, d.id).status == "ready"
