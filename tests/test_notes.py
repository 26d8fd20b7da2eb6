"""Notes on a file: drafts that autosave, finals that are numbered and never change."""

from __future__ import annotations

import unicodedata
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from eoffice.files.models import Note
from eoffice.receipts.models import Receipt
from tests.html import check_page
from tests.test_movement import login, open_file, post_id, send  # noqa: F401  (fixture)
from tests.test_receipts import diarise

HX = {"HX-Request": "true"}


def new_file(c, db, **kw) -> SimpleNamespace:
    """Only the id: a refused request rolls back and expires every loaded object."""
    return SimpleNamespace(id=open_file(c, db, **kw).id)


def _data(c, body, version, editor=None) -> dict:
    if not hasattr(c, "token"):
        c.token = c.csrf("/")  # one per session
    data = {"csrf_token": c.token, "body": body, "version": str(version)}
    if editor is not None:
        data["editor"] = editor
    return data


def autosave(c, file_id, body, version, editor=None):
    return c.post(f"/files/{file_id}/notes/draft", data=_data(c, body, version, editor), headers=HX)


def finalise(c, file_id, body, version, editor=None):
    return c.post(f"/files/{file_id}/notes/final", data=_data(c, body, version, editor))


def finals(db, file_id):
    return db.session.scalars(
        select(Note).where(Note.file_id == file_id, Note.status == "final").order_by(Note.paragraph)
    ).all()


@pytest.fixture
def clerk(login):  # noqa: F811
    return login("clerk.revenue")


def test_write_autosave_finalise_and_reference_correspondence(clerk, demo):
    db = demo
    assert diarise(clerk, is_physical_only="y").status_code == 302
    receipt = db.session.scalar(select(Receipt))
    f = new_file(clerk, db, receipt=str(receipt.id))
    page = clerk.page(f"/files/{f.id}")
    assert page.find("form", id="note-form") and "अभी कोई टिप्पणी नहीं" in page.get_text()

    resp = autosave(clerk, f.id, "प्रकरण में आख्या", 0)
    assert resp.status_code == 200 and 'value="1"' in resp.get_data(as_text=True)
    assert "मसौदा सहेजा गया" in resp.get_data(as_text=True) and len(resp.data) < 2000
    resp = autosave(clerk, f.id, "प्रकरण में तहसीलदार की आख्या अपेक्षित है।", 1)
    assert 'value="2"' in resp.get_data(as_text=True)
    # a reload brings the draft back from the server
    box = clerk.page(f"/files/{f.id}").find("textarea", id="note-body")
    assert box.get_text().strip() == "प्रकरण में तहसीलदार की आख्या अपेक्षित है।"

    resp = finalise(clerk, f.id, "प्रकरण में तहसीलदार की आख्या अपेक्षित है।", 2)
    assert resp.status_code == 302 and resp.location.endswith("#p1")
    page = clerk.page(resp.location.split("#")[0])
    assert "अनुच्छेद 1 अंतिम किया गया।" in page.find(class_="flashes").get_text()
    first = page.find("article", id="p1")
    assert "final" in first["class"] and "रामकिशोर यादव, वरिष्ठ लिपिक, राजस्व" in first.get_text()

    resp = autosave(clerk, f.id, "पत्राचार पृ. 1 पर प्रार्थी का पत्र देखें।", 0)
    assert resp.status_code == 200
    finalise(clerk, f.id, "पत्राचार पृ. 1 पर प्रार्थी का पत्र देखें।", 1)
    second = clerk.page(f"/files/{f.id}").find("article", id="p2")
    link = second.find(class_="body").find("a")
    assert link.get_text() == "पत्राचार पृ. 1" and link["href"] == f"/receipts/{receipt.id}"
    assert [n.paragraph for n in finals(db, f.id)] == [1, 2]


