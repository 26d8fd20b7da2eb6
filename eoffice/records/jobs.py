"""OCR of an uploaded government order or circular, in the background (as dak's)."""

from __future__ import annotations

from procrastinate import JobContext, RetryStrategy

from eoffice.platform import jobs, storage
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks
from eoffice.receipts.jobs import ocr_pdf
from eoffice.records.models import LibraryEntry


def ocr_entry_now(entry_id: int) -> None:
    e = db.session.get(LibraryEntry, entry_id)
    if e is None or e.document is None:
        return
    e.ocr_text = ocr_pdf(storage.read(e.document.sha256))
    e.ocr_status = "done"


@tasks.task(
    name="ocr_library_entry", queue="ocr", pass_context=True,
    retry=RetryStrategy(max_attempts=4, wait=30),
)  # fmt: skip
def ocr_library_entry(context: JobContext, entry_id: int) -> None:
    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        ocr_entry_now(entry_id)
        db.session.commit()
