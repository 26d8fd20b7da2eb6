"""Real files, good and hostile, made here (no binary fixtures in the repo)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

DEVANAGARI_FONT = "/usr/share/fonts/truetype/noto/NotoSansDevanagari-Regular.ttf"
LETTER = [
    "सेवा में,",
    "जिलाधिकारी महोदय, ललितपुर",
    "विषय: शस्त्र लाइसेंस नवीनीकरण हेतु प्रार्थना पत्र",
    "महोदय, निवेदन है कि मेरा शस्त्र लाइसेंस",
    "दिनांक 31 मार्च को समाप्त हो रहा है।",
    "कृपया नवीनीकरण की कृपा करें।",
    "प्रार्थी: रमेश चंद्र, ग्राम बिरधा",
]


def letter_photo(*, rotate_exif: bool = False) -> bytes:
    """A phone photo of a typed Hindi letter (JPEG); optionally stored sideways with EXIF."""
    im = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(im)
    font = ImageFont.truetype(DEVANAGARI_FONT, 44)
    y = 120
    for line in LETTER:
        draw.text((100, y), line, fill="black", font=font)
        y += 90
    exif = Image.Exif()
    if rotate_exif:
        im = im.rotate(90, expand=True)  # the sensor's orientation ...
        exif[0x0112] = 6  # ... and EXIF says: rotate 90° clockwise to view
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=85, exif=exif)
    return buf.getvalue()


def letter_photo_12mp(seed: int = 7) -> bytes:
    """A 12-megapixel phone photo (4000×3000, JPEG quality 92, 2–4 MB) of the Hindi letter on
    slightly uneven paper with sensor noise: what a clerk's phone really sends (noise is what
    makes camera JPEGs large; a clean synthetic page would compress to a tenth)."""
    import random

    random.seed(seed)
    w, h = 3000, 4000  # portrait, as a page is photographed
    paper = Image.linear_gradient("L").resize((w, h)).point(lambda v: 200 + v // 8)
    noise = Image.effect_noise((w, h), 18)
    base = Image.blend(paper, noise, 0.18).convert("RGB")
    draw = ImageDraw.Draw(base)
    font = ImageFont.truetype(DEVANAGARI_FONT, 104)
    body = LETTER[:-1] + [
        "लाइसेंस की छायाप्रति एवं शुल्क जमा करने की",
        "रसीद संलग्न है। मेरे विरुद्ध कोई आपराधिक",
        "मामला पंजीकृत नहीं है। अतः निवेदन है कि",
        "नवीनीकरण शीघ्र करने की कृपा करें।",
        "दिनांक: 14 मार्च 2026",
        LETTER[-1],
    ]
    y = 300
    for line in body:
        draw.text((260 + random.randint(-6, 6), y), line, fill=(25, 25, 35), font=font)
        y += 270
    buf = io.BytesIO()
    base.save(buf, "JPEG", quality=92)
    return buf.getvalue()


def pdf(pages: int = 2) -> bytes:
    w = PdfWriter()
    for _ in range(pages):
        w.add_blank_page(595, 842)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def pdf_with_javascript() -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
        }
    )
    w.add_attachment("payload.exe", b"MZ\x90\x00")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.encrypt("secret")
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def page_tree_loop_pdf() -> bytes:
    """A /Pages node whose /Kids contains itself."""
    return (
        b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [2 0 R 3 0 R] /Count 2>> endobj\n"
        b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
        b"trailer <</Root 1 0 R /Size 4>>\n%%EOF\n"
    )


def huge_image_png(width: int = 60000, height: int = 60000) -> bytes:
    """A valid PNG header declaring 60000 x 60000 pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def rectangle_bomb_pdf(pages: int = 300, rects: int = 200_000) -> bytes:
    """Small to send, costly to draw: every page shares one content stream of many rectangles
    (Flate-compressed, so it is a few hundred KB on the wire)."""
    ops = b"".join(b"%d %d 3 3 re f\n" % (i % 590, (i // 590) % 840) for i in range(rects))
    stream = zlib.compress(ops, 9)
    kids = " ".join(f"{4 + i} 0 R" for i in range(pages))
    objs = [
        b"<</Type /Catalog /Pages 2 0 R>>",
        f"<</Type /Pages /Kids [{kids}] /Count {pages}>>".encode(),
        b"<</Length %d /Filter /FlateDecode>>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    objs += [b"<</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 3 0 R>>"] * pages
    return _assemble(objs)


def huge_page_pdf(side_pt: int = 7200) -> bytes:
    """700 bytes: one blank page of 100 × 100 inches (an OCR bomb at 300 dpi)."""
    objs = [
        b"<</Type /Catalog /Pages 2 0 R>>",
        b"<</Type /Pages /Kids [3 0 R] /Count 1>>",
        f"<</Type /Page /Parent 2 0 R /MediaBox [0 0 {side_pt} {side_pt}]>>".encode(),
    ]
    return _assemble(objs)


def _assemble(objs: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d /Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def tall_photo(height: int = 60_000, width: int = 100) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, "JPEG", quality=50)
    return buf.getvalue()


def active_content_pdf() -> bytes:
    """Every way an upload was seen to keep active content after cleaning: an annotation's /AA
    JavaScript, a /URI action chained by /Next to JavaScript, a /RichMedia annotation with an
    embedded file, a javascript: URI, a Launch annotation; and one plain internal link, which
    may stay."""
    from pypdf.generic import ArrayObject, FloatObject, NumberObject

    def name(n):
        return NameObject(n)

    def rect():
        return ArrayObject([FloatObject(v) for v in (10, 10, 100, 100)])

    def js(code):
        return DictionaryObject(
            {name("/S"): name("/JavaScript"), name("/JS"): TextStringObject(code)}
        )

    w = PdfWriter()
    w.add_blank_page(595, 842)
    w.add_blank_page(595, 842)
    page = w.pages[0]
    embedded = w._add_object(DictionaryObject({name("/Type"): name("/EmbeddedFile")}))
    annots = [
        DictionaryObject(  # /AA on a harmless-looking text note
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Text"),
                name("/Rect"): rect(),
                name("/AA"): DictionaryObject({name("/E"): js("app.alert('aa')")}),
            }
        ),
        DictionaryObject(  # a link whose /URI action runs JavaScript next
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(),
                name("/A"): DictionaryObject(
                    {
                        name("/S"): name("/URI"),
                        name("/URI"): TextStringObject("https://example.org/"),
                        name("/Next"): js("app.alert('next')"),
                    }
                ),
            }
        ),
        DictionaryObject(  # rich media with an embedded file
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/RichMedia"),
                name("/Rect"): rect(),
                name("/RichMediaContent"): DictionaryObject(
                    {
                        name("/Assets"): DictionaryObject(
                            {name("/Names"): ArrayObject([TextStringObject("x.swf"), embedded])}
                        )
                    }
                ),
            }
        ),
        DictionaryObject(  # javascript: in a URI
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(),
                name("/A"): DictionaryObject(
                    {
                        name("/S"): name("/URI"),
                        name("/URI"): TextStringObject("javascript:alert(1)"),
                    }
                ),
            }
        ),
        DictionaryObject(  # launch
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(),
                name("/A"): DictionaryObject(
                    {name("/S"): name("/Launch"), name("/F"): TextStringObject("cmd.exe")}
                ),
            }
        ),
        DictionaryObject(  # a plain link to page 2: allowed
            {
                name("/Type"): name("/Annot"),
                name("/Subtype"): name("/Link"),
                name("/Rect"): rect(),
                name("/A"): DictionaryObject(
                    {
                        name("/S"): name("/GoTo"),
                        name("/D"): ArrayObject([w.pages[1].indirect_reference, name("/Fit")]),
                    }
                ),
            }
        ),
    ]
    page[name("/Annots")] = ArrayObject([w._add_object(a) for a in annots])
    _ = NumberObject
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def letter_pdf() -> bytes:
    """A scanned Hindi letter as a PDF (the photo of letter_photo as one A4 page, 150 dpi)."""
    im = Image.open(io.BytesIO(letter_photo())).convert("RGB")
    buf = io.BytesIO()
    im.save(buf, "PDF", resolution=150)
    return buf.getvalue()


