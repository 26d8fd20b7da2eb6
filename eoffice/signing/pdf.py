"""PDFs with correctly shaped Devanagari (WeasyPrint + HarfBuzz, a system Devanagari font):
the letter as approved, and the notesheet (नोटशीट) of a file."""

from __future__ import annotations

import hashlib
import io
import secrets

from flask import current_app, render_template

from eoffice.files.models import File, LetterDraft, LetterVersion, Note
from eoffice.platform import pdftext
from eoffice.web.urls import base_url

#: 32 unambiguous characters; 10 of them: 50 bits, not guessable at any allowed rate
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_verification_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def verify_url(code: str) -> str:
    return f"{base_url()}/verify/{code}"


def text_sha256(v: LetterVersion) -> str:
    """The approved text a signature covers: addressee, subject, body and (when there is one)
    the endorsement list, NUL-separated."""
    parts = (v.addressee, v.subject, v.body) + ((v.copy_to,) if v.copy_to else ())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _pdf(html: str) -> bytes:
    """Every PDF we make: tagged, its text layer the logical text (eoffice.platform.pdftext)."""
    return pdftext.write_pdf(html, current_app.root_path)


def has_form(data: bytes) -> bool:
    from pyhanko.pdf_utils.reader import PdfFileReader

    return "/AcroForm" in PdfFileReader(io.BytesIO(data), strict=False).root


def signable(data: bytes) -> bytes:
    """The PDF with an empty form (no fields; SigFlags as signing sets them) in a revision of
    its own: pyHanko's difference analysis compares a signing revision with the form it filled,
    so the revision we hand out for signing must have one."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    w = IncrementalPdfFileWriter(io.BytesIO(data))
    w.root["/AcroForm"] = generic.DictionaryObject(
        {
            generic.NameObject("/Fields"): generic.ArrayObject(),
            generic.NameObject("/SigFlags"): generic.NumberObject(3),
        }
    )
    w.update_root()
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def letter_pdf(draft: LetterDraft, version: LetterVersion, code: str) -> bytes:
    import segno

    url = verify_url(code)
    qr = segno.make(url, error="m").svg_data_uri(scale=3, border=1)
    return signable(
        _pdf(
            render_template(
                "pdf/letter.html",
                draft=draft,
                v=version,
                code=code,
                url=url,
                qr=qr,
                text_hash=text_sha256(version),
            )
        )
    )


def notesheet_pdf(
    f: File, notes: list[Note], letters: list[tuple], signed: dict[int, list] | None = None
) -> bytes:
    """`letters`: (draft, its signatures) pairs; `signed`: note id → its signatures. Each
    signature is shown with its status as recorded at signing."""
    return _pdf(
        render_template(
            "pdf/notesheet.html", file=f, notes=notes, letters=letters, signed=signed or {}
        )
    )


def note_pdf(f: File, note: Note, text_hash: str) -> bytes:
    """One final note, to be signed: the file, the paragraph, the text, its author, its hash."""
    return signable(_pdf(render_template("pdf/note.html", file=f, n=note, text_hash=text_hash)))
