"""Outgoing email over SMTP, only when EOFFICE_SMTP_HOST is set (in-app counts always work).

Every message is built one way (`build`) so that mail servers accept it: a Date in India
time, a Message-ID under the site's domain, the sending office's name as the sender's display
name, headers folded by the standard library, attachment names plain ASCII."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from eoffice.platform.clock import zone

#: CRLF line ends for SMTP; lines folded at 76, not 78: the standard library's folder lets an
#: RFC 2047 encoded word (a Hindi subject) run to 76 characters when lines may be 78, over the
#: standard's 75 — with 76 they stay within it
POLICY = SMTP.clone(max_line_length=76)


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def site_domain() -> str:
    """The site's host name (EOFFICE_BASE_URL), for Message-IDs."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def build(
    to: list[str],
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes]] = (),
    *,
    sender_name: str | None = None,
) -> EmailMessage:
    """The message, not sent. `attachments`: (ASCII file name, PDF bytes); `sender_name`: the
    office it comes from (default: ई-ऑफिस)."""
    cfg = current_app.config
    msg = EmailMessage(policy=POLICY)
    _name, address = parseaddr(cfg["SMTP_FROM"])
    msg["From"] = formataddr((sender_name or "ई-ऑफिस", address or cfg["SMTP_FROM"]))
    msg["To"] = ", ".join(to)
    msg["Subject"] = " ".join(subject.split())  # one line: no header injection, no stray folds
    msg["Date"] = format_datetime(datetime.now(zone()))  # +0530
    msg["Message-ID"] = make_msgid(domain=site_domain())
    msg.set_content(body)  # UTF-8: Hindi subject and body as they are
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def send(
    to: list[str],
    subject: str,
    body: str,
    attachments: list[tuple[str, bytes]] = (),
    *,
    sender_name: str | None = None,
) -> None:
    cfg = current_app.config
    msg = build(to, subject, body, attachments, sender_name=sender_name)
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=30) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
        smtp.send_message(msg)


def send_to_user(user, subject, template: str, **context) -> None:
    """One email to `user` in their own language, from their office: `subject` is called (and
    `template` rendered, with `user` and `context`) inside that locale."""
    from flask import render_template
    from flask_babel import force_locale

    with force_locale(user.locale or "hi"):
        title = subject()
        body = render_template(template, user=user, **context)
        office = user.office.name if getattr(user, "office", None) is not None else None
    send([user.email], title, body, sender_name=office)
