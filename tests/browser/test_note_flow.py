"""The file issue's walk in Hindi: a receipt goes into a new file; a note typed while the
network drops (Chromium offline emulation) is not lost: it is saved when the connection
returns, and text that never reached the server survives a reload; a second note cites page 1
of the receipt; a draft letter from a standard letter; the officer edits it, sees the diff,
approves it, and parks the file from its status page."""

import re

import pytest

from tests.browser.test_movement_flow import _send, _user

pytestmark = pytest.mark.browser


def test_a_note_survives_a_dropped_connection_and_a_reload(live_server, browser):
    base = live_server
    page = _user(browser, base, "clerk.revenue")
    # a paper letter is diarised, then put in a new file from its own page
    page.goto(base + "/receipts/new")
    page.fill("#sender_name", "ग्राम प्रधान, बिरधा")
    page.fill("#subject", "आँगनबाड़ी केंद्र भवन निर्माण हेतु भूमि आवंटन")
    page.check("#is_physical_only")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))
    receipt_url = page.url
    page.click("text=नई पत्रावली में रखें")
    assert page.locator("#subject").input_value() == "आँगनबाड़ी केंद्र भवन निर्माण हेतु भूमि आवंटन"
    page.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    page.click("button.primary")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    file_url = page.url
    number = page.locator("h1").inner_text().removeprefix("पत्रावली ")
    assert page.locator("ol.correspondence li").count() == 1
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

    # a second note cites page 1 of the correspondence: the receipt
    page.fill("#note-body", "प्रार्थी का पत्र पत्राचार पृ. 1 पर है। प्रारूप पत्र अनुमोदनार्थ।")
    page.click("button.primary:has-text('अंतिम करें')")
    page.wait_for_url(re.compile(r"/files/\d+#p2$"))
    page.click("article#p2 >> text=पत्राचार पृ. 1")
    assert page.url == receipt_url
    page.goto(file_url)

    # a draft letter from a standard letter (choosing it is a plain GET form)
    page.click("text=नया प्रारूप पत्र")
    page.select_option("#template", label="जाँच आख्या हेतु पत्र")
    page.click("button:has-text('उपयोग करें')")
    assert "सात कार्य दिवस" in page.locator("#body").input_value()
    page.click("button.primary:has-text('मसौदा सहेजें')")
    page.wait_for_url(re.compile(r"/letters/1$"))
    assert "प्रारूप पत्र D1 सहेजा गया (संस्करण 1)" in page.locator(".flashes").inner_text()
    _send(page, base, number, "adm", "अपर जिलाधिकारी (वित्त एवं राजस्व)")
    page.context.close()

    adm = _user(browser, base, "adm.fr")
    adm.goto(file_url)
    adm.click("#letters >> text=D1")
    body = adm.locator("#body")
    body.fill(body.input_value().replace("सात कार्य दिवस", "तीन कार्य दिवस"))
    adm.click("button.primary:has-text('नए संस्करण के रूप में सहेजें')")
    assert "संस्करण 2 के रूप में सहेजा गया" in adm.locator(".flashes").inner_text()
    adm.click("text=संस्करण 1 से परिवर्तन")
    assert adm.locator("h1").inner_text() == "संस्करण 1 से संस्करण 2 में परिवर्तन"
    assert adm.locator(".letter del").all_inner_texts() == ["सात"]
    assert adm.locator(".letter ins").all_inner_texts() == ["तीन"]
    adm.go_back()
    adm.click("button.primary:has-text('संस्करण 2 अनुमोदित करें')")
    assert "D1 अनुमोदित (संस्करण 2)" in adm.locator(".flashes").inner_text()
    # a rare action on a page of its own (kept off the file page): the holder parks the file
    adm.goto(file_url)
    adm.click("text=पत्रावली बंद करें, स्थगित करें या पुनः खोलें")
    adm.fill("#status-reason", "शासन के निर्देश की प्रतीक्षा")
    adm.click("button:has-text('स्थगित करें')")
    adm.wait_for_url(file_url)
    assert "स्थगित की गई" in adm.locator(".flashes").inner_text()
    assert "शासन के निर्देश की प्रतीक्षा" in adm.locator("ul.history").inner_text()
    adm.context.close()
