"""Checks every HTML page must pass (after GOV.UK Notify's client_request)."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, NavigableString

HI_PO = Path(__file__).resolve().parent.parent / "translations/hi/LC_MESSAGES/messages.po"


@cache
def english_msgids() -> list[re.Pattern]:
    """Every msgid whose Hindi differs, as a pattern over a whole text node."""
    with HI_PO.open("rb") as f:
        cat = read_po(f)
    pats = []
    for m in cat:
        if m.id and isinstance(m.id, str) and m.string != m.id:
            pats.append(re.compile("^" + re.sub(r"%\\\(\w+\\\)s", ".*", re.escape(m.id)) + "$"))
    return pats


#: English that comes from libraries, not from our catalogue: certificate names as RFC 4514
#: strings or pyHanko's "Common Name: …", Babel's "am"/"pm"
TECHNICAL_ENGLISH = re.compile(
    r"\b(CN|OU|O|L|ST|C)=[^\s,]|Common Name|Organization|Organizational Unit|\d:\d\d\s?(am|pm)\b"
)


def _in_other_language(node, lang: str) -> bool:
    for parent in node.parents:
        if parent.name in ("script", "style", "title"):
            return True
        if parent.get("lang") and parent.get("lang") != lang:
            return True
    return False


def check_page(resp, *, lang: str = "hi") -> BeautifulSoup:
    assert resp.mimetype == "text/html", resp.mimetype
    soup = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    fragment = soup.html is None
    if not fragment:
        assert soup.html.get("lang") == lang, (
            f"<html lang> is {soup.html.get('lang')}, wanted {lang}"
        )
        h1 = soup.find_all("h1")
        assert len(h1) == 1, f"{len(h1)} <h1> on the page"
    ids = Counter(t["id"] for t in soup.find_all(id=True))
    dupes = [i for i, n in ids.items() if n > 1]
    assert not dupes, f"duplicate ids: {dupes}"
    for form in soup.find_all("form"):
        if form.get("method", "get").lower() == "post":
            token = form.find("input", attrs={"name": "csrf_token"})
            assert token and token.get("value"), (
                f"POST form to {form.get('action')} has no CSRF token"
            )
    if lang == "hi":
        leaks = []
        for text in soup.find_all(string=True):
            if not isinstance(text, NavigableString) or _in_other_language(text, lang):
                continue
            s = " ".join(text.split())
            if s and (any(p.match(s) for p in english_msgids()) or TECHNICAL_ENGLISH.search(s)):
                leaks.append(s)
        assert not leaks, f"English strings on a Hindi page: {leaks}"
    return soup
