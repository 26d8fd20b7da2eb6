"""Production gunicorn settings (`make serve`, or `gunicorn -c gunicorn.conf.py wsgi:app`)."""

import multiprocessing
import os

bind = os.environ.get("EOFFICE_BIND", "127.0.0.1:8000")
# One modest box: two workers per core, with threads so a slow 2G upload does not hold a worker.
workers = int(os.environ.get("EOFFICE_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("EOFFICE_THREADS", 4))
worker_class = "gthread"
timeout = 60
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
forwarded_allow_ips = os.environ.get("EOFFICE_FORWARDED_ALLOW_IPS", "127.0.0.1")

# The job worker (OCR of dak) starts and stops with the app: one app, one Postgres, no broker.
# Set EOFFICE_JOBS_WORKER=0 to run `flask --app wsgi jobs worker` as a separate service instead.
_jobs = {}


def when_ready(server):
    if os.environ.get("EOFFICE_JOBS_WORKER", "1") != "1":
        return
    import subprocess
    import sys

    _jobs["proc"] = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"]
    )
    server.log.info("job worker started, pid %s", _jobs["proc"].pid)


def on_exit(server):
    proc = _jobs.get("proc")
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except Exception:
            proc.kill()
