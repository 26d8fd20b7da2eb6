"""`flask reports-rollup`: the district's pendency recounted now."""

import click
from flask.cli import with_appcontext

from eoffice.platform.extensions import db


@click.command("reports-rollup")
@with_appcontext
def reports_rollup_command():
    """Recount the district's pendency now (the job worker does it every ten minutes)."""
    import time

    from eoffice.reports import rollup

    t0 = time.monotonic()
    rows = rollup.refresh()
    db.session.commit()
    click.echo(f"held_rollup: {rows} rows in {time.monotonic() - t0:.1f} s")
