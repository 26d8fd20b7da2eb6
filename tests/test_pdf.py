"""The notesheet PDF: Devanagari shaped correctly (HarfBuzz through WeasyPrint, a system font).
Page 1 is rasterised and compared with a golden image within a tolerance; the text layer must
give the Hindi back. UPDATE_GOLDEN=1 rewrites the golden image (look at it before committing)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace as NS

import pypdfium2
from PIL import Image, ImageChops, ImageStat
from pypdf import PdfReader

from eoffice.signing.pdf import notesheet_pdf

GOLDEN = Path(__file__).parent / "golden" / "notesheet-p1.png"
NOTES = [
    "प्रकरण में तहसीलदार सदर की आख्या प्राप्त है। ग्राम बिरधा के खसरा संख्या 412 पर क्षेत्रफल "
    "0.250 हेक्टेयर आँगनबाड़ी केंद्र हेतु प्रस्तावित है। Revenue Inspector's report is placed at "
    "पत्राचार पृ. 3.",
    "कृपया प्रस्ताव अनुमोदनार्थ प्रस्तुत। श्रृंखला, क्षत्रिय, द्वारा, ज्ञापन, श्रद्धा, ह्रस्व।",
    "ललितपुर के त्रिवेदी जी की निर्धारित मासिक रिपोर्ट, प्रतिलिपि निम्नलिखित को: विकास भवन, "
    "कार्यालय, पर्यावरण, सुनिश्चित, उपलब्ध।",
]


def _fixture_file():
    office = NS(name_hi="कलेक्ट्रेट ललितपुर")
    f = NS(number="कले/राज/भू-अभि/12/2026", subject="आँगनबाड़ी केंद्र भवन हेतु भूमि आवंटन", office=office)
    author = NS(name_hi="रामकिशोर यादव")
    post = NS(designation_hi="वरिष्ठ लिपिक, राजस्व")
    notes = [
        NS(
            paragraph=i,
            body=body,
            author=author,
            post=post,
            finalised_at=datetime(2026, 11, 20, 5, 30 + i, tzinfo=UTC),  # 11:0i in India
        )
        for i, body in enumerate(NOTES, start=1)
    ]
    return f, notes


def _render(app) -> bytes:
    f, notes = _fixture_file()
    with app.test_request_context():
        return notesheet_pdf(f, notes, [])


def _page1(pdf: bytes) -> Image.Image:
    doc = pypdfium2.PdfDocument(pdf)
    return doc[0].render(scale=1.5).to_pil().convert("L")


DEVANAGARI_WORD = re.compile(r"[\u0900-\u097f\u200c\u200d]+")


def hindi_words(*texts: str) -> set[str]:
    """The Devanagari words of the texts (split at anything that is not Devanagari; the
    danda ends a word)."""
    return {w.strip("।॥") for t in texts for w in DEVANAGARI_WORD.findall(t)} - {""}


def extracted(pdf: bytes) -> dict[str, str]:
    """The PDF's text as others read it: poppler's pdftotext and pypdf."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        poppler = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", f.name, "-"], capture_output=True, text=True, check=True
        ).stdout
    reader = PdfReader(io.BytesIO(pdf))
    return {"pdftotext": poppler, "pypdf": "\n".join(p.extract_text() for p in reader.pages)}


def assert_hindi_extracts_exactly(pdf: bytes, *sources: str) -> None:
    """Every Hindi word of `sources` (what was typed) comes out of the PDF whole, by both
    tools: none with a matra dropped or moved, a reph mangled or a conjunct split."""
    expected = hindi_words(*sources)
    assert len(expected) > 10, expected
    for tool, text in extracted(pdf).items():
        missing = expected - hindi_words(text)
        assert not missing, (tool, sorted(missing))


def test_every_hindi_word_of_the_notesheet_extracts_exactly(app):
    """pdftotext and pypdf read the notes as typed (it was "ल लतपुर", "त्रवेदी"…: WeasyPrint's
    glyph-to-text map cannot carry the reordering of ि, reph and conjuncts)."""
    f, notes = _fixture_file()
    assert_hindi_extracts_exactly(
        _render(app), f.office.name_hi, f.subject, *NOTES, notes[0].author.name_hi,
        notes[0].post.designation_hi,
    )  # fmt: skip


def test_the_pdfs_are_tagged(app):
    """Structure for screen readers: a tagged PDF (pdfinfo from poppler says so)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(_render(app))
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info


def test_notesheet_text_layer_gives_the_hindi_back(app):
    text = PdfReader(io.BytesIO(_render(app))).pages[0].extract_text()
    for word in ("कलेक्ट्रेट", "तहसीलदार", "प्रस्ताव", "क्षेत्रफल", "श्रद्धा", "ज्ञापन", "Revenue"):
        assert word in text, word


def test_notesheet_matches_the_golden_rendering(app):
    image = _page1(_render(app))
    if os.environ.get("UPDATE_GOLDEN") or not GOLDEN.exists():
        GOLDEN.parent.mkdir(exist_ok=True)
        image.save(GOLDEN, optimize=True)
    golden = Image.open(GOLDEN).convert("L")
    assert image.size == golden.size
    diff = ImageChops.difference(image, golden)
    mean = ImageStat.Stat(diff).mean[0]
    changed = sum(diff.point(lambda v: 255 if v > 64 else 0).histogram()[255:]) / (
        image.size[0] * image.size[1]
    )
    assert mean < 2.0 and changed < 0.005, (mean, changed)
    # and the golden is not blank: there is ink where the text is
    dark = sum(golden.point(lambda v: 255 if v < 128 else 0).histogram()[255:])
    assert dark / (golden.size[0] * golden.size[1]) > 0.01


def test_a_broken_shaping_would_be_caught(app):
    """The tolerance is tight enough: the same notes with one conjunct broken by a ZWNJ
    (क्‌ष instead of क्ष) differ from the golden."""
    f, notes = _fixture_file()
    notes[0].body = notes[0].body.replace("क्षेत्रफल", "क्\u200cषेत्रफल")
    with app.test_request_context():
        image = _page1(notesheet_pdf(f, notes, []))
    diff = ImageChops.difference(image, Image.open(GOLDEN).convert("L"))
    assert ImageStat.Stat(diff).mean[0] > 0.01
