"""Outgoing email over SMTP, only when EOFFICE_SMTP_HOST is set (in-app counts always work)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send(to: list[str], subject: str, body: str, attachments: list[tuple[str, bytes]] = ()) -> None:
    """`attachments`: (file name, PDF bytes)."""
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["SMTP_FROM"]
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)  # UTF-8: Hindi subject and body as they are
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(msg)


def send_to_user(user, subject, template: str, **context) -> None:
    """One email to `user` in their own language: `subject` is called (and `template`
    rendered, with `user` and `context`) inside that locale."""
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(user.locale or "hi"):
        title = subject()
        body = render_template(template, user=user, **context)
    send([user.email], title, body)
