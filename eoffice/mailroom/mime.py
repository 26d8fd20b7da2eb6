"""Reading a message as it came: sender, subject, date, the body as text, the attachments.

Nothing here fetches, renders or runs anything: an HTML body becomes text (its scripts and
styles dropped, its images never fetched), an attachment is bytes with a name. Broken MIME is
read as far as it goes; a body in a legacy encoding (ISCII, a Windows code page) is decoded by
its declared charset (ISCII through ICU), or, unlabelled, as UTF-8 and then Windows-1252."""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser

#: What the dak clerk is told about a message (the codes a draft keeps).
WARNINGS = (
    "from_unchecked",  # the From line says who sent it; nothing here proves it
    "from_disguised",  # the name shown is another email address than the real one
    "from_failed",  # the receiving server's SPF/DKIM/DMARC check failed (Authentication-Results)
    "from_many",  # no single sender address
    "reply_elsewhere",  # replies would go to another domain than the sender's
    "html_only",  # the body came only as HTML: shown as text, nothing fetched or run
    "broken_mime",  # the message's structure is damaged: read as far as it goes
    "legacy_charset",  # the body was in a legacy encoding (ISCII, a code page): converted
    "undecodable",  # part of the text could not be decoded: shown with � in its place
    "too_big",  # over the size limit: only its headers were taken
    "no_message_id",  # no Message-ID: taken once by its place in the mailbox
    "too_many_parts",  # more attachments than are taken: the rest are left out
    "body_cut",  # the body was longer than is kept: cut
)

#: text kept of a body (a letter is a few thousand characters; a megabyte is not a letter)
MAX_BODY = 100_000
#: attachments taken from one message
MAX_ATTACHMENTS = 20
#: The names ISCII goes by in mail (RFC 1345 has none; mailers use these); ICU reads them all.
ISCII_NAMES = {
    "x-iscii-de", "iscii-de", "iscii-dev", "x-iscii-dev", "iscii", "iscii-91", "x-iscii-91",
    "windows-57002", "x-iscii-devanagari", "iscii-devanagari",
}  # fmt: skip


@dataclass
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass
class Mail:
    from_name: str | None = None
    from_address: str | None = None
    subject: str | None = None
    sent_at: datetime | None = None
    message_id: str | None = None
    body: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def warn(self, code: str) -> None:
        if code not in self.warnings:
            self.warnings.append(code)


def decode(payload: bytes, charset: str | None) -> tuple[str, str | None]:
    """(text, a warning code or None). Never raises."""
    name = (charset or "").strip().strip('"').lower()
    if name in ISCII_NAMES:
        import icu  # PyICU: ICU's ISCII converter (ISCII-91, with its ATR and EXT codes)

        try:
            return str(icu.UnicodeString(payload, "ISCII,version=0")), "legacy_charset"
        except icu.ICUError:
            return payload.decode("utf-8", "replace"), "undecodable"
    if name:
        try:
            info = codecs.lookup(name)
        except LookupError:
            info = None
        if info is not None:
            try:
                text = payload.decode(info.name)
            except UnicodeDecodeError:
                return payload.decode(info.name, "replace"), "undecodable"
            legacy = info.name not in ("utf-8", "ascii", "utf-16", "utf-8-sig")
            return text, ("legacy_charset" if legacy and not payload.isascii() else None)
    try:  # unlabelled, or a name nobody knows: UTF-8 if it is, else the Windows code page
        return payload.decode("utf-8"), None
    except UnicodeDecodeError:
        return payload.decode("cp1252", "replace"), "legacy_charset"


class _Text(HTMLParser):
    """An HTML body's text: blocks on their own lines, no script, style or head."""

    SKIP = {"script", "style", "head", "title", "noscript", "template", "svg", "object"}
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table",
             "blockquote", "pre", "hr", "section", "article", "ul", "ol"}  # fmt: skip

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # noqa: BLE001 - a broken page is read as far as it went
        pass
    return "".join(parser.out)


