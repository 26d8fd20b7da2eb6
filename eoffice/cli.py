"""Command-line tasks: `flask seed-demo`, `flask audit verify`."""

import click
from flask import Flask
from flask.cli import AppGroup

from eoffice import audit
from eoffice.extensions import db


def register(app: Flask) -> None:
    from eoffice.admin.cli import setup_command, staff_cli
    from eoffice.jobs import jobs_cli

    app.cli.add_command(jobs_cli)
    app.cli.add_command(setup_command)
    app.cli.add_command(staff_cli)

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the Hindi demo district with demo users (does nothing if already loaded)."""
        from eoffice.org.demo import DEMO_PASSWORD, seed_demo
        from eoffice.signing.demo import DEMO_PIN, demo_dir, seed_signing_demo

        if seed_demo():
            db.session.commit()
            click.echo(f"Demo district loaded. Every demo user's password: {DEMO_PASSWORD}")
        else:
            db.session.commit()  # files, holidays, routes added to an older demo, if missing
            click.echo("Demo district already present; users unchanged.")
        if seed_signing_demo(DEMO_PASSWORD):
            db.session.commit()
            click.echo(
                f"Demo signing: a test CA in the trust store; adm.fr signs with PIN {DEMO_PIN}; "
                f"dm.lalitpur has a token whose key is {demo_dir()}/dm.lalitpur.p12"
            )

    storage_group = AppGroup("storage", help="The file store.")
    app.cli.add_command(storage_group)

    @storage_group.command("check")
    def storage_check():
        """Every file the database refers to is there with its SHA-256; files referred to by
        nothing are listed. Exit status 1 on a missing or corrupt file."""
        from eoffice import storage

        checked, faults, orphans = storage.check()
        for problem, where, sha in faults:
            click.echo(f"{problem.upper()}: {where} {sha} ({storage.path_for(sha)})")
        for path in orphans:
            click.echo(f"unreferenced: {path}")
        click.echo(
            f"{checked} files referred to, {len(faults)} missing or corrupt, "
            f"{len(orphans)} referred to by nothing"
        )
        raise SystemExit(1 if faults else 0)

    @app.cli.command("seed-bulk")
    @click.option("--files", default=1_000_000, show_default=True, help="10000 for a quick run")
    @click.option("--offices", default=40, show_default=True)
    @click.option("--users", default=5000, show_default=True)
    @click.option("--seed", default=1, show_default=True)
    def seed_bulk_command(files, offices, users, seed):
        """A large deterministic office for benchmarks: files, ~5 notes and ~10 movements each,
        a receipt per 5 files, in a district of its own (code BULK; log in as bulk.1.0 …)."""
        import time

        from eoffice.bulk import seed_bulk

        t0 = time.monotonic()
        counts = seed_bulk(files=files, offices=offices, users=users, seed=seed)
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
        click.echo(
            ", ".join(f"{k}: {v:,}" for k, v in counts.items())
            + f" — {time.monotonic() - t0:.0f} s"
        )

    @app.cli.command("pendency-digest")
    def pendency_digest_command():
        """Email every user the items pending with them now (the job worker does it daily)."""
        from flask import current_app

        from eoffice.movement.tasks import digest_now

        if not current_app.config.get("SMTP_HOST"):
            raise click.ClickException("EOFFICE_SMTP_HOST is not set: no email is sent.")
        click.echo(f"Digests sent: {digest_now(current_app._get_current_object())}")

    @app.cli.group("audit")
    def audit_group():
        """The audit trail."""

    @audit_group.command("verify")
    def audit_verify():
        """Recompute the hash chain; exit 1 at the first broken link."""
        count, bad = audit.verify()
        if bad is not None:
            click.echo(f"BROKEN: event {bad} does not follow from the {count} before it.", err=True)
            raise SystemExit(1)
        problem = audit.anchor_problem()
        if problem is not None:
            click.echo(problem, err=True)
            raise SystemExit(1)
        click.echo(f"OK: {count} events, chain intact, every anchored head present.")

    @audit_group.command("checkpoint")
    def audit_checkpoint():
        """Write the chain's head to the anchor file now (the job worker does it every 10 min)."""
        head = audit.checkpoint()
        click.echo(f"anchored: {head}" if head else "no events yet")
