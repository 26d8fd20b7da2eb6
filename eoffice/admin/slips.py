"""The printable one-time password slips: one per new user, in Hindi, cut along the lines."""

from __future__ import annotations

from flask import current_app, render_template

from eoffice.org.models import Office, User
from eoffice.signing.pdf import _pdf


def slips_pdf(office: Office, people: list[tuple[User, str]]) -> bytes:
    return _pdf(
        render_template(
            "pdf/slips.html",
            office=office,
            people=people,
            url=current_app.config["BASE_URL"],
        )
    )
