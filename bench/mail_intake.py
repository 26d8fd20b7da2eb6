"""What email dak costs (issue #30): a real Dovecot (tests/dovecot.py) holding N messages (a
Hindi letter each, every tenth with a scanned Hindi PDF attached), a fresh demo database on the
embedded server, and the job worker's own code run by its commands:

- taking: `flask mail check` until nothing waits (the worker's every-minute check, in batches of
  at most 8 s each): messages per second, seconds for all;
- preparing: each draft's printed page, its attachments through the upload sanitiser, OCR of
  the attached pages (`services.prepare` + `read_pages`, as the heavy lane runs them), timed per
  draft with and without an attachment;
- the issue's budget, end to end: with the real job worker running (`flask jobs worker`, idle),
  an email with a one-page scanned Hindi PDF is delivered to Dovecot and a check is queued as
  "अभी पढ़ें" queues it; the seconds until its draft is prepared and its OCR done (each of
  --latency emails in turn). The budget is "within a minute" (60 s). The browser test only
  waits for it; the time is measured here (a timed test flakes on a busy machine).

    python bench/mail_intake.py [--messages 1000] [--prepare 20] [--latency 3]

Results go to bench/results/mail_intake.json and are quoted in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from email.message import EmailMessage
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PREPARE = """
import json, os, time
from sqlalchemy import select
from wsgi import app
from eoffice.mailroom import services
from eoffice.mailroom.models import MailDraft
from eoffice.platform.extensions import db
out = {"plain": [], "attached": []}
with app.test_request_context(base_url=app.config["BASE_URL"]):
    ids = db.session.scalars(select(MailDraft.id).where(MailDraft.status == "preparing")
                             .order_by(MailDraft.id).limit(int(os.environ["BENCH_PREPARE"]))).all()
    for i in ids:
        d = db.session.get(MailDraft, i)
        t = time.perf_counter()
        services.prepare(d)
        if d.ocr_status == "pending":
            services.read_pages(d)
        db.session.commit()
        out["attached" if d.attachments else "plain"].append(time.perf_counter() - t)
print(json.dumps(out))
"""


def message(n: int, letter: bytes) -> bytes:
    m = EmailMessage()
    m["From"] = f"ग्राम प्रधान {n} <pradhan{n}@example.in>"
    m["Subject"] = f"हैंडपंप मरम्मत हेतु आवेदन, ग्राम {n}"
    m["Message-ID"] = f"<bench-{n}@example.in>"
    m.set_content(f"महोदय,\nग्राम {n} का हैंडपंप खराब है। कृपया मरम्मत कराएँ।\nग्राम प्रधान")
    if n % 10 == 0:
        m.add_attachment(letter, maintype="application", subtype="pdf", filename="पत्र.pdf")
    return m.as_bytes()


ENQUEUE_CHECK = """
from wsgi import app
from eoffice.platform import jobs
from eoffice.platform.extensions import db
with app.app_context():
    jobs.enqueue("mail_check", "mail")
    db.session.commit()
"""


def end_to_end(flask: list, env: dict, server, letter: bytes, count: int) -> list[float]:
    """Seconds from delivery (and a queued check) to a draft with its OCR, the worker idle."""
    log = open("/tmp/eoffice-bench-mail-worker.log", "w")  # noqa: SIM115 (the worker's life)
    worker = subprocess.Popen([*flask, "jobs", "worker"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    import psycopg

    from tests.ownserver import libpq

    out = []
    conn = psycopg.connect(libpq(env["DATABASE_URL"]), autocommit=True)
    try:
        time.sleep(5)  # the worker's start (its first periodic check may come and go)
        for n in range(count):
            msg = message(10_000 + n * 10, letter)  # every tenth has the PDF
            msgid = f"<bench-{10_000 + n * 10}@example.in>"
            t = time.perf_counter()
            server.append(msg)
            subprocess.run([sys.executable, "-c", ENQUEUE_CHECK], cwd=ROOT, env=env, check=True)
            while True:
                ready = conn.execute(
                    "SELECT 1 FROM mail_draft WHERE message_id = %s AND status = 'ready'"
                    " AND ocr_status = 'done'", (msgid,)).fetchone()  # fmt: skip
                if ready:
                    break
                if time.perf_counter() - t > 600:
                    raise SystemExit(f"email {n}: no draft with OCR in 10 minutes")
                time.sleep(0.5)
            out.append(round(time.perf_counter() - t, 1))
    finally:
        conn.close()
        worker.terminate()
        worker.wait(timeout=60)
        log.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--prepare", type=int, default=20)
    ap.add_argument("--latency", type=int, default=3)
    args = ap.parse_args()

    from eoffice.platform.database import embedded_server_uri, ensure_database
    from tests import dovecot, samples
    from tests.test_mail_drill import SET_MAILBOX

    pgdata = ROOT / "instance" / "pgdata"
    owner = ensure_database(embedded_server_uri(pgdata), "eoffice_bench_mail", recreate=True)
    server = dovecot.start()
    storage = Path("/tmp/eoffice-bench-mail-store")
    env = {
        **os.environ,
        "DATABASE_URL": owner,
        "EOFFICE_STORAGE_DIR": str(storage),
        "EOFFICE_AUDIT_ANCHOR": "/tmp/eoffice-bench-mail-anchor.jsonl",
        "EOFFICE_MAIL_CA_FILE": str(server.ca_file),
        "DRILL_PORT": str(server.port),
        "DRILL_USER": server.user,
        "DRILL_PASSWORD": server.password,
        "BENCH_PREPARE": str(args.prepare),
    }
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    try:
        for step in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(
            [sys.executable, "-c", "import os\n" + SET_MAILBOX], cwd=ROOT, env=env, check=True
        )
        letter = samples.letter_pdf()
        latencies = end_to_end(flask, env, server, letter, args.latency)
        c = server.client()
        for n in range(args.messages):
            c.append("INBOX", None, None, message(n, letter))
        c.logout()
        t = time.perf_counter()
        done = subprocess.run([*flask, "mail", "check"], cwd=ROOT, env=env, capture_output=True,
                              text=True, check=True)  # fmt: skip
        take = time.perf_counter() - t
        assert server.unseen() == 0, done.stdout
        prep = subprocess.run([sys.executable, "-c", PREPARE], cwd=ROOT, env=env,
                              capture_output=True, text=True, check=True)  # fmt: skip
        times = json.loads(prep.stdout.strip().splitlines()[-1])
    finally:
        server.stop()
    result = {
        "email_to_draft_with_ocr_s": latencies,
        "budget_s": 60,
        "messages": args.messages,
        "take_seconds": round(take, 1),
        "taken_per_second": round(args.messages / take, 1),
        "command_said": done.stdout.strip(),
        "prepare_plain_median_s": round(statistics.median(times["plain"]), 2) if times["plain"] else None,
        "prepare_attached_median_s": round(statistics.median(times["attached"]), 2) if times["attached"] else None,
        "prepared": {k: len(v) for k, v in times.items()},
    }  # fmt: skip
    out = ROOT / "bench" / "results" / "mail_intake.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
