"""Text helpers: cutting Hindi at a word, never inside a conjunct."""

from eoffice.text import shorten


def test_shorten_cuts_at_a_word_and_marks_the_cut():
    subject = "कलेक्टर प्रतिष्ठा ममगाईं ने बताया कि ई-ऑफिस प्रणाली से न केवल समय बचेगा"
    short = shorten(subject, 32)
    assert short.endswith("…") and len(short) <= 33
    assert subject.startswith(short[:-1])
    # the cut falls between words: the next character of the original is a space
    assert subject[len(short) - 1] == " "
    assert shorten("छोटा विषय", 32) == "छोटा विषय"
    # one long word is cut at a syllable, never between a consonant and its virama or matra
    assert shorten("क्ष" * 20, 10) == "क्ष" * 3 + "…"  # not "क्ष" * 3 + "क"
