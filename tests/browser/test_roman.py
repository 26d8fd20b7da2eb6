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


#: (as people type it in roman, as Hindi writes it): the short words of every sentence, the
#: office's words and names, both ways people spell them, and words the rules alone give
OFFICE_WORDS = [
    ("ka", "का"),
    ("ki", "की"),
    ("ke", "के"),
    ("ko", "को"),
    ("se", "से"),
    ("me", "में"),
    ("mein", "में"),
    ("par", "पर"),
    ("aur", "और"),
    ("hai", "है"),
    ("kaaryaalay", "कार्यालय"),
    ("karyalay", "कार्यालय"),
    ("karyalaya", "कार्यालय"),
    ("patravali", "पत्रावली"),
    ("tehsil", "तहसील"),
    ("tehsildar", "तहसीलदार"),
    ("lekhpal", "लेखपाल"),
    ("kanungo", "कानूनगो"),
    ("khatauni", "खतौनी"),
    ("aavedan", "आवेदन"),
    ("avedan", "आवेदन"),
    ("aavedak", "आवेदक"),
    ("patra", "पत्र"),
    ("sankhya", "संख्या"),
    ("dinank", "दिनांक"),
    ("vishay", "विषय"),
    ("prapt", "प्राप्त"),
    ("aadesh", "आदेश"),
    ("adesh", "आदेश"),
    ("shikayat", "शिकायत"),
    ("bhumi", "भूमि"),
    ("bhoomi", "भूमि"),
    ("rajasv", "राजस्व"),
    ("jila", "जिला"),
    ("jiladhikari", "जिलाधिकारी"),
    ("gram", "ग्राम"),
    ("nivasi", "निवासी"),
    ("adhikari", "अधिकारी"),
    ("kripya", "कृपया"),
    ("tippani", "टिप्पणी"),
    ("karyavahi", "कार्यवाही"),
    ("jaanch", "जाँच"),
    ("aakhya", "आख्या"),
    ("lalitpur", "ललितपुर"),
    ("shri", "श्री"),
    ("singh", "सिंह"),
    ("yadav", "यादव"),
    ("kumar", "कुमार"),
    ("Ramesh", "रमेश"),
    # by the rules alone
    ("sharma", "शर्मा"),
    ("gupta", "गुप्ता"),
    ("verma", "वर्मा"),
    ("raja", "राजा"),
    ("hindi", "हिंदी"),
    ("namaste", "नमस्ते"),
    ("sanlagn", "संलग्न"),
    ("suresh", "सुरेश"),
    ("samasyaa", "समस्या"),
]


def test_office_words_typed_in_roman_come_out_as_hindi_writes_them(live_server, browser):
    assert len(OFFICE_WORDS) >= 40
    page = _user(browser, live_server, "clerk.revenue")
    page.goto(live_server + "/files/new")
    got = page.evaluate("words => words.map(w => window.eofficeRoman(w))",
                        [w for w, _ in OFFICE_WORDS])  # fmt: skip
    wrong = [(w, want, g) for (w, want), g in zip(OFFICE_WORDS, got, strict=True) if g != want]
    assert wrong == []
    # and as typed, word by word, into a field
    page.check("#roman-toggle")
    page.locator("#subject").press_sequentially("lekhpal ka aavedan ")
    assert page.locator("#subject").input_value() == "लेखपाल का आवेदन "