def test_bad_notes_get_clear_messages_and_nothing_is_lost(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    for body, message in [("", "पहले टिप्पणी लिखें"), ("   \u200b\n  ", "पहले टिप्पणी लिखें")]:
        resp = finalise(clerk, f.id, body, 0)
        assert resp.status_code == 409 and message in check_page(resp).get_text()
    huge = "क" * 1_000_000
    resp = autosave(clerk, f.id, huge, 0)
    assert resp.status_code == 409 and "50,000" in resp.get_data(as_text=True)
    resp = finalise(clerk, f.id, huge, 0)
    soup = check_page(resp)
    assert (
        resp.status_code == 409 and soup.find("textarea", id="note-body").get_text().strip() == huge
    )
    assert not finals(db, f.id)

    tricky = (
        "<script>alert('x')</script> क्\u200dष और र्\u200dय (ZWJ) "
        "का\u0951 \u200bछिपा अक्षर, mixed English 10,000+ "
    )
    long_note = tricky + "विवरण detail " * 900
    assert len(long_note) > 10_000
    resp = finalise(clerk, f.id, long_note, 0)
    assert resp.status_code == 302
    (note,) = finals(db, f.id)
    assert "\u200d" in note.body and "\u200b" not in note.body
    assert note.body == unicodedata.normalize("NFC", note.body)
    html = clerk.get(f"/files/{f.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_a_second_finalise_from_another_tab_is_a_conflict_not_a_double(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    autosave(clerk, f.id, "पहला पाठ", 0)
    # two tabs both show version 1; tab A makes it final
    assert finalise(clerk, f.id, "पहला पाठ, अंतिम", 1).status_code == 302
    # the same click again (double submit): told it is already final
    again = finalise(clerk, f.id, "पहला पाठ, अंतिम", 1)
    assert again.status_code == 302
    flashes = clerk.page(again.location.split("#")[0]).find(class_="flashes").get_text()
    assert "पहले ही अनुच्छेद 1 के रूप में अंतिम है" in flashes
    # tab B, with other text, is not overwritten and not lost
    resp = finalise(clerk, f.id, "दूसरे टैब का पाठ", 1)
    soup = check_page(resp)
    assert resp.status_code == 409 and "कुछ भी अधिलेखित नहीं" in soup.get_text()
    assert soup.find("textarea", id="note-body").get_text().strip() == "दूसरे टैब का पाठ"
    resp = autosave(clerk, f.id, "दूसरे टैब का पाठ", 1)
    assert resp.status_code == 409
    assert [n.body for n in finals(db, f.id)] == ["पहला पाठ, अंतिम"]


def test_no_writing_in_a_file_one_no_longer_holds(clerk, demo, login):  # noqa: F811
    db = demo
    f = new_file(clerk, db)
    autosave(clerk, f.id, "भेजने से पहले लिखा", 0)
    send(clerk, "file", f.id, post_id(db, "अनु.अधि.-राज"))
    resp = finalise(clerk, f.id, "भेजने से पहले लिखा, अब अंतिम", 1)
    soup = check_page(resp)
    assert resp.status_code == 409 and "आपके पास नहीं है" in soup.get_text()
    assert "भेजने से पहले लिखा, अब अंतिम" in soup.get_text()  # kept on the page
    assert not finals(db, f.id)
    assert db.session.scalar(select(Note.body).where(Note.file_id == f.id)) == "भेजने से पहले लिखा"
    # someone who may not see the file cannot write in it either
    other = login("clerk.arms")
    assert autosave(other, f.id, "x", 0).status_code == 404


def test_final_notes_cannot_be_changed_even_by_the_database_user(clerk, demo):
    db = demo
    f = new_file(clerk, db)
    finalise(clerk, f.id, "अंतिम टिप्पणी", 0)
    note_id = db.session.scalar(select(Note.id).where(Note.file_id == f.id))
    for sql in ("UPDATE note SET body = 'बदला' WHERE id = :i", "DELETE FROM note WHERE id = :i"):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(sql), {"i": note_id})
    assert db.session.scalar(select(func.count()).select_from(Note)) == 1


def test_the_autosave_of_leaving_the_box_and_the_final_click_do_not_collide(clerk, demo):
    """Clicking "final" right after typing fires an autosave (blur) with the same text and the
    same version as the click: whichever arrives first, one final note and no stray draft."""
    db = demo
    f = new_file(clerk, db)
    # the autosave first: the click, with the page's old version 0, still goes through
    assert autosave(clerk, f.id, "पहली टिप्पणी", 0).status_code == 200
    assert finalise(clerk, f.id, "पहली टिप्पणी", 0).status_code == 302
    # the click first: the late autosave does not make a new draft of the final text
    assert finalise(clerk, f.id, "दूसरी टिप्पणी", 0).status_code == 302
    assert autosave(clerk, f.id, "दूसरी टिप्पणी", 0).status_code == 200
    assert [n.body for n in finals(db, f.id)] == ["पहली टिप्पणी", "दूसरी टिप्पणी"]
    drafts = db.session.scalar(
        select(func.count(Note.id)).where(Note.file_id == f.id, Note.status == "draft")
    )
    assert drafts == 0
    # a different text from a stale page is still a conflict, kept on the page
    autosave(clerk, f.id, "तीसरी", 0)
    resp = autosave(clerk, f.id, "किसी और टैब का पाठ", 0)
    assert resp.status_code == 409


def test_the_page_that_saved_the_draft_is_never_in_conflict_with_itself(clerk, demo):
    """On 2G the page's autosave of half the text may not be answered when "final" is pressed
    with all of it and the page's old version: the same page (its form's token) goes through,
    and the answer to its late autosave leaves no stray draft; another tab is still refused."""
    db = demo
    f = new_file(clerk, db)
    page = clerk.page(f"/files/{f.id}")
    tab_a = page.find("input", attrs={"name": "editor"})["value"]
    tab_b = clerk.page(f"/files/{f.id}").find("input", attrs={"name": "editor"})["value"]
    assert len(tab_a) >= 16 and tab_a != tab_b  # one token per page shown
    assert autosave(clerk, f.id, "आधा पाठ", 0, tab_a).status_code == 200  # answer still on the way
    assert finalise(clerk, f.id, "दूसरे टैब से", 0, tab_b).status_code == 409  # another page
    assert finalise(clerk, f.id, "आधा पाठ, फिर पूरा", 0, tab_a).status_code == 302
    assert autosave(clerk, f.id, "आधा पाठ, फिर", 1, tab_a).status_code == 200  # late, dropped
    assert [n.body for n in finals(db, f.id)] == ["आधा पाठ, फिर पूरा"]
    assert not db.session.scalar(
        select(func.count(Note.id)).where(Note.file_id == f.id, Note.status == "draft")
    )
    # the page shown after "final" starts a new draft; a token that is not one of ours
    # (huge, markup, empty, spaced) counts as none, so a stale page stays refused
    tab_c = clerk.page(f"/files/{f.id}").find("input", attrs={"name": "editor"})["value"]
    assert autosave(clerk, f.id, "नया मसौदा", 0, tab_c).status_code == 200
    for junk in ("x" * 5000, "<b>" * 8, "", "a b c d e f g h i j"):
        assert autosave(clerk, f.id, "किसी और का पाठ", 0, junk).status_code == 409
    assert (
        db.session.scalar(select(Note.body).where(Note.file_id == f.id, Note.status == "draft"))
        == "नया मसौदा"
    )


def test_file_search_takes_hostile_input(clerk, demo):
    """Search by number or subject: pasted zero-width characters, typed LIKE wildcards, mixed
    script, a huge query and markup each get a plain answer in Hindi."""
    db = demo
    new_file(clerk, db, subject="ग्राम बिरधा: चकमार्ग (chak road) पर अतिक्रमण")

    def found(q: str) -> str:
        return clerk.page("/files/", query_string={"scope": "mine", "q": q}).find("main").get_text()

    assert "चकमार्ग" in found("चकमार्ग\u200b")  # a zero-width space pasted with the word
    assert "चकमार्ग" in found("CHAK ROAD")  # English part, any case
    assert "यहाँ कुछ नहीं है" in found("%")  # a typed % is a character, not "anything"
    assert "यहाँ कुछ नहीं है" in found("_")
    assert "यहाँ कुछ नहीं है" in found("x" * 5000)
    page = clerk.page("/files/", query_string={"scope": "mine", "q": "<script>x</script>"})
    assert page.find("script", string="x") is None
