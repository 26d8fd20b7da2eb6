"""The failover drill (issue #31, `make drill-failover`): Patroni + etcd, two PostgreSQL nodes
with synchronous replication, and the app under gunicorn, all on this machine.

1. etcd (Debian's etcd-server) and two Patroni nodes (Debian's patroni, PostgreSQL from
   Debian) with the settings of deploy/patroni/ (synchronous_mode, master_start_timeout 0),
   on local ports in a throwaway directory; the demo district loaded through the leader.
2. gunicorn with the production config; the app's DATABASE_URL names both nodes
   (libpq multi-host, target_session_attrs=read-write: it connects to whichever is primary).
3. The clerk and the section officer send one file back and forth in a loop, as fast as the
   app answers; every send the app reports as done (302 to the inbox) is noted.
4. After a steady spell, the leader's postmaster is SIGKILLed. Patroni promotes the
   synchronous standby; the loop goes on.
5. Checked: the app answered again within 30 s; every request in between got a "try again"
   page (503), never a 500; every move reported done is in the database (and no move is
   half-done: the file is with the post its last move sent it to); `flask audit verify` passes.

Figures (seconds without a working app, requests that failed) go to
bench/results/failover.json and docs/performance.md. Exit status 1 if a check fails.

    python scripts/drill_failover.py [--steady 15] [--after 20] [--results FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.ports import free_ports  # noqa: E402
from tests.syspg import as_user, pg_bin  # noqa: E402

SUPER_PW = "drill-super"
REPL_PW = "drill-repl"
APP_PW = "drill-app"


def patroni_yml(base: Path, name: str, pg_port: int, rest_port: int, etcd_port: int) -> str:
    """One node's configuration: deploy/patroni/patroni.yml with this drill's ports and paths."""
    template = (ROOT / "deploy" / "patroni" / "patroni.yml").read_text()
    node = base / name
    return (
        template.replace("@NAME@", name)
        .replace("@ETCD@", f"127.0.0.1:{etcd_port}")
        .replace("@REST@", f"127.0.0.1:{rest_port}")
        .replace("@PG@", f"127.0.0.1:{pg_port}")
        .replace("@DATA@", str(node / "data"))
        .replace("@BIN@", str(pg_bin()))
        .replace("@RUN@", str(node))
        .replace("@SUPER_PW@", SUPER_PW)
        .replace("@REPL_PW@", REPL_PW)
    )


def rest(port: int, path: str) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except OSError:
        return 0


def wait(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise SystemExit(f"drill: waited {seconds:.0f} s for {what}")


class Loop:
    """Two desks sending one file back and forth through the app, every answer noted."""

    def __init__(self, base: str, file_id: int, posts: dict[str, int]):
        from tests.test_movement_concurrency import Browser

        self.base, self.file_id, self.posts = base, file_id, posts
        self.desks = {}
        for who in ("clerk.revenue", "so.revenue"):
            b = Browser(base)
            b.login(who)
            self.desks[who] = b
        self.holder = "clerk.revenue"
        self.done: list[dict] = []  # moves the app reported as done
        self.answers: list[tuple[float, int]] = []  # (time, status) of every request
        self.odd: list[str] = []  # what answered neither 200, 302 nor 503, and what it said
        self.unknown = 0  # sends whose answer never came (the outcome unknown to the desk)
        self.stop = threading.Event()

    def _note(self, status: int) -> None:
        self.answers.append((time.time(), status))

    def run(self) -> None:
        other = {"clerk.revenue": "so.revenue", "so.revenue": "clerk.revenue"}
        while not self.stop.is_set():
            desk = self.desks[self.holder]
            to = other[self.holder]
            try:
                status, location, html = desk.request(f"/file/{self.file_id}/send")
                self._note(status)
                if status == 302 and location.rstrip("/").endswith(f"/files/{self.file_id}"):
                    # not with this desk: a send answered "try again" had gone through (its
                    # commit reached the standby before the primary died)
                    self.holder = to
                    continue
                if status != 200:
                    if status != 503:
                        self.odd.append(f"GET {status} {location}: {html[:200]}")
                    time.sleep(0.5)
                    continue
                fields = dict(re.findall(
                    r'name="(csrf_token|key|expected)" type="hidden" value="([^"]*)"', html))  # fmt: skip
                status, location, html = desk.request(
                    f"/file/{self.file_id}/send",
                    {**fields, "to_post": self.posts[to], "priority": "normal",
                     "remarks": f"अभ्यास {len(self.done) + 1}"},
                )  # fmt: skip
                self._note(status)
                if status not in (200, 302, 503):
                    title = re.search(r"<h1[^>]*>(.*?)</h1>", html or "", re.S)
                    self.odd.append(
                        f"POST {status}: {title.group(1).strip() if title else html[:200]}"
                    )
            except OSError:
                self._note(0)
                self.unknown += 1
                time.sleep(0.5)
                continue
            if status == 302 and location.endswith("/inbox"):
                self.done.append({"n": len(self.done) + 1, "at": time.time(), "to": to})
                self.holder = to
            elif status == 302:  # refused: it had already gone (a send answered 503 went in)
                _, _, page = desk.request(location.removeprefix(self.base))
                if "पहले ही आगे भेजी" in page or "already" in page:
                    self.holder = to
            else:
                time.sleep(0.5)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steady", type=float, default=15, help="seconds of sends before the kill")
    ap.add_argument("--after", type=float, default=20,
                    help="seconds of sends after the app answers again")  # fmt: skip
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "failover.json")
    args = ap.parse_args()

    import psycopg
    from sqlalchemy.engine import make_url

    from eoffice.platform.database import ensure_app_role, ensure_database

    base_dir = Path(tempfile.mkdtemp(prefix="eoffice-failover-"))
    etcd_port, etcd_peer, pg1, pg2, rest1, rest2, web = free_ports(7)
    nodes = {"node1": (pg1, rest1), "node2": (pg2, rest2)}
    procs: dict[str, subprocess.Popen] = {}
    logs = base_dir / "logs"
    logs.mkdir()
    result: dict = {"ok": False}
    loop = None
    try:
        for name in nodes:
            (base_dir / name).mkdir(mode=0o700)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for p in [base_dir, *base_dir.iterdir()]:
                os.chown(p, pw.pw_uid, pw.pw_gid)
        procs["etcd"] = subprocess.Popen(
            ["etcd", "--name", "drill", "--data-dir", str(base_dir / "etcd"),
             "--listen-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--advertise-client-urls", f"http://127.0.0.1:{etcd_port}",
             "--listen-peer-urls", f"http://127.0.0.1:{etcd_peer}",
             "--initial-advertise-peer-urls", f"http://127.0.0.1:{etcd_peer}",
             "--initial-cluster", f"drill=http://127.0.0.1:{etcd_peer}"],
            stdout=(logs / "etcd.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait(lambda: rest(etcd_port, "/health") == 200, 30, "etcd")
        for name, (pg_port, rest_port) in nodes.items():
            yml = base_dir / name / "patroni.yml"
            yml.write_text(patroni_yml(base_dir, name, pg_port, rest_port, etcd_port))
            if os.geteuid() == 0:
                os.chown(yml, pw.pw_uid, pw.pw_gid)
            procs[name] = subprocess.Popen(
                as_user(["patroni", str(yml)]), cwd="/",
                stdout=(logs / f"{name}.log").open("w"), stderr=subprocess.STDOUT,
            )  # fmt: skip
            if name == "node1":
                wait(lambda: rest(rest1, "/primary") == 200, 90, "node1 to lead")
        wait(lambda: rest(rest2, "/sync") == 200, 120, "node2 as synchronous standby")
        print("drill: etcd, node1 (leader) and node2 (synchronous standby) up", flush=True)

        admin = f"postgresql+psycopg://postgres:{SUPER_PW}@127.0.0.1:{pg1}/postgres"
        owner_one = ensure_database(admin, "eoffice")
        app_one = ensure_app_role(owner_one, password=APP_PW)

        def both(url: str) -> str:  # the same URL naming both nodes, read-write wanted
            u = make_url(url).set(host=None, port=None, query={
                "host": (f"127.0.0.1:{pg1}", f"127.0.0.1:{pg2}"),
                "target_session_attrs": "read-write", "connect_timeout": "3"})  # fmt: skip
            return u.render_as_string(hide_password=False)

        anchor = base_dir / "anchor.jsonl"
        env = {
            **os.environ,
            "DATABASE_URL": both(app_one),
            "DATABASE_OWNER_URL": both(owner_one),
            "EOFFICE_STORAGE_DIR": str(base_dir / "storage"),
            "EOFFICE_AUDIT_ANCHOR": str(anchor),
            "EOFFICE_TRUST_DIR": str(base_dir / "trust"),
            "EOFFICE_BIND": f"127.0.0.1:{web}",
            "EOFFICE_WORKERS": "2",
            "EOFFICE_JOBS_WORKER": "0",
            "SECRET_KEY": "failover-drill",
        }
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for step in (["db", "upgrade"], ["seed-demo"]):
            subprocess.run([*flask, *step], cwd=ROOT, env=env, check=True, capture_output=True)
        procs["gunicorn"] = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT, env=env,
            stdout=(logs / "gunicorn.log").open("w"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{web}"
        wait(lambda: rest(web, "/login") == 200, 60, "gunicorn")

        libpq_one = make_url(owner_one).set(drivername="postgresql")
        with psycopg.connect(libpq_one.render_as_string(hide_password=False)) as c:
            posts = dict(c.execute(
                "SELECT u.login_id, h.post_id FROM app_user u JOIN post_holding h "
                "ON h.user_id = u.id AND h.until IS NULL AND NOT h.is_additional "
                "WHERE u.login_id IN ('clerk.revenue', 'so.revenue')"
            ).fetchall())  # fmt: skip
            section, head = c.execute(
                "SELECT s.id, h.id FROM section s JOIN office o ON o.id = s.office_id "
                "JOIN subject_head h ON h.office_id = o.id AND h.code = 'भू-अभि' "
                "WHERE s.code = 'राज'").fetchone()  # fmt: skip
        from tests.test_movement_concurrency import Browser

        clerk = Browser(base)
        clerk.login("clerk.revenue")
        fields = clerk.hidden("/files/new")
        status, location, _ = clerk.request("/files/new", {
            **fields, "subject": "विफलता अभ्यास: पत्रावली मेज़ से मेज़", "section": section,
            "head": head, "kind": "electronic", "category": "0", "grading": "normal",
            "priority": "normal"})  # fmt: skip
        assert status == 302, status
        file_id = int(location.rsplit("/", 1)[1])

        loop = Loop(base, file_id, posts)
        t = threading.Thread(target=loop.run, daemon=True)
        t.start()
        time.sleep(args.steady)
        before = len(loop.done)
        pid = int((base_dir / "node1" / "data" / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        killed = time.time()
        print(f"drill: {before} moves done; node1's postmaster ({pid}) killed", flush=True)
        wait(lambda: rest(rest2, "/primary") == 200, 60, "node2 to be promoted")
        promoted = time.time()
        # the app answers again: a move done after the kill
        wait(lambda: any(m["at"] > killed for m in loop.done), 90, "a move after the kill")
        back = min(m["at"] for m in loop.done if m["at"] > killed)
        time.sleep(args.after)
        loop.stop.set()
        t.join(timeout=90)

        failed = [(at, s) for at, s in loop.answers if at > killed and s != 200 and s != 302]
        fivehundreds = [s for _, s in loop.answers if s >= 500 and s != 503]
        with psycopg.connect(  # whichever node is primary now
            host="127.0.0.1,127.0.0.1", port=f"{pg1},{pg2}", dbname="eoffice", user="postgres",
            password=SUPER_PW, target_session_attrs="read-write",
        ) as c:  # fmt: skip
            moves = c.execute(
                "SELECT count(*) FROM movement WHERE file_id = %s", (file_id,)).fetchone()[0]  # fmt: skip
            holder, last_to = c.execute(
                "SELECT f.holder_post_id, (SELECT to_post_id FROM movement WHERE file_id = f.id "
                "ORDER BY id DESC LIMIT 1) FROM efile f WHERE f.id = %s", (file_id,)).fetchone()  # fmt: skip
        verify = subprocess.run([*flask, "audit", "verify"], cwd=ROOT, env=env,
                                capture_output=True, text=True)  # fmt: skip
        result = {
            "moves_reported_done": len(loop.done),
            "moves_in_database": moves,
            "moves_before_kill": before,
            "seconds_until_promoted": round(promoted - killed, 1),
            "seconds_without_app": round(back - killed, 1),
            "requests_failed": len(failed),
            "failed_statuses": sorted({s for _, s in failed}),
            "answers_500": len(fivehundreds),
            "sends_unanswered": loop.unknown,
            "odd_answers": loop.odd[:10],
            "holder_matches_last_move": holder == last_to,
            "audit_verify": verify.returncode == 0,
        }
        checks = {
            "every move reported done is there": moves >= len(loop.done),
            "no move counted twice or half-done": holder == last_to
            and moves <= len(loop.done) + len(failed),
            "the app answered again within 30 s": back - killed <= 30,
            "never a 500": not fivehundreds,
            "failed requests answered 503 (try again)": all(s in (503, 0) for _, s in failed),
            "audit verify passes": verify.returncode == 0,
        }
        result["checks"] = checks
        result["ok"] = all(checks.values())
        if verify.returncode != 0:
            result["audit_verify_said"] = (verify.stdout + verify.stderr)[-500:]
    except SystemExit as e:  # a wait that ran out: said, and the logs below
        result["failed"] = str(e)
    finally:
        if loop is not None:
            loop.stop.set()
        for name in ("gunicorn", "node2", "node1", "etcd"):
            p = procs.get(name)
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["pkill", "-f", f"{base_dir}/node"], check=False)
        if not result.get("ok"):
            for f in sorted(logs.glob("*.log")):
                print(f"--- {f.name} (last lines)")
                print(f.read_text(errors="replace")[-2500:])
        shutil.rmtree(base_dir, ignore_errors=True)
    args.results.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
