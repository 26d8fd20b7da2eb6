"""The mailbox worker killed mid-way (issue #30): `flask mail check` (the job worker's own
check, services.check_all) is started against a real Dovecot holding 300 messages and killed
with SIGKILL again and again while it takes them: whatever instant it dies (before a commit,
between a commit and the seen mark), the next run takes every message exactly once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from email.message import EmailMessage

import psycopg
import pytest

from eoffice.platform.database import ensure_app_role, ensure_database
from tests import dovecot
from tests.conftest import APP_ROLE_PASSWORD, ROOT, TEST_DB
from tests.ownserver import libpq

N = 300

SET_MAILBOX = """
from sqlalchemy import select
from wsgi import app
from eoffice.mailroom import services
from eoffice.org.models import Office, User
from eoffice.org.services import actor_for
from eoffice.platform.extensions import db
with app.test_request_context():
    office = db.session.scalar(select(Office).where(Office.code == "कले"))
    nodal = db.session.scalar(select(User).where(User.login_id == "nodal"))
    services.save_mailbox(actor_for(nodal), office, {
        "host": "127.0.0.1", "port": os.environ["DRILL_PORT"], "security": "ssl",
        "username": os.environ["DRILL_USER"], "password": os.environ["DRILL_PASSWORD"],
        "folder": "INBOX", "enabled": "y"})
    db.session.commit()
"""


def _message(n: int) -> bytes:
    m = EmailMessage()
    m["From"] = f"ग्राम प्रधान {n} <pradhan{n}@example.in>"
    m["Subject"] = f"हैंडपंप मरम्मत हेतु आवेदन {n}"
    m["Message-ID"] = f"<drill-{n}@example.in>"
    m.set_content(f"महोदय, ग्राम {n} का हैंडपंप खराब है। कृपया मरम्मत कराएँ।")
    return m.as_bytes()


@pytest.fixture
def drill(server_uri, tmp_path):
    owner = ensure_database(server_uri, f"{TEST_DB}_maildrill", recreate=True)
    url = ensure_app_role(owner, password=APP_ROLE_PASSWORD)
    server = dovecot.start()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": owner,
        "EOFFICE_STORAGE_DIR": str(tmp_path / "storage"),
        "EOFFICE_AUDIT_ANCHOR": str(tmp_path / "anchor.jsonl"),
        "EOFFICE_MAIL_CA_FILE": str(server.ca_file),
        "DRILL_PORT": str(server.port),
        "DRILL_USER": server.user,
        "DRILL_PASSWORD": server.password,
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    for step in (["db", "upgrade"], ["seed-demo"]):
        subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [sys.executable, "-c", "import os\n" + SET_MAILBOX], cwd=ROOT, env=env, check=True
    )
    yield server, env, libpq(owner)
    server.stop()


def _taken(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as c:
        return c.execute("SELECT count(*), count(DISTINCT message_id) FROM mail_draft").fetchone()


def test_killed_again_and_again_nothing_twice_nothing_lost(drill):
    server, env, url = drill
    c = server.client()
    for n in range(N):
        c.append("INBOX", None, None, _message(n))
    c.logout()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "mail", "check"]
    rng = random.Random(30)
    kills, midway = 0, 0
    while kills < 8:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        before = _taken(url)[0]
        deadline = time.monotonic() + 60
        while _taken(url)[0] == before and proc.poll() is None:  # wait until it is taking
            assert time.monotonic() < deadline
            time.sleep(0.05)
        time.sleep(rng.uniform(0.0, 0.4))
        if proc.poll() is not None:
            break  # it finished before it could be killed
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        total, distinct = _taken(url)
        assert total == distinct  # never a message twice, at any instant
        midway += 0 < total < N
    assert kills >= 3 and midway >= 3, (kills, midway)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _taken(url) == (N, N)
    assert server.unseen() == 0
    with psycopg.connect(url) as c:
        audit = c.execute("SELECT count(*) FROM audit_event WHERE action = 'mail_take'").fetchone()
    assert audit[0] == N
