"""Email dak in the browser, in Hindi, at phone size (issue #30): the nodal officer sets the
Collectorate's mailbox to a real Dovecot and tries it; an email with a scanned Hindi letter
(PDF) is delivered; the job worker of the live server takes it, prepares it and reads it;
the dak clerk (JavaScript off) finds it in ई-मेल डाक with its OCR text, diarises it from the
filled-in form and sends it on to the section officer.

The issue's budget (within a minute of the worker running) is measured by `make bench-mail`
on an idle worker, not here: this live server's heavy lane may still be reading scans queued by
earlier tests, and on a busy CI machine the same path took 61 s. The test waits up to five
minutes for the draft and prints how long it took."""

import re
import time
from email.message import EmailMessage
from email.utils import make_msgid

import psycopg
import pytest

from tests import samples
from tests.browser.test_movement_flow import _send, _user
from tests.ownserver import libpq

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _email() -> bytes:
    m = EmailMessage()
    m["From"] = "रमेश चंद्र <ramesh.birdha@example.in>"
    m["To"] = "dak@lalitpur.up.gov.in"
    m["Subject"] = "शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र (ई-मेल)"
    m["Message-ID"] = make_msgid(domain="example.in")
    m.set_content("महोदय,\nमेरा प्रार्थना पत्र संलग्न है। कृपया नवीनीकरण करें।\nरमेश चंद्र, ग्राम बिरधा")
    m.add_attachment(
        samples.letter_pdf(), maintype="application", subtype="pdf", filename="प्रार्थना-पत्र.pdf"
    )
    return m.as_bytes()


def test_an_email_becomes_dak_diarised_and_sent_on(live_server, live_db_url, live_mail, browser):
    base = live_server
    with psycopg.connect(libpq(live_db_url)) as c:
        office_id = c.execute("SELECT id FROM office WHERE code = 'कले'").fetchone()[0]
    admin = _user(browser, base, "nodal")
    admin.set_viewport_size(PHONE)
    admin.goto(f"{base}/admin/offices/{office_id}")
    admin.click("text=कार्यालय मेलबॉक्स (ई-मेल डाक)")
    assert admin.locator("h1").inner_text() == "कार्यालय मेलबॉक्स"
    admin.fill("#host", "127.0.0.1")
    admin.fill("#port", "abc")  # a slip first: said in Hindi, nothing saved
    admin.fill("#username", live_mail.user)
    admin.fill("#password", live_mail.password)
    admin.click("button.primary:has-text('मेलबॉक्स सहेजें')")
    assert "पोर्ट 1 से 65535" in admin.locator("#mailbox-error").inner_text()
    admin.fill("#port", str(live_mail.port))
    admin.fill("#password", live_mail.password)
    admin.click("button.primary:has-text('मेलबॉक्स सहेजें')")
    assert "मेलबॉक्स सहेजा गया।" in admin.locator(".flashes").inner_text()
    admin.click("button:has-text('कनेक्शन जाँचें')")
    assert "जुड़ गया: 0 अपठित संदेश" in admin.locator(".flashes").inner_text()

    live_mail.append(_email())
    admin.click("button:has-text('अभी पढ़ें')")
    started = time.monotonic()
    assert "वर्कर अभी मेलबॉक्स पढ़ेगा" in admin.locator(".flashes").inner_text()
    admin.context.close()

    clerk = _user(browser, base, "clerk.arms", javascript=False)
    clerk.set_viewport_size(PHONE)
    clerk.goto(base + "/receipts/")
    clerk.click("a.button:has-text('ई-मेल डाक')")
    deadline = started + 300
    while True:  # the worker takes it, prepares it, reads its attachment
        link = clerk.locator("a:has-text('शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र')")
        if link.count():
            link.first.click()
            if clerk.locator("summary:has-text('ओसीआर')").count():
                break
        assert time.monotonic() < deadline, "no draft with OCR five minutes after the check"
        clerk.wait_for_timeout(2000)
        clerk.goto(base + "/receipts/mail/")
    seconds = time.monotonic() - started
    print(f"email to draft with OCR: {seconds:.1f} s")
    assert "रमेश चंद्र" in clerk.locator("dl.facts").inner_text()
    assert "जाली" in clerk.locator(".warnings").inner_text()  # the From line is not proof
    clerk.click("summary:has-text('ओसीआर')")
    assert "लाइसेंस" in clerk.locator("pre.ocr").inner_text()

    clerk.click("a.button:has-text('इस ई-मेल को पंजीकृत करें')")
    other_tab = clerk.context.new_page()  # the same form open in a second tab
    other_tab.goto(clerk.url)
    assert clerk.locator("#sender_name").input_value() == "रमेश चंद्र"
    assert clerk.locator("#mode").input_value() == "email"
    assert clerk.locator("input[name=scan]").count() == 0
    clerk.click("button.primary:has-text('पंजीकृत करें')")
    clerk.wait_for_url(re.compile(r"/receipts/\d+$"))
    flash = clerk.locator(".flashes").inner_text()
    number = re.search(r"डायरी संख्या: (\S+)", flash).group(1)
    other_tab.click("button.primary:has-text('पंजीकृत करें')")  # no second receipt
    other_tab.wait_for_url(clerk.url)
    assert "पहले ही पंजीकृत" in other_tab.locator(".flashes").inner_text()
    other_tab.close()
    _send(clerk, base, number, "शस्त्र", "अनुभाग अधिकारी, शस्त्र", javascript=False)
    with psycopg.connect(libpq(live_db_url)) as c:
        rows = c.execute(
            "SELECT count(*) FROM receipt WHERE subject LIKE 'शस्त्र लाइसेंस नवीनीकरण%%(ई-मेल)'"
        ).fetchone()[0]
        status = c.execute("SELECT status FROM mail_draft ORDER BY id DESC LIMIT 1").fetchone()[0]
    assert rows == 1 and status == "diarised"
    assert live_mail.unseen() == 0
    clerk.context.close()
