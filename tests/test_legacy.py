"""Old paper files brought in as scans (issue #30): a ZIP of three scanned old files with an
index becomes three e-files marked "पुरानी पत्रावली (स्कैन)", their old numbers kept and
searchable; every bad row is reported before anything is imported; running it again imports
nothing twice; hostile ZIPs get a plain answer."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from eoffice.admin import legacy
from eoffice.admin.models import LegacyImport
from eoffice.files.models import Correspondence, File
from eoffice.org.models import Office
from eoffice.org.services import actor_for
from tests import samples
from tests.test_movement import login, post_id  # noqa: F401  (fixture)


def upload(c, office_id, data, name="old-files.zip"):
    return c.submit(
        f"/admin/offices/{office_id}/legacy",
        {"zip": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def checked(app, db, imp_id):
    """What the job worker does with a new import: check it (its own transaction)."""
    with app.app_context():
        legacy.run_check(db.session.get(LegacyImport, imp_id))
        db.session.commit()


def imported(app, db, imp_id):
    with app.test_request_context():
        imp = db.session.get(LegacyImport, imp_id)
        assert legacy.run(actor_for(imp.by_user), imp)


def _office(db):
    return db.session.scalar(select(Office).where(Office.code == "कले"))


def test_three_old_files_become_e_files_once(app, login, demo):  # noqa: F811
    db = demo
    office = _office(db)
    bomb = b"\0" * (30 * 1024 * 1024)  # 30 MB of zeros: a few kB in the ZIP
    data = samples.old_files_zip(
        extra_rows=[
            ["", "संख्या नहीं", "भू-अभि", "2001", "राज", "लिपिक-राज", "", "1998-45.pdf"],
            ["रा-45/1998", "दोहराई गई", "भू-अभि", "1998", "राज", "लिपिक-राज", "", "1998-45.pdf"],
            ["रा-1/1999", "गलत शीर्ष", "नहीं", "1999", "राज", "लिपिक-राज", "", "1998-45.pdf"],
            ["रा-2/1999", "भविष्य का वर्ष", "भू-अभि", "3000", "राज", "लिपिक-राज", "", "1998-45.pdf"],
            ["रा-3/1999", "गलत पद", "भू-अभि", "1999", "राज", "कोई-नहीं", "X", "नहीं.pdf"],
            ["रा-4/1999", "बम", "भू-अभि", "1999", "राज", "लिपिक-राज", "", "bomb.pdf"],
            ["रा-5/1999", "ज़िप के बाहर", "भू-अभि", "1999", "राज", "लिपिक-राज", "", "../../etc/passwd"],
            ["रा-6/1999", "वर्ड फ़ाइल", "भू-अभि", "1999", "राज", "लिपिक-राज", "", "note.docx"],
        ],
        extra_entries={"bomb.pdf": bomb, "note.docx": b"PK\x03\x04 word"},
    )  # fmt: skip
    admin = login("nodal")
    resp = upload(admin, office.id, data)
    assert resp.status_code == 302
    imp = db.session.scalar(select(LegacyImport))
    assert imp.status == "checking"
    checked(app, db, imp.id)
    page = admin.page(f"/admin/legacy/{imp.id}")
    text = page.get_text(" ")
    assert "11 पंक्तियाँ: 3 आयात हेतु, 8 में त्रुटि, 0 पहले से" in text
    for words in ("पुरानी संख्या नहीं", "दो बार", "विषय शीर्ष नहीं", "वर्ष 1900", "ऐसा कोई पद",
                  "श्रेणी A, B", "ZIP में नहीं", "बहुत बड़ा", "PDF या फ़ोटो"):  # fmt: skip
        assert words in text, words
    assert not db.session.scalar(select(func.count(File.id)).where(File.legacy_number.is_not(None)))

    resp = admin.submit(f"/admin/legacy/{imp.id}/confirm", {}, form_page=f"/admin/legacy/{imp.id}")
    assert resp.status_code == 302
    again = admin.submit(f"/admin/legacy/{imp.id}/confirm", {}, form_page=f"/admin/legacy/{imp.id}")
    assert again.status_code == 302  # a double click: "already confirmed", one job
    imported(app, db, imp.id)
    files = {f.legacy_number: f for f in db.session.scalars(
        select(File).where(File.legacy_number.is_not(None)))}  # fmt: skip
    assert set(files) == {"रा-45/1998", "रा-112/2004", "रा-7/2011"}
    f = files["रा-112/2004"]
    assert f.year == 2004 and f.number.endswith("/2004") and f.status == "open"
    assert f.holder_post_id == post_id(db, "लिपिक-राज")
    [c] = db.session.scalars(select(Correspondence).where(Correspondence.file_id == f.id))
    assert c.title == "पुरानी पत्रावली (स्कैन)" and c.pages == 2  # two page photos
    closed = files["रा-7/2011"]
    assert (closed.status, closed.record_category, closed.retention_years) == ("closed", "C", 5)
    assert closed.review_year == 2016  # due for review: it is long past
    assert "3 आयात हुईं" in admin.page(f"/admin/legacy/{imp.id}").get_text()

    # the clerk finds it by its old number, in search and in the file list
    clerk = login("clerk.revenue")
    resp = clerk.get("/search/", query_string={"q": "रा-112/2004"})
    assert resp.status_code == 302 and resp.location.endswith(f"/files/{f.id}")
    page = clerk.page(f"/files/{f.id}").get_text()
    assert "रा-112/2004" in page and "पुरानी पत्रावली (स्कैन)" in page
    listed = clerk.page("/files/", query_string={"scope": "mine", "q": "रा-45"}).get_text()
    assert "चकबंदी विवाद" in listed

    # the same ZIP again: every good row is already in, nothing is imported twice
    upload(admin, office.id, data)
    second = db.session.scalar(select(LegacyImport).order_by(LegacyImport.id.desc()).limit(1))
    checked(app, db, second.id)
    assert "0 आयात हेतु, 8 में त्रुटि, 3 पहले से" in admin.page(f"/admin/legacy/{second.id}").get_text()
    second = db.session.get(LegacyImport, second.id)
    second.status = "importing"  # even if it were run, nothing comes in twice
    db.session.commit()
    imported(app, db, second.id)
    assert (
        db.session.scalar(select(func.count(File.id)).where(File.legacy_number.is_not(None))) == 3
    )


def test_hostile_uploads_get_a_plain_answer(app, login, demo):  # noqa: F811
    db = demo
    office = _office(db)
    admin = login("nodal")
    for data, words in [
        (b"", "ZIP फ़ाइल नहीं"),
        (b"%PDF-1.4 not a zip", "ZIP फ़ाइल नहीं"),
        (b"PK\x03\x04 broken", None),  # looks like a ZIP: fails when the worker reads it
    ]:
        resp = upload(admin, office.id, data)
        if words:
            assert resp.status_code == 400 and words in resp.get_data(as_text=True)
    imp = db.session.scalar(select(LegacyImport).order_by(LegacyImport.id.desc()).limit(1))
    checked(app, db, imp.id)
    assert "ZIP फ़ाइल नहीं" in admin.page(f"/admin/legacy/{imp.id}").get_text()
    # a ZIP without an index, and an index without the columns
    import zipfile

    for entries, words in [
        ({"a.pdf": samples.pdf()}, "कोई सूची"),
        ({"index.csv": "नाम,पता\nक,ख\n".encode()}, "स्तंभ नहीं"),
    ]:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for n, d in entries.items():
                z.writestr(n, d)
        assert upload(admin, office.id, buf.getvalue()).status_code == 302
        imp = db.session.scalar(select(LegacyImport).order_by(LegacyImport.id.desc()).limit(1))
        checked(app, db, imp.id)
        assert words in admin.page(f"/admin/legacy/{imp.id}").get_text()
    # strangers and huge ids
    assert login("clerk.revenue").get(f"/admin/legacy/{imp.id}").status_code in (403, 404)
    assert admin.get("/admin/legacy/99999999999999999999").status_code == 404


def test_a_folder_on_the_server_comes_in_by_the_command(app, demo, tmp_path):
    """`flask legacy import FOLDER`: a batch larger than one upload, from the server's disk;
    --dry-run reports and imports nothing; run twice, it imports nothing twice."""
    import zipfile

    db = demo
    folder = tmp_path / "पुरानी"
    with zipfile.ZipFile(io.BytesIO(samples.old_files_zip())) as z:
        z.extractall(folder)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["legacy", "import", str(folder), "--office", "कले", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "आयात हेतु: 3" in dry.output and "कुछ भी आयात नहीं" in dry.output
    assert not db.session.scalar(select(func.count(File.id)).where(File.legacy_number.is_not(None)))
    done = runner.invoke(args=["legacy", "import", str(folder), "--office", "कले"])
    assert done.exit_code == 0, done.output
    assert "आयात पूरा: 3 ई-पत्रावलियाँ" in done.output
    again = runner.invoke(args=["legacy", "import", str(folder), "--office", "कले"])
    assert "आयात पूरा: 0 ई-पत्रावलियाँ; पहले से: 3" in again.output
    assert (
        db.session.scalar(select(func.count(File.id)).where(File.legacy_number.is_not(None))) == 3
    )
    bad = runner.invoke(args=["legacy", "import", str(tmp_path), "--office", "नहीं"])
    assert bad.exit_code == 2
