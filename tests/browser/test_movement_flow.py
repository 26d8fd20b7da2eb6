"""A file travels लिपिक → अनुभाग अधिकारी → अपर जिलाधिकारी → back, across to a tehsil and back,
in Hindi, in Chromium; pull-back works before opening and is refused after."""

import re

import pytest

pytestmark = pytest.mark.browser


def _user(browser, base, login_id, javascript=True):
    ctx = browser.new_context(java_script_enabled=javascript)
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("#login_id", login_id)
    page.fill("#password", "demo@1234")
    page.click("button.primary")
    page.wait_for_url(base + "/")
    return page


def _send(page, base, number, query, designation, javascript=True, remarks="कृपया देखें"):
    page.goto(base + "/inbox")
    page.click(f"text={number}")
    page.click("a.button:has-text('भेजें')")
    assert page.locator("h1").inner_text() == f"{number} भेजें"
    page.fill("#q", query)
    if javascript:  # htmx narrows the list as one types
        page.wait_for_function(
            "d => { const s = document.querySelector('#to_post');"
            " return s.selectedIndex > 0 && s.options[s.selectedIndex].text.startsWith(d) }",
            arg=designation,
        )
    else:  # without JavaScript the Find button asks the server for the same list
        page.click("button:has-text('खोजें')")
        assert page.locator("#to_post option:checked").inner_text().startswith(designation)
    page.fill("#remarks", remarks)
    page.click("button.primary:has-text('भेजें')")
    page.wait_for_url(base + "/inbox")
    assert f"{number} {designation} को भेजी गई।" in page.locator(".flashes").inner_text()


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_a_file_travels_and_the_track_shows_every_hop(live_server, browser, javascript):
    base = live_server
    clerk = _user(browser, base, "clerk.revenue", javascript)
    clerk.click("nav.main >> text=पत्रावलियाँ")
    clerk.click("text=नई पत्रावली खोलें")
    subject = f"ग्राम जखौरा में चकबंदी विवाद ({'htmx' if javascript else 'बिना JS'})"
    clerk.fill("#subject", subject)
    clerk.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    clerk.click("button.primary")
    clerk.wait_for_url(re.compile(r"/files/\d+$"))
    number = clerk.locator("h1").inner_text().removeprefix("पत्रावली ")
    assert re.fullmatch(r"कले/राज/भू-अभि/\d+/\d{4}", number)
    file_url = clerk.url

    # sent, then pulled back before the section officer opens it
    _send(clerk, base, number, "सुनीता", "अनुभाग अधिकारी, राजस्व", javascript)
    clerk.click("nav.tabs >> text=भेजी गई")
    row = clerk.locator("tr", has_text=number).first
    assert "अभी खोली नहीं गई" in row.inner_text()
    row.locator("button:has-text('वापस लें')").click()
    assert f"{number} वापस आपके पास है।" in clerk.locator(".flashes").inner_text()

    _send(clerk, base, number, "सुनीता", "अनुभाग अधिकारी, राजस्व", javascript)
    so = _user(browser, base, "so.revenue", javascript)
    unread = so.locator("tr.unread", has_text=number)
    so.goto(base + "/inbox")
    assert "नया" in unread.inner_text()
    assert int(so.locator("nav.main .badge").inner_text()) >= 1
    _send(so, base, number, "adm", "अपर जिलाधिकारी (वित्त एवं राजस्व)", javascript)

    # opened now: the clerk's pull-back is refused with a clear message
    clerk.goto(base + "/inbox/sent")
    assert "वापस लें" not in clerk.locator("tr", has_text=number).first.inner_text()

    adm = _user(browser, base, "adm.fr", javascript)
    _send(adm, base, number, "सुनीता", "अनुभाग अधिकारी, राजस्व", javascript, "नियमानुसार कार्यवाही करें")
    _send(so, base, number, "तहसीलदार", "तहसीलदार, सदर", javascript)
    tehsildar = _user(browser, base, "tehsildar", javascript)
    _send(tehsildar, base, number, "सुनीता", "अनुभाग अधिकारी, राजस्व", javascript, "जाँच आख्या संलग्न")

    so.goto(file_url)
    so.click("text=आवागमन")
    rows = so.locator("table.track tbody tr")
    assert rows.count() == 6  # including the pulled-back hop
    assert "वापस ली गई" in rows.nth(0).inner_text()
    assert "तहसील सदर ललितपुर" in rows.nth(4).inner_text()
    assert "अब तक" in rows.nth(5).inner_text()
    for ctx_page in (clerk, so, adm, tehsildar):
        ctx_page.context.close()
