"""`flask pendency-digest`: each user's pending items by email, now."""

import click
from flask.cli import with_appcontext


@click.command("pendency-digest")
@with_appcontext
def pendency_digest_command():
    """Email every user the items pending with them now (the job worker does it daily)."""
    from flask import current_app

    from eoffice.movement.jobs import digest_now

    if not current_app.config.get("SMTP_HOST"):
        raise click.ClickException("EOFFICE_SMTP_HOST is not set: no email is sent.")
    click.echo(f"Digests sent: {digest_now(current_app._get_current_object())}")
