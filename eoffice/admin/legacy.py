"""पुरानी पत्रावलियों का आयात: old paper files, scanned, brought in as e-files.

The admin uploads a ZIP: the scans (a PDF, or a folder of page photos, per old file) and an
index (index.csv / index.xlsx, or the only table in the ZIP) with one row per old file:

    पुरानी संख्या | विषय | शीर्ष | वर्ष | अनुभाग | धारक पद | श्रेणी | स्कैन
    old number    | subject | head | year | section | holder post | category | scan

(category blank for a file still open; A, B or C-5 for one closed and recorded; scan: the PDF's
name, a folder's name, or photo names separated by ";"). The job worker checks every row
first (the report names each bad row, like the staff import); nothing is imported until the
admin confirms; then the worker imports row by row, a transaction each, with progress. Each
row becomes an e-file numbered in its year, held by its holder post, its scans (through the
upload sanitiser) its first correspondence, "पुरानी पत्रावली (स्कैन)", its old number kept and
searchable. An old number already in the office is skipped: re-running imports nothing twice.

The ZIP is read in memory, never extracted: a path with ".." means nothing, and an entry that
claims to be small and inflates past its limit is refused (a ZIP bomb)."""

from __future__ import annotations

import contextlib
import io
import time
import unicodedata
import uuid
import zipfile
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from eoffice.admin import tables
from eoffice.admin.models import LegacyImport
from eoffice.documents.sanitise import Rejected, kind_of
from eoffice.documents.services import accept_in_worker, put_new, stored_files_follow_the_commit
from eoffice.files import services as files
from eoffice.files.models import Correspondence, File, SubjectHead
from eoffice.org.models import Office, Post, Section
from eoffice.platform import audit, jobs, storage
from eoffice.platform.clock import today
from eoffice.platform.errors import Refused
from eoffice.platform.extensions import db
from eoffice.platform.text import clean_line
from eoffice.policy import Actor

#: The title the scans carry in the file's correspondence.
TITLE = "पुरानी पत्रावली (स्कैन)"

#: index headers (lower case), Hindi and English, for each field
COLUMNS = {
    "old_number": ("old number", "old_number", "पुरानी संख्या", "पुरानी पत्रावली संख्या"),
    "subject": ("subject", "विषय"),
    "head": ("head", "subject head", "शीर्ष", "विषय शीर्ष"),
    "year": ("year", "वर्ष"),
    "section": ("section", "अनुभाग"),
    "holder": ("holder", "holder post", "धारक", "धारक पद"),
    "category": ("category", "record category", "श्रेणी", "अभिलेख श्रेणी"),
    "scan": ("scan", "scans", "स्कैन"),
}
REQUIRED = ("old_number", "subject", "head", "year", "section", "holder", "scan")

#: Where an import stands.
STATES = {
    "checking": _l("Being checked by the worker"),
    "checked": _l("Checked: waiting for you to confirm"),
    "importing": _l("Importing"),
    "done": _l("Done"),
    "failed": _l("Could not be read"),
}

#: What is wrong with the ZIP as a whole.
FAILED = {
    "not_zip": _l("This is not a ZIP file."),
    "no_index": _l("The ZIP has no index (index.csv or index.xlsx)."),
    "columns": _l("The index lacks columns: old number, subject, head, year, section, holder post, scan."),
    "too_many": _l("The ZIP has too many entries (at most 5,000) or rows (at most 2,000)."),
    "table": _l("The index could not be read as a table (CSV in UTF-8, or XLSX)."),
    "state": _l("This import was already confirmed."),
}  # fmt: skip

#: What is wrong with a row.
ROW_ERRORS = {
    "old_number": _l("no old number"),
    "duplicate": _l("the same old number is in the index twice"),
    "subject": _l("no subject (or over 1,000 characters)"),
    "head": _l("no such subject head in the office"),
    "year": _l("the year is not a year from 1900 to this year"),
    "section": _l("no such section in the office"),
    "holder": _l("no such post in the office (its abbreviation)"),
    "category": _l("the category is A, B, C-1 … C-10, or blank for an open file"),
    "scan_missing": _l("its scan is not in the ZIP"),
    "scan_type": _l("its scan is not a PDF or photos (JPEG/PNG), or mixes a PDF with others"),
    "scan_big": _l("its scan is too large (over 60 MB, or inflates far beyond its size)"),
}

