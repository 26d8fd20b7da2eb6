"""The record room (issue #29, CSMOP ch. 10): recording on closure, the register, review,
weeding with approval and the destruction register — through the pages, in Hindi, on the
demo office, with the clock moved as the years pass."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from eoffice.documents.models import Document
from eoffice.files.models import Correspondence, File, LetterDraft, LetterVersion, Note, SubjectHead
from eoffice.movement.models import Movement
from eoffice.org.models import Office
from eoffice.platform import audit, storage
from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import today
from eoffice.receipts.models import Receipt
from eoffice.records import services as records
from eoffice.records.models import Marking, RetentionRule, Weeding
from tests import samples
from tests.test_citizens import text_of
from tests.test_letters import new_letter, upload
from tests.test_movement import flash_text, login, open_file  # noqa: F401  (fixture)
from tests.test_notes import autosave, finalise
from tests.test_receipts import diarise


def head_id(db, code: str) -> int:
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    return db.session.scalar(
        select(SubjectHead.id).where(SubjectHead.office_id == office.id, SubjectHead.code == code)
    )


def close(c, file_id, reason="निस्तारित: आख्या प्राप्त, प्रकरण समाप्त", **form):
    return c.submit(
        f"/files/{file_id}/status", {"to": "closed", "reason": reason, **form},
        form_page=f"/files/{file_id}/status",
    )  # fmt: skip


def act(c, file_id, what, **form):
    return c.submit(f"/records/files/{file_id}/{what}", form, form_page=f"/records/files/{file_id}")


def mark(c, file_id, kind, **form):
    url = f"/records/mark/file/{file_id}"
    return c.submit(url, {"as": kind, **form}, form_page=f"{url}?as=rti")


def years_later(n: int):
    return time_machine.travel(datetime.now() + timedelta(days=366 * n), tick=True)


def a_full_file(c, db, **over) -> int:
    """A revenue-recovery file with a final note, an uploaded report, a draft letter and a
    diarised letter placed in it: everything weeding must destroy."""
    f = open_file(
        c, db, subject="बकाया भू-राजस्व की वसूली — ग्राम बिरधा", head=str(head_id(db, "वसूली")), **over
    )
    autosave(c, f.id, "आख्या पत्राचार पृ. 1 पर है। वसूली पूर्ण।", 0)
    assert finalise(c, f.id, "आख्या पत्राचार पृ. 1 पर है। वसूली पूर्ण।", 1).status_code == 302
    assert upload(c, f.id, "तहसीलदार की आख्या", samples.pdf(pages=2)).status_code == 302
    assert new_letter(c, f.id).status_code == 302
    resp = diarise(c, scan=(io.BytesIO(samples.pdf(pages=1)), "letter.pdf"), citizen_mobile="")
    assert resp.status_code == 302
    r = db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))
    resp = c.submit(
        f"/files/{f.id}/correspondence", {"receipt": str(r.id)}, form_page=f"/files/{f.id}"
    )
    assert resp.status_code == 302
    return f.id


def test_closing_records_the_file_with_the_schedules_suggestion(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = open_file(clerk, db, head=str(head_id(db, "वसूली")))
    form = clerk.page(f"/files/{f.id}/status")
    # the Collectorate's schedule: revenue recovery C-10, weeding approved by the ADM
    assert form.find("input", attrs={"name": "category", "value": "C"}).has_attr("checked")
    assert form.find("input", attrs={"name": "years"})["value"] == "10"
    assert "C-10" in form.get_text()
    # bad choices: a clear message, the file stays open
    for bad in ({"category": "Z"}, {"category": "C", "years": "0"}, {"category": "C", "years": "11"},
                {"category": "C", "years": "99999999999999999999"}, {"category": "C", "years": "३"}):  # fmt: skip
        said = flash_text(clerk, close(clerk, f.id, **bad))
        assert "श्रेणी" in said or "1 से 10" in said
    assert close(clerk, f.id, category="C", years="3\x00").status_code == 400  # NUL: refused early
    db.session.expire_all()
    assert db.session.get(File, f.id).status == "open"
    said = flash_text(clerk, close(clerk, f.id, category="C", years="3"))
    assert "C-3" in said and "बंद की गई" in said
    db.session.expire_all()
    got = db.session.get(File, f.id)
    assert (got.status, got.record_category, got.retention_years) == ("closed", "C", 3)
    assert got.review_year == today().year + 3
    assert "अभिलिखित C-3" in clerk.page(f"/files/{f.id}").get_text()
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "record_file", AuditEvent.object_id == f.id)
    )
    assert event.data["category"] == "C" and event.data["years"] == 3

    # the record room register (the revenue clerk is also the record keeper), CSV and PDF
    room = clerk.page("/records/")
    row = room.find("a", href=f"/records/files/{f.id}").find_parent("tr")
    assert "C-3" in row.get_text() and str(today().year + 3) in row.get_text()
    assert clerk.page("/records/?due=1").find("a", href=f"/records/files/{f.id}") is None
    csv = clerk.get("/records/register.csv").get_data(as_text=True)
    assert got.number in csv and "C-3" in csv
    pdf = clerk.get("/records/register.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    # reopened, it leaves the record room; closed again without a choice (an old page), the
    # schedule's suggestion is taken
    clerk.submit(
        f"/files/{f.id}/status",
        {"to": "open", "reason": "नया तथ्य"},
        form_page=f"/files/{f.id}/status",
    )
    db.session.expire_all()
    assert db.session.get(File, f.id).record_category is None
    assert clerk.page("/records/").find("a", href=f"/records/files/{f.id}") is None
    close(clerk, f.id)
    db.session.expire_all()
    assert (
        db.session.get(File, f.id).record_category,
        db.session.get(File, f.id).retention_years,
    ) == ("C", 10)


def test_weeding_after_the_years_destroys_the_content_and_keeps_the_register(app, login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    fid = a_full_file(clerk, db)
    f = db.session.get(File, fid)
    number, subject = f.number, f.subject
    stored = set(db.session.scalars(
        select(Document.sha256).join(Correspondence, Correspondence.document_id == Document.id)
        .where(Correspondence.file_id == fid)))  # fmt: skip
    receipt_id = db.session.scalar(select(Correspondence.receipt_id).where(
        Correspondence.file_id == fid, Correspondence.receipt_id.is_not(None)))  # fmt: skip
    assert close(clerk, fid, category="C", years="3").status_code == 302
    # not yet due: the keeper is told when
    page = clerk.page(f"/records/files/{fid}")
    assert str(today().year + 3) in page.find(class_="flash-error").get_text()
    assert "तक" in flash_text(clerk, act(clerk, fid, "propose", reason="अवधि पूर्ण"))

    with years_later(3):
        clerk = login("clerk.revenue")
        assert clerk.page("/records/?due=1").find("a", href=f"/records/files/{fid}")
        # only the record keeper proposes; the reason is required
        so = login("so.revenue")
        assert "अभिलेखपाल" in flash_text(so, act(so, fid, "propose", reason="अवधि पूर्ण"))
        assert "कारण" in flash_text(clerk, act(clerk, fid, "propose", reason=" \u200b "))
        resp = act(clerk, fid, "propose", reason="प्रतिधारण अवधि पूर्ण, कोई लंबित प्रकरण नहीं")
        assert "प्रस्तावित" in flash_text(clerk, resp)
        assert "पहले ही" in flash_text(clerk, act(clerk, fid, "propose", reason="दोबारा"))
        w = db.session.scalar(select(Weeding).where(Weeding.file_id == fid))
        # only the officer the schedule names (the ADM) decides; the DM is not named
        dm = login("dm.lalitpur")
        resp = dm.submit(
            f"/records/weeding/{w.id}",
            {"decision": "approve", "remark": ""},
            form_page="/records/weeding",
        )
        assert resp.status_code == 404
        adm = login("adm.fr")
        proposals = adm.page("/records/weeding")
        assert number in proposals.get_text()
        assert "कारण" in flash_text(adm, adm.submit(
            f"/records/weeding/{w.id}", {"decision": "refuse", "remark": ""}, form_page="/records/weeding"))  # fmt: skip
        resp = adm.submit(f"/records/weeding/{w.id}", {"decision": "approve", "remark": "अनुमोदित"},
                          form_page="/records/weeding")  # fmt: skip
        assert "नष्ट" in flash_text(adm, resp)
        # the same click again (a slow link): already decided, nothing twice
        again = adm.submit(f"/records/weeding/{w.id}", {"decision": "approve", "remark": "अनुमोदित"},
                           form_page="/records/weeding")  # fmt: skip
        assert "पहले ही" in flash_text(adm, again)

    db.session.expire_all()
    f = db.session.get(File, fid)
    assert f.status == "weeded" and f.number == number
    assert db.session.scalar(select(func.count()).where(Note.file_id == fid)) == 0
    assert db.session.scalar(select(func.count()).where(Correspondence.file_id == fid)) == 0
    assert db.session.scalar(select(func.count()).where(LetterDraft.file_id == fid)) == 0
    assert db.session.scalar(select(func.count()).select_from(LetterVersion).join(LetterDraft)
                             .where(LetterDraft.file_id == fid)) == 0  # fmt: skip
    r = db.session.get(Receipt, receipt_id)
    assert r.document_id is None and r.ocr_text is None and r.weeded_at is not None
    assert r.diary_number  # the dak register keeps its entry
    assert all(
        m.remarks is None
        for m in db.session.scalars(select(Movement).where(Movement.file_id == fid))
    )
    # the stored scans are gone from the store once the change committed
    with app.app_context():
        assert stored and not any(storage.store().exists(sha) for sha in stored)
    w = db.session.scalar(select(Weeding).where(Weeding.file_id == fid))
    assert (w.status, w.entry_no, w.number, w.subject, w.category, w.retention_years) == (
        "approved", 1, number, subject, "C", 3)  # fmt: skip
    assert (w.notes_destroyed, w.letters_destroyed, w.items_destroyed) == (1, 1, 2)
    # the destruction register: page, CSV, PDF; the audit chain still verifies
    with years_later(3):
        clerk = login("clerk.revenue")
        row = clerk.page("/records/destroyed").find("td", string=number).find_parent("tr")
        assert "अंकुर श्रीवास्तव" in row.get_text() and "रामकिशोर यादव" in row.get_text()
        assert number in clerk.get("/records/destroyed.csv").get_data(as_text=True)
        assert clerk.get("/records/destroyed.pdf").data.startswith(b"%PDF")
        page = clerk.page(f"/files/{fid}")
        assert "नष्ट" in page.get_text() or "विनष्ट" in page.get_text()
    checked, broken = audit.verify()
    assert broken is None and checked > 0


def test_category_a_and_b_files_are_never_weeded(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    land = open_file(clerk, db)  # भूमि अभिलेख: A in the schedule
    assert "A" in flash_text(clerk, close(clerk, land.id))
    with years_later(30):
        clerk = login("clerk.revenue")
        page = clerk.page(f"/records/files/{land.id}")
        assert page.find("form", action=f"/records/files/{land.id}/propose") is None
        assert "कभी नष्ट नहीं" in page.get_text()
        assert "कभी नष्ट नहीं" in flash_text(clerk, act(clerk, land.id, "propose", reason="पुराना"))
    assert db.session.scalar(select(func.count()).select_from(Weeding)) == 0
    with pytest.raises(DBAPIError), db.session.begin_nested():  # the database refuses too
        db.session.execute(text("UPDATE efile SET status = 'weeded' WHERE id = :i"), {"i": land.id})


def test_an_open_rti_court_case_or_audit_para_keeps_the_file(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    fid = open_file(clerk, db, head=str(head_id(db, "वसूली"))).id
    close(clerk, fid, category="C", years="1")
    resp = mark(clerk, fid, "rti", reference="आरटीआई/45/2026", fee="paid", opened_on="")
    assert "आरटीआई पंजी में दर्ज" in flash_text(clerk, resp)
    # hostile markings: nothing saved, a message each (the form again, 400)
    for kind, bad in (("x", {"reference": "1"}), ("rti", {"reference": " \u200b ", "fee": "paid"}),
                      ("rti", {"reference": "1", "fee": "paid", "opened_on": "01-01-2999"})):  # fmt: skip
        assert mark(clerk, fid, kind, **bad).status_code == 400
    assert db.session.scalar(select(func.count()).where(Marking.file_id == fid)) == 1
    with years_later(1):
        clerk = login("clerk.revenue")
        page = clerk.page(f"/records/files/{fid}")
        assert "आरटीआई/45/2026" in page.find(class_="flash-error").get_text()
        assert "आरटीआई/45/2026" in flash_text(clerk, act(clerk, fid, "propose", reason="अवधि पूर्ण"))
        m = db.session.scalar(select(Marking).where(Marking.file_id == fid))
        resp = clerk.submit(f"/records/markings/{m.id}/close", {"remark": "सूचना दी गई, अपील नहीं"},
                            form_page=f"/records/files/{fid}")  # fmt: skip
        assert "बंद" in flash_text(clerk, resp)
        assert "प्रस्तावित" in flash_text(clerk, act(clerk, fid, "propose", reason="अवधि पूर्ण"))
        # a court case opened after the proposal stops the approval
        hearing = (today() + timedelta(days=400)).strftime("%d-%m-%Y")
        mark(clerk, fid, "court_case", reference="रिट 1234/2027 उच्च न्यायालय", hearing_on=hearing)
        w = db.session.scalar(select(Weeding).where(Weeding.file_id == fid))
        adm = login("adm.fr")
        resp = adm.submit(
            f"/records/weeding/{w.id}", {"decision": "approve"}, form_page="/records/weeding"
        )
        assert "रिट 1234/2027" in flash_text(adm, resp)
    db.session.expire_all()
    assert db.session.get(File, fid).status == "closed"


def test_the_admin_edits_the_schedule(login, demo):  # noqa: F811
    db = demo
    nodal = login("nodal")
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    hid = head_id(db, "शिका")
    url = f"/admin/offices/{office.id}/schedule"
    page = nodal.page(url)
    assert page.find("form", id=f"head-{hid}")
    resp = nodal.submit(url, {"head": str(hid), "category": "C", "years": "12", "approver": ""})
    assert "1 से 10" in flash_text(nodal, resp)
    resp = nodal.submit(url, {"head": str(hid), "category": "C", "years": "7", "approver": ""})
    assert resp.status_code == 302
    rule = db.session.scalar(select(RetentionRule).where(RetentionRule.head_id == hid))
    assert (rule.category, rule.years, rule.approver_post_id) == ("C", 7, None)
    s = records.suggestion(office, db.session.get(SubjectHead, hid))
    assert (s.category, s.years, s.approver.abbreviation) == ("C", 7, "डीएम")
    assert nodal.submit(url, {"head": "99999999999999999999", "category": "C"}).status_code == 400
    clerk = login("clerk.revenue")
    assert clerk.get(url).status_code in (403, 404)


def test_a_final_note_is_still_append_only_outside_weeding(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    fid = open_file(clerk, db).id
    autosave(clerk, fid, "टिप्पणी", 0)
    finalise(clerk, fid, "टिप्पणी", 1)
    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text("DELETE FROM note WHERE file_id = :i"), {"i": fid})


def test_record_pages_refuse_strangers_and_hostile_ids(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    fid = open_file(clerk, db, grading="confidential").id
    close(clerk, fid, category="C", years="2")
    outsider = login("clerk.arms")  # staff of the same office, not the record keeper
    assert outsider.get(f"/records/files/{fid}").status_code == 404
    assert outsider.get("/records/").status_code == 404
    for url in (
        "/records/files/99999999999999999999",
        "/records/files/0",
        "/records/weeding/99999999999999",
    ):
        assert clerk.get(url).status_code in (400, 404, 405)
    resp = clerk.submit(
        "/records/weeding/99999999999", {"decision": "approve"}, form_page="/records/"
    )
    assert resp.status_code == 404
    # the keeper sees the confidential file in the register without its subject
    row = clerk.page("/records/").find("a", href=f"/records/files/{fid}").find_parent("tr")
    assert "गोपनीय" in row.get_text()
    assert clerk.get("/records/?category=%00&due=%00").status_code == 400  # NUL: refused early
    assert clerk.get("/records/?category=ZZ&due=" + "9" * 5000).status_code == 200


def test_the_guard_file_outlives_weeding_and_orders_are_found_by_their_ocr(app, login, demo):  # noqa: F811
    from eoffice.records.jobs import ocr_entry_now
    from eoffice.records.models import LibraryEntry

    db = demo
    clerk = login("clerk.revenue")
    fid = open_file(clerk, db, head=str(head_id(db, "वसूली"))).id
    said = "बकाया वसूली में किस्तों की अनुमति केवल अपर जिलाधिकारी देंगे।"
    autosave(clerk, fid, said, 0)
    finalise(clerk, fid, said, 1)
    close(clerk, fid, category="C", years="1")
    note_id = db.session.scalar(select(Note.id).where(Note.file_id == fid))
    so = login("so.revenue")
    page = so.page(f"/records/files/{fid}")
    assert page.find("option", attrs={"value": f"note:{note_id}"})
    resp = so.submit(f"/records/files/{fid}/guard",
                     {"source": f"note:{note_id}", "kind": "standing_order", "title": ""},
                     form_page=f"/records/files/{fid}")  # fmt: skip
    assert "गार्ड फाइल" in flash_text(so, resp)
    assert so.submit(f"/records/files/{fid}/guard", {"source": "note:abc", "kind": "precedent"},
                     form_page=f"/records/files/{fid}").status_code == 400  # fmt: skip
    # weeded a year on: the standing order stays, found by a word of it
    with years_later(1):
        clerk = login("clerk.revenue")
        act(clerk, fid, "propose", reason="अवधि पूर्ण")
        w = db.session.scalar(select(Weeding).where(Weeding.file_id == fid))
        adm = login("adm.fr")
        adm.submit(
            f"/records/weeding/{w.id}", {"decision": "approve"}, form_page="/records/weeding"
        )
    db.session.expire_all()
    assert db.session.get(File, fid).status == "weeded"
    entry = db.session.scalar(select(LibraryEntry).where(LibraryEntry.kind == "standing_order"))
    assert entry.body == said and db.session.get(File, fid).number in entry.source
    clerk = login("clerk.revenue")
    found = clerk.page("/records/library?q=kiston")  # "किस्तों" typed in roman letters
    assert found.find("a", href=f"/records/library/{entry.id}")
    assert (
        clerk.page("/records/library?q=zzzqqq").find("a", href=f"/records/library/{entry.id}")
        is None
    )
    assert "किस्तों" in clerk.page(f"/records/library/{entry.id}").get_text()

    # a government order uploaded as a photograph, read by OCR, found by a word in it
    assert login("clerk.arms").get("/records/library/new").status_code == 404  # staff: reads only
    adm = login("adm.fr")
    bad = adm.submit("/records/library/new", {"kind": "go", "number": "", "title": "x",
                     "issued_on": "01-12-2026"}, form_page="/records/library/new")  # fmt: skip
    assert bad.status_code == 400 and "आदेश की संख्या लिखें" in text_of(bad)
    token = adm.csrf("/records/library/new")
    resp = adm.c.post("/records/library/new", data={
        "csrf_token": token, "kind": "go", "number": "1234/छह-पु-3-2026", "issued_on": "01-12-2026",
        "department": "गृह (पुलिस) अनुभाग-3", "title": "शस्त्र लाइसेंस नवीनीकरण की प्रक्रिया",
        "document": (io.BytesIO(samples.letter_photo()), "go.jpg")}, content_type="multipart/form-data")  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    go = db.session.scalar(select(LibraryEntry).where(LibraryEntry.kind == "go"))
    assert go.ocr_status == "queued"
    with app.app_context():
        ocr_entry_now(go.id)
        db.session.commit()
    db.session.expire_all()
    assert "ललितपुर" in db.session.get(LibraryEntry, go.id).ocr_text
    # a word only in the scan finds it
    assert adm.page("/records/library?q=ललितपुर").find("a", href=f"/records/library/{go.id}")
    assert adm.get(f"/records/library/{go.id}.pdf").data.startswith(b"%PDF")
    # another office's user sees nothing of it
    assert login("clerk.vikas").get(f"/records/library/{go.id}").status_code == 404
