"""The point-in-time drill, on a server of its own: archiving on, a base backup, dak
diarised, the time taken, more dak diarised; a recovery to that time has exactly the first
dak, its scans back in the store from the mirror, the audit chain whole."""

from __future__ import annotations

import io
import time
from datetime import UTC, datetime

import psycopg
import pytest

from eoffice.platform.clock import local
from eoffice.platform.database import embedded_server_uri
from tests import ownserver, samples
from tests.conftest import Client
from tests.ownserver import stop, with_database
from tests.test_receipts import diarise

pytestmark = ownserver.skip_on_external


def _subjects(url: str) -> list[str]:
    """The test's dak (seed-demo's citizen letter at Vikas Bhawan left aside)."""
    from eoffice.demo.citizens import MOBILE

    with psycopg.connect(url) as c:
        return [r[0] for r in c.execute(
            "SELECT subject FROM receipt WHERE citizen_mobile IS DISTINCT FROM %s ORDER BY id",
            (MOBILE,))]  # fmt: skip


def test_recover_to_a_moment_between_two_pieces_of_dak(tmp_path, pki):
    backups = tmp_path / "backups"
    app, admin = ownserver.primary(tmp_path, pki, BACKUP_DIR=str(backups))
    primary_dir, recovered = tmp_path / "primary", tmp_path / "recovered"
    runner = app.test_cli_runner()
    try:
        # as a DIO would: archive on (the embedded server restarts), then a base backup
        out = runner.invoke(args=["backup", "archive-on"])
        assert out.exit_code == 0, out.output
        with psycopg.connect(with_database(admin)) as c:
            assert c.execute("SHOW archive_mode").fetchone()[0] == "on"
        out = runner.invoke(args=["backup", "base"])
        assert out.exit_code == 0 and "base backup written" in out.output, out.output

        c = Client(app.test_client())
        c.login("clerk.revenue")
        scan = [(io.BytesIO(samples.letter_photo()), "p.jpg")]
        assert diarise(c, subject="पहली डाक: खतौनी की नकल", scan=scan).status_code == 302
        with app.app_context():  # what the job worker does every five minutes
            from eoffice.ops import pitr

            assert pitr.mirror_store(backups) >= 2  # the scan and its page preview
        time.sleep(1.2)
        moment = datetime.now(UTC).replace(microsecond=0)
        time.sleep(1.2)
        assert (
            diarise(
                c, subject="दूसरी डाक: शस्त्र लाइसेंस", scan=[(io.BytesIO(samples.pdf(1)), "b.pdf")]
            ).status_code
            == 302
        )
        with psycopg.connect(with_database(admin), autocommit=True) as p:
            # the current segment goes to the archive (archive_timeout would do it in 4 min)
            lsn = p.execute("SELECT pg_switch_wal()").fetchone()[0]
            closed = p.execute("SELECT pg_walfile_name(%s)", (lsn,)).fetchone()[0]
            for _ in range(100):
                done = p.execute("SELECT last_archived_wal FROM pg_stat_archiver").fetchone()[0]
                if done and done >= closed:
                    break
                time.sleep(0.1)
            assert done and done >= closed, "the segment was not archived"
        # the disk dies: the primary is gone, the store is empty
        stop(primary_dir)
        ownserver.dispose(app)
        for f in (tmp_path / "storage").rglob("*"):
            if f.is_file():
                f.unlink()

        shown = local(moment).strftime("%d-%m-%Y %H:%M:%S")  # typed in India's time
        out = runner.invoke(args=["backup", "recover", "--to", shown, "--into", str(recovered)])
        assert out.exit_code == 0, out.output
        assert "files put back" in out.output
        # the second dak's events were anchored after the moment: set aside, not held against it
        assert "heads set aside" in out.output, out.output
        server = embedded_server_uri(recovered)
        url = with_database(server)
        for _ in range(200):
            with psycopg.connect(url) as r:
                if not r.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    break
            time.sleep(0.1)
        assert _subjects(url) == ["पहली डाक: खतौनी की नकल"]
        # the app on the recovered server: its scan is whole and the trail intact
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["OWNER_DATABASE_URI"] = url.replace(
            "postgresql://", "postgresql+psycopg://"
        )
        from eoffice import create_app

        again = create_app({**app.config, "SQLALCHEMY_DATABASE_URI": app.config[
            "SQLALCHEMY_DATABASE_URI"]})  # fmt: skip
        check = again.test_cli_runner().invoke(args=["storage", "check"])
        assert check.exit_code == 0 and " 0 missing or corrupt" in check.output, check.output
        verify = again.test_cli_runner().invoke(args=["audit", "verify"])
        assert verify.exit_code == 0, verify.output
        ownserver.dispose(again)
    finally:
        stop(recovered)
        stop(primary_dir)


def test_recover_refuses_a_moment_before_any_base(tmp_path, pki):
    from eoffice.ops import pitr

    with pytest.raises(pitr.BackupError, match="no base backup"):
        pitr.recover(tmp_path, datetime(2020, 1, 1, tzinfo=UTC), tmp_path / "x")
