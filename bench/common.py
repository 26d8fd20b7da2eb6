"""Shared by the benchmarks: gunicorn over a bench database, logging in, results files."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
#: the benchmark user: a section assistant of the first bulk office, with files in the inbox
USER, PASSWORD = "bulk.1.1", "demo@1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def gunicorn(db_url: str, app: str = "wsgi:app", **extra_env: str):
    """The production config (gunicorn.conf.py: 2 sync workers per core), no job worker and no
    access log (both would only add noise). `app`: another WSGI app under the same config (the
    bare baseline, bench/baseline.py)."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "EOFFICE_BIND": f"127.0.0.1:{port}",
        "EOFFICE_JOBS_WORKER": "0",
        **extra_env,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "gunicorn.conf.py",
            "--access-logfile",
            "/dev/null",
            app,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/login", timeout=2)
            break
        except urllib.error.HTTPError:  # up (the baseline has no /login)
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start") from None
            time.sleep(0.3)
    try:
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:  # workers still in slow requests: the figures stand
            proc.kill()
            proc.wait(15)


def login(base: str, user: str = USER, password: str = PASSWORD) -> str:
    """Log in with a real form post; return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode(
        {"csrf_token": token, "login_id": user, "password": password}
    ).encode()
    opener.open(base + "/login", data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def get(base: str, path: str, cookie: str) -> str:
    req = urllib.request.Request(base + path, headers={"Cookie": cookie})
    return urllib.request.urlopen(req).read().decode()


def save(kind: str, payload: dict) -> Path:
    """The run's figures as bench/results/<kind>-<UTC time>.json and <kind>-latest.json, with
    the machine's load averages (1, 5, 15 minutes) at the end of the run, also printed: the
    5-minute one is about the load the run itself ran under (issue #32: figures with their load)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {**payload, "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()]}
    print("load average at the end (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{kind}-{stamp}.json"
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    (RESULTS / f"{kind}-latest.json").write_text(json.dumps(payload, ensure_ascii=False, indent=2))
    return path


def verdict(value: float, budget: float, *, higher_is_better: bool = False) -> str:
    ok = value >= budget if higher_is_better else value <= budget
    return "ok" if ok else "MISSED"
