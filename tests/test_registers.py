"""The dak and dispatch registers for a period: page, CSV (Excel, Hindi) and a Hindi PDF, in
the viewer's rules; hostile periods; a PDF too long to make in one request is refused kindly."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from pypdf import PdfReader

from eoffice.platform.clock import today
from eoffice.reports.registers import last_month
from tests.test_pdf import assert_hindi_extracts_exactly
from tests.test_receipts import diarise


def dak_last_month(c):
    start, end = last_month()
    day = (start + timedelta(days=9)).isoformat()
    for over in ({}, {"grading": "confidential", "subject": "गोपनीय जाँच आख्या"}):
        assert diarise(c, is_physical_only="y", received_on=day, **over).status_code == 302
    assert diarise(c, is_physical_only="y", received_on=today().isoformat()).status_code == 302


def test_the_dak_register_of_last_month_as_page_csv_and_pdf(app, client, demo):
    client.login("clerk.revenue")
    dak_last_month(client)
    soup = client.page("/reports/registers/dak")
    assert soup.h1.get_text() == "आवक पंजी"
    rows = soup.select("table.register tbody tr")
    assert len(rows) == 2  # last month's two, not today's
    text = soup.get_text(" ")
    assert "शस्त्र लाइसेंस नवीनीकरण हेतु" in text and "गोपनीय जाँच आख्या" not in text
    start, end = last_month()
    args = f"from={start:%d-%m-%Y}&to={end:%d-%m-%Y}"
    resp = client.get(f"/reports/registers/dak.csv?{args}")
    body = resp.get_data(as_text=True)
    assert resp.mimetype == "text/csv" and body.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert table[0][0] == "डायरी संख्या" and len(table) == 3
    assert "गोपनीय" in table[2] and "गोपनीय जाँच आख्या" not in body
    pdf = client.get(f"/reports/registers/dak.pdf?{args}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) >= 1
    assert "/000001" in reader.pages[0].extract_text()
    # every Hindi word of its lines comes out whole, by pdftotext and by pypdf
    assert_hindi_extracts_exactly(
        pdf.data, "आवक पंजी", "कलेक्ट्रेट ललितपुर", "रमेश चंद्र", "शस्त्र लाइसेंस नवीनीकरण हेतु",
        "गोपनीय", "वरिष्ठ लिपिक, राजस्व",
    )  # fmt: skip
    # the fonts carry Devanagari glyphs: WeasyPrint embedded a Devanagari font subset
    fonts = {str(f["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
    assert any("Devanagari" in f or "Lohit" in f for f in fonts), fonts


def test_the_register_shows_only_what_the_viewer_may_open(app, client, demo):
    from tests.conftest import Client

    client.login("clerk.revenue")
    dak_last_month(client)
    with app.test_client() as raw:
        other = Client(raw)
        other.login("clerk.tehsil")  # another office
        assert not other.page("/reports/registers/dak").select("table.register tbody tr")
    with app.test_client() as raw:
        dm = Client(raw)
        dm.login("dm.lalitpur")  # normal dak of his office, not the confidential letter
        assert len(dm.page("/reports/registers/dak").select("table.register tbody tr")) == 1


def test_hostile_periods_get_a_plain_answer(app, client, demo):
    client.login("clerk.revenue")
    cases = [
        ("from=31-02-2026&to=01-03-2026", "सही तिथियाँ"),
        ("from=10-11-2026&to=01-11-2026", "पहली तिथि"),
        ("from=01-01-2020&to=01-01-2026", "अधिकतम एक वर्ष"),
        ("from=" + "9" * 5000 + "&to=x", "सही तिथियाँ"),
    ]
    for args, words in cases:
        soup = client.page(f"/reports/registers/dispatch?{args}")
        assert words in soup.find(role="alert").get_text(), args
        assert client.get(f"/reports/registers/dispatch.csv?{args}").status_code == 400
        assert client.get(f"/reports/registers/dispatch.pdf?{args}").status_code == 400
    assert client.get("/reports/registers/dak?from=%00").status_code == 400
    assert client.get("/reports/registers/other").status_code == 404


def test_a_pdf_too_long_for_one_request_is_refused_kindly(app, client, demo):
    client.login("clerk.revenue")
    dak_last_month(client)
    saved = app.config["REGISTER_PDF_ROWS"]
    app.config["REGISTER_PDF_ROWS"] = 1
    try:
        start, end = last_month()
        resp = client.get(f"/reports/registers/dak.pdf?from={start:%d-%m-%Y}&to={end:%d-%m-%Y}")
        assert resp.status_code == 302
        assert "छोटी अवधि" in client.page(resp.location).find(class_="flashes").get_text()
    finally:
        app.config["REGISTER_PDF_ROWS"] = saved
