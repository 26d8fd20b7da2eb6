"""Draft letters (प्रारूप): versions, diffs, approval; and the file's own life: related files,
close / park / reopen with a reason, uploaded documents as correspondence."""

from __future__ import annotations

import io
import uuid

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from eoffice.documents.models import Document
from eoffice.files.models import (
    Correspondence,
    File,
    FileLink,
    FileStatusChange,
    LetterDraft,
    LetterTemplate,
    LetterVersion,
)
from tests import samples
from tests.test_movement import flash_text, login, post_id, send  # noqa: F401  (fixture)
from tests.test_notes import autosave, finalise, new_file
from tests.test_receipts import files_in


@pytest.fixture
def clerk(login):  # noqa: F811
    return login("clerk.revenue")


def new_letter(c, file_id, *, key=None, **over):
    data = {
        "key": key or str(uuid.uuid4()),
        "addressee": "सेवा में,\nतहसीलदार, सदर",
        "subject": "ग्राम बिरधा में अतिक्रमण की जाँच",
        "body": "कृपया प्रकरण की स्थलीय जाँच कर आख्या दें।",
    }
    data.update(over)
    return c.submit(f"/files/{file_id}/letters/new", data)


def save_letter(c, file_id, serial, base, **over):
    page = c.page(f"/files/{file_id}/letters/{serial}")
    form = page.find("form", action=f"/files/{file_id}/letters/{serial}")
    data = {
        "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"],
        "base": str(base),
        "addressee": form.find("textarea", id="addressee").get_text(),
        "subject": form.find("input", id="subject")["value"],
        "body": form.find("textarea", id="body").get_text(),
        "copy_to": form.find("textarea", id="copy_to").get_text(),
    }
    data.update(over)
    return c.post(f"/files/{file_id}/letters/{serial}", data=data)


def the_draft(db, file_id) -> LetterDraft:
    db.session.expire_all()
    return db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == file_id))


def test_draft_from_template_edited_by_the_officer_with_a_visible_diff(clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    page = clerk.page(f"/files/{f.id}")
    assert "अभी कोई प्रारूप पत्र नहीं" in page.get_text()
    # the standard letters are offered; choosing one (a plain GET, no JavaScript) fills the form
    template = db.session.scalar(
        select(LetterTemplate).where(LetterTemplate.name_hi == "जाँच आख्या हेतु पत्र")
    )
    page = clerk.page(f"/files/{f.id}/letters/new?template={template.id}")
    assert "मानक पत्र से आरंभ करें" in page.get_text()
    body = page.find("textarea", id="body").get_text()
    assert body.startswith("उपर्युक्त विषयक प्रार्थना-पत्र")
    assert page.find("input", id="subject")["value"] == "ग्राम बिरधा में चकमार्ग पर अतिक्रमण की शिकायत"

    resp = new_letter(clerk, f.id, body=body)
    assert resp.status_code == 302 and resp.location.endswith(f"/files/{f.id}/letters/1")
    assert "प्रारूप पत्र D1 सहेजा गया (संस्करण 1)" in flash_text(clerk, resp)
    resp = save_letter(clerk, f.id, 1, 1, body=body.replace("सात कार्य दिवस", "पाँच कार्य दिवस"))
    assert "संस्करण 2 के रूप में सहेजा गया" in flash_text(clerk, resp)
    # a clerk's post is no approving authority: no button
    assert (
        clerk.page(f"/files/{f.id}/letters/1").find(
            "form", action=f"/files/{f.id}/letters/1/approve"
        )
        is None
    )

    # up to the ADM, who edits the draft
    assert send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)")).status_code == 302
    # no longer the holder: no edit form, and a post from an old page is refused, text kept
    assert clerk.page(f"/files/{f.id}/letters/1").find(id="body") is None
    resp = clerk.submit(
        f"/files/{f.id}/letters/1",
        {"base": "2", "addressee": "", "subject": "", "body": "बदला हुआ पाठ"},
        form_page="/files/",
    )
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "अभी आपके पास नहीं है" in html and "बदला हुआ पाठ" in html
    adm = login("adm.fr")
    page = adm.page(f"/files/{f.id}")
    assert page.find("a", href=f"/files/{f.id}/letters/1").get_text().startswith("D1")
    resp = save_letter(
        adm, f.id, 1, 2, body=body.replace("सात कार्य दिवस", "तीन कार्य दिवस") + "\n\nअति आवश्यक।"
    )
    assert "संस्करण 3" in flash_text(adm, resp)
    page = adm.page(f"/files/{f.id}/letters/1")
    rows = page.find("table").find_all("tr")[1:]
    assert [r.find("td").get_text() for r in rows] == ["3", "2", "1"]
    assert "अंकुर श्रीवास्तव" in rows[0].get_text() and "रामकिशोर यादव" in rows[1].get_text()

    diff = adm.page(f"/files/{f.id}/letters/1/diff?a=2&b=3")
    assert "संस्करण 2 से संस्करण 3 में परिवर्तन" in diff.h1.get_text()
    assert [d.get_text() for d in diff.find_all("del")][-1] == "पाँच"
    added = [i.get_text() for i in diff.find_all("ins")]
    assert "तीन" in added and any("अति आवश्यक।" in a for a in added)

    # approval freezes the version the officer read
    page = adm.page(f"/files/{f.id}/letters/1")
    form = page.find("form", action=f"/files/{f.id}/letters/1/approve")
    assert form.find("input", attrs={"name": "version"})["value"] == "3"
    token = form.find("input", attrs={"name": "csrf_token"})["value"]
    resp = adm.post(f"/files/{f.id}/letters/1/approve", data={"csrf_token": token, "version": "3"})
    assert "D1 अनुमोदित (संस्करण 3)" in flash_text(adm, resp)
    draft = the_draft(db, f.id)
    assert (draft.status, draft.approved_version, draft.approved_post.abbreviation) == (
        "approved",
        3,
        "एडीएम (वि/रा)",
    )
    # a second click is told, not doubled; an edit after approval is refused with the text kept
    resp = adm.post(f"/files/{f.id}/letters/1/approve", data={"csrf_token": token, "version": "3"})
    assert "अनुमोदित हो चुका है" in flash_text(adm, resp)
    resp = adm.post(
        f"/files/{f.id}/letters/1",
        data={"csrf_token": token, "base": "3", "addressee": "", "subject": "", "body": "नया पाठ"},
    )
    assert resp.status_code == 409 and "नया पाठ" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LetterVersion.id))) == 3


