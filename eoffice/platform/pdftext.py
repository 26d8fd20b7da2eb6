"""The text layer of the PDFs we make: what copy-paste, search and screen readers read.

WeasyPrint (with HarfBuzz) draws Devanagari correctly, but its text layer maps each glyph to
text once for the whole document: a pre-base ि drawn before its consonant, a reph drawn after
its cluster, the glyphs of a conjunct — each glyph gets the text of the cluster it first
appeared in, so "ललितपुर" extracts as "ल लतपुर" and "भवन" as "भविन" (pdftotext and pypdf
alike). A glyph-to-text map cannot carry Indic reordering.

So every line WeasyPrint draws also carries its logical text, as OCR layers do: the same
string, invisible (text render mode 3), in a glyphless font whose codes are the Unicode code
points, stretched over the drawn line; and the drawn glyphs map to no text. Extractors, copy
and paste and screen readers get the text as typed; what is seen is unchanged. The invisible
run sits inside the same marked-content span as the drawn glyphs, so a tagged PDF's structure
reaches it.

`write_pdf(html, base_url)` renders with this layer and tagged (PDF/UA structure)."""

from __future__ import annotations

import io
import re
import threading

#: the glyphless font's resource name
FONT = "EOTL"
#: every code's advance, in thousandths of the font size (stretched to the line by Tz)
ADVANCE = 500

_lock = threading.Lock()
_installed = False
_font_program: bytes | None = None


def _glyphless_font_program() -> bytes:
    """A TrueType font of one empty glyph (what every code is drawn with), built once."""
    global _font_program
    if _font_program is None:
        from fontTools.fontBuilder import FontBuilder
        from fontTools.pens.ttGlyphPen import TTGlyphPen

        fb = FontBuilder(1000, isTTF=True)
        fb.setupGlyphOrder([".notdef", "blank"])
        fb.setupCharacterMap({})
        empty = TTGlyphPen(None).glyph()
        fb.setupGlyf({".notdef": empty, "blank": empty})
        fb.setupHorizontalMetrics({".notdef": (ADVANCE, 0), "blank": (ADVANCE, 0)})
        fb.setupHorizontalHeader(ascent=800, descent=-200)
        fb.setupNameTable({"familyName": "GlyphLessFont", "styleName": "Regular"})
        fb.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
        fb.setupPost()
        out = io.BytesIO()
        fb.save(out)
        _font_program = out.getvalue()
    return _font_program


def _hex(text: str) -> str:
    """The text as two-byte codes (Identity-H, code = code point); beyond the BMP left out."""
    return "".join(f"{ord(c):04x}" for c in text if ord(c) <= 0xFFFF)


def _draw_text_with_layer(original):
    def draw_text(stream, textbox, offset_x, text_overflow, block_ellipsis="none"):
        emojis = original(stream, textbox, offset_x, text_overflow, block_ellipsis)
        text = textbox.text
        size = textbox.style["font_size"]
        codes = _hex(text)
        if not text.strip() or not codes or size < 1e-3 or textbox.width <= 0:
            return emojis
        scale = 100 * textbox.width / (len(codes) / 4 * ADVANCE / 1000 * size)
        x, y = textbox.position_x, textbox.position_y + textbox.baseline
        # q/Q: the text state (font, render mode, scaling) is part of the graphics state, so
        # the font WeasyPrint believes current stays current
        stream.push_state()
        stream.stream.extend(
            [
                b"BT",
                f"/{FONT} {size:g} Tf 3 Tr {scale:.3f} Tz".encode(),
                f"1 0 0 -1 {x:.3f} {y:.3f} Tm".encode(),
                f"<{codes}> Tj".encode(),
                b"ET",
            ]
        )
        stream.pop_state()
        return emojis

    return draw_text


