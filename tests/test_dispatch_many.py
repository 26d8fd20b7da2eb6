"""One letter, many recipients (#27): the addressee and each प्रतिलिपि each go their own way —
post, by hand, email, e-Office to a post or to an office's dak desk — under one number, with one
signed PDF; a forgotten copy is added later and a failed email retried, without a new letter;
e-Office arrivals land at the right desk and are new there."""

from __future__ import annotations

import contextlib
import io

from pypdf import PdfReader
from sqlalchemy import func, select

from eoffice.demo.files import LETTER_TEMPLATES
from eoffice.dispatch.jobs import send_dispatch_now
from eoffice.dispatch.models import Dispatch, DispatchRecipient
from eoffice.org.models import Office, Post
from eoffice.receipts.models import Receipt
from tests.conftest import Client
from tests.test_dispatch import issue, issued_pdf, recipient_form, signed_letter
from tests.test_movement import flash_text, login, post_id  # noqa: F401  (fixture)
from tests.test_notes import clerk  # noqa: F401  (fixture)
from tests.test_notifications import smtp  # noqa: F401  (fixture)
from tests.test_pdf import assert_hindi_extracts_exactly
from tests.test_signing import keys, the_pdf  # noqa: F401  (fixture)

COPIES = "1. मुख्य विकास अधिकारी, ललितपुर\n2) तहसीलदार, सदर\n(3) उपजिलाधिकारी, सदर\n४. खंड विकास अधिकारी, बार"


def office_id(db, code: str) -> int:
    return db.session.scalar(select(Office.id).where(Office.code == code))


def badge(c: Client) -> int:
    found = c.page("/").select_one("nav .badge")
    return int(found.get_text()) if found else 0


def test_one_letter_reaches_four_recipients_each_its_own_way(
    app, clerk, login, demo, keys, pki, smtp
):  # noqa: F811,E501
    db = demo
    # the demo office's standard letter: one paragraph, the enclosure, four copies (it ran to
    # two pages, the signature and the copies alone on the second)
    _hi, _en, addressee, body = LETTER_TEMPLATES[0]
    file_id, adm = signed_letter(
        clerk, login, db, keys, pki, addressee=addressee, body=body, copy_to=COPIES
    )
    page = adm.page(f"/files/{file_id}/letters/1/dispatch")
    # the addressee and the three copies typed on the letter are the rows, numbering stripped
    assert page.find("input", id="name0")["value"] == "तहसीलदार, सदर"
    assert page.find("input", id="name1")["value"] == "मुख्य विकास अधिकारी, ललितपुर"
    assert page.find("input", id="name3")["value"] == "उपजिलाधिकारी, सदर"
    assert page.find("input", id="name4")["value"] == "खंड विकास अधिकारी, बार"
    assert page.find("input", attrs={"name": "rows"})["value"] == "7"  # and two spare rows
    # the signed letter numbers the copies itself: "1." once, not "1. 1."; पत्रांक is the
    # office's letter number, never the internal D1
    pdf = the_pdf(app, db, file_id)
    signed = PdfReader(io.BytesIO(pdf))
    assert len(signed.pages) == 1  # the signature, its stamp and the copies stay with the body
    # its Hindi reads back as typed (copy-paste, search, screen readers), by poppler and pypdf
    assert_hindi_extracts_exactly(
        pdf, addressee, body, "ग्राम बिरधा में अतिक्रमण की जाँच", "कलेक्ट्रेट ललितपुर", "अंकुर श्रीवास्तव",
        "अपर जिलाधिकारी (वित्त एवं राजस्व)", "मुख्य विकास अधिकारी, ललितपुर", "तहसीलदार, सदर",
        "उपजिलाधिकारी, सदर", "खंड विकास अधिकारी, बार",
    )  # fmt: skip
    text = signed.pages[0].extract_text()
    assert "1. 1." not in text and "2) " not in text and "D1" not in text

    tehsildar, vikas = post_id(db, "तहसीलदार"), office_id(db, "विभ")
    resp = issue(
        adm, file_id, mode="post",
        name0="तहसीलदार, सदर", address0="तहसील परिसर, ललितपुर",
        mode1="email", name1="मुख्य विकास अधिकारी", email1="cdo.lalitpur@mail.example",
        mode2="eoffice", name2="", post2=str(tehsildar),
        mode3="eoffice", name3="", office3=str(vikas),
    )  # fmt: skip
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    (d,) = db.session.scalars(select(Dispatch)).all()
    rows = sorted(d.recipients, key=lambda r: r.id)
    assert [(r.mode, r.status, r.is_copy) for r in rows] == [
        ("post", "sent", False), ("email", "queued", True),
        ("eoffice", "delivered", True), ("eoffice", "delivered", True),
    ]  # fmt: skip

    # the email goes by the worker: the same signed bytes
    assert send_dispatch_now(app, d.id) == 1
    (msg,) = smtp.messages
    assert msg["To"] == "cdo.lalitpur@mail.example"
    assert [p.get_content() for p in msg.iter_attachments()] == [issued_pdf(app, d)]

    # e-Office to a post: the tehsildar's own inbox, new, from the collectorate's ADM
    arrivals = {r.office_id: db.session.get(Receipt, r.receipt_id) for r in rows[2:]}
    # every recipient has the same signed PDF, with the letter's one verification code
    assert {x.document.original_sha256 for x in arrivals.values()} == {d.pdf_sha256}
    to_tehsildar = arrivals[office_id(db, "तह-सद")]
    assert to_tehsildar.holder_post_id == tehsildar
    t = login("tehsildar")
    assert badge(t) == 1
    inbox = t.page("/inbox?unread=1").get_text(" ")
    assert to_tehsildar.diary_number in inbox and "कलेक्ट्रेट ललितपुर" in inbox
    assert to_tehsildar.diary_number not in login("sdm.sadar").page("/inbox").get_text()
    # e-Office to an office: its dak desk, as its admin named it
    to_vikas = arrivals[vikas]
    assert to_vikas.holder_post_id == post_id(db, "लिपिक-विका")
    assert badge(login("clerk.vikas")) == 1

    # opened: no longer new; the sender sees it opened
    page = t.page(f"/receipts/{to_tehsildar.id}").get_text(" ")
    assert "ई-ऑफिस, कलेक्ट्रेट ललितपुर की ओर से" in page
    assert badge(t) == 0

    # the register: a line per recipient; the file page says issued, not approved
    register = adm.page("/dispatch")
    assert len(register.select("table.stack tbody tr")) == 4
    assert "खोला गया" in register.get_text(" ") and "अभी खोला नहीं" in register.get_text(" ")
    letters = adm.page(f"/files/{file_id}").find(id="letters").get_text(" ")
    assert "जारी" in letters and d.number in letters and "अनुमोदित" not in letters