def test_only_an_approving_post_may_approve(clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    new_letter(clerk, f.id)
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    so = login("so.revenue")
    assert (
        so.page(f"/files/{f.id}/letters/1").find("form", action=f"/files/{f.id}/letters/1/approve")
        is None
    )
    resp = so.submit(
        f"/files/{f.id}/letters/1/approve", {"version": "1"}, form_page=f"/files/{f.id}"
    )
    assert "आपका पद पत्रों के अनुमोदन हेतु अधिकृत नहीं है" in flash_text(so, resp)
    assert the_draft(db, f.id).status == "draft"


def test_a_stale_edit_is_a_conflict_shown_not_an_overwrite(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    new_letter(clerk, f.id)
    assert save_letter(clerk, f.id, 1, 1, body="पहला संशोधन").status_code == 302
    # another tab still based on version 1
    resp = save_letter(clerk, f.id, 1, 1, body="दूसरे टैब का पाठ")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "कुछ भी मिटाया नहीं गया" in html
    assert "दूसरे टैब का पाठ" in html and "<del>पहला</del>" in html
    assert the_draft(db, f.id).latest.body == "पहला संशोधन"
    # the page now carries the newest base: saving again makes it version 3
    page = resp.get_data(as_text=True)
    assert 'name="base" value="2"' in page
    assert save_letter(clerk, f.id, 1, 2, body="दूसरे टैब का पाठ").status_code == 302
    assert the_draft(db, f.id).current_version == 3
    # the same save twice (a double click on a slow link) makes no empty version
    resp = save_letter(clerk, f.id, 1, 2, body="दूसरे टैब का पाठ")
    assert "पिछले संस्करण से कोई परिवर्तन नहीं" in flash_text(clerk, resp)
    assert the_draft(db, f.id).current_version == 3


def test_hostile_letters(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    key = str(uuid.uuid4())
    resp = new_letter(clerk, f.id, key=key, body=" \u200b\u200b  ")
    assert resp.status_code == 400 and "पत्र का पाठ लिखें" in resp.get_data(as_text=True)
    huge = "क" * 1_000_000
    resp = new_letter(clerk, f.id, key=key, body=huge)
    assert resp.status_code == 400 and "पत्र बहुत लंबा है" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LetterDraft.id))) == 0
    nasty = "<script>alert(1)</script> Collector साहब\u200b को क्\u200dष सूचित करें"
    assert new_letter(clerk, f.id, key=key, body=nasty).status_code == 302
    # the same form again (double submission): one draft
    resp = new_letter(clerk, f.id, key=key, body=nasty)
    assert "पहले ही D1 के रूप में सहेजा जा चुका है" in flash_text(clerk, resp)
    assert db.session.scalar(select(func.count(LetterDraft.id))) == 1
    v = the_draft(db, f.id).latest
    assert "\u200b" not in v.body and "\u200d" in v.body  # ZWJ picks a half-form: kept
    html = clerk.get(f"/files/{f.id}/letters/1").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    save_letter(clerk, f.id, 1, 1, body=nasty.replace("<script>", "<b>"))
    diff = clerk.get(f"/files/{f.id}/letters/1/diff").get_data(as_text=True)
    assert "<b>" not in diff and "&lt;b&gt;" in diff
    assert clerk.get(f"/files/{f.id}/letters/1/diff?a=1&b=9").status_code == 404
    assert clerk.get(f"/files/{f.id}/letters/7").status_code == 404