def install() -> None:
    """Draw every WeasyPrint text line with its invisible logical text (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        import weasyprint.draw as draw

        draw.draw_text = _draw_text_with_layer(draw.draw_text)
        _installed = True


_BFCHAR = re.compile(rb"^(<[0-9a-fA-F]{4}>) <[0-9a-fA-F]*>$")


def _finish(_document, pdf) -> None:
    """After WeasyPrint built the PDF: add the glyphless font beside its fonts, and map the
    drawn glyphs to no text (the invisible layer carries it)."""
    import pydyf

    objects = [o for o in pdf.objects if getattr(o, "free", "n") != "f"]
    by_ref = {o.reference: o for o in objects}
    fonts = [
        o
        for o in objects
        if isinstance(o, pydyf.Dictionary) and o.get("Type") == "/Font" and "ToUnicode" in o
    ]
    for font in fonts:
        cmap = by_ref.get(font["ToUnicode"])
        if cmap is not None:
            cmap.stream = [_BFCHAR.sub(rb"\1 <>", line) for line in cmap.stream]
    font_refs = {f.reference for f in fonts}
    dictionaries = [
        o
        for o in objects
        if isinstance(o, pydyf.Dictionary)
        and o
        and all(isinstance(v, bytes) and v in font_refs for v in o.values())
    ]
    if not dictionaries:
        return
    program = pydyf.Stream(
        [_glyphless_font_program()], {"Length1": len(_glyphless_font_program())}, compress=True
    )
    pdf.add_object(program)
    descriptor = pydyf.Dictionary(
        {
            "Type": "/FontDescriptor",
            "FontName": "/GlyphLessFont",
            "Flags": 5,
            "FontBBox": pydyf.Array([0, -200, ADVANCE, 800]),
            "ItalicAngle": 0,
            "Ascent": 800,
            "Descent": -200,
            "CapHeight": 800,
            "StemV": 80,
            "FontFile2": program.reference,
        }
    )
    pdf.add_object(descriptor)
    to_gid = pydyf.Stream([b"\x00\x01" * 65536], compress=True)  # every code: glyph 1
    pdf.add_object(to_gid)
    cid_font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/CIDFontType2",
            "BaseFont": "/GlyphLessFont",
            "CIDSystemInfo": pydyf.Dictionary(
                {
                    "Registry": pydyf.String("Adobe"),
                    "Ordering": pydyf.String("Identity"),
                    "Supplement": 0,
                }
            ),  # fmt: skip
            "FontDescriptor": descriptor.reference,
            "DW": ADVANCE,
            "CIDToGIDMap": to_gid.reference,
        }
    )
    pdf.add_object(cid_font)
    identity = pydyf.Stream(
        [
            b"/CIDInit /ProcSet findresource begin",
            b"12 dict begin",
            b"begincmap",
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            b"/CMapName /Adobe-Identity-UCS def",
            b"/CMapType 2 def",
            b"1 begincodespacerange",
            b"<0000> <FFFF>",
            b"endcodespacerange",
            b"1 beginbfrange",
            b"<0000> <FFFF> <0000>",
            b"endbfrange",
            b"endcmap",
            b"CMapName currentdict /CMap defineresource pop",
            b"end",
            b"end",
        ],
        compress=True,
    )
    pdf.add_object(identity)
    font = pydyf.Dictionary(
        {
            "Type": "/Font",
            "Subtype": "/Type0",
            "BaseFont": "/GlyphLessFont",
            "Encoding": "/Identity-H",
            "DescendantFonts": pydyf.Array([cid_font.reference]),
            "ToUnicode": identity.reference,
        }
    )
    pdf.add_object(font)
    for d in dictionaries:
        d[FONT] = font.reference


def write_pdf(html: str, base_url: str) -> bytes:
    """Render `html` to a tagged PDF whose text layer is the logical text."""
    from weasyprint import HTML  # about half a second to import: only when a PDF is made

    install()
    return HTML(string=html, base_url=base_url).write_pdf(
        pdf_identifier=b"eoffice", uncompressed_pdf=False, pdf_tags=True, finisher=_finish
    )
