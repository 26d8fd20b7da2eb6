"""Addresses: where a form may send the user back to, and the site's own address."""

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


def base_url() -> str:
    """The site's address as printed on letters and acknowledgements, without a final slash:
    EOFFICE_BASE_URL, else the address this request came to."""
    from flask import current_app, request

    return (current_app.config.get("BASE_URL") or request.url_root).rstrip("/")
