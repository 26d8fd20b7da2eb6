"""`flask register-reminders`: the register reminders now (the job worker sends them daily)."""

import click
from flask.cli import with_appcontext


@click.command("register-reminders")
@with_appcontext
def register_reminders_command():
    """Remind the holders of items whose register limit is near or past, now."""
    from flask import current_app

    from eoffice.platform.extensions import db
    from eoffice.records.registers import send_reminders

    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        sent = send_reminders()
        db.session.commit()
    click.echo(f"Reminders sent: {sent}")