MAX_ENTRIES = 5000
MAX_ROWS = 2000
MAX_ENTRY_BYTES = 60 * 1024 * 1024
#: an entry that inflates more than this many times its compressed size is a bomb
MAX_RATIO = 200
#: seconds one job spends importing before it hands on to a fresh job
RUN_SECONDS = 20.0


def _name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not marked UTF-8: Windows' zip wrote its own code page
        with contextlib.suppress(UnicodeDecodeError, UnicodeEncodeError):
            name = name.encode("cp437").decode("utf-8")
    return unicodedata.normalize("NFC", name).replace("\\", "/").strip("/")


class Zip:
    """The ZIP's entries by their (NFC, forward-slash) names; read with limits."""

    def __init__(self, data: bytes):
        try:
            self.z = zipfile.ZipFile(io.BytesIO(data))
            infos = self.z.infolist()
        except (zipfile.BadZipFile, OSError, ValueError):
            raise Refused("not_zip") from None
        if len(infos) > MAX_ENTRIES:
            raise Refused("too_many")
        self.entries = {_name(i): i for i in infos if not i.is_dir()}

    def too_big(self, name: str) -> bool:
        i = self.entries[name]
        return i.file_size > MAX_ENTRY_BYTES or i.file_size > MAX_RATIO * max(i.compress_size, 1)

    def read(self, name: str) -> bytes:
        i = self.entries[name]
        with self.z.open(i) as f:
            data = f.read(MAX_ENTRY_BYTES + 1)
        if len(data) > MAX_ENTRY_BYTES:
            raise Refused("scan_big")
        return data

    def head(self, name: str) -> bytes:
        with self.z.open(self.entries[name]) as f:
            return f.read(8)

    def index_name(self) -> str | None:
        tables_ = [n for n in self.entries if n.lower().endswith((".csv", ".xlsx"))]
        for wanted in ("index.csv", "index.xlsx", "सूची.csv", "सूची.xlsx"):
            for n in tables_:
                if n.rsplit("/", 1)[-1].lower() == wanted:
                    return n
        return tables_[0] if len(tables_) == 1 else None

    def scans(self, spec: str) -> list[str] | None:
        """The entries a row's scan names, in page order; None when one is not there."""
        names = []
        for part in (p.strip().strip("/") for p in spec.split(";")):
            if not part:
                continue
            part = unicodedata.normalize("NFC", part)
            if part in self.entries:
                names.append(part)
                continue
            inside = sorted(n for n in self.entries if n.startswith(part + "/"))
            if not inside:
                return None
            names += inside
        return names or None


def _header(cells: list[str]) -> dict[str, int]:
    seen = {unicodedata.normalize("NFC", c).strip().lower(): i for i, c in enumerate(cells)}
    out = {}
    for field, names in COLUMNS.items():
        for n in names:
            if n in seen:
                out[field] = seen[n]
                break
    return out


def _category(value: str) -> tuple[str | None, int | None] | None:
    """'' → (None, None) open; 'A'/'B' → (A|B, None); 'C-5' / 'C5' / 'C 5' → ('C', 5)."""
    v = value.strip().upper().replace(" ", "").replace("-", "")
    if not v:
        return None, None
    if v in ("A", "B"):
        return v, None
    if v.startswith("C") and v[1:].isdigit() and 1 <= int(v[1:]) <= 10:
        return "C", int(v[1:])
    return None


