"""What a new user hit on a bad link, at phone size: a note typed while offline and left in a
closed tab reaches the server by itself when the file is opened again online; a 12-megapixel
phone photo is shrunk in the browser before it goes (and the OCR still reads it); an upload
that does not get through keeps the form as it was."""

import re
import time

import pytest

from tests import samples
from tests.browser.test_movement_flow import _user

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}


def _new_file(page, base, subject):
    page.goto(base + "/files/new")
    page.fill("#subject", subject)
    page.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    return page.url


def test_a_recovered_draft_reaches_the_server_by_itself(live_server, browser):
    base = live_server
    page = _user(browser, base, "clerk.revenue")
    page.set_viewport_size(PHONE)
    file_url = _new_file(page, base, "ग्राम बिरधा में सार्वजनिक कुएँ की मरम्मत")
    box = page.locator("#note-body")
    box.press_sequentially("कुएँ की मरम्मत का आगणन प्राप्त है। ")
    page.locator("#note-status .saved").wait_for()

    ctx = page.context
    ctx.set_offline(True)  # the 2G link drops
    box.press_sequentially("स्वीकृति हेतु प्रस्तुत।")
    page.locator("#note-status .offline").wait_for(state="visible")
    page.close()  # the tab is closed while offline
    ctx.set_offline(False)  # the connection returns

    again = ctx.new_page()
    again.goto(file_url)
    whole = "कुएँ की मरम्मत का आगणन प्राप्त है। स्वीकृति हेतु प्रस्तुत।"
    assert again.locator("#note-body").input_value() == whole
    assert again.locator("#note-status .restored").is_visible()

    # nobody types: within seconds another browser (no copy of its own) sees the whole text
    other = _user(browser, base, "clerk.revenue")
    deadline = time.monotonic() + 10
    while True:
        other.goto(file_url)
        if other.locator("#note-body").input_value() == whole:
            break
        assert time.monotonic() < deadline, "the recovered draft never reached the server"
        other.wait_for_timeout(500)
    other.context.close()
    ctx.close()


def _posted_sizes(page):
    """Bytes of each form sent to the diarise URL (its Content-Length, as the browser sent it)."""
    sizes = []

    def seen(r):
        if r.method == "POST" and r.url.endswith("/receipts/new"):
            sizes.append(int(r.header_value("content-length") or len(r.post_data_buffer or b"")))

    page.on("request", seen)
    return sizes


def test_a_12_megapixel_photo_is_shrunk_before_it_goes_and_ocr_reads_it(
    live_server, browser, tmp_path
):
    from eoffice.receipts.jobs import ocr_pdf

    base = live_server
    page = _user(browser, base, "clerk.arms")
    page.set_viewport_size(PHONE)
    photo = tmp_path / "IMG_20261202_101500.jpg"
    photo.write_bytes(samples.letter_photo_12mp())
    original = photo.stat().st_size
    sizes = _posted_sizes(page)

    page.goto(base + "/receipts/new")
    page.fill("#sender_name", "रमेश चंद्र")
    page.fill("#subject", "शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र")
    page.set_input_files("#scan", str(photo))

    # first the link fails: the message says so and every field is as typed
    page.route("**/receipts/new", lambda route: route.abort())
    page.click("button.primary")
    page.locator(".upload-status:has-text('अपलोड नहीं हो सका')").wait_for()
    assert page.locator("#sender_name").input_value() == "रमेश चंद्र"
    assert page.locator("#scan").evaluate("el => el.files.length") == 1
    page.unroute("**/receipts/new")

    # then it goes, with its progress shown
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))
    assert "पंजीकृत" in page.locator(".flashes").inner_text()
    sent = sizes[-1]
    assert sent < 400_000 < original, (sent, original)

    # the stored PDF is the shrunk photo, and Tesseract still reads the Hindi on it
    link = page.locator("a:has-text('पीडीएफ़ डाउनलोड')")
    pdf = page.request.get(base + link.get_attribute("href")).body()
    text = ocr_pdf(pdf)
    for words in ("शस्त्र लाइसेंस", "ललितपुर", "नवीनीकरण"):
        assert words in text, text
    page.context.close()


def test_without_javascript_the_original_photo_goes_as_it_is(live_server, browser, tmp_path):
    base = live_server
    page = _user(browser, base, "clerk.arms", javascript=False)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(samples.letter_photo())
    sizes = _posted_sizes(page)
    page.goto(base + "/receipts/new")
    page.fill("#sender_name", "सुरेश")
    page.fill("#subject", "राशन कार्ड हेतु आवेदन")
    page.set_input_files("#scan", str(photo))
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))
    assert sizes[-1] > photo.stat().st_size  # the whole file, in a plain form post
    page.context.close()


def test_make_final_while_an_autosave_is_still_on_the_way(live_server, browser):
    """On 2G an autosave takes seconds; the clerk types on and presses "अंतिम करें" before
    it is answered. The page's own earlier save is not "changed elsewhere": the note is made
    final with all that was typed, and the late autosave leaves no stray draft behind."""
    base = live_server
    page = _user(browser, base, "clerk.revenue")
    page.set_viewport_size(PHONE)
    file_url = _new_file(page, base, "ग्राम जखौरा में नाली निर्माण")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(  # 3 s each way: the first autosave is still out when the button is pressed
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 3000, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    box = page.locator("#note-body")
    box.press_sequentially("नाली निर्माण का आगणन प्राप्त है। ")
    page.wait_for_timeout(2300)  # the pause sends an autosave, which takes 3 s to be answered
    box.press_sequentially("स्वीकृति हेतु प्रस्तुत।")
    page.click("button.primary:has-text('अंतिम करें')")
    page.wait_for_url(re.compile(r"/files/\d+#p1$"), timeout=60_000)
    whole = "नाली निर्माण का आगणन प्राप्त है। स्वीकृति हेतु प्रस्तुत।"
    assert page.locator("article#p1 .body").inner_text() == whole
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    page.wait_for_timeout(4000)  # anything still on the way has landed
    page.goto(file_url)
    assert page.locator("#note-body").input_value() == ""  # no stray draft of half the text
    assert page.locator("article.note.final").count() == 1
    page.context.close()
