"""CSV downloads that Excel opens in Hindi: UTF-8 with a BOM, and no cell read as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

#: a cell that begins with one of these is a formula to Excel (CSV injection)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(header: list[str], rows: Iterable[Iterable[object]], filename: str) -> Response:
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out)
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
