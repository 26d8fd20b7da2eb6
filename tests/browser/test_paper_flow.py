"""Paper and outages in the browser, in Hindi (issue #30): the nodal officer uploads a ZIP of
three scanned old files with an index and, after the worker's check, imports them: three
e-files (the page refreshes itself, no JavaScript needed); the clerk registers a file's paper
volume and prints its label; the label's QR (read from the PDF with zbarimg) opened on a
phone page by the section officer moves the paper to them; after a recorded downtime the dak
clerk diarises a letter received on paper three days ago, which shows its real date and age."""

import re
import subprocess
import time
from datetime import timedelta

import psycopg
import pytest

from eoffice.platform.clock import today
from tests import samples
from tests.browser.test_movement_flow import _user
from tests.ownserver import libpq

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _office_id(url: str) -> int:
    with psycopg.connect(libpq(url)) as c:
        return c.execute("SELECT id FROM office WHERE code = 'कले'").fetchone()[0]


def test_old_files_come_in_from_a_zip(live_server, live_db_url, browser, tmp_path):
    base = live_server
    admin = _user(browser, base, "nodal", javascript=False)
    admin.set_viewport_size(PHONE)
    admin.goto(f"{base}/admin/offices/{_office_id(live_db_url)}")
    admin.click("text=पुरानी कागज़ी पत्रावलियाँ (स्कैन) ई-पत्रावली में")
    zip_path = tmp_path / "पुरानी-पत्रावलियाँ.zip"
    zip_path.write_bytes(samples.old_files_zip())
    admin.set_input_files("#zip", str(zip_path))
    admin.click("button.primary:has-text('अपलोड कर जाँचें')")
    admin.wait_for_url(re.compile(r"/admin/legacy/\d+$"))
    deadline = time.monotonic() + 90
    while "3 आयात हेतु" not in admin.locator("main").inner_text():  # the page refreshes itself
        assert time.monotonic() < deadline, admin.locator("main").inner_text()
        admin.wait_for_timeout(1000)
    admin.click("button.primary:has-text('3 पुरानी पत्रावलियाँ आयात करें')")
    while "3 आयात हुईं" not in admin.locator("#legacy-state").inner_text():
        assert time.monotonic() < deadline + 90, admin.locator("main").inner_text()
        admin.wait_for_timeout(1000)
    admin.context.close()

    clerk = _user(browser, base, "clerk.revenue")
    clerk.set_viewport_size(PHONE)
    clerk.goto(base + "/search/?q=रा-112/2004")  # the old number finds the file
    assert "रा-112/2004" in clerk.locator("dl.facts").inner_text()
    assert "पुरानी पत्रावली (स्कैन)" in clerk.locator("#correspondence").inner_text()
    clerk.context.close()


def test_a_label_is_printed_and_its_qr_opened_on_a_phone_moves_the_paper(
    live_server, browser, tmp_path
):
    base = live_server
    clerk = _user(browser, base, "clerk.revenue")
    clerk.set_viewport_size(PHONE)
    clerk.goto(base + "/files/new")
    clerk.fill("#subject", "ग्राम बिरधा: भूमि विवाद की कागज़ी पत्रावली")
    clerk.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    clerk.click("button.primary")
    clerk.wait_for_url(re.compile(r"/files/\d+$"))
    number = clerk.locator("h1").inner_text().removeprefix("पत्रावली ")
    clerk.click("text=कागज़ी खंड और लेबल")
    clerk.click("button.primary:has-text('कागज़ी खंड पंजीकृत करें')")
    assert "पंजीकृत हुआ" in clerk.locator(".flashes").inner_text()
    href = clerk.locator("a:has-text('आवरण लेबल छापें')").get_attribute("href")
    label = clerk.request.get(base + href)
    assert label.ok and label.body().startswith(b"%PDF")
    (tmp_path / "label.pdf").write_bytes(label.body())
    subprocess.run(["pdftoppm", "-r", "200", "-png", str(tmp_path / "label.pdf"),
                    str(tmp_path / "p")], check=True)  # fmt: skip
    link = subprocess.run(["zbarimg", "--raw", "-q", str(tmp_path / "p-1.png")],
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    assert link.endswith("/paper") and "/files/" in link
    clerk.context.close()

    # the section officer's phone camera opens the link (the demo's links point at :5000;
    # the path is what the QR carries)
    so = _user(browser, base, "so.revenue", javascript=False)
    so.set_viewport_size(PHONE)
    so.goto(base + "/" + link.split("/", 3)[3])
    assert number in so.locator("h1").inner_text()
    so.click("button:has-text('मेरे द्वारा प्राप्त')")
    assert "आपके पास (अनुभाग अधिकारी, राजस्व)" in so.locator(".flashes").inner_text()
    assert so.evaluate("document.documentElement.scrollWidth") <= 360
    so.click("text=आवागमन")
    together = so.locator("section[aria-labelledby=together-h]").inner_text()
    assert "लेबल स्कैन किया" in together and "पंजीकृत, लेबल छपा" in together
    so.context.close()


def test_a_letter_entered_after_an_outage_shows_its_real_date_and_age(live_server, browser):
    base = live_server
    clerk = _user(browser, base, "clerk.arms", javascript=False)
    clerk.set_viewport_size(PHONE)
    t = today()
    clerk.goto(base + "/receipts/downtime")
    clerk.fill("#starts_on", f"{t - timedelta(days=4):%d-%m-%Y}")
    clerk.fill("#ends_on", f"{t - timedelta(days=2):%d-%m-%Y}")
    clerk.fill("#reason", "सर्वर की डिस्क खराब, तीन दिन कार्य कागज़ पर")
    clerk.click("button.primary:has-text('डाउनटाइम दर्ज करें')")
    assert "डाउनटाइम दर्ज हुआ" in clerk.locator(".flashes").inner_text()
    clerk.goto(base + "/receipts/new")
    clerk.fill("#sender_name", "ग्राम प्रधान, जखौरा")
    clerk.fill("#subject", "आउटेज के दौरान कागज़ पर आया पत्र: हैंडपंप मरम्मत")
    clerk.fill("#received_on", f"{t - timedelta(days=3):%d-%m-%Y}")
    clerk.check("#during_outage")
    clerk.check("#is_physical_only")
    clerk.click("#diarise-form button.primary")
    clerk.wait_for_url(re.compile(r"/receipts/\d+$"))
    facts = clerk.locator("dl.facts").inner_text()
    assert "आउटेज के दौरान प्राप्त" in facts and "3 दिन पहले" in facts
    assert f"{t - timedelta(days=3):%Y}" in facts
    clerk.context.close()
