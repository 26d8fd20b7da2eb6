"""Turn an untrusted upload into a clean PDF, in a child process with CPU and memory limits.

    python -m eoffice.documents.sanitise OUT_DIR MAX_PAGES MAX_PIXELS FILE [FILE ...]

Accepts one PDF, or one or more JPEG/PNG photos (joined into one PDF). Writes OUT_DIR/clean.pdf
(and OUT_DIR/original.pdf for a PDF that arrives signed) and prints one JSON line:
{"ok": true, "pages": N, "signed": bool} or {"ok": false, "error": CODE}. The parent
(`run_sanitiser`) maps CODE to a message in the user's language. A crash, a loop or a memory
blow-up in a parser kills only this process.
"""

from __future__ import annotations

import io
import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PDF_MAGIC = b"%PDF-"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: A4 at 200 dpi: enough to read and to OCR a phone photo, a fraction of its bytes.
MAX_SIDE = 2339
#: what a page may cost to draw, checked before anything is drawn: a scan's page content is a
#: few dozen bytes (the image is elsewhere), a Word page a few hundred KB. 300 pages sharing one
#: stream of 200,000 rectangles (778 KB sent, 1.2 GB to draw) is refused unread.
MAX_PAGE_CONTENT = 4 * 1024 * 1024
MAX_TOTAL_CONTENT = 30 * 1024 * 1024
#: a page is a page: a photo 60,000 pixels tall (or a PDF page 100 times longer than wide) is not
MAX_ASPECT = 20


class Rejected(Exception):
    def __init__(self, code: str):
        self.code = code


def kind_of(data: bytes) -> str:
    if data.startswith(PDF_MAGIC):
        return "pdf"
    if data.startswith(JPEG_MAGIC):
        return "jpeg"
    if data.startswith(PNG_MAGIC):
        return "png"
    return "unknown"


def _is_internal_link(annot) -> bool:
    """A plain link to a place inside this document: /Dest, or a /GoTo action with no /Next."""
    if annot.get("/Subtype") != "/Link" or "/AA" in annot:
        return False
    action = annot.get("/A")
    if action is None:
        return "/Dest" in annot
    action = action.get_object()
    return action.get("/S") == "/GoTo" and "/Next" not in action


def _strip_page(page) -> None:
    """Before the page is copied: no page actions, and of its annotations only plain internal
    links (every other annotation can carry /AA, a /URI or /Launch chained by /Next, rich media
    or an embedded file). Done on the reader's page, so what is dropped is never copied and no
    unreferenced object is left in the clean file."""
    from pypdf.generic import ArrayObject, NameObject

    for key in ("/AA", "/Thumb"):
        if key in page:
            del page[NameObject(key)]
    if "/Annots" in page:
        annots = page["/Annots"]
        annots = annots.get_object() if annots is not None else []
        kept = [ref for ref in annots if _is_internal_link(ref.get_object())]
        if kept:
            page[NameObject("/Annots")] = ArrayObject(kept)
        else:
            del page[NameObject("/Annots")]


def _strip_root(writer) -> None:
    """No document-level JavaScript, actions, names (attachments), forms or XFA survive."""
    from pypdf.generic import NameObject

    root = writer._root_object
    for key in ("/OpenAction", "/AA", "/Names", "/AcroForm", "/JavaScript", "/URI", "/Collection"):
        if key in root:
            del root[NameObject(key)]


def clean_pdf(data: bytes, max_pages: int) -> tuple[bytes, int, bool]:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        if reader.is_encrypted:
            raise Rejected("encrypted")
        pages = len(reader.pages)
        if pages == 0:
            raise Rejected("no_pages")
        if pages > max_pages:
            raise Rejected("too_many_pages")
        signed = b"/ByteRange" in data and b"/Sig" in data
        writer = PdfWriter()
        total = 0
        for page in reader.pages:
            box = page.mediabox
            w, h = float(box.width), float(box.height)
            if w <= 0 or h <= 0 or max(w / h, h / w) > MAX_ASPECT:
                raise Rejected("odd_shape")
            contents = page.get_contents()  # decode every page: a broken stream fails here
            size = len(contents.get_data()) if contents is not None else 0
            total += size  # a stream shared by every page costs on every page
            if size > MAX_PAGE_CONTENT or total > MAX_TOTAL_CONTENT:
                raise Rejected("too_complex")
            _strip_page(page)
            writer.add_page(page)
        _strip_root(writer)
        first = io.BytesIO()
        writer.write(first)
        # once more, cloned from its root: what copying left unreferenced (a link's target
        # copied ahead of its page, a dropped annotation's objects) is not carried over
        out = io.BytesIO()
        PdfWriter(clone_from=PdfReader(io.BytesIO(first.getvalue()))).write(out)
    except Rejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, RecursionError, OSError):
        raise Rejected("malformed_pdf") from None
    return out.getvalue(), pages, signed


def images_to_pdf(blobs: list[bytes], max_pixels: int) -> tuple[bytes, int]:
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = max_pixels
    pages = []
    for blob in blobs:
        try:
            with Image.open(io.BytesIO(blob)) as im:
                if im.format not in ("JPEG", "PNG"):
                    raise Rejected("wrong_type")
                if im.width * im.height > max_pixels:
                    raise Rejected("image_too_large")
                if max(im.width / max(im.height, 1), im.height / max(im.width, 1)) > MAX_ASPECT:
                    raise Rejected("odd_shape")
                im.load()
                im = ImageOps.exif_transpose(im).convert("RGB")
        except Image.DecompressionBombError:
            raise Rejected("image_too_large") from None
        except Rejected:
            raise
        except (OSError, SyntaxError, ValueError):
            raise Rejected("malformed_image") from None
        im.thumbnail((MAX_SIDE, MAX_SIDE))
        pages.append(im)
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=200, quality=70)
    return out.getvalue(), len(pages)


