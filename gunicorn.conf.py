"""Production gunicorn settings (`make serve`, or `gunicorn -c gunicorn.conf.py wsgi:app`)."""

import multiprocessing
import os

bind = os.environ.get("EOFFICE_BIND", "127.0.0.1:8000")
# Behind nginx (EOFFICE_PROXIES) the app believes X-Forwarded-For from the proxy's address only;
# still, a port open to the network would let anyone skip nginx: loopback or a Unix socket only.
_host = bind.rsplit(":", 1)[0].strip("[]") if not bind.startswith("unix:") else "unix"
if os.environ.get("EOFFICE_PROXIES", "0") != "0" and _host not in (
    "unix",
    "127.0.0.1",
    "::1",
    "localhost",
):
    raise SystemExit(
        f"EOFFICE_BIND={bind}: behind a proxy gunicorn listens on 127.0.0.1 or a Unix socket only"
    )
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

# The job worker starts and stops with the app: one app, one Postgres, no broker. It reconnects
# by itself when Postgres restarts; should it exit all the same, the arbiter starts it again
# (a thread here watches it). In production the supported way is its own systemd service
# (deploy/systemd/eoffice-worker.service, Restart=always) with EOFFICE_JOBS_WORKER=0 here.
_jobs = {}


def _start_worker(server):
    import subprocess
    import sys

    _jobs["proc"] = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"]
    )
    server.log.info("job worker started, pid %s", _jobs["proc"].pid)


def _watch_worker(server):
    import time

    delay = 1
    while not _jobs.get("stopping"):
        time.sleep(2)
        proc = _jobs.get("proc")
        if _jobs.get("stopping") or proc is None or proc.poll() is None:
            continue
        server.log.error(
            "job worker exited with %s; starting it again in %s s", proc.returncode, delay
        )
        time.sleep(delay)
        delay = min(delay * 2, 60)
        if not _jobs.get("stopping"):
            _start_worker(server)


def when_ready(server):
    if os.environ.get("EOFFICE_JOBS_WORKER", "1") != "1":
        return
    import threading

    _start_worker(server)
    threading.Thread(target=_watch_worker, args=(server,), daemon=True, name="jobs-watch").start()


def on_exit(server):
    _jobs["stopping"] = True
    proc = _jobs.get("proc")
    if proc and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(35)
        except Exception:
            proc.kill()
