"""Input no person types, refused before any view sees it: NUL bytes (Postgres cannot store
them, and an unguarded one was a 500), and numbers too large for the database's ids.

`guard` runs before every request. `to_int` and `IdConverter` keep ids and page numbers inside
Postgres's integer range, so `/receipts/99999999999999999999` is a 404, not a 500."""

from __future__ import annotations

import uuid

from flask import abort, request
from werkzeug.routing import IntegerConverter

#: int4 ids: every id, serial, page and version number fits (2,147,483,647)
MAX_ID = 2**31 - 1


def form_key(value: str | None) -> uuid.UUID:
    """A form's idempotency key; a damaged or missing one is a fresh key (the form then acts
    once, as a form without a key would)."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return uuid.uuid4()


def to_int(value, default=None):
    """A whole number from a form or query value, or `default` when it is not one or is out of
    the database's range."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or not text.isascii() or len(text) > 10:
        return default
    n = int(text)
    return n if n <= MAX_ID else default


class IdConverter(IntegerConverter):
    """`<int:…>` in routes: at most MAX_ID (werkzeug answers 404 beyond it)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _has_nul(values) -> bool:
    return any("\x00" in v for v in values if isinstance(v, str))


def guard() -> None:
    """before_request: a NUL byte in the path, a query value, a form field or a file name is
    refused with a 400 page in the user's language; nothing reaches the database."""
    if "\x00" in request.path or _has_nul(request.args.keys()) or _has_nul(request.args.values()):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ):
        form = request.form
        if _has_nul(form.keys()) or _has_nul(form.values()):
            abort(400)
        if _has_nul(f.filename for f in request.files.values()):
            abort(400)


def db_int(value) -> int:
    """For `request.args.get(name, default, type=db_int)`: ValueError (so the default) when
    the value is no whole number in the database's range."""
    n = to_int(value)
    if n is None:
        raise ValueError(value)
    return n
