"""Dak: diarising letters, with real scans and hostile uploads."""

import io
import re
import unicodedata
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from eoffice.platform.audit import AuditEvent
from eoffice.platform.clock import today as india_today
from eoffice.receipts.models import Receipt
from tests import samples
from tests.html import check_page


def files_in(app) -> set[Path]:
    return {p for p in Path(app.config["STORAGE_DIR"]).rglob("*") if p.is_file()}


def form(**over):
    data = {
        "key": str(uuid.uuid4()),
        "sender_name": "रमेश चंद्र",
        "sender_address": "ग्राम बिरधा, ललितपुर",
        "letter_number": "प्रा/12/2026",
        "received_on": india_today().isoformat(),
        "mode": "hand",
        "language": "hi",
        "subject": "शस्त्र लाइसेंस नवीनीकरण हेतु",
        "category": "0",
        "grading": "normal",
        "priority": "immediate",
        "citizen_mobile": "+91 94150-12345",
    }
    data.update(over)
    return data


def diarise(client, **over):
    return client.submit("/receipts/new", form(**over), content_type="multipart/form-data")


def receipt_count(db) -> int:
    return db.session.scalar(select(func.count(Receipt.id)))


@pytest.fixture
def clerk(client, demo):
    client.login("clerk.revenue")
    return client


def test_diarise_a_photographed_letter(app, clerk, demo):
    resp = diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "पत्र-फ़ोटो.jpg")])
    assert resp.status_code == 302, resp.get_data(as_text=True)[:3000]
    soup = clerk.page(resp.location)
    year = india_today().year
    assert soup.h1.get_text() == f"आवती कले/{year}/000001"
    assert f"पंजीकृत। डायरी संख्या: कले/{year}/000001" in soup.get_text()
    r = demo.session.scalar(select(Receipt))
    assert r.citizen_mobile == "9415012345" and r.document.pages == 1 and r.ocr_status == "pending"
    # a page at a time, small enough for 2G
    page = clerk.page(f"/receipts/{r.id}/pages/1")
    img = clerk.get(page.find("img", class_="scan")["src"])
    assert img.mimetype == "image/jpeg" and len(img.data) <= 60_000
    pdf = clerk.get(f"/receipts/{r.id}/document.pdf")
    assert len(PdfReader(io.BytesIO(pdf.data)).pages) == 1
    ack = clerk.page(f"/receipts/{r.id}/acknowledgement")
    assert f"कले/{year}/000001" in ack.get_text() and ack.h1.get_text() == "पावती"
    assert (
        demo.session.scalar(select(AuditEvent).where(AuditEvent.action == "diarise")).object_id
        == r.id
    )
    assert "कले/" in clerk.page("/receipts/").find("table").get_text()


def test_diarise_a_physical_letter_and_numbers_follow_on(clerk, demo):
    resp = diarise(clerk, is_physical_only="y")
    assert resp.status_code == 302
    resp = diarise(clerk, is_physical_only="y", subject="Land record correction — खसरा संख्या 112")
    soup = clerk.page(resp.location)
    assert soup.h1.get_text().endswith("/000002")
    assert "केवल भौतिक पत्र: कोई स्कैन नहीं।" in soup.get_text()


def test_several_photos_become_one_pdf_and_exif_rotation_is_applied(clerk, demo):
    resp = diarise(
        clerk,
        scan=[
            (io.BytesIO(samples.letter_photo(rotate_exif=True)), "page1.jpg"),
            (io.BytesIO(samples.letter_photo()), "page2.jpg"),
        ],
    )
    assert resp.status_code == 302
    r = demo.session.scalar(select(Receipt))
    assert r.document.pages == 2
    page = PdfReader(io.BytesIO(clerk.get(f"/receipts/{r.id}/document.pdf").data)).pages[0]
    assert page.mediabox.height > page.mediabox.width  # upright, as the person saw it


def test_javascript_and_attachments_are_stripped(clerk, demo):
    resp = diarise(clerk, scan=[(io.BytesIO(samples.pdf_with_javascript()), "js.pdf")])
    assert resp.status_code == 302
    r = demo.session.scalar(select(Receipt))
    data = clerk.get(f"/receipts/{r.id}/document.pdf").data
    assert b"/JavaScript" not in data and b"/OpenAction" not in data and b"payload" not in data


