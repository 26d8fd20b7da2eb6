"""While six people send costly uploads at once (300-page PDFs: 37 KB each, 4–5 s to check),
the office keeps answering: gunicorn (2 workers) runs at most EOFFICE_HEAVY_SLOTS checks (1 of
2 workers here), tells the others "busy" at once, and /login answers within 2 s throughout."""

from __future__ import annotations

import threading
import time
import uuid

from tests import samples
from tests.test_movement_concurrency import Browser

USERS = ["clerk.revenue", "clerk.arms", "so.revenue", "so.arms", "adm.fr", "dm.lalitpur"]


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = bytearray()
    for k, v in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
    for k, (name, data) in files.items():
        out += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"; filename="{name}"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + data
            + b"\r\n"
        )
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def test_costly_uploads_do_not_stop_the_office(live_server):
    import urllib.error
    import urllib.request

    pdf = samples.pdf(300)
    sessions = []
    for who in USERS:
        b = Browser(live_server)
        b.login(who)
        sessions.append(b)
    forms = [s.hidden("/receipts/new") for s in sessions]
    barrier = threading.Barrier(len(USERS) + 1)
    statuses: list[int] = [0] * len(USERS)
    done = threading.Event()

    def upload(i: int) -> None:
        body, ctype = _multipart(
            {
                **forms[i],
                "sender_name": "परीक्षण",
                "subject": "भारी अपलोड",
                "received_on": time.strftime("%Y-%m-%d"),
                "mode": "hand",
                "language": "hi",
                "category": "0",
                "grading": "normal",
                "priority": "normal",
            },
            {"scan": ("big.pdf", pdf)},
        )
        req = urllib.request.Request(
            live_server + "/receipts/new", data=body, headers={"Content-Type": ctype}
        )
        barrier.wait()
        try:
            statuses[i] = sessions[i].opener.open(req, timeout=60).status
        except urllib.error.HTTPError as e:
            statuses[i] = e.code

    probes: list[float] = []

    def probe() -> None:
        barrier.wait()
        while not done.is_set():
            t0 = time.monotonic()
            urllib.request.urlopen(live_server + "/login", timeout=30).read()
            probes.append(time.monotonic() - t0)
            time.sleep(0.2)

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(len(USERS))]
    prober = threading.Thread(target=probe)
    for t in [*threads, prober]:
        t.start()
    for t in threads:
        t.join()
    done.set()
    prober.join()
    accepted = [s for s in statuses if s == 302]
    busy = [s for s in statuses if s == 400]
    assert accepted and len(accepted) + len(busy) == len(USERS), statuses
    assert len(probes) >= 3 and max(probes) < 2.0, probes
