"""Each job has its own database session, also under `flask jobs worker`.

The worker command runs inside the CLI's app context, and procrastinate runs each sync job in a
thread that inherits it (asgiref copies the context). A request context pushes no app context
of its own when one of the same app is current, so jobs run with `in_app(app, request=True)`
(email, SMS, the mailbox check, preparing an email) all used the command's one session from
several threads: found by `bench/mail_intake.py`, where a mailbox check waited on the connection
a preparing email held while that email waited on its own row lock, and the worker stood still.
"""

from __future__ import annotations

import contextvars
import threading

from sqlalchemy import text

from eoffice.platform import jobs
from eoffice.platform.extensions import db


def _run_two_jobs(app, request: bool) -> list:
    sessions: list = []
    together = threading.Barrier(2)

    def job() -> None:
        with jobs.in_app(app, request=request):
            sessions.append(db.session())
            db.session.execute(text("SELECT 1"))
            together.wait(timeout=10)  # both jobs running at once, as the lanes run them

    with app.app_context():  # what `flask jobs worker` runs in
        threads = [
            threading.Thread(target=contextvars.copy_context().run, args=(job,)) for _ in "ab"
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        outside = db.session()
    assert len(sessions) == 2
    return [*sessions, outside]


def test_request_jobs_in_the_worker_command_have_sessions_of_their_own(app):
    a, b, command = _run_two_jobs(app, request=True)
    assert a is not b
    assert command not in (a, b)


def test_plain_jobs_in_the_worker_command_have_sessions_of_their_own(app):
    a, b, command = _run_two_jobs(app, request=False)
    assert a is not b
    assert command not in (a, b)