HOSTILE = {
    "empty": (b"", "खाली.pdf", "फ़ाइल खाली है।"),
    "html renamed": (
        b"<html><script>alert(1)</script></html>",
        "letter.pdf",
        "केवल पीडीएफ़, जेपीईजी या पीएनजी",
    ),
    "truncated": (samples.pdf(3)[:300], "कटा.pdf", "यह पीडीएफ़ क्षतिग्रस्त है"),
    "encrypted": (samples.encrypted_pdf(), "locked.pdf", "पासवर्ड से सुरक्षित"),
    "page-tree loop": (samples.page_tree_loop_pdf(), "loop.pdf", "यह पीडीएफ़ क्षतिग्रस्त है"),
    "60000x60000 image": (samples.huge_image_png(), "bomb.png", "फ़ोटो में बहुत अधिक पिक्सेल हैं।"),
    "exe": (b"MZ\x90\x00" + b"\x00" * 100, "scan.jpg", "केवल पीडीएफ़, जेपीईजी या पीएनजी"),
    # cheap to send, costly to draw: refused before a page is drawn
    "rectangle bomb": (samples.rectangle_bomb_pdf(), "bomb.pdf", "फ़ाइल संसाधित नहीं हो सकी"),
    "60000 px tall photo": (samples.tall_photo(), "tall.jpg", "पृष्ठ का आकार नहीं"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_upload_is_refused_without_a_trace(app, clerk, demo, name):
    blob, filename, message = HOSTILE[name]
    before = files_in(app)
    resp = diarise(clerk, scan=[(io.BytesIO(blob), filename)], sender_name="Mixed नाम Sharma")
    assert resp.status_code == 400
    soup = check_page(resp)  # the form again, checked like any page
    assert message in soup.get_text() and "आपकी भरी जानकारी सुरक्षित है" in soup.get_text()
    assert soup.find("input", id="sender_name")["value"] == "Mixed नाम Sharma"
    assert receipt_count(demo) == 0 and files_in(app) == before
    # no diary number was burnt: the next letter gets 000001
    resp = diarise(clerk, is_physical_only="y")
    assert clerk.page(resp.location).h1.get_text().endswith("/000001")


def test_a_200_mb_body_gets_a_clear_message(app, clerk, demo):
    big = io.BytesIO(b"%PDF-1.4\n" + b"0" * (200 * 1024 * 1024))
    resp = diarise(clerk, scan=[(big, "huge.pdf")])
    assert resp.status_code == 413
    assert "अपलोड की गई फ़ाइल बहुत बड़ी है।" in resp.get_data(as_text=True)
    assert receipt_count(demo) == 0


@pytest.mark.parametrize(
    "over, message",
    [
        ({"subject": " \u200b\u200c  ", "is_physical_only": "y"}, "पत्र का विषय दर्ज करें।"),
        ({"sender_name": "", "is_physical_only": "y"}, "प्रेषक का नाम दर्ज करें।"),
        (
            {
                "received_on": (india_today() + timedelta(days=3)).isoformat(),
                "is_physical_only": "y",
            },
            "प्राप्ति तिथि भविष्य की नहीं हो सकती।",
        ),
        (
            {"citizen_mobile": "12345", "is_physical_only": "y"},
            "10 अंकों का भारतीय मोबाइल नंबर दर्ज करें।",
        ),
        ({"subject": "क" * 1001, "is_physical_only": "y"}, "अधिकतम 1000 अक्षर।"),
        ({}, "स्कैन या फ़ोटो संलग्न करें, या 'केवल भौतिक पत्र' चुनें।"),
        ({"received_on": "31-31-2026", "is_physical_only": "y"}, "सही तिथि दर्ज करें।"),
        ({"received_on": "0001-01-01", "is_physical_only": "y"}, "बहुत पुरानी है"),
        ({"letter_date": "0001-01-01", "is_physical_only": "y"}, "बहुत पुरानी है"),
        ({"mode": "pigeon", "is_physical_only": "y"}, "विकल्पों में से कोई एक चुनें।"),
        ({"category": "abc", "is_physical_only": "y"}, "विकल्पों में से कोई एक चुनें।"),
    ],
)
def test_form_errors_are_clear_and_keep_what_was_typed(clerk, demo, over, message):
    resp = diarise(clerk, **over)
    assert resp.status_code == 400
    assert message in check_page(resp).get_text()  # also: no English leaks onto the Hindi page
    assert receipt_count(demo) == 0


def test_text_is_normalised(clerk, demo):
    # decomposed nukta (क + ़) and a zero-width joiner pasted from a chat app
    # precomposed क़ (U+0958) and क + nukta: one stored form (NFC decomposes U+0958)
    diarise(
        clerk,
        is_physical_only="y",
        subject="ज़मीन\u200d  विवाद  —  Khasra 12",
        sender_name="\u0958ाज़ी",
    )
    diarise(clerk, is_physical_only="y", subject="x", sender_name="\u0915\u093cाज़ी")
    first, second = demo.session.scalars(select(Receipt).order_by(Receipt.id)).all()
    assert first.subject == "ज़मीन विवाद — Khasra 12"
    assert first.sender_name == second.sender_name == unicodedata.normalize("NFC", "\u0958ाज़ी")


def test_double_submission_makes_one_receipt(clerk, demo):
    data = form(is_physical_only="y")
    first = clerk.submit("/receipts/new", data, content_type="multipart/form-data")
    again = clerk.submit("/receipts/new", data, content_type="multipart/form-data")
    assert first.location == again.location
    assert "यह पत्र पहले ही" in clerk.page(again.location).get_text()
    assert receipt_count(demo) == 1


def test_receipts_are_private_to_their_office_and_grading(client, demo):
    client.login("clerk.revenue")
    resp = diarise(client, is_physical_only="y", grading="confidential")
    secret_url = resp.location
    resp = diarise(client, is_physical_only="y")
    normal_url = resp.location
    client.submit("/logout", {}, form_page="/")
    client.login("so.revenue")  # section officer of the same office
    assert client.get(normal_url).status_code == 200
    assert client.get(secret_url).status_code == 404
    client.submit("/logout", {}, form_page="/")
    client.login("clerk.tehsil")  # another office
    assert client.get(normal_url).status_code == 404
    assert client.get(normal_url + "/document.pdf").status_code == 404


def test_diary_numbers_are_per_office_and_year(client, demo):
    client.login("clerk.tehsil")
    resp = diarise(client, is_physical_only="y")
    assert re.search(r"तह-सद/\d{4}/000001", client.page(resp.location).h1.get_text())
    last_year = date(india_today().year - 1, 12, 31).isoformat()
    resp = diarise(client, is_physical_only="y", received_on=last_year)
    assert client.page(resp.location).h1.get_text().endswith(f"{india_today().year - 1}/000001")


def test_htmx_submission_gets_hx_redirect_not_a_302(clerk, demo):
    token = clerk.csrf("/receipts/new")
    resp = clerk.post(
        "/receipts/new",
        data={"csrf_token": token, **form(is_physical_only="y")},
        headers={"HX-Request": "true"},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 200 and resp.headers["HX-Redirect"].startswith("/receipts/")


def jobs_for(db, receipt_id: int) -> list[str]:
    from sqlalchemy import text

    return db.session.scalars(
        text("SELECT status FROM procrastinate_jobs WHERE args->>'receipt_id' = :id"),
        {"id": str(receipt_id)},
    ).all()


def test_ocr_job_is_enqueued_with_the_receipt_only(clerk, demo):
    diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")])
    diarise(clerk, is_physical_only="y")
    scanned, physical = demo.session.scalars(select(Receipt).order_by(Receipt.id)).all()
    assert jobs_for(demo, scanned.id) == ["todo"] and jobs_for(demo, physical.id) == []
    page = clerk.page(f"/receipts/{scanned.id}").get_text()
    assert "स्कैन से पाठ पढ़ा जा रहा है" in page


def test_failed_ocr_is_shown_not_hidden(clerk, demo):
    from sqlalchemy import text

    diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")])
    r = demo.session.scalar(select(Receipt))
    demo.session.execute(
        text(
            "UPDATE procrastinate_jobs SET status = 'failed', attempts = 4 WHERE args->>'receipt_id' = :id"
        ),
        {"id": str(r.id)},
    )
    demo.session.commit()
    assert "कई प्रयासों के बाद भी" in clerk.page(f"/receipts/{r.id}").get_text()


def test_ocr_reads_hindi_from_a_photographed_letter():
    from eoffice.documents.sanitise import run_sanitiser
    from eoffice.receipts.jobs import ocr_pdf

    clean = run_sanitiser(
        [samples.letter_photo(rotate_exif=True)], max_pages=5, max_pixels=40_000_000
    )
    text = ocr_pdf(clean.pdf)
    assert "शस्त्र लाइसेंस" in text and "ललितपुर" in text


def test_confidential_pages_and_pdfs_are_never_kept_by_the_browser(clerk, demo):
    """A shared office PC keeps no confidential page image or PDF (no-store); a normal one is
    content-addressed and kept. The download has a readable name."""
    photo = [(io.BytesIO(samples.letter_photo()), "photo.jpg")]
    secret = diarise(clerk, grading="confidential", scan=photo).location
    normal = diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "photo.jpg")]).location
    for url, want in ((secret, "no-store"), (normal, "immutable")):
        img = clerk.get(url + "/pages/1.jpg")
        assert img.status_code == 200 and want in img.headers["Cache-Control"], url
    pdf = clerk.get(secret + "/document.pdf")
    assert pdf.headers["Cache-Control"] == "no-store"
    disposition = clerk.get(normal + "/document.pdf").headers["Content-Disposition"]
    assert 'filename="eoffice-2026-' in disposition or 'filename="eoffice-' in disposition
    assert "filename*=UTF-8''%E0%A4%95%E0%A4%B2%E0%A5%87-" in disposition  # कले-…
    assert "--" not in disposition.split(";")[1]


