"""A dak clerk diarises a photographed Hindi letter and a physical one, in Hindi, in Chromium."""

import re

import pytest

from tests import samples

pytestmark = pytest.mark.browser


def _login(page, base, login_id):
    page.goto(base + "/login")
    page.fill("#login_id", login_id)
    page.fill("#password", "demo@1234")
    page.click("button.primary")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_clerk_diarises_a_photo_and_a_physical_letter(live_server, browser, tmp_path, javascript):
    ctx = browser.new_context(java_script_enabled=javascript)
    page = ctx.new_page()
    _login(page, live_server, "clerk.arms")
    page.click("nav.main >> text=डाक")
    page.click("text=डाक पंजीकरण")
    assert page.locator("h1").inner_text() == "डाक पंजीकरण"

    photo = tmp_path / "पत्र.jpg"
    photo.write_bytes(samples.letter_photo(rotate_exif=True))
    page.fill("#sender_name", "रमेश चंद्र")
    page.fill("#subject", "शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र")
    page.select_option("#category", label="शस्त्र लाइसेंस")
    page.select_option("#priority", value="immediate")
    page.set_input_files("#scan", str(photo))
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))
    h1 = page.locator("h1").inner_text()
    assert re.fullmatch(r"आवती कले/\d{4}/\d{6}", h1)
    number = h1.removeprefix("आवती ")
    receipt_url = page.url
    if javascript:  # once is enough: the job worker started with gunicorn reads the scan
        for _ in range(60):
            if "शस्त्र लाइसेंस" in page.locator("pre.ocr").all_inner_texts().__str__():
                break
            page.wait_for_timeout(1000)
            page.goto(receipt_url)
        assert "शस्त्र लाइसेंस नवीनीकरण" in page.locator("pre.ocr").inner_text()
    page.click("text=पृष्ठ 1 देखें")
    page.wait_for_load_state("load")  # the click may return before the image has arrived
    assert page.locator("img.scan").evaluate("i => i.complete && i.naturalHeight > i.naturalWidth")
    page.go_back()
    page.click("text=पावती मुद्रित करें")
    assert (
        page.locator("h1").inner_text() == "पावती" and number in page.locator(".ack").inner_text()
    )

    page.goto(live_server + "/receipts/new")
    page.fill("#sender_name", "तहसीलदार सदर")
    page.fill("#subject", "Revenue recovery report — राजस्व वसूली")
    page.check("#is_physical_only")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))
    assert "केवल भौतिक पत्र" in page.locator("main").inner_text()
    page.goto(live_server + "/receipts/")
    assert number in page.locator("table").first.inner_text()

    # the photographed letter goes to the revenue section officer, who finds it in her inbox
    page.goto(receipt_url)
    page.click("a.button:has-text('भेजें')")
    page.fill("#q", "सुनीता")
    if javascript:
        page.wait_for_function(
            "() => { const s = document.querySelector('#to_post');"
            " return s && s.options.length === 2 && s.selectedIndex === 1 }"
        )
    else:
        page.click("button:has-text('खोजें')")
    page.fill("#remarks", "कृपया आवश्यक कार्यवाही करें")
    page.click("button.primary:has-text('भेजें')")
    page.wait_for_url(live_server + "/inbox")
    assert f"{number} अनुभाग अधिकारी, राजस्व को भेजी गई।" in page.locator(".flashes").inner_text()
    ctx.close()

    so = browser.new_context(java_script_enabled=javascript)
    so_page = so.new_page()
    _login(so_page, live_server, "so.revenue")
    so_page.click("nav.main >> text=आवक")
    row = so_page.locator("tr.unread", has_text=number)
    assert "नया" in row.inner_text() and "लिपिक, शस्त्र" in row.inner_text()
    row.locator("a").first.click()
    assert so_page.locator("h1").inner_text() == f"आवती {number}"
    so.close()
