"""Dispatch (प्रेषण) of a signed letter, email to a real local SMTP server, the register, and the
public verification page."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select, text

from eoffice.dispatch.jobs import send_dispatch_now
from eoffice.dispatch.models import Dispatch, DispatchRecipient, VerifyAttempt
from eoffice.files.models import LetterDraft
from tests.conftest import Client
from tests.test_movement import flash_text, login  # noqa: F401  (fixture)
from tests.test_notes import clerk  # noqa: F401  (fixture)
from tests.test_notifications import smtp  # noqa: F401  (fixture)
from tests.test_signing import (
    add_soft,
    approved_letter,
    cred_id,
    keys,  # noqa: F401  (fixture)
    p12_of,
    sign_soft,
    the_pdf,
)


def signed_letter(clerk, login, db, keys, pki, **letter):
    file_id, adm = approved_letter(clerk, login, db, **letter)
    add_soft(adm, p12_of(keys, pki, "adm"))
    assert "मान्य है" in flash_text(adm, sign_soft(adm, file_id, cred_id(db, "adm.fr", "soft")))
    return file_id, adm


def issued_pdf(app, d) -> bytes:
    from eoffice.platform import storage

    with app.app_context():
        return storage.read(d.pdf_sha256)


def recipient_form(mode: str, fields: dict[str, str]) -> dict[str, str]:
    """The recipient rows of the dispatch form: `fields` as typed (name0, office1, mode2 …);
    every row without a mode of its own goes by `mode`."""
    n = 1 + max((int(re.search(r"\d+$", k).group()) for k in fields), default=0)
    data = {"rows": str(n)}
    for i in range(n):
        data.update({f"mode{i}": mode, f"name{i}": "", f"address{i}": "", f"email{i}": ""})
    data.update(fields)
    return data


def issue(c, file_id, mode="email", **fields):
    """Issue letter D1 of the file."""
    return c.submit(f"/files/{file_id}/letters/1/dispatch", recipient_form(mode, fields))


def test_issue_by_email_register_and_public_verification(app, clerk, login, demo, keys, pki, smtp):
    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    page = adm.page(f"/files/{file_id}/letters/1/dispatch")
    # the letter's addressee is offered as the first recipient
    assert page.find("input", id="name0")["value"] == "तहसीलदार, सदर"

    # hostile forms: nothing is issued, the message says why, what was typed stays
    resp = issue(adm, file_id, name0=" \u200b ")
    assert resp.status_code == 400 and "कम से कम एक प्राप्तकर्ता" in resp.get_data(as_text=True)
    resp = issue(adm, file_id, name0="तहसीलदार सदर", address0="ललितपुर")
    assert "ईमेल पता" in resp.get_data(as_text=True) and "तहसीलदार सदर" in resp.get_data(
        as_text=True
    )
    resp = issue(adm, file_id, name0="तहसीलदार", email0="not-an-email@")
    assert "मान्य नहीं" in resp.get_data(as_text=True)
    resp = issue(adm, file_id, mode="fax", name0="तहसीलदार")
    assert resp.status_code == 400
    assert db.session.scalar(select(func.count(Dispatch.id))) == 0

    resp = issue(adm, file_id, name0="तहसीलदार, सदर", email0="tehsildar.sadar@mail.example")
    assert resp.status_code == 302
    d = db.session.scalar(select(Dispatch))
    assert d.number.startswith("कले/प्रेषण/") and d.number.endswith("/000001")
    assert f"{d.number} के रूप में जारी" in flash_text(adm, resp)
    # a second click (slow link): no second dispatch
    issue(adm, file_id, name0="तहसीलदार, सदर", email0="tehsildar.sadar@mail.example")
    assert db.session.scalar(select(func.count(Dispatch.id))) == 1
    # found by a word of its subject, filtered to dispatches (issue #32: this answered 500)
    soup = adm.page("/search/", query_string={"q": "अतिक्रमण", "kind": "dispatch"})
    assert [a.get_text() for a in soup.select("ol.results li > a")] == [d.number]
    assert {t.get_text() for t in soup.select("ol.results .tag")} == {"प्रेषण"}
    job = db.session.execute(
        text("SELECT args FROM procrastinate_jobs WHERE task_name = 'eoffice:send_dispatch'")
    ).one()
    assert job.args == {"dispatch_id": d.id}

    # what the worker runs for that job: the signed PDF goes to the local SMTP server
    assert send_dispatch_now(app, d.id) == 1
    (msg,) = smtp.messages
    assert msg["To"] == "tehsildar.sadar@mail.example" and d.number in msg["Subject"]
    (attachment,) = [p for p in msg.iter_attachments()]
    pdf = attachment.get_content()
    # the letter as issued: the signed letter (a prefix) with its long-term data (B-LTA)
    assert pdf == issued_pdf(app, d) and pdf.startswith(the_pdf(app, db, file_id))
    code = db.session.scalar(
        select(LetterDraft.verification_code).where(LetterDraft.file_id == file_id)
    )
    assert f"/verify/{code}" in msg.get_body(("plain",)).get_content()
    db.session.expire_all()
    assert db.session.scalar(select(DispatchRecipient.status)) == "sent"

    # the register
    page = adm.page("/dispatch")
    assert d.number in page.get_text() and "ईमेल भेजा गया" in page.get_text()

    # the public page: no login, Hindi first
    public = Client(app.test_client())
    page = public.page(f"/verify/{code.lower().replace('-', '')}")
    body = page.get_text(" ")
    assert d.number in body and "कलेक्ट्रेट ललितपुर" in body
    assert "adm test signer (प्रमाणपत्र के अनुसार), पंजीकृत: अंकुर श्रीवास्तव" in body
    token = page.find("input", attrs={"name": "csrf_token"})["value"]

    def check(data):
        return public.post(
            f"/verify/{code}",
            data={"csrf_token": token, "pdf": (io.BytesIO(data), "letter.pdf")},
            content_type="multipart/form-data",
        ).get_data(as_text=True)

    assert "ठीक वही जारी पत्र है" in check(pdf)
    altered = bytearray(pdf)
    i = altered.index(b"/MediaBox")
    altered[i + 1] ^= 0x20
    assert "जारी पत्र नहीं है" in check(bytes(altered))
    assert "जारी पत्र नहीं है" in check(b"%PDF-1.4 garbage")


def test_unknown_codes_say_the_same_and_lookups_are_limited(app, clerk, login, demo, keys, pki):
    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    code = db.session.scalar(
        select(LetterDraft.verification_code).where(LetterDraft.file_id == file_id)
    )
    public = Client(app.test_client())
    assert "<script" not in public.get("/verify").get_data(as_text=True)  # plain HTML for 2G
    # signed but not issued: the same answer as a code that never existed (no oracle)
    a = public.get(f"/verify/{code}")
    b = public.get("/verify/ABCDE-23456")
    c = public.get("/verify/<script>alert(1)</script>")
    assert a.status_code == b.status_code == c.status_code == 404
    assert "इस कोड का कोई जारी पत्र नहीं" in a.get_data(as_text=True)
    strip = lambda r: r.get_data(as_text=True).split("<main")[1].split('value="')[0]  # noqa: E731
    assert strip(a) == strip(b)
    assert "<script>alert" not in c.get_data(as_text=True)
    for _ in range(18):  # 20 lookups in all (the script path is no code: routing refuses it)
        public.get("/verify/ABCDE-23456")
    assert public.get("/verify/ABCDE-23456").status_code == 429
    assert "10 मिनट" in public.get(f"/verify/{code}").get_data(as_text=True)
    assert db.session.scalar(select(func.count(VerifyAttempt.id))) == 20


def test_only_a_signed_letter_is_issued(clerk, login, demo):
    db = demo
    file_id, adm = approved_letter(clerk, login, db)
    resp = issue(adm, file_id, mode="post", name0="तहसीलदार", address0="ललितपुर")
    assert "हस्ताक्षर होना आवश्यक" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Dispatch.id))) == 0


def test_the_signed_copy_carries_its_dispatch_number(app, clerk, login, demo, keys, pki):
    """The number is reserved when the letter is first rendered for signing, printed on it,
    and issuing takes that same number; until then the register shows it as reserved."""
    import re

    from pypdf import PdfReader

    from tests.test_signing import the_pdf

    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == file_id))
    assert re.fullmatch(r"कले/प्रेषण/\d{4}/000001", draft.dispatch_number)
    text = PdfReader(io.BytesIO(the_pdf(app, db, file_id))).pages[0].extract_text()
    assert draft.dispatch_number.split("/", 2)[2] in text  # "2026/000001" under the signatures
    register = adm.page("/dispatch").get_text()
    assert "अभी जारी नहीं" in register and draft.dispatch_number in register
    assert draft.dispatch_number in adm.page(f"/files/{file_id}/letters/1/dispatch").get_text()

    assert issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर").status_code == 302
    d = db.session.scalar(select(Dispatch))
    assert (d.number, d.serial) == (draft.dispatch_number, 1)
    # the signed bytes, number included, unchanged: the issued letter only adds long-term data
    assert issued_pdf(app, d).startswith(the_pdf(app, db, d.file_id))
    assert "अभी जारी नहीं" not in adm.page("/dispatch").get_text()


def test_the_office_letterhead_and_dispatch_prefix_are_printed(app, clerk, login, demo, keys, pki):
    """Set by the office admin's form: the address under the office's name, and the word in
    the middle of its dispatch numbers."""
    import re

    from pypdf import PdfReader

    from eoffice.org.models import Office
    from tests.test_signing import the_pdf

    db = demo
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    nodal = Client(app.test_client())
    nodal.login("nodal")
    form = {
        "name_hi": office.name_hi, "name_en": office.name_en, "code": office.code,
        "kind": office.kind, "file_term": office.file_term,
        "file_number_pattern": office.file_number_pattern, "enquiry": office.enquiry or "",
        "letterhead": "सिविल लाइंस, ललितपुर — 284403", "dispatch_prefix": "पत्र-प्रेषण",
    }  # fmt: skip
    resp = nodal.submit(
        f"/admin/offices/{office.id}/details", form, form_page=f"/admin/offices/{office.id}"
    )
    assert resp.status_code == 302
    for bad in ("a/b", "x" * 17, "प्रेषण संख्या"):
        resp = nodal.submit(
            f"/admin/offices/{office.id}/details", {**form, "dispatch_prefix": bad},
            form_page=f"/admin/offices/{office.id}",
        )  # fmt: skip
        assert resp.status_code == 400 and "उपसर्ग" in resp.get_data(as_text=True), bad
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    draft = db.session.scalar(select(LetterDraft).where(LetterDraft.file_id == file_id))
    assert re.fullmatch(r"कले/पत्र-प्रेषण/\d{4}/000001", draft.dispatch_number)
    text = PdfReader(io.BytesIO(the_pdf(app, db, file_id))).pages[0].extract_text()
    assert "284403" in text


def test_the_register_does_not_query_per_line(app, clerk, login, demo, keys, pki, smtp):  # noqa: F811
    """Each line's letter, file and recipients come with the page (it ran three queries a
    line: 11 for one line, 19 for four)."""
    from tests.test_queries import queries

    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    assert issue(adm, file_id, mode="post", name0="तहसीलदार", address0="ललितपुर").status_code == 302
    one = queries(app, adm, "/dispatch")
    d = db.session.scalar(select(Dispatch))
    for n in range(2, 6):  # four more lines in the register, from other letters of the file
        draft = LetterDraft(file_id=file_id, serial=n, created_by_id=d.issued_by_id)
        db.session.add(draft)
        db.session.flush()
        more = Dispatch(
            office_id=d.office_id, year=d.year, serial=d.serial + n, number=f"{d.number}-{n}",
            draft_id=draft.id, file_id=file_id, subject=d.subject,
            pdf_sha256=d.pdf_sha256, issued_by_id=d.issued_by_id, post_id=d.post_id,
        )  # fmt: skip
        db.session.add(more)
        db.session.flush()
        db.session.add(
            DispatchRecipient(dispatch_id=more.id, mode="post", name="तहसीलदार", address="ललितपुर")
        )
    db.session.commit()
    page = adm.page("/dispatch")
    assert len(page.select("table.stack tbody tr")) == 5
    assert queries(app, adm, "/dispatch") == one, one
    # a line links to its letter only for someone who may open the file
    assert page.select_one("table.stack tbody a") is not None
    other = login("so.arms").page("/dispatch")
    assert len(other.select("table.stack tbody tr")) == 5
    assert other.select_one("table.stack tbody a") is None
