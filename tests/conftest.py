"""Fixtures: a real PostgreSQL (embedded, or TEST_DATABASE_URL / DATABASE_URL's server),
migrated once; every test inside a transaction that is rolled back (SAVEPOINTs for the
app's own commits); a live gunicorn with the demo district for browser tests."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import scoped_session, sessionmaker

from eoffice import MIGRATIONS, create_app
from eoffice.platform.database import embedded_server_uri, ensure_app_role, ensure_database
from eoffice.platform.extensions import db as _db
from tests.html import check_page
from tests.ports import free_port as _free_port

ROOT = Path(__file__).resolve().parent.parent

#: the test database's name: EOFFICE_TEST_DB lets a second run share the server without
#: dropping the first run's database
TEST_DB = os.environ.get("EOFFICE_TEST_DB", "eoffice_test")

#: every commit anchors the audit head: the tests (and the servers and commands they start)
#: write theirs here, never into the developer's instance/audit, under a key of their own
_AUDIT = Path(tempfile.mkdtemp(prefix="eoffice-test-audit-"))
os.environ["EOFFICE_AUDIT_ANCHOR"] = str(_AUDIT / "anchor.jsonl")
os.environ["EOFFICE_AUDIT_KEY_FILE"] = str(_AUDIT / "audit.key")
#: the live server's anchor file (its own: the commands that check it pass it on)
LIVE_ANCHOR = _AUDIT / "live" / "anchor.jsonl"


#: the app role's password for this run (the embedded server trusts local connections; a
#: TEST_DATABASE_URL server may not)
APP_ROLE_PASSWORD = secrets.token_hex(16)


@pytest.fixture(scope="session")
def server_uri() -> str:
    """A Postgres server on which the tests may create their own databases."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    return url or embedded_server_uri(ROOT / "instance" / "pgtest")


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    """A test CA (not a fake: real RSA keys and X.509), its trust directory with a CRL, a way
    to issue certificates, and its time-stamping authority, OCSP responder and CRLs served over
    HTTP by certomancer (pyHanko's test PKI tool) on a local port. `pki.refresh()` rewrites the
    CRL and the services' configuration after a revocation; issuing refreshes by itself."""
    from eoffice.signing.pki import DemoCA, Services, write_services_config

    services = Services()
    ca = DemoCA.create()
    ca.services_url = services.url
    base = tmp_path_factory.mktemp("pki")
    ca.trust_dir = base / "trust"

    def refresh():
        ca.write_trust_dir(ca.trust_dir)
        services.load(write_services_config(ca, base / "services"))

    issue = ca.issue

    def issue_and_serve(*args, **kwargs):
        key_cert = issue(*args, **kwargs)
        refresh()  # the OCSP responder answers only for certificates it knows
        return key_cert

    ca.refresh, ca.issue = refresh, issue_and_serve
    refresh()
    yield ca
    services.stop()


class CheckingClient(FlaskClient):
    """Every HTML answer the tests receive is checked (tests/html.py), pages and htmx
    fragments alike, in the language the answer says it is in: a new page cannot skip it."""

    def open(self, *args, **kwargs):
        resp = super().open(*args, **kwargs)
        if resp.mimetype == "text/html" and not resp.is_streamed and resp.status_code != 304:
            lang = resp.headers.get("Content-Language", "hi")
            soup = check_page(resp, lang=lang)
            request = resp.request
            if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
                assert soup.html is None, f"{request.path}: an htmx answer is a whole page"
        return resp


@pytest.fixture(scope="session")
def app(server_uri, tmp_path_factory, pki):
    # as in production: migrations as the owner, the app as a role with grants only
    owner = ensure_database(server_uri, TEST_DB, recreate=True)
    url = ensure_app_role(owner, password=APP_ROLE_PASSWORD)
    storage = tmp_path_factory.mktemp("storage")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "OWNER_DATABASE_URI": owner,
            "TESTING": True,
            "STORAGE_DIR": str(storage),
            "TRUST_DIR": str(pki.trust_dir),
            "TSA_URL": pki.tsa_url,
            "AUDIT_ANCHOR": str(tmp_path_factory.mktemp("audit") / "anchor.jsonl"),
        }
    )
    app.test_client_class = CheckingClient
    with app.app_context():
        flask_migrate.upgrade(directory=str(MIGRATIONS))
        _db.engine.dispose()
    return app