def old_files_zip(*, extra_rows: list[list[str]] = (), extra_entries: dict | None = None) -> bytes:
    """Three scanned old paper files with their index (index.csv, Hindi headers), as a record
    room's scanning would hand them over: a PDF, a folder of page photos, and a PDF of a file
    closed long ago (category C-5). `extra_rows`/`extra_entries`: more rows and files."""
    import csv
    import zipfile

    rows = [
        ["पुरानी संख्या", "विषय", "शीर्ष", "वर्ष", "अनुभाग", "धारक पद", "श्रेणी", "स्कैन"],
        ["रा-45/1998", "ग्राम बिरधा: चकबंदी विवाद (पुरानी पत्रावली)", "भू-अभि", "1998", "राज",
         "लिपिक-राज", "", "1998-45.pdf"],
        ["रा-112/2004", "ग्राम जखौरा: पट्टा आवंटन", "भू-अभि", "2004", "राज", "लिपिक-राज", "",
         "2004-112"],
        ["रा-7/2011", "बकाया भू-राजस्व वसूली, ग्राम तालबेहट", "वसूली", "2011", "राज",
         "लिपिक-राज", "C-5", "2011-7.pdf"],
        *extra_rows,
    ]  # fmt: skip
    index = io.StringIO()
    csv.writer(index).writerows(rows)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("index.csv", index.getvalue().encode("utf-8"))
        z.writestr("1998-45.pdf", letter_pdf())
        z.writestr("2004-112/page-1.jpg", letter_photo())
        z.writestr("2004-112/page-2.jpg", letter_photo())
        z.writestr("2011-7.pdf", pdf(pages=2))
        for name, data in (extra_entries or {}).items():
            z.writestr(name, data)
    return buf.getvalue()