def tidy(text: str) -> str:
    """NFC, no NULs or other control characters but newlines and tabs, at most two blank
    lines, trailing spaces gone."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def one_line(value, limit: int) -> str | None:
    text = tidy(str(value or "")).replace("\n", " ")
    return text[:limit] or None


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
    except Exception:  # noqa: BLE001 - a header the parser cannot make sense of
        return None
    return str(value) if value is not None else None


def _domain(address: str | None) -> str:
    return address.rpartition("@")[2].lower() if address and "@" in address else ""


def _sender(mail: Mail, msg: Message) -> None:
    mail.warn("from_unchecked")
    raw = _header(msg, "From") or ""
    pairs = [(n, a) for n, a in getaddresses([raw]) if a and "@" in a]
    if len(pairs) != 1:
        mail.warn("from_many")
    if pairs:
        name, address = pairs[0]
        mail.from_name = one_line(name, 200)
        mail.from_address = one_line(address, 254)
        shown = re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", name or "")
        if any(s.lower() != address.lower() for s in shown):
            mail.warn("from_disguised")
    results = " ".join(str(v) for v in (msg.get_all("Authentication-Results") or []))
    if re.search(r"\b(?:spf|dkim|dmarc)=(?:fail|softfail)\b", results, re.I):
        mail.warn("from_failed")
    reply = [a for _n, a in getaddresses([_header(msg, "Reply-To") or ""]) if "@" in a]
    if reply and mail.from_address and _domain(reply[0]) != _domain(mail.from_address):
        mail.warn("reply_elsewhere")


def _date(msg: Message) -> datetime | None:
    raw = _header(msg, "Date")
    if not raw:
        return None
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 5322's "-0000": the time is UTC, the zone unknown
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _filename(part: Message, n: int) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    name = one_line(name, 200) or ""
    name = re.sub(r"[\\/:*?\"<>|]", "_", name).strip(". ")
    return name or f"attachment-{n}"


def read(raw: bytes) -> Mail:
    """Everything a draft receipt needs from the message, however it is broken."""
    mail = Mail()
    try:
        msg = BytesParser(policy=policy.default).parsebytes(raw)
    except Exception:  # noqa: BLE001 - the parser gives up: a message with no parts at all
        msg = EmailMessage()
        mail.warn("broken_mime")
    if getattr(msg, "defects", None):
        mail.warn("broken_mime")
    _sender(mail, msg)
    mail.subject = one_line(_header(msg, "Subject"), 1000)
    mail.sent_at = _date(msg)
    mid = one_line(_header(msg, "Message-ID"), 998)
    mail.message_id = mid.strip() if mid else None

    plain, html = [], []
    for n, part in enumerate(_parts(msg, mail), 1):
        try:
            disposition = (part.get_content_disposition() or "").lower()
            ctype = part.get_content_type().lower()
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            mail.warn("broken_mime")
            continue
        if part.is_multipart():
            continue
        if ctype == "message/rfc822":  # a mail forwarded as a whole: kept as it came
            payload = part.as_bytes() if payload is None else payload
        if payload is None:
            continue
        if disposition != "attachment" and ctype in ("text/plain", "text/html"):
            text, problem = decode(payload, part.get_content_charset())
            if problem:
                mail.warn(problem)
            (plain if ctype == "text/plain" else html).append(text)
            continue
        if len(mail.attachments) >= MAX_ATTACHMENTS:
            mail.warn("too_many_parts")
            continue
        mail.attachments.append(Attachment(_filename(part, n), ctype[:100], payload))
    if plain:
        body = "\n\n".join(plain)
    elif html:
        mail.warn("html_only")
        body = "\n\n".join(html_to_text(h) for h in html)
    else:
        body = ""
    body = tidy(body)
    if len(body) > MAX_BODY:
        mail.warn("body_cut")
        body = body[:MAX_BODY]
    mail.body = body
    return mail


def _parts(msg: Message, mail: Mail):
    try:
        yield from msg.walk()
    except Exception:  # noqa: BLE001 - a damaged tree: what was read so far stays
        mail.warn("broken_mime")


def headers_only(raw_headers: bytes) -> Mail:
    """A message over the size limit: who, what and when from its headers, no body."""
    mail = read(raw_headers)
    mail.body = ""
    mail.attachments = []
    mail.warn("too_big")
    return mail
