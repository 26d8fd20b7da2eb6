"""Background jobs on procrastinate: a Postgres-backed queue, no broker.

Jobs are enqueued with procrastinate's own SQL function inside the request's transaction, so
a job exists if and only if the row it works on was committed. The worker runs beside the web
app: `flask --app wsgi jobs worker` (started by `make run`, and by gunicorn.conf.py's hooks in
production). Failed jobs are retried, and stay visible in `procrastinate_jobs` with their status.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import UTC, datetime

import click
import procrastinate
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from eoffice.platform.extensions import db

tasks = procrastinate.Blueprint()
#: email jobs: the mail server may be down for a while
MAIL_RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=60)
NAMESPACE = "eoffice"


def task_name(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def enqueue(name: str, queue: str, *, priority: int = 0, lock: str | None = None, **args) -> None:
    """Add a job in the current transaction (flush-only, like every service). The worker takes
    the highest priority first, then the oldest; jobs with the same `lock` run one at a time."""
    db.session.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, :lock, NULL, "
            "CAST(:args AS jsonb), NULL)]::procrastinate_job_to_defer_v1[])"
        ),
        {
            "queue": queue,
            "task": task_name(name),
            "priority": priority,
            "lock": lock,
            "args": json.dumps(args),
        },
    )


def waiting(name: str, statuses: tuple[str, ...] = ("todo", "doing"), **args) -> int:
    """How many jobs of this task with these arguments are waiting or running."""
    return db.session.execute(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task "
            "AND status = ANY(:statuses) AND args @> CAST(:args AS jsonb)"
        ),
        {"task": task_name(name), "args": json.dumps(args), "statuses": list(statuses)},
    ).scalar_one()


def job_status(name: str, **args) -> tuple[str, int] | None:
    """(status, attempts) of the newest job for these arguments, or None."""
    row = db.session.execute(
        text(
            "SELECT status, attempts FROM procrastinate_jobs WHERE task_name = :task "
            "AND args @> CAST(:args AS jsonb) ORDER BY id DESC LIMIT 1"
        ),
        {"task": task_name(name), "args": json.dumps(args)},
    ).first()
    return (row.status, row.attempts) if row else None


@contextlib.contextmanager
def in_app(app: Flask, *, request: bool = False):
    """A job's app context (`request`: a request context at BASE_URL, for url_for and the
    templates). A job that fails, the database gone mid-way among them, rolls its session back
    before the context ends: otherwise the broken session outlived the job and the next job
    given the same context slot failed with "Can't reconnect until invalid transaction is
    rolled back" (an email waited a retry after a Postgres restart); and the first job to meet
    a connection the restart had killed failed and waited for its retry.

    Always an app context of its own, pushed first: the database session is the app context's.
    `flask jobs worker` runs inside the command's app context, which procrastinate's threads
    inherit, and a request context alone pushes no app context when one of the same app is
    current: every request=True job then shared the command's one session across threads (a
    mail check waited on the connection a preparing email held, which waited on its own row
    lock: the worker stood still)."""
    request_ctx = (
        app.test_request_context(base_url=app.config["BASE_URL"])
        if request
        else contextlib.nullcontext()
    )
    with app.app_context(), request_ctx:
        try:  # a pooled connection from before a Postgres restart is found dead here, not by
            # the job: SQLAlchemy then drops the pool's older connections (a pre-ping, for jobs)
            db.session.execute(text("SELECT 1"))
        except OperationalError:
            db.session.rollback()
        try:
            yield
        except BaseException:
            with contextlib.suppress(Exception):
                db.session.rollback()
            raise


def make_queue(app: Flask) -> procrastinate.App:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url.render_as_string(hide_password=False))
    )
    # the handlers registered themselves on `tasks` when their domains' blueprints (and the
    # app's operations) were registered by create_app: this module imports no domain
    queue.add_tasks_from(tasks, namespace=NAMESPACE)
    return queue


jobs_cli = AppGroup("jobs", help="Background jobs (OCR of dak, email).")


#: the worker's lanes, each with its own concurrency: a heavy job (OCR of a 300-page scan, the
#: nightly backup, the district's pendency count) never holds up an email, an SMS or an anchor
LANES = (
    ("light", ("mail", "sms"), 2),
    ("heavy", ("ocr", "admin", "heavy"), 1),
)
#: a worker whose heartbeat is older than this is reported as stopped (health page, readiness)
HEARTBEAT_STALE_SECONDS = 180

log = logging.getLogger("eoffice.platform.jobs")


async def _run_lanes(queue: procrastinate.App, context: dict, stop: asyncio.Event) -> bool:
    """Run every lane until `stop` is set (True) or a lane fails (its exception is raised)."""
    async with queue.open_async():
        lanes = [
            asyncio.create_task(
                queue.run_worker_async(
                    queues=list(queues),
                    concurrency=concurrency,
                    name=f"eoffice-{name}",
                    additional_context=context,
                    install_signal_handlers=False,
                    shutdown_graceful_timeout=30,
                ),
                name=name,
            )
            for name, queues, concurrency in LANES
        ]
        stopper = asyncio.create_task(stop.wait())
        done, pending = await asyncio.wait([*lanes, stopper], return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if stopper in done:
            return True
        failed = next(iter(done))
        raise failed.exception() or RuntimeError(f"the {failed.get_name()} lane stopped")


def run_supervised(app: Flask) -> None:
    """The worker for production: all lanes, and when the database goes away (a restart, a
    failover, `backup archive-on`) it waits and connects again instead of exiting. SIGTERM or
    SIGINT stop it."""
    import signal
    import time

    queue = make_queue(app)  # once: the tasks bind to one procrastinate App
    delay = 1.0
    while True:
        started = time.monotonic()
        stop = asyncio.Event()

        async def main(stop=stop) -> bool:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.set)
            return await _run_lanes(queue, {"flask_app": app}, stop)

        try:
            if asyncio.run(main()):
                return
        except Exception as e:  # the database went away, or a lane died: connect again
            log.error("job worker lost its lanes (%r); restarting in %.0f s", e, delay)
        if time.monotonic() - started > 60:
            delay = 1.0  # it ran a while: the next failure starts the back-off again
        time.sleep(delay)
        delay = min(delay * 2, 30.0)


def last_heartbeat() -> datetime | None:
    """When a worker last said it was alive (procrastinate's own heartbeat, every 10 s)."""
    return db.session.execute(
        text("SELECT max(last_heartbeat) FROM procrastinate_workers")
    ).scalar_one()


def worker_state() -> tuple[str, datetime | None]:
    """('ok' | 'stale' | 'none', last heartbeat)."""
    beat = last_heartbeat()
    if beat is None:
        return "none", None
    age = (datetime.now(UTC) - beat).total_seconds()
    return ("ok" if age <= HEARTBEAT_STALE_SECONDS else "stale"), beat


@jobs_cli.command("worker")
@click.option("--once", is_flag=True, help="Work until the queues are empty, then stop.")
def worker(once: bool) -> None:
    """Run the job worker: a light lane (email, SMS, anchors) and a heavy lane (OCR, imports,
    backups), reconnecting when the database restarts."""
    app = current_app._get_current_object()
    if not once:
        run_supervised(app)
        return
    queue = make_queue(app)
    queue.run_worker(
        wait=False,
        concurrency=1,
        additional_context={"flask_app": app},
        install_signal_handlers=False,
    )


def include_name(name, type_, parent_names) -> bool:
    """For Alembic autogenerate: procrastinate's tables are its own, not our models'."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))