def test_a_forgotten_copy_is_added_later_and_a_failed_email_retried(
    app, clerk, login, demo, keys, pki, smtp
):  # noqa: F811,E501
    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    assert issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर").status_code == 302
    d = db.session.scalar(select(Dispatch))
    url = f"/files/{file_id}/letters/1/dispatch/recipients"
    form_page = f"/files/{file_id}/letters/1/dispatch"
    block = office_id(db, "ब्लॉक-बार")
    data = recipient_form("eoffice", {"name0": "", "office0": str(block)})
    resp = adm.submit(url, data, form_page=form_page)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:800]
    assert "1 और प्राप्तकर्ता" in flash_text(adm, resp)
    # the same form again (a slow link): refused by name, nothing doubled
    resp = adm.submit(url, data, form_page=form_page)
    assert resp.status_code == 400 and "पहले ही जा चुका" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(Dispatch.id))) == 1  # one letter, one number
    assert len(db.session.get(Dispatch, d.id).recipients) == 2
    arrival = db.session.scalar(select(Receipt).where(Receipt.from_dispatch_id == d.id))
    assert arrival.letter_number == d.number and arrival.holder_post_id == post_id(db, "लिपिक-ब्लॉक")

    # an email that fails (the mail server refuses the connection) is marked with why
    smtp_port = app.config["SMTP_PORT"]
    resp = adm.submit(
        url, recipient_form("email", {"name0": "सीडीओ", "email0": "cdo@mail.example"}),
        form_page=form_page,
    )  # fmt: skip
    assert resp.status_code == 302
    app.config["SMTP_PORT"] = 1  # nothing listens there
    with contextlib.suppress(OSError):
        send_dispatch_now(app, d.id)
    app.config["SMTP_PORT"] = smtp_port
    db.session.expire_all()
    failed = db.session.scalar(select(DispatchRecipient).where(DispatchRecipient.mode == "email"))
    assert failed.status == "failed" and failed.error
    page = adm.page(form_page)
    assert "ईमेल विफल" in page.get_text(" ")
    retry = page.find(
        "form", action=f"/files/{file_id}/letters/1/dispatch/recipients/{failed.id}/retry"
    )
    resp = adm.submit(retry["action"], {}, form_page=form_page)
    assert "फिर से भेजा जाएगा" in flash_text(adm, resp)
    assert send_dispatch_now(app, d.id) == 1
    db.session.expire_all()
    assert db.session.get(DispatchRecipient, failed.id).status == "sent"
    # retrying one that did not fail says so
    resp = adm.submit(retry["action"], {}, form_page=form_page)
    assert "विफल नहीं हुआ" in flash_text(adm, resp)

    # someone who neither holds the file nor the issuing post cannot add recipients
    other = login("so.arms")
    resp = other.post(url, data={"csrf_token": other.csrf("/"), **data})
    assert resp.status_code in (400, 404)
    assert len(db.session.get(Dispatch, d.id).recipients) == 3