PREVIEW_WIDTH = 900
PREVIEW_HEIGHT = 1800  # a page taller than A-series proportions is fitted by its height
PREVIEW_MAX_BYTES = 60_000


def preview_jpeg(im) -> bytes:
    """A grayscale JPEG of at most PREVIEW_MAX_BYTES: lower quality first, then smaller."""
    for quality in (60, 45, 35, 25, 15):
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=quality, optimize=True, progressive=True)
        if buf.tell() <= PREVIEW_MAX_BYTES:
            return buf.getvalue()
    while True:  # still too big (a page of fine print or noise): a smaller picture, until it fits
        im = im.resize((max(1, im.width * 3 // 4), max(1, im.height * 3 // 4)))
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=30, optimize=True)
        if buf.tell() <= PREVIEW_MAX_BYTES or im.width < 50:
            return buf.getvalue()


def render_previews(pdf: bytes, out_dir: Path) -> None:
    """One grayscale JPEG per page, at most 60 KB each: a page at a time on a 2G link. The
    scale is capped by height too, so no page size makes a huge bitmap."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        for i in range(len(doc)):
            page = doc[i]
            scale = min(PREVIEW_WIDTH / page.get_width(), PREVIEW_HEIGHT / page.get_height())
            im = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            (out_dir / f"page-{i + 1}.jpg").write_bytes(preview_jpeg(im))
    finally:
        doc.close()


def sanitise(paths: list[Path], out_dir: Path, max_pages: int, max_pixels: int) -> dict:
    blobs = [p.read_bytes() for p in paths]
    if not blobs or any(len(b) == 0 for b in blobs):
        raise Rejected("empty")
    kinds = {kind_of(b) for b in blobs}
    if "unknown" in kinds:
        raise Rejected("wrong_type")
    if "pdf" in kinds:
        if len(blobs) > 1:
            raise Rejected("one_pdf_only")
        clean, pages, signed = clean_pdf(blobs[0], max_pages)
        if signed:
            (out_dir / "original.pdf").write_bytes(blobs[0])
    else:
        if len(blobs) > max_pages:
            raise Rejected("too_many_pages")
        clean, pages = images_to_pdf(blobs, max_pixels)
        signed = False
    (out_dir / "clean.pdf").write_bytes(clean)
    try:
        render_previews(clean, out_dir)
    except Exception:  # pdfium refused what pypdf accepted
        raise Rejected("malformed_pdf") from None
    return {"ok": True, "pages": pages, "signed": signed}


def main(argv: list[str]) -> int:
    out_dir, max_pages, max_pixels, *files = argv
    try:
        result = sanitise([Path(f) for f in files], Path(out_dir), int(max_pages), int(max_pixels))
    except Rejected as r:
        result = {"ok": False, "error": r.code}
    except MemoryError:
        result = {"ok": False, "error": "too_complex"}
    print(json.dumps(result))
    return 0


# --- the parent's side ------------------------------------------------------------------


@dataclass
class Sanitised:
    pdf: bytes
    pages: int
    original: bytes | None  # the signed PDF as it arrived, kept for download
    previews: list[bytes]  # one JPEG per page


def child_limits(cpu_seconds: int, memory_mb: int):
    """CPU and memory limits for a child that reads a file from outside (uploads, staff lists)."""

    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    return apply


def run_sanitiser(
    uploads: list[bytes],
    *,
    max_pages: int,
    max_pixels: int,
    cpu_seconds: int = 20,
    memory_mb: int = 1024,
) -> Sanitised:
    """Raise Rejected(code) for anything not accepted; the child's crash is 'too_complex'."""
    with tempfile.TemporaryDirectory(prefix="eoffice-upload-") as tmp:
        tmpdir = Path(tmp)
        files = []
        for i, blob in enumerate(uploads):
            f = tmpdir / f"in-{i}"
            f.write_bytes(blob)
            files.append(str(f))
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "eoffice.documents.sanitise",
                    tmp,
                    str(max_pages),
                    str(max_pixels),
                    *files,
                ],
                capture_output=True,
                # well under gunicorn's 60 s: the worker is never killed mid-request
                timeout=cpu_seconds + 5,
                preexec_fn=child_limits(cpu_seconds, memory_mb),
                env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
            )
        except subprocess.TimeoutExpired:
            raise Rejected("too_complex") from None
        try:
            result = json.loads(proc.stdout.decode().strip().splitlines()[-1])
        except (IndexError, ValueError):
            raise Rejected("too_complex") from None  # killed by a limit, or crashed
        if not result["ok"]:
            raise Rejected(result["error"])
        original = tmpdir / "original.pdf"
        return Sanitised(
            pdf=(tmpdir / "clean.pdf").read_bytes(),
            pages=result["pages"],
            original=original.read_bytes() if original.exists() else None,
            previews=[
                (tmpdir / f"page-{n}.jpg").read_bytes() for n in range(1, result["pages"] + 1)
            ],
        )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
