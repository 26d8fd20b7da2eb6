"""OCR of dak: Hindi and English text from the scan, in the background."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytesseract
from procrastinate import JobContext, RetryStrategy

from eoffice.platform import jobs, storage
from eoffice.platform.extensions import db
from eoffice.platform.jobs import tasks
from eoffice.receipts.models import Receipt

OCR_DPI = 300
#: Never the PDF's own text layer: Devanagari comes out of it mis-ordered. Always the pixels.
OCR_LANGS = "hin+eng"
#: at most this many pixels per page (A4 at 300 dpi is 8.7 million): a 7200-point page of 700
#: bytes would otherwise be rendered to 30,001² pixels, 1.2 GB here and 4 GB in Tesseract
OCR_MAX_PIXELS = 12_000_000
#: the first pages of a long document are what the dak clerk needs; the rest are not read, so
#: one long scan cannot hold the only OCR worker for minutes while every other receipt waits
OCR_MAX_PAGES = 20
OCR_PAGE_SECONDS = 60


def ocr_scale(width_pt: float, height_pt: float) -> float:
    """OCR_DPI, or less so that the page stays within OCR_MAX_PIXELS."""
    scale = OCR_DPI / 72
    pixels = width_pt * height_pt * scale * scale
    if pixels > OCR_MAX_PIXELS:
        scale *= (OCR_MAX_PIXELS / pixels) ** 0.5
    return scale


def ocr_pdf(pdf: bytes, max_pages: int = OCR_MAX_PAGES, skip: int = 0) -> str:
    """The text of the first `max_pages` pages after the first `skip` (whose text is known)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(skip, min(len(doc), skip + max_pages)):
            page = doc[i]
            scale = ocr_scale(page.get_width(), page.get_height())
            image = page.render(scale=scale, grayscale=True).to_pil()
            try:
                text = pytesseract.image_to_string(
                    image, lang=OCR_LANGS, timeout=OCR_PAGE_SECONDS
                ).strip()
            except RuntimeError:  # pytesseract's timeout: this page stays unread
                text = ""
            pages.append(text)
        return "\n\n".join(pages)
    finally:
        doc.close()


@tasks.task(
    name="ocr_receipt", queue="ocr", pass_context=True, retry=RetryStrategy(max_attempts=4, wait=30)
)
def ocr_receipt(context: JobContext, receipt_id: int, user_id: int | None = None) -> None:
    """OCR one receipt's scan (`user_id`, who diarised it, only orders the queue)."""
    app = context.additional_context["flask_app"]
    with jobs.in_app(app):
        receipt = db.session.get(Receipt, receipt_id)
        if receipt is None or receipt.document is None:
            return
        receipt.ocr_text = ocr_pdf(storage.read(receipt.document.sha256))
        receipt.ocr_status = "done"
        db.session.commit()