def check_rows(office: Office, z: Zip, rows: list[list[str]]) -> list[dict]:
    """Every row of the index with what is wrong with it (codes), or 'already' imported."""
    if not rows:
        raise Refused("columns")
    cols = _header(rows[0])
    if any(f not in cols for f in REQUIRED):
        raise Refused("columns")
    if len(rows) - 1 > MAX_ROWS:
        raise Refused("too_many")
    heads = {
        h.code: h.id
        for h in db.session.scalars(select(SubjectHead).where(SubjectHead.office_id == office.id))
    }
    sections = {s.code: s.id for s in office.sections if s.retired_at is None}
    posts = {p.abbreviation: p.id for p in office.posts if p.is_active}
    have = set(db.session.scalars(
        select(File.legacy_number).where(File.office_id == office.id, File.legacy_number.is_not(None))))  # fmt: skip
    out, seen = [], set()
    year_now = today().year
    for n, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(field, cells=cells):
            i = cols.get(field)
            return clean_line(cells[i]) if i is not None and i < len(cells) else ""

        r = {"row": n, "old_number": cell("old_number")[:120], "subject": cell("subject")[:1000],
             "head": cell("head"), "year": cell("year"), "section": cell("section"),
             "holder": cell("holder"), "category": cell("category"), "scan": cell("scan")[:1000],
             "errors": []}  # fmt: skip
        e = r["errors"]
        if not r["old_number"]:
            e.append("old_number")
        elif r["old_number"] in seen:
            e.append("duplicate")
        seen.add(r["old_number"])
        if not r["subject"] or len(cell("subject")) > 1000:
            e.append("subject")
        if r["head"] not in heads:
            e.append("head")
        if not (r["year"].isdigit() and 1900 <= int(r["year"]) <= year_now):
            e.append("year")
        if r["section"] not in sections:
            e.append("section")
        if r["holder"] not in posts:
            e.append("holder")
        if _category(r["category"]) is None:
            e.append("category")
        names = z.scans(r["scan"]) if r["scan"] else None
        if names is None:
            e.append("scan_missing")
        elif any(z.too_big(x) for x in names):
            e.append("scan_big")
        else:
            kinds = {kind_of(z.head(x)) for x in names}
            if "unknown" in kinds or ("pdf" in kinds and len(names) > 1):
                e.append("scan_type")
        r["already"] = r["old_number"] in have
        out.append(r)
    return out


# --- the import's steps -------------------------------------------------------------------


def start(actor: Actor, office: Office, data: bytes, filename: str) -> LegacyImport:
    """Keep the ZIP and queue its check (the worker reads it: a big ZIP holds no web worker)."""
    if not data.startswith(b"PK"):
        raise Refused("not_zip")
    with stored_files_follow_the_commit():
        imp = LegacyImport(
            office_id=office.id, by_user_id=actor.id, filename=clean_line(filename)[:255] or "old.zip",
            sha256=put_new(data), status="checking", rows=[],
        )  # fmt: skip
        db.session.add(imp)
        db.session.flush()
        jobs.enqueue("legacy_check", "admin", import_id=imp.id)
        audit.record("legacy_upload", user_id=actor.id, object_type="office", object_id=office.id,
                     import_id=imp.id, filename=imp.filename)  # fmt: skip
    return imp


def run_check(imp: LegacyImport) -> None:
    try:
        z = Zip(storage.read(imp.sha256))
        index = z.index_name()
        if index is None:
            raise Refused("no_index")
        try:
            rows = tables.read_limited(z.read(index))
        except tables.TableError:
            raise Refused("table") from None
        imp.rows = check_rows(imp.office, z, rows)
        imp.status = "checked"
    except Refused as r:
        imp.status, imp.error = "failed", r.code
    db.session.flush()


def counts(imp: LegacyImport) -> dict[str, int]:
    rows = imp.rows or []
    bad = sum(1 for r in rows if r["errors"])
    already = sum(1 for r in rows if not r["errors"] and r.get("already"))
    return {"rows": len(rows), "bad": bad, "already": already, "good": len(rows) - bad - already}


