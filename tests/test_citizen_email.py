"""Email to citizens: the acknowledgement of a diarised letter (a real local SMTP server), its
state on the receipt page, and the diarise form's email field under hostile input."""

from __future__ import annotations

from sqlalchemy import select, text

from eoffice.citizens.notices import mail_citizen_now
from eoffice.receipts.models import Receipt
from tests.test_movement import login  # noqa: F401  (fixture)
from tests.test_notifications import sender_name, smtp  # noqa: F401  (fixture)
from tests.test_receipts import diarise
from tests.test_signing import keys  # noqa: F401  (fixture)


def newest(db) -> Receipt:
    return db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))


def test_the_sender_gets_an_acknowledgement_by_email(app, client, demo, smtp):  # noqa: F811
    client.login("clerk.revenue")
    assert (
        diarise(client, is_physical_only="y", citizen_email=" ramesh@example.in\u200b").status_code
        == 302
    )
    r = newest(demo)
    assert r.citizen_email == "ramesh@example.in"
    job = demo.session.execute(
        text("SELECT args FROM procrastinate_jobs WHERE task_name = 'eoffice:mail_citizen'")
    ).one()
    assert job.args == {"receipt_id": r.id, "dispatch_id": None}
    page = client.page(f"/receipts/{r.id}").get_text(" ")
    assert "ramesh@example.in" in page and "भेजा जाना शेष" in page
    assert mail_citizen_now(app, r.id, None)  # what the worker runs for that job
    (msg,) = smtp.messages
    assert msg["To"] == "ramesh@example.in" and r.diary_number in msg["Subject"]
    body = msg.get_content()
    assert "रमेश चंद्र" in body and r.diary_number in body and "/status" in body


def test_without_smtp_the_page_says_no_email_went(client, demo):
    client.login("clerk.revenue")
    assert diarise(client, is_physical_only="y", citizen_email="a@b.in").status_code == 302
    page = client.page(f"/receipts/{newest(demo).id}").get_text(" ")
    assert "ईमेल सेट नहीं" in page


def test_hostile_email_addresses_are_refused_plainly(client, demo):
    client.login("clerk.revenue")
    for bad, words in (("not-an-email", "name@example.com"), ("a@b", "name@example.com"),
                       ("x" * 300 + "@example.in", "बहुत लंबा"), ("a@b.in\x00", ""),
                       # hostile round 3, item 7: a second recipient, a dropped one
                       ("ramesh@example.in,postmaster@example.in", "name@example.com"),
                       ("postmaster,ramesh@example.in", "name@example.com"),
                       ("ramesh@example.in;x", "name@example.com"),
                       ("रमेश@example.in", "name@example.com")):  # fmt: skip
        resp = diarise(client, is_physical_only="y", citizen_email=bad)
        assert resp.status_code == 400, bad[:20]
        assert words in resp.get_data(as_text=True), bad[:20]
    assert newest(demo) is None


def test_a_hindi_domain_is_kept_in_the_form_smtp_reads(client, demo):
    client.login("clerk.revenue")
    resp = diarise(client, is_physical_only="y", citizen_email="ramesh@उदाहरण.भारत")
    assert resp.status_code == 302
    assert newest(demo).citizen_email == "ramesh@xn--p1b6ci4b4b3a.xn--h2brj9c"


def test_the_notice_of_a_reply_is_a_message_servers_accept(app, demo, login, keys, pki, smtp):  # noqa: F811
    """The reply notice, the sixth kind of email: the smtp fixture checks it as it checks every
    message (strict parser, Date in India time, Message-ID, display name)."""
    from eoffice.dispatch.models import Dispatch
    from tests.test_dispatch import issue
    from tests.test_letters import new_letter
    from tests.test_movement import flash_text, post_id, send
    from tests.test_notes import new_file
    from tests.test_signing import add_soft, cred_id, p12_of, sign_soft

    db = demo
    clerk = login("clerk.revenue")
    assert (
        diarise(clerk, is_physical_only="y", citizen_email="ramesh@example.in").status_code == 302
    )
    r = newest(db)
    f = new_file(clerk, db)
    clerk.submit(
        f"/files/{f.id}/correspondence", {"receipt": str(r.id)}, form_page=f"/files/{f.id}"
    )
    new_letter(clerk, f.id, body="आपके आवेदन पर स्थलीय जाँच कराई गई, लाइसेंस नवीनीकृत किया गया।")
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    adm = login("adm.fr")
    adm.submit(f"/files/{f.id}/letters/1/approve", {"version": "1"},
               form_page=f"/files/{f.id}/letters/1")  # fmt: skip
    add_soft(adm, p12_of(keys, pki, "adm"))
    assert "मान्य है" in flash_text(adm, sign_soft(adm, f.id, cred_id(db, "adm.fr", "soft")))
    assert issue(adm, f.id, mode="hand", name0="रमेश चंद्र").status_code == 302
    d = db.session.scalar(select(Dispatch))
    assert mail_citizen_now(app, r.id, d.id)
    (msg,) = smtp.messages
    assert d.number in msg["Subject"] and sender_name(smtp.raw[0]) == "कलेक्ट्रेट ललितपुर"
