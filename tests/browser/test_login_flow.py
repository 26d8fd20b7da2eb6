"""A person at a browser: log in, switch language, log out; throttling across workers."""

import http.cookiejar
import re
import urllib.parse
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def test_login_switch_language_logout(live_server, page):
    page.goto(live_server + "/")
    assert page.url.startswith(live_server + "/login")
    assert page.locator("html").get_attribute("lang") == "hi"
    assert page.locator("h1").inner_text() == "ई-ऑफिस में लॉग इन करें"

    page.fill("#login_id", "so.revenue")
    page.fill("#password", "demo@1234")
    page.click("button.primary")
    assert page.locator("h1").inner_text() == "नमस्ते, सुनीता वर्मा"
    assert "अनुभाग अधिकारी, राजस्व" in page.locator(".who").inner_text()

    page.click("button[name=lang][value=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Namaste, Sunita Verma"
    page.click("nav.main >> text=Office")
    assert page.locator("h1").inner_text() == "Collectorate Lalitpur"
    page.reload()
    assert page.locator("html").get_attribute("lang") == "en"  # the choice persists

    page.click("button[name=lang][value=hi]")
    page.click("text=लॉग आउट")
    assert page.url.startswith(live_server + "/login")
    assert "आप लॉग आउट हो गए हैं।" in page.locator(".flashes").inner_text()
    page.goto(live_server + "/office")
    assert page.url.startswith(live_server + "/login")


def test_login_works_with_javascript_off(live_server, browser):
    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    page.goto(live_server + "/login")
    page.fill("#login_id", "clerk.revenue")
    page.fill("#password", "demo@1234")
    page.click("button.primary")
    assert page.locator("h1").inner_text() == "नमस्ते, रामकिशोर यादव"
    ctx.close()


def _attempt(base, login_id, password):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("Connection", "close")]  # a new connection: any worker may answer
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode({"csrf_token": token, "login_id": login_id, "password": password})
    try:
        resp = opener.open(base + "/login", body.encode())
        return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_throttling_holds_across_gunicorn_workers(live_server):
    # a demo user no other live test logs in as: it stays locked out for the window
    for _ in range(5):
        status, _html = _attempt(live_server, "clerk.block", "wrong")
        assert status == 401
    status, html = _attempt(live_server, "clerk.block", "demo@1234")
    assert status == 429 and "बहुत अधिक असफल प्रयास।" in html