def test_email_is_not_offered_without_a_mail_server(app, clerk, login, demo, keys, pki):  # noqa: F811
    db = demo
    assert not app.config.get("SMTP_HOST")
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    page = adm.page(f"/files/{file_id}/letters/1/dispatch")
    assert page.find("option", value="email") is None and page.find(id="email0") is None
    # sent anyway (an old form, a crafted post): refused in Hindi, no configuration named
    resp = issue(adm, file_id, mode="email", name0="सीडीओ", email0="cdo@mail.example")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "ईमेल नहीं भेजा जा सकता" in body
    assert "SMTP" not in body and "EOFFICE_" not in body
    assert db.session.scalar(select(func.count(Dispatch.id))) == 0


def test_e_office_refuses_a_vacant_post_and_an_office_without_a_dak_desk(
    app, clerk, login, demo, keys, pki
):  # noqa: F811,E501
    from eoffice.org.models import PostHolding

    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    vikas = db.session.get(Office, office_id(db, "विभ"))
    vikas.dak_post_id = None
    bdo = db.session.get(Post, post_id(db, "बीडीओ"))
    for h in db.session.scalars(select(PostHolding).where(PostHolding.post_id == bdo.id)):
        db.session.delete(h)
    db.session.commit()
    resp = issue(adm, file_id, mode="post", name0="तहसीलदार", address0="ललितपुर",
                 mode1="eoffice", office1=str(vikas.id))  # fmt: skip
    body = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "प्राप्तकर्ता 2" in body and "विकास भवन ललितपुर" in body
    assert "डाक डेस्क" in body
    resp = issue(adm, file_id, mode="post", name0="तहसीलदार", address0="ललितपुर",
                 mode1="eoffice", post1=str(bdo.id))  # fmt: skip
    assert resp.status_code == 400 and "रिक्त" in resp.get_data(as_text=True)
    # hostile rows: a post of no office of the district, a huge id, a mode that is none
    for row in ({"post1": "99999999999"}, {"post1": "1" * 40}, {"mode1": "fax", "name1": "x"}):
        resp = issue(adm, file_id, mode="post", name0="तहसीलदार", address0="ललितपुर",
                     **{"mode1": "eoffice", **row})  # fmt: skip
        assert resp.status_code == 400, row
    assert db.session.scalar(select(func.count(Dispatch.id))) == 0
    assert db.session.scalar(select(func.count(Receipt.id)).where(Receipt.mode == "eoffice")) == 0


def test_the_office_admin_names_the_dak_desk(app, login, demo):
    db = demo
    vikas = db.session.get(Office, office_id(db, "विभ"))
    admin = login("admin.vikas")
    url, form_page = f"/admin/offices/{vikas.id}/dak_desk", f"/admin/offices/{vikas.id}"
    cdo = post_id(db, "सीडीओ")
    resp = admin.submit(url, {"dak_post": str(cdo)}, form_page=form_page)
    assert resp.status_code == 302
    db.session.expire_all()
    assert db.session.get(Office, vikas.id).dak_post_id == cdo
    # a post of another office, none, junk: refused in Hindi, the desk unchanged
    for bad in (str(post_id(db, "लिपिक-डाक")), "", "abc", "9" * 30):
        resp = admin.submit(url, {"dak_post": bad}, form_page=form_page)
        assert resp.status_code == 400 and "डाक डेस्क के लिए" in resp.get_data(as_text=True), bad
    db.session.expire_all()
    assert db.session.get(Office, vikas.id).dak_post_id == cdo


