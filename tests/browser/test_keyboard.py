"""The core loop with the keyboard alone (Tab, typing, Space, arrows, Enter): log in, diarise,
put the letter in a new file, write and finalise a note, send the file. Every stop of the walk
shows where the focus is, and the first Tab lands on the skip link."""

import re

import pytest

pytestmark = pytest.mark.browser

FOCUSED = """sel => { const e = document.activeElement; return !!e && e.matches(sel) }"""
VISIBLE_FOCUS = """() => { const e = document.activeElement, s = getComputedStyle(e);
  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 }"""


def tab_to(page, selector: str, *, most: int = 120) -> None:
    """Tab forward until `selector` has the focus (it may have it already, by autofocus);
    fail when it is never reached."""
    if page.evaluate(FOCUSED, selector):
        return
    for _ in range(most):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED, selector):
            assert page.evaluate(VISIBLE_FOCUS), f"focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} cannot be reached with Tab")


def choose(page, selector: str, starts: str) -> None:
    """With the focus on a <select>, arrow down to the option starting with `starts`."""
    tab_to(page, selector)
    for _ in range(60):
        text = page.evaluate("s => { const e = document.querySelector(s);"
                             " return e.options[e.selectedIndex].text }", selector)  # fmt: skip
        if text.startswith(starts):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {starts!r} in {selector}")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_the_core_loop_with_the_keyboard_alone(live_server, browser, javascript):
    base = live_server
    ctx = browser.new_context(
        java_script_enabled=javascript, viewport={"width": 360, "height": 740}
    )
    page = ctx.new_page()
    page.goto(base + "/login")
    tab_to(page, "#login_id")  # the login ID has the focus when the page opens
    page.keyboard.type("clerk.revenue")
    tab_to(page, "#password")
    page.keyboard.type("demo@1234")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/")
    page.keyboard.press("Tab")  # the skip link comes first, and shows itself
    assert page.evaluate(FOCUSED, "a.skip") and page.evaluate(VISIBLE_FOCUS)
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0

    tab_to(page, "nav.main a[href^='/receipts']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/receipts/?$"))
    tab_to(page, "a[href$='/receipts/new']")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/receipts/new")
    tab_to(page, "#sender_name")
    page.keyboard.type("ग्राम प्रधान, जखौरा")
    subject = f"कुंजीपटल से: हैंडपंप मरम्मत ({'htmx' if javascript else 'बिना JS'})"
    tab_to(page, "#subject")
    page.keyboard.type(subject)
    tab_to(page, "#is_physical_only")
    page.keyboard.press("Space")
    tab_to(page, "#diarise-form button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/receipts/\d+$"))

    tab_to(page, "a.button[href*='/files/new']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/files/new"))
    choose(page, "#head", "भूमि अभिलेख")
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/files/\d+$"))
    number = page.locator("h1").inner_text().removeprefix("पत्रावली ")

    tab_to(page, "#note-body")
    page.keyboard.type("हैंडपंप की मरम्मत हेतु प्रस्ताव अनुमोदनार्थ प्रस्तुत।")
    tab_to(page, "button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/files/\d+#p1$"))
    assert "अनुच्छेद 1 अंतिम किया गया।" in page.locator(".flashes").inner_text()

    tab_to(page, "a.button.primary[href*='/send']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/send$"))
    tab_to(page, "#q")
    page.keyboard.type("सुनीता")
    if not javascript:  # without htmx the Find button asks the server
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.wait_for_function(
            "() => [...document.querySelectorAll('#to_post option')].length <= 3"
        )
    choose(page, "#to_post", "अनुभाग अधिकारी, राजस्व")
    tab_to(page, "#remarks")
    page.keyboard.type("कृपया देखें")
    tab_to(page, "form button.primary")
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/inbox")
    assert f"{number} अनुभाग अधिकारी, राजस्व को भेजी गई।" in page.locator(".flashes").inner_text()
    ctx.close()
