"""भाग पत्रावली: while a file is with another desk, the holder of a new receipt opens a part of
it, notes in it, and merges it when the file returns: the notes follow as the next paragraphs,
the correspondence as the next pages; both tracks keep the story."""

from __future__ import annotations

from sqlalchemy import func, select

from eoffice.files.models import Correspondence, File, Note
from eoffice.receipts.models import Receipt
from tests.test_movement import flash_text, login, post_id, send  # noqa: F401  (fixture)
from tests.test_notes import finalise, finals, new_file
from tests.test_receipts import diarise


def newest_receipt(db) -> Receipt:
    return db.session.scalar(select(Receipt).order_by(Receipt.id.desc()).limit(1))


def open_part(c, receipt_id, number, key="11111111-1111-1111-1111-111111111111"):
    return c.submit(f"/receipts/{receipt_id}/part-file", {"number": number, "key": key},
                    form_page=f"/receipts/{receipt_id}")  # fmt: skip


def test_a_part_file_is_opened_noted_and_merged(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    assert diarise(clerk, is_physical_only="y").status_code == 302
    first = newest_receipt(db)
    f = new_file(clerk, db, receipt=str(first.id))
    finalise(clerk, f.id, "प्रकरण में तहसीलदार की आख्या अपेक्षित है।", 0)
    main_number = db.session.get(File, f.id).number
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))  # the file goes up

    # a reminder from the applicant arrives while the file is with the section officer
    assert diarise(clerk, is_physical_only="y", subject="अनुस्मारक: खतौनी संशोधन").status_code == 302
    r = newest_receipt(db)
    page = clerk.page(f"/receipts/{r.id}")
    assert page.find("summary", string="पत्रावली किसी अन्य पटल पर है? भाग पत्रावली खोलें")
    resp = open_part(clerk, r.id, main_number)
    assert resp.status_code == 302 and "भाग पत्रावली" in flash_text(clerk, resp)
    assert open_part(clerk, r.id, main_number).status_code == 302  # the same form again
    part = db.session.scalar(select(File).where(File.part_of_id == f.id))
    assert db.session.scalar(select(func.count(File.id)).where(File.part_of_id == f.id)) == 1
    assert part.number == f"{main_number}/भाग-1" and part.holder_post_id == post_id(db, "लिपिक-राज")
    finalise(clerk, part.id, "आवेदक का अनुस्मारक प्राप्त, मुख्य पत्रावली लौटने पर संलग्न करें।", 0)
    assert clerk.page(f"/files/{part.id}").find("button", string="मुख्य पत्रावली में विलय करें") is None

    so = login("so.revenue")
    send(so, "file", f.id, post_id(db, "लिपिक-राज"))  # the file comes back
    page = clerk.page(f"/files/{part.id}")
    assert "भाग 1" in page.get_text()
    resp = clerk.submit(f"/files/{part.id}/merge", {}, form_page=f"/files/{part.id}")
    assert resp.status_code == 302 and resp.location == f"/files/{f.id}"
    db.session.expire_all()
    notes = finals(db, f.id)
    assert [n.paragraph for n in notes] == [1, 2] and notes[1].from_note_id is not None
    assert "अनुस्मारक प्राप्त" in notes[1].body
    pages = db.session.scalars(
        select(Correspondence)
        .where(Correspondence.file_id == f.id)
        .order_by(Correspondence.position)
    ).all()
    assert [c.receipt_id for c in pages] == [first.id, r.id] and pages[1].first_page == 2
    part = db.session.get(File, part.id)
    assert part.status == "closed" and part.merged_at is not None
    assert len(finals(db, part.id)) == 1  # the part keeps its own note as written
    main_page = clerk.page(f"/files/{f.id}")
    assert "भाग पत्रावली से" in main_page.get_text() and part.number in main_page.get_text()
    # the receipt is now found in the main file; merging again is refused
    resp = clerk.submit(f"/files/{part.id}/merge", {}, form_page=f"/files/{part.id}")
    assert "पहले ही विलय" in flash_text(clerk, resp)


