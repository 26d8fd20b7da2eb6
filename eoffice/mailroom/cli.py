"""`flask mail check`: read the office mailboxes now, as the job worker does every minute."""

import click
from flask.cli import with_appcontext


@click.group("mail", help="The office mailboxes (email dak).")
def mail_cli():
    pass


@mail_cli.command("check")
@click.option("--prepare", is_flag=True, help="Also prepare what was taken (else the worker does).")
@with_appcontext
def check_command(prepare: bool):
    """Take every new message of every enabled mailbox, batch after batch, until none waits."""
    from flask import current_app
    from sqlalchemy import select

    from eoffice.mailroom import services
    from eoffice.mailroom.models import MailDraft
    from eoffice.platform.extensions import db

    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        taken = already = 0
        while True:
            checked = services.check_all()
            for mailbox_id, c in checked.items():
                taken, already = taken + c.taken, already + c.already
                if c.problem:
                    click.echo(f"mailbox {mailbox_id}: {services.PROBLEMS[c.problem]}", err=True)
            if not any(c.waiting for c in checked.values()):
                break
        click.echo(f"Taken: {taken}; already taken before (only marked now): {already}")
        if prepare:
            for draft in db.session.scalars(
                select(MailDraft).where(MailDraft.status == "preparing").order_by(MailDraft.id)
            ):
                services.prepare(draft)
                if draft.ocr_status == "pending":
                    services.read_pages(draft)
                db.session.commit()
