"""Every page a user can reach, at 360×740 (a common Android phone): no sideways scrolling, in
Hindi and English, with and without JavaScript; and axe-core's WCAG 2.1 A and AA rules find
nothing. The pages are found by following the links each demo user sees (one page per URL
shape: /files/3 and /files/7 are one), so a page added later is walked without being listed
here."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

USERS = ["clerk.revenue", "so.revenue", "adm.fr", "dm.lalitpur", "nodal"]
#: not pages: downloads, actions, and the public verification of a code (walked via /verify)
SKIP = re.compile(r"\.(pdf|csv|jpg|png|xlsx)$|^/(logout|language|static|s)/?")
WIDTH = 360
#: the header and the menu together, at most (px)
CHROME = 160


def _axe_js() -> str:
    import axe_playwright_python

    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()


AXE_RUN = """async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag',
    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return r.violations.map(v => v.id + ' (' + v.impact + '): ' +
    v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def walk(page, base: str, *, limit: int = 45):
    """Breadth-first over the same-site links from the home page: yields each new path shape
    after loading it."""
    queue, seen = ["/"], {shape("/")}
    while queue and limit:
        path = queue.pop(0)
        resp = page.goto(base + path)
        if resp is None or resp.status != 200 or not page.url.startswith(base):
            continue
        limit -= 1
        yield path
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        for href in hrefs:
            href = href.split("#")[0].split("?")[0]
            if href.startswith("/") and not SKIP.search(href) and shape(href) not in seen:
                seen.add(shape(href))
                queue.append(href)


def _login(browser, base, login_id, *, javascript: bool, lang: str):
    ctx = browser.new_context(
        viewport={"width": WIDTH, "height": 740},
        java_script_enabled=javascript,
        bypass_csp=True,  # so that the test can add axe; the app's CSP stays as it is
        locale="en-US",
    )
    page = ctx.new_page()
    page.goto(base + "/login")
    page.fill("#login_id", login_id)
    page.fill("#password", "demo@1234")
    page.click("button.primary")
    page.wait_for_url(base + "/")
    _language(page, lang)  # a signed-in user's choice is kept with the user
    return ctx, page


def _language(page, lang: str) -> None:
    if page.locator("html").get_attribute("lang") != lang:
        with page.expect_navigation():
            page.click(f"button[name=lang][value={lang}]")


@pytest.mark.parametrize(
    "lang,javascript",
    [("hi", True), ("en", True), ("hi", False)],
    ids=["hindi", "english", "hindi-no-js"],
)
def test_every_page_fits_a_phone_and_passes_axe(live_server, browser, lang, javascript):
    base, faults, walked = live_server, [], set()
    axe = _axe_js() if javascript else None
    pages = [("/login", None), ("/verify", None), ("/status", None)]  # the public pages
    for login_id in [None, *USERS]:
        if login_id is None:
            ctx = browser.new_context(viewport={"width": WIDTH, "height": 740},
                                      java_script_enabled=javascript, bypass_csp=True)  # fmt: skip
            page = ctx.new_page()
            if lang == "en":
                page.goto(base + "/login")
                page.click("button[name=lang][value=en]")
            paths = []
            for path, _ in pages:
                page.goto(base + path)
                paths.append(path)
                faults += _check(page, path, axe, "anonymous")
            # a citizen's answer: the demo letter (seed-demo) by its number and digits
            page.goto(base + "/status")
            page.fill("#diary", _demo_diary_number())
            page.fill("#digits", "4321")
            page.click("form button.primary")
            page.locator(".answer").wait_for()  # the answer page (a plain POST: no script)
            assert page.locator(".answer").count() == 1
            faults += _check(page, "/status (answer)", axe, "anonymous")
        else:
            ctx, page = _login(browser, base, login_id, javascript=javascript, lang=lang)
            for path in walk(page, base):
                walked.add(shape(path))
                _screenshot(page, path, login_id, lang, javascript)
                assert page.locator("html").get_attribute("lang") == lang
                faults += _check(page, path, axe, login_id)
            page.goto(base + "/")
            _language(page, "hi")  # as the other tests expect the demo users
        ctx.close()
    print(f"walked {len(walked)} page shapes:", " ".join(sorted(walked)))
    assert len(walked) >= 25, sorted(walked)  # the walk really went round the app
    # pages reached only through other pages' links are walked too
    for must in ("/reports/monthly", "/reports/dashboard", "/reports/registers/dak", "/tasks",
                 "/tasks/new", "/inbox/reminders", "/reports/pendency/N"):  # fmt: skip
        assert must in walked, must
    assert not faults, "\n".join(faults)


def _check(page, path: str, axe: str | None, who: str) -> list[str]:
    faults = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > WIDTH:
        culprits = page.evaluate(
            """w => [...document.querySelectorAll('body *')]
                 .filter(e => e.getBoundingClientRect().right > w + 1)
                 .slice(0, 4).map(e => e.tagName + (e.className ? '.' + e.className : ''))""",
            WIDTH,
        )
        faults.append(f"{who} {path}: {width} px wide ({', '.join(culprits)})")
    # the page's heading on the first screen, under a header and menu of at most CHROME px
    # (they took 224–286 px, with "लॉग आउट" wrapping to a line of its own)
    top = page.evaluate(
        """() => { const h1 = document.querySelector('main h1');
             const chrome = [...document.querySelectorAll('header.top, nav.main')]
               .map(e => e.getBoundingClientRect().bottom);
             const out = [...document.querySelectorAll('header.top button, header.top a')]
               .filter(e => e.getBoundingClientRect().right > innerWidth + 1
                            || e.getBoundingClientRect().height > 50).map(e => e.textContent.trim());
             return {h1: h1 ? h1.getBoundingClientRect().bottom : null,
                     chrome: Math.max(0, ...chrome), out}; }"""
    )
    if top["h1"] is None or top["h1"] > 740 or top["chrome"] > CHROME or top["out"]:
        faults.append(f"{who} {path}: heading at {top['h1']} px, header and menu {top['chrome']} "
                      f"px, cut or wrapped: {top['out']}")  # fmt: skip
    if axe:
        page.add_script_tag(content=axe)
        for v in page.evaluate(AXE_RUN):
            faults.append(f"{who} {path}: axe {v}")
    return faults


#: EOFFICE_SCREENSHOTS=DIR: full-page shots of the main lists at 360 px, to look at
SHOTS = re.compile(r"^/(inbox|files/\d+|file/\d+/track|dispatch/?|receipts/?)$")


def _screenshot(page, path, who, lang, javascript):
    out = os.environ.get("EOFFICE_SCREENSHOTS")
    if out and SHOTS.match(path) and javascript:
        name = f"{lang}-{who}-{path.strip('/').replace('/', '-')}.png"
        page.screenshot(path=str(Path(out) / name), full_page=True)


def _demo_diary_number() -> str:
    """The demo citizen's letter (eoffice/citizens/demo.py): the first of Vikas Bhawan's dak,
    received five days before the demo was loaded."""
    from datetime import timedelta

    from eoffice.demo.citizens import OFFICE
    from eoffice.platform.clock import local_now

    return f"{OFFICE}/{(local_now() - timedelta(days=5)).year}/000001"


def _vnu():
    import importlib.util

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("vnu", root / "scripts" / "vnu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_walked_page_is_valid_html(live_server, browser, tmp_path):
    """The Nu HTML Checker (vnu.jar, run with Debian's Java) finds no error in any page the
    phone walk reaches, as the server sends it: 664 errors were all hx-* attributes (htmx reads
    the data-hx-* form too)."""
    vnu = _vnu()
    base, files = live_server, {}

    def keep(page, who, path):
        resp = page.request.get(base + path)
        assert resp.status == 200, (who, path, resp.status)
        name = tmp_path / f"{len(files):03d}.html"
        name.write_text(resp.text())
        files[str(name)] = f"{who} {path}"

    ctx = browser.new_context(java_script_enabled=False)
    page = ctx.new_page()
    for path in ("/login", "/verify", "/status"):
        page.goto(base + path)
        keep(page, "anonymous", path)
    ctx.close()
    for login_id in USERS:
        ctx, page = _login(browser, base, login_id, javascript=False, lang="hi")
        for path in walk(page, base):
            keep(page, login_id, path)
        ctx.close()
    assert len(files) >= 40, len(files)
    errors = vnu.validate(sorted(files))
    faults = [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}:{m.get('lastLine')}: "
        f"{m.get('message')}"
        for m in errors
    ]
    assert not faults, f"{len(faults)} errors:\n" + "\n".join(faults[:60])
