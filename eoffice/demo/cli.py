"""`flask seed-demo` (the Hindi demo district) and `flask seed-bulk` (the benchmark district)."""

import click
from flask.cli import with_appcontext

from eoffice.ops.cli import signing_cli
from eoffice.platform.extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the Hindi demo district with demo users (does nothing if already loaded)."""
    from eoffice.demo.office import DEMO_PASSWORD, seed_demo
    from eoffice.demo.signing import DEMO_PIN, demo_dir, seed_signing_demo

    if seed_demo():
        db.session.commit()
        click.echo(f"Demo district loaded. Every demo user's password: {DEMO_PASSWORD}")
    else:
        db.session.commit()  # files, holidays, routes added to an older demo, if missing
        click.echo("Demo district already present; users unchanged.")
    from eoffice.demo.citizens import seed_citizen_letter

    letter = seed_citizen_letter()
    if letter is not None:
        db.session.commit()
        click.echo(f"Demo citizen: /status with {letter.diary_number} and the digits 4321")
    if seed_signing_demo(DEMO_PASSWORD):
        db.session.commit()
        click.echo(
            f"Demo signing: a test CA in the trust store; adm.fr signs with PIN {DEMO_PIN}; "
            f"dm.lalitpur has a token whose key is {demo_dir()}/dm.lalitpur.p12"
        )


@click.command("seed-bulk")
@with_appcontext
@click.option("--files", default=1_000_000, show_default=True, help="10000 for a quick run")
@click.option("--offices", default=40, show_default=True)
@click.option("--users", default=5000, show_default=True)
@click.option("--seed", default=1, show_default=True)
def seed_bulk_command(files, offices, users, seed):
    """A large deterministic office for benchmarks: files, ~5 notes and ~10 movements each,
    a receipt per 5 files, in a district of its own (code BULK; log in as bulk.1.0 …)."""
    import time

    from eoffice.demo.bulk import seed_bulk

    t0 = time.monotonic()
    counts = seed_bulk(files=files, offices=offices, users=users, seed=seed)
    db.session.commit()
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()
    click.echo(
        ", ".join(f"{k}: {v:,}" for k, v in counts.items()) + f" — {time.monotonic() - t0:.0f} s"
    )


@signing_cli.command("demo-services")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5001, show_default=True)
@with_appcontext
def demo_services_command(host: str, port: int):
    """Serve the demo CA's TSA, OCSP responder and CRLs (certomancer) until stopped."""
    from werkzeug.serving import run_simple

    from eoffice.demo.signing import services_config
    from eoffice.signing.pki import services_app

    config = services_config()
    if not config.exists():
        raise click.ClickException(
            f"{config} is missing: seed the demo with EOFFICE_DEMO_PKI_URL set (make run does)."
        )
    run_simple(host, port, services_app(config), threaded=True)
