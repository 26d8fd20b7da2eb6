"""Booting writes nothing to the database (hostile round 3, item 5): every gunicorn worker
boots through the embedded set-up, and concurrent GRANTs failed ("tuple concurrently updated"),
as does any write while a recovered server still replays WAL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import psycopg

from eoffice.platform.database import ensure_app_role, ensure_database
from tests.ownserver import libpq


def test_eight_workers_boot_at_once_on_a_read_only_database(server_uri):
    owner = ensure_database(server_uri, "eoffice_boot", recreate=True)
    ensure_app_role(owner, role="eoffice_boot_app")  # set-up: what `flask db upgrade` runs first
    admin = libpq(server_uri)
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute("ALTER DATABASE eoffice_boot SET default_transaction_read_only = on")
    try:
        with psycopg.connect(libpq(owner)) as c:  # a write would fail here, as in recovery
            assert c.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
        with ThreadPoolExecutor(8) as pool:
            urls = list(
                pool.map(lambda _: ensure_app_role(owner, role="eoffice_boot_app"), range(8))
            )
        assert len(set(urls)) == 1 and "eoffice_boot_app" in urls[0]
    finally:
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute('DROP DATABASE IF EXISTS "eoffice_boot" WITH (FORCE)')
