"""Production gunicorn settings (`make serve`, or `gunicorn -c gunicorn.conf.py wsgi:app`)."""

import multiprocessing
import os

bind = os.environ.get("EOFFICE_BIND", "127.0.0.1:8000")
# One modest box behind nginx: sync workers, two per core. nginx buffers whole request bodies
# and responses (its defaults: keep proxy_request_buffering and proxy_buffering on), so a slow
# 2G client never holds a worker; with nothing to wait for, threads only contend for the GIL.
# Measured with bench/server.py: sync had the same throughput as gthread and half the p95
# (docs/performance.md).
workers = int(os.environ.get("EOFFICE_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("EOFFICE_THREADS", 1))
worker_class = os.environ.get("EOFFICE_WORKER_CLASS", "sync")
timeout = 60
keepalive = 5
# Recycle workers now and then (a leak cannot grow forever); a restart costs about 1 s of CPU.
max_requests = 50000
max_requests_jitter = 5000
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