def test_the_issued_letter_verifies_for_decades(app, clerk, login, demo, keys, pki):  # noqa: F811
    """PAdES B-LT at signing (a timestamp from the TSA, revocation data embedded), B-LTA at
    issue (a document timestamp): pyHanko's strict validation — AdES LTA, nothing fetched,
    revocation data required, only the trust root given — says valid now and with the clock
    past the signer certificate's expiry; poppler's pdfsig agrees; the pages say so. The TSA,
    OCSP responder and CRLs are certomancer's, over HTTP."""
    import subprocess
    import tempfile
    from datetime import timedelta

    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    from eoffice.signing import ltv
    from eoffice.signing.models import Signature

    db = demo
    root = asn1_x509.Certificate.load(pki.cert.public_bytes(serialization.Encoding.DER))
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    sig = db.session.scalar(select(Signature))
    assert sig.timestamped_at is not None  # B-LT: the TSA's time is in the signature
    assert "समय-मुद्रित" in adm.page(f"/files/{file_id}/letters/1/sign").get_text()
    assert issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर").status_code == 302
    d = db.session.scalar(select(Dispatch))
    d_id, code = d.id, d.draft.verification_code
    pdf = issued_pdf(app, d)
    now = ltv.strict_status(pdf, [root])
    assert now.valid and now.ltv_data and now.archive_timestamps == 1, now
    assert now.timestamped[0] is not None and d.archive_until == now.archive_until
    expiry = keys["adm"][1].not_valid_after_utc
    assert ltv.strict_status(pdf, [root], at=expiry + timedelta(days=1)).valid
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        out = subprocess.run(["pdfsig", f.name], capture_output=True, text=True).stdout
    # the officer's signature (pdfsig checks it; the document timestamp it only lists; whom to
    # trust it would take from an NSS database, which we do not give it)
    assert "Signature Validation: Signature is Valid." in out.split("Signature #2")[0], out
    assert "Timestamp" in out.split("Signature #2")[1]
    # the public page says how long it holds
    public = Client(app.test_client())
    page = public.page(f"/verify/{code}").get_text(" ")
    assert "दीर्घकालिक सत्यापन डेटा उपलब्ध" in page and "समय-मुद्रित" in page

    # the archive timestamp is renewed before it lapses: a new revision, the copy sent before
    # still recognised as this letter, still valid
    from eoffice.dispatch.services import due_for_renewal, renew_archive

    assert due_for_renewal(timedelta(days=1)) == []
    assert due_for_renewal(timedelta(days=365 * 20)) == [d_id]
    d = db.session.get(Dispatch, d_id)
    with app.test_request_context():
        renew_archive(d)
    db.session.commit()
    renewed = issued_pdf(app, d)
    assert renewed.startswith(pdf) and ltv.strict_status(renewed, [root]).archive_timestamps == 2
    assert ltv.strict_status(renewed, [root]).valid
    from eoffice.dispatch.services import is_this_letter

    with app.app_context():
        assert is_this_letter(pdf, d) and not is_this_letter(pdf[:-10] + b"0" * 10, d)


def test_without_a_tsa_a_letter_is_issued_at_b_b_and_says_so(app, clerk, login, demo, keys, pki):  # noqa: F811,E501
    """The same walk with no TSA configured: no timestamp, and strict validation — which
    needs proof of when the signature existed — does not pass (the check above can fail)."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    from eoffice.signing import ltv

    db = demo
    saved = app.config["TSA_URL"]
    app.config["TSA_URL"] = None
    try:
        file_id, adm = signed_letter(clerk, login, db, keys, pki)
        assert issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर").status_code == 302
    finally:
        app.config["TSA_URL"] = saved
    d = db.session.scalar(select(Dispatch))
    code = d.draft.verification_code
    root = asn1_x509.Certificate.load(pki.cert.public_bytes(serialization.Encoding.DER))
    status = ltv.strict_status(issued_pdf(app, d), [root])
    assert not status.valid and status.timestamped == [None] and d.archive_until is None
    page = Client(app.test_client()).page(f"/verify/{code}").get_text(" ")
    assert "समय-मुद्रण नहीं" in page


def test_hostile_recipient_forms_get_a_plain_answer(app, clerk, login, demo, keys, pki):  # noqa: F811
    """Row counts that are no number or huge, NUL bytes and zero-width characters, a retry of
    a recipient that does not exist: a message or a 404, never a 500, nothing half-saved."""
    db = demo
    file_id, adm = signed_letter(clerk, login, db, keys, pki)
    url = f"/files/{file_id}/letters/1/dispatch"
    for rows in ("abc", "99999999999999999999", "-3", ""):
        resp = adm.submit(url, {**recipient_form("post", {"name0": "x", "address0": "y"}),
                                "rows": rows})  # fmt: skip
        assert resp.status_code == 400 and "कम से कम एक प्राप्तकर्ता" in resp.get_data(as_text=True)
    # a NUL byte is refused before any view (eoffice.web.hostile); zero-width alone is no name
    assert issue(adm, file_id, mode="hand", name0="तहसीलदार\x00").status_code == 400
    resp = issue(adm, file_id, mode="post", name0="\u200b \u200c", address0="ललितपुर")
    assert resp.status_code == 400 and "प्राप्तकर्ता 1 का नाम आवश्यक" in resp.get_data(as_text=True)
    assert issue(adm, file_id, mode="hand", name0="तहसीलदार, सदर").status_code == 302
    for rid in ("999999", "99999999999999999999999"):
        resp = adm.submit(f"{url}/recipients/{rid}/retry", {}, form_page=url)
        assert resp.status_code in (302, 404), rid
    assert db.session.scalar(select(func.count(Dispatch.id))) == 1
