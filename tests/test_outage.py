"""Days without the server (issue #30): the downtime register; dak received on paper during
an outage diarised afterwards with its real received date (diary number in the order of
entry, pendency from the real day); an order passed on paper entered as a note dated when it
was passed, marked as entered later by whom and when, the audit holding both times."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from eoffice.files.models import Note
from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import local_date, start_of, today
from eoffice.receipts.models import Downtime, Receipt
from tests.test_movement import flash_text, login, open_file  # noqa: F401  (fixture)
from tests.test_notes import autosave
from tests.test_receipts import diarise


def _day(d) -> str:
    return f"{d:%d-%m-%Y}"


def record(c, starts, ends, reason="सर्वर की डिस्क खराब, तीन दिन बंद"):
    return c.submit("/receipts/downtime", {"starts_on": starts, "ends_on": ends, "reason": reason})


def test_the_downtime_register_refuses_what_cannot_be(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.arms")  # holds the Collectorate's dak desk
    t = today()
    for starts, ends, reason, words in [
        ("", "", "कारण", "पहला और अंतिम दिन"),
        ("31-02-2026", _day(t), "कारण", "पहला और अंतिम दिन"),
        (_day(t), _day(t - timedelta(days=2)), "कारण", "पहले दिन से पहले"),
        (_day(t), _day(t + timedelta(days=1)), "कारण", "भविष्य"),
        (_day(t - timedelta(days=400)), _day(t - timedelta(days=399)), "कारण", "एक वर्ष"),
        (_day(t - timedelta(days=40)), _day(t), "कारण", "31 दिन"),
        (_day(t - timedelta(days=3)), _day(t - timedelta(days=1)), " \u200b ", "कारण लिखें"),
        ("x" * 5000, _day(t), "कारण", "पहला और अंतिम दिन"),
    ]:
        resp = record(clerk, starts, ends, reason)
        assert resp.status_code == 400, (starts, ends)
        assert words in resp.get_data(as_text=True), (starts, ends, words)
    assert db.session.scalar(select(Downtime.id)) is None
    resp = record(clerk, _day(t - timedelta(days=4)), _day(t - timedelta(days=2)))
    assert resp.status_code == 302
    again = record(clerk, _day(t - timedelta(days=2)), _day(t - timedelta(days=1)))
    assert again.status_code == 400 and "टकराते" in again.get_data(as_text=True)
    # the section officer reads the register, and may not add to it
    so = login("so.revenue")
    page = so.page("/receipts/downtime")
    assert "सर्वर की डिस्क खराब" in page.get_text() and page.find("input", id="reason") is None
    assert record(so, _day(t - timedelta(days=9)), _day(t - timedelta(days=8))).status_code == 403
    assert so.get("/receipts/downtime/99999999999999999999").status_code == 404


def test_dak_of_the_outage_keeps_its_real_date_and_its_age(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.arms")
    t = today()
    real = t - timedelta(days=3)
    # before the downtime is recorded, the tick is refused and nothing is saved
    resp = diarise(
        clerk,
        received_on=_day(real),
        during_outage="y",
        subject="आउटेज की डाक 1",
        is_physical_only="y",
    )
    assert resp.status_code == 400
    assert "डाउनटाइम पंजी में दर्ज करें" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Receipt.id).where(Receipt.subject == "आउटेज की डाक 1")) is None
    assert (
        record(clerk, _day(t - timedelta(days=4)), _day(t - timedelta(days=2))).status_code == 302
    )
    before = diarise(clerk, subject="आउटेज से पहले की सामान्य डाक", is_physical_only="y")
    assert before.status_code == 302
    resp = diarise(
        clerk,
        received_on=_day(real),
        during_outage="y",
        subject="आउटेज की डाक 1",
        is_physical_only="y",
    )
    assert resp.status_code == 302
    normal = db.session.scalar(select(Receipt).where(Receipt.subject == "आउटेज से पहले की सामान्य डाक"))
    r = db.session.scalar(select(Receipt).where(Receipt.subject == "आउटेज की डाक 1"))
    assert r.received_on == real and r.outage_id is not None
    assert r.diary_serial == normal.diary_serial + 1  # numbered in the order of entry
    assert r.held_since == start_of(real)  # its pendency runs from the real day
    assert local_date(r.created_at) == t
    page = clerk.page(f"/receipts/{r.id}").get_text()
    assert "आउटेज के दौरान प्राप्त" in page and "3 दिन पहले" in page
    inbox = clerk.page("/inbox").get_text()
    assert "आउटेज की डाक 1" in inbox
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "diarise", AuditEvent.object_id == r.id)
    )
    assert event.data["received_on"] == real.isoformat() and local_date(event.at) == t
    # the register counts it and lists it
    reg = clerk.page("/receipts/downtime")
    assert "1 डाक, 0 टिप्पणियाँ" in reg.get_text()
    entries = clerk.page(f"/receipts/downtime/{r.outage_id}").get_text()
    assert r.diary_number in entries


def test_an_order_passed_on_paper_is_dated_when_passed(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    t = today()
    passed = t - timedelta(days=2)
    f = open_file(clerk, db, subject="ग्राम बिरधा: चकमार्ग अतिक्रमण")
    body = "अतिक्रमण तत्काल हटाया जाए। — जिलाधिकारी का कागज़ पर पारित आदेश"
    autosave(clerk, f.id, body, 0)
    final = f"/files/{f.id}/notes/final"
    data = {"body": body, "version": "1", "passed_on": _day(passed), "passed_by": "जिलाधिकारी"}
    # no downtime recorded yet: refused, the text kept on the page
    resp = clerk.submit(final, data, form_page=f"/files/{f.id}")
    assert resp.status_code == 409 and "डाउनटाइम पंजी" in resp.get_data(as_text=True)
    assert body in resp.get_data(as_text=True)
    future = clerk.submit(final, {**data, "passed_on": _day(t + timedelta(days=1))},
                          form_page=f"/files/{f.id}")  # fmt: skip
    assert future.status_code == 409 and "बीता हुआ" in future.get_data(as_text=True)
    admin = login("nodal")
    assert record(admin, _day(passed), _day(passed)).status_code == 302
    resp = clerk.submit(final, data, form_page=f"/files/{f.id}")
    assert resp.status_code == 302
    n = db.session.scalar(select(Note).where(Note.file_id == f.id))
    assert (n.status, n.passed_on, n.passed_by) == ("final", passed, "जिलाधिकारी")
    assert local_date(n.finalised_at) == t and n.downtime_id is not None
    footer = clerk.page(f"/files/{f.id}").find("article", id="p1").find("footer").get_text()
    assert "कागज़ पर पारित" in footer and "बाद में दर्ज" in footer and "जिलाधिकारी" in footer
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "finalise_note", AuditEvent.object_id == f.id)
    )
    assert event.data["passed_on"] == passed.isoformat() and local_date(event.at) == t
    entries = clerk.page(f"/receipts/downtime/{n.downtime_id}").get_text()
    assert "¶1" in entries and "जिलाधिकारी" in entries