def test_hsts_when_served_over_https(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        assert "max-age=31536000" in client.get("/login").headers["Strict-Transport-Security"]
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False
    assert "Strict-Transport-Security" not in client.get("/login").headers


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children: unlike the wall clock, it does not
    grow when a busy CI machine makes the test wait its turn (the budgets' wall-clock figures
    are measured in bench/, not here)."""
    import resource

    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def test_a_rectangle_bomb_is_refused_by_its_size_not_by_the_cpu_limit():
    from eoffice.documents.sanitise import Rejected, run_sanitiser

    t0 = _cpu_seconds()
    with pytest.raises(Rejected) as refused:
        run_sanitiser([samples.rectangle_bomb_pdf()], max_pages=300, max_pixels=40_000_000)
    assert refused.value.code == "too_complex"
    assert _cpu_seconds() - t0 < 5  # the child's limit is 20 CPU seconds: it never got there


def test_an_ocr_bomb_is_rendered_within_the_pixel_cap():
    from eoffice.documents.sanitise import run_sanitiser
    from eoffice.receipts.jobs import OCR_MAX_PIXELS, ocr_pdf, ocr_scale

    scale = ocr_scale(7200, 7200)
    assert (7200 * scale) ** 2 <= OCR_MAX_PIXELS * 1.001
    assert ocr_scale(595, 842) == 300 / 72  # an A4 page keeps its 300 dpi
    clean = run_sanitiser([samples.huge_page_pdf()], max_pages=5, max_pixels=40_000_000)
    assert len(clean.previews[0]) <= 60_000
    t0 = _cpu_seconds()
    assert ocr_pdf(clean.pdf) == ""
    assert _cpu_seconds() - t0 < 20  # rendering and reading a capped page, in CPU seconds


def test_previews_always_fit_the_60_kb_cap():
    from PIL import Image

    from eoffice.documents.sanitise import PREVIEW_MAX_BYTES, preview_jpeg

    noise = Image.effect_noise((900, 1800), 120).convert("L")  # a page of pure grain
    assert len(preview_jpeg(noise)) <= PREVIEW_MAX_BYTES


def test_uploads_beyond_the_heavy_slots_are_told_busy(app, clerk, demo):
    """All places for heavy work taken (held here from other connections, as other workers
    would): the upload is refused at once with a clear message, the form kept."""
    from tests.conftest import slots_taken

    with slots_taken(app, "heavy", app.config["HEAVY_SLOTS"]):
        resp = diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")])
        assert resp.status_code == 400
        soup = check_page(resp)
        assert "सर्वर अन्य अपलोड की जाँच में व्यस्त है" in soup.get_text()
        assert soup.find("input", id="sender_name")["value"] == "रमेश चंद्र"
        assert receipt_count(demo) == 0
    resp = diarise(clerk, scan=[(io.BytesIO(samples.letter_photo()), "p.jpg")])
    assert resp.status_code == 302, check_page(resp).find(class_="error").get_text()


FORBIDDEN = {
    "/JS", "/JavaScript", "/Launch", "/URI", "/RichMedia", "/EmbeddedFile", "/EmbeddedFiles",
    "/SubmitForm", "/ImportData", "/GoToR", "/GoToE", "/Movie", "/Sound", "/Rendition", "/AA",
    "/OpenAction", "/Next", "/XFA",
}  # fmt: skip


def _walk_pdf(data: bytes) -> tuple[list[str], set[int]]:
    """(every forbidden name or javascript: string found in any object, objects reachable from
    nobody): an independent walk of the file's whole cross-reference table."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    reader = PdfReader(io.BytesIO(data))
    found: list[str] = []
    numbers = {num for gen in reader.xref.values() for num in gen}
    numbers |= set(getattr(reader, "xref_objStm", {}))

    def visit(obj, seen: set[int]):
        stack = [obj]
        while stack:
            o = stack.pop()
            if isinstance(o, IndirectObject):
                if o.idnum in seen:
                    continue
                seen.add(o.idnum)
                stack.append(o.get_object())
            elif isinstance(o, DictionaryObject):
                for k, v in o.items():
                    if k in FORBIDDEN:
                        found.append(k)
                    stack.append(v)
            elif isinstance(o, ArrayObject):
                stack.extend(o)
            elif isinstance(o, NameObject) and o in FORBIDDEN:
                found.append(str(o))
            elif isinstance(o, str) and o.strip().lower().startswith("javascript:"):
                found.append(o)

    reachable: set[int] = set()
    visit(reader.trailer.raw_get("/Root"), reachable)
    if "/Info" in reader.trailer:
        visit(reader.trailer.raw_get("/Info"), reachable)
    everything: set[int] = set(reachable)
    for num in numbers:  # the unreferenced ones too: they are in the file all the same
        if num not in everything:
            visit(IndirectObject(num, 0, reader), everything)
    return found, numbers - reachable


def test_the_walker_sees_active_content_in_the_raw_file():
    found, _ = _walk_pdf(samples.active_content_pdf())
    assert {"/AA", "/Next", "/JavaScript", "/RichMedia", "/Launch"} <= set(found)
    assert "javascript:alert(1)" in found


def test_no_stored_pdf_keeps_active_content_or_unreferenced_objects(app, clerk, demo):
    """Every object of every PDF in the store: no action but plain internal links, no embedded
    file or media, nothing unreferenced (the Launch annotation's object used to stay)."""
    from eoffice.platform import storage

    resp = diarise(clerk, scan=[(io.BytesIO(samples.active_content_pdf()), "active.pdf")])
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    diarise(clerk, scan=[(io.BytesIO(samples.pdf_with_javascript()), "js.pdf")])
    receipts = demo.session.scalars(select(Receipt).order_by(Receipt.id)).all()
    assert len(receipts) == 2
    stored = [(r.diary_number, r.document.sha256) for r in receipts]
    for number, sha in stored:
        with app.app_context():
            data = storage.read(sha)
        found, orphans = _walk_pdf(data)
        assert not found, (number, found)
        assert not orphans, (number, orphans)
    first_sha = stored[0][1]
    # the plain internal link is kept
    from pypdf import PdfReader

    with app.app_context():
        kept = PdfReader(io.BytesIO(storage.read(first_sha))).pages[0].get("/Annots")
    assert kept is not None and len(kept) == 1


def test_one_clerks_pile_of_scans_does_not_hold_back_anothers_dak(app, clerk, demo):
    """Sixty scans from one clerk kept the only OCR worker busy while every other receipt
    waited: each of a user's jobs now goes behind the ones they already have queued, so
    another user's first scan is read next. The order is the worker's own fetch's."""
    from sqlalchemy import text

    from tests.conftest import Client

    photo = samples.letter_photo()
    for _ in range(3):
        diarise(clerk, scan=[(io.BytesIO(photo), "p.jpg")])
    other = Client(app.test_client())
    other.login("clerk.arms")
    assert diarise(other, scan=[(io.BytesIO(photo), "p.jpg")]).status_code == 302
    r1, r2, r3, r4 = demo.session.scalars(select(Receipt).order_by(Receipt.id)).all()
    assert r4.created_by_id != r1.created_by_id
    worker = demo.session.execute(text("SELECT procrastinate_register_worker_v1()")).scalar_one()
    order = []
    for _ in range(4):
        job = demo.session.execute(
            text("SELECT * FROM procrastinate_fetch_job_v2(ARRAY['ocr'], :w)"), {"w": worker}
        ).one()
        order.append(job.args["receipt_id"])
        demo.session.execute(
            text("SELECT procrastinate_finish_job_v1(:id, 'succeeded', false)"), {"id": job.id}
        )
    assert order == [r1.id, r4.id, r2.id, r3.id]