def confirm(actor: Actor, imp: LegacyImport) -> None:
    """Start the import; on an import still "importing" whose worker died (restarted, killed),
    start it again: it goes on from the first row not yet in."""
    if imp.status not in ("checked", "importing"):
        raise Refused("state")
    if imp.status == "importing" and jobs.waiting("legacy_run", ("todo",), import_id=imp.id):
        raise Refused("state")  # a double click: its run is queued already
    imp.status = "importing"
    db.session.flush()
    jobs.enqueue("legacy_run", "admin", import_id=imp.id)
    audit.record("legacy_confirm", user_id=actor.id, object_type="office", object_id=imp.office_id,
                 import_id=imp.id, **counts(imp))  # fmt: skip


def run(actor: Actor, imp: LegacyImport, seconds: float = RUN_SECONDS) -> bool:
    """Import the good rows not yet imported, a transaction each (commits), until `seconds` are
    spent. True when every row is done."""
    deadline = time.monotonic() + seconds
    z = Zip(storage.read(imp.sha256))
    office = imp.office
    for r in imp.rows:
        if r["errors"]:
            continue
        exists = db.session.scalar(select(File.id).where(
            File.office_id == office.id, File.legacy_number == r["old_number"]))  # fmt: skip
        if exists is not None:
            continue
        if time.monotonic() > deadline:
            return False
        try:
            import_row(actor, office, z, r)
            imp.imported += 1
            db.session.commit()
        except IntegrityError:  # another run brought this row in a moment ago
            db.session.rollback()
            imp = db.session.get(LegacyImport, imp.id)
        except Rejected as rejected:  # the sanitiser refused its scan: said on the report
            db.session.rollback()
            imp = db.session.get(LegacyImport, imp.id)
            imp.rows = [
                {**row, "errors": [f"scan:{rejected.code}"]} if row["row"] == r["row"] else row
                for row in imp.rows
            ]
            db.session.commit()
    imp = db.session.get(LegacyImport, imp.id)
    imp.skipped = sum(1 for r in imp.rows if not r["errors"] and r.get("already"))
    imp.status, imp.finished_at = "done", datetime.now(UTC)
    db.session.commit()
    return True


def import_row(actor: Actor, office: Office, z: Zip, r: dict) -> File:
    """One old file as an e-file (flushed)."""
    section = db.session.scalar(select(Section).where(
        Section.office_id == office.id, Section.code == r["section"]))  # fmt: skip
    head = db.session.scalar(select(SubjectHead).where(
        SubjectHead.office_id == office.id, SubjectHead.code == r["head"]))  # fmt: skip
    holder = db.session.scalar(select(Post).where(
        Post.office_id == office.id, Post.abbreviation == r["holder"]))  # fmt: skip
    names = z.scans(r["scan"]) or []
    with stored_files_follow_the_commit():
        document = accept_in_worker([z.read(n) for n in names], names[0].rsplit("/", 1)[-1])
        key = uuid.uuid5(uuid.NAMESPACE_URL, f"eoffice-legacy:{office.id}:{r['old_number']}")
        f = files.open_file(
            actor,
            files.FileInput(
                subject=r["subject"], section=section, head=head, kind="electronic",
                category_id=None, grading="normal", priority="normal", physical_location=None,
            ),
            key=key, post=holder, year=int(r["year"]),
        )  # fmt: skip
        f.legacy_number = r["old_number"]
        db.session.add(
            Correspondence(
                file_id=f.id,
                position=1,
                document_id=document.id,
                title=TITLE,
                first_page=1,
                pages=document.pages,
                added_by_id=actor.id,
            )  # fmt: skip
        )
        category, years = _category(r["category"])
        if category is not None:
            f.status = "closed"
            f.record_category, f.retention_years = category, years
            f.recorded_at = datetime.now(UTC)
            f.review_year = int(r["year"]) + years if years else None
        db.session.flush()
        audit.record_on(actor, f, "legacy_import_file", holder.id, old_number=r["old_number"],
                        pages=document.pages, category=r["category"] or None)  # fmt: skip
    return f
