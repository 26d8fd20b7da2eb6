"""The signing issue's walk, in Hindi, in Debian's Chromium: an officer signs an approved letter
with her certificate file and PIN; the DM countersigns with his token through the two-phase
flow, using the shipped eoffice-sign program; the letter is issued by email to a local SMTP
server, by post and in e-Office to a post and an office at once, and a forgotten copy later;
the tehsildar finds hers new at her own desk; the public page, without login, verifies the
code and the very PDF that was mailed."""

import datetime as dt
import io
import re
import subprocess
import sys
import time

import pytest
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pypdf import PdfReader

from eoffice.signing import ltv
from tests.browser.test_movement_flow import _send, _user
from tests.test_pdf import assert_hindi_extracts_exactly

pytestmark = pytest.mark.browser
BODY = "कृपया ग्राम बिरधा में प्रस्तावित भूमि की स्थलीय जाँच कर आख्या तीन दिवस में दें।"


def test_sign_countersign_dispatch_and_verify(live_server, browser, live_trust_dir, live_smtp):
    base = live_server
    clerk = _user(browser, base, "clerk.revenue")
    clerk.goto(base + "/files/new")
    clerk.fill("#subject", "ग्राम बिरधा: आँगनबाड़ी भवन हेतु भूमि की जाँच")
    clerk.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    clerk.click("button.primary")
    clerk.wait_for_url(re.compile(r"/files/\d+$"))
    file_url = clerk.url
    number = clerk.locator("h1").inner_text().removeprefix("पत्रावली ")
    clerk.click("text=नया प्रारूप पत्र")
    clerk.fill("#addressee", "सेवा में,\nउपजिलाधिकारी, सदर\nललितपुर")
    clerk.fill(
        "#copy_to",
        "1. मुख्य विकास अधिकारी, ललितपुर\n2. तहसीलदार, सदर\n3. खंड विकास अधिकारी, बार",
    )
    clerk.fill("#body", BODY)
    clerk.click("button.primary:has-text('मसौदा सहेजें')")
    clerk.wait_for_url(re.compile(r"/letters/1$"))
    _send(clerk, base, number, "adm", "अपर जिलाधिकारी (वित्त एवं राजस्व)")
    clerk.context.close()

    # the ADM approves and signs with her certificate file and PIN
    adm = _user(browser, base, "adm.fr")
    adm.goto(file_url + "/letters/1")
    adm.click("button.primary:has-text('संस्करण 1 अनुमोदित करें')")
    adm.click("text=हस्ताक्षर और प्रेषण")
    adm.fill("#pin", "000000")
    adm.click("button.primary:has-text('हस्ताक्षर करें')")
    assert "गलत पिन" in adm.locator(".flashes").inner_text()
    adm.fill("#pin", "123456")
    adm.click("button.primary:has-text('हस्ताक्षर करें')")
    assert "हस्ताक्षर 1 मान्य है" in adm.locator(".flashes").inner_text()
    _send(adm, base, number, "डीएम", "जिलाधिकारी")
    adm.context.close()

    # the DM countersigns: the page gives a digest, his token (eoffice-sign) signs it
    dm = _user(browser, base, "dm.lalitpur")
    dm.goto(file_url + "/letters/1/sign")
    dm.click("button:has-text('हस्ताक्षर हेतु तैयार करें')")
    digest = dm.locator("#digest").inner_text().strip()
    p12 = live_trust_dir.parent / "demo" / "dm.lalitpur.p12"
    cms = subprocess.run(
        [
            sys.executable,
            "-m",
            "eoffice.signing.signer",
            "--digest",
            digest,
            "--p12",
            str(p12),
            "--password",
            "demo@1234",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dm.fill("#cms", cms)
    dm.click("button.primary:has-text('हस्ताक्षर जोड़ें')")
    assert "हस्ताक्षर 2 मान्य है" in dm.locator(".flashes").inner_text()
    assert dm.locator("table tbody tr").count() == 2

    # issued once to four recipients, each its own way: the addressee by post, the CDO by
    # email (the local SMTP server), the tehsildar's post and the block office in e-Office
    dm.click("text=जारी करें (प्रेषण)")
    assert dm.locator("#name0").input_value() == "उपजिलाधिकारी, सदर"
    assert dm.locator("#name1").input_value() == "मुख्य विकास अधिकारी, ललितपुर"
    dm.fill("#address0", "तहसील परिसर, ललितपुर")
    dm.select_option("#mode1", "email")
    dm.fill("#email1", "cdo.lalitpur@mail.example")
    dm.select_option("#mode2", "eoffice")
    dm.select_option("#post2", label="तहसीलदार, सदर")
    dm.select_option("#mode3", "eoffice")
    dm.select_option("#office3", label="विकास खंड बार")
    dm.click("button.primary:has-text('जारी करें')")
    assert "के रूप में जारी किया गया" in dm.locator(".flashes").inner_text()
    assert dm.locator("table.stack tbody tr").count() == 4
    # a copy forgotten: to Vikas Bhawan's dak desk, the same letter and number
    form = dm.locator("form[action*='/dispatch/recipients']")
    form.locator("#mode0").select_option("eoffice")
    form.locator("#office0").select_option(label="विकास भवन ललितपुर")
    form.locator("button.primary").click()
    assert "1 और प्राप्तकर्ता को भेजा गया" in dm.locator(".flashes").inner_text()
    assert dm.locator("table.stack tbody tr").count() == 5
    dispatch_no = dm.locator("h1").inner_text().removeprefix("जारी: ")
    code = dm.locator("dd a").inner_text()
    deadline = time.monotonic() + 60  # the job worker inside gunicorn sends it
    while not any(dispatch_no in (m["Subject"] or "") for m in live_smtp.messages):
        assert time.monotonic() < deadline, "the dispatch email did not arrive"
        time.sleep(0.5)
    msg = next(m for m in live_smtp.messages if dispatch_no in (m["Subject"] or ""))
    pdf = next(msg.iter_attachments()).get_content()
    dm.context.close()
    # the letter as mailed verifies for decades: pyHanko's strict validation (AdES LTA, nothing
    # fetched, revocation data required, only the demo's trust root) says valid, and with the
    # clock past the signers' certificates' expiry; the ADM's signature carries the TSA's time
    root = asn1_x509.Certificate.load(
        pem.unarmor((live_trust_dir / "test-root.crt").read_bytes())[2]
    )
    status = ltv.strict_status(pdf, [root])
    assert status.valid and status.ltv_data and status.archive_timestamps == 1, status
    assert None not in status.timestamped  # the token's countersignature too
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=3 * 365)  # the demo certificates: 2
    assert ltv.strict_status(pdf, [root], at=later).valid
    # one page, its Hindi reading back as typed (pdftotext and pypdf)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert_hindi_extracts_exactly(
        pdf, "उपजिलाधिकारी, सदर ललितपुर", BODY,
        "मुख्य विकास अधिकारी, ललितपुर", "तहसीलदार, सदर", "खंड विकास अधिकारी, बार",
        "कलेक्ट्रेट ललितपुर", "अंकुर श्रीवास्तव", "अपर जिलाधिकारी (वित्त एवं राजस्व)",
    )  # fmt: skip

    # the tehsildar finds it new on her own desk (not the SDM's), from the collectorate
    tehsildar = _user(browser, base, "tehsildar")
    tehsildar.goto(base + "/inbox?unread=1")
    assert tehsildar.locator("nav .badge").count() == 1  # the unread count in the navigation
    new = tehsildar.locator("main li, main tr").filter(has_text="कलेक्ट्रेट ललितपुर")
    assert new.count() == 1
    new.first.locator("a").first.click()
    assert dispatch_no in tehsildar.locator("main").inner_text()
    assert "ई-ऑफिस, कलेक्ट्रेट ललितपुर की ओर से" in tehsildar.locator("main").inner_text()
    tehsildar.goto(base + "/inbox?unread=1")  # opened: no longer new
    assert tehsildar.locator("main li, main tr").filter(has_text="कलेक्ट्रेट ललितपुर").count() == 0
    tehsildar.context.close()

    # anyone, without logging in: the code, then the copy they received
    ctx = browser.new_context(locale="en-US")
    public = ctx.new_page()
    public.goto(base + "/verify")
    assert public.locator("html").get_attribute("lang") == "hi"
    public.fill("#code", code.lower())
    public.click("button.primary")
    assert dispatch_no in public.locator("h1").inner_text()
    assert "अंकुर श्रीवास्तव" in public.locator("dl").inner_text()
    public.set_input_files(
        "#pdf", files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": pdf}]
    )
    public.click("button:has-text('जाँचें')")
    assert "ठीक वही जारी पत्र है" in public.locator("main").inner_text()
    tampered = pdf.replace(b"/MediaBox", b"/mediaBox", 1)
    public.set_input_files(
        "#pdf", files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": tampered}]
    )
    public.click("button:has-text('जाँचें')")
    assert "जारी पत्र नहीं है" in public.locator("main").inner_text()
    ctx.close()
