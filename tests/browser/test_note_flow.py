"""A note typed while the network drops (Chromium offline emulation) is not lost: it is saved
when the connection returns, and text that never reached the server survives a reload."""

import re

import pytest

from tests.browser.test_movement_flow import _user

pytestmark = pytest.mark.browser


def test_a_note_survives_a_dropped_connection_and_a_reload(live_server, browser):
    base = live_server
    page = _user(browser, base, "clerk.revenue")
    page.goto(base + "/files/new")
    page.fill("#subject", "आँगनबाड़ी केंद्र भवन निर्माण हेतु भूमि आवंटन")
    page.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    file_url = page.url
    box = page.locator("#note-body")

    box.press_sequentially("प्रकरण में तहसीलदार सदर से आख्या प्राप्त है। ")
    page.locator("#note-status .saved").wait_for()

    page.context.set_offline(True)  # the 2G link drops halfway through the note
    box.press_sequentially("भूमि आवंटन हेतु प्रस्ताव अनुमोदनार्थ प्रस्तुत।")
    page.locator("#note-status .offline").wait_for(state="visible")
    page.context.set_offline(False)  # back: the browser's copy is saved by itself
    page.locator("#note-status .offline").wait_for(state="hidden")
    page.locator("#note-status .saved").wait_for()
    whole = "प्रकरण में तहसीलदार सदर से आख्या प्राप्त है। भूमि आवंटन हेतु प्रस्ताव अनुमोदनार्थ प्रस्तुत।"
    page.goto(file_url)
    assert page.locator("#note-body").input_value() == whole

    # text that never reached the server (the save request is lost) comes back after a reload
    page.route("**/notes/draft", lambda route: route.abort())
    page.locator("#note-body").evaluate(
        "el => { el.focus(); el.setSelectionRange(el.value.length, el.value.length) }"
    )
    page.keyboard.type(" — ग्राम प्रधान की सहमति संलग्न।")
    page.wait_for_timeout(2500)
    page.unroute("**/notes/draft")
    page.goto(file_url)
    restored = page.locator("#note-body").input_value()
    assert restored == whole + " — ग्राम प्रधान की सहमति संलग्न।"
    assert page.locator("#note-status .restored").is_visible()
    page.locator("#note-status .saved").wait_for()

    page.click("button.primary:has-text('अंतिम करें')")
    page.wait_for_url(re.compile(r"/files/\d+#p1$"))
    assert "अनुच्छेद 1 अंतिम किया गया।" in page.locator(".flashes").inner_text()
    assert page.locator("article#p1 .body").inner_text() == restored
    assert page.locator("#note-body").input_value() == ""  # the kept copy was let go
    page.context.close()
