"""A PDF made for this request (a register, a report), shown in the browser and never cached —
unless the heavy slots are taken, when the user is sent back with a word to try again."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, current_app, flash, redirect
from flask_babel import gettext as _
from flask_login import current_user

from eoffice.platform.locks import heavy_slot


def printed(make_pdf: Callable[[], bytes], filename: str, back: str) -> Response:
    """`make_pdf()` as an inline PDF named `filename`; one at a time per user among the heavy
    slots (WeasyPrint lays out a few hundred table rows a second)."""
    if not heavy_slot(f"user:{current_user.id}", current_app.config["HEAVY_SLOTS"]):
        flash(
            _("The server is busy making other documents. Please try again in a minute."), "error"
        )
        return redirect(back)
    return current_app.response_class(
        make_pdf(),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
