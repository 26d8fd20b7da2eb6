"""Cleaning typed text: Unicode normal form, invisible characters, whitespace."""

import re
import unicodedata


def email_address(raw: str | None) -> str | None:
    """One email address as SMTP will read it, or None: no second address behind a comma or
    a semicolon, nothing cut to fit (over 254 characters is refused), a Hindi domain in its
    IDNA form (उदाहरण.भारत → xn--….xn--…); the name before @ in ASCII (our mail server does not
    speak SMTPUTF8). Checked with email-validator, without looking the domain up; names that
    never deliver (.invalid, .local, .test) are refused, and the demo's people are at
    `demo.eoffice.example` (reserved, never delivered, accepted)."""
    from email_validator import EmailNotValidError, validate_email

    value = strip_invisible(unicodedata.normalize("NFC", raw or "")).strip()
    if not value:
        return None
    try:
        checked = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    return checked.ascii_email or checked.normalized


#: Zero-width and other invisible format characters that arrive by copy and paste.
INVISIBLE = re.compile("[\u200b\u200c\u200d\u200e\u200f\u2060\u2066-\u2069\ufeff\u00ad]")


def strip_invisible(value: str) -> str:
    return INVISIBLE.sub("", value)


def clean_line(value: str | None) -> str:
    """NFC, no invisible characters, inner whitespace folded, ends trimmed."""
    value = unicodedata.normalize("NFC", value or "")
    return " ".join(strip_invisible(value).split())


def clean_text(value: str | None) -> str:
    """Like clean_line, but keeps line breaks (remarks, notes): at most one blank line."""
    value = strip_invisible(unicodedata.normalize("NFC", value or "")).replace("\r\n", "\n")
    lines = [" ".join(line.split()) for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


#: In notes ZWJ and ZWNJ stay: they choose Devanagari half-forms (क्‍ष, र्‍). The rest go.
INVISIBLE_IN_NOTES = re.compile("[\u200b\u200e\u200f\u2060\u2066-\u2069\ufeff\u00ad]")


def clean_note(value: str | None) -> str:
    """NFC, stray invisible characters removed, line ends normalised, ends trimmed; spacing
    inside lines is the author's."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    value = INVISIBLE_IN_NOTES.sub("", value)
    return "\n".join(line.rstrip() for line in value.split("\n")).strip()


def shorten(value: str, width: int) -> str:
    """At most about `width` characters, cut at a word boundary (never inside a Devanagari
    conjunct or before its matra), with an ellipsis when something was cut."""
    if len(value) <= width:
        return value
    cut = value[:width]
    if " " in cut:
        cut = cut[: cut.rfind(" ")]
    else:  # one long word: back off to the start of a syllable
        while cut and (
            unicodedata.category(value[len(cut)]) in ("Mn", "Mc") or cut[-1] == "\u094d"
        ):
            cut = cut[:-1]
    return cut.rstrip(" ,;:-") + "…"
