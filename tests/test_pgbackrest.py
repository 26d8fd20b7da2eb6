"""The point-in-time drill on pgBackRest (issue #31), on a system PostgreSQL of its own
(tests/syspg.py: Debian's server and Debian's pgBackRest, as in production): `flask backup
pgbackrest setup` (archiving through archive-push, the stanza), a full backup, dak diarised,
the time noted, more dak diarised and a differential backup; the primary dies with its disk;
`flask backup pgbackrest recover --to <the time>` and a start: exactly the first dak, its scan
back from the store's mirror, the audit chain whole. What this costs in lost work (the RPO) is
measured by `make bench-pitr`, not here."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import flask_migrate
import psycopg

from eoffice import MIGRATIONS
from eoffice.platform.clock import local
from tests import samples, syspg
from tests.conftest import Client
from tests.ownserver import app_on, dispose, libpq
from tests.test_pitr import _subjects
from tests.test_receipts import diarise


def site(pg: syspg.Cluster, tmp_path, pki, **config):
    """The app on the cluster's database `eoffice` (created when missing), driving its
    pgBackRest, with its backups (the logical ones and the store's mirror) under tmp_path."""
    return app_on(
        pg.admin_uri,
        tmp_path,
        pki,
        BACKUP_DIR=str(tmp_path / "backups"),
        PGBACKREST_STANZA=syspg.STANZA,
        PGBACKREST_CONFIG=str(pg.config),
        PGBACKREST_USER=syspg.os_user() or "",
        **config,
    )


def start_archiving(pg: syspg.Cluster, app) -> None:
    """As a DIO would: `flask backup pgbackrest setup`, the restart archive_mode asks for,
    `check` and a first full backup."""
    runner = app.test_cli_runner()
    out = runner.invoke(args=["backup", "pgbackrest", "setup"])
    assert out.exit_code == 0 and "restart PostgreSQL" in out.output, out.output
    dispose(app)
    pg.stop()
    pg.start()
    out = runner.invoke(args=["backup", "pgbackrest", "check"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(args=["backup", "pgbackrest", "full"])
    assert out.exit_code == 0 and "full backup written" in out.output, out.output


def archive_now(url: str) -> None:
    """The current WAL segment to the repository now (archive_timeout would within 60 s)."""
    with psycopg.connect(url, autocommit=True) as p:
        lsn = p.execute("SELECT pg_switch_wal()").fetchone()[0]
        closed = p.execute("SELECT pg_walfile_name(%s)", (lsn,)).fetchone()[0]
        for _ in range(300):
            done = p.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0]
            if done and done >= closed:
                return
            time.sleep(0.1)
    raise AssertionError(f"segment {closed} was not archived")


def wait_open(url: str) -> None:
    for _ in range(600):
        try:
            with psycopg.connect(url) as r:
                if not r.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError("the recovered server did not open")


def test_pgbackrest_recovers_to_a_moment_between_two_pieces_of_dak(tmp_path, pki):
    pg = syspg.Cluster.create()
    try:
        pg.start()
        app = site(pg, tmp_path, pki)
        with app.app_context():
            flask_migrate.upgrade(directory=str(MIGRATIONS))
        runner = app.test_cli_runner()
        assert runner.invoke(args=["seed-demo"]).exit_code == 0

        start_archiving(pg, app)

        c = Client(app.test_client())
        c.login("clerk.revenue")
        scan = [(io.BytesIO(samples.letter_photo()), "p.jpg")]
        assert diarise(c, subject="पहली डाक: खतौनी की नकल", scan=scan).status_code == 302
        with app.app_context():  # what the job worker does every five minutes
            from eoffice.ops import pitr

            assert pitr.mirror_store(tmp_path / "backups") >= 2
        time.sleep(1.2)
        moment = datetime.now(UTC).replace(microsecond=0)
        time.sleep(1.2)
        second = [(io.BytesIO(samples.pdf(1)), "b.pdf")]
        assert diarise(c, subject="दूसरी डाक: शस्त्र लाइसेंस", scan=second).status_code == 302
        out = runner.invoke(args=["backup", "pgbackrest", "diff"])
        assert out.exit_code == 0 and "differential backup written" in out.output, out.output
        db_url = libpq(app.config["OWNER_DATABASE_URI"])
        archive_now(db_url)
        info = runner.invoke(args=["backup", "pgbackrest", "info"])
        assert info.exit_code == 0 and "full backup" in info.output and "diff backup" in info.output

        # the primary dies with its disk; the store's folder is lost too
        dispose(app)
        pg.crash()
        for f in (tmp_path / "storage").rglob("*"):
            if f.is_file():
                f.unlink()
        # a recovery while the server runs is refused by pgBackRest, said in one line
        shown = local(moment).strftime("%d-%m-%Y %H:%M:%S")  # typed in India's time
        out = runner.invoke(args=["backup", "pgbackrest", "recover", "--to", shown])
        assert out.exit_code == 0, out.output
        assert "files put back into the store" in out.output, out.output
        pg.start()
        wait_open(db_url)
        assert _subjects(db_url) == ["पहली डाक: खतौनी की नकल"]
        check = runner.invoke(args=["storage", "check"])
        assert check.exit_code == 0 and " 0 missing or corrupt" in check.output, check.output
        verify = runner.invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output

        # the recovered server archives on a new timeline: work goes on and is backed up
        c = Client(app.test_client())
        c.login("clerk.revenue")
        third = diarise(c, subject="तीसरी डाक: बाद में", is_physical_only="y")
        assert third.status_code == 302, third.get_data(as_text=True)[-1500:]
        out = runner.invoke(args=["backup", "pgbackrest", "diff"])
        assert out.exit_code == 0, out.output
        bad = runner.invoke(args=["backup", "pgbackrest", "recover", "--to", "31-02-2026 10:00"])
        assert bad.exit_code != 0 and "--to" in bad.output
        running = runner.invoke(args=["backup", "pgbackrest", "recover"])
        assert running.exit_code == 1 and "pgbackrest restore" in running.output
        dispose(app)
    finally:
        pg.remove()