def test_part_files_refuse_what_makes_no_sense(login, demo):  # noqa: F811
    db = demo
    clerk = login("clerk.revenue")
    f = new_file(clerk, db)
    number = db.session.get(File, f.id).number
    assert diarise(clerk, is_physical_only="y").status_code == 302
    r = newest_receipt(db)
    cases = [
        (number, "आपके पास है"),  # the file is with the clerk: put the receipt in it
        ("कले/नहीं/है/1/2026", "कोई पत्रावली नहीं"),
        ("", "संख्या लिखें"),
        ("x" * 5000, "कोई पत्रावली नहीं"),
    ]
    for typed, words in cases:
        resp = open_part(clerk, r.id, typed, key="not-a-uuid")
        assert words in flash_text(clerk, resp), typed[:20]
    assert db.session.scalar(select(func.count(File.id)).where(File.part_of_id.is_not(None))) == 0
    # a merge by someone who holds neither is refused; so is merging a main file
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    assert open_part(clerk, r.id, number).status_code == 302
    part = db.session.scalar(select(File).where(File.part_of_id == f.id))
    other = login("so.revenue")
    resp = other.submit(f"/files/{part.id}/merge", {}, form_page=f"/files/{f.id}")
    assert resp.status_code in (302, 404)
    assert db.session.scalar(select(File.status).where(File.id == part.id)) == "open"
    resp = other.submit(f"/files/{f.id}/merge", {}, form_page=f"/files/{f.id}")
    assert "भाग पत्रावली नहीं" in flash_text(other, resp)
    assert db.session.scalar(select(func.count(Note.id)).where(Note.file_id == f.id)) == 0


def test_a_citation_in_a_merged_part_still_opens_the_document_it_meant(login, demo):  # noqa: F811
    """A note in the part cites "पत्राचार पृ. 1" — the part's own first page, the reminder.
    Merged, that reminder is page 2 of the main file: the note (which never changes) still
    opens the reminder and shows page 2, not the main file's page 1 (the first letter)."""
    db = demo
    clerk = login("clerk.revenue")
    assert diarise(clerk, is_physical_only="y").status_code == 302
    first = newest_receipt(db)
    f = new_file(clerk, db, receipt=str(first.id))
    finalise(clerk, f.id, "मूल आवेदन पत्राचार पृ. 1 पर है।", 0)
    main_number = db.session.get(File, f.id).number
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    assert diarise(clerk, is_physical_only="y", subject="अनुस्मारक: खतौनी संशोधन").status_code == 302
    reminder = newest_receipt(db)
    assert open_part(clerk, reminder.id, main_number).status_code == 302
    part = db.session.scalar(select(File).where(File.part_of_id == f.id))
    finalise(clerk, part.id, "आवेदक का अनुस्मारक पत्राचार पृ. 1 पर अवलोकनीय है।", 0)
    send(login("so.revenue"), "file", f.id, post_id(db, "लिपिक-राज"))
    resp = clerk.submit(f"/files/{part.id}/merge", {}, form_page=f"/files/{part.id}")
    assert resp.status_code == 302

    page = clerk.page(f"/files/{f.id}")
    merged = page.find(id="p2").find(class_="body")
    link = merged.find("a")
    assert link.get_text(" ", strip=True).startswith("पत्राचार पृ. 2"), merged
    assert link["href"] == f"/receipts/{reminder.id}"  # the reminder (a paper letter), not page 1
    assert "लिखते समय पृ. 1" in merged.get_text()
    own = page.find(id="p1").find(class_="body")
    assert own.find("a")["href"] == f"/receipts/{first.id}"
    # the part's own notesheet, closed, still opens the reminder where it lives now
    part_page = clerk.page(f"/files/{part.id}")
    note = part_page.find(id="p1").find(class_="body")
    assert note.find("a")["href"] == f"/receipts/{reminder.id}" and main_number in note.get_text()
