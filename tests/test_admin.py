"""Administration: the first run (`flask setup`), staff lists imported from Excel or CSV with a
preview, one-time password slips, and hostile files."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select, text

from eoffice.admin import staff
from eoffice.admin.models import StaffImport
from eoffice.admin.names import login_base, verhoeff_ok
from eoffice.org.models import Office, Post, PostHolding, User
from eoffice.platform import audit
from tests.conftest import Client

HEADER_HI = [
    "क्रम",
    "नाम",
    "नाम अंग्रेज़ी में",
    "पदनाम",
    "अनुभाग",
    "मोबाइल",
    "आधार",
    "ईमेल",
    "कर्मचारी कोड",
    "पद",
]


def aadhaar(prefix: str) -> str:
    """A 12-digit number whose last digit is Aadhaar's Verhoeff check digit."""
    return next(prefix + d for d in "0123456789" if verhoeff_ok(prefix + d))


FULL = aadhaar("49911866524")  # shown nowhere, stored nowhere, but its last four


def rows_good() -> list[list[str]]:
    return [
        ["1", "सुरेश चंद्र मिश्र", "", "राजस्व निरीक्षक", "राज", "9451100001", FULL, "", "TS-101", "आरआई-1"],
        ["2", "कमला देवी", "Kamla Devi", "लेखपाल", "राजस्व अनुभाग", "+91 94511-00002", "", "kamla@mail.example", "TS-102", "लेखपाल-1"],
        ["3", "ज़ाकिर हुसैन", "", "लेखपाल", "राज", "094511 00003", "", "", "TS-103", "लेखपाल-2"],
        # a post that exists and is vacant? none in the demo tehsil: no post at all for this one
        ["4", "रामकिशोर यादव", "", "चपरासी", "", "9451100004", "", "", "TS-104", ""],
    ]  # fmt: skip


def rows_bad() -> list[list[str]]:
    return [
        ["5", "गलत मोबाइल", "", "लिपिक", "राज", "+91 98xx-xxx xxx", "", "", "TS-105", ""],
        ["6", "गलत आधार", "", "लिपिक", "राज", "9451100006", "234123412345", "", "TS-106", ""],
        ["7", '=HYPERLINK("http://evil.example","क्लिक")', "", "लिपिक", "राज", "9451100007", "", "", "TS-107", ""],
        ["8", "दोहरा व्यक्ति", "", "लिपिक", "राज", "9451100001", "", "", "TS-101", ""],
        ["9", "अज्ञात अनुभाग", "", "लिपिक", "भूमि अध्याप्ति", "9451100009", "", "", "TS-109", ""],
    ]  # fmt: skip


def xlsx(rows: list[list[str]], header=HEADER_HI) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows, header=HEADER_HI, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode(encoding, errors="replace")


@pytest.fixture
def nodal(client, demo):
    client.login("nodal")
    return client


def tehsil(db) -> Office:
    return db.session.scalar(select(Office).where(Office.code == "तह-सद"))


