"""OCR of dak: Hindi and English text from the scan, in the background."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytesseract
from procrastinate import JobContext, RetryStrategy

from eoffice import storage
from eoffice.extensions import db
from eoffice.jobs import tasks
from eoffice.receipts.models import Receipt

OCR_DPI = 300
#: Never the PDF's own text layer: Devanagari comes out of it mis-ordered. Always the pixels.
OCR_LANGS = "hin+eng"


def ocr_pdf(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for i in range(len(doc)):
            image = doc[i].render(scale=OCR_DPI / 72, grayscale=True).to_pil()
            pages.append(pytesseract.image_to_string(image, lang=OCR_LANGS, timeout=120).strip())
        return "\n\n".join(pages)
    finally:
        doc.close()


@tasks.task(
    name="ocr_receipt", queue="ocr", pass_context=True, retry=RetryStrategy(max_attempts=4, wait=30)
)
def ocr_receipt(context: JobContext, receipt_id: int) -> None:
    app = context.additional_context["flask_app"]
    with app.app_context():
        receipt = db.session.get(Receipt, receipt_id)
        if receipt is None or receipt.document is None:
            return
        receipt.ocr_text = ocr_pdf(storage.read(receipt.document.sha256))
        receipt.ocr_status = "done"
        db.session.commit()