def test_letter_versions_are_immutable_in_the_database(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    new_letter(clerk, f.id)
    for sql in ("UPDATE letter_version SET body = 'x'", "DELETE FROM letter_version"):
        with pytest.raises(DBAPIError, match="immutable"), db.session.begin_nested():
            db.session.execute(text(sql))


def test_an_officer_elsewhere_cannot_open_the_draft(clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db, grading="confidential")
    new_letter(clerk, f.id)
    other = login("clerk.arms")
    assert other.get(f"/files/{f.id}/letters/1").status_code == 404
    assert other.get(f"/files/{f.id}/letters/1/diff").status_code == 404
    resp = other.submit(f"/files/{f.id}/letters/new", {"body": "x"}, form_page="/files/")
    assert resp.status_code == 404


# --- related files, close / park / reopen ------------------------------------------------


def link(c, file_id, number):
    return c.submit(f"/files/{file_id}/links", {"number": number}, form_page=f"/files/{file_id}")


def test_link_files_and_refer_to_them_in_a_note(clerk, login, demo):  # noqa: F811
    db = demo
    a = new_file(clerk, db)
    b = db.session.get(File, new_file(clerk, db, subject="बिरधा चकमार्ग: पूर्व प्रकरण").id)
    resp = link(clerk, a.id, f" {b.number}\u200b ")
    assert f"{b.number} से जोड़ी गई" in flash_text(clerk, resp)
    assert "पहले से जुड़ी हैं" in flash_text(clerk, link(clerk, b.id, db.session.get(File, a.id).number))
    assert "स्वयं से नहीं" in flash_text(clerk, link(clerk, a.id, db.session.get(File, a.id).number))
    assert "कोई पत्रावली नहीं" in flash_text(clerk, link(clerk, a.id, "कले/राज/भू-अभि/999/2026"))
    assert "कोई पत्रावली नहीं" in flash_text(clerk, link(clerk, a.id, ""))
    assert db.session.scalar(select(func.count()).select_from(FileLink)) == 1
    # a confidential file of another section is not even named
    arms = login("clerk.arms")
    secret = db.session.get(File, new_file(arms, db, grading="confidential").id)
    assert "कोई पत्रावली नहीं" in flash_text(clerk, link(clerk, a.id, secret.number))
    page = clerk.page(f"/files/{b.id}")
    assert page.find(id="links").find("a", href=f"/files/{a.id}")
    # a file number written in a note becomes a link, if the reader may open that file
    autosave(clerk, a.id, f"पूर्व प्रकरण {b.number} देखें; {secret.number} भी।", 0)
    finalise(clerk, a.id, f"पूर्व प्रकरण {b.number} देखें; {secret.number} भी।", 1)
    note = clerk.page(f"/files/{a.id}").find("article", id="p1")
    assert [x["href"] for x in note.find(class_="body").find_all("a")] == [f"/files/{b.id}"]


def status(c, file_id, to, reason):
    return c.submit(
        f"/files/{file_id}/status", {"to": to, "reason": reason}, form_page=f"/files/{file_id}"
    )


def test_close_park_and_reopen_with_reasons(clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    assert "कारण लिखें" in flash_text(clerk, status(clerk, f.id, "closed", " \u200b "))
    assert "स्थगित की गई" in flash_text(clerk, status(clerk, f.id, "parked", "न्यायालय में वाद लंबित"))
    page = clerk.page(f"/files/{f.id}")
    assert page.find(class_="tag parked") and "न्यायालय में वाद लंबित" in page.get_text()
    assert "पहले से है" in flash_text(clerk, status(clerk, f.id, "parked", "फिर"))
    assert "बंद की गई" in flash_text(clerk, status(clerk, f.id, "closed", "निस्तारित: आख्या प्राप्त"))
    # a closed file takes no notes, letters or documents, and cannot be sent
    assert autosave(clerk, f.id, "टिप्पणी", 0).status_code == 409
    assert new_letter(clerk, f.id).status_code == 400
    page = clerk.page(f"/files/{f.id}")
    assert page.find("form", id="note-form") is None and page.find("a", string="भेजें") is None
    status_page = clerk.page(f"/files/{f.id}/status")
    buttons = [
        b["value"]
        for b in status_page.find("form", action=f"/files/{f.id}/status").find_all("button")
    ]
    assert buttons == ["open"]
    assert "पत्रावली खुली है" in flash_text(clerk, status(clerk, f.id, "open", "नया तथ्य सामने आया"))
    db.session.expire_all()
    assert db.session.get(File, f.id).status == "open"
    changes = db.session.scalars(
        select(FileStatusChange)
        .where(FileStatusChange.file_id == f.id)
        .order_by(FileStatusChange.id)
    ).all()
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("open", "parked"),
        ("parked", "closed"),
        ("closed", "open"),
    ]


def test_only_the_opener_or_the_section_officer_closes(clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    send(clerk, "file", f.id, post_id(db, "एडीएम (वि/रा)"))
    adm = login("adm.fr")
    resp = status(adm, f.id, "closed", "निस्तारित")
    assert "केवल उसे खोलने वाला या अनुभाग अधिकारी" in flash_text(adm, resp)
    assert "स्थगित की गई" in flash_text(adm, status(adm, f.id, "parked", "शासन के निर्देश की प्रतीक्षा"))
    send(adm, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    so = login("so.revenue")
    assert "बंद की गई" in flash_text(so, status(so, f.id, "closed", "निस्तारित"))
    # not the holder: refused, and not even shown the form
    assert "केवल उसका धारक" in flash_text(clerk, status(clerk, f.id, "open", "पुनः"))
    resp = clerk.get(f"/files/{f.id}/status")
    assert resp.status_code == 302 and "केवल उसका धारक" in flash_text(clerk, resp)


# --- uploaded documents as correspondence ------------------------------------------------


def upload(c, file_id, title, content, name="report.pdf"):
    token = c.csrf(f"/files/{file_id}")
    return c.post(
        f"/files/{file_id}/documents",
        data={"csrf_token": token, "title": title, "document": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_a_document_into_the_file_and_cite_its_page(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    resp = upload(clerk, f.id, "तहसीलदार की आख्या", samples.pdf(pages=3))
    assert "पृष्ठ 1 से रखा गया" in flash_text(clerk, resp)
    resp = upload(clerk, f.id, "नक्शा", samples.letter_photo(), name="map.jpg")
    assert "पृष्ठ 4 से रखा गया" in flash_text(clerk, resp)
    rows = db.session.scalars(select(Correspondence).where(Correspondence.file_id == f.id)).all()
    assert [(c.position, c.first_page, c.pages) for c in rows] == [(1, 1, 3), (2, 4, 1)]
    pdf = clerk.get(f"/files/{f.id}/documents/1.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    autosave(clerk, f.id, "आख्या पत्राचार पृ. 2 पर है।", 0)
    finalise(clerk, f.id, "आख्या पत्राचार पृ. 2 पर है।", 1)
    note = clerk.page(f"/files/{f.id}").find("article", id="p1")
    assert note.find(class_="body").find("a")["href"] == f"/files/{f.id}/documents/1.pdf#page=2"


def test_hostile_uploads_are_refused_and_nothing_saved_is_lost(app, clerk, login, demo):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    upload(clerk, f.id, "आख्या", samples.pdf(pages=1))
    before = db.session.scalar(select(func.count(Document.id)))
    cases = [
        (b"", "फ़ाइल खाली है"),
        (b"%PDF-1.7\n1 0 obj garbage", "क्षतिग्रस्त"),
        (b"<html><script>alert(1)</script></html>", "केवल पीडीएफ़, जेपीईजी या पीएनजी"),
        (samples.encrypted_pdf(), "पासवर्ड"),
    ]
    for content, message in cases:
        resp = upload(clerk, f.id, "खराब फ़ाइल", content)
        assert message in flash_text(clerk, resp), message
    assert "शीर्षक लिखें" in flash_text(clerk, upload(clerk, f.id, " \u200b", samples.pdf(pages=1)))
    assert db.session.scalar(select(func.count(Document.id))) == before
    assert db.session.scalar(select(func.count(Correspondence.id))) == 1
    # someone who does not hold the file cannot add to it, and the new bytes (stored before
    # the refusal) leave no file behind, while the first upload's stay
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    stored = files_in(app)
    resp = upload(clerk, f.id, "देर से", samples.pdf(pages=2))
    assert "अभी आपके पास नहीं है, इसलिए आप इसमें दस्तावेज़ नहीं जोड़ सकते" in flash_text(clerk, resp)
    assert db.session.scalar(select(func.count(Correspondence.id))) == 1
    assert files_in(app) == stored and stored
