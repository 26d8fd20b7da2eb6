"""Where a form may send the user back to."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host (open redirect). Browsers drop tabs and
    newlines inside a URL and read a backslash as a slash, so "/\t/evil.example" is
    "//evil.example" to them: any control character, space or backslash refuses the target."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return None
    for form in (target, unquote(target)):  # and once more decoded, as some proxies do
        if any(c <= " " or c in "\\\x7f" for c in form) or form.startswith("//"):
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