def upload(c, data: bytes, name: str, office_id: int | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if office_id:
        form["office"] = str(office_id)
    return c.submit("/admin/staff/import", form, content_type="multipart/form-data")


def users(db) -> int:
    return db.session.scalar(select(func.count(User.id)))


def test_names_become_login_ids_as_people_spell_them():
    assert login_base("रामकिशोर यादव") == "ramkishor.yadav"
    assert login_base("महेंद्र सिंह") == "mahendra.singh"
    assert login_base("सुरेश चंद्र मिश्र") == "suresh.chandra.mishra"
    assert login_base("ज़ाकिर हुसैन") == "zakir.husain"
    assert login_base("कमला देवी", "Kamla Devi") == "kamla.devi"
    assert login_base("\u200bअक्षय त्रिपाठी") == "akshay.tripathi"


def test_verhoeff_is_aadhaars_check():
    # the textbook example: 236's check digit is 3
    assert verhoeff_ok("2363") and not verhoeff_ok("2364")
    assert verhoeff_ok(FULL) and not verhoeff_ok(FULL[:-1] + str((int(FULL[-1]) + 1) % 10))


def test_import_previews_then_imports_and_prints_slips(app, nodal, demo):
    db = demo
    office = tehsil(db)
    before = users(db)
    resp = upload(nodal, xlsx(rows_good() + rows_bad()), "तहसील सदर कर्मचारी.xlsx", office.id)
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = nodal.page(resp.location)
    body = page.get_text()
    assert users(db) == before  # a preview saves no user
    assert "अभी पुष्टि नहीं" in body
    # what each bad row is told, in Hindi, by row
    assert "पंक्ति 6" in body and "10 अंकों" in body  # the masked mobile
    assert "पंक्ति 7" in body and "आधार संख्या मान्य नहीं" in body
    assert "पंक्ति 8" in body and "सूत्र" in body  # the =HYPERLINK cell
    assert "पंक्ति 9" in body and "पंक्ति 2" in body  # the same employee twice
    assert "पंक्ति 10" in body and "भूमि अध्याप्ति" in body
    assert "ramkishor.yadav" in body  # the login ID each new user will get
    assert f"XXXX XXXX {FULL[-4:]}" in body
    # the full Aadhaar number is nowhere: not on the page, not in the database
    assert FULL not in resp.get_data(as_text=True) + nodal.get(resp.location).get_data(as_text=True)
    for table in ("staff_import", "audit_event", "app_user"):
        dump = db.session.execute(text(f"SELECT string_agg(t::text, ' ') FROM {table} t")).scalar()
        assert FULL not in (dump or ""), table

    imp = db.session.scalar(select(StaffImport))
    confirm = page.find("form", action=f"/admin/staff/imports/{imp.id}/confirm")
    assert "4 पंक्तियाँ" in confirm.get_text() and "5 पंक्तियाँ" in confirm.get_text()
    resp = nodal.submit(
        f"/admin/staff/imports/{imp.id}/confirm", {}, form_page=f"/admin/staff/imports/{imp.id}"
    )
    assert resp.status_code == 302
    assert users(db) == before + 4
    # a second click on a slow link imports nothing more
    nodal.submit(
        f"/admin/staff/imports/{imp.id}/confirm", {}, form_page=f"/admin/staff/imports/{imp.id}"
    )
    assert users(db) == before + 4
    suresh = db.session.scalar(select(User).where(User.employee_id == "TS-101"))
    assert suresh.login_id == "suresh.chandra.mishra" and suresh.must_change_password
    assert suresh.aadhaar_last4 == FULL[-4:] and suresh.office_id == office.id
    kamla = db.session.scalar(select(User).where(User.employee_id == "TS-102"))
    assert kamla.mobile == "9451100002" and kamla.login_id == "kamla.devi"
    held = db.session.scalars(
        select(Post.abbreviation).join(PostHolding).where(PostHolding.user_id == suresh.id)
    ).all()
    assert held == ["आरआई-1"]
    post = db.session.scalar(select(Post).where(Post.abbreviation == "आरआई-1"))
    assert post.office_id == office.id and post.designation_hi == "राजस्व निरीक्षक"
    actions = db.session.scalars(
        text("SELECT action FROM audit_event WHERE action LIKE 'admin_%' ORDER BY id")
    ).all()
    assert actions.count("admin_user_create") == 4 and actions[-1] == "admin_staff_import"
    assert audit.verify()[1] is None  # the batch went into the chain in order

    # the slips: one per new user, with the one-time password that works
    page = nodal.page(f"/admin/staff/imports/{imp.id}")
    link = page.find("a", href=f"/admin/staff/imports/{imp.id}/slips.pdf")
    assert "(4," in link.get_text()
    pdf = nodal.get(link["href"])
    assert pdf.mimetype == "application/pdf" and pdf.headers["Cache-Control"] == "no-store"
    slip_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "suresh.chandra.mishra" in slip_text
    password = re.search(r"suresh\.chandra\.mishra\n[^\n]*\s([a-z2-9]{12})\n", slip_text).group(1)
    new = Client(app.test_client())
    resp = new.submit("/login", {"login_id": "suresh.chandra.mishra", "password": password})
    assert resp.status_code == 302 and "password" in resp.location
    resp = new.submit(
        "/password",
        {"current_password": password, "new_password": "Naya@Pass2026", "confirm": "Naya@Pass2026"},
    )
    assert resp.status_code == 302, resp.get_data(as_text=True)[:1500]
    # a slip is printed only while its user has not logged in
    link = nodal.page(f"/admin/staff/imports/{imp.id}").find("a", href=re.compile("slips"))
    assert "(3," in link.get_text()

    # the same file again changes nothing
    before = users(db)
    resp = upload(nodal, xlsx(rows_good() + rows_bad()), "again.xlsx", office.id)
    body = nodal.page(resp.location).get_text()
    assert "अभी पुष्टि नहीं" in body and "कोई बदलाव नहीं" in body
    imp2 = db.session.scalar(select(StaffImport).order_by(StaffImport.id.desc()))
    assert [r["action"] for r in imp2.plan][:4] == ["same"] * 4
    assert users(db) == before


@pytest.mark.parametrize(
    ("data", "name", "says"),
    [
        (b"", "empty.csv", "कोई पंक्ति नहीं"),
        (b"\xef\xbb\xbf", "bom-only.csv", "कोई पंक्ति नहीं"),
        (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj", "list.xlsx", "Excel फ़ाइल"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "old.xls", "Excel फ़ाइल"),
        (b"PK\x03\x04not really a zip", "broken.xlsx", "पढ़ी नहीं जा सकी"),
        ("क्रम,पता\n1,ललितपुर\n".encode(), "wrong.csv", "कर्मचारी के नाम"),
    ],
)
def test_hostile_files_get_a_clear_message_and_save_nothing(nodal, demo, data, name, says):
    before = users(demo)
    resp = upload(nodal, data, name)
    assert resp.status_code == 400
    assert says in resp.get_data(as_text=True)
    assert users(demo) == before and demo.session.scalar(select(func.count(StaffImport.id))) == 0


def shared_string_bomb() -> bytes:
    """Hostile round 3, item 4: 10,000 cells that all point at one 5 MB shared string — about
    100 KB packed; it held a worker for 60 s until gunicorn killed it."""
    import zipfile

    big = "क" * 1_700_000  # 5 MB as UTF-8
    sheet = "".join(f'<row r="{i}"><c r="A{i}" t="s"><v>0</v></c></row>' for i in range(1, 10_001))
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application'
            '/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package'
            '/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org'
            '/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ),
        "xl/workbook.xml": (
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
            '/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package'
            '/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org'
            '/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{sheet}</sheetData></worksheet>'
        ),
        "xl/sharedStrings.xml": (
            '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
            f'2006/main" count="10000" uniqueCount="1"><si><t>{big}</t></si></sst>'
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["shared_string_bomb", "million_columns"])
def test_files_cheap_to_send_and_costly_to_read_are_refused(nodal, demo, kind):
    """Read in a child process with limits: refused with the plain message, nothing saved, and
    the next ordinary file goes through."""
    data = {
        "shared_string_bomb": shared_string_bomb,
        "million_columns": lambda: ("नाम" + ",x" * 1_000_000 + "\nक,ख\n").encode(),
    }[kind]()
    assert len(data) < 3_000_000
    resp = upload(nodal, data, "bomb.xlsx" if kind == "shared_string_bomb" else "bomb.csv")
    assert resp.status_code == 400
    assert "फ़ाइल पढ़ने के लिए बहुत बड़ी है।" in resp.get_data(as_text=True)
    assert demo.session.scalar(select(func.count(StaffImport.id))) == 0
    resp = upload(nodal, xlsx(rows_good()), "ok.xlsx", tehsil(demo).id)
    assert resp.status_code == 302


def test_csv_with_and_without_bom_english_headers_and_a_legacy_code_page(nodal, demo):
    office = tehsil(demo)
    english = ["Name", "Designation", "Section", "Mobile", "Employee ID", "Post"]
    rows = [["Kamla Devi", "Lekhpal", "राज", "9451100002", "TS-102", ""]]
    for encoding in ("utf-8", "utf-8-sig"):
        resp = upload(nodal, csv_bytes(rows, english, encoding), f"{encoding}.csv", office.id)
        assert resp.status_code == 302
        assert "नया उपयोगकर्ता" in nodal.page(resp.location).get_text()
    # Excel's plain "CSV" on Windows: Hindi became "?"; each row says what to do
    legacy = csv_bytes([["कमला देवी", "लेखपाल", "", "9451100002", "TS-102", ""]], english, "cp1252")
    resp = upload(nodal, legacy, "legacy.csv", office.id)
    assert "CSV UTF-8" in nodal.page(resp.location).get_text()


def test_mixed_script_zero_width_and_huge_values(nodal, demo):
    office = tehsil(demo)
    rows = [
        ["1", "\u200bअनिल\u200c Kumar", "", "लिपिक", "राज", "9451100011", "", "", "TS-201", ""],
        ["2", "क" * 5000, "", "लिपिक", "राज", "9451100012", "", "", "TS-202", ""],
    ]
    resp = upload(nodal, xlsx(rows), "mixed.xlsx", office.id)
    page = nodal.page(resp.location).get_text()
    assert "अनिल Kumar" in page and "बहुत लंबा" in page


def test_ten_thousand_rows_are_checked_within_a_request(nodal, demo):
    office = tehsil(demo)
    rows = [
        [str(i), f"कर्मचारी {i}", "", "लिपिक", "राज", f"9{i:09d}", "", "", f"B-{i}", ""]
        for i in range(1, 10_001)
    ]
    resp = upload(nodal, csv_bytes(rows), "big.csv", office.id)
    assert resp.status_code == 302
    imp = demo.session.scalar(select(StaffImport))
    assert len(imp.plan) == 10_000 and imp.plan[-1]["action"] == "new"
    assert "पृष्ठ 1 / 100" in nodal.page(resp.location).get_text()  # 100 rows a page on 2G
    too_many = rows + [["x", "एक और", "", "", "", "", "", "", "", ""]]
    resp = upload(nodal, csv_bytes(too_many), "too-big.csv", office.id)
    assert resp.status_code == 400 and "10,000" in resp.get_data(as_text=True)


def test_an_office_admin_keeps_only_their_own_office(app, client, demo):
    db = demo
    nodal = Client(app.test_client())
    nodal.login("nodal")
    resp = upload(nodal, xlsx(rows_good()), "t.xlsx", tehsil(db).id)
    imp_id = int(resp.location.rsplit("/", 1)[1])
    client.login("admin.vikas")
    for url in (
        f"/admin/staff/imports/{imp_id}",
        f"/admin/staff/imports/{imp_id}/slips.pdf",
    ):
        assert client.get(url).status_code == 404
    assert (
        client.submit(
            f"/admin/staff/imports/{imp_id}/confirm", {}, form_page="/admin/staff/import"
        ).status_code
        == 404
    )
    # and may not choose another office on the form
    before = db.session.scalar(select(func.count(StaffImport.id)))
    resp = upload(client, xlsx(rows_good()), "t.xlsx", tehsil(db).id)
    assert resp.status_code == 400 and "अपने कार्यालयों में से एक" in resp.get_data(as_text=True)
    assert db.session.scalar(select(func.count(StaffImport.id))) == before
    resp = upload(client, xlsx(rows_good()), "t.xlsx")  # their own office, the only one offered
    assert resp.status_code == 302
    assert (
        db.session.scalar(select(StaffImport).order_by(StaffImport.id.desc())).office.code == "विभ"
    )
    staff = Client(app.test_client())
    staff.login("clerk.revenue")
    assert staff.get("/admin/staff/import").status_code == 403
    assert staff.get(f"/admin/staff/imports/{imp_id}").status_code == 403


def test_setup_runs_once_on_an_empty_database(app, db):
    runner = app.test_cli_runner()
    args = [
        "setup", "--district-code", "jhs", "--district", "झाँसी", "--district-en", "Jhansi",
        "--state", "उत्तर प्रदेश", "--office-code", "कले", "--office", "कलेक्ट्रेट झाँसी",
        "--office-en", "Collectorate Jhansi", "--admin-name", "गिरीश चंद्र जोशी",
    ]  # fmt: skip
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    password = re.search(r"one-time password: (\S+)", result.output).group(1)
    admin = db.session.scalar(select(User).where(User.login_id == "girish.chandra.joshi"))
    assert admin.role == "district_admin" and admin.must_change_password
    assert admin.office.district.code == "JHS"
    again = runner.invoke(args=args)
    assert again.exit_code == 1 and "runs once" in again.output
    c = Client(app.test_client())
    resp = c.submit("/login", {"login_id": "girish.chandra.joshi", "password": password})
    assert resp.status_code == 302 and "password" in resp.location


def test_cli_import_dry_run_then_for_real_with_slips(app, demo, tmp_path):
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx(rows_good() + rows_bad()))
    runner = app.test_cli_runner()
    before = users(demo)
    result = runner.invoke(args=["staff", "import", str(path), "--office", "तह-सद", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "पंक्ति 7" in result.output and "नए: 4" in result.output and FULL not in result.output
    assert users(demo) == before
    slips = tmp_path / "slips.pdf"
    result = runner.invoke(
        args=["staff", "import", str(path), "--office", "तह-सद", "--slips", str(slips)]
    )
    assert result.exit_code == 0, result.output
    assert users(demo) == before + 4
    assert len(PdfReader(io.BytesIO(slips.read_bytes())).pages) >= 1


def test_many_slips_come_in_parts(app, nodal, demo, monkeypatch):
    monkeypatch.setattr(staff, "SLIPS_PER_PDF", 3)
    resp = upload(nodal, xlsx(rows_good()), "t.xlsx", tehsil(demo).id)
    imp_id = int(resp.location.rsplit("/", 1)[1])
    nodal.submit(f"/admin/staff/imports/{imp_id}/confirm", {}, form_page=resp.location)
    page = nodal.page(f"/admin/staff/imports/{imp_id}")
    links = [a["href"] for a in page.find_all("a", href=re.compile("slips.pdf"))]
    assert links == [f"/admin/staff/imports/{imp_id}/slips.pdf?part={n}" for n in (1, 2)]
    assert "स्लिप 4–4" in page.get_text() or "पर्चियाँ 4–4" in page.get_text()
    first = PdfReader(io.BytesIO(nodal.get(links[0]).data))
    text = " ".join(p.extract_text() for p in first.pages)
    assert text.count("लॉगिन आईडी") == 3
    assert nodal.get(f"/admin/staff/imports/{imp_id}/slips.pdf?part=3").status_code == 404
    assert nodal.get(f"/admin/staff/imports/{imp_id}/slips.pdf?part=0").status_code == 404


def test_a_long_list_is_imported_by_the_job_worker(app, nodal, demo, monkeypatch):
    """Past INLINE_ROWS the confirmation hands the list to the job worker (no request holds a
    worker for the ten seconds 10,000 rows take); the page says so until it is done."""
    from sqlalchemy import text as sql

    from eoffice.admin.jobs import apply_import_now

    monkeypatch.setattr(staff, "INLINE_ROWS", 2)
    before = users(demo)
    resp = upload(nodal, xlsx(rows_good()), "t.xlsx", tehsil(demo).id)
    imp_id = int(resp.location.rsplit("/", 1)[1])
    resp = nodal.submit(f"/admin/staff/imports/{imp_id}/confirm", {}, form_page=resp.location)
    page = nodal.page(resp.location).get_text()
    assert "आयात हो रहा है" in page and users(demo) == before
    job = demo.session.execute(
        sql("SELECT args FROM procrastinate_jobs WHERE task_name = 'eoffice:apply_staff_import'")
    ).scalar_one()
    assert job["import_id"] == imp_id
    # a second click while it waits changes nothing
    nodal.submit(
        f"/admin/staff/imports/{imp_id}/confirm", {}, form_page=f"/admin/staff/imports/{imp_id}"
    )
    assert (
        demo.session.execute(
            sql(
                "SELECT count(*) FROM procrastinate_jobs WHERE task_name = 'eoffice:apply_staff_import'"
            )
        ).scalar_one()
        == 1
    )
    # what the worker runs for that job
    assert apply_import_now(app, job["import_id"], job["actor_id"]) == "applied"
    assert users(demo) == before + 4
    assert "लॉगिन पर्चियाँ छापें (4" in nodal.page(f"/admin/staff/imports/{imp_id}").get_text()
