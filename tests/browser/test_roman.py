"""रोमन से हिंदी: a clerk without a Hindi keyboard turns the toggle on, types roman letters into
a note, and the note saved (and made final) is in Devanagari; a word begun with \\ stays
roman. The toggle is remembered on the next page."""

import re

import pytest

from tests.browser.test_movement_flow import _user

pytestmark = pytest.mark.browser


def test_roman_typing_writes_a_hindi_note(live_server, browser):
    base = live_server
    page = _user(browser, base, "clerk.revenue")
    page.goto(base + "/files/new")
    page.check("#roman-toggle")
    page.locator("#subject").press_sequentially("jalabharaav samasyaa ")
    assert page.locator("#subject").input_value() == "जलभराव समस्या "
    page.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    assert page.locator("#roman-toggle").is_checked()  # remembered
    box = page.locator("#note-body")
    box.press_sequentially("namaste, kaaryaalaya mein \\PDF sanlagn hai.")
    page.locator("#note-status .saved").wait_for()
    page.click("button.primary:has-text('अंतिम करें')")
    page.wait_for_url(re.compile(r"/files/\d+#p1$"))
    assert page.locator("article#p1 .body").inner_text() == "नमस्ते, कार्यालय में PDF संलग्न है।"
    # the toggle off: roman stays roman
    page.uncheck("#roman-toggle")
    page.locator("#note-body").press_sequentially("ok ")
    assert page.locator("#note-body").input_value().endswith("ok ")
