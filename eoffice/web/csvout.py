"""CSV downloads that Excel opens in Hindi: UTF-8 with a BOM, and no cell read as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response

#: a cell that begins with one of these is a formula to Excel (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


#: Excel in a semicolon-list locale (much of Europe; some Indian PCs set so) splits a cell at
#: ";": "x;=1+1" became a cell "=1+1". A formula start after any separator is defused too.
_AFTER_SEPARATOR = re.compile(r"([;,\t\r\n]\s*)([=+\-@])")


def safe(value: object) -> str:
    text = "" if value is None else str(value)
    text = _AFTER_SEPARATOR.sub(r"\1'\2", text)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(header: list[str], rows: Iterable[Iterable[object]], filename: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, quoting=csv.QUOTE_ALL)  # one cell stays one cell in every locale
    w.writerow([safe(h) for h in header])
    for row in rows:
        w.writerow([safe(c) for c in row])
    return Response(
        out.getvalue().encode("utf-8"),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
