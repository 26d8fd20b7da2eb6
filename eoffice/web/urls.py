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


#: {(script root, endpoint): path} of the pages named without arguments (a page's header,
#: navigation and tabs name about twenty; each is the same for every request of a process)
_BARE: dict[tuple[str, str], str] = {}


def url_for(endpoint: str, **values) -> str:
    """Flask's url_for, remembering the address of a page named without arguments (relative
    endpoints and anything with values are built every time)."""
    from flask import has_request_context, request
    from flask import url_for as build

    if values or endpoint.startswith(".") or not has_request_context():
        return build(endpoint, **values)
    key = (request.script_root, endpoint)
    found = _BARE.get(key)
    if found is None:
        found = build(endpoint)
        if len(_BARE) < 1000:
            _BARE[key] = found
    return found
