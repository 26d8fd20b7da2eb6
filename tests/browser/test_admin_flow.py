"""The nodal officer at a phone (360 px, Hindi): sets up an office, imports a staff list with
bad rows, prints the slips; a new user logs in with a slip and receives a file; readiness and
the audit trail show it. Every page fits the phone."""

from __future__ import annotations

import re
import secrets

import pytest
from pypdf import PdfReader

from tests.test_admin import FULL, rows_bad, xlsx

pytestmark = pytest.mark.browser


def fits(page) -> None:
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, (page.url, width)


def login(page, base, login_id, password="demo@1234"):
    page.goto(base + "/login")
    page.fill("#login_id", login_id)
    page.fill("#password", password)
    page.click("main button.primary")


def test_nodal_officer_onboards_an_office_on_a_phone(live_server, browser, tmp_path):
    run = secrets.token_hex(2)  # the live database is shared by the session's tests
    code, name = f"तह-{run}", f"तहसील {run}"
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    page = ctx.new_page()
    login(page, live_server, "nodal")
    page.click("nav.main >> text=प्रशासन")
    fits(page)
    page.click("text=जनपद के कार्यालय")
    page.fill("#name_hi", name)
    page.fill("#name_en", f"Tehsil {run}")
    page.fill("#code", code)
    page.select_option("#kind", "tehsil")
    page.click("text=कार्यालय बनाएँ")
    assert page.locator("h1").inner_text() == name
    fits(page)
    page.fill("#s-name_hi", "राजस्व अनुभाग")
    page.fill("#s-code", "राज")
    page.click("text=अनुभाग जोड़ें")
    page.fill("#p-designation_hi", "तहसीलदार")
    page.fill("#p-abbreviation", f"तहसीलदार-{run}")
    page.check("#p-may_approve")
    page.click("text=पद जोड़ें")
    page.fill("#h-name_hi", "भूमि अभिलेख")
    page.fill("#h-code", "भू-अभि")
    page.click("text=विषय शीर्ष जोड़ें")
    page.fill("#c-name_hi", "खतौनी संशोधन")
    page.fill("#c-days", "7")
    page.click("text=श्रेणी जोड़ें")
    page.fill("#hd-on", "26-01-2027")
    page.fill("#hd-name", "गणतंत्र दिवस")
    page.click("text=अवकाश जोड़ें")
    text = page.locator("main").inner_text()
    assert f"{code}/राज/भू-अभि/1/" in text and "गणतंत्र दिवस" in text and "खतौनी संशोधन" in text

    # the staff list: four good rows and five bad ones, from an Excel file
    good = [
        ["1", "सुरेश चंद्र मिश्र", "", "लेखपाल", "राज", f"6{run_digits(run)}0001", FULL, "", f"E-{run}-1", f"लेखपाल-{run}"],
        ["2", "कमला देवी", "", "लिपिक", "राज", f"6{run_digits(run)}0002", "", "", f"E-{run}-2", ""],
    ]  # fmt: skip
    bad = [
        r[:5] + [f"6{run_digits(run)}9{i:03d}"] + r[6:8] + [f"E-{run}-b{i}", ""]
        for i, r in enumerate(rows_bad())
    ]
    bad[0][5] = "+91 98xx-xxx xxx"
    bad[3][8] = f"E-{run}-1"  # the same employee as the first good row
    path = tmp_path / "कर्मचारी.xlsx"
    path.write_bytes(xlsx(good + bad))
    page.goto(live_server + "/admin/staff/import")
    page.select_option("#office", label=name)
    page.set_input_files("#file", str(path))
    page.click("text=सूची जाँचें")
    page.wait_for_url(re.compile(r"/admin/staff/imports/\d+$"))
    fits(page)
    body = page.locator("main").inner_text()
    assert "अभी पुष्टि नहीं" in body and FULL not in page.content()
    assert len(page.locator("ul.errors > li").all()) == 5
    page.click("text=पुष्टि करें")
    assert "2 नए उपयोगकर्ता" in page.locator(".flashes").inner_text()
    fits(page)
    with page.expect_download() as download:
        page.click("text=लॉगिन पर्चियाँ छापें")
    slips = " ".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    password = re.search(r"suresh\.chandra\.mishra\d*\n[^\n]*\s([a-z2-9]{12})\n", slips).group(1)
    login_id = re.search(r"(suresh\.chandra\.mishra\d*)", slips).group(1)

    # the new user logs in with the slip and must choose a password
    new = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    login(new, live_server, login_id, password)
    fits(new)
    new.fill("#current_password", password)
    new.fill("#new_password", "Nayi@Pass2026")
    new.fill("#confirm", "Nayi@Pass2026")
    new.click("main button.primary")
    assert new.url.rstrip("/") == live_server

    # the collectorate opens a file and sends it to the new user's post: it is in their inbox
    clerk = browser.new_context(viewport={"width": 360, "height": 740}).new_page()
    login(clerk, live_server, "clerk.revenue")
    clerk.goto(live_server + "/files/new")
    clerk.fill("#subject", f"ग्राम बिरधा: खतौनी का मिलान ({run})")
    clerk.select_option("#head", label="भूमि अभिलेख (भू-अभि)")
    clerk.click("button.primary")
    clerk.wait_for_url(re.compile(r"/files/\d+$"))
    number = clerk.locator("h1").inner_text().removeprefix("पत्रावली ")
    clerk.click("a.button:has-text('भेजें')")
    clerk.fill("#q", f"लेखपाल-{run}")
    clerk.wait_for_function(
        "r => [...document.querySelectorAll('#to_post option')].some(o => o.text.includes(r))",
        arg=f"लेखपाल-{run}",
    )
    label = next(
        t for t in clerk.locator("#to_post option").all_inner_texts() if f"लेखपाल-{run}" in t
    )
    clerk.select_option("#to_post", label=label)
    clerk.click("button.primary:has-text('भेजें')")
    clerk.wait_for_url(re.compile(r"/inbox"))
    new.goto(live_server + "/inbox")
    fits(new)
    assert number in new.locator("main").inner_text()

    # readiness and the audit trail
    page.goto(live_server + "/admin/readiness")
    fits(page)
    card = page.locator("ul.readiness > li", has_text=name).inner_text()
    assert "कर्मचारी: 2" in card and "2 में से 1" in card  # one has logged in
    page.goto(live_server + "/admin/audit?action=admin_staff_import")
    fits(page)
    event = page.locator("ol.events").inner_text()  # in words, with the list's file name
    assert "कर्मचारी सूची आयात की" in event and "admin_staff_import" not in event
    ctx.close()


def run_digits(run: str) -> str:
    return f"{int(run, 16) % 100000:05d}"
