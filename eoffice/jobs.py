"""Background jobs on procrastinate: a Postgres-backed queue, no broker.

Jobs are enqueued with procrastinate's own SQL function inside the request's transaction, so
a job exists if and only if the row it works on was committed. The worker runs beside the web
app: `flask --app wsgi jobs worker` (started by `make run`, and by gunicorn.conf.py's hooks in
production). Failed jobs are retried, and stay visible in `procrastinate_jobs` with their status.
"""

from __future__ import annotations

import json

import click
import procrastinate
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import text
from sqlalchemy.engine import make_url

from eoffice.extensions import db

tasks = procrastinate.Blueprint()
#: email jobs: the mail server may be down for a while
MAIL_RETRY = procrastinate.RetryStrategy(max_attempts=5, wait=60)
NAMESPACE = "eoffice"


def task_name(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def enqueue(name: str, queue: str, *, priority: int = 0, **args) -> None:
    """Add a job in the current transaction (flush-only, like every service). The worker takes
    the highest priority first, then the oldest."""
    db.session.execute(
        text(
            "SELECT procrastinate_defer_jobs_v1(ARRAY[ROW(:queue, :task, :priority, NULL, NULL, "
            "CAST(:args AS jsonb), NULL)]::procrastinate_job_to_defer_v1[])"
        ),
        {"queue": queue, "task": task_name(name), "priority": priority, "args": json.dumps(args)},
    )


def waiting(name: str, **args) -> int:
    """How many jobs of this task with these arguments are waiting or running."""
    return db.session.execute(
        text(
            "SELECT count(*) FROM procrastinate_jobs WHERE task_name = :task "
            "AND status IN ('todo', 'doing') AND args @> CAST(:args AS jsonb)"
        ),
        {"task": task_name(name), "args": json.dumps(args)},
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


def make_queue(app: Flask) -> procrastinate.App:
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).set(drivername="postgresql")
    queue = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=url.render_as_string(hide_password=False))
    )
    import eoffice.admin.tasks  # noqa: F401
    import eoffice.audit_tasks  # noqa: F401
    import eoffice.citizens.notices  # noqa: F401
    import eoffice.citizens.sms  # noqa: F401
    import eoffice.dispatch.tasks  # noqa: F401
    import eoffice.movement.tasks  # noqa: F401  (each module registers its tasks)
    import eoffice.org.tasks  # noqa: F401
    import eoffice.receipts.tasks  # noqa: F401
    import eoffice.tasks.jobs  # noqa: F401

    queue.add_tasks_from(tasks, namespace=NAMESPACE)
    return queue


jobs_cli = AppGroup("jobs", help="Background jobs (OCR of dak, email).")


@jobs_cli.command("worker")
@click.option("--once", is_flag=True, help="Work until the queues are empty, then stop.")
def worker(once: bool) -> None:
    """Run the job worker (all queues)."""
    queue = make_queue(current_app._get_current_object())
    queue.run_worker(
        wait=not once,
        concurrency=1,
        additional_context={"flask_app": current_app._get_current_object()},
        install_signal_handlers=not once,
    )


def include_name(name, type_, parent_names) -> bool:
    """For Alembic autogenerate: procrastinate's tables are its own, not our models'."""
    return not (type_ == "table" and name and name.startswith("procrastinate_"))
