"""Rows of a list kept rendered, per process, by everything they show.

A busy desk opens its inbox dozens of times a day and its 25 rows hardly change between visits;
each row was rendered afresh every time (about fifteen escaped values and three translations a
row: 0.45 of the inbox's 3.2 ms of Python). `kept_each(macro, items, *shared)` renders
`macro(item, *shared)` once per distinct key and reuses the HTML after. The key is the whole
input: the item (a frozen dataclass: every field, today's date among them), the shared
arguments, the page's language and where the app is mounted. So the macro must read nothing
else: no `current_user`, no `request`, no clock (tests/test_movement.py checks that a kept row
changes when the item is opened, the day turns and the language changes). The macro is known
by its compiled code (Jinja's `Macro._func`): a template reloaded in development is a new key.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from flask import request
from flask_babel import get_locale
from markupsafe import Markup

from eoffice.platform.kept import Kept

#: (macro's code, language, mount point, shared arguments, item) → the row's HTML: a few
#: thousand desks' pages, about 700 bytes a row, some 14 MB at the most per worker
_KEPT = Kept(20_000)


def kept_each(macro, items: Iterable[Hashable], *shared: Hashable) -> Markup:
    """`macro(item, *shared)` for each item, joined; each rendered once per process."""
    page = (macro._func.__code__, str(get_locale()), request.script_root, shared)
    out = []
    for item in items:
        key = (page, item)
        html = _KEPT.get(key)
        if html is None:
            html = _KEPT.keep(key, Markup(macro(item, *shared)))
        out.append(html)
    return Markup("").join(out)