@pytest.fixture(autouse=True)
def _own_audit_anchor(request, tmp_path):
    """Each test anchors the audit head in a file of its own: its events are rolled back, so
    a head anchored by one test must not be held against the next."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").config["AUDIT_ANCHOR"] = str(tmp_path / "anchor.jsonl")


@pytest.fixture
def db(app):
    """The app's session bound to one connection whose transaction is rolled back after the test.

    No app context stays pushed: the test client must get a fresh one (and a fresh `g`) for
    every request, as in production.
    """
    with app.app_context():
        conn = _db.engine.connect()
    yield from _rolled_back_session(conn)


@pytest.fixture
def owner_db(app):
    """The same, but connected as the database's owner: what an attacker with the owner's (or
    a superuser's) connection could do, which the app's own role cannot."""
    from sqlalchemy import create_engine, pool

    engine = create_engine(app.config["OWNER_DATABASE_URI"], poolclass=pool.NullPool)
    yield from _rolled_back_session(engine.connect())
    engine.dispose()


def _rolled_back_session(conn):
    outer = conn.begin()
    original = _db.session
    _db.session = scoped_session(
        sessionmaker(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
    )
    try:
        yield _db
    finally:
        _db.session.remove()
        outer.rollback()
        conn.close()
        _db.session = original


class Client:
    """The Flask test client, plus: CSRF tokens taken from pages, parsed and checked HTML."""

    def __init__(self, flask_client):
        self.c = flask_client

    def __getattr__(self, name):
        return getattr(self.c, name)

    def csrf(self, url: str = "/login") -> str:
        html = self.c.get(url).get_data(as_text=True)
        m = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
            r'name="csrf_token" value="([^"]+)"', html
        )
        assert m, f"no CSRF token on {url}"
        return m.group(1)

    def page(self, url: str, *, status: int = 200, lang: str = "hi", **kw):
        resp = self.c.get(url, **kw)
        assert resp.status_code == status, (url, resp.status_code, resp.location)
        return check_page(resp, lang=lang)

    def submit(self, url: str, data: dict, *, form_page: str | None = None, **kw):
        """POST `data` with the CSRF token from `form_page` (default: `url` itself)."""
        token = self.csrf(form_page or url)
        return self.c.post(url, data={"csrf_token": token, **data}, **kw)

    def login(self, login_id: str, password: str = "demo@1234"):
        resp = self.submit("/login", {"login_id": login_id, "password": password})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
        return resp


@pytest.fixture
def client(app, db):
    return Client(app.test_client())


@pytest.fixture
def demo(db):
    from eoffice.demo.office import seed_demo

    assert seed_demo()
    db.session.commit()  # releases a SAVEPOINT only; see tests/factories.py
    return db


# --- a live server for browser tests ----------------------------------------------------


@pytest.fixture(scope="session")
def live_db_url(server_uri):
    """The live server's own database (tests read it to check what the server did)."""
    return ensure_database(server_uri, f"{TEST_DB}_live", recreate=True)


@pytest.fixture(scope="session")
def live_trust_dir(tmp_path_factory) -> Path:
    """The live server's trust directory; seed-demo puts the demo signers' .p12 files beside
    it, in ../demo (the browser tests sign with them through eoffice-sign)."""
    return tmp_path_factory.mktemp("live-pki") / "trust"


@pytest.fixture(scope="session")
def live_smtp():
    """A real SMTP server on loopback for the live server (aiosmtpd): messages land in .messages."""
    from aiosmtpd.controller import Controller

    from tests.test_notifications import Inbox

    port = _free_port()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    yield inbox
    controller.stop()
    assert not inbox.problems, inbox.problems  # every message a strict mail server accepts


@pytest.fixture(scope="session")
def live_mail():
    """A real IMAP server (Dovecot, tests/dovecot.py) that the live server's office mailbox
    can be set to: the live server trusts its CA."""
    from tests import dovecot

    server = dovecot.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory):
    """A real distributed object store with an S3 gateway (SeaweedFS, tests/seaweed.py), one
    for the session; each test that uses it takes a prefix of its own."""
    from tests import seaweed as weed

    server = weed.start(tmp_path_factory.mktemp("seaweed"))
    yield server
    server.remove()


@pytest.fixture(scope="session")
def live_server(live_db_url, tmp_path_factory, live_trust_dir, live_smtp, live_mail):
    """gunicorn (production config, two workers, job worker) over a fresh demo database, its
    demo CA's time-stamping, OCSP and CRLs served by certomancer as `make run` serves them."""
    from eoffice.signing.pki import Services, tsa_url

    url = ensure_app_role(live_db_url, password=APP_ROLE_PASSWORD)
    storage = tmp_path_factory.mktemp("live-storage")
    port = _free_port()
    pki_services = Services()  # its address goes into the demo certificates at seeding
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": live_db_url,
        "EOFFICE_STORAGE_DIR": str(storage),
        "EOFFICE_AUDIT_ANCHOR": str(LIVE_ANCHOR),
        "EOFFICE_TRUST_DIR": str(live_trust_dir),
        "EOFFICE_SMTP_HOST": "127.0.0.1",
        "EOFFICE_SMTP_PORT": str(live_smtp.port),
        "EOFFICE_BIND": f"127.0.0.1:{port}",
        "EOFFICE_WORKERS": "2",
        "EOFFICE_DEMO_PKI_URL": pki_services.url,
        "EOFFICE_TSA_URL": tsa_url(pki_services.url),
        "EOFFICE_MAIL_CA_FILE": str(live_mail.ca_file),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "seed-demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    pki_services.load(live_trust_dir.parent / "services" / "certomancer.yml")
    log = tmp_path_factory.mktemp("live") / "gunicorn.log"
    # the production config: its hooks start the job worker with the app
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start:\n" + log.read_text()) from None
            time.sleep(0.3)
    yield base
    proc.terminate()
    proc.wait(10)
    pki_services.stop()


@contextmanager
def slots_taken(app, kind: str, slots: int):
    """Every `kind` slot ("heavy", "search") held from other connections, as other workers'
    requests would hold them, until the block ends."""
    from sqlalchemy import text as sql

    with app.app_context():
        holders = [_db.engine.connect() for _ in range(slots)]
    try:
        for i, conn in enumerate(holders):
            conn.execute(
                sql("SELECT pg_advisory_lock(hashtextextended(:k, 0))"), {"k": f"{kind}-slot:{i}"}
            )
        yield
    finally:
        for conn in holders:  # session locks outlive a pooled connection's return: unlock
            conn.execute(sql("SELECT pg_advisory_unlock_all()"))
            conn.close()
