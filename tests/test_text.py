"""Text helpers: cutting Hindi at a word, never inside a conjunct."""

from eoffice.platform.text import shorten


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


def test_one_email_address_as_smtp_reads_it():
    from eoffice.platform.text import email_address

    assert email_address(" Ramesh@Example.IN\u200b ") == "Ramesh@example.in"
    assert email_address("ramesh@उदाहरण.भारत") == "ramesh@xn--p1b6ci4b4b3a.xn--h2brj9c"
    for bad in (
        "a@x.in,postmaster@y.in",  # a comma adds a recipient
        "a@x.in;b",  # a semicolon drops the real one
        "a@x.in b@y.in",
        "x" * 250 + "@example.in",  # too long: refused, never cut to 254 and mailed elsewhere
        "राम@x.in",  # our mail server does not speak SMTPUTF8
        "a@b",
        "",
        None,
    ):
        assert email_address(bad) is None, bad


def test_no_cell_of_a_csv_download_is_a_formula_in_any_locale():
    import csv
    import io

    from eoffice.web.csvout import csv_response, safe

    assert safe("=1+1") == "'=1+1" and safe("@SUM(A1)") == "'@SUM(A1)"
    # Excel with ';' as its list separator splits "x;=1+1" into "x" and a formula
    assert safe(";=1+1") == ";'=1+1" and safe("शस्त्र; -2+3") == "शस्त्र; '-2+3"
    assert safe("कले/2026/000001") == "कले/2026/000001" and safe(None) == ""
    body = csv_response(["क्रम", "विषय"], [[1, ";=1+1"]], "x.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows == [["क्रम", "विषय"], ["1", ";'=1+1"]]
    assert body.lstrip("\ufeff").startswith('"क्रम","विषय"')  # every cell quoted
